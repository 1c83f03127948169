"""The empirical NTK of any ``torch.nn.Module`` (or ``(f, params)`` pair).

Θ(x, x') = J(x) J(x')ᵀ summed over the trainable parameters (docs/conventions.md). This module
validates inputs, plans the method, tiles large kernels and assembles the result; the arithmetic
lives in :mod:`~ntkcheck.kernels.generic` and :mod:`~ntkcheck.kernels.structured`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

import torch

from ntkcheck.errors import InvalidInputError
from ntkcheck.kernels import plan as planning
from ntkcheck.kernels.coverage import dense_coverage
from ntkcheck.kernels.generic import (
    contract_jacobians,
    ntk_vector_products,
    per_example_jacobian,
)
from ntkcheck.kernels.modes import check_mode, finalize, kernel_shape
from ntkcheck.kernels.structure import check_model, structure_key
from ntkcheck.kernels.structured import structured_features, structured_pair
from ntkcheck.models.functional import FunctionalModel, ModelLike, functionalize
from ntkcheck.validation import (
    check_inputs,
    check_memory,
    check_memory_budget,
    check_positive_int,
)

_PROBE_ROWS = 8


@dataclass(frozen=True)
class _Problem:
    fm: FunctionalModel
    x1: torch.Tensor
    x2: torch.Tensor
    symmetric: bool
    num_outputs: int
    mode: str
    trace: str
    budget: float
    key: tuple | None  # structure_key(fm, x1)


def empirical_ntk(
    model: ModelLike,
    x1: torch.Tensor,
    x2: torch.Tensor | None = None,
    *,
    mode: str = "full",
    method: str = "auto",
    block_size: int | None = None,
    params: Iterable[str] | None = None,
    trace: str = "sum",
    memory_budget: float | None = None,
) -> torch.Tensor:
    """Empirical neural tangent kernel Θ = J(x1) J(x2)ᵀ (unnormalized: no 1/n, no 1/O).

    Args:
        model: an ``nn.Module`` mapping (N, ...) -> (N,) or (N, O), or a pair ``(f, params)``
            with ``f(params, x)``. Parameters with ``requires_grad=False`` and buffers are
            held fixed.
        x1: (n1, ...) inputs; x2: (n2, ...) inputs, or None for x2 = x1 (symmetric: features
            are computed once and only the upper tiles are formed).
        mode: "full" -> (n1, n2, O, O); "trace" -> (n1, n2), Σ_o Θ_oo; "diagonal" ->
            (n1, n2, O). Scalar-output models (O = 1) always give (n1, n2).
        method: "auto" (see :func:`plan_ntk`), "jacobian" (vmap(jacrev) contraction),
            "ntk_vp" (Jacobian rows pushed through jvp), or "structured" (per dense use of
            a weight, a layer or a raw ``x @ W.T``, also along extra axes: (G Gᵀ) ∘ (A Aᵀ) or
            per-example sums; other parameters fall back to the Jacobian path).
        block_size: tile x1 and x2 into blocks of this many rows so working memory is
            bounded by one tile; the result equals the untiled one to rounding.
        params: names of the parameters to differentiate (default: all trainable).
        trace: "sum" (default) or "mean" (divides by O: neural-tangents' ``trace_axes``).
        memory_budget: bytes allowed for the kernel and working memory (default: half of the
            available memory); an estimate above it raises :class:`KernelMemoryError`.

    Returns:
        Θ in the model's dtype (float64 recommended), on the inputs' device.

    References: Jacot et al. 2018; shapes and conventions: docs/conventions.md.
    """
    prob = _prepare(model, x1, x2, mode, trace, memory_budget, params)
    plan = _plan(prob, method, block_size)
    return _assemble(prob, plan, block_size)


def plan_ntk(
    model: ModelLike,
    x1: torch.Tensor,
    x2: torch.Tensor | None = None,
    *,
    mode: str = "full",
    block_size: int | None = None,
    params: Iterable[str] | None = None,
    memory_budget: float | None = None,
) -> planning.NTKPlan:
    """The :class:`NTKPlan` that ``empirical_ntk(..., method="auto")`` would follow.

    Structured is chosen for dense networks (it saves a factor of the width); among generic
    methods, Jacobian contraction wins for few outputs and ``ntk_vp`` for many outputs or when
    the Jacobian does not fit in memory. Close calls are settled by a timed probe.
    """
    prob = _prepare(model, x1, x2, mode, "sum", memory_budget, params)
    return _plan(prob, "auto", block_size)


def _prepare(model, x1, x2, mode, trace, memory_budget, params) -> _Problem:
    check_mode(mode, trace)
    budget = check_memory_budget(memory_budget)
    fm = functionalize(model, params)
    check_inputs("x1", x1, dtype=fm.dtype)
    if x2 is not None:
        check_inputs("x2", x2, dtype=fm.dtype)
        if x2.shape[1:] != x1.shape[1:]:
            raise InvalidInputError(
                f"x1 has example shape {tuple(x1.shape[1:])} but x2 has {tuple(x2.shape[1:])}; "
                "both must match the model's input shape (N, ...)."
            )
    key = structure_key(fm, x1)
    num_outputs = check_model(fm, "x1", x1, key)
    symmetric = x2 is None or x2 is x1
    x2 = x1 if symmetric else x2
    return _Problem(fm, x1, x2, symmetric, num_outputs, mode, trace, budget, key)


def _plan(prob: _Problem, method: str, block_size: int | None) -> planning.NTKPlan:
    if method not in ("auto", *planning.METHODS):
        raise InvalidInputError(
            f"`method` must be 'auto' or one of {planning.METHODS}, got {method!r}."
        )
    if block_size is not None:
        check_positive_int("block_size", block_size, "Pass rows per tile, e.g. block_size=1024.")
    n1, n2, o = prob.x1.shape[0], prob.x2.shape[0], prob.num_outputs
    out_bytes = planning.output_bytes(n1, n2, o, prob.mode)
    check_memory(
        f"The {prob.mode} kernel of shape {kernel_shape(n1, n2, o, prob.mode)}",
        out_bytes,
        prob.budget,
        "Use mode='trace' (sum over outputs), fewer points, or the matrix-free operator "
        "ntkcheck.ntk_operator(model, x) with ntkcheck.lambda_min for the spectrum.",
    )
    cov = dense_coverage(prob.fm, prob.x1[:_PROBE_ROWS], prob.key)
    b1 = min(block_size or n1, n1)
    b2 = min(block_size or n2, n2)
    symmetric_tile = prob.symmetric and block_size is None
    shape = (o, prob.mode, symmetric_tile)
    flops, bytes_, summed = planning.estimate_costs(prob.fm, cov, b1, b2, *shape)
    remaining = prob.budget - out_bytes
    if method == "auto":

        def probe(m: str) -> tuple[float, float]:
            sub = replace(prob, x1=prob.x1[:16], x2=prob.x2[:16])
            rows = (sub.x1.shape[0], sub.x2.shape[0], o, prob.mode, prob.symmetric)
            sub_flops, _, sub_summed = planning.estimate_costs(prob.fm, cov, *rows)
            sub_plan = planning.NTKPlan(m, "probe", {}, {}, 0.0, cov, summed=sub_summed)
            start = time.perf_counter()
            _assemble(sub, sub_plan, None)
            return time.perf_counter() - start, sub_flops[m]

        chosen, reason, timings = planning.choose(flops, bytes_, remaining, probe)
    else:
        if method == "structured" and "structured" not in flops:
            raise InvalidInputError(
                "method='structured' needs trainable weights that enter through nn.Linear / "
                "Dense layers or raw products (x @ W.T, F.linear); this model has none. Use "
                "method='jacobian' or 'ntk_vp' (or 'auto')."
            )
        chosen, reason, timings = method, "requested by the caller", {}
    need = bytes_[chosen]
    if need > remaining:
        per_row = need / max(b1 + (0 if symmetric_tile else b2), 1)
        suggestion = max(1, int(remaining / max(per_row, 1.0) / 2))
        check_memory(
            f"Method {chosen!r} on tiles of {b1}×{b2} rows",
            need,
            remaining,
            f"Pass block_size={suggestion} to tile the kernel, or use the matrix-free "
            "ntkcheck.ntk_operator for λ_min.",
        )
    return planning.NTKPlan(chosen, reason, flops, bytes_, out_bytes, cov, timings, summed)


def _features(prob: _Problem, plan: planning.NTKPlan, x: torch.Tensor):
    if plan.method == "structured":
        return structured_features(prob.fm, plan.coverage, x, plan.summed)
    return per_example_jacobian(prob.fm, x)


def _pair(prob: _Problem, plan: planning.NTKPlan, f1, f2, x2: torch.Tensor) -> torch.Tensor:
    if plan.method == "structured":
        return structured_pair(f1, f2, prob.mode, prob.trace, prob.num_outputs)
    if plan.method == "jacobian":
        return contract_jacobians(f1, f2, prob.mode, prob.trace)
    return ntk_vector_products(prob.fm, f1, x2, prob.mode, prob.trace)


def _assemble(prob: _Problem, plan: planning.NTKPlan, block_size: int | None) -> torch.Tensor:
    n1, n2 = prob.x1.shape[0], prob.x2.shape[0]
    b = block_size or max(n1, n2)
    rows = [(s, min(s + b, n1)) for s in range(0, n1, b)]
    cols = rows if prob.symmetric else [(s, min(s + b, n2)) for s in range(0, n2, b)]
    # Structured features are O(N·width): cache them all. Jacobians are O(N·P): recompute.
    cache: dict[tuple[int, int, int], object] = {}
    need_right = plan.method != "ntk_vp"

    def feats(x: torch.Tensor, span: tuple[int, int]):
        key = (id(x), *span)
        if key in cache:
            return cache[key]
        f = _features(prob, plan, x[span[0] : span[1]])
        if plan.method == "structured":
            cache[key] = f
        return f

    out: torch.Tensor | None = None
    # Structured features need autograd (O backward passes); the generic paths do not.
    with contextlib.nullcontext() if plan.method == "structured" else torch.no_grad():
        for i, r in enumerate(rows):
            f1 = feats(prob.x1, r)
            for j, c in enumerate(cols):
                if prob.symmetric and j < i:
                    continue
                same = prob.symmetric and i == j
                f2 = f1 if same else (feats(prob.x2, c) if need_right else None)
                tile = _pair(prob, plan, f1, f2, prob.x2[c[0] : c[1]]).detach()
                if same:
                    # Gram products are symmetric only to rounding; make the result exact.
                    tile = _symmetrize_(tile, prob.mode)
                if len(rows) == 1 and len(cols) == 1:
                    return finalize(tile, prob.mode, prob.num_outputs)
                if out is None:
                    out = torch.empty(
                        (n1, n2, *tile.shape[2:]), dtype=tile.dtype, device=tile.device
                    )
                out[r[0] : r[1], c[0] : c[1]] = tile
                if prob.symmetric and j > i:
                    out[c[0] : c[1], r[0] : r[1]] = _transpose(tile, prob.mode)
    assert out is not None
    return finalize(out, prob.mode, prob.num_outputs)


def _symmetrize_(tile: torch.Tensor, mode: str, block: int = 512) -> torch.Tensor:
    """(Θ + Θᵀ)/2 in place, Θᵀ as :func:`_transpose`, by pairs of cache-sized blocks: 3× faster
    than a transposed copy at N = 2048, and bit-identical to it (IEEE addition commutes)."""
    n = tile.shape[0]
    for i in range(0, n, block):
        rows = slice(i, i + block)
        diag = tile[rows, rows]
        diag.copy_(diag + _transpose(diag, mode)).mul_(0.5)
        for j in range(i + block, n, block):
            cols = slice(j, j + block)
            upper, lower = tile[rows, cols], tile[cols, rows]
            upper.add_(_transpose(lower, mode)).mul_(0.5)
            lower.copy_(_transpose(upper, mode))
    return tile


def _transpose(tile: torch.Tensor, mode: str) -> torch.Tensor:
    """Θ(x2, x1) from Θ(x1, x2): swap the example axes (and the output axes in full mode)."""
    return tile.permute(1, 0, 3, 2) if mode == "full" else tile.transpose(0, 1)
