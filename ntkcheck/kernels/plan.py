"""Choosing an empirical-NTK method: a cost model, checked by a timed probe when close.

The plan is inspectable: ``plan_ntk(model, x1)`` returns the chosen method with the estimated
flops and bytes of every candidate and, when a probe ran, the measured times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ntkcheck.kernels.coverage import Coverage
from ntkcheck.kernels.structured import chunk_rows
from ntkcheck.models.functional import FunctionalModel

METHODS = ("jacobian", "ntk_vp", "structured")
_BYTES = 8  # float64
# Below this many estimated flops (tens of milliseconds) a wrong pick costs less than the timed
# probe that would prevent it: the cost model decides alone.
PROBE_MIN_FLOPS = 1e8
# One Python-level jacrev call (when vmap cannot trace the model) costs tens of milliseconds:
# as many flops.
CALL_FLOPS = 1e8


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
        summed: structured path only: parameters whose per-example Jacobian is formed (summed
            over their positions) instead of cross terms, see :func:`estimate_costs`.
    """

    method: str
    reason: str
    flops: dict[str, float]
    bytes: dict[str, float]
    output_bytes: float
    coverage: Coverage
    probe_seconds: dict[str, float] = field(default_factory=dict)
    summed: frozenset[str] = frozenset()


def estimate_costs(
    fm: FunctionalModel,
    cov: Coverage,
    n1: int,
    n2: int,
    num_outputs: int,
    mode: str,
    symmetric: bool,
) -> tuple[dict[str, float], dict[str, float], frozenset[str]]:
    """Flops and bytes per method (docs/conventions.md), and the parameters whose
    per-example Jacobian the structured path forms (summed over their positions) instead of
    cross terms: those of every group where that costs fewer flops.

    A forward pass [FP] costs the dense products the probe counted (a weight applied at 50
    quadrature nodes costs 50 times its size), at least 2P flops per example; a backward pass
    to the layer outputs costs about one more [FP], and forming weight gradients another (the
    Jacobian paths do, the structured path only for its summed parameters, counted per group).
    A model vmap cannot trace costs the Jacobian path one Python-level call per example.
    """
    o = num_outputs
    p_total = fm.num_params
    fp = max(cov.forward_flops, 2.0 * p_total)
    pairs = n1 * n2 * _output_pairs(o, mode)
    n_feat = n1 if symmetric else n1 + n2
    flops = {
        "jacobian": n_feat * o * 3 * fp + 2.0 * pairs * p_total + n_feat * cov.loops * CALL_FLOPS,
        "ntk_vp": n1 * o * 3 * fp + n1 * o * n2 * 3 * fp,
    }
    # One tile's forward graph is alive at a time (features are cached, graphs are not); the
    # structured path's, one chunk of rows.
    graph = max(n1, n2) * cov.activation_bytes
    bytes_ = {
        "jacobian": _BYTES * n_feat * o * p_total + graph,
        "ntk_vp": _BYTES * (64 * (p_total + n2 * o) + n1 * o * p_total / max(1, n1)),
    }
    summed: frozenset[str] = frozenset()
    if cov.layers:
        p_fallback = sum(fm.params[k].numel() for k in cov.fallback)
        costs = _group_costs(fm, cov, n1, n2, o, mode, n_feat)
        summed = frozenset(p.name for g, c in costs.items() if c[2] < c[0] for p in cov.layers[g])
        groups = costs.values()
        flops["structured"] = (
            n_feat * (1 + o) * fp
            + sum(min(c[0], c[2]) for c in groups)
            + n_feat * o * 3 * fp * (p_fallback > 0)
            + 2.0 * pairs * p_fallback
        )
        bytes_["structured"] = (
            sum(c[1] if c[0] <= c[2] else c[3] for c in groups)
            + _BYTES * n_feat * o * p_fallback
            + min(max(n1, n2), chunk_rows(cov)) * cov.activation_bytes  # one chunk's graph
        )
    return flops, bytes_, summed


def _group_costs(
    fm: FunctionalModel, cov: Coverage, n1: int, n2: int, o: int, mode: str, n_feat: int
) -> dict[str, tuple[float, float, float, float]]:
    """Per group: (cross-term flops, bytes, summed flops, bytes).

    With P positions per example, cross terms form (n1·P) × (n2·P) products of the inputs and
    the signals; summing forms the (N, O, in·out) Jacobian and one Gram product of it.
    """
    pairs = _output_pairs(o, mode)
    out = {}
    for g, (fan_in, fan_out, p) in cov.sizes.items():
        params = cov.layers[g]
        w_in = fan_in if any(q.is_weight for q in params) else 0
        size = sum(fm.params[q.name].numel() for q in params)
        features = _BYTES * n_feat * p * (fan_in + o * fan_out)
        cross = n1 * n2 * p * p * (2 * w_in + 2 * pairs * fan_out + pairs)
        cross_bytes = features + (_BYTES * n1 * n2 * p * p * pairs if p > 1 else 0)
        summed = n_feat * o * p * (2 * w_in + 1) * fan_out + 2.0 * n1 * n2 * pairs * size
        out[g] = (
            float(cross),
            float(cross_bytes),
            float(summed),
            features + _BYTES * n_feat * o * size,
        )
    return out


def _output_pairs(num_outputs: int, mode: str) -> int:
    return num_outputs * num_outputs if mode == "full" else num_outputs


def choose(
    flops: dict[str, float],
    bytes_: dict[str, float],
    budget: float,
    probe: Callable[[str], tuple[float, float]] | None,
) -> tuple[str, str, dict[str, float]]:
    """Cheapest candidate that fits ``budget``; a timed ``probe`` decides when within 2× (and
    the work is not tiny: below ``PROBE_MIN_FLOPS`` the estimate decides).

    ``probe(method)`` returns (seconds, estimated flops) on a small subset; the measured
    seconds-per-flop of each close candidate rescales its full-size estimate.
    """
    fits = [m for m in flops if bytes_[m] <= budget] or [min(bytes_, key=bytes_.get)]
    ranked = sorted(fits, key=flops.get)
    best = ranked[0]
    reason = f"lowest estimated cost ({flops[best]:.3g} flops) among methods fitting memory"
    timings: dict[str, float] = {}
    close = [m for m in ranked[1:] if flops[m] <= 2.0 * flops[best]]
    if close and probe is not None and flops[best] >= PROBE_MIN_FLOPS:
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
