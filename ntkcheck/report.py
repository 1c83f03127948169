"""Reports of verdicts: the pass/fail table printed by ``ntkcheck verify`` and the stored JSON
report (arrays in the sibling .npz, see :mod:`ntkcheck.results`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ntkcheck.check import RequirementResult, Verdict
from ntkcheck.provenance import versions
from ntkcheck.results import read_record, write_record

REPORT_FORMAT = "ntkcheck.report/1"


def headline(r: RequirementResult) -> tuple[str, str]:
    """(measured, bound) of a requirement as short strings (worst element for arrays)."""
    if r.relation == "in":
        return _value(r.measured, r.worst_index), f"[{r.bound[0]:.3g}, {r.bound[1]:.3g}]"
    return _value(r.measured, r.worst_index), _value(r.bound, r.worst_index)


def _value(x: Any, worst: int | None) -> str:
    """A scalar, or an array's worst element as ``value@index``."""
    arr = np.asarray(x, dtype=float).reshape(-1)
    if arr.size == 1:
        return f"{arr[0]:.4g}"
    i = min(worst or 0, arr.size - 1)
    return f"{arr[i]:.4g}@{i}" if arr.size else "[]"


def table(verdicts: Iterable[Verdict]) -> str:
    """One row per gating requirement: claim, status, outcome, measured, relation, bound, margin."""
    rows = [
        ["claim", "status", "verdict", "requirement", "measured", "rel", "bound", "margin", "s"]
    ]
    for v in verdicts:
        reqs = [r for r in v.requirements if not r.report_only] or [None]
        for i, r in enumerate(reqs):
            first = i == 0
            if r is None:
                cells = ["—", "", "", "", "", ""]
            else:
                m, b = headline(r)
                cells = [r.name, m, r.relation, b, f"{r.margin:+.3g}", ""]
            rows.append(
                [v.claim_id if first else "", v.status if first else "",
                 v.outcome.upper() if first else "", *cells[:5],
                 f"{v.seconds:.1f}" if first else ""]
            )  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_report(verdicts: list[Verdict], path: str | Path, command: str, size: str) -> Path:
    """Store every verdict (with its measurements) as one report record."""
    record: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "command": command,
        "size": size,
        "versions": versions(),
        "summary": {o: sum(v.outcome == o for v in verdicts) for o in ("pass", "fail", "error")},
        "verdicts": [v.to_dict() for v in verdicts],
    }
    return write_record(record, path)


def read_report(path: str | Path) -> list[Verdict]:
    """The verdicts of a report written by :func:`write_report`."""
    record = read_record(path)
    if record.get("format") != REPORT_FORMAT:
        raise ValueError(f"{path} is not an ntkcheck report (format {record.get('format')!r}).")
    return [Verdict.from_dict(v) for v in record["verdicts"]]
