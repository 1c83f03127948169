"""Generic empirical-NTK paths over ``torch.func``: any module, any layer type.

- Jacobian contraction: per-example Jacobians ``vmap(jacrev)``, then Θ = J1 J2ᵀ per parameter.
  Time N·O·[FP] + N²O²P, memory N·O·P.
- NTK-vector products: Jacobian rows of a chunk of x1, pushed through ``jvp`` over all of x2.
  Time N²·O·[FP], memory ~ chunk·P: wins when O is large or J does not fit.

References: the torch.func "Neural Tangent Kernels" tutorial (both methods); Novak et al. 2022,
"Fast Finite Width Neural Tangent Kernel".
"""

from __future__ import annotations

import torch
from torch.func import jacrev, jvp, vmap

from ntkcheck.kernels.modes import reduce_full
from ntkcheck.models.functional import FunctionalModel, Params


def per_example_jacobian(fm: FunctionalModel, x: torch.Tensor) -> Params:
    """J: name -> (N, O, *param.shape), the Jacobian of each example's outputs.

    Uses ``vmap(jacrev)``; modules that ``vmap`` cannot trace (in-place ops on views, data-
    dependent control flow) fall back to one ``jacrev`` per example, with the same result.
    """

    def single(p: Params, xi: torch.Tensor) -> torch.Tensor:
        return fm.fn(p, xi.unsqueeze(0))[0]

    try:
        return vmap(jacrev(single), in_dims=(None, 0))(fm.params, x)
    except RuntimeError:
        rows = [jacrev(single)(fm.params, x[i]) for i in range(x.shape[0])]
        return {k: torch.stack([r[k] for r in rows]) for k in fm.params}


def vmaps(fm: FunctionalModel, x: torch.Tensor) -> bool:
    """Whether ``vmap`` traces the model's forward over examples (no data-dependent control
    flow): if not, :func:`per_example_jacobian` loops over examples in Python."""
    try:
        with torch.no_grad():
            vmap(lambda xi: fm.fn(fm.params, xi.unsqueeze(0))[0])(x[:2])
    except RuntimeError:
        return False
    return True


def contract_jacobians(j1: Params, j2: Params, mode: str, trace: str) -> torch.Tensor:
    """Θ = Σ_params J1 J2ᵀ in the requested mode; j*: name -> (N, O, *shape)."""
    out = None
    for k, a in j1.items():
        a = a.reshape(a.shape[0], a.shape[1], -1)
        b = j2[k].reshape(j2[k].shape[0], j2[k].shape[1], -1)
        if mode == "full":
            n1, o, p = a.shape
            term = (a.reshape(n1 * o, p) @ b.reshape(-1, p).T).reshape(n1, o, b.shape[0], o)
            term = term.permute(0, 2, 1, 3)
        elif mode == "trace":
            term = a.reshape(a.shape[0], -1) @ b.reshape(b.shape[0], -1).T
        else:
            term = torch.einsum("aop,bop->abo", a, b)
        out = term if out is None else out + term
    if mode == "trace" and trace == "mean":
        out = out / next(iter(j1.values())).shape[1]
    return out


def ntk_vector_products(
    fm: FunctionalModel,
    j1: Params,
    x2: torch.Tensor,
    mode: str,
    trace: str,
    chunk_size: int = 64,
) -> torch.Tensor:
    """Θ(x1, x2) from the Jacobian rows ``j1`` of x1 and forward-mode products over x2.

    Each row J(x1_i)_o ∈ R^P is a tangent; ``jvp`` of ``fn(·, x2)`` along it gives
    J(x2) J(x1_i)_oᵀ = Θ(x1_i, x2)[o, :] in one forward-mode pass over x2.
    """
    n1, num_out = next(iter(j1.values())).shape[:2]
    tangents = {k: v.reshape(n1 * num_out, *v.shape[2:]) for k, v in j1.items()}

    def push(t: Params) -> torch.Tensor:
        return jvp(lambda p: fm.fn(p, x2), (fm.params,), (t,))[1]

    rows = []
    total = n1 * num_out
    for start in range(0, total, chunk_size):
        chunk = {k: v[start : start + chunk_size] for k, v in tangents.items()}
        rows.append(vmap(push)(chunk))
    prod = torch.cat(rows)  # (n1·O, n2, O): [i·O + o, b, q] = Θ(x1_i, x2_b)[o, q]
    theta = prod.reshape(n1, num_out, x2.shape[0], num_out).permute(0, 2, 1, 3)
    return reduce_full(theta, mode, trace)
