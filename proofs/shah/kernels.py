"""The flows' empirical NTKs at initialization over a width sweep: the UNF pre-activation kernel
grows linearly in m; the CNF's log-det kernel decays like 1/m while its map kernel stays O(1)
(why overparameterization starves the log-det term).

- UNF: the eNTK of u(t) = Σ_r a_r ReLU(w_r t + b_r) w.r.t. the trained (w, b), a fixed. With
  w, b ~ N(0, 1/m) and a ~ N(0, 0.25²) the diagonal is Θ(t, t) = Σ_r a_r² 1[w_r t + b_r > 0]
  (1 + t²), so E[tr Θ/n] = m·0.25²·½·mean(1 + t²) grows linearly in m (hence lr ∝ 1/m).
- CNF: with c = 1/√m, ∂ log f'/∂w_r = a_r ∂_w(w_r sech²(w_r x + b_r)) / Σ_s a_s w_s sech²_s is
  O(1/m), so Θ_log(x, x) = O(1/m), whereas ∂f/∂w_r = c a_r x sech²_r gives Θ_f(x, x) = O(1).

Kernels are Θ = J Jᵀ (sum over parameters, no 1/n) on fixed grids of points; the s-th
replicate's flow is initialized with seed ``seed + s``.

References: Shah et al. 2022, arXiv 2106.10535 (constrained-NF analysis: the log-det term's
vanishing kernel); Allen-Zhu, Li, Liang 2019 (two-layer ReLU NTK, a ~ N(0, σ²) fixed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp
import torch

from ntkcheck.claims import (
    Claim,
    Count,
    Counts,
    Figure,
    Finding,
    Foil,
    Ints,
    Requirement,
    Seed,
    Space,
    Sweep,
    grid,
)
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.models.flows import CNF, UNF, CNFLogDerivative, CNFMap, UNFPreactivation
from ntkcheck.proofs.shah.common import SOURCE
from ntkcheck.spectrum import lambda_min

W_PARAMS = ["hidden.weight"]


def ntk_statistics(measured: Mapping[str, Any]) -> dict[str, Any]:
    """From ``trace`` = tr Θ/n and ``lambda_min`` (k, S): seed means ``trace_mean``,
    ``lambda_min_mean`` (k,); ``trace_ratio`` and ``lambda_min_increment`` (k − 1,) from each
    width to the next (``larger_width``); ``lambda_min_seed_min`` (k,) over the seeds."""
    mean, lam = measured["trace"].mean(axis=1), measured["lambda_min"]
    return {
        "trace_mean": mean,
        "lambda_min_mean": lam.mean(axis=1),
        "trace_ratio": mean[1:] / mean[:-1],
        "lambda_min_increment": np.diff(lam.mean(axis=1)),
        "lambda_min_seed_min": lam.min(axis=1),
        "larger_width": np.asarray(measured["width"])[1:],
    }


def measure_ntk_scale(
    *,
    widths: Counts = (400, 1600, 6400, 25600),
    seeds: Count = 5,
    n_points: Count = 20,
    seed: Seed = 0,
) -> dict[str, Any]:
    """tr Θ/n and λ_min(Θ) of the UNF pre-activation eNTK on ``points`` = n equispaced points of
    [−½, ½], ``trace`` and ``lambda_min`` (k, S), with :func:`ntk_statistics`."""
    t = torch.linspace(-0.5, 0.5, n_points, dtype=torch.float64)

    def run(width: int, replicate: int) -> dict[str, float]:
        view = UNFPreactivation(UNF(-0.5, width, seed=seed + replicate))
        theta = empirical_ntk(view, t).numpy(force=True)
        return {"trace": np.trace(theta) / n_points, "lambda_min": lambda_min(theta)}

    out = {"points": t.numpy(force=True), **grid(run, seeds=seeds, width=widths)}
    return {**out, **ntk_statistics(out)}


def width_normalized(measured: Mapping[str, Any]) -> dict[str, Any]:
    """Foil: the kernel normalized by the width (Θ/m, as in the NTK parameterization of the
    output layer), statistics recomputed."""
    m = np.asarray(measured["width"])[:, None]
    scaled = {**measured, "trace": measured["trace"] / m, "lambda_min": measured["lambda_min"] / m}
    return {**scaled, **ntk_statistics(scaled)}


NTK_SCALE = Claim(
    id="shah.unf.ntk_scale",
    source=SOURCE.at(
        "UNF analysis (the pre-activation's NTK; reference init 'gaussian-sqrt(m)', lr ∝ 1/m)",
        lineage="Allen-Zhu, Li, Liang 2019 (arXiv 1811.04918): two-layer ReLU network, "
        "a ~ N(0, σ²) fixed, (W, b) trained",
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
            (3, 5),
            "seed-mean tr Θ/n at 4m over that at m, for each consecutive pair of widths",
            where=("larger_width",),
        ),
        Requirement("lambda_min_mean", ">", 0, "seed-mean λ_min(Θ), every width", where=("width",)),
        Requirement(
            "lambda_min_increment",
            ">",
            0,
            "seed-mean λ_min(Θ) increases from each width to the next",
            where=("larger_width",),
        ),
        Requirement(
            "lambda_min_seed_min",
            ">",
            0,
            "smallest λ_min(Θ) over the seeds, per width (rank deficiency of single draws)",
            report_only=True,
            where=("width",),
        ),
    ),
    measure=measure_ntk_scale,
    foil=Foil("the kernel normalized by the width (Θ/m)", measured=width_normalized),
    sizes={
        "quick": {"widths": (400, 1600, 6400)},
        "full": {"seeds": 20, "widths": (400, 1600, 6400, 25600, 102400)},
    },
    # Widths ×4 apart (the window is for a 4× width) with m ≥ 20n (below, single
    # draws are rank-deficient: the kinks −b_r/w_r leave gaps of the grid empty); seeds stay 5
    # (the windows are for 5-seed means). Wider: narrow nets.
    space=Space(
        widths=Sweep(100, 102400, points=(2, 4), ratios=(4,), wider=(4, 102400), cost=0.5),
        n_points=Ints(5, 40, cost=0.5),
    ),
    assumptions=(sp.Symbol("widths") >= 20 * sp.Symbol("n_points"),),
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
        "3.93 / 3.91 / 4.04 (prototype 3.95–4.18); seed-mean λ_min(Θ) 0.029 / 0.24 / 1.54 / 6.50. "
        "At m = 100 the kernel is rank-deficient (λ_min ≈ 1e-16 on 2 of 5 seeds: the kinks "
        "−b_r/w_r, standard Cauchy, leave gaps of the grid empty), hence widths from 400."
    ),
)


def logdet_statistics(measured: Mapping[str, Any]) -> dict[str, Any]:
    """From ``trace_logdet``, ``trace_map``, ``trace_map_all`` (k, S): seed means ``*_mean``
    (k,), ``logdet_ratio`` (k − 1,) from each width to the next (``larger_width``) and
    ``map_spread`` / ``map_all_spread`` = max/min over the widths of the seed-mean f-trace."""
    means = {k: measured[f"trace_{k}"].mean(axis=1) for k in ("logdet", "map", "map_all")}
    return {
        **{f"trace_{k}_mean": v for k, v in means.items()},
        "logdet_ratio": means["logdet"][1:] / means["logdet"][:-1],
        "map_spread": float(means["map"].max() / means["map"].min()),
        "map_all_spread": float(means["map_all"].max() / means["map_all"].min()),
        "larger_width": np.asarray(measured["width"])[1:],
    }


def measure_logdet_kernel(
    *,
    widths: Counts = (100, 400, 1600, 6400),
    seeds: Count = 5,
    n_points: Count = 9,
    seed: Seed = 0,
) -> dict[str, Any]:
    """tr Θ/n of the CNF's eNTKs at init on ``points`` = n equispaced points of [−2, 2]:
    ``trace_logdet`` (log f'(x) w.r.t. w), ``trace_map`` (f(x) w.r.t. the same w) and
    ``trace_map_all`` (f(x) w.r.t. all of (w, b, a)), each (k, S), with
    :func:`logdet_statistics`."""
    x = torch.linspace(-2.0, 2.0, n_points, dtype=torch.float64)

    def run(width: int, replicate: int) -> dict[str, float]:
        flow = CNF(width, seed=seed + replicate)
        kernels = {
            "logdet": empirical_ntk(CNFLogDerivative(flow), x, params=W_PARAMS),
            "map": empirical_ntk(CNFMap(flow), x, params=W_PARAMS),
            "map_all": empirical_ntk(CNFMap(flow), x),
        }
        return {f"trace_{k}": float(torch.trace(theta)) / n_points for k, theta in kernels.items()}

    out = {"points": x.numpy(force=True), **grid(run, seeds=seeds, width=widths)}
    return {**out, **logdet_statistics(out)}


def unscaled_output(measured: Mapping[str, Any]) -> dict[str, Any]:
    """Foil: the CNF without its output scale c = 1/√m (c = 1): the f-kernels grow ×m (the
    log-det kernel, invariant to c, is unchanged), statistics recomputed."""
    m = np.asarray(measured["width"])[:, None]
    scaled = {**measured, **{k: measured[k] * m for k in ("trace_map", "trace_map_all")}}
    return {**scaled, **logdet_statistics(scaled)}


LOGDET_KERNEL = Claim(
    id="shah.cnf.logdet_kernel_decay",
    source=SOURCE.at(
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
            (1 / 5, 1 / 3),
            "seed-mean tr Θ_logf'/n at 4m over that at m, each consecutive pair of widths",
            where=("larger_width",),
        ),
        Requirement(
            "map_spread",
            "<=",
            2,
            "max/min over widths of the seed-mean tr Θ_f/n (w.r.t. w)",
            range=(1, np.inf),
        ),
        Requirement(
            "map_all_spread",
            "<=",
            2,
            "the same for Θ_f w.r.t. all of (w, b, a)",
            report_only=True,
            range=(1, np.inf),
        ),
    ),
    measure=measure_logdet_kernel,
    foil=Foil("the CNF without its output scale 1/√m (c = 1)", measured=unscaled_output),
    sizes={
        "quick": {"widths": (400, 1600, 6400)},
        "full": {"seeds": 20, "widths": (100, 400, 1600, 6400, 25600)},
    },
    # the paper's widths m = 100…6400, ×4 apart (the window is for a 4× width), and the
    # number of points in [−2, 2]; seeds stay 5. Wider: narrow nets, where 1/m is not yet the
    # law.
    findings=(
        Finding(
            {"widths": (100, 400), "n_points": 3, "seed": 638},
            "The m = 100 → 400 ratio of the 5-seed mean log-det trace (3 points, seeds 638–642) "
            "is 0.19996, just below 1/5 (with 9 points: 0.207).",
        ),
    ),
    space=Space(
        widths=Sweep(100, 25600, points=(2, 4), ratios=(4,), wider=(2, 25600), cost=1),
        n_points=Ints(3, 20, cost=0.3),
    ),
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
        "[−2, 2]): ratios 0.294 / 0.233 / 0.242 (prototype 0.234–0.248; the m = 100 → 400 pair "
        "is noisier, per-seed traces 0.064–0.13 at m = 100); f-trace spread 1.04 (w.r.t. w), "
        "1.01 (all parameters). Explored (inside): the m = 100 → 400 ratio reaches the window's "
        "edge: 0.19996 < 1/5 with 3 points, seeds 638–642 (9 points: 0.207) (reproduce: "
        "ntkcheck verify shah.cnf.logdet_kernel_decay --quick --set widths=100,400 --set "
        "n_points=3 --set seed=638)."
    ),
)

CLAIMS = (NTK_SCALE, LOGDET_KERNEL)
