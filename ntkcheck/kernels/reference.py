"""Brute-force empirical NTK: the test oracle.

Builds the full Jacobian J ∈ R^{(N·O) × P} one backward pass per (example, output), then
Θ = J1 J2ᵀ. Slow (N·O backward passes, N·O·P memory) and deliberately simple: every fast path is
compared against it.
"""

from __future__ import annotations

import torch

from ntkcheck.kernels.modes import check_mode, finalize, reduce_full
from ntkcheck.models.functional import ModelLike, functionalize


def jacobian_matrix(model: ModelLike, x: torch.Tensor) -> torch.Tensor:
    """J: (N, O, P), the derivative of each output of each example w.r.t. the flattened params."""
    fm = functionalize(model)
    names = list(fm.params)
    leaves = {k: fm.params[k].clone().requires_grad_(True) for k in names}
    rows = []
    for i in range(x.shape[0]):
        out = fm(x[i : i + 1], leaves)[0]
        per_output = []
        for o in range(out.shape[0]):
            grads = torch.autograd.grad(
                out[o], [leaves[k] for k in names], retain_graph=True, allow_unused=True
            )
            flat = [
                (torch.zeros_like(leaves[k]) if g is None else g).reshape(-1)
                for k, g in zip(names, grads)
            ]
            per_output.append(torch.cat(flat))
        rows.append(torch.stack(per_output))
    return torch.stack(rows)


def reference_ntk(
    model: ModelLike,
    x1: torch.Tensor,
    x2: torch.Tensor | None = None,
    *,
    mode: str = "full",
    trace: str = "sum",
) -> torch.Tensor:
    """Θ(x1, x2) = J(x1) J(x2)ᵀ by brute force; shapes as :func:`ntkcheck.empirical_ntk`."""
    check_mode(mode, trace)
    j1 = jacobian_matrix(model, x1)
    j2 = j1 if x2 is None else jacobian_matrix(model, x2)
    theta = torch.einsum("aop,bqp->aboq", j1, j2)
    return finalize(reduce_full(theta, mode, trace), mode, j1.shape[1])
