"""σ_min and σ_max of the Jacobian of Balaji et al.'s generator at initialization vs the width.

With n = 1 and a unit code z, K = J Jᵀ = Σ_j φ'(g_j)² V_j V_jᵀ with g_j = w_jᵀz ~ N(0, 1) and
V_j ~ N(0, I_m/k): a φ'²-weighted Wishart matrix, so tr(K)/m → E[φ'(g)²] and, for k ≫ m, its
extreme eigenvalues follow the Marchenko–Pastur edges E[φ'²](1 ± √(m/k))². rank J ≤ min(m, k).

References: Balaji et al. 2021, arXiv 2104.05605 (α = σ_min(J(W_0)), β = σ_max(J(W_0)));
Marchenko & Pastur 1967.
"""

from __future__ import annotations

import numpy as np
import torch

from ntkcheck.experiments.balaji_model import balaji_problem
from ntkcheck.threads import torch_threads

TANH_E_DPHI2 = 0.464403  # E[tanh'(g)²], g ~ N(0, 1) (claims.md; Gauss–Hermite to 6 digits)


@torch_threads()
def init_singular_values(
    widths: list[int], seeds: list[int], *, m: int = 10, d: int = 5, n: int = 1
) -> dict[str, np.ndarray]:
    """α = σ_min, β = σ_max of J(W_0) (SVD of the m × kd Jacobian) and tr(K)/m.

    Returns arrays of shape (len(widths), len(seeds)): ``alpha``, ``beta``, ``trace_K_over_m``;
    plus ``widths`` and ``seeds``. σ_min is the m-th singular value, so it is 0 to rounding
    (≈ 1e-16·β) when k < m (rank J ≤ min(m, k)).
    """
    alpha, beta, trace = (np.empty((len(widths), len(seeds))) for _ in range(3))
    for i, k in enumerate(widths):
        for j, seed in enumerate(seeds):
            p = balaji_problem(k, seed, m=m, d=d, n=n)
            J = p.game.generator.jacobian(p.W0)
            sv = torch.linalg.svdvals(J)
            alpha[i, j] = float(sv[m - 1]) if sv.numel() >= m else 0.0
            beta[i, j] = float(sv[0])
            trace[i, j] = float((J * J).sum()) / m
    return {
        "widths": np.asarray(widths, dtype=float),
        "seeds": np.asarray(seeds, dtype=float),
        "alpha": alpha,
        "beta": beta,
        "trace_K_over_m": trace,
    }


def init_spectrum_study(
    widths: list[int], seeds: list[int], *, m: int = 10, d: int = 5, n: int = 1
) -> dict[str, np.ndarray]:
    """:func:`init_singular_values` and the seed medians the claim compares.

    Adds: ``alpha_median`` (per width) as ``alpha_upper``/``alpha_lower`` (widths 2.. and
    ..−1); for k ≥ 8m, ``trace_K_over_m`` (median tr(K)/m), ``alpha_sq_over_mp`` (median α²
    over (1 − √(m/k))²) and ``ratio_vs_mp`` (median β/α over (1 + √(m/k))/(1 − √(m/k)));
    ``ratio_upper``/``ratio_lower`` (median β/α at consecutive widths ≥ m);
    ``alpha_rank_deficient``: α/β of every run with k < m.
    """
    r = init_singular_values(widths, seeds, m=m, d=d, n=n)
    k = r["widths"]
    alpha = np.median(r["alpha"], axis=1)
    with np.errstate(divide="ignore"):  # α = 0 exactly when k·d < m
        ratio = np.median(r["beta"] / r["alpha"], axis=1)
    wide, over = k >= 8 * m, k >= m
    root = np.sqrt(m / k[wide])
    return {
        **r,
        "alpha_median": alpha,
        "alpha_upper": alpha[1:],
        "alpha_lower": alpha[:-1],
        "trace_K_over_m_median": np.median(r["trace_K_over_m"], axis=1)[wide],
        "alpha_sq_over_mp": np.median(r["alpha"] ** 2, axis=1)[wide] / (1 - root) ** 2,
        "ratio_upper": ratio[over][1:],
        "ratio_lower": ratio[over][:-1],
        "ratio_vs_mp": ratio[wide] / ((1 + root) / (1 - root)),
        "alpha_rank_deficient": (r["alpha"] / r["beta"])[k < m].reshape(-1),
    }
