"""Balaji et al.'s GAN model (float64 identities) and the GAN width-study pieces."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.linalg
import torch
from hypothesis import given
from hypothesis import strategies as st

from ntkcheck.errors import InvalidInputError
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.kernels.reference import reference_ntk
from ntkcheck.models.gan import (
    GANConfig,
    GDAState,
    LinearGenerator,
    MeanGenerator,
    MeanMatchingGame,
    OneHiddenLayerGenerator,
    PCAFeatures,
    dcgan,
    frechet_distance,
    frechet_distance_from_samples,
    gda_step,
    linearized_gda_roots,
    load_digits_images,
    mlp_gan,
    ring_modes,
    ring_quality,
    sample_ring,
    spectral_radius,
    train_gan,
    unit_latent_codes,
)

F64 = torch.float64
ACTIVATIONS = ["tanh", "softplus", "relu"]


def _setup(k: int = 80, n: int = 4, m: int = 10, d: int = 5, act: str = "tanh", seed: int = 0):
    g = OneHiddenLayerGenerator(d, k, m, act, seed=seed)
    z = unit_latent_codes(n, d, seed=seed + 1)
    x_bar = torch.randn(m, generator=torch.Generator().manual_seed(seed + 2), dtype=F64)
    return g, z, MeanMatchingGame(g.mean_map(z), x_bar)


# ---------------------------------------------------------------- generator and its kernel


@given(seed=st.integers(0, 10_000), act=st.sampled_from(ACTIVATIONS))
def test_mean_matching_identity(seed, act):
    g, z, game = _setup(act=act, seed=seed)
    W = g.W.detach()
    d_star = game.best_response(W)
    r = game.residual(W)
    assert torch.allclose(d_star, r, rtol=0, atol=0)
    assert abs(float(game.objective(W, d_star) - 0.5 * r @ r)) <= 1e-10 * (1 + float(r @ r))
    assert abs(float(game.value(W) - game.objective(W, d_star))) <= 1e-10
    # d* is the maximizer: h is concave in d and any move lowers it by exactly ½‖δ‖²
    delta = torch.randn(10, generator=torch.Generator().manual_seed(seed), dtype=F64)
    drop = game.objective(W, d_star) - game.objective(W, d_star + delta)
    assert abs(float(drop - 0.5 * delta @ delta)) <= 1e-10 * (1 + float(delta @ delta))


def test_mean_map_matches_module_forward():
    g, z, game = _setup()
    assert torch.allclose(game.generator(g.W.detach()), g(z).mean(dim=0), atol=1e-14)
    assert g(z).shape == (4, 10) and g(z).dtype == F64


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_jacobian_closed_form_vs_autograd_and_differences(act):
    g, z, game = _setup(k=12, n=3, m=7, d=4, act=act, seed=3)
    mean_map, W = game.generator, g.W.detach()
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
    g, z, game = _setup(k=9, n=3, m=6, d=4, act=act, seed=5)
    W = g.W.detach()
    K = game.generator.kernel(W)
    J = game.generator.jacobian(W)
    assert torch.allclose(K, J @ J.T, rtol=0, atol=1e-13)
    assert torch.equal(K, K.T) or float((K - K.T).abs().max()) <= 1e-15
    eps = torch.finfo(F64).eps
    assert float(torch.linalg.eigvalsh(K).min()) >= -6 * eps * float(torch.linalg.norm(K, 2))
    theta = reference_ntk(MeanGenerator(g), z.unsqueeze(0), mode="full")
    assert theta.shape == (1, 1, 6, 6)
    assert float((theta[0, 0] - K).abs().max()) <= 1e-13


def test_mean_generator_cross_kernel_between_latent_sets():
    g = OneHiddenLayerGenerator(3, 5, 4, seed=1)
    z1, z2 = unit_latent_codes(2, 3, seed=2), unit_latent_codes(2, 3, seed=3)
    theta = reference_ntk(MeanGenerator(g), torch.stack([z1, z2]))
    J1 = g.mean_map(z1).jacobian(g.W.detach())
    J2 = g.mean_map(z2).jacobian(g.W.detach())
    assert float((theta[0, 1] - J1 @ J2.T).abs().max()) <= 1e-13


def test_empirical_ntk_agrees_for_both_module_forms():
    g = OneHiddenLayerGenerator(5, 16, 10, seed=0)
    z = unit_latent_codes(4, 5, seed=1)
    K = empirical_ntk(MeanGenerator(g), z.unsqueeze(0))
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
    out = MeanGenerator(g)(unit_latent_codes(4, 5, seed=1).unsqueeze(0))[0]
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


# ---------------------------------------------------------------- GDA


def test_gda_gradients_match_autograd():
    g, z, game = _setup(k=7, seed=2)
    W = g.W.detach().clone().requires_grad_(True)
    d = torch.randn(10, dtype=F64, generator=torch.Generator().manual_seed(1)).requires_grad_(True)
    grad_w_auto, grad_d_auto = torch.autograd.grad(game.objective(W, d), (W, d))
    grad_w, grad_d = game.gradients(GDAState(W.detach(), d.detach()))
    assert torch.allclose(grad_w, grad_w_auto, atol=1e-14)
    assert torch.allclose(grad_d, grad_d_auto, atol=1e-14)


@pytest.mark.parametrize("order", ["simultaneous", "alternating"])
def test_gda_step_updates(order):
    g, z, game = _setup(k=7, seed=2)
    state = game.initial_state(g.W.detach())
    new = gda_step(game, state, eta=0.5, mu=0.01, order=order)
    r = game.residual(state.W)
    assert torch.allclose(new.d, 0.5 * r, atol=1e-15)  # d0 = 0: both orders move d by ηr
    if order == "simultaneous":
        assert torch.equal(new.W, state.W)  # ∇_W h = Jᵀ d0 = 0
    else:
        expected = state.W - 0.01 * game.generator.pullback(state.W, new.d)
        assert torch.allclose(new.W, expected, atol=1e-15)


def test_saddle_point_is_stationary():
    g = OneHiddenLayerGenerator(5, 160, 10, seed=4)
    z = unit_latent_codes(1, 5, seed=5)
    W_star = g.W.detach()
    x_bar = g.mean_map(z)(W_star)  # Ĝ(W*) = x̄ by construction
    game = MeanMatchingGame(g.mean_map(z), x_bar)
    state = game.initial_state(W_star)
    grad_w, grad_d = game.gradients(state)
    tol = 1e-12 * (1 + float(x_bar.norm()))
    assert float(grad_w.abs().max()) <= tol and float(grad_d.abs().max()) <= tol
    for _ in range(1000):
        state = gda_step(game, state, eta=0.5, mu=0.1)
    assert float((state.W - W_star).norm()) <= tol and float(state.d.norm()) <= tol


def _block(kappa: float, eta: float, mu: float, order: str) -> np.ndarray:
    if order == "simultaneous":
        return np.array([[1.0, -mu * kappa], [eta, 1.0 - eta]])
    return np.array([[1 - eta * mu * kappa, -mu * kappa * (1 - eta)], [eta, 1 - eta]])


@pytest.mark.parametrize("order", ["simultaneous", "alternating"])
@pytest.mark.parametrize("kappa", [0.0, 0.3, 1.0, 7.0])
def test_roots_are_block_eigenvalues(order, kappa):
    eta, mu = 0.5, 0.2
    roots = linearized_gda_roots(kappa, eta, mu, order)
    eig = np.linalg.eigvals(_block(kappa, eta, mu, order))
    assert np.allclose(np.sort_complex(roots), np.sort_complex(eig), atol=1e-12)
    assert spectral_radius(kappa, eta, mu, order) == pytest.approx(np.abs(eig).max(), abs=1e-12)


def test_spectral_radius_regimes():
    eta, mu = 0.3, 0.5
    kappa = np.linspace(0.01, 1.9, 50)
    s = linearized_gda_roots(kappa, eta, mu)
    complex_mode = eta < 4 * mu * kappa
    assert np.all(np.abs(s[complex_mode].imag[:, 0]) > 0)
    assert np.all(s[~complex_mode].imag == 0)
    expected = np.sqrt(1 - eta + eta * mu * kappa[complex_mode])
    assert np.allclose(np.abs(s[complex_mode]), expected[:, None], atol=1e-14)
    assert np.all((spectral_radius(kappa, eta, mu) > 1) == (mu * kappa > 1))


def _fitted_rate(game: MeanMatchingGame, state: GDAState, eta, mu, order, rho) -> float:
    """Log-slope of ‖(r_t, d_t)‖ over the last half of the window ending at 1e-11·initial."""
    norms = []
    t_max = min(20_000, int(140 * math.log(10) / -math.log(rho)))
    for _ in range(t_max):
        r = game.residual(state.W)
        norms.append(float(torch.sqrt(r @ r + state.d @ state.d)))
        if norms[-1] < 1e-11 * norms[0]:
            break
        state = gda_step(game, state, eta=eta, mu=mu, order=order)
    t = np.arange(len(norms))
    half = len(norms) // 2
    slope = np.polyfit(t[half:], np.log(norms[half:]), 1)[0]
    return math.exp(slope)


@pytest.mark.parametrize(
    "eta,mu_beta2,order",
    [
        (0.5, 0.1, "simultaneous"),
        (0.1, 0.5, "simultaneous"),  # oscillating modes (η < 4μκ)
        (1.2, 0.8, "simultaneous"),
        (0.5, 0.3, "alternating"),
    ],
)
def test_linear_generator_rate_formula(eta, mu_beta2, order):
    A = torch.randn(6, 12, dtype=F64, generator=torch.Generator().manual_seed(11))
    lin = LinearGenerator(A)
    kappa = torch.linalg.eigvalsh(lin.kernel(None)).numpy()
    mu = mu_beta2 / kappa.max()
    rho = float(spectral_radius(kappa, eta, mu, order).max())
    x_bar = torch.randn(6, dtype=F64, generator=torch.Generator().manual_seed(12))
    game = MeanMatchingGame(lin, x_bar)
    theta0 = torch.randn(12, dtype=F64, generator=torch.Generator().manual_seed(13))
    fitted = _fitted_rate(game, game.initial_state(theta0), eta, mu, order, rho)
    assert abs(fitted - rho) / rho < 0.01


def test_gda_step_does_not_hide_divergence():
    A = torch.randn(4, 8, dtype=F64, generator=torch.Generator().manual_seed(0))
    game = MeanMatchingGame(LinearGenerator(A), torch.ones(4, dtype=F64))
    mu = 5.0 / float(torch.linalg.eigvalsh(A @ A.T).max())  # μβ² = 5 > 1: divergent
    state = game.initial_state(torch.zeros(8, dtype=F64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3000):
            state = gda_step(game, state, eta=0.5, mu=mu)
    assert not bool(torch.isfinite(state.W).all())
    nan_state = GDAState(W=torch.full((8,), float("nan"), dtype=F64), d=state.d)
    assert bool(torch.isnan(gda_step(game, nan_state, eta=0.5, mu=mu).W).all())


# ---------------------------------------------------------------- width-study networks


@pytest.mark.parametrize(
    "dataset,options",
    [
        ("ring", {}),
        ("ring", {"loss": "wgan-gp", "d_steps": 2}),
        ("digits", {}),
        ("digits", {"arch": "dcgan"}),
        ("digits", {"arch": "dcgan", "loss": "wgan-gp"}),
    ],
)
def test_train_gan_runs_a_few_steps(dataset, options):
    h = train_gan(dataset, 1, steps=4, eval_every=2, n_eval=64, batch_size=16, **options)
    assert h.diverged_at is None
    assert len(h.d_loss) == len(h.g_loss) == 4
    assert all(math.isfinite(v) for v in h.d_loss + h.g_loss)
    assert h.eval_steps == [0, 2, 4]
    ring_keys = {"modes_covered", "modes_covered_1pct", "high_quality_fraction"}
    assert set(h.metrics) == (ring_keys if dataset == "ring" else {"fd_pca20", "fd_pixels"})
    assert len(h.mode_counts) == (3 if dataset == "ring" else 0)
    assert all(len(v) == 3 and all(math.isfinite(x) for x in v) for v in h.metrics.values())
    assert h.final_samples.shape == (64, 2 if dataset == "ring" else 64)
    assert h.to_dict()["config"]["k"] == 1


def test_train_gan_is_deterministic_and_restores_threads():
    threads = torch.get_num_threads()
    a = train_gan("ring", 2, steps=10, eval_every=5, n_eval=100, seed=3)
    b = train_gan("ring", 2, steps=10, eval_every=5, n_eval=100, seed=3)
    c = train_gan("ring", 2, steps=10, eval_every=5, n_eval=100, seed=4)
    assert a.d_loss == b.d_loss and a.g_loss == b.g_loss and a.metrics == b.metrics
    assert np.array_equal(a.final_samples, b.final_samples)
    assert a.d_loss != c.d_loss
    assert torch.get_num_threads() == threads


def test_train_gan_does_not_touch_global_rng():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train_gan("digits", 1, arch="dcgan", steps=2, eval_every=2, n_eval=16, batch_size=8)
    assert torch.equal(torch.rand(3), expected)


def test_train_gan_reports_divergence():
    with pytest.warns(RuntimeWarning, match=r"diverged at step \d+: the \w+ loss is (nan|inf)"):
        h = train_gan("ring", 1, lr=1e6, steps=50, eval_every=10, n_eval=50)
    assert h.diverged_at is not None and not math.isfinite(h.diverged_loss)
    assert len(h.d_loss) == h.diverged_at - 1
    assert h.to_dict()["diverged_at"] == h.diverged_at


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


# ---------------------------------------------------------------- data and metrics


def test_data_sets():
    x = sample_ring(4000, torch.Generator().manual_seed(0))
    q = ring_quality(x, ring_modes(), 0.02)
    assert q.modes_covered == 8 and q.high_quality_fraction > 0.98
    digits = load_digits_images()
    assert digits.shape == (1797, 64)
    assert float(digits.min()) == -1.0 and float(digits.max()) == 1.0


def test_frechet_distance_to_itself_and_shifted():
    x = np.random.default_rng(0).normal(size=(500, 6))
    assert abs(frechet_distance_from_samples(x, x)) < 1e-9
    shift = np.full(6, 0.5)
    assert frechet_distance_from_samples(x, x + shift) == pytest.approx(6 * 0.25, rel=1e-9)
    assert frechet_distance_from_samples(x, 2 * x) > 1.0


def test_frechet_distance_closed_forms():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.diag([1.0, 4.0, 9.0]), np.diag([4.0, 1.0, 0.25])
    expected = 5.0 + (1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 0.5) ** 2
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-12)
    # general covariances: tr √(Σ1Σ2) = Σ √λ(Σ1^{1/2} Σ2 Σ1^{1/2}) (a symmetric PSD oracle)
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    s1, s2 = a @ a.T, b @ b.T
    r1 = scipy.linalg.sqrtm(s1).real
    oracle = np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.linalg.eigvalsh(r1 @ s2 @ r1)).sum()
    assert frechet_distance(np.zeros(5), s1, np.zeros(5), s2) == pytest.approx(oracle, rel=1e-9)


def test_frechet_distance_singular_covariances():
    digits = load_digits_images().numpy()  # border pixels are constant: singular covariance
    assert abs(frechet_distance_from_samples(digits, digits)) < 1e-6
    half = frechet_distance_from_samples(digits[::2], digits[1::2])
    assert 0 < half < frechet_distance_from_samples(digits, np.clip(digits + 0.5, -1, 1))
    pca = PCAFeatures.fit(digits, n_components=20)
    assert pca(digits).shape == (1797, 20)
    assert abs(frechet_distance_from_samples(pca(digits), pca(digits))) < 1e-9


def test_ring_quality_hand_made_samples():
    modes = ring_modes(8, 2.0)
    std = 0.02
    samples = np.concatenate(
        [
            modes[0] + [[0.0, 0.0], [0.01, 0.0], [0.0, -0.05]],  # 3 high quality at mode 0
            modes[[3]] + [[0.059, 0.0]],  # just inside 3σ = 0.06 of mode 3
            modes[[5]] + [[0.061, 0.0]],  # just outside: low quality, mode 5 not captured
            [[0.0, 0.0]],  # the centre: far from every mode
        ]
    )
    q = ring_quality(samples, modes, std)
    assert q.counts == (3, 0, 0, 1, 0, 0, 0, 0)
    assert q.modes_covered == 2
    assert q.high_quality_fraction == pytest.approx(4 / 6)
    assert ring_quality(samples, modes, std, min_count=2).modes_covered == 1


# ---------------------------------------------------------------- errors


def test_errors_widths_and_activation():
    with pytest.raises(InvalidInputError, match=r"`hidden` must be an integer >= 1, got 0"):
        OneHiddenLayerGenerator(5, 0, 10)
    with pytest.raises(InvalidInputError, match=r"`out_dim` must be an integer >= 1, got -1"):
        OneHiddenLayerGenerator(5, 3, -1)
    with pytest.raises(InvalidInputError, match=r"`activation` must be one of .* got 'erf'"):
        OneHiddenLayerGenerator(5, 3, 2, activation="erf")
    with pytest.raises(InvalidInputError, match=r"`k` must be an integer >= 1, got 0"):
        mlp_gan(2, 4, 0, seed=0)
    with pytest.raises(InvalidInputError, match=r"`k` must be an integer >= 1, got 0"):
        train_gan("ring", 0)


def test_errors_latent_codes_and_data_mean():
    g = OneHiddenLayerGenerator(5, 3, 4)
    z = unit_latent_codes(2, 5, seed=0)
    with pytest.raises(InvalidInputError, match=r"`z` has 1 non-finite entry"):
        g.mean_map(torch.where(torch.arange(10).reshape(2, 5) == 3, torch.nan, z))
    with pytest.raises(InvalidInputError, match=r"`z` must have shape \(n, latent_dim=5\)"):
        g.mean_map(unit_latent_codes(2, 4, seed=0))
    with pytest.raises(InvalidInputError, match=r"`z` has dtype torch.float32"):
        g.mean_map(z.float())
    with pytest.raises(InvalidInputError, match=r"`z_sets` must have shape \(N, n, d\)"):
        MeanGenerator(g)(z)
    with pytest.raises(InvalidInputError, match=r"`x_bar` has 3 entries but the generator"):
        MeanMatchingGame(g.mean_map(z), torch.zeros(3, dtype=F64))
    with pytest.raises(InvalidInputError, match=r"`x_bar` has dtype torch.float32 but"):
        MeanMatchingGame(g.mean_map(z), torch.zeros(4))
    with pytest.raises(InvalidInputError, match=r"`x_bar` has 1 non-finite"):
        MeanMatchingGame(g.mean_map(z), torch.tensor([0.0, 1.0, torch.nan, 0.0], dtype=F64))
    with pytest.raises(InvalidInputError, match=r"`x_bar` must be the data mean as a 1-D"):
        MeanMatchingGame(g.mean_map(z), torch.zeros(2, 4, dtype=F64))
    with pytest.raises(InvalidInputError, match=r"`A` must be a non-empty \(m, p\)"):
        LinearGenerator(torch.zeros(3, dtype=F64))


def test_errors_gda():
    g, z, game = _setup(k=3, seed=0)
    state = game.initial_state(g.W.detach())
    with pytest.raises(InvalidInputError, match=r"`eta` must be a finite step size > 0, got 0"):
        gda_step(game, state, eta=0, mu=0.1)
    with pytest.raises(InvalidInputError, match=r"`mu` must be a finite step size > 0, got nan"):
        gda_step(game, state, eta=0.5, mu=float("nan"))
    with pytest.raises(InvalidInputError, match=r"`order` must be 'simultaneous' or"):
        gda_step(game, state, eta=0.5, mu=0.1, order="jacobi")
    with pytest.raises(InvalidInputError, match=r"`state` must hold W of shape \(3, 5\)"):
        gda_step(game, GDAState(state.W.T, state.d), eta=0.5, mu=0.1)
    with pytest.raises(InvalidInputError, match=r"`state` has dtypes torch.float32"):
        gda_step(game, GDAState(state.W.float(), state.d.float()), eta=0.5, mu=0.1)
    with pytest.raises(InvalidInputError, match=r"`kappa` must be finite eigenvalues .* -0.1"):
        linearized_gda_roots([1.0, -0.1], 0.5, 0.1)


def test_errors_study_and_metrics():
    with pytest.raises(InvalidInputError, match=r"`dataset` must be one of .* got 'mnist'"):
        train_gan("mnist")
    with pytest.raises(InvalidInputError, match=r"arch='dcgan' is built for 8×8 images"):
        train_gan("ring", 1, arch="dcgan")
    assert GANConfig() == GANConfig.for_dataset("ring")
    with pytest.raises(InvalidInputError, match=r"`lr` must be a finite number > 0, got -0.1"):
        GANConfig.for_dataset("ring", lr=-0.1)
    with pytest.raises(InvalidInputError, match=r"Unknown option\(s\) \['learning_rate'\]"):
        train_gan("ring", 1, learning_rate=1e-3)
    with pytest.raises(InvalidInputError, match=r"`loss` must be one of .* got 'hinge'"):
        GANConfig(loss="hinge")
    with pytest.raises(InvalidInputError, match=r"`adam_betas` must be two numbers in \[0, 1\)"):
        GANConfig(adam_betas=(0.5, 1.5))
    x = np.zeros((10, 3))
    with pytest.raises(InvalidInputError, match=r"Shapes do not match: mu1 \(3,\)"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(InvalidInputError, match=r"`y` has 1 non-finite entries"):
        frechet_distance_from_samples(x, np.where(np.arange(30).reshape(10, 3) == 4, np.nan, x))
    with pytest.raises(InvalidInputError, match=r"`x` must be a numeric \(N, D\) array"):
        frechet_distance_from_samples(np.zeros(5), x)
    with pytest.raises(InvalidInputError, match=r"`n_components`=20 exceeds min\(N, D\) = 3"):
        PCAFeatures.fit(x, n_components=20)
    with pytest.raises(InvalidInputError, match=r"`std` and `n_std` must be finite and > 0"):
        ring_quality(np.zeros((4, 2)), ring_modes(), std=0.0)
    with pytest.raises(InvalidInputError, match=r"`samples` are 3-D but `modes` are 2-D"):
        ring_quality(np.zeros((4, 3)), ring_modes(), std=0.02)


@pytest.mark.slow
def test_reduced_width_study_direction():
    """One seed of the claim's default sizes: wider is better on both data sets (≈ 20 s)."""
    ring = [train_gan("ring", k, seed=0) for k in (1, 8)]
    hq = [h.metrics["high_quality_fraction"][-1] for h in ring]
    assert hq[1] > hq[0]
    digits = [train_gan("digits", k, seed=0) for k in (1, 8)]
    fd = [h.metrics["fd_pca20"][-1] for h in digits]
    assert fd[1] < fd[0]
