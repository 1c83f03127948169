"""Kernel at initialization for Terjék & González-Sánchez (arXiv 2205.13507): sweeps of the
empirical NTK K(θ_0) = Θ(θ_0)/n of wide MLPs over widths, depths and seeds, against the analytic
K∞ = Θ∞/n.

Model: :class:`ntkcheck.models.mlp.MLP` in the NTK parameterization, no bias, every layer
trained, activation φ = a·s + b·|s| at the edge of chaos σ_w² = 1/(a² + b²) (ReLU: σ_w = √2;
|s|: σ_w = 1). Data: n points on S^{d−1} at least 5° apart, y = sin(3·uᵀx) (claims.md §A).

References: Terjék & González-Sánchez 2022 (arXiv 2205.13507), the λ_min(K(θ_0)) assumption;
Terjék & González-Sánchez 2025 (arXiv 2501.14724), ‖K(θ_0) − K∞‖ = O(m^{-1/2}); Jacot et al.
2018; Arora et al. 2019.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from ntkcheck.data.sphere import smooth_target, sphere_points
from ntkcheck.kernels.analytic import analytic_ntk
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.models.mlp import MLP
from ntkcheck.stats import SlopeFit, loglog_slope

# σ_w of the edge of chaos σ_w² = 1/(a² + b²) for φ = a·s + b·|s|.
EDGE_OF_CHAOS = {"relu": math.sqrt(2.0), "abs": 1.0}


def run_seed(seed: int, *coordinates: int) -> int:
    """A reproducible 32-bit seed for one run, from the setting's ``seed`` and the run's
    coordinates (e.g. width, seed index): ``numpy.random.SeedSequence([seed, *coordinates])``."""
    return int(np.random.SeedSequence([seed, *coordinates]).generate_state(1)[0])


def sphere_data(n: int, d: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The training set of claims.md §A: X (n, d) on S^{d−1} (5° apart), y = sin(3·uᵀX) (n,)."""
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


def init_kernel_sweep(
    *,
    widths: Sequence[int],
    depths: Sequence[int],
    seeds: int,
    n: int,
    d: int,
    seed: int,
    activation: str = "relu",
) -> dict[str, np.ndarray]:
    """λ_min, λ_max of K(θ_0) = Θ(θ_0)/n and ‖K(θ_0) − K∞‖₂/‖K∞‖₂ over depths × widths × seeds.

    One data set (``sphere_data(n, d, seed)``); network ``s`` at (depth, width) is initialized
    with ``run_seed(seed, depth, width, s)``.

    Returns (L = len(depths), k = len(widths), S = seeds): ``widths`` (k,), ``depths`` (L,),
    ``lambda_min``, ``lambda_max``, ``deviation`` (L, k, S); ``lambda_min_inf``,
    ``lambda_max_inf`` (L,) of K∞ = analytic Θ∞/n; and the sizes ``n``, ``d``, ``seed``.
    """
    x, _ = sphere_data(n, d, seed)
    shape = (len(depths), len(widths), seeds)
    lam_min, lam_max, dev = np.empty(shape), np.empty(shape), np.empty(shape)
    lam_min_inf, lam_max_inf = np.empty(len(depths)), np.empty(len(depths))
    for i, depth in enumerate(depths):
        k_inf = (
            analytic_ntk(
                x, depth=depth, activation=activation, weight_std=EDGE_OF_CHAOS[activation]
            ).numpy(force=True)
            / n
        )
        eig_inf = np.linalg.eigvalsh(k_inf)
        lam_min_inf[i], lam_max_inf[i] = eig_inf[0], eig_inf[-1]
        for j, width in enumerate(widths):
            for s in range(seeds):
                net = mlp(d, width, depth, run_seed(seed, depth, width, s), activation)
                theta = empirical_ntk(net, x)
                k0 = theta.numpy(force=True) / n
                eig = np.linalg.eigvalsh(k0)
                lam_min[i, j, s], lam_max[i, j, s] = eig[0], eig[-1]
                dev[i, j, s] = np.linalg.norm(k0 - k_inf, 2) / eig_inf[-1]
    return {
        "widths": np.asarray(widths, dtype=float),
        "depths": np.asarray(depths, dtype=float),
        "lambda_min": lam_min,
        "lambda_max": lam_max,
        "deviation": dev,
        "lambda_min_inf": lam_min_inf,
        "lambda_max_inf": lam_max_inf,
        "n": np.asarray(n),
        "d": np.asarray(d),
        "seed": np.asarray(seed),
    }


def std_slope(widths: np.ndarray, values: np.ndarray, *, seed: int = 0) -> SlopeFit:
    """Log-log slope of the standard deviation over seeds of ``values`` (k, S) against widths.

    Fitted as half the slope of the unbiased variance, i.e. of the mean over seeds of
    (v − v̄)²·S/(S − 1), with :func:`ntkcheck.stats.loglog_slope`'s bootstrap over seeds (the
    CI is halved likewise).
    """
    s = values.shape[1]
    sq = (values - values.mean(axis=1, keepdims=True)) ** 2 * s / (s - 1)
    fit = loglog_slope(widths, sq, seed=seed)
    return SlopeFit(fit.slope / 2, fit.intercept / 2, fit.lo / 2, fit.hi / 2, fit.level)


def lambda_min_statistics(sweep: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per depth (L,): the quantities of the λ_min claims, from :func:`init_kernel_sweep`.

    ``std`` (L, k) over seeds; ``std_slope``, ``std_slope_lo``, ``std_slope_hi`` (L,);
    ``relative_gap`` (L, k) = |mean_s λ_min − λ_min(K∞)| / λ_min(K∞); ``fraction_half`` (L, k)
    = fraction of seeds with λ_min ≥ λ_min(K∞)/2.
    """
    lam, lam_inf, widths = sweep["lambda_min"], sweep["lambda_min_inf"], sweep["widths"]
    fits = [std_slope(widths, lam[i]) for i in range(lam.shape[0])]
    return {
        "std": lam.std(axis=2, ddof=1),
        "std_slope": np.array([f.slope for f in fits]),
        "std_slope_lo": np.array([f.lo for f in fits]),
        "std_slope_hi": np.array([f.hi for f in fits]),
        "relative_gap": np.abs(lam.mean(axis=2) - lam_inf[:, None]) / lam_inf[:, None],
        "fraction_half": (lam >= lam_inf[:, None, None] / 2).mean(axis=2),
    }
