"""Vectorized bisection for increasing 1-D maps: the inverse of every flow coordinate."""

from __future__ import annotations

from collections.abc import Callable

import torch


def bisect(
    fn: Callable[[torch.Tensor], torch.Tensor],
    target: torch.Tensor,
    lo: torch.Tensor,
    hi: torch.Tensor,
    *,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> torch.Tensor:
    """Solve fn(x) = target row-wise for x ∈ [lo, hi], with fn increasing.

    Shapes: ``target, lo, hi: (N,)``; ``fn: (N,) -> (N,)``. The caller guarantees
    fn(lo) ≤ target ≤ fn(hi). Stops when every bracket is narrower than tol·max(1, |x|) (the
    relative part stops float64 from stalling at large |x|), at most ``max_iter`` halvings.
    """
    lo, hi = lo.clone(), hi.clone()
    for _ in range(max_iter):
        scale = torch.clamp(torch.maximum(lo.abs(), hi.abs()), min=1.0)
        if bool(((hi - lo) <= tol * scale).all()):
            break
        mid = 0.5 * (lo + hi)
        below = fn(mid) < target
        lo = torch.where(below, mid, lo)
        hi = torch.where(below, hi, mid)
    return 0.5 * (lo + hi)
