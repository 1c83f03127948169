"""The mean-matching game, GDA as a pure step and as a Step of the one loop, and linearized
GDA's roots (Balaji et al. 2021)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from ntkcheck.dynamics import (
    GDAState,
    MeanMatchingGame,
    gda,
    gda_step,
    linearized_gda_roots,
    spectral_radius,
    track_distance,
    track_kernel,
    train,
)
from ntkcheck.errors import InvalidInputError
from ntkcheck.models.gan import (
    LinearGenerator,
    OneHiddenLayerGenerator,
    unit_latent_codes,
)

F64 = torch.float64
ACTIVATIONS = ["tanh", "softplus", "relu"]


def _setup(k: int = 80, n: int = 4, m: int = 10, d: int = 5, act: str = "tanh", seed: int = 0):
    g = OneHiddenLayerGenerator(d, k, m, act, seed=seed)
    z = unit_latent_codes(n, d, seed=seed + 1)
    x_bar = torch.randn(m, generator=torch.Generator().manual_seed(seed + 2), dtype=F64)
    return g, z, MeanMatchingGame(g.mean_map(z), x_bar)


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


def test_errors_data_mean():
    g = OneHiddenLayerGenerator(5, 3, 4)
    z = unit_latent_codes(2, 5, seed=0)
    with pytest.raises(InvalidInputError, match=r"`x_bar` has 3 entries but the generator"):
        MeanMatchingGame(g.mean_map(z), torch.zeros(3, dtype=F64))
    with pytest.raises(InvalidInputError, match=r"`x_bar` has dtype torch.float32 but"):
        MeanMatchingGame(g.mean_map(z), torch.zeros(4))
    with pytest.raises(InvalidInputError, match=r"`x_bar` has 1 non-finite"):
        MeanMatchingGame(g.mean_map(z), torch.tensor([0.0, 1.0, torch.nan, 0.0], dtype=F64))
    with pytest.raises(InvalidInputError, match=r"`x_bar` must be the data mean as a 1-D"):
        MeanMatchingGame(g.mean_map(z), torch.zeros(2, 4, dtype=F64))


def test_gda_step_runs_in_the_loop_to_the_saddle_point():
    g, z, game = _setup(k=160, n=1, seed=3)
    W0 = g.W.detach().clone()
    alpha, beta = game.generator.singular_values(W0)
    mu = 0.1 / beta**2
    step = gda(game, W0, eta=0.5, mu=mu)
    traj = train(
        step,
        steps=3000,
        stop_below=1e-8,
        record_every=50,
        instruments=(track_kernel(), track_distance("W")),
    )
    t = traj.steps_to(1e-8)
    assert t is not None and t == traj.steps[-1] < 3000 and traj.loss[-1] <= 1e-8
    assert torch.equal(W0, g.W.detach())  # the caller's W_0 is not modified
    state = game.initial_state(W0)
    for _ in range(t):  # the loop is exactly t pure GDA steps
        state = gda_step(game, state, eta=0.5, mu=mu)
    assert torch.equal(state.W, step.state["W"]) and torch.equal(state.d, step.state["d"])
    assert math.sqrt(traj.lambda_min_K[0]) == pytest.approx(alpha, rel=1e-10)
    assert list(traj.layer_distance) == ["W"] and traj.settings["algorithm"] == "gda"


def test_gda_step_errors():
    g, z, game = _setup(k=3, seed=0)
    with pytest.raises(InvalidInputError, match=r"`mu` must be a finite step size > 0"):
        gda(game, g.W.detach(), eta=0.5, mu=-1.0)
    with pytest.raises(InvalidInputError, match=r"`state` must hold W of shape \(3, 5\)"):
        gda(game, g.W.detach().T, eta=0.5, mu=0.1)
