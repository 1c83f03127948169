"""Reports of verdicts: the table printed by ``ntkcheck verify`` and the stored JSON report
(arrays in the sibling .npz, see :mod:`ntkcheck.results`).

Report layout (``format`` = ``ntkcheck.report/1``): ``command``, ``size``, ``versions``,
``summary`` (counts per outcome), ``verdicts`` (each a :class:`~ntkcheck.claims.Verdict` as a
dict: ``claim_id``, ``outcome`` ∈ {pass, fail, vacuous, error}, ``cached``, ``foil``,
``code_version``, ``requirements`` (each with its ``outcome``, ``margin``, ``tightness``,
``worst_index`` and ``worst_at``), ``measured``, ``error``, ...), ``explored`` (per claim, the
settings the results store has checked it on and its counterexamples).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ntkcheck.claims.verdict import OUTCOMES, Verdict
from ntkcheck.provenance import versions
from ntkcheck.results import read_record, write_record

REPORT_FORMAT = "ntkcheck.report/1"


def table(verdicts: Iterable[Verdict]) -> str:
    """One row per gating requirement: claim, status, outcome, measured (worst element and
    where), relation, bound, margin, tightness; an error shows its reason instead."""
    head = [
        "claim",
        "status",
        "verdict",
        "requirement",
        "measured",
        "rel",
        "bound",
        "margin",
        "tight",
        "s",
    ]
    rows = [head]
    for v in verdicts:
        verdict = v.outcome.upper() + (" (foil)" if v.foil else "")
        first = [v.claim_id, v.status, verdict]
        reqs = [r for r in v.requirements if not r.report_only]
        if v.outcome == "error" or not reqs:
            rows.append([*first, "error: " + v.reason(), "", "", "", "", "", f"{v.seconds:.1f}"])
            continue
        for i, r in enumerate(reqs):
            measured, bound = r.headline()
            name = r.name if r.outcome == "pass" else f"{r.name} ({r.tag()})"
            rows.append(
                [
                    *(first if i == 0 else ["", "", ""]),
                    name,
                    measured,
                    r.relation,
                    bound,
                    f"{r.margin:+.3g}",
                    f"{r.tightness:.3g}",
                    f"{v.seconds:.1f}" if i == 0 else "",
                ]
            )
    widths = [max(len(row[i]) for row in rows if len(row) > i) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


LEGEND = (
    "measured: the worst element of an array and where it is; margin: relative slack of the "
    "worst element (> 0 holds, < 0 violated); tight: measured/bound for a '<=' bound (bound/"
    "measured for '>='), 1 = the bound is attained, near 0 = a loose bound; VACUOUS: the bound "
    "cannot be violated in the quantity's range (not a pass)."
)


def write_report(
    verdicts: list[Verdict],
    path: str | Path,
    command: str,
    size: str,
    explored: dict[str, Any] | None = None,
) -> Path:
    """Store every verdict (with its measurements) as one report record; ``explored``: per
    claim id, where the results store has checked it (:func:`ntkcheck.claims.region`)."""
    record: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "command": command,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "size": size,
        "versions": versions(),
        "summary": {o: sum(v.outcome == o for v in verdicts) for o in OUTCOMES},
        "verdicts": [v.to_dict() for v in verdicts],
        "explored": explored or {},
    }
    return write_record(record, path)


def explored_lines(explored: dict[str, Any]) -> list[str]:
    """One line per claim checked on more than one setting, and one per counterexample."""
    lines = []
    for claim_id, region in explored.items():
        if region["settings"] > 1:
            lines.append(f"{claim_id}: checked on {region['settings']} settings")
        for found in region["counterexamples"]:
            where = "INSIDE" if found["inside_assumptions"] else "outside"
            lines.append(
                f"  counterexample {where} its assumptions: {found['reason']}\n"
                f"    reproduce: {found['reproduce']}"
            )
    return lines


def read_report(path: str | Path) -> list[Verdict]:
    """The verdicts of a report written by :func:`write_report`."""
    record = read_record(path)
    if record.get("format") != REPORT_FORMAT:
        raise ValueError(f"{path} is not an ntkcheck report (format {record.get('format')!r}).")
    return [Verdict.from_dict(v) for v in record["verdicts"]]
