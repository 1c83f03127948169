"""The one place where a bound meets a measurement: ``check(claim, setting) -> Verdict``.

Takes any claim object with the attributes of ``proofs.claim.Claim`` (this module never imports
``proofs``). Requirements are evaluated with sympy ``lambdify`` on the setting, the named
constants and the measured values; arrays make a requirement elementwise ("for all t").
"""

from __future__ import annotations

import math
import shlex
import time
import traceback
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import sympy as sp

from ntkcheck.device import on_device, resolve_device
from ntkcheck.provenance import versions

Outcome = Literal["pass", "fail", "error"]


@dataclass(frozen=True)
class RequirementResult:
    """One requirement evaluated: measured vs bound, pass/fail and the relative margin.

    ``margin`` > 0 means satisfied with that relative slack; < 0, violated by that much.
    Arrays are summarized by the worst element (``worst_index``).
    """

    name: str
    relation: str
    description: str
    measured: Any
    bound: Any
    passed: bool
    margin: float
    report_only: bool
    worst_index: int | None = None


@dataclass(frozen=True)
class Verdict:
    """The result of checking one claim on one setting (JSON-serializable via ``to_dict``)."""

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
    error: str = ""
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

    def plot(self, path: str | None = None) -> Any:
        """The claim's standard figure (matplotlib Figure); also saved as path.png/.svg."""
        from pathlib import Path

        from ntkcheck.plot import claim_figure

        return claim_figure(self, None if path is None else Path(path))

    def _repr_html_(self) -> str:
        """Rich display in Jupyter: outcome, source and the requirement table."""
        from html import escape

        from ntkcheck.report import headline

        color = {"pass": "#1a7f37", "fail": "#cf222e", "error": "#9a6700"}[self.outcome]
        rows = "".join(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:+.3g}</td><td>{}</td></tr>"
            .format(escape(r.name), *map(escape, (headline(r)[0], r.relation, headline(r)[1])),
                    r.margin, "report-only" if r.report_only else ("ok" if r.passed else "FAILED"))
            for r in self.requirements
        )  # fmt: skip
        return (
            f"<div><b>{escape(self.claim_id)}</b> [{self.status}] "
            f"<b style='color:{color}'>{self.outcome.upper()}</b> (margin {self.margin:+.3g}, "
            f"{self.seconds:.1f} s)<br><i>{escape(self.statement)}</i><br>"
            f"<small>{escape(self.source)} — reproduce: <code>{escape(self.command)}</code>"
            "</small><table><tr><th>requirement</th><th>measured</th><th>rel</th><th>bound</th>"
            f"<th>margin</th><th></th></tr>{rows}</table>"
            + (f"<pre>{escape(self.error)}</pre>" if self.error else "")
            + "</div>"
        )

    def summary(self) -> str:
        """One line per requirement: measured vs bound, for tables and failure messages."""
        lines = [
            f"{self.claim_id} [{self.status}] {self.outcome.upper()} (margin {self.margin:+.3g})"
        ]
        for r in self.requirements:
            tag = "report-only" if r.report_only else ("ok" if r.passed else "FAILED")
            lines.append(
                f"  {r.name} {r.relation} {_short(r.bound)}: measured {_short(r.measured)} "
                f"[{tag}, margin {r.margin:+.3g}]"
            )
        if self.error:
            lines.append(f"  error: {self.error.strip().splitlines()[-1]}")
        return "\n".join(lines)


def check(
    claim: Any,
    setting: Mapping[str, Any] | None = None,
    *,
    size: str = "default",
    device: str = "cpu",
) -> Verdict:
    """Measure ``claim`` on ``setting`` (default: its ``size`` setting) and judge every requirement.

    ``device``: where the measurement's models and data live ("cpu", "cuda", "cuda:N"; seeded
    draws are identical on every device, float64 throughout); recorded in ``extras``.
    An exception inside the measurement gives outcome "error" with the traceback, never a pass.
    An unmet assumption of the claim raises ``ValueError`` naming it (the setting is invalid);
    an unavailable device raises :class:`~ntkcheck.errors.DeviceError`.
    """
    full = dict(claim.sizes[size]) if setting is None else claim.setting(size, **dict(setting))
    _check_assumptions(claim, full)
    target = resolve_device(device)
    base = dict(
        claim_id=claim.id,
        status=claim.status,
        statement=claim.statement,
        source=claim.source.cite(),
        setting=full,
        versions=versions(),
        command=reproduce_command(claim.id, size, full, claim.sizes[size], str(target)),
        extras={
            "figure": None if claim.figure is None else claim.figure.to_dict(),
            "device": str(target),
        },
    )
    start = time.perf_counter()
    try:
        with on_device(target):
            measured = dict(claim.measure(full))
    except Exception as err:  # noqa: BLE001 - reported in the verdict, never swallowed silently
        return Verdict(
            **base,
            outcome="error",
            margin=-math.inf,
            requirements=[],
            measured={},
            seconds=time.perf_counter() - start,
            error="".join(traceback.format_exception(err)),
        )
    values = {**full, **dict(claim.constants), **measured}
    results = [_evaluate(r, values) for r in claim.requirements]
    gating = [r for r in results if not r.report_only]
    return Verdict(
        **base,
        outcome="pass" if all(r.passed for r in gating) else "fail",
        margin=min(r.margin for r in gating),
        requirements=results,
        measured=measured,
        seconds=time.perf_counter() - start,
    )


