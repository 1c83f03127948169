"""The analytic infinite-width NTK: hand values, closed forms vs quadrature, kernel properties,
H∞ of Du et al., input validation, and convergence of the MLP's empirical NTK to it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from ntkcheck import validation
from ntkcheck.errors import InvalidInputError, KernelMemoryError
from ntkcheck.kernels import analytic
from ntkcheck.kernels.analytic import analytic_ntk, du_h_infinity
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.kernels.gaussian_expectations import (
    LeakyAbs,
    leaky_abs_expectations,
    relu_expectations,
)
from ntkcheck.kernels.reference import reference_ntk
from ntkcheck.models.mlp import MLP

# Closed-form activation -> the same φ as a plain callable, which forces the quadrature path.
CLOSED_VS_CALLABLE = [
    ("relu", torch.relu),
    ("abs", torch.abs),
    ("erf", torch.erf),
    (LeakyAbs(0.3, -0.7), lambda s: 0.3 * s - 0.7 * s.abs()),
]


def points(seed: int, n: int, d: int, *, zero_row: bool = False) -> torch.Tensor:
    """n points in R^d with norms in [0.5, 1.5]·√d (so variances stay O(σ_w² + σ_b²))."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    scale = 0.5 + torch.rand(n, 1, generator=gen, dtype=torch.float64)
    x = x / x.norm(dim=1, keepdim=True) * scale * math.sqrt(d)
    if zero_row:
        x[n // 2] = 0.0
    return x


def rel_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max())


def rel_frobenius(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.linalg.norm(a - b) / torch.linalg.norm(b))


