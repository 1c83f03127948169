"""Linearized GDA, exact on a linear generator G(θ) = Aθ: per-mode roots, rates, regimes.

On the state x = (r, d) ∈ R^{2m} (r = Aθ − x̄) simultaneous GDA is the linear map
``r ← r − μ K d, d ← d + η (r − d)`` with K = A Aᵀ; in the eigenbasis of K it splits into one
2×2 block ``[[1, −μκ], [η, 1 − η]]`` per eigenvalue κ, with roots
``s = [(2 − η) ± √(η² − 4ημκ)] / 2`` and spectral radius ρ(κ) = max |s|.

The one-step map is read off the library's ``gda_step`` on a
:class:`~ntkcheck.models.gan.LinearGenerator` (x̄ = 0, so the map on (θ, d) is linear and
(r, d) = (Aθ, d) carries no cancellation), then the state is iterated directly with that map in
numpy: 10⁵ steps cost a fraction of a second and the norm never hits a rounding floor.

References: Balaji et al. 2021, arXiv 2104.05605 (linear time-varying system); Nagarajan &
Kolter 2017, arXiv 1706.04156; Mescheder et al. 2017, arXiv 1705.10461.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ntkcheck.device import CPU, to_default
from ntkcheck.experiments.balaji_gda import gda_run
from ntkcheck.experiments.balaji_model import F64, balaji_problem
from ntkcheck.models.gan import (
    GDAState,
    LinearGenerator,
    MeanMatchingGame,
    gda_step,
    linearized_gda_roots,
    spectral_radius,
)
from ntkcheck.threads import torch_threads


def linear_generator(m: int, p: int, seed: int) -> LinearGenerator:
    """A: (m, p) with N(0, 1/p) entries, float64 (full row rank when p ≥ m, almost surely)."""
    gen = torch.Generator().manual_seed(int(seed))
    return LinearGenerator(
        to_default(torch.randn(m, p, generator=gen, dtype=F64, device=CPU)) / math.sqrt(p)
    )


def _kernel(generator: LinearGenerator) -> np.ndarray:
    """K = A Aᵀ: (m, m), the same at every θ."""
    return (generator.A @ generator.A.T).numpy(force=True)


def gda_transition(generator: LinearGenerator, eta: float, mu: float) -> np.ndarray:
    """The (2m, 2m) one-step map of ``gda_step`` on x = (r, d), read off column by column.

    Column j is the image of the j-th basis state, realized as θ = A⁺ r (min-norm) with
    x̄ = 0; exact up to rounding because GDA is linear on this model.
    """
    A = generator.A
    m = A.shape[0]
    game = MeanMatchingGame(generator, torch.zeros(m, dtype=F64))
    pinv = torch.linalg.pinv(A)
    cols = []
    for j in range(2 * m):
        e = torch.zeros(2 * m, dtype=F64)
        e[j] = 1.0
        new = gda_step(game, GDAState(W=pinv @ e[:m], d=e[m:]), eta=eta, mu=mu)
        cols.append(torch.cat([A @ new.W, new.d]))
    return torch.stack(cols, dim=1).numpy(force=True)


def iterate_rate(
    transition: np.ndarray,
    x0: np.ndarray,
    *,
    floor: float = 1e-140,
    ceiling: float = 1e11,
    max_steps: int = 200_000,
) -> dict[str, float]:
    """Iterate x ← M x and fit the per-step rate of ‖x_t‖.

    The window ends at the first t with ‖x_t‖ ≤ floor·‖x_0‖ or ≥ ceiling·‖x_0‖, or at
    ``max_steps``; the rate is exp(slope) of log ‖x_t‖ fitted over the last half of the window.
    Iterating (r, d) directly has no rounding floor (nothing is subtracted), so the default
    floor 1e-140 lets the slowest mode dominate the fit; a short window (e.g. floor 1e-11)
    still carries the transient of the second-slowest mode when the modes decay fast.
    Returns ``rate``, ``window_end`` and ``growth`` = ‖x_end‖/‖x_0‖.
    """
    norms = np.empty(max_steps + 1)
    x, norm0 = x0.copy(), float(np.linalg.norm(x0))
    norms[0] = norm0
    end = max_steps
    for t in range(1, max_steps + 1):
        x = transition @ x
        norms[t] = np.linalg.norm(x)
        if not floor * norm0 < norms[t] < ceiling * norm0:
            end = t
            break
    t = np.arange(end // 2, end + 1)
    slope = np.polyfit(t, np.log(norms[t]), 1)[0]
    return {"rate": float(np.exp(slope)), "window_end": float(end), "growth": norms[end] / norm0}


def linear_problem(m: int, p: int, seed: int) -> tuple[LinearGenerator, np.ndarray]:
    """A linear generator and the initial state (r_0, d_0) = (Aθ_0 − x̄, 0): (2m,).

    θ_0 ~ N(0, I_p), x̄ ~ N(0, I_m). A and the initial state come from independent streams
    spawned from ``numpy.random.SeedSequence(seed)``.
    """
    s_a, s_x = (int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(2))
    generator = linear_generator(m, p, s_a)
    rng = torch.Generator().manual_seed(s_x)
    theta0 = to_default(torch.randn(p, generator=rng, dtype=F64, device=CPU))
    r0 = generator(theta0) - to_default(torch.randn(m, generator=rng, dtype=F64, device=CPU))
    return generator, np.concatenate([r0.numpy(force=True), np.zeros(m)])


@torch_threads()
def rate_formula_grid(
    etas: list[float],
    mu_betas: list[float],
    seeds: list[int],
    *,
    m: int = 10,
    p: int = 40,
    floor: float = 1e-140,
) -> dict[str, np.ndarray]:
    """Fitted rate of ‖(r_t, d_t)‖ vs ρ* = max_κ ρ(κ) on a grid of (η, μβ²) and seeds.

    μ = μβ²/β², β² = λ_max(A Aᵀ); rates from :func:`iterate_rate` with ``floor``. Arrays of
    shape (len(etas), len(mu_betas), len(seeds)):
    ``fitted``, ``predicted``, ``rate_error`` = |fitted − ρ*|/ρ*, ``exponent_error`` =
    |log fitted − log ρ*|/|log ρ*| (the relative error of the decay exponent) and
    ``window_end``; ``transition_error`` = max over the grid of ‖M_gda − M_formula‖_max.
    """
    shape = (len(etas), len(mu_betas), len(seeds))
    out = {key: np.empty(shape) for key in ("fitted", "predicted", "window_end")}
    transition_error = 0.0
    for c, seed in enumerate(seeds):
        gen, x0 = linear_problem(m, p, seed)
        kappa = np.linalg.eigvalsh(_kernel(gen)).clip(min=0.0)
        for a, eta in enumerate(etas):
            for b, mb in enumerate(mu_betas):
                mu = mb / kappa[-1]
                M = gda_transition(gen, eta, mu)
                transition_error = max(transition_error, _formula_error(M, gen, eta, mu))
                rho = float(spectral_radius(kappa, eta, mu).max())
                fit = iterate_rate(M, x0, floor=floor)
                out["fitted"][a, b, c], out["predicted"][a, b, c] = fit["rate"], rho
                out["window_end"][a, b, c] = fit["window_end"]
    fitted, predicted = out["fitted"], out["predicted"]
    return {
        "etas": np.asarray(etas, dtype=float),
        "mu_betas": np.asarray(mu_betas, dtype=float),
        "seeds": np.asarray(seeds, dtype=float),
        **out,
        "rate_error": np.abs(fitted - predicted) / predicted,
        "exponent_error": np.abs(np.log(fitted) - np.log(predicted)) / np.abs(np.log(predicted)),
        "transition_error": transition_error,
    }


def _formula_error(M: np.ndarray, gen: LinearGenerator, eta: float, mu: float) -> float:
    """max |M − [[I, −μK], [ηI, (1 − η)I]]|."""
    K = _kernel(gen)
    eye = np.eye(K.shape[0])
    formula = np.block([[eye, -mu * K], [eta * eye, (1 - eta) * eye]])
    return float(np.abs(M - formula).max())


def mode_roots(generator: LinearGenerator, eta: float, mu: float) -> dict[str, np.ndarray]:
    """Per eigenvalue κ of K: the 2×2 block of ``gda_step``'s map and its eigenvalues.

    The block is Uᵀ-projected from :func:`gda_transition` (U: eigenvectors of K). Returns
    ``kappa`` (m,), ``empirical`` and ``formula`` roots (m, 2) complex (larger modulus first)
    and the ``transition`` map itself.
    """
    M = gda_transition(generator, eta, mu)
    kappa, U = np.linalg.eigh(_kernel(generator))
    m = len(kappa)
    emp = np.empty((m, 2), dtype=complex)
    for j in range(m):
        P = np.zeros((2 * m, 2))
        P[:m, 0], P[m:, 1] = U[:, j], U[:, j]
        s = np.linalg.eigvals(P.T @ M @ P)
        emp[j] = s[np.argsort(-np.abs(s), kind="stable")]
    kappa = kappa.clip(min=0.0)
    formula = linearized_gda_roots(kappa, eta, mu)
    return {"kappa": kappa, "empirical": emp, "formula": formula, "transition": M}


@torch_threads()
def step_size_regimes(
    etas: list[float],
    mu_betas: list[float],
    seeds: list[int],
    *,
    m: int = 10,
    p: int = 40,
    floor: float = 1e-140,
) -> dict[str, np.ndarray | float]:
    """Oscillation, modulus, rate and divergence of GDA on a linear generator over a grid.

    Per (η, μβ², seed) and mode κ: oscillation (complex roots of the block of ``gda_step``'s
    map) vs the prediction η < 4μκ (``oscillation_mismatches``, modes within 1e-9 of the
    boundary excluded: ``boundary_modes``, whose near-double roots are accurate to √ε only);
    for the other oscillating modes the relative error of |s| against √(1 − η + ημκ)
    (``modulus_error``); per grid point the fitted rate of
    ‖(r_t, d_t)‖ (:func:`iterate_rate` with ``floor``) against max_κ ρ(κ) (``rate_error``,
    relative, convergent points) and divergence (fitted rate > 1) vs the prediction μβ² > 1
    (``divergence_mismatches``).
    """
    osc_bad = boundary = div_bad = 0
    modulus_error, root_error, rate_error, growth = 0.0, 0.0, [], []
    for seed in seeds:
        gen, x0 = linear_problem(m, p, seed)
        beta2 = float(np.linalg.eigvalsh(_kernel(gen))[-1])
        for eta in etas:
            for mb in mu_betas:
                mu = mb / beta2
                roots = mode_roots(gen, eta, mu)
                kappa, emp = roots["kappa"], roots["empirical"]
                root_error = max(root_error, float(np.abs(emp - roots["formula"]).max()))
                predicted = eta < 4 * mu * kappa
                clear = np.abs(eta - 4 * mu * kappa) > 1e-9 * eta
                boundary += int((~clear).sum())
                observed = np.abs(emp[:, 0].imag) > 0
                osc_bad += int((observed != predicted)[clear].sum())
                spiral = predicted & clear
                if spiral.any():
                    want = np.sqrt(1 - eta + eta * mu * kappa[spiral])
                    err = np.abs(np.abs(emp[spiral, 0]) - want) / want
                    modulus_error = max(modulus_error, float(err.max()))
                rho = float(spectral_radius(kappa, eta, mu).max())
                fit = iterate_rate(roots["transition"], x0, floor=floor)
                div_bad += int((fit["rate"] > 1.0) != (mb > 1.0))
                growth.append(fit["rate"])
                if mb < 1.0:
                    rate_error.append(abs(fit["rate"] - rho) / rho)
    return {
        "etas": np.asarray(etas, dtype=float),
        "mu_betas": np.asarray(mu_betas, dtype=float),
        "seeds": np.asarray(seeds, dtype=float),
        "oscillation_mismatches": float(osc_bad),
        "boundary_modes": float(boundary),
        "root_error": root_error,
        "modulus_error": modulus_error,
        "rate_error": np.asarray(rate_error),
        "fitted_rates": np.asarray(growth).reshape(len(seeds), len(etas), len(mu_betas)),
        "divergence_mismatches": float(div_bad),
    }


def tanh_large_step(
    k: int, seeds: list[int], *, mu_scale: float, eta: float = 0.5, steps: int = 2000
) -> dict[str, np.ndarray]:
    """The tanh generator at μβ_0² = ``mu_scale`` > 1 (where a linear generator diverges).

    Per seed: ``max_growth`` = max_t ‖r_t‖/‖r_0‖, ``final_ratio`` = ‖r_T‖/‖r_0‖,
    ``beta_ratio`` = σ_max(J(W_T))/β_0 and ``final_mu_beta2`` = μ σ_max(J(W_T))².
    """
    growth, final, beta_ratio, mu_beta = [], [], [], []
    for s in seeds:
        res = gda_run(
            balaji_problem(k, s), steps=steps, eta=eta, mu_scale=mu_scale, track_spectrum=True
        )
        r = res.residuals
        beta_t = float(res.trajectory.observables["sigma_max"][-1])
        growth.append(float(r.max() / r[0]))
        final.append(float(r[-1] / r[0]))
        beta_ratio.append(beta_t / res.beta0)
        mu_beta.append(res.mu * beta_t**2)
    return {
        "seeds": np.asarray(seeds, dtype=float),
        "max_growth": np.array(growth),
        "final_ratio": np.array(final),
        "beta_ratio": np.array(beta_ratio),
        "final_mu_beta2": np.array(mu_beta),
    }
