"""Jupyter-friendly entry point: ``ntkcheck.verify("terjek.lambda_min.limit", quick=True)``
returns the Verdict, which displays as a table and draws its figure with ``.plot()``."""

from __future__ import annotations

from typing import Any

from ntkcheck.check import Verdict, check


def verify(claim_id: str, *, quick: bool = False, full: bool = False, **setting: Any) -> Verdict:
    """Check one registered claim at the quick, default or full size, with setting overrides.

    Unknown setting keys raise ``KeyError`` listing the valid ones; an unknown claim id
    suggests the closest ids.
    """
    from proofs import get_claim  # the registry is read only by user-facing entry points

    if quick and full:
        raise ValueError("Pass quick=True or full=True, not both.")
    size = "quick" if quick else ("full" if full else "default")
    return check(get_claim(claim_id), setting, size=size)
