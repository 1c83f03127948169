"""The mean-matching game: against a linear discriminator the GAN objective is ½‖Ĝ(W) − x̄‖², and
(W*, 0) with Ĝ(W*) = x̄ is a stationary point of simultaneous GDA. The closed forms of
:class:`~ntkcheck.models.gan.MeanMatchingGame` are compared with independent computations: an
autograd Newton step, the module's forward pass, GD to the optimum and GDA started there.

References: Balaji et al. 2021, arXiv 2104.05605 (Sec. 3).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
import torch

from ntkcheck.claims import (
    Choice,
    Claim,
    Count,
    Floats,
    Foil,
    Ints,
    Positive,
    Requirement,
    Seed,
    Space,
    grid,
)
from ntkcheck.dynamics import gda_step
from ntkcheck.proofs.balaji.common import (
    ACTIVATIONS,
    F64,
    SOURCE,
    Activations,
    BalajiProblem,
    balaji_problem,
)
from ntkcheck.threads import torch_threads


@torch_threads()
def best_response(problem: BalajiProblem) -> dict[str, Any]:
    """max_d h and argmax_d h by one autograd Newton step from d = 0.

    h is quadratic in d, so d* = −H⁻¹ ∇_d h(W, 0) is the exact maximizer. Returns ``value`` =
    h(W, d*), ``best_response`` d* (m,), ``residual`` Ĝ − x̄ (m,) with Ĝ from the module's
    forward pass ``G(z).mean(0)`` (not the game's mean map) and ``hessian_error`` = max |H + I|
    (concavity: H = −I).
    """
    game, W = problem.game, problem.W0
    zero = torch.zeros_like(game.x_bar, requires_grad=True)
    (grad,) = torch.autograd.grad(game.objective(W, zero), zero)
    hess = torch.autograd.functional.hessian(lambda dd: game.objective(W, dd), zero.detach())
    d_star = -torch.linalg.solve(hess, grad)
    with torch.no_grad():
        r = problem.generator(problem.z).mean(dim=0) - game.x_bar
        value = game.objective(W, d_star)
    return {
        "value": float(value),
        "best_response": d_star.detach().numpy(force=True),
        "residual": r.numpy(force=True),
        "hessian_error": float((hess + torch.eye(len(r), dtype=F64)).abs().max()),
    }


def mean_matching_errors(
    value: np.ndarray, residual: np.ndarray, best: np.ndarray
) -> dict[str, np.ndarray]:
    """Per run (value: (...), residual and best: (..., m)): ``value_error`` =
    |max_d h − ½‖r‖²|/½‖r‖² and ``argmax_error`` = ‖d* − r‖/‖r‖ (torch, one run at a time)."""
    # torch, run by run: the same operations (hence the same bits) as the former measurement
    r = torch.as_tensor(residual).reshape(-1, residual.shape[-1])
    d = torch.as_tensor(best).reshape(r.shape)
    half = 0.5 * torch.stack([ri @ ri for ri in r])
    value_error = (torch.as_tensor(value).reshape(-1) - half).abs() / half
    argmax_error = torch.stack([(di - ri).norm() / ri.norm() for di, ri in zip(d, r)])
    return {
        "value_error": value_error.numpy(force=True).reshape(np.shape(value)),
        "argmax_error": argmax_error.numpy(force=True).reshape(np.shape(value)),
    }


def measure_mean_matching(
    *,
    k: Count = 80,
    n: Count = 4,
    m: Count = 10,
    d: Count = 5,
    activations: Activations = ACTIVATIONS,
    seeds: Count = 10,
    seed: Seed = 0,
) -> dict[str, Any]:
    """:func:`best_response` and its errors per activation × seed: arrays (activations, seeds)."""

    def run(activation: int, replicate: int) -> dict[str, Any]:
        act = activations[activation]
        return best_response(balaji_problem(k, seed + replicate, m=m, d=d, n=n, activation=act))

    # grid's axes are numeric coordinates: the activation axis is an index into `activations`
    out = grid(run, seeds=seeds, activation=range(len(activations)))
    return {**out, **mean_matching_errors(out["value"], out["residual"], out["best_response"])}


def longer_residual(measured: dict[str, Any]) -> dict[str, Any]:
    """Foil: Ĝ − x̄ of the forward pass 1e-6 too long (Ĝ off by 1e-6‖Ĝ − x̄‖), errors
    recomputed."""
    r = measured["residual"] * (1 + 1e-6)
    errors = mean_matching_errors(measured["value"], r, measured["best_response"])
    return {**measured, "residual": r, **errors}


MEAN_MATCHING = Claim(
    id="balaji.mean_matching",
    source=SOURCE.at("Sec. 3, the GAN with a linear discriminator (mean matching)"),
    status="derived",
    statement=(
        "Against a linear discriminator the game is mean matching: max_d h(W, d) = "
        "½‖Ĝ(W) − x̄‖², attained at d* = Ĝ(W) − x̄."
    ),
    requirements=(
        Requirement(
            "value_error",
            "<=",
            1e-10,
            "|max_d h − ½‖Ĝ − x̄‖²| / ½‖Ĝ − x̄‖², max by an autograd Newton step",
            where=("activations", "replicate"),
        ),
        Requirement(
            "argmax_error",
            "<=",
            1e-10,
            "‖d* − (Ĝ − x̄)‖ / ‖Ĝ − x̄‖, Ĝ from the module's forward pass",
            where=("activations", "replicate"),
        ),
        Requirement(
            "hessian_error",
            "<=",
            1e-12,
            "max |∇²_d h + I| (h is concave quadratic in d)",
            where=("activations", "replicate"),
        ),
    ),
    measure=measure_mean_matching,
    foil=Foil("Ĝ of the forward pass off by 1e-6‖Ĝ − x̄‖", measured=longer_residual),
    sizes={"quick": {"seeds": 2}, "full": {"seeds": 100}},
    # An identity of the model: every width (k < m included), number of codes, output and
    # latent dimension and activation.
    space=Space(
        k=Ints(1, 1280, log=True, cost=0.2),
        m=Ints(1, 50, cost=0.5),
        n=Ints(1, 64, cost=0.3),
        d=Ints(1, 20, cost=0.3),
        activations=Choice((ACTIVATIONS, ("tanh",), ("softplus",), ("relu",))),
        plot=("k", "m"),
    ),
    notes=(
        "Every seed runs tanh, softplus and ReLU. Default: all errors ≤ 3.7e-16 (rounding); "
        "the calibration asks 1e-10."
    ),
)


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
    problem: BalajiProblem, *, gda_steps: int, eta: float, mu_scale: float, gd_max_steps: int
) -> dict[str, float]:
    """Gradients of h at (W*, 0) and the drift of ``gda_steps`` GDA steps started there.

    GDA: η = ``eta``, μ = ``mu_scale``/β_0². Returns ‖∇_W h‖, ‖∇_d h‖ (= ‖r(W*)‖), ‖W_T − W*‖_F,
    ‖d_T‖, ‖x̄‖ and the GD steps used to find W*.
    """
    game = problem.game
    w_star, gd_steps = gradient_descent_optimum(problem, max_steps=gd_max_steps)
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


def measure_saddle_point(
    *,
    k: Count = 160,
    m: Count = 10,
    d: Count = 5,
    eta: Positive = 0.5,
    mu_scale: Positive = 0.1,
    gda_steps: Count = 1000,
    gd_max_steps: Count = 5000,
    seeds: Count = 5,
    seed: Seed = 0,
) -> dict[str, Any]:
    """:func:`saddle_point_residuals` per seed (seeds,), with ``gradient_norm`` =
    max(‖∇_W h‖, ‖∇_d h‖) and ``drift`` = max(‖W_T − W*‖_F, ‖d_T‖)."""

    def run(replicate: int) -> dict[str, float]:
        return saddle_point_residuals(
            balaji_problem(k, seed + replicate, m=m, d=d),
            gda_steps=gda_steps,
            eta=eta,
            mu_scale=mu_scale,
            gd_max_steps=gd_max_steps,
        )

    out = grid(run, seeds=seeds)
    out["gradient_norm"] = np.maximum(out["grad_W"], out["grad_d"])
    out["drift"] = np.maximum(out["drift_W"], out["drift_d"])
    return out


x_bar_norm = sp.Symbol("x_bar_norm")
SADDLE_POINT = Claim(
    id="balaji.saddle_point",
    source=SOURCE.at("Sec. 3 (global saddle point of the min-max problem)"),
    status="derived",
    statement=(
        "(W*, 0) with Ĝ(W*) = x̄ is a stationary point of simultaneous GDA: both gradients "
        "vanish and GDA started there does not move."
    ),
    requirements=(
        Requirement(
            "gradient_norm",
            "<=",
            1e-12 * (1 + x_bar_norm),
            "max(‖∇_W h‖, ‖∇_d h‖) at (W*, 0), W* from GD on ½‖Ĝ − x̄‖² to rounding",
            where=("replicate",),
        ),
        Requirement(
            "drift",
            "<=",
            1e-12 * (1 + x_bar_norm),
            "max(‖W_T − W*‖_F, ‖d_T‖) after gda_steps GDA steps from (W*, 0)",
            where=("replicate",),
        ),
    ),
    measure=measure_saddle_point,
    foil=Foil("W* from 20 GD steps: not yet the optimum", setting={"gd_max_steps": 20}),
    sizes={"quick": {"seeds": 2}, "full": {"seeds": 20}},
    # W* with Ĝ(W*) = x̄ must exist: x̄ must lie in the image of Ĝ, which tanh's bounded range
    # guarantees only for k ≫ m (k ≥ 16m, as balaji.gda.converges; at k = 4m, seed 1, GD stalls
    # at ‖r‖ = 0.017). Stationarity holds for every step size; within GDA's stable range
    # (0 < η < 2, μβ_0² < 1) rounding does not grow over the steps (wider: unstable steps).
    space=Space(
        k=Ints(64, 1280, log=True, wider=(2, 1280), cost=0.5),
        m=Ints(4, 20, cost=0.5),
        d=Ints(2, 10, cost=0.3),
        eta=Floats(0.05, 1.9, wider=(0.05, 3.0)),
        mu_scale=Floats(0.01, 0.99, log=True, wider=(0.01, 4.0)),
        gda_steps=Ints(100, 3000, log=True, cost=0.7),
        plot=("k", "m"),
    ),
    assumptions=(sp.Symbol("k") >= 16 * sp.Symbol("m"),),
    notes=(
        "W* from GD with step 1/β_0² until ‖r‖ stalls for 50 steps (≈ 250–310 steps). Default: "
        "gradients ≤ 3.0e-16, drift ≤ 1.6e-15, against 1e-12·(1 + ‖x̄‖) ≥ 3.4e-12."
    ),
)

CLAIMS = (MEAN_MATCHING, SADDLE_POINT)