def test_depth_one_relu_by_hand() -> None:
    # x = (1, 0), x' = (1, 1), d = 2: Σ¹ = [[1/2, 1/2], [1/2, 1]], so c = 1/√2, ρ = 1/√2,
    # θ = π/4. Off-diagonal: E[φφ] = c (sin θ + (3π/4) cos θ)/(2π) = (1 + 3π/4)/(4π),
    # E[φ'φ'] = (π − π/4)/(2π) = 3/8, Θ² = E[φφ] + (3/8)(1/2) = 1/(4π) + 3/8.
    # Diagonal (θ = 0): E[φφ] = q/2, E[φ'φ'] = 1/2, so Θ² = q/2 + q/2 = q.
    x = torch.tensor([[1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    off_nngp = (1 + 3 * math.pi / 4) / (4 * math.pi)
    ntk, nngp = analytic_ntk(x, depth=1, activation="relu", return_nngp=True)
    f64 = torch.float64
    expected_ntk = torch.tensor([[0.5, off_nngp + 3 / 16], [off_nngp + 3 / 16, 1.0]], dtype=f64)
    expected_nngp = torch.tensor([[0.25, off_nngp], [off_nngp, 0.5]], dtype=f64)
    torch.testing.assert_close(ntk, expected_ntk, rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(nngp, expected_nngp, rtol=1e-14, atol=1e-15)
    assert ntk.dtype == torch.float64 and ntk.shape == (2, 2)


def test_identity_activation_is_the_linear_recursion() -> None:
    # φ = id: Σ^{h+1} = σ_w² Σʰ + σ_b², Θ^{h+1} = Σ^{h+1} + σ_w² Θʰ.
    x = points(0, 4, 3)
    sw2, sb2 = 1.7**2, 0.4**2
    sigma = sw2 * x @ x.T / 3 + sb2
    theta = sigma
    for _ in range(3):
        sigma = sw2 * sigma + sb2
        theta = sigma + sw2 * theta
    got = analytic_ntk(x, depth=3, activation="identity", weight_std=1.7, bias_std=0.4)
    torch.testing.assert_close(got, theta, rtol=1e-13, atol=0)


@given(
    case=st.sampled_from(CLOSED_VS_CALLABLE),
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(1, 5),
    # d >= 2: with d = 1 all points are collinear, ρ = ±(1 − O(ε)) and both paths are only
    # √ε-accurate (the same Hölder-1/2 sensitivity as at coincident points).
    d=st.integers(2, 6),
    depth=st.integers(1, 3),
    weight_std=st.floats(0.5, 1.5),
    bias_std=st.sampled_from([0.0, 0.1, 0.7]),
)
def test_closed_forms_match_quadrature(case, seed, n, d, depth, weight_std, bias_std) -> None:
    closed, as_callable = case
    x = points(seed, n, d)
    kwargs = dict(depth=depth, weight_std=weight_std, bias_std=bias_std, return_nngp=True)
    ntk, nngp = analytic_ntk(x, activation=closed, **kwargs)
    ntk_q, nngp_q = analytic_ntk(x, activation=as_callable, quadrature_nodes=32, **kwargs)
    assert rel_error(ntk_q, ntk) < 1e-8
    assert rel_error(nngp_q, nngp) < 1e-8


def test_leaky_abs_special_cases() -> None:
    # |s| = relu(s) + relu(−s) gives E[|u||v|] = 2k(ρ) + 2k(−ρ) and
    # E[sign u sign v] = 2 P(u, v > 0) − 2 P(u > 0 > v), from the arc-cosine formulas alone.
    gen = torch.Generator().manual_seed(3)
    q1, q2 = 0.1 + 3 * torch.rand(2, 200, generator=gen, dtype=torch.float64)
    rho = 2 * torch.rand(200, generator=gen, dtype=torch.float64) - 1
    rho[:3] = torch.tensor([-1.0, 0.0, 1.0])
    q12 = rho * torch.sqrt(q1 * q2)
    relu_pos, relu_neg = relu_expectations(q1, q2, q12), relu_expectations(q1, q2, -q12)
    abs_phi, abs_dphi = leaky_abs_expectations(0.0, 1.0)(q1, q2, q12)
    torch.testing.assert_close(abs_phi, 2 * relu_pos[0] + 2 * relu_neg[0], rtol=1e-13, atol=1e-15)
    torch.testing.assert_close(abs_dphi, 2 * relu_pos[1] - 2 * relu_neg[1], rtol=1e-13, atol=1e-15)
    for got, want in zip(leaky_abs_expectations(0.5, 0.5)(q1, q2, q12), relu_pos):
        torch.testing.assert_close(got, want, rtol=1e-13, atol=1e-15)
    x = points(4, 6, 3)
    for spec, name in ((LeakyAbs(0.5, 0.5), "relu"), (LeakyAbs(0.0, 1.0), "abs")):
        for bias_std in (0.0, 0.3):
            got = analytic_ntk(x, depth=3, activation=spec, bias_std=bias_std)
            want = analytic_ntk(x, depth=3, activation=name, bias_std=bias_std)
            torch.testing.assert_close(got, want, rtol=1e-13, atol=1e-15)


@given(
    activation=st.sampled_from(["relu", "abs", "erf", "tanh", "elu", LeakyAbs(0.9, 0.2)]),
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(1, 7),
    depth=st.integers(1, 3),
    bias_std=st.sampled_from([0.0, 0.5]),
)
def test_symmetric_psd_and_consistent_with_cross_path(activation, seed, n, depth, bias_std):
    x = points(seed, n, 4, zero_row=n > 2)
    kwargs = dict(depth=depth, activation=activation, bias_std=bias_std, quadrature_nodes=12)
    k = analytic_ntk(x, **kwargs)
    assert torch.isfinite(k).all()
    assert torch.equal(k, k.T)
    eig = torch.linalg.eigvalsh(k)
    assert eig.min() >= -1e-10 * eig.abs().max()
    # The (x1, x2) path computes each point's variance separately; it must agree. Where a point
    # sits in both x1 and x2, rounding leaves ρ = 1 − O(ε) and arccos turns that into O(√ε):
    # the ReLU kernel is only Hölder-1/2 at coincident points.
    m = n // 2 + 1
    cross = analytic_ntk(x, x[:m], **kwargs)
    coincident = torch.eye(n, m, dtype=torch.bool)
    torch.testing.assert_close(cross[~coincident], k[:, :m][~coincident], rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(cross[coincident], k[:, :m][coincident], rtol=1e-7, atol=1e-14)


@pytest.mark.parametrize("activation", ["relu", "abs", LeakyAbs(0.0, 2.0)])
def test_zero_rows_give_zero_kernel_without_nan(activation) -> None:
    x = points(5, 5, 3, zero_row=True)
    ntk, nngp = analytic_ntk(x, depth=2, activation=activation, return_nngp=True)
    for k in (ntk, nngp):
        assert torch.isfinite(k).all()
        assert torch.all(k[2] == 0) and torch.all(k[:, 2] == 0)
    # Quadrature at zero variance evaluates φ(0) = 0 exactly as well.
    quad = analytic_ntk(x, depth=2, activation=lambda s: torch.relu(s), quadrature_nodes=8)
    assert torch.all(quad[2] == 0)


def test_erf_zero_row_is_finite_with_bias() -> None:
    x = points(6, 4, 3, zero_row=True)
    k = analytic_ntk(x, depth=2, activation="erf", bias_std=0.0)
    assert torch.isfinite(k).all() and torch.all(k[2] == 0)
    assert torch.all(analytic_ntk(x, depth=2, activation="erf", bias_std=0.2)[2] > 0)


def test_quadrature_for_named_and_autograd_derivatives_agree() -> None:
    x = points(7, 5, 3)
    named = analytic_ntk(x, depth=2, activation="tanh", bias_std=0.3)
    via_autograd = analytic_ntk(x, depth=2, activation=lambda s: torch.tanh(s), bias_std=0.3)
    torch.testing.assert_close(named, via_autograd, rtol=1e-13, atol=1e-15)


def test_float32_inputs_give_float64_kernel() -> None:
    x = points(8, 3, 2)
    k = analytic_ntk(x.float(), depth=1)
    assert k.dtype == torch.float64
    torch.testing.assert_close(k, analytic_ntk(x.float().double(), depth=1), rtol=0, atol=0)


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda x: analytic_ntk(x.clone().fill_(float("nan")), depth=1), r"`x1`.*non-finite"),
        (lambda x: analytic_ntk(x, x / 0.0, depth=1), r"`x2`.*non-finite"),
        (lambda x: analytic_ntk(x[0], depth=1), r"`x1` must have shape \(n, d\).*\[None, :\]"),
        (lambda x: analytic_ntk(x, x[:, :2], depth=1), r"same dimension d, got 3 and 2"),
        (lambda x: analytic_ntk(x, depth=0), r"`depth` must be an integer >= 1, got 0"),
        (lambda x: analytic_ntk(x, depth=1.5), r"`depth` must be an integer >= 1"),
        (lambda x: analytic_ntk(x, depth=1, weight_std=-1.0), r"`weight_std`.*got -1.0"),
        (lambda x: analytic_ntk(x, depth=1, bias_std=-0.1), r"`bias_std`.*got -0.1"),
        (lambda x: analytic_ntk(x, depth=1, bias_std=math.nan), r"`bias_std`"),
        (lambda x: analytic_ntk(x, depth=1, activation="sigmoidish"), r"`activation`.*LeakyAbs"),
        (lambda x: analytic_ntk(x, depth=1, activation=3), r"`activation`"),
        (
            lambda x: analytic_ntk(x, depth=1, activation="tanh", quadrature_nodes=0),
            r"`quadrature_nodes`",
        ),
        (lambda x: du_h_infinity(2 * x), r"unit norm.*x / x.norm\(dim=1, keepdim=True\)"),
        (lambda x: du_h_infinity(x, 3 * x), r"`x2` rows must have unit norm"),
        (lambda x: du_h_infinity(x.long()), r"integer dtype"),
    ],
)
def test_invalid_inputs_raise_with_the_fix(call, match) -> None:
    x = torch.nn.functional.normalize(points(9, 4, 3), dim=1)
    with pytest.raises(InvalidInputError, match=match):
        call(x)


def test_too_many_pairs_are_refused_before_the_recursion(monkeypatch) -> None:
    # 2000 points: 2 001 000 pairs, ~244 MiB of per-pair vectors, over half of 256 MiB.
    monkeypatch.setattr(validation, "available_memory_bytes", lambda: 2**28)
    monkeypatch.setattr(analytic, "_pairs", None)  # the recursion must not start
    with pytest.raises(KernelMemoryError, match=r"2001000 point pairs.*row blocks"):
        analytic_ntk(points(0, 2000, 3), depth=1)


# --- H∞ of Du et al. 2019 --------------------------------------------------------------------


class TwoLayerFixedOutput(nn.Module):
    """f(x) = m^{-1/2} Σ_r a_r ReLU(w_rᵀx), w_r ~ N(0, I) trained, a_r = ±1 fixed."""

    def __init__(self, d: int, width: int, seed: int) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.w = nn.Parameter(torch.randn(width, d, generator=gen, dtype=torch.float64))
        signs = torch.randint(0, 2, (width,), generator=gen).double() * 2 - 1
        self.a = nn.Parameter(signs, requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x @ self.w.T) @ self.a / math.sqrt(self.w.shape[0])


def test_h_infinity_is_the_ntk_of_the_two_layer_model_with_only_w_trained() -> None:
    x = torch.nn.functional.normalize(points(10, 4, 5), dim=1)
    h = du_h_infinity(x)
    # Entries fluctuate with std |xᵀx'|·√(p(1-p)/m) <= 0.5/√m = 0.0035 at m = 20000.
    emp = reference_ntk(TwoLayerFixedOutput(5, 20_000, seed=0), x)
    torch.testing.assert_close(emp, h, rtol=0, atol=0.02)
    assert torch.linalg.eigvalsh(h).min() > 0  # no two rows parallel -> λ₀ > 0


def test_h_infinity_relation_to_analytic_ntk() -> None:
    # d · analytic_ntk(depth=1) = H∞ (first layer) + d · Σ² (read-out) for unit-norm inputs.
    d = 5
    x = torch.nn.functional.normalize(points(11, 6, d), dim=1)
    ntk, nngp = analytic_ntk(x, depth=1, return_nngp=True)
    torch.testing.assert_close(d * ntk - d * nngp, du_h_infinity(x), rtol=1e-13, atol=1e-15)
    torch.testing.assert_close(du_h_infinity(x, x[:2]), du_h_infinity(x)[:, :2])


def test_h_infinity_hand_value_and_parallel_inputs() -> None:
    r = math.sqrt(0.5)
    x = torch.tensor([[1.0, 0.0], [r, r], [1.0, 0.0]], dtype=torch.float64)
    h = du_h_infinity(x)
    # ⟨x0, x1⟩ = 1/√2, arccos = π/4: H = (1/√2)(3π/4)/(2π) = 3/(8√2); diagonal = 1/2.
    assert h[0, 1] == pytest.approx(3 / (8 * math.sqrt(2)), rel=1e-14)
    assert h[0, 0] == pytest.approx(0.5, rel=1e-15)
    assert torch.linalg.eigvalsh(h).min() < 1e-12  # rows 0 and 2 are parallel


# --- the MLP's empirical NTK converges to analytic_ntk ----------------------------------------

# More seeds where they are cheap: the per-seed gap's spread is ~35% of its mean at every width.
WIDTH_SEEDS = {64: range(16), 256: range(16), 1024: range(8), 4096: range(3)}


@pytest.fixture(scope="module")
def relu_sweep() -> tuple[torch.Tensor, dict[int, list[torch.Tensor]]]:
    """Θ∞ and the empirical NTKs of depth-2 ReLU MLPs on 10 points in d = 5, per width."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(10, 5, generator=gen, dtype=torch.float64)
    kernels = {
        width: [empirical_ntk(MLP(5, width, 2, activation="relu", seed=s), x) for s in seeds]
        for width, seeds in WIDTH_SEEDS.items()
    }
    return analytic_ntk(x, depth=2, activation="relu"), kernels


def test_empirical_ntk_is_within_a_few_percent_at_width_4096(relu_sweep) -> None:
    limit, kernels = relu_sweep
    gaps = [rel_frobenius(k, limit) for k in kernels[4096]]
    # Per-seed gaps are ≈ 2.7/√m ≈ 0.043 ± 0.015 at m = 4096 (measured over 12 seeds): their
    # mean has sd ≈ 0.009. The seed-averaged kernel removes most of the fluctuation (≈ 0.025).
    assert np.mean(gaps) < 0.065, gaps
    assert rel_frobenius(torch.stack(kernels[4096]).mean(0), limit) < 0.05


def test_gap_shrinks_like_inverse_square_root_of_width(relu_sweep) -> None:
    limit, kernels = relu_sweep
    widths = sorted(kernels)
    mean_gaps = [np.mean([rel_frobenius(k, limit) for k in kernels[w]]) for w in widths]
    slope = np.polyfit(np.log(widths), np.log(mean_gaps), 1)[0]
    # Measured: -0.47 to -0.54 over four disjoint seed sets (fluctuations ~ m^{-1/2}).
    assert -0.8 <= slope <= -0.3, (mean_gaps, slope)


@pytest.mark.parametrize(
    ("activation", "weight_std", "bias_std"),
    [("erf", 1.5, 0.5), ("tanh", 1.2, 0.2), (LeakyAbs(0.6, 0.3), 1.0, 0.1)],
    ids=["erf", "tanh-quadrature", "leaky-abs"],
)
def test_empirical_ntk_converges_for_other_activations(activation, weight_std, bias_std) -> None:
    x = points(12, 8, 5)
    limit = analytic_ntk(
        x, depth=2, activation=activation, weight_std=weight_std, bias_std=bias_std
    )
    models = [
        MLP(5, 1024, 2, activation=activation, weight_std=weight_std, bias_std=bias_std, seed=s)
        for s in range(3)
    ]
    mean_kernel = torch.stack([empirical_ntk(m, x) for m in models]).mean(0)
    # Per-seed gaps ≈ 0.05-0.1 at m = 1024; a convention error (σ_b², 1/d, φ') is far larger.
    assert rel_frobenius(mean_kernel, limit) < 0.08
