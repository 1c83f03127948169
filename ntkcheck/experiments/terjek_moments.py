"""How the data's radial moments enter the kernel, for Terjék & González-Sánchez (arXiv
2205.13507), whose coefficients depend on even-order moments of the data.

For a positively 1-homogeneous φ (ReLU, |s|) and no bias, f(θ, c·x) = c·f(θ, x), hence
J(c·x) = c·J(x) and, for inputs S·Z with S = diag(s_i),

    Θ(θ; S·Z) = S Θ(θ; Z) S           (in particular Θ(θ; c·X) = c² Θ(θ; X)),

exactly, at every width and every θ. The stable GD step 2/λ_max(K) therefore scales as c^{-2},
and the radial scales s_i reach λ_min(K(θ_0)) only through S.

References: Terjék & González-Sánchez 2022 (arXiv 2205.13507), moments of the data; Lee et al.
2019 (η_crit = 2/λ_max).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ntkcheck.experiments.terjek_init import mlp, run_seed, sphere_data
from ntkcheck.kernels.empirical import empirical_ntk


def scaling_identity(
    *,
    width: int,
    depth: int,
    n: int,
    d: int,
    seed: int,
    scales: Sequence[float],
    activation: str = "relu",
) -> dict[str, np.ndarray]:
    """Θ(θ_0; c·X) against c²·Θ(θ_0; X) on one network, for each c in ``scales``.

    Returns (len(scales),) arrays: ``kernel_error`` = ‖Θ(cX) − c²Θ(X)‖_F/‖c²Θ(X)‖_F and
    ``step_error`` = |(2/λ_max(K(cX)))·c² / (2/λ_max(K(X))) − 1| (K = Θ/n); ``scales``.
    """
    x, _ = sphere_data(n, d, seed)
    net = mlp(d, width, depth, run_seed(seed, depth, width, 0), activation)
    base = empirical_ntk(net, x)
    lam = np.linalg.eigvalsh(base.numpy(force=True) / n)[-1]
    kernel_error, step_error = [], []
    for c in scales:
        scaled = empirical_ntk(net, c * x)
        target = c**2 * base
        kernel_error.append(float(torch.linalg.norm(scaled - target) / torch.linalg.norm(target)))
        lam_c = np.linalg.eigvalsh(scaled.numpy(force=True) / n)[-1]
        step_error.append(abs((2 / lam_c) * c**2 / (2 / lam) - 1))
    return {
        "scales": np.asarray(scales, dtype=float),
        "kernel_error": np.array(kernel_error),
        "step_error": np.array(step_error),
    }


def two_point_scales(signs: np.ndarray, spread: float) -> torch.Tensor:
    """Radial scales s = √(1 + a·ε) for signs ε = ±1 (equiprobable) and spread a ∈ [0, 1):
    E s² = 1 for every a, while E s^{2k} = ((1 + a)^k + (1 − a)^k)/2 grows with a for k ≥ 2."""
    return torch.tensor(np.sqrt(1 + spread * np.asarray(signs)), dtype=torch.float64)


def radial_moment(spread: float, order: int) -> float:
    """E s^{2·order} of :func:`two_point_scales` (exact)."""
    return ((1 + spread) ** order + (1 - spread) ** order) / 2


def tails_sweep(
    *,
    spreads: Sequence[float],
    width: int,
    depth: int,
    seeds: int,
    n: int,
    d: int,
    seed: int,
    activation: str = "relu",
) -> dict[str, np.ndarray]:
    """λ_min(K(θ_0)) on radial scale mixtures X = S·Z, Z = ``sphere_data(n, d, seed)``.

    One data set per spread a: scales ``two_point_scales(ε, a)`` with one draw of signs ε from
    ``default_rng(run_seed(seed, 3))`` (the same signs for every a, so only the mixture
    changes); the spread is over the networks ``run_seed(seed, depth, width, s)``, s < seeds,
    i.e. over the initialization, which is what the paper's moment-dependent concentration
    bounds control.

    Returns ``spreads``, ``moment_2`` (= 1), ``moment_high`` = E‖x‖^{2(L+1)} (len(spreads),);
    ``lambda_min`` (len(spreads), S); ``spread_std``, ``spread_cv`` (std/mean over seeds);
    ``identity_error``: max over all runs of ‖Θ(S·Z) − S Θ(Z) S‖_F/‖S Θ(Z) S‖_F.
    """
    z, _ = sphere_data(n, d, seed)
    lam = np.empty((len(spreads), seeds))
    identity = 0.0
    signs = np.random.default_rng(run_seed(seed, 3)).choice([-1.0, 1.0], size=n)
    for s in range(seeds):
        net = mlp(d, width, depth, run_seed(seed, depth, width, s), activation)
        theta_z = empirical_ntk(net, z)
        for i, a in enumerate(spreads):
            scale = two_point_scales(signs, a)
            theta = empirical_ntk(net, scale[:, None] * z)
            target = scale[:, None] * theta_z * scale[None, :]
            identity = max(
                identity, float(torch.linalg.norm(theta - target) / torch.linalg.norm(target))
            )
            lam[i, s] = np.linalg.eigvalsh(theta.numpy(force=True) / n)[0]
    return {
        "spreads": np.asarray(spreads, dtype=float),
        "moment_2": np.array([radial_moment(a, 1) for a in spreads]),
        "moment_high": np.array([radial_moment(a, depth + 1) for a in spreads]),
        "lambda_min": lam,
        "spread_std": lam.std(axis=1, ddof=1),
        "spread_cv": lam.std(axis=1, ddof=1) / lam.mean(axis=1),
        "identity_error": np.asarray(identity),
    }
