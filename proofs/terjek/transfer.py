"""Learning rates transfer across widths: the largest step with a monotone loss (bisection),
and GD with the infinite-width step η* = 1/λ_max(K∞) at every width.

In the NTK parameterization K(θ_0) → K∞, so GD with one η* behaves alike at every width and
follows the infinite-width linearized curve r_t = (I − η* K∞)^t r_0; the critical step
η_crit ≈ 2/λ_max(K(θ_0)) is width-independent. In the standard parameterization Θ grows like m,
so η_crit shrinks like 1/m (the contrast).

References: Terjék & González-Sánchez 2022 (arXiv 2205.13507), learning-rate transfer; Lee et
al. 2019 (wide networks as linear models; η_crit = 2/λ_max); Lewkowycz et al. 2020 (catapult
phase above 2/λ_max); Yang & Hu 2021 (parameterizations and width).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
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
    Positive,
    Requirement,
    Seed,
    Space,
    Sweep,
    grid,
)
from ntkcheck.dynamics import gd, infinite_width_mse_residuals, train
from ntkcheck.errors import DivergenceWarning, NTKCheckError
from ntkcheck.kernels.analytic import analytic_ntk
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.proofs.terjek.common import EDGE_OF_CHAOS, SOURCE, mlp, run_seed, sphere_data
from ntkcheck.stats import fit_loglog_slope

# Relative slack for "non-increasing": L_{t+1} ≤ L_t·(1 + 1e-12) (rounding of an O(1) loss).
_MONOTONE_RTOL = 1e-12
_MAX_WIDENING = 20  # factors of 2 tried on each side of the initial bracket


def is_monotone(
    make_model: Callable[[], torch.nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    lr: float,
    steps: int,
) -> bool:
    """Whether GD with step ``lr`` on a fresh ``make_model()`` never increases the loss in
    ``steps`` updates (a diverged run counts as increasing)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)  # divergence is an expected answer
        traj = train(gd(make_model(), x, y, lr=lr), steps=steps)
    loss = np.append(traj.step_loss, traj.loss[-1])
    return (not traj.diverged) and bool(np.all(np.diff(loss) <= _MONOTONE_RTOL * loss[:-1]))


