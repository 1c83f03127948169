"""Where a bound meets a measurement: each requirement evaluated elementwise into a
:class:`~ntkcheck.claims.verdict.RequirementResult` (outcome, margin, tightness, worst element),
and the claim's outcome from its gating requirements.

Rules: an empty or NaN measurement, or a NaN bound, is an *error* (nothing was measured, or the
bound is undefined there), never a pass or a fail; ±inf is a value (a diverged loss is +inf and
fails "L_T ≤ ε"). A requirement whose bound cannot be violated anywhere in the quantity's
declared ``range`` is *vacuous*. The claim is an error if any gating requirement is, else a fail
if any fails, else vacuous if any is vacuous, else a pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ntkcheck.claims.claim import Claim, Requirement
from ntkcheck.claims.verdict import Outcome, RequirementResult
from ntkcheck.errors import JudgeError

# A measured value may leave its declared range by rounding: this fraction of the range.
RANGE_ROUNDING = 1e-12


def judge(
    claim: Claim, setting: Mapping[str, Any], measured: Mapping[str, Any]
) -> tuple[Outcome, float, list[RequirementResult], str]:
    """(outcome, margin, requirement results, error message) of ``measured`` at ``setting``."""
    clash = sorted(k for k in set(measured) & set(setting) if not _same(measured[k], setting[k]))
    if clash:
        return (
            "error",
            -math.inf,
            [],
            (
                f"{claim.id}: the measurement returned {clash}, which are setting fields with "
                "other values; rename them (a measured key must not shadow the setting)."
            ),
        )
    missing = sorted(claim.measured_names() - set(measured) - set(setting))
    if missing:
        return (
            "error",
            -math.inf,
            [],
            (
                f"{claim.id}: the measurement returned no {missing} (it returned "
                f"{sorted(measured)}); the requirements need them."
            ),
        )
    values = {**setting, **dict(claim.constants), **measured}
    results: list[RequirementResult] = []
    problems: list[str] = []
    unmeasured: set[str] = set()
    for req in claim.requirements:
        try:
            results.append(evaluate(req, values))
        except JudgeError as err:
            results.append(_unmeasured(req, values))
            if not req.report_only:
                problems.append(f"{claim.id}: requirement {req.name!r}: {err}")
                unmeasured.add(req.name)
    gating = [r for r in results if not r.report_only]
    margin = min((r.margin for r in gating if r.name not in unmeasured), default=-math.inf)
    error = "\n".join(problems)
    if any(r.outcome == "fail" and r.name not in unmeasured for r in gating):
        # Measured to fail: a failing bound with numbers decides even if another is unmeasured.
        return "fail", margin, results, error
    if problems:
        return "error", -math.inf, results, error
    if any(r.outcome == "vacuous" for r in gating):
        return "vacuous", margin, results, ""
    return "pass", margin, results, ""


def evaluate(req: Requirement, values: Mapping[str, Any]) -> RequirementResult:
    """One requirement on ``values`` (setting, constants and measured quantities)."""
    x = _array(values[req.quantity], f"the measured {req.quantity!r}")
    if x.size == 0:
        raise JudgeError(
            f"the measured {req.quantity!r} is empty: nothing was measured at this setting "
            "(e.g. no sweep point meets the claim's condition); change the setting."
        )
    if np.isnan(x).any():
        first = np.argwhere(np.isnan(x))[0].tolist() if x.ndim else []
        raise JudgeError(f"the measured {req.quantity!r} is NaN (first at index {first}).")
    parts = [_numeric(p, values) for p in req.parts()]
    if any(np.isnan(p).any() for p in parts):
        raise JudgeError(f"its bound is NaN at this setting: {[_plain(p) for p in parts]}.")
    try:
        shape = np.broadcast_shapes(x.shape, *(p.shape for p in parts))
    except ValueError:
        raise JudgeError(
            f"the bound's shape {[p.shape for p in parts]} does not broadcast against the "
            f"measured shape {x.shape}."
        ) from None
    xb = np.broadcast_to(x, shape)
    bb = [np.broadcast_to(p, shape) for p in parts]
    with np.errstate(divide="ignore", invalid="ignore"):
        margin, tight, ok = _slack(req, xb, bb)
        vacuous = _vacuous(req, xb, bb)
    margin = np.where(np.isnan(margin), -np.inf, margin)
    flat = int(np.argmin(margin.reshape(-1)))
    index = [int(i) for i in np.unravel_index(flat, shape)] if shape else None
    if bool(vacuous.all()):
        outcome = "vacuous"
    else:
        outcome = "pass" if bool(ok.all()) else "fail"
    worst = tuple(index) if index is not None else ()
    return RequirementResult(
        name=req.name,
        quantity=req.quantity,
        relation=req.relation,
        description=req.description,
        measured=_plain(x),
        bound=[_plain(p) for p in parts] if req.relation == "in" else _plain(parts[0]),
        outcome=outcome,
        margin=float(margin[worst]),
        tightness=float(tight[worst]),
        report_only=req.report_only,
        worst_index=index,
        worst_at={k: _coordinate(values, k, j, shape, worst) for j, k in enumerate(req.where)}
        if index
        else {},
    )


def _slack(
    req: Requirement, x: np.ndarray, b: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elementwise (margin, tightness, satisfied)."""
    rel = req.relation
    if rel == "in":
        lo, hi = b
        half = (hi - lo) / 2
        if np.any(half <= 0):
            raise JudgeError(f"its window ({_plain(lo)}, {_plain(hi)}) is empty or reversed.")
        off = np.abs(x - (lo + hi) / 2)
        return (half - off) / half, off / half, off <= half
    if rel == "==":
        error = np.abs(x - b[0]) / np.maximum(np.abs(b[0]), 1.0)
        tol = req.tolerance
        if tol > 0:
            return (tol - error) / tol, error / tol, error <= tol
        return np.where(error == 0, 0.0, -np.inf), np.where(error == 0, 0.0, np.inf), error == 0
    upper = rel in ("<=", "<")
    slack = (b[0] - x) if upper else (x - b[0])
    scale = np.maximum(np.abs(b[0]), np.abs(x))
    margin = np.where(np.isinf(scale), np.sign(slack), slack / np.where(scale > 0, scale, 1.0))
    positive = (b[0] > 0) & (x > 0)
    ratio = (x / b[0]) if upper else (b[0] / x)
    tight = np.where(positive, ratio, 1.0 - margin)
    ok = (slack > 0) if rel in ("<", ">") else (slack >= 0)
    return margin, tight, ok


