"""The linearization f^lin = f(θ_0) + J(θ_0)(θ − θ_0)."""

from __future__ import annotations

import torch
from _dynamics_data import F64, sphere
from hypothesis import given
from hypothesis import strategies as st

from ntkcheck.dynamics import linearize
from ntkcheck.kernels.reference import jacobian_matrix
from ntkcheck.models.mlp import MLP


@given(seed=st.integers(0, 2**16))
def test_linearize_is_f0_plus_jacobian_times_displacement(seed):
    X = sphere(4, 3, seed)
    model = MLP(3, 16, 1, out_features=2, seed=seed)
    lin = linearize(model)
    gen = torch.Generator().manual_seed(seed + 1)
    delta = {k: 0.1 * torch.randn(v.shape, generator=gen, dtype=F64) for k, v in lin.params.items()}
    moved = {k: lin.params[k] + delta[k] for k in lin.params}
    jac = jacobian_matrix(model, X)  # (N, O, P)
    flat = torch.cat([delta[k].reshape(-1) for k in lin.params])
    expected = model(X).detach() + torch.einsum("nop,p->no", jac, flat)
    torch.testing.assert_close(lin(X, moved), expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(lin(X), model(X).detach(), rtol=0, atol=0)
