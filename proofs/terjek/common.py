"""What the Terjék & González-Sánchez claims share: the source, the data and the network.

Model: :class:`ntkcheck.models.MLP` in the NTK parameterization, no bias, every layer trained,
activation φ = a·s + b·|s| at the edge of chaos σ_w² = 1/(a² + b²) (ReLU: σ_w = √2; |s|:
σ_w = 1). Data: n points on S^{d−1} at least 5° apart, y = sin(3·uᵀx) with u = (1, …, 1)/√d.
Every run derives its own seed from the setting's ``seed`` and its coordinates
(:func:`run_seed`), so adding a width or a seed never changes the other runs.

References: Terjék & González-Sánchez 2022 (arXiv 2205.13507); Jacot et al. 2018; Arora et
al. 2019.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ntkcheck.claims import Source
from ntkcheck.data.sphere import smooth_target, sphere_points
from ntkcheck.models.mlp import MLP

SOURCE = Source(
    "Terjék & González-Sánchez, A Framework for Overparameterized Learning", "2205.13507", ""
)
FOLLOW_UP = "Terjék & González-Sánchez 2025, arXiv 2501.14724 (‖K(θ_0) − K∞‖ = O(m^{-1/2}))"

# σ_w of the edge of chaos σ_w² = 1/(a² + b²) for φ = a·s + b·|s|.
EDGE_OF_CHAOS = {"relu": math.sqrt(2.0), "abs": 1.0}


def run_seed(seed: int, *coordinates: int) -> int:
    """A reproducible 32-bit seed for one run, from the setting's ``seed`` and the run's
    coordinates (e.g. depth, width, seed index): ``SeedSequence([seed, *coordinates])``."""
    return int(np.random.SeedSequence([seed, *coordinates]).generate_state(1)[0])


def sphere_data(n: int, d: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The training set: X (n, d) on S^{d−1} (5° apart), y = sin(3·uᵀX) (n,)."""
    x = sphere_points(n, d, seed)
    return x, smooth_target(x)


def fresh_sphere_points(count: int, d: int, seed: int) -> torch.Tensor:
    """(count, d) i.i.d. uniform points on S^{d−1} (no separation: held-out test points)."""
    z = np.random.default_rng(seed).standard_normal((count, d))
    return torch.tensor(z / np.linalg.norm(z, axis=1, keepdims=True), dtype=torch.float64)


def mlp(
    d: int,
    width: int,
    depth: int,
    seed: int,
    activation: str = "relu",
    parameterization: str = "ntk",
) -> MLP:
    """The paper's MLP: no bias, edge-of-chaos σ_w for ``activation`` ("relu" or "abs")."""
    return MLP(
        d,
        width,
        depth,
        activation=activation,
        parameterization=parameterization,
        weight_std=EDGE_OF_CHAOS[activation],
        seed=seed,
    )
