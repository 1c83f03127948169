"""Simultaneous GDA on Balaji et al.'s mean-matching game: convergence, rate, envelope, laziness.

Every run is driven by :func:`ntkcheck.dynamics.run` on the pure step ``gda_step`` with state
``{"W", "d"}`` from (W_0, d_0 = 0), the residual norm ‖r_t‖ = ‖Ĝ(W_t) − x̄‖ as the loss, and
step sizes η (discriminator) and μ = ``mu_scale``/β_0², β_0 = σ_max(J(W_0)). ``residuals`` of a
run is (‖r_0‖, …, ‖r_T‖). Spectra along the trajectory are σ_min, σ_max of J(W_t) from
K(W_t) = J Jᵀ (m × m, closed form).

References: Balaji et al. 2021, "Understanding Overparameterization in Generative Adversarial
Networks", arXiv 2104.05605 (GDA as a linear time-varying system); Nagarajan & Kolter 2017,
arXiv 1706.04156, and Mescheder et al. 2017, arXiv 1705.10461 (spectral radius of linearized
GDA).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ntkcheck.dynamics import Trajectory, run
from ntkcheck.experiments.balaji_model import BalajiProblem, balaji_problem
from ntkcheck.models.gan import GDAState, gda_step, spectral_radius
from ntkcheck.stats import loglog_slope
from ntkcheck.threads import torch_threads


@dataclass(frozen=True)
class GDARun:
    """One GDA run: its Trajectory, ‖r_t‖ for t = 0..T (``residuals``), α_0, β_0, μ, η."""

    trajectory: Trajectory
    residuals: np.ndarray
    alpha0: float
    beta0: float
    mu: float
    eta: float


def _singular_values(problem: BalajiProblem, W: torch.Tensor) -> tuple[float, float]:
    """(σ_min, σ_max) of J(W) from the eigenvalues of K = J Jᵀ (clipped at 0 for σ_min)."""
    eig = torch.linalg.eigvalsh(problem.game.generator.kernel(W))
    return float(eig[0].clamp(min=0.0).sqrt()), float(eig[-1].sqrt())


@torch_threads()
def gda_run(
    problem: BalajiProblem,
    *,
    steps: int,
    eta: float = 0.5,
    mu_scale: float = 0.1,
    track_spectrum: bool = False,
) -> GDARun:
    """Simultaneous GDA from (W_0, 0) for ``steps`` steps; μ = mu_scale/β_0².

    ``track_spectrum`` records σ_min(J(W_t)) and σ_max(J(W_t)) at every step (observables
    ``sigma_min``, ``sigma_max``); otherwise only t = 0 and T are checkpoints.
    """
    game = problem.game
    alpha0, beta0 = _singular_values(problem, problem.W0)
    mu = mu_scale / beta0**2

    def step(t: int, s: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], float]:
        new = gda_step(game, GDAState(s["W"], s["d"]), eta=eta, mu=mu)
        return {"W": new.W, "d": new.d}, float(game.residual(s["W"]).norm())

    observe = {}
    if track_spectrum:
        observe = {
            "sigma_min": lambda s: _singular_values(problem, s["W"])[0],
            "sigma_max": lambda s: _singular_values(problem, s["W"])[1],
        }
    traj = run(
        step,
        {"W": problem.W0.clone(), "d": torch.zeros_like(game.x_bar)},
        steps=steps,
        objective=lambda s: float(game.residual(s["W"]).norm()),
        record_every=1 if track_spectrum else None,
        track=["W"],
        observe=observe,
        operator_norms=False,
        config={"model": "balaji-one-hidden-layer", "eta": eta, "mu": mu, "steps": steps},
    )
    residuals = np.append(traj.step_loss, traj.loss[-1]) if not traj.diverged else traj.step_loss
    return GDARun(traj, residuals, alpha0, beta0, mu, eta)


def fitted_rate(residuals: np.ndarray, *, lo: float = 1e-10, hi: float = 1e-2) -> float:
    """exp(slope) of log ‖r_t‖ vs t, fitted on the steps with ‖r_t‖/‖r_0‖ ∈ [lo, hi]."""
    rel = residuals / residuals[0]
    t = np.flatnonzero((rel >= lo) & (rel <= hi))
    if t.size < 2:
        return float("nan")
    return float(np.exp(np.polyfit(t, np.log(residuals[t]), 1)[0]))


def convergence_study(
    k: int, seeds: list[int], *, steps: int, eta: float, mu_scale: float, m: int = 10, d: int = 5
) -> dict[str, np.ndarray]:
    """Per seed: ‖r_T‖, the fitted rate (window [1e-10, 1e-2] of ‖r_0‖), α_0, β_0, μ.

    Also ``c_fit`` = (1 − rate)/(μ α_0²), the constant the run achieves in rate ≤ 1 − c μ α², and
    ``residuals`` (seeds, T + 1) for plots.
    """
    runs = [
        gda_run(balaji_problem(k, s, m=m, d=d), steps=steps, eta=eta, mu_scale=mu_scale)
        for s in seeds
    ]
    rate = np.array([fitted_rate(r.residuals) for r in runs])
    alpha = np.array([r.alpha0 for r in runs])
    mu = np.array([r.mu for r in runs])
    return {
        "seeds": np.asarray(seeds, dtype=float),
        "final_residual": np.array([r.residuals[-1] for r in runs]),
        "rate": rate,
        "alpha": alpha,
        "beta": np.array([r.beta0 for r in runs]),
        "mu": mu,
        "c_fit": (1.0 - rate) / (mu * alpha**2),
        "residuals": np.stack([r.residuals for r in runs]),
    }


def envelope_study(
    k: int,
    seeds: list[int],
    *,
    steps: int,
    eta: float,
    mu_scale: float,
    floor: float = 1e-12,
    m: int = 10,
    d: int = 5,
) -> dict[str, np.ndarray]:
    """‖r_t‖ against ρ*^t ‖(r_0, d_0)‖, ρ* = max ρ(κ) over κ ∈ [α_traj², β_traj²].

    α_traj = min_t σ_min(J(W_t)), β_traj = max_t σ_max(J(W_t)). ρ(κ) decreases on the real
    branch (η ≥ 4μκ) and increases on the complex one, so its maximum over the interval is at
    an end; it is evaluated on both ends and a grid of 1001 points. Per seed: ``C_max`` =
    max_t ‖r_t‖ / (ρ*^t ‖r_0‖) over the steps with ‖r_t‖ ≥ floor·‖r_0‖ (d_0 = 0).
    """
    c_max, rho_star, curves = [], [], []
    for s in seeds:
        res = gda_run(
            balaji_problem(k, s, m=m, d=d),
            steps=steps,
            eta=eta,
            mu_scale=mu_scale,
            track_spectrum=True,
        )
        obs = res.trajectory.observables
        lo, hi = float(obs["sigma_min"].min()) ** 2, float(obs["sigma_max"].max()) ** 2
        rho = float(spectral_radius(np.linspace(lo, hi, 1001), res.eta, res.mu).max())
        t = np.arange(res.residuals.size)
        ratio = res.residuals / (rho**t * res.residuals[0])
        keep = res.residuals >= floor * res.residuals[0]
        c_max.append(float(ratio[keep].max()))
        rho_star.append(rho)
        curves.append(res.residuals)
    return {
        "seeds": np.asarray(seeds, dtype=float),
        "C_max": np.array(c_max),
        "rho_star": np.array(rho_star),
        "residuals": np.stack(curves),
    }


def lazy_study(
    widths: list[int],
    seeds: list[int],
    *,
    steps: int,
    eta: float,
    mu_scale: float,
    m: int = 10,
    d: int = 5,
) -> dict[str, np.ndarray]:
    """‖W_T − W_0‖_F/‖W_0‖_F and min_t σ_min(J(W_t))/α_0 over a width sweep.

    Arrays (len(widths), len(seeds)): ``relative_change``, ``sigma_min_ratio``; the fitted
    log-log slope of the relative change vs k (``slope``, bootstrap CI ``slope_lo``,
    ``slope_hi`` over seeds, :func:`ntkcheck.stats.loglog_slope` on the seed means) and the
    slope of the geometric means (``slope_geometric``).
    """
    rel, ratio = (np.empty((len(widths), len(seeds))) for _ in range(2))
    for i, k in enumerate(widths):
        for j, s in enumerate(seeds):
            res = gda_run(
                balaji_problem(k, s, m=m, d=d),
                steps=steps,
                eta=eta,
                mu_scale=mu_scale,
                track_spectrum=True,
            )
            rel[i, j] = res.trajectory.relative_distance[-1]
            ratio[i, j] = res.trajectory.observables["sigma_min"].min() / res.alpha0
    fit = loglog_slope(np.asarray(widths, dtype=float), rel)
    geometric = np.polyfit(np.log(widths), np.log(rel).mean(axis=1), 1)[0]
    return {
        "widths": np.asarray(widths, dtype=float),
        "seeds": np.asarray(seeds, dtype=float),
        "relative_change": rel,
        "sigma_min_ratio": ratio,
        "slope": fit.slope,
        "slope_lo": fit.lo,
        "slope_hi": fit.hi,
        "slope_geometric": float(geometric),
    }


def underparameterized_study(
    k: int, seeds: list[int], *, steps: int, eta: float, mu_scale: float, m: int = 10, d: int = 5
) -> dict[str, np.ndarray]:
    """‖r_t‖ against the unreachable part ‖P_{range(V)⊥} x̄‖ when k < m.

    Ĝ(W) ∈ range(V) for every W, so ‖r_t‖ ≥ ‖P⊥ x̄‖. Per seed: ``min_ratio`` = min_t
    ‖r_t‖/‖P⊥x̄‖, ``final_ratio`` = ‖r_T‖/‖P⊥x̄‖ (the plateau) and ``plateau_change`` = relative
    change of ‖r_t‖ over the last 10% of the steps; ``residuals`` (seeds, T + 1), ``floor``.
    """
    min_ratio, final_ratio, change, curves, floors = [], [], [], [], []
    for s in seeds:
        problem = balaji_problem(k, s, m=m, d=d)
        q, _ = torch.linalg.qr(problem.generator.V)
        x_bar = problem.game.x_bar
        floor = float((x_bar - q @ (q.T @ x_bar)).norm())
        res = gda_run(problem, steps=steps, eta=eta, mu_scale=mu_scale)
        r = res.residuals
        tail = r[-(len(r) // 10) - 1 :]
        min_ratio.append(float(r.min()) / floor)
        final_ratio.append(float(r[-1]) / floor)
        change.append(float(abs(tail[-1] - tail[0]) / tail[-1]))
        curves.append(r)
        floors.append(floor)
    return {
        "seeds": np.asarray(seeds, dtype=float),
        "min_ratio": np.array(min_ratio),
        "final_ratio": np.array(final_ratio),
        "plateau_change": np.array(change),
        "floor": np.array(floors),
        "residuals": np.stack(curves),
    }
