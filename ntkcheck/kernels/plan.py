"""Choosing an empirical-NTK method: a cost model, checked by a timed probe when close.

The plan is inspectable: ``plan_ntk(model, x1)`` returns the chosen method with the estimated
flops and bytes of every candidate and, when a probe ran, the measured times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ntkcheck.kernels.structured import Coverage
from ntkcheck.models.functional import FunctionalModel

METHODS = ("jacobian", "ntk_vp", "structured")
_BYTES = 8  # float64


@dataclass(frozen=True)
class NTKPlan:
    """The method ``empirical_ntk`` will use, and why.

    Attributes:
        method: "jacobian", "ntk_vp" or "structured".
        reason: one sentence on the choice.
        flops: estimated floating-point operations per candidate method.
        bytes: estimated peak working memory per candidate (excluding the output kernel).
        output_bytes: size of the returned kernel.
        coverage: parameters handled by the structured formula (the rest fall back).
        probe_seconds: measured times of the close candidates on a subset, if a probe ran.
    """

    method: str
    reason: str
    flops: dict[str, float]
    bytes: dict[str, float]
    output_bytes: float
    coverage: Coverage
    probe_seconds: dict[str, float] = field(default_factory=dict)


def estimate_costs(
    fm: FunctionalModel,
    cov: Coverage,
    n1: int,
    n2: int,
    num_outputs: int,
    mode: str,
    symmetric: bool,
    layer_sizes: dict[str, tuple[int, int, int]],
) -> tuple[dict[str, float], dict[str, float]]:
    """Flops and bytes per method (docs/conventions.md), forward pass ≈ 2P flops/example.

    ``layer_sizes``: covered module -> (in, out, uses) measured on the probe batch.
    """
    o = num_outputs
    p_total = fm.num_params
    fp = 2.0 * p_total
    pairs = n1 * n2 * (o * o if mode == "full" else o)
    n_feat = n1 if symmetric else n1 + n2
    flops = {
        "jacobian": n_feat * o * 3 * fp + 2.0 * pairs * p_total,
        "ntk_vp": n1 * o * 3 * fp + n1 * o * n2 * 3 * fp,
    }
    bytes_ = {
        "jacobian": _BYTES * n_feat * o * p_total,
        "ntk_vp": _BYTES * (64 * (p_total + n2 * o) + n1 * o * p_total / max(1, n1)),
    }
    if cov.layers:
        p_fallback = sum(fm.params[k].numel() for k in cov.fallback)
        dense = sum(
            u * u * 2.0 * n1 * n2 * (i + (o * o if mode == "full" else o) * out)
            for i, out, u in layer_sizes.values()
        )
        flops["structured"] = (
            n_feat * (1 + 2 * o) * fp
            + dense
            + n_feat * o * 3 * fp * (p_fallback > 0)
            + 2.0 * pairs * p_fallback
        )
        feat = sum(u * (i + o * out) for i, out, u in layer_sizes.values())
        bytes_["structured"] = _BYTES * n_feat * (feat + o * p_fallback)
    return flops, bytes_


def choose(
    flops: dict[str, float],
    bytes_: dict[str, float],
    budget: float,
    probe: Callable[[str], tuple[float, float]] | None,
) -> tuple[str, str, dict[str, float]]:
    """Cheapest candidate that fits ``budget``; a timed ``probe`` decides when within 2×.

    ``probe(method)`` returns (seconds, estimated flops) on a small subset; the measured
    seconds-per-flop of each close candidate rescales its full-size estimate.
    """
    fits = [m for m in flops if bytes_[m] <= budget] or [min(bytes_, key=bytes_.get)]
    ranked = sorted(fits, key=flops.get)
    best = ranked[0]
    reason = f"lowest estimated cost ({flops[best]:.3g} flops) among methods fitting memory"
    timings: dict[str, float] = {}
    close = [m for m in ranked[1:] if flops[m] <= 2.0 * flops[best]]
    if close and probe is not None:
        predicted = {}
        for m in [best, *close]:
            seconds, sub_flops = probe(m)
            timings[m] = seconds
            predicted[m] = seconds / max(sub_flops, 1.0) * flops[m]
        best = min(predicted, key=predicted.get)
        reason = (
            "fastest predicted time (timed probe on a subset, rescaled by the cost model) "
            "among candidates within 2× of the cheapest estimate"
        )
    return best, reason, timings


def output_bytes(n1: int, n2: int, num_outputs: int, mode: str) -> float:
    k = num_outputs * num_outputs if mode == "full" else (num_outputs if mode == "diagonal" else 1)
    return float(_BYTES * n1 * n2 * k)