def _vacuous(req: Requirement, x: np.ndarray, b: list[np.ndarray]) -> np.ndarray:
    """Elementwise: the bound cannot be violated within the quantity's declared range."""
    if req.range is None or req.relation == "==":
        return np.zeros(x.shape, dtype=bool)
    lo, hi = req.range
    slack = RANGE_ROUNDING * (hi - lo if np.isfinite(hi - lo) else max(abs(lo), abs(hi), 1.0))
    if np.any((x < lo - slack) | (x > hi + slack)):
        raise JudgeError(
            f"the measured value {_plain(x)} leaves its declared range {req.range}: the "
            "measurement or the declared range is wrong."
        )
    rel = req.relation
    if rel == "in":
        return (b[0] <= lo) & (b[1] >= hi)
    if rel == "<=":
        return b[0] >= hi
    if rel == "<":
        return b[0] > hi
    if rel == ">=":
        return b[0] <= lo
    return b[0] < lo


def _array(value: Any, what: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise JudgeError(f"{what} is not a number or a regular numeric array.") from None


def _numeric(part: float | sp.Basic, values: Mapping[str, Any]) -> np.ndarray:
    if isinstance(part, float):
        return np.asarray(part)
    symbols = sorted(part.free_symbols, key=lambda s: s.name)
    fn = sp.lambdify(symbols, part, "numpy")
    args = [_array(values[s.name], f"the bound's {s.name!r}") for s in symbols]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.asarray(fn(*args), dtype=float)


def _coordinate(values: Mapping[str, Any], key: str, axis: int, shape: tuple, index: tuple) -> Any:
    """The ``axis``-th ``where`` key at the worst element: an array of the quantity's shape is
    read elementwise, a 1-D array as the coordinate of that axis."""
    if key not in values:
        raise JudgeError(f"its `where` key {key!r} is neither measured nor a setting field.")
    arr = np.asarray(values[key])
    if arr.shape == shape:
        v = arr[index]
    elif arr.ndim == 1 and axis < len(shape) and arr.size == shape[axis]:
        v = arr[index[axis]]
    else:
        raise JudgeError(
            f"its `where` key {key!r} (shape {arr.shape}) is neither the quantity's shape "
            f"{shape} nor a coordinate of its axis {axis}."
        )
    return v.item() if hasattr(v, "item") else v


def _unmeasured(req: Requirement, values: Mapping[str, Any]) -> RequirementResult:
    """A requirement that could not be evaluated: recorded with NaN margin and tightness."""
    try:
        measured = _plain(_array(values[req.quantity], req.quantity))
    except JudgeError:
        measured = math.nan
    return RequirementResult(
        req.name,
        req.quantity,
        req.relation,
        req.description,
        measured,
        math.nan,
        "fail",
        math.nan,
        math.nan,
        req.report_only,
    )


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))
    except (TypeError, ValueError):
        return a == b


def _plain(x: Any) -> Any:
    arr = np.asarray(x, dtype=float)
    return float(arr) if arr.ndim == 0 else arr.tolist()
