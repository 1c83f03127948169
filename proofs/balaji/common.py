"""What the Balaji et al. claims share: the source, the model draw and the GDA run.

Model: ``G(z) = V φ(W z)`` (W: (k, d) trained, N(0, 1); V: (m, k) fixed, N(0, 1/k)), fixed unit
latent codes z_1..z_n, data mean x̄ ~ N(0, I_m), linear discriminator d and
``h(W, d) = ⟨d, Ĝ(W) − x̄⟩ − ‖d‖²/2`` with ``Ĝ(W) = (1/n) Σ_i V φ(W z_i)``; J = ∂Ĝ/∂vec(W),
K = J Jᵀ (m × m), α = σ_min(J(W_0)), β = σ_max(J(W_0)), residual r_t = Ĝ(W_t) − x̄.

Seeds: run ``s`` of a setting uses the seed ``seed + s``; :func:`balaji_problem` spawns three
independent streams (W and V, the codes z, x̄) from ``numpy.random.SeedSequence(seed)``, so
problems of different seeds share no draws. Problems of one seed and different widths do share
draws: the generator draws W row by row first, so W(k) is the first k rows of W(2k) (exactly
when k·d is a multiple of 16, e.g. d = 5 and k a multiple of 16), and z and x̄ do not depend
on k. A width sweep of one seed is nested, which lowers the seed noise of width trends; the
seeds, not the widths, are the independent replicates.

References: Balaji et al. 2021, "Understanding Overparameterization in Generative Adversarial
Networks", arXiv 2104.05605; Nagarajan & Kolter 2017, arXiv 1706.04156, and Mescheder et al.
2017, arXiv 1705.10461 (spectral radius of linearized GDA).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from ntkcheck.claims import Source
from ntkcheck.device import CPU, to_default
from ntkcheck.dynamics import (
    Instrument,
    MeanMatchingGame,
    Trajectory,
    gda,
    track_distance,
    train,
)
from ntkcheck.models.functional import Params
from ntkcheck.models.gan import OneHiddenLayerGenerator, unit_latent_codes
from ntkcheck.threads import torch_threads

SOURCE = Source(
    "Balaji et al. 2021, Understanding Overparameterization in GANs (ICLR 2021)", "2104.05605", ""
)
LTV = "Sec. 3, main theorem: GDA on the one-hidden-layer generator as a linear time-varying system"
GDA_LINEAGE = (
    "the spectral radius of linearized simultaneous GDA: Nagarajan & Kolter 2017 (arXiv "
    "1706.04156), Mescheder et al. 2017 (arXiv 1705.10461)"
)

F64 = torch.float64
Activations = tuple[Literal["tanh", "softplus", "relu"], ...]
ACTIVATIONS: Activations = ("tanh", "softplus", "relu")


@dataclass(frozen=True)
class BalajiProblem:
    """One draw of the model: the generator module, its game, the codes z: (n, d), W_0: (k, d)."""

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


@dataclass(frozen=True)
class GDARun:
    """One GDA run: its Trajectory, ‖r_t‖ for t = 0..T (``residuals``), α_0, β_0, μ, η."""

    trajectory: Trajectory
    residuals: np.ndarray
    alpha0: float
    beta0: float
    mu: float
    eta: float


def singular_values(problem: BalajiProblem, W: torch.Tensor) -> tuple[float, float]:
    """(σ_min, σ_max) of J(W) (σ_min from the SVD: ~1e-17·β, not 0 or √ε·β, when k < m)."""
    return problem.game.generator.singular_values(W)


def track_singular_values(problem: BalajiProblem) -> Instrument:
    """σ_min(J(W_t)) and σ_max(J(W_t)) as the observables ``sigma_min``, ``sigma_max``, both
    from one :func:`singular_values` per checkpoint (one eigendecomposition of K)."""

    def record(carry: None, t: int, state: Params) -> tuple[dict[str, Any], None]:
        alpha, beta = singular_values(problem, state["W"])
        return {"observables": {"sigma_min": alpha, "sigma_max": beta}}, None

    return Instrument(start=lambda step: None, record=record)


@torch_threads()
def gda_run(
    problem: BalajiProblem,
    *,
    steps: int,
    eta: float = 0.5,
    mu_scale: float = 0.1,
    track_spectrum: bool = False,
) -> GDARun:
    """Simultaneous GDA from (W_0, d_0 = 0) for ``steps`` steps with μ = mu_scale/β_0², run by
    :func:`ntkcheck.dynamics.train` on :func:`ntkcheck.dynamics.mean_matching`, ‖r_t‖ as the loss.

    ``track_spectrum`` records σ_min(J(W_t)) and σ_max(J(W_t)) at every step (observables
    ``sigma_min``, ``sigma_max``); otherwise only t = 0 and T are checkpoints.
    """
    game = problem.game
    alpha0, beta0 = singular_values(problem, problem.W0)
    mu = mu_scale / beta0**2
    instruments = [track_distance("W")]
    if track_spectrum:
        instruments.append(track_singular_values(problem))
    traj = train(
        gda(game, problem.W0, eta=eta, mu=mu),
        steps=steps,
        record_every=1 if track_spectrum else None,
        instruments=instruments,
        config={"model": "balaji-one-hidden-layer", "eta": eta, "mu": mu, "steps": steps},
    )
    residuals = np.append(traj.step_loss, traj.loss[-1]) if not traj.diverged else traj.step_loss
    return GDARun(traj, residuals, alpha0, beta0, mu, eta)
