"""Claims of Shah et al. (arXiv 2106.10535) on the flows' empirical NTKs at initialization:
the UNF pre-activation kernel grows linearly in m; the CNF's log-det kernel decays like 1/m
while its map kernel stays O(1) (why overparameterization starves the log-det term).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ntkcheck.experiments.shah_kernels import cnf_logdet_kernel, unf_ntk_scale
from ntkcheck.plot import Figure
from proofs.claim import Claim, Requirement
from proofs.shah_common import seed_strategy, seeds, source


def _measure_ntk_scale(s: dict[str, Any]) -> dict[str, Any]:
    out = unf_ntk_scale(s["widths"], seeds(s), n_points=s["n_points"])
    lam = out["lambda_min_mean"]
    return {
        **out,
        "lambda_min_increment": np.diff(lam),
        "lambda_min_seed_min": out["lambda_min"].min(axis=1),
    }


NTK_SCALE = Claim(
    id="shah.unf.ntk_scale",
    source=source(
        "UNF analysis (the pre-activation's NTK; reference init 'gaussian-sqrt(m)', lr ∝ 1/m)",
        "Allen-Zhu, Li, Liang 2019 (arXiv 1811.04918): two-layer ReLU network, a ~ N(0, σ²) "
        "fixed, (W, b) trained",
    ),
    status="lineage",
    statement=(
        "At init, the eNTK of the UNF pre-activation u(t) w.r.t. (W, b) has trace/n growing "
        "linearly in m (×4 per 4× width) and a positive λ_min that grows with m."
    ),
    requirements=(
        Requirement(
            "trace_ratio",
            "in",
            sp.Interval(3, 5),
            "seed-mean tr Θ/n at 4m over that at m, for each consecutive pair of widths",
        ),
        Requirement("lambda_min_mean", ">", sp.Integer(0), "seed-mean λ_min(Θ), every width"),
        Requirement(
            "lambda_min_increment",
            ">",
            sp.Integer(0),
            "seed-mean λ_min(Θ) increases from each width to the next",
        ),
        Requirement(
            "lambda_min_seed_min",
            ">",
            sp.Integer(0),
            "smallest λ_min(Θ) over the seeds, per width (rank deficiency of single draws)",
            report_only=True,
        ),
    ),
    measure=_measure_ntk_scale,
    measured=(
        "trace_ratio",
        "lambda_min_mean",
        "lambda_min_increment",
        "lambda_min_seed_min",
        "trace_mean",
    ),
    sizes={
        "quick": {"seed": 0, "n_seeds": 5, "widths": (400, 1600, 6400), "n_points": 20},
        "default": {"seed": 0, "n_seeds": 5, "widths": (400, 1600, 6400, 25600), "n_points": 20},
        "full": {
            "seed": 0,
            "n_seeds": 20,
            "widths": (400, 1600, 6400, 25600, 102400),
            "n_points": 20,
        },
    },
    settings=seed_strategy,
    figure=Figure(
        "lambda_min_vs_width",
        y=("lambda_min",),
        x="widths",
        labels=("UNF",),
        ylabel="λ_min(Θ) of the UNF at init (Θ unnormalized)",
    ),
    notes=(
        "E[Θ(t, t)] = m·0.25²·½·(1 + t²) at init (a ~ N(0, 0.25²) fixed, w, b ~ N(0, 1/m)), so "
        "the ratio is 4 in expectation. Default (seeds 0–4, 20 points in [−½, ½]): ratios "
        "3.93 / 3.91 / 4.04 (claims.md 3.95–4.18); seed-mean λ_min(Θ) 0.029 / 0.24 / 1.54 / 6.50. "
        "At m = 100 the kernel is rank-deficient (λ_min ≈ 1e-16 on 2 of 5 seeds: the kinks "
        "−b_r/w_r, standard Cauchy, leave gaps of the grid empty), hence widths from 400."
    ),
)


def _measure_logdet(s: dict[str, Any]) -> dict[str, Any]:
    return cnf_logdet_kernel(s["widths"], seeds(s), n_points=s["n_points"])


LOGDET_KERNEL = Claim(
    id="shah.cnf.logdet_kernel_decay",
    source=source(
        "constrained-NF section: the log-derivative term's gradient vanishes as m grows "
        "(abstract, contribution (1))"
    ),
    status="paper",
    statement=(
        "At init, the eNTK of the CNF's log f'(x) w.r.t. w decays like 1/m (×1/4 per 4× "
        "width) while the eNTK of f(x) w.r.t. the same w stays within a factor 2 across m."
    ),
    requirements=(
        Requirement(
            "logdet_ratio",
            "in",
            sp.Interval(sp.Rational(1, 5), sp.Rational(1, 3)),
            "seed-mean tr Θ_logf'/n at 4m over that at m, each consecutive pair of widths",
        ),
        Requirement(
            "map_spread",
            "<=",
            sp.Integer(2),
            "max/min over widths of the seed-mean tr Θ_f/n (w.r.t. w)",
        ),
        Requirement(
            "map_all_spread",
            "<=",
            sp.Integer(2),
            "the same for Θ_f w.r.t. all of (w, b, a)",
            report_only=True,
        ),
    ),
    measure=_measure_logdet,
    measured=(
        "logdet_ratio",
        "map_spread",
        "map_all_spread",
        "trace_logdet_mean",
        "trace_map_mean",
    ),
    sizes={
        "quick": {"seed": 0, "n_seeds": 5, "widths": (400, 1600, 6400), "n_points": 9},
        "default": {"seed": 0, "n_seeds": 5, "widths": (100, 400, 1600, 6400), "n_points": 9},
        "full": {
            "seed": 0,
            "n_seeds": 20,
            "widths": (100, 400, 1600, 6400, 25600),
            "n_points": 9,
        },
    },
    settings=seed_strategy,
    figure=Figure(
        "loglog_slope",
        y=("trace_logdet", "trace_map"),
        x="widths",
        slopes=(-1.161, -0.792),
        labels=("tr Θ_log f′ / n", "tr Θ_f / n (w.r.t. w)"),
        ylabel="kernel trace per point",
    ),
    notes=(
        "Mechanism (derived): with c = 1/√m, ∂ log f'/∂w_r = O(1/m), so tr Θ_logf' = O(1/m), "
        "while ∂f/∂w_r = c·a_r·x·sech²_r gives tr Θ_f = O(1). Default (seeds 0–4, 9 points in "
        "[−2, 2]): ratios 0.294 / 0.233 / 0.242 (claims.md 0.234–0.248; the m = 100 → 400 pair "
        "is noisier, per-seed traces 0.064–0.13 at m = 100); f-trace spread 1.04 (w.r.t. w), "
        "1.01 (all parameters)."
    ),
)
