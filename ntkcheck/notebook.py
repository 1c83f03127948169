"""Jupyter-friendly entry point: ``ntkcheck.verify("terjek.lambda_min.limit", quick=True)``
returns the Verdict, which displays as a table (draw it with ``ntkcheck.plot.claim_figure``)."""

from __future__ import annotations

from typing import Any

from ntkcheck.claims.check import check
from ntkcheck.claims.verdict import Verdict


def verify(claim_id: str, *, quick: bool = False, full: bool = False, **setting: Any) -> Verdict:
    """Check one registered claim at the quick, default or full size, with setting overrides.

    Unknown setting keys raise an error listing the valid ones; an unknown claim id suggests
    the closest ids.
    """
    if quick and full:
        raise ValueError("Pass quick=True or full=True, not both.")
    size = "quick" if quick else ("full" if full else "default")
    return check(claim_id, setting, size=size)