def reproduce_command(
    claim_id: str,
    size: str,
    setting: Mapping[str, Any],
    base: Mapping[str, Any],
    device: str = "cpu",
) -> str:
    """The ``ntkcheck verify`` command that re-runs exactly this setting."""
    flag = {"quick": " --quick", "full": " --full"}.get(size, "")
    flag += "" if device == "cpu" else f" --device {device}"
    sets = "".join(
        f" --set {shlex.quote(f'{k}={_cli_value(v)}')}"
        for k, v in setting.items()
        if v != base.get(k)
    )
    return f"ntkcheck verify {claim_id}{flag}{sets}"


def _check_assumptions(claim: Any, setting: Mapping[str, Any]) -> None:
    values = {**setting, **dict(claim.constants)}
    for a in claim.assumptions:
        subs = {s: values[s.name] for s in a.free_symbols}
        if not bool(a.subs(subs)):
            raise ValueError(
                f"{claim.id}: the setting violates the assumption {a} "
                f"({', '.join(f'{s}={v}' for s, v in subs.items())}); the claim does not apply."
            )


def _evaluate(req: Any, values: Mapping[str, Any]) -> RequirementResult:
    measured = np.asarray(values[req.name], dtype=float)
    if req.relation == "in":
        lo, hi = (_numeric(e, values) for e in (req.bound.start, req.bound.end))
        bound: Any = [float(lo), float(hi)]
        width = max(float(hi - lo), 1e-300)
        slack = np.minimum(measured - lo, hi - measured) / width
    else:
        b = _numeric(req.bound, values)
        bound = b
        # Relative slack; against a zero bound ("x > 0") relative to the measurement instead.
        scale = np.where(np.abs(b) > 0, np.abs(b), np.maximum(np.abs(measured), 1e-300))
        if req.relation in ("<=", "<"):
            slack = (b - measured) / scale
        elif req.relation in (">=", ">"):
            slack = (measured - b) / scale
        else:
            slack = req.tolerance - np.abs(measured - b) / np.maximum(np.abs(b), 1.0)
    slack = np.broadcast_to(np.asarray(slack, dtype=float), np.broadcast(measured, slack).shape)
    strict = req.relation in ("<", ">")
    finite = np.isfinite(slack)
    ok = bool(np.all(finite & ((slack > 0) if strict else (slack >= 0))))
    flat = np.where(finite, slack, -np.inf).reshape(-1)
    worst = int(np.argmin(flat)) if flat.size > 1 else None
    return RequirementResult(
        req.name,
        req.relation,
        req.description,
        _plain(measured),
        _plain(bound),
        ok,
        float(flat.min()) if flat.size else math.nan,
        req.report_only,
        worst,
    )


def _numeric(expr: sp.Basic, values: Mapping[str, Any]) -> Any:
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    fn = sp.lambdify(symbols, expr, "numpy")
    return np.asarray(fn(*[np.asarray(values[s.name], dtype=float) for s in symbols]), dtype=float)


def _plain(x: Any) -> Any:
    arr = np.asarray(x, dtype=float)
    return float(arr) if arr.ndim == 0 else arr.tolist()


def _short(x: Any) -> str:
    if isinstance(x, list):
        flat = np.asarray(x, dtype=float).reshape(-1)
        if flat.size > 4:
            return f"[{flat.size} values, {flat.min():.4g}…{flat.max():.4g}]"
        return "[" + ", ".join(f"{v:.4g}" for v in flat) + "]"
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _cli_value(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return ",".join(str(e) for e in v)
    return str(v)
