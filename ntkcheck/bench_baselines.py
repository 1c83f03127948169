"""Baselines of the MLP benchmark: the torch.func tutorial's two eNTK methods and the Gram floor.

The tutorial's Jacobian contraction and NTK-vector products are re-implemented as published; the
"floor" is the two Gram products per dense layer, (A Aᵀ) and (G Gᵀ), that the structured formula
cannot avoid.

References: PyTorch tutorial "Neural Tangent Kernels" (torch.func), methods 1 and 2.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.func import functional_call, jacrev, jvp, vjp, vmap

from ntkcheck.kernels.empirical import plan_ntk
from ntkcheck.kernels.structured import structured_features
from ntkcheck.models.functional import functionalize


def tutorial_jacobian_contraction(model: torch.nn.Module, x1, x2) -> torch.Tensor:
    """Tutorial method 1: vmap(jacrev) per-example Jacobians, then einsum over parameters."""
    params = {k: v.detach() for k, v in model.named_parameters()}

    def fnet_single(p, x):
        return functional_call(model, p, (x.unsqueeze(0),)).reshape(-1)

    jac1 = vmap(jacrev(fnet_single), (None, 0))(params, x1)
    jac1 = [j.flatten(2) for j in jac1.values()]
    jac2 = vmap(jacrev(fnet_single), (None, 0))(params, x2)
    jac2 = [j.flatten(2) for j in jac2.values()]
    return torch.stack([torch.einsum("Naf,Mbf->NMab", a, b) for a, b in zip(jac1, jac2)]).sum(0)


def tutorial_ntk_vector_products(model: torch.nn.Module, x1, x2) -> torch.Tensor:
    """Tutorial method 2: vmap over pairs of vjp (x1) followed by jvp (x2), one pair at a time."""
    params = {k: v.detach() for k, v in model.named_parameters()}

    def fnet_single(p, x):
        return functional_call(model, p, (x.unsqueeze(0),)).reshape(-1)

    def get_ntk(a, b):
        def f1(p):
            return fnet_single(p, a)

        def f2(p):
            return fnet_single(p, b)

        out, vjp_fn = vjp(f1, params)

        def get_ntk_slice(vec):
            vjps = vjp_fn(vec)
            _, jvps = jvp(f2, (params,), vjps)
            return jvps

        basis = torch.eye(out.numel(), dtype=out.dtype, device=out.device).view(out.numel(), -1)
        return vmap(get_ntk_slice)(basis)

    result = vmap(vmap(get_ntk, (None, 0)), (0, None))(x1, x2)
    return result


def gram_floor(model: torch.nn.Module, x: torch.Tensor) -> Callable[[], None]:
    """The two Gram products per dense layer on precomputed features (the practical floor).

    Sized like the full kernel the benchmark computes: G is (N·O, out), so with O outputs the
    signal product has O² entries per pair of examples, as ``mode="full"`` needs.
    """
    fm = functionalize(model)
    cov = plan_ntk(model, x[:8]).coverage
    feats = structured_features(fm, cov, x)

    def run() -> None:
        for use in feats.uses:
            g = use.g.reshape(-1, use.g.shape[-1])
            _ = g @ g.T
            for _, _, a in use.terms:
                if a is not None:
                    _ = a.reshape(-1, a.shape[-1]) @ a.reshape(-1, a.shape[-1]).T

    return run
