"""The result of checking a claim: plain data, JSON-serializable, with short text renderings.

Outcomes: "pass", "fail", "vacuous" (a gating bound cannot be violated at that setting: it lies
beyond the range the quantity can take; reported, never counted as a pass) and "error" (the
measurement raised, or measured nothing: an empty or NaN value).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from html import escape
from typing import Any, Literal, get_args

import numpy as np

Outcome = Literal["pass", "fail", "vacuous", "error"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
RequirementOutcome = Literal["pass", "fail", "vacuous"]


@dataclass(frozen=True)
class RequirementResult:
    """One requirement evaluated against the measurement.

    ``margin``: relative slack of the worst element, (bound − measured)/max(|bound|, |measured|)
    for "<=" (mirrored for ">="), the distance to the nearer edge over the half-width for a
    window, (tolerance − error)/tolerance for "=="; > 0 satisfied, < 0 violated.
    ``tightness``: how much of the room the bound leaves is used, at the worst element: for
    positive one-sided quantities the ratio measured/bound ("<=") or bound/measured (">="), for
    a window |measured − centre|/half-width; 1 = the bound is attained, near 0 = a loose bound,
    > 1 = violated. ``worst_index``: the worst element's index into the measured array (one
    entry per axis; None for a scalar); ``worst_at``: the values of the requirement's ``where``
    keys there (e.g. {"width": 16, "seed": 2, "t": 1}).
    """

    name: str
    quantity: str
    relation: str
    description: str
    measured: Any
    bound: Any
    outcome: RequirementOutcome
    margin: float
    tightness: float
    report_only: bool
    worst_index: list[int] | None = None
    worst_at: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.outcome == "pass"

    def tag(self) -> str:
        """ "ok", "FAILED", "vacuous" or "report-only"."""
        if self.report_only:
            return "report-only"
        return {"pass": "ok", "fail": "FAILED", "vacuous": "vacuous"}[self.outcome]

    def headline(self) -> tuple[str, str]:
        """(measured, bound) as short strings: the worst element of an array, and where it is."""
        measured = np.asarray(self.measured, dtype=float)
        if self.relation == "in" and isinstance(self.bound, (list, tuple)):
            bound = f"[{_num(self.bound[0])}, {_num(self.bound[1])}]"
        else:
            bound = _num(_at(np.asarray(self.bound, dtype=float), measured.shape, self.worst_index))
        value = _num(_at(measured, measured.shape, self.worst_index))
        if measured.size == 0:
            value = "[] (nothing measured)"
        elif measured.size > 1:
            value += " at " + self.location()
        return value, bound

    def location(self) -> str:
        """Where the worst element is: ``width=16, seed=2, t=1``, else its index."""
        if self.worst_at:
            return ", ".join(f"{k}={_num(v)}" for k, v in self.worst_at.items())
        return "index " + ",".join(str(i) for i in self.worst_index or [])


def _at(values: np.ndarray, shape: tuple[int, ...], index: list[int] | None) -> float:
    if values.size == 1:
        return float(values.reshape(-1)[0])
    if values.size == 0:
        return float("nan")
    try:
        values = np.broadcast_to(values, shape)
    except ValueError:
        return float(values.reshape(-1)[0])
    return float(values[tuple(index)] if index else values.reshape(-1)[0])


def _num(x: Any) -> str:
    """Numbers to 4 significant digits, except whole coordinates such as widths (16384)."""
    if not isinstance(x, (int, float, np.floating, np.integer)):
        return str(x)
    value = float(x)
    return str(int(value)) if value.is_integer() and abs(value) < 1e9 else f"{value:.4g}"


@dataclass(frozen=True)
class Verdict:
    """The result of checking one claim on one setting (plain data via :meth:`to_dict`).

    ``code_version``: ntkcheck's version and a hash of the claim's declaration and measurement
    code, so a stored verdict is known to be stale when either changes. ``cached``: served from
    a results store rather than measured now. ``foil``: the description of the foil applied
    ("" for the claim itself).
    """

    claim_id: str
    status: str
    statement: str
    source: str
    setting: dict[str, Any]
    outcome: Outcome
    margin: float
    requirements: list[RequirementResult]
    measured: dict[str, Any]
    seconds: float
    versions: dict[str, str]
    command: str
    code_version: str = ""
    error: str = ""
    foil: str = ""
    cached: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.outcome == "pass"

    def to_dict(self) -> dict[str, Any]:
        """Plain data (numpy arrays kept as arrays): store with ntkcheck.results.write_record."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        """Rebuild a Verdict from :meth:`to_dict` output (e.g. read back by read_record)."""
        fields_ = dict(data)
        fields_["requirements"] = [RequirementResult(**r) for r in data["requirements"]]
        return cls(**fields_)

    def reason(self) -> str:
        """Why the verdict is what it is, in one line: the error's last line, or the first
        failing (else vacuous) gating requirement with its numbers."""
        if self.outcome == "error":
            lines = self.error.strip().splitlines()
            return lines[-1] if lines else "error"
        for wanted in ("fail", "vacuous"):
            for r in self.requirements:
                if not r.report_only and r.outcome == wanted:
                    measured, bound = r.headline()
                    why = " (vacuous: cannot be violated in the quantity's range)"
                    return f"{r.name} {r.relation} {bound}: measured {measured}" + (
                        why if wanted == "vacuous" else ""
                    )
        return ""

    def summary(self) -> str:
        """One line per requirement: measured vs bound, for tables and failure messages."""
        foil = f" under foil: {self.foil}" if self.foil else ""
        lines = [
            f"{self.claim_id} [{self.status}] {self.outcome.upper()}{foil} "
            f"(margin {self.margin:+.3g})"
        ]
        for r in self.requirements:
            measured, bound = r.headline()
            lines.append(
                f"  {r.name} {r.relation} {bound}: measured {measured} "
                f"[{r.tag()}, margin {r.margin:+.3g}, tightness {r.tightness:.3g}]"
            )
        if self.error:
            lines.append(f"  error: {self.reason()}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Rich display in Jupyter: outcome, source and the requirement table."""
        color = {"pass": "#1a7f37", "fail": "#cf222e", "vacuous": "#6e7781", "error": "#9a6700"}
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{escape(c)}</td>"
                for c in (
                    r.name,
                    r.headline()[0],
                    r.relation,
                    r.headline()[1],
                    f"{r.margin:+.3g}",
                    f"{r.tightness:.3g}",
                    r.tag(),
                )
            )
            + "</tr>"
            for r in self.requirements
        )
        return (
            f"<div><b>{escape(self.claim_id)}</b> [{self.status}] "
            f"<b style='color:{color[self.outcome]}'>{self.outcome.upper()}</b> (margin "
            f"{self.margin:+.3g}, {self.seconds:.1f} s)<br><i>{escape(self.statement)}</i><br>"
            f"<small>{escape(self.source)} — reproduce: <code>{escape(self.command)}</code>"
            "</small><table><tr><th>requirement</th><th>measured</th><th>rel</th><th>bound</th>"
            f"<th>margin</th><th>tightness</th><th></th></tr>{rows}</table>"
            + (f"<pre>{escape(self.error)}</pre>" if self.error else "")
            + "</div>"
        )
