"""Learning rates of wide MLPs for Terjék & González-Sánchez (arXiv 2205.13507): the largest
step with a monotone loss (bisection), and transfer of η* = 1/λ_max(K∞) across widths.

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
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from ntkcheck.dynamics import infinite_width_mse_residuals, train
from ntkcheck.errors import DivergenceWarning, NTKCheckError
from ntkcheck.experiments.terjek_init import EDGE_OF_CHAOS, mlp, run_seed, sphere_data
from ntkcheck.kernels.analytic import analytic_ntk
from ntkcheck.kernels.empirical import empirical_ntk

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
        traj = train(make_model(), x, y, lr=lr, steps=steps, operator_norms=False)
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
    *,
    widths: Sequence[int],
    seeds: int,
    depth: int,
    n: int,
    d: int,
    seed: int,
    parameterization: str = "ntk",
    activation: str = "relu",
    inputs_scale: float = 1.0,
    probe_steps: int = 200,
    iterations: int = 6,
) -> dict[str, np.ndarray]:
    """η_crit of network ``s`` at width m (``run_seed(seed, depth, m, s)``) on
    ``inputs_scale · X``, with X from ``sphere_data(n, d, seed)``.

    Returns ``widths`` (k,), ``eta_crit`` and ``lambda_max_K0`` (k, S) (λ_max of
    K(θ_0) = Θ(θ_0)/n on the scaled inputs) and the median over seeds ``eta_crit_median`` (k,).
    """
    x, y = sphere_data(n, d, seed)
    x = inputs_scale * x
    eta = np.empty((len(widths), seeds))
    lam = np.empty_like(eta)
    for j, m in enumerate(widths):
        for s in range(seeds):

            def make(m: int = m, s: int = s) -> torch.nn.Module:
                net_seed = run_seed(seed, depth, m, s)
                return mlp(d, m, depth, net_seed, activation, parameterization)

            theta0 = empirical_ntk(make(), x)
            lam[j, s] = np.linalg.eigvalsh(theta0.numpy(force=True) / n)[-1]
            eta[j, s] = critical_lr(
                make, x, y, lambda_max=lam[j, s], steps=probe_steps, iterations=iterations
            )
    return {
        "widths": np.asarray(widths, dtype=float),
        "eta_crit": eta,
        "eta_crit_median": np.median(eta, axis=1),
        "lambda_max_K0": lam,
    }


def transfer_sweep(
    *,
    widths: Sequence[int],
    seeds: int,
    depth: int,
    n: int,
    d: int,
    seed: int,
    activation: str = "relu",
    steps_per_kappa: float = 10.0,
    floor: float = 1e-3,
) -> dict[str, Any]:
    """GD with the infinite-width step η* = 1/λ_max(K∞) at every width (NTK parameterization).

    T = ⌈steps_per_kappa · κ(K∞)⌉. Each network's loss L_t^(m) is compared with the
    infinite-width linearized curve L_t^∞ = ‖(I − η* K∞)^t r_0‖²/(2n) from the same r_0 =
    f(θ_0, X) − y, over the steps with L_t^∞ ≥ ``floor`` · L_0 (below it, the comparison is of
    rounding-level tails).

    Returns ``widths`` (k,), ``eta_star``, ``lambda_max_inf``, ``steps`` (scalars);
    ``loss_ratio`` = L_T/L_0 and ``log_gap`` = sup_t |log L_t^(m) − log L_t^∞| (k, S);
    ``loss_curves`` and ``inf_curves``: lists over widths of lists over seeds of (T+1,) arrays.
    """
    x, y = sphere_data(n, d, seed)
    theta_inf = analytic_ntk(
        x, depth=depth, activation=activation, weight_std=EDGE_OF_CHAOS[activation]
    )
    eig = np.linalg.eigvalsh(theta_inf.numpy(force=True) / n)
    eta = 1.0 / eig[-1]
    steps = math.ceil(steps_per_kappa * eig[-1] / eig[0])
    shape = (len(widths), seeds)
    ratio, gap = np.empty(shape), np.empty(shape)
    curves: list[list[np.ndarray]] = []
    inf_curves: list[list[np.ndarray]] = []
    for j, m in enumerate(widths):
        curves.append([])
        inf_curves.append([])
        for s in range(seeds):
            net = mlp(d, m, depth, run_seed(seed, depth, m, s), activation)
            with torch.no_grad():
                f0 = net(x)
            traj = train(net, x, y, lr=eta, steps=steps, operator_norms=False)
            loss = np.append(traj.step_loss, traj.loss[-1])
            if traj.diverged:  # no curve to compare: an infinite gap, never a pass
                loss = np.append(loss, np.full(steps + 1 - loss.size, np.inf))
            r_inf = infinite_width_mse_residuals(theta_inf, y, eta, steps, f0=f0)
            loss_inf = 0.5 * (r_inf**2).sum(axis=1) / n
            keep = loss_inf >= floor * loss_inf[0]
            ratio[j, s] = loss[-1] / loss[0]
            gap[j, s] = np.max(np.abs(np.log(loss[keep]) - np.log(loss_inf[keep])))
            curves[-1].append(loss)
            inf_curves[-1].append(loss_inf)
    return {
        "widths": np.asarray(widths, dtype=float),
        "eta_star": eta,
        "lambda_max_inf": eig[-1],
        "steps": steps,
        "loss_ratio": ratio,
        "log_gap": gap,
        "loss_curves": curves,
        "inf_curves": inf_curves,
    }