def critical_lr(
    make_model: Callable[[], torch.nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    lambda_max: float,
    steps: int = 200,
    iterations: int = 6,
) -> float:
    """The largest η with a monotone loss, by bisection in log η.

    The bracket starts at [1, 4]/``lambda_max`` (λ_max(K(θ_0)), so η_crit ≈ 2/λ_max lies inside
    on a lazy network) and is widened by factors of 2 until its ends are monotone / not
    monotone; then ``iterations`` halvings of log(hi/lo). Returns the last monotone η (within a
    factor (hi/lo)^(2^-iterations) below the true threshold).
    """
    lo, hi = 1.0 / lambda_max, 4.0 / lambda_max
    for _ in range(_MAX_WIDENING):
        if is_monotone(make_model, x, y, lo, steps):
            break
        lo, hi = lo / 2, lo
    else:
        raise NTKCheckError(f"No monotone step found down to η = {lo:.3g}; check the model.")
    for _ in range(_MAX_WIDENING):
        if not is_monotone(make_model, x, y, hi, steps):
            break
        lo, hi = hi, 2 * hi
    else:
        raise NTKCheckError(f"The loss stays monotone up to η = {hi:.3g}; check the model.")
    for _ in range(iterations):
        mid = math.sqrt(lo * hi)
        if is_monotone(make_model, x, y, mid, steps):
            lo = mid
        else:
            hi = mid
    return lo


def critical_lr_sweep(
    widths: tuple[int, ...],
    seeds: int,
    depth: int,
    n: int,
    d: int,
    seed: int,
    *,
    parameterization: str = "ntk",
    inputs_scale: float = 1.0,
    probe_steps: int = 200,
    iterations: int = 6,
) -> dict[str, Any]:
    """η_crit of network ``s`` at width m (``run_seed(seed, depth, m, s)``) on
    ``inputs_scale · X``, X from ``sphere_data(n, d, seed)``: ``eta_crit`` and ``lambda_max_K0``
    (k, S) (λ_max of K(θ_0) = Θ(θ_0)/n on the scaled inputs), ``eta_crit_median`` (k,)."""
    x, y = sphere_data(n, d, seed)
    x = inputs_scale * x

    def run(width: int, replicate: int) -> dict[str, float]:
        def make() -> torch.nn.Module:
            net_seed = run_seed(seed, depth, width, replicate)
            return mlp(d, width, depth, net_seed, "relu", parameterization)

        lam = np.linalg.eigvalsh(empirical_ntk(make(), x).numpy(force=True) / n)[-1]
        eta = critical_lr(make, x, y, lambda_max=lam, steps=probe_steps, iterations=iterations)
        return {"eta_crit": eta, "lambda_max_K0": lam}

    out = grid(run, seeds=seeds, width=widths)
    out["eta_crit_median"] = np.median(out["eta_crit"], axis=1)
    return out


def transfer_sweep(
    widths: tuple[int, ...],
    seeds: int,
    depth: int,
    n: int,
    d: int,
    seed: int,
    steps_per_kappa: float,
    floor: float = 1e-3,
) -> dict[str, Any]:
    """GD with the infinite-width step η* = 1/λ_max(K∞) at every width (NTK parameterization),
    T = ⌈steps_per_kappa · κ(K∞)⌉. Each network's loss L_t^(m) is compared with the
    infinite-width linearized curve L_t^∞ = ‖(I − η* K∞)^t r_0‖²/(2n) from the same
    r_0 = f(θ_0, X) − y, over the steps with L_t^∞ ≥ ``floor`` · L_0 (below it, the comparison
    is of rounding-level tails).

    Returns ``eta_star``, ``lambda_max_inf``, ``steps``; ``loss_ratio`` = L_T/L_0 and
    ``log_gap`` = sup_t |log L_t^(m) − log L_t^∞| (k, S); ``loss_curves`` and ``inf_curves``
    (k, S, T+1). A diverged run's curve continues at ∞: an infinite gap, never a pass.
    """
    x, y = sphere_data(n, d, seed)
    theta_inf = analytic_ntk(x, depth=depth, activation="relu", weight_std=EDGE_OF_CHAOS["relu"])
    eig = np.linalg.eigvalsh(theta_inf.numpy(force=True) / n)
    eta = 1.0 / eig[-1]
    steps = math.ceil(steps_per_kappa * eig[-1] / eig[0])

    def run(width: int, replicate: int) -> dict[str, Any]:
        net = mlp(d, width, depth, run_seed(seed, depth, width, replicate))
        with torch.no_grad():
            f0 = net(x)
        traj = train(gd(net, x, y, lr=eta), steps=steps)
        loss = np.append(traj.step_loss, traj.loss[-1])
        if traj.diverged:
            loss = np.append(loss, np.full(steps + 1 - loss.size, np.inf))
        r_inf = infinite_width_mse_residuals(theta_inf, y, eta, steps, f0=f0)
        loss_inf = 0.5 * (r_inf**2).sum(axis=1) / n
        keep = loss_inf >= floor * loss_inf[0]
        gap = np.max(np.abs(np.log(loss[keep]) - np.log(loss_inf[keep])))
        return {
            "loss_ratio": loss[-1] / loss[0],
            "log_gap": gap,
            "loss_curves": loss,
            "inf_curves": loss_inf,
        }

    out = grid(run, seeds=seeds, width=widths)
    return {**out, "eta_star": eta, "lambda_max_inf": eig[-1], "steps": steps}


def transfer_statistics(measured: dict[str, Any]) -> dict[str, Any]:
    """The gated statistics of the transfer claim from the sweeps' arrays."""
    widths = measured["width"]
    gap_fit = fit_loglog_slope(widths, measured["log_gap"])
    std_fit = fit_loglog_slope(widths, measured["eta_crit_standard"])
    median = np.median(measured["eta_crit_ntk"], axis=1)
    return {
        "eta_crit_median_ntk": median,
        "eta_crit_median_standard": np.median(measured["eta_crit_standard"], axis=1),
        "loss_ratio_all": measured["loss_ratio"],
        "log_gap_slope": gap_fit.slope,
        "log_gap_slope_ci": np.array([gap_fit.lo, gap_fit.hi]),
        "log_gap_doubling_hi": 2.0**gap_fit.hi,
        "eta_crit_spread": median.max() / median.min(),
        "eta_crit_lambda_inf": median * measured["lambda_max_inf"],
        "eta_crit_slope_standard": std_fit.slope,
        "eta_crit_slope_standard_ci": np.array([std_fit.lo, std_fit.hi]),
    }


def measure_lr_transfer(
    *,
    widths: Counts = (64, 128, 256),
    seeds: Count = 20,
    crit_seeds: Count = 5,
    depth: Count = 1,
    n: Count = 20,
    d: Count = 8,
    steps_per_kappa: Positive = 10.0,
    probe_steps: Count = 200,
    iterations: Count = 6,
    seed: Seed = 0,
) -> dict[str, Any]:
    """The transfer runs (``seeds`` per width) and the bisected η_crit (``crit_seeds`` per
    width) in both parameterizations."""
    sizes = (widths, crit_seeds, depth, n, d, seed)
    probe = {"probe_steps": probe_steps, "iterations": iterations}
    out = transfer_sweep(widths, seeds, depth, n, d, seed, steps_per_kappa)
    out["eta_crit_ntk"] = critical_lr_sweep(*sizes, parameterization="ntk", **probe)["eta_crit"]
    standard = critical_lr_sweep(*sizes, parameterization="standard", **probe)
    out["eta_crit_standard"] = standard["eta_crit"]
    return {**out, **transfer_statistics(out)}


def swapped_parameterizations(measured: dict[str, Any]) -> dict[str, Any]:
    """Foil: the NTK and standard parameterizations' η_crit swapped, statistics recomputed."""
    out = {
        **measured,
        "eta_crit_ntk": measured["eta_crit_standard"],
        "eta_crit_standard": measured["eta_crit_ntk"],
    }
    return {**out, **transfer_statistics(out)}


LR_TRANSFER = Claim(
    id="terjek.lr_transfer",
    source=SOURCE.at(
        "abstract: learning rates transfer across widths",
        lineage="Lee et al. 2019 (η_crit = 2/λ_max of a width-independent kernel)",
    ),
    status="paper",
    statement=(
        "In the NTK parameterization one step η* = 1/λ_max(K∞) trains every width, the loss "
        "curves approach the infinite-width linearized curve as m grows, and the largest stable "
        "step is width-independent; in the standard parameterization it shrinks like 1/m."
    ),
    requirements=(
        Requirement(
            "loss_ratio_all",
            "<=",
            1e-4,
            "L_T/L_0 with η* = 1/λ_max(K∞), T = ⌈10·κ(K∞)⌉, every (width, seed)",
            where=("widths", "replicate"),
        ),
        Requirement(
            "log_gap_doubling_hi",
            "<",
            1,
            "2^(upper 90% CI end of the log-log slope of sup_t |log L_t^(m) − log L_t^∞| "
            "vs m; t with L_t^∞ ≥ 1e-3·L_0): the gap shrinks per doubling of m",
        ),
        Requirement(
            "eta_crit_spread",
            "<=",
            1.3,
            "NTK parameterization: max/min over widths of the median η_crit",
        ),
        Requirement(
            "eta_crit_slope_standard",
            "in",
            (-1.2, -0.8),
            "standard parameterization: log-log slope of η_crit vs m",
        ),
        Requirement(
            "eta_crit_lambda_inf",
            "in",
            (1.6, 2.4),
            "NTK parameterization: median η_crit · λ_max(K∞) (≈ 2)",
            report_only=True,
            where=("widths",),
        ),
    ),
    measure=measure_lr_transfer,
    # Transfer across widths of a network deep 1–2, above 2n. The per-seed log-gap is noisy
    # (CV 50–70%): its decrease is resolved over a ×16 range (the calibrated design), so the
    # space keeps that range and varies the data (n, d), depth and seed.
    space=Space(
        widths=Sweep(64, 1024, points=(2, 2), ratios=(16,), wider=(8, 1024), cost=1),
        depth=Ints(1, 2, cost=1.5),
        n=Ints(10, 30, cost=2),
        d=Ints(4, 16),
        plot=("widths", "n"),
    ),
    assumptions=(sp.Symbol("widths") >= 2 * sp.Symbol("n"),),
    foil=Foil(
        "the two parameterizations' critical steps swapped", measured=swapped_parameterizations
    ),
    sizes={
        # The per-seed sup log-gap is noisy (CV ≈ 50–70%): many cheap transfer runs ("seeds")
        # and a few bisections ("crit_seeds"). The quick size trades steps for a ×16 width
        # range, which the gap's decrease needs to be resolved.
        "quick": {
            "widths": (64, 1024),
            "seeds": 6,
            "crit_seeds": 2,
            "steps_per_kappa": 6.0,
            "probe_steps": 100,
            "iterations": 5,
        },
        "full": {
            "widths": (64, 128, 256, 512, 1024),
            "seeds": 40,
            "crit_seeds": 7,
            "iterations": 7,
        },
    },
    figure=Figure(
        "lr_transfer",
        y=("loss_curves", "inf_curves", "eta_crit_ntk", "eta_crit_standard"),
        groups="widths",
        limit="lambda_max_inf",
        labels=(
            "finite width",
            "infinite width",
            "NTK parameterization",
            "standard parameterization",
        ),
    ),
    findings=(
        Finding(
            {"widths": (64, 1024), "depth": 1, "n": 10, "d": 4, "seed": 0},
            "Found by the contract test's draw from the claim's space: with n = 10 points in "
            "d = 4, η* = 1/λ_max(K∞) does not train width 64 to L_T/L_0 ≤ 1e-4 (3.2e-4 at the "
            "quick T = ⌈6κ(K∞)⌉, seed index 0; with widths 64, 256 at the default T = "
            "⌈10κ(K∞)⌉ and 20 seeds, 3.2e-4 at seed index 18), while the wider networks, the "
            "log-gap decrease, the η_crit spread (1.06) and the standard-parameterization slope "
            "(−1.00) hold.",
        ),
    ),
    notes=(
        "Default (depth 1, widths 64/128/256): η* = 1/λ_max(K∞) = 7.97, T = ⌈10κ(K∞)⌉ = 388; "
        "L_T/L_0 ≤ 2.4e-8 for all 60 runs. Seed-mean sup|log L^(m) − log L^∞| = 0.74, 0.65, "
        "0.39, slope −0.47 (CI [−0.67, −0.27]); per seed it scatters by 50–70% (it is ≈ "
        "t·η·Δλ_min), hence 20 transfer seeds. Median η_crit (5 seeds, bisection of the "
        "monotone-loss step, 200 probe steps): NTK 17.1, 16.9, 16.4 (max/min 1.04; "
        "η_crit·λ_max(K∞) = 2.14, 2.11, 2.06); standard 0.62, 0.33, 0.16 (slope −0.95, CI "
        "[−1.01, −0.89]). Depth 1 because the bisections dominate the cost; at depth 2 (widths "
        "64–256, 3 seeds) NTK max/min was 1.23 and the standard slope −0.74, outside "
        "[−1.2, −0.8]: η_crit·λ_max(K(θ_0)) drops to ~1.7 at m = 64, depth 2 (finite-width "
        "sharpening). Quick: widths 64/1024 (a ×16 range is needed to resolve the noisy gap's "
        "decrease with few seeds), T = 6κ."
    ),
)

CLAIMS = (LR_TRANSFER,)
