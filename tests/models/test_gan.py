"""Balaji et al.'s GAN generator (float64 identities of Ĝ, J and K) and the width-study networks."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from ntkcheck.errors import InvalidInputError
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.kernels.reference import reference_ntk
from ntkcheck.models.gan import (
    LatentSetMean,
    LinearGenerator,
    OneHiddenLayerGenerator,
    dcgan,
    mlp_gan,
    unit_latent_codes,
)

F64 = torch.float64
ACTIVATIONS = ["tanh", "softplus", "relu"]


def _setup(k: int = 80, n: int = 4, m: int = 10, d: int = 5, act: str = "tanh", seed: int = 0):
    g = OneHiddenLayerGenerator(d, k, m, act, seed=seed)
    z = unit_latent_codes(n, d, seed=seed + 1)
    return g, z, g.mean_map(z)


def test_mean_map_matches_module_forward():
    g, z, mean_map = _setup()
    assert torch.allclose(mean_map(g.W.detach()), g(z).mean(dim=0), atol=1e-14)
    assert g(z).shape == (4, 10) and g(z).dtype == F64


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_jacobian_closed_form_vs_autograd_and_differences(act):
    g, z, mean_map = _setup(k=12, n=3, m=7, d=4, act=act, seed=3)
    W = g.W.detach()
    J = mean_map.jacobian(W)
    assert J.shape == (7, 12 * 4)
    J_auto = torch.func.jacrev(mean_map)(W).reshape(7, -1)
    assert float((J - J_auto).norm() / J_auto.norm()) < 1e-12
    if act == "relu":  # central differences must not straddle a kink
        assert float((z @ W.T).abs().min()) > 1e-4
    h = 1e-6
    J_fd = torch.empty_like(J)
    for p in range(W.numel()):
        e = torch.zeros(W.numel(), dtype=F64)
        e[p] = h
        e = e.reshape(W.shape)
        J_fd[:, p] = (mean_map(W + e) - mean_map(W - e)) / (2 * h)
    assert float((J - J_fd).norm() / J.norm()) < 1e-6


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_kernel_is_jjt_symmetric_psd_and_matches_reference_ntk(act):
    g, z, mean_map = _setup(k=9, n=3, m=6, d=4, act=act, seed=5)
    W = g.W.detach()
    K = mean_map.kernel(W)
    J = mean_map.jacobian(W)
    assert torch.allclose(K, J @ J.T, rtol=0, atol=1e-13)
    assert torch.equal(K, K.T) or float((K - K.T).abs().max()) <= 1e-15
    eps = torch.finfo(F64).eps
    assert float(torch.linalg.eigvalsh(K).min()) >= -6 * eps * float(torch.linalg.norm(K, 2))
    theta = reference_ntk(LatentSetMean(g), z.unsqueeze(0), mode="full")
    assert theta.shape == (1, 1, 6, 6)
    assert float((theta[0, 0] - K).abs().max()) <= 1e-13


def test_latent_set_mean_cross_kernel_between_latent_sets():
    g = OneHiddenLayerGenerator(3, 5, 4, seed=1)
    z1, z2 = unit_latent_codes(2, 3, seed=2), unit_latent_codes(2, 3, seed=3)
    theta = reference_ntk(LatentSetMean(g), torch.stack([z1, z2]))
    J1 = g.mean_map(z1).jacobian(g.W.detach())
    J2 = g.mean_map(z2).jacobian(g.W.detach())
    assert float((theta[0, 1] - J1 @ J2.T).abs().max()) <= 1e-13


def test_empirical_ntk_agrees_for_both_module_forms():
    g = OneHiddenLayerGenerator(5, 16, 10, seed=0)
    z = unit_latent_codes(4, 5, seed=1)
    K = empirical_ntk(LatentSetMean(g), z.unsqueeze(0))
    assert float((K[0, 0] - g.mean_map(z).kernel(g.W.detach())).abs().max()) <= 1e-13
    per_sample = empirical_ntk(g, z, method="structured")  # W and V are Dense layers
    assert float((per_sample - reference_ntk(g, z)).abs().max()) <= 1e-13


@given(
    m=st.integers(1, 12),
    k=st.integers(1, 12),
    d=st.integers(1, 6),
    n=st.integers(1, 5),
    act=st.sampled_from(ACTIVATIONS),
)
def test_jacobian_rank_at_most_min_m_k(m, k, d, n, act):
    g = OneHiddenLayerGenerator(d, k, m, act, seed=m * 100 + k)
    J = g.mean_map(unit_latent_codes(n, d, seed=k)).jacobian(g.W.detach())
    s = torch.linalg.svdvals(J)
    tol = max(J.shape) * torch.finfo(F64).eps * float(s[0]) if s.numel() else 0.0
    assert int((s > tol).sum()) <= min(m, k)
    if k < m:  # α = σ_m(J) = 0: the generator cannot move its mean off range(V)
        assert m > k * d or float(s[m - 1]) <= tol


def test_sigma_min_zero_when_underparameterized():
    g = OneHiddenLayerGenerator(5, 4, 10, seed=0)
    J = g.mean_map(unit_latent_codes(1, 5, seed=1)).jacobian(g.W.detach())
    s = torch.linalg.svdvals(J)
    assert float(s[-1]) <= 1e-14 * float(s[0])


def test_gradients_reach_w_never_v():
    g = OneHiddenLayerGenerator(5, 8, 10, seed=0)
    assert g.W.requires_grad and not g.V.requires_grad
    x_bar = torch.randn(10, dtype=F64, generator=torch.Generator().manual_seed(0))
    out = LatentSetMean(g)(unit_latent_codes(4, 5, seed=1).unsqueeze(0))[0]
    (0.5 * (out - x_bar).pow(2).sum()).backward()
    assert g.W.grad is not None and float(g.W.grad.abs().sum()) > 0
    assert g.V.grad is None
    assert [name for name, p in g.named_parameters() if p.requires_grad] == ["hidden.weight"]


def test_initialization_scales_and_determinism():
    a = OneHiddenLayerGenerator(5, 4000, 10, seed=7)
    b = OneHiddenLayerGenerator(5, 4000, 10, seed=7)
    c = OneHiddenLayerGenerator(5, 4000, 10, seed=8)
    assert torch.equal(a.W, b.W) and torch.equal(a.V, b.V)
    assert not torch.equal(a.W, c.W)
    assert a.W.dtype == F64
    assert abs(float(a.W.detach().var()) - 1.0) < 0.05
    assert abs(float(a.V.var()) * 4000 - 1.0) < 0.05
    z = unit_latent_codes(6, 5, seed=0)
    assert torch.allclose(z.norm(dim=1), torch.ones(6, dtype=F64), atol=1e-15)


@pytest.mark.parametrize("k", [1, 3])
def test_network_shapes_and_widths(k):
    g, d = mlp_gan(2, 5, k, seed=0)
    assert g(torch.zeros(7, 5)).shape == (7, 2) and d(torch.zeros(7, 2)).shape == (7,)
    assert g[0].out_features == 16 * k and d[2].out_features == 16 * k
    g, d = dcgan(5, k, seed=0)
    assert g(torch.zeros(3, 5)).shape == (3, 64) and d(torch.zeros(3, 64)).shape == (3,)
    assert d[1].out_channels == 8 * k and d[3].out_channels == 16 * k
    with torch.no_grad():
        assert float(g(torch.randn(3, 5)).abs().max()) <= 1.0


def test_errors_widths_and_activation():
    with pytest.raises(InvalidInputError, match=r"`hidden` must be an integer >= 1, got 0"):
        OneHiddenLayerGenerator(5, 0, 10)
    with pytest.raises(InvalidInputError, match=r"`out_dim` must be an integer >= 1, got -1"):
        OneHiddenLayerGenerator(5, 3, -1)
    with pytest.raises(InvalidInputError, match=r"`activation` must be one of .* got 'erf'"):
        OneHiddenLayerGenerator(5, 3, 2, activation="erf")
    with pytest.raises(InvalidInputError, match=r"`k` must be an integer >= 1, got 0"):
        mlp_gan(2, 4, 0, seed=0)


def test_errors_latent_codes_and_linear_generator():
    g = OneHiddenLayerGenerator(5, 3, 4)
    z = unit_latent_codes(2, 5, seed=0)
    with pytest.raises(InvalidInputError, match=r"`z` has 1 non-finite entry"):
        g.mean_map(torch.where(torch.arange(10).reshape(2, 5) == 3, torch.nan, z))
    with pytest.raises(InvalidInputError, match=r"`z` must have shape \(n, latent_dim=5\)"):
        g.mean_map(unit_latent_codes(2, 4, seed=0))
    with pytest.raises(InvalidInputError, match=r"`z` has dtype torch.float32"):
        g.mean_map(z.float())
    with pytest.raises(InvalidInputError, match=r"`z_sets` must have shape \(N, n, d\)"):
        LatentSetMean(g)(z)
    with pytest.raises(InvalidInputError, match=r"`A` must be a non-empty \(m, p\)"):
        LinearGenerator(torch.zeros(3, dtype=F64))


def test_singular_values_resolve_the_rank_deficient_case():
    """α = σ_min(J) over m singular values: from √λ(K) when k ≥ m, from the SVD of J when
    k < m, where √λ_min(K) would be rounding noise (0 or ~1e-8·β) instead of ~1e-17·β."""
    for k in (4, 40):
        g = OneHiddenLayerGenerator(5, k, 10, seed=0)
        mean_map = g.mean_map(unit_latent_codes(1, 5, seed=1))
        W = g.W.detach()
        alpha, beta = mean_map.singular_values(W)
        s = torch.linalg.svdvals(mean_map.jacobian(W))
        assert beta == pytest.approx(float(s[0]), rel=1e-12)
        if k < 10:
            assert alpha == float(s[-1]) and alpha <= 1e-14 * beta
        else:
            assert alpha == pytest.approx(float(s[-1]), rel=1e-10)
    short = OneHiddenLayerGenerator(1, 3, 10, seed=0)  # k·d = 3 < m: fewer singular values
    codes = unit_latent_codes(1, 1, seed=0)
    assert short.mean_map(codes).singular_values(short.W.detach())[0] == 0.0


def test_mean_map_takes_v_by_reference():
    g, z, mean_map = _setup(k=6, m=4)
    with torch.no_grad():
        g.V.mul_(2.0)
    torch.testing.assert_close(mean_map(g.W.detach()), g(z).mean(dim=0), rtol=0, atol=1e-14)


def test_one_seed_nests_the_widths():
    """Documented: one seed's W(k) is the first k rows of W(2k) when k·d is a multiple of 16."""
    small, large = (
        OneHiddenLayerGenerator(5, 16, 10, seed=3),
        OneHiddenLayerGenerator(5, 32, 10, seed=3),
    )
    assert torch.equal(large.W[:16], small.W)
    assert not torch.allclose(large.V[:, :16] * 2**0.5, small.V)
