"""Linearized GDA, exact on a linear generator G(θ) = Aθ: its rate is the largest spectral radius
of the per-mode 2×2 blocks.

On the state x = (r, d) ∈ R^{2m} (r = Aθ − x̄) simultaneous GDA is the linear map
``r ← r − μ K d, d ← d + η (r − d)`` with K = A Aᵀ; in the eigenbasis of K it splits into one
2×2 block ``[[1, −μκ], [η, 1 − η]]`` per eigenvalue κ, with roots
``s = [(2 − η) ± √(η² − 4ημκ)] / 2`` and spectral radius ρ(κ) = max |s|.

The one-step map is read off the library's ``gda_step`` on a
:class:`~ntkcheck.models.gan.LinearGenerator` (x̄ = 0, so the map on (θ, d) is linear and
(r, d) = (Aθ, d) carries no cancellation), then the state is iterated directly with that map in
numpy: 10⁵ steps cost a fraction of a second and the norm never hits a rounding floor.

Setting: A: (m, p) = (10, 40) with N(0, 1/p) entries, μ = μβ²/λ_max(A Aᵀ), (r_0, d_0) =
(Aθ_0 − x̄, 0) with θ_0 ~ N(0, I_p), x̄ ~ N(0, I_m); run ``s`` uses the seed ``seed + s``.

References: Balaji et al. 2021, arXiv 2104.05605 (linear time-varying system); Nagarajan &
Kolter 2017, arXiv 1706.04156; Mescheder et al. 2017, arXiv 1705.10461.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
import sympy as sp
import torch

from ntkcheck.claims import (
    Choice,
    Claim,
    Count,
    Foil,
    Ints,
    Positives,
    Range,
    Requirement,
    Seed,
    Space,
    grid,
)
from ntkcheck.device import CPU, to_default
from ntkcheck.dynamics import GDAState, MeanMatchingGame, gda_step, spectral_radius
from ntkcheck.models.gan import LinearGenerator
from ntkcheck.proofs.balaji.common import F64, LTV, SOURCE
from ntkcheck.threads import torch_threads

Floor = Annotated[float, Range(gt=0, lt=1)]


def linear_generator(m: int, p: int, seed: int) -> LinearGenerator:
    """A: (m, p) with N(0, 1/p) entries, float64 (full row rank when p ≥ m, almost surely)."""
    gen = torch.Generator().manual_seed(int(seed))
    return LinearGenerator(
        to_default(torch.randn(m, p, generator=gen, dtype=F64, device=CPU)) / math.sqrt(p)
    )


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


def kernel_of(generator: LinearGenerator) -> np.ndarray:
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


def formula_error(M: np.ndarray, generator: LinearGenerator, eta: float, mu: float) -> float:
    """max |M − [[I, −μK], [ηI, (1 − η)I]]|."""
    K = kernel_of(generator)
    eye = np.eye(K.shape[0])
    formula = np.block([[eye, -mu * K], [eta * eye, (1 - eta) * eye]])
    return float(np.abs(M - formula).max())


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
        # np.linalg.norm's formula for a real vector, √(x·x), without its per-call checks
        # (half the time of this loop, which runs up to max_steps times per point)
        norms[t] = math.sqrt(x.dot(x))
        if not floor * norm0 < norms[t] < ceiling * norm0:
            end = t
            break
    t = np.arange(end // 2, end + 1)
    slope = np.polyfit(t, np.log(norms[t]), 1)[0]
    return {"rate": float(np.exp(slope)), "window_end": float(end), "growth": norms[end] / norm0}


def rate_statistics(measured: dict[str, Any]) -> dict[str, np.ndarray]:
    """``rate_error`` = |fitted − ρ*|/ρ* and ``exponent_error`` = |log fitted − log ρ*|/|log ρ*|
    (the relative error of the decay exponent), elementwise."""
    fitted, predicted = measured["fitted"], measured["predicted"]
    return {
        "rate_error": np.abs(fitted - predicted) / predicted,
        "exponent_error": np.abs(np.log(fitted) - np.log(predicted)) / np.abs(np.log(predicted)),
    }


def slower_modes(measured: dict[str, Any], statistics: Any) -> dict[str, Any]:
    """``measured`` with every fitted rate of a decay 5× slower (fitted^{1/5}) and
    ``statistics(measured)`` recomputed."""
    out = {**measured, "fitted": measured["fitted"] ** 0.2}
    return {**out, **statistics(out)}


@torch_threads()
def measure_rate_formula(
    *,
    etas: Positives = (0.01, 0.1, 0.5, 1.0, 1.5),
    mu_betas: Positives = (0.1, 0.25, 0.5, 0.9),
    m: Count = 10,
    p: Count = 40,
    floor: Floor = 1e-140,
    seeds: Count = 3,
    seed: Seed = 0,
) -> dict[str, Any]:
    """Fitted rate of ‖(r_t, d_t)‖ vs ρ* = max_κ ρ(κ) over (η, μβ²) × seeds, μ = μβ²/λ_max(K).

    Arrays (etas, mu_betas, seeds): ``fitted`` (:func:`iterate_rate` with ``floor``),
    ``predicted``, ``window_end``, ``transition_error`` = ‖M_gda − M_formula‖_max, and
    :func:`rate_statistics`.
    """

    def run(eta: float, mu_beta: float, replicate: int) -> dict[str, float]:
        gen, x0 = linear_problem(m, p, seed + replicate)
        kappa = np.linalg.eigvalsh(kernel_of(gen)).clip(min=0.0)
        mu = mu_beta / kappa[-1]
        M = gda_transition(gen, eta, mu)
        fit = iterate_rate(M, x0, floor=floor)
        return {
            "fitted": fit["rate"],
            "predicted": float(spectral_radius(kappa, eta, mu).max()),
            "window_end": fit["window_end"],
            "transition_error": formula_error(M, gen, eta, mu),
        }

    out = grid(run, seeds=seeds, eta=etas, mu_beta=mu_betas)
    return {**out, **rate_statistics(out)}


EVERY_POINT = ("eta", "mu_beta", "replicate")
RATE_FORMULA = Claim(
    id="balaji.gda.rate_formula",
    source=SOURCE.at(LTV),
    status="derived",
    statement=(
        "On a linear generator GDA is linear in (r, d) and its rate is max_κ ρ(κ), ρ(κ) the "
        "larger |root| of s² − (2 − η)s + (1 − η + ημκ) over the eigenvalues κ of K."
    ),
    requirements=(
        Requirement(
            "rate_error",
            "<=",
            0.01,
            "|fitted rate − max_κ ρ(κ)| / max_κ ρ(κ) over the (η, μβ², seed) grid",
            where=EVERY_POINT,
        ),
        Requirement(
            "transition_error",
            "<=",
            1e-12,
            "max |gda_step's map on (r, d) − [[I, −μK], [ηI, (1 − η)I]]|",
            where=EVERY_POINT,
        ),
        Requirement(
            "exponent_error",
            "<=",
            0.01,
            "|log fitted − log ρ*| / |log ρ*| (relative error of the decay exponent)",
            report_only=True,
            where=EVERY_POINT,
        ),
    ),
    measure=measure_rate_formula,
    foil=Foil(
        "every mode decaying 5× slower than fitted",
        measured=lambda v: slower_modes(v, rate_statistics),
    ),
    sizes={
        "quick": {"etas": (0.1, 0.5, 1.5), "mu_betas": (0.25, 0.9), "seeds": 1},
        "full": {
            "etas": (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5),
            "mu_betas": (0.1, 0.25, 0.5, 0.75, 0.9),
            "seeds": 10,
        },
    },
    # The convergence rate (T is capped so that ρ*^T > 1e-140): every convergent step,
    # 0 < η < 2 and μβ² < 1, and every A of full row rank (p ≥ m, so that θ = A⁺r realizes
    # every residual r); the sizes' grids or one (η, μβ²) point. Wider: divergent steps (the
    # fit stops at 1e11 growth) and p < m.
    space=Space(
        etas=Choice(
            (
                (0.1, 0.5, 1.5),
                (0.01, 0.1, 0.5, 1.0, 1.5),
                (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5),
                *((e,) for e in (0.01, 0.05, 0.25, 0.75, 1.0, 1.25, 1.75, 1.95)),
            ),
            wider=((2.5,),),
        ),
        mu_betas=Choice(
            (
                (0.25, 0.9),
                (0.1, 0.25, 0.5, 0.9),
                (0.1, 0.25, 0.5, 0.75, 0.9),
                *((b,) for b in (0.001, 0.01, 0.1, 0.5, 0.75, 0.99)),
            ),
            wider=((1.01,), (1.5,), (2.5,)),
        ),
        m=Ints(1, 30),
        p=Ints(1, 120),
        plot=("m", "p"),
    ),
    assumptions=(sp.Symbol("p") >= sp.Symbol("m"),),
    notes=(
        "A: (10, 40) with N(0, 1/40) entries, μ = μβ²/λ_max(AAᵀ), (r_0, d_0) = (Aθ_0 − x̄, 0). "
        "The map is read off gda_step (x̄ = 0, θ = A⁺r) and iterated in numpy. Window: "
        "The calibration stops it at 1e-11 of the initial norm and caps T so that ρ*^T > 1e-140; "
        "ntkcheck runs it down to floor = 1e-140 (T ≤ 2·10⁵; the direct iteration has no "
        "rounding floor) and does not use the predicted ρ* to end it. Reason: at fast grid "
        "points (ρ* ≈ 0.82) a 1e-11 window is ~120 steps whose last half still carries the "
        "second-slowest mode's transient — with floor = 1e-11 the error is ≤ 6.5e-4 at the "
        "default grid but 1.19% at the full grid (η = 1.5, μβ² = 0.75). Default (floor "
        "1e-140): windows 2161–200 000 steps (3 capped), rate error ≤ 1.3e-6 (prototype "
        "≤ 0.7%), decay-exponent error ≤ 1.1e-5, map vs formula 4.4e-15. Explored: "
        "a first space with divergent steps inside failed at η = 1.5, μβ² = 1.5 (m 22, p 32, "
        "seed 165: rate error 2.2%; the window stops at 1e11 growth after 103 steps, whose last "
        "half still carries the second mode): the claim is about the convergence rate, so "
        "divergent steps are now outside its space."
    ),
)

CLAIMS = (RATE_FORMULA,)
