"""Balaji et al.'s one-hidden-layer GAN: identities of the mean-matching game and the Jacobian.

Model: ``G(z) = V φ(W z)`` (W: (k, d) trained, N(0, 1); V: (m, k) fixed, N(0, 1/k)), fixed unit
latent codes z_1..z_n, data mean x̄ ~ N(0, I_m), linear discriminator d and
``h(W, d) = ⟨d, Ĝ(W) − x̄⟩ − ‖d‖²/2`` with ``Ĝ(W) = (1/n) Σ_i V φ(W z_i)``. The measurements
here compare the library's closed forms (best response, value, J, K = J Jᵀ) with independent
computations (autograd Newton steps, ``torch.func.jacrev``, central differences, SVD).

Seeds: ``balaji_problem(seed)`` spawns three independent streams (W and V, the codes z, x̄) from
``numpy.random.SeedSequence(seed)``, so problems of different seeds share no draws.

References: Balaji et al. 2021, "Understanding Overparameterization in Generative Adversarial
Networks", arXiv 2104.05605.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ntkcheck.device import CPU, to_default
from ntkcheck.models.gan import (
    MeanMatchingGame,
    OneHiddenLayerGenerator,
    gda_step,
    unit_latent_codes,
)
from ntkcheck.threads import torch_threads

F64 = torch.float64
ACTIVATIONS = ("tanh", "softplus", "relu")


@dataclass(frozen=True)
class BalajiProblem:
    """One draw of the model: the generator module, its game and W_0: (k, d)."""

    generator: OneHiddenLayerGenerator
    game: MeanMatchingGame
    z: torch.Tensor
    W0: torch.Tensor


def balaji_problem(
    k: int, seed: int, *, m: int = 10, d: int = 5, n: int = 1, activation: str = "tanh"
) -> BalajiProblem:
    """Generator of width k, n unit codes in R^d, x̄ ~ N(0, I_m), float64; independent streams."""
    s_gen, s_z, s_x = (int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(3))
    g = OneHiddenLayerGenerator(d, k, m, activation, seed=s_gen)
    z = unit_latent_codes(n, d, seed=s_z)
    x_bar = to_default(
        torch.randn(m, generator=torch.Generator().manual_seed(s_x), dtype=F64, device=CPU)
    )
    return BalajiProblem(g, MeanMatchingGame(g.mean_map(z), x_bar), z, g.W.detach().clone())


@torch_threads()
def mean_matching_errors(problem: BalajiProblem) -> dict[str, float]:
    """max_d h and argmax_d h by one autograd Newton step from d = 0 vs ½‖Ĝ − x̄‖² and Ĝ − x̄.

    h is quadratic in d, so one Newton step d* = −H⁻¹ ∇_d h(W, 0) is the exact maximizer; Ĝ is
    taken from the module's forward pass ``G(z).mean(0)``, not from the game's mean map.
    Returns relative errors of the value and the argmax and max |H + I| (concavity: H = −I).
    """
    game, W = problem.game, problem.W0
    zero = torch.zeros_like(game.x_bar, requires_grad=True)
    (grad,) = torch.autograd.grad(game.objective(W, zero), zero)
    hess = torch.autograd.functional.hessian(lambda dd: game.objective(W, dd), zero.detach())
    d_star = -torch.linalg.solve(hess, grad)
    with torch.no_grad():
        r = problem.generator(problem.z).mean(dim=0) - game.x_bar
        value = game.objective(W, d_star)
    half = 0.5 * float(r @ r)
    return {
        "value_error": abs(float(value) - half) / half,
        "argmax_error": float((d_star - r).norm() / r.norm()),
        "hessian_error": float((hess + torch.eye(len(r), dtype=F64)).abs().max()),
    }


def gradient_descent_optimum(
    problem: BalajiProblem, *, max_steps: int = 5000, patience: int = 50
) -> tuple[torch.Tensor, int]:
    """W* from GD on ½‖Ĝ(W) − x̄‖² with step 1/β_0² (β_0 = σ_max(J(W_0))), run to rounding.

    Stops when ‖r‖ has not decreased for ``patience`` steps (rounding floor) or at ``max_steps``.
    Returns (W*, steps taken).
    """
    game = problem.game
    lr = 1.0 / float(torch.linalg.matrix_norm(game.generator.jacobian(problem.W0), ord=2)) ** 2
    W, best, stall = problem.W0.clone(), float("inf"), 0
    for step in range(1, max_steps + 1):
        r = game.residual(W)
        W = W - lr * game.generator.pullback(W, r)
        norm = float(r.norm())
        best, stall = (norm, 0) if norm < best else (best, stall + 1)
        if stall >= patience:
            return W, step
    return W, max_steps


@torch_threads()
def saddle_point_residuals(
    problem: BalajiProblem, *, gda_steps: int = 1000, eta: float = 0.5, mu_scale: float = 0.1
) -> dict[str, float]:
    """Gradients of h at (W*, 0) and the drift of ``gda_steps`` GDA steps started there.

    GDA: η = ``eta``, μ = ``mu_scale``/β_0². Returns ‖∇_W h‖, ‖∇_d h‖ (= ‖r(W*)‖), ‖W_T − W*‖_F,
    ‖d_T‖, ‖x̄‖ and the GD steps used to find W*.
    """
    game = problem.game
    w_star, gd_steps = gradient_descent_optimum(problem)
    beta0 = float(torch.linalg.matrix_norm(game.generator.jacobian(problem.W0), ord=2))
    state = game.initial_state(w_star)
    grad_w, grad_d = game.gradients(state)
    for _ in range(gda_steps):
        state = gda_step(game, state, eta=eta, mu=mu_scale / beta0**2)
    return {
        "grad_W": float(grad_w.norm()),
        "grad_d": float(grad_d.norm()),
        "drift_W": float((state.W - w_star).norm()),
        "drift_d": float(state.d.norm()),
        "x_bar_norm": float(game.x_bar.norm()),
        "gd_steps": float(gd_steps),
    }


@torch_threads()
def jacobian_errors(problem: BalajiProblem, *, h: float = 1e-6) -> dict[str, float]:
    """Closed-form J vs ``torch.func.jacrev`` and vs central differences; K symmetric PSD.

    Central differences perturb one entry W[j, l] by ±h; for ReLU, columns j with a
    pre-activation |w_jᵀ z_i| < 10h (a kink within reach of the step) are left out of that
    comparison (``kink_columns`` counts them). Errors are relative in the Frobenius norm;
    ``K`` is the closed form ``V diag(‖C_j‖²) Vᵀ``, compared with J Jᵀ.
    """
    mean_map, W = problem.game.generator, problem.W0
    k, d = W.shape
    J = mean_map.jacobian(W)
    J_auto = torch.func.jacrev(mean_map)(W).reshape(J.shape)
    eye = torch.eye(k * d, dtype=F64).reshape(k * d, k, d)
    plus, minus = torch.vmap(mean_map)(W + h * eye), torch.vmap(mean_map)(W - h * eye)
    J_fd = ((plus - minus) / (2 * h)).T
    keep = torch.ones(k, dtype=torch.bool)
    if mean_map.activation == "relu":
        keep = (problem.z @ W.T).abs().min(dim=0).values >= 10 * h
    cols = keep.repeat_interleave(d)
    K = mean_map.kernel(W)
    eig = torch.linalg.eigvalsh(0.5 * (K + K.T))
    k_norm = float(eig.abs().max())
    return {
        "autograd_error": float((J - J_auto).norm() / J_auto.norm()),
        "fd_error": float((J[:, cols] - J_fd[:, cols]).norm() / J_fd[:, cols].norm()),
        "kernel_error": float((K - J @ J.T).norm() / (J @ J.T).norm()),
        "asymmetry": float((K - K.T).norm()) / k_norm,
        "lambda_min_rel": float(eig[0]) / k_norm,
        "kink_columns": float(k - int(keep.sum())),
    }


def _stack(rows: list[dict[str, float]]) -> dict[str, np.ndarray]:
    return {key: np.array([r[key] for r in rows]) for key in rows[0]}


def mean_matching_study(
    k: int, seeds: list[int], *, m: int = 10, d: int = 5, n: int = 4
) -> dict[str, np.ndarray]:
    """:func:`mean_matching_errors` for every activation × seed: arrays (3·len(seeds),)."""
    return _stack(
        [
            mean_matching_errors(balaji_problem(k, s, m=m, d=d, n=n, activation=act))
            for act in ACTIVATIONS
            for s in seeds
        ]
    )


def saddle_point_study(
    k: int,
    seeds: list[int],
    *,
    gda_steps: int,
    eta: float,
    mu_scale: float,
    m: int = 10,
    d: int = 5,
) -> dict[str, np.ndarray]:
    """:func:`saddle_point_residuals` per seed, plus ``gradient_norm`` = max(‖∇_W h‖, ‖∇_d h‖)
    and ``drift`` = max(‖W_T − W*‖_F, ‖d_T‖)."""
    out = _stack(
        [
            saddle_point_residuals(
                balaji_problem(k, s, m=m, d=d), gda_steps=gda_steps, eta=eta, mu_scale=mu_scale
            )
            for s in seeds
        ]
    )
    out["gradient_norm"] = np.maximum(out["grad_W"], out["grad_d"])
    out["drift"] = np.maximum(out["drift_W"], out["drift_d"])
    return out


def jacobian_study(
    widths: list[int], seeds: list[int], *, m: int = 10, d: int = 5, n: int = 4, h: float = 1e-6
) -> dict[str, np.ndarray]:
    """:func:`jacobian_errors` for every activation × width × seed: arrays of that length."""
    return _stack(
        [
            jacobian_errors(balaji_problem(k, s, m=m, d=d, n=n, activation=act), h=h)
            for act in ACTIVATIONS
            for k in widths
            for s in seeds
        ]
    )
