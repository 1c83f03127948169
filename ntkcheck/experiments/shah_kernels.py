"""Width sweeps of the flows' empirical NTKs at initialization (Shah et al. 2022).

- UNF: the eNTK of the pre-activation u(t) = Σ_r a_r ReLU(w_r t + b_r) w.r.t. the trained (w, b),
  a fixed. With w, b ~ N(0, 1/m) and a ~ N(0, 0.25²) the diagonal is
  Θ(t, t) = Σ_r a_r² 1[w_r t + b_r > 0] (1 + t²), so E[tr Θ/n] = m·0.25²·½·mean(1 + t²) grows
  linearly in m (hence the reference's lr ∝ 1/m).
- CNF: the eNTK of log f'(x) w.r.t. w decays like 1/m, while the eNTK of f(x) stays O(1): with
  c = 1/√m, ∂ log f'/∂w_r = a_r ∂_w(w_r sech²(w_r x + b_r)) / Σ_s a_s w_s sech²_s is O(1/m),
  so Θ_log(x, x) = Σ_r (·)² = O(1/m), whereas ∂f/∂w_r = c a_r x sech²_r gives Σ_r = O(1).

Kernels are Θ = J Jᵀ (sum over parameters, no 1/n), on fixed grids of points.

References: Shah et al. 2022, arXiv 2106.10535 (constrained-NF analysis: the log-det term's
vanishing kernel); Allen-Zhu, Li, Liang 2019 (two-layer ReLU NTK, a ~ N(0, σ²) fixed);
kernels.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.models.flows import CNF, UNF, CNFLogDerivative, CNFMap, UNFPreactivation
from ntkcheck.spectrum import lambda_min

W_PARAMS = ["hidden.weight"]


def unf_ntk_scale(
    widths: Sequence[int], seeds: Sequence[int], *, n_points: int = 20
) -> dict[str, np.ndarray]:
    """Trace/n and λ_min of the UNF pre-activation eNTK on n equispaced points of [−½, ½].

    Returns (k = len(widths), s = len(seeds)): ``widths`` (k,), ``seeds`` (s,), ``points``
    (n,), ``trace`` (k, s) = tr Θ / n, ``lambda_min`` (k, s) of Θ, their seed means
    ``trace_mean``, ``lambda_min_mean`` (k,), and ``trace_ratio`` (k − 1,) = seed-mean trace
    at widths[i + 1] over widths[i].
    """
    t = torch.linspace(-0.5, 0.5, n_points, dtype=torch.float64)
    trace = np.zeros((len(widths), len(seeds)))
    lam = np.zeros_like(trace)
    for i, m in enumerate(widths):
        for j, seed in enumerate(seeds):
            view = UNFPreactivation(UNF(-0.5, m, seed=int(seed)))
            theta = empirical_ntk(view, t).numpy(force=True)
            trace[i, j] = np.trace(theta) / n_points
            lam[i, j] = lambda_min(theta)
    mean = trace.mean(axis=1)
    return {
        "widths": np.asarray(widths, dtype=float),
        "seeds": np.asarray(seeds),
        "points": t.numpy(force=True),
        "trace": trace,
        "lambda_min": lam,
        "trace_mean": mean,
        "lambda_min_mean": lam.mean(axis=1),
        "trace_ratio": mean[1:] / mean[:-1],
    }


def cnf_logdet_kernel(
    widths: Sequence[int], seeds: Sequence[int], *, n_points: int = 9
) -> dict[str, np.ndarray]:
    """Trace/n of the CNF's eNTKs at init on n equispaced points of [−2, 2].

    ``trace_logdet``: eNTK of log f'(x) w.r.t. w; ``trace_map``: eNTK of f(x) w.r.t. the same w;
    ``trace_map_all``: eNTK of f(x) w.r.t. all of (w, b, a). Each (k, s), with seed means
    ``*_mean`` (k,), ``logdet_ratio`` (k − 1,) = seed-mean trace at widths[i + 1] over
    widths[i], and ``map_spread`` / ``map_all_spread`` = max/min of the seed-mean f-trace over
    the widths.
    """
    x = torch.linspace(-2.0, 2.0, n_points, dtype=torch.float64)
    out = {k: np.zeros((len(widths), len(seeds))) for k in ("logdet", "map", "map_all")}
    for i, m in enumerate(widths):
        for j, seed in enumerate(seeds):
            flow = CNF(m, seed=int(seed))
            kernels = {
                "logdet": empirical_ntk(CNFLogDerivative(flow), x, params=W_PARAMS),
                "map": empirical_ntk(CNFMap(flow), x, params=W_PARAMS),
                "map_all": empirical_ntk(CNFMap(flow), x),
            }
            for k, theta in kernels.items():
                out[k][i, j] = float(torch.trace(theta)) / n_points
    means = {k: v.mean(axis=1) for k, v in out.items()}
    return {
        "widths": np.asarray(widths, dtype=float),
        "seeds": np.asarray(seeds),
        "points": x.numpy(force=True),
        **{f"trace_{k}": v for k, v in out.items()},
        **{f"trace_{k}_mean": v for k, v in means.items()},
        "logdet_ratio": means["logdet"][1:] / means["logdet"][:-1],
        "map_spread": float(means["map"].max() / means["map"].min()),
        "map_all_spread": float(means["map_all"].max() / means["map_all"].min()),
    }
