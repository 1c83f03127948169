"""Full-batch gradient descent on wide MLPs for Terjék & González-Sánchez (arXiv 2205.13507):
linear convergence, implicit regularization and lazy training, one run per (width, seed).

GD on L(θ) = (1/2n)‖f(θ, X) − y‖² with η = 1/λ_max(K(θ_0)), K = Θ/n, for T = ⌈c·κ(K(θ_0))⌉
steps (c = ``steps_per_kappa``; on the linearized model the slowest mode then decays by
(1 − 1/κ)^{2T} ≈ e^{−2c}). Everything a claim or a plot needs is returned as plain numbers and
arrays.

References: Terjék & González-Sánchez 2022 (arXiv 2205.13507); Liu, Zhu & Belkin 2022 (PL
condition, linear rate); Oymak & Soltanolkotabi 2020; Lee et al. 2019 (linearization); Chizat et
al. 2019 (lazy training); Du et al. 2019.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ntkcheck.dynamics import train
from ntkcheck.experiments.terjek_init import (
    fresh_sphere_points,
    mlp,
    run_seed,
    sphere_data,
)
from ntkcheck.kernels.empirical import empirical_ntk

# Per-run scalars stacked by gd_sweep into (k widths, S seeds) arrays.
SCALARS = (
    "steps",
    "eta",
    "lambda_min_K0",
    "lambda_max_K0",
    "kappa",
    "num_params",
    "loss_ratio",
    "distance",
    "relative_distance",
    "min_norm_distance",
    "kernel_drift",
    "lin_gap_test",
)


def gd_run(
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    steps_per_kappa: float = 10.0,
    lr: float | None = None,
    steps: int | None = None,
    kernel_checkpoints: int = 0,
    test_inputs: torch.Tensor | None = None,
    operator_norms: bool = False,
) -> dict[str, Any]:
    """Train ``model`` (in place) by full-batch GD on (1/2n)‖f − y‖² and summarize the run.

    Args:
        model: a network mapping (n, d) -> (n,). x: (n, d), y: (n,).
        steps_per_kappa: T = ⌈steps_per_kappa · κ(K(θ_0))⌉ unless ``steps`` is given.
        lr: η, default 1/λ_max(K(θ_0)).
        kernel_checkpoints: if > 0, record K_t at that many evenly spaced steps (plus 0 and T)
            and return the sup of the relative drift ‖Θ_t − Θ_0‖_F/‖Θ_0‖_F.
        test_inputs: (n_test, d); if given, train the linearized model f^lin alongside and
            return ‖f_T − f_T^lin‖/‖f_T^lin − f_0‖ on them.
        operator_norms: record ‖ΔW_k‖₂/‖W_k(0)‖₂ per weight at 0 and T.

    Returns:
        ``loss`` (T+1,) = L_0..L_T; scalars ``steps`` (T), ``eta``, ``lambda_min_K0``,
        ``lambda_max_K0``, ``kappa``, ``num_params``, ``loss_ratio`` = L_T/L_0, ``distance`` =
        ‖θ_T − θ_0‖, ``relative_distance`` = ‖θ_T − θ_0‖/‖θ_0‖, ``min_norm_distance`` =
        √(r_0ᵀ Θ_0^{-1} r_0) (Θ_0 = J_0 J_0ᵀ unnormalized, r_0 = f(θ_0, X) − y: the distance of
        the minimum-norm interpolant of the linearized model), ``kernel_drift``,
        ``lin_gap_test`` (NaN when not tracked); ``layer_op_relative``
        (per weight name, ‖ΔW‖₂/‖W(0)‖₂ at T, when ``operator_norms``).
    """
    n = x.shape[0]
    theta0 = empirical_ntk(model, x)
    eig = np.linalg.eigvalsh(theta0.numpy(force=True) / n)
    eta = 1.0 / eig[-1] if lr is None else float(lr)
    kappa = eig[-1] / eig[0]
    T = math.ceil(steps_per_kappa * kappa) if steps is None else int(steps)
    with torch.no_grad():
        r0 = (model(x) - y).numpy(force=True)
    min_norm = math.sqrt(float(r0 @ np.linalg.solve(theta0.numpy(force=True), r0)))
    record = sorted({0, T, *np.linspace(0, T, kernel_checkpoints + 1).round().astype(int)})
    track_lin = test_inputs is not None
    traj = train(
        model,
        x,
        y,
        lr=eta,
        steps=T,
        record_steps=record,
        track_kernel=kernel_checkpoints > 0,
        track_linearized=track_lin,
        gap_inputs=test_inputs,
        operator_norms=operator_norms,
    )
    # A diverged run ends its loss curve with inf and has no θ_T: NaN distances, never a pass.
    last = math.inf if traj.diverged else 1.0
    out: dict[str, Any] = {
        "loss": np.append(traj.step_loss, traj.loss[-1] * last),
        "steps": T,
        "eta": eta,
        "lambda_min_K0": eig[0],
        "lambda_max_K0": eig[-1],
        "kappa": kappa,
        "num_params": sum(p.numel() for p in model.parameters()),
        "loss_ratio": last * traj.loss[-1] / traj.loss[0],
        "min_norm_distance": min_norm,
        "diverged": traj.diverged,
    }
    at_t = math.nan if traj.diverged else 1.0
    out["distance"] = at_t * traj.distance[-1]
    out["relative_distance"] = at_t * traj.relative_distance[-1]
    out["kernel_drift"] = (
        at_t * np.max(traj.kernel_drift) if traj.kernel_drift is not None else math.nan
    )
    out["lin_gap_test"] = (
        at_t * traj.lin_gap_abs[-1] / traj.lin_output_change[-1] if track_lin else math.nan
    )
    if operator_norms:
        out["layer_op_relative"] = {
            k: at_t * float(traj.layer_relative(k, "op")[-1]) for k in traj.layer_distance_op
        }
    return out


def gd_sweep(
    *,
    widths: Sequence[int],
    seeds: int,
    depth: int,
    n: int,
    d: int,
    seed: int,
    activation: str = "relu",
    parameterization: str = "ntk",
    n_test: int = 0,
    **run_options: Any,
) -> dict[str, Any]:
    """:func:`gd_run` for every (width, seed index) on one data set ``sphere_data(n, d, seed)``.

    Network ``s`` at width m is initialized with ``run_seed(seed, depth, m, s)``; ``n_test`` > 0
    held-out points ``fresh_sphere_points(n_test, d, run_seed(seed, 1))`` switch on the
    linearization gap. ``run_options`` go to :func:`gd_run`.

    Returns: ``widths`` (k,); each name in :data:`SCALARS` as a (k, S) array; ``loss_curves``: a
    list over widths of lists over seeds of (T+1,) loss arrays; ``layer_op_relative``: per weight
    name a (k, S) array (when operator norms are recorded); ``diverged`` (k, S) bool.
    """
    x, y = sphere_data(n, d, seed)
    test = fresh_sphere_points(n_test, d, run_seed(seed, 1)) if n_test > 0 else None
    runs = [
        [
            gd_run(
                mlp(d, m, depth, run_seed(seed, depth, m, s), activation, parameterization),
                x,
                y,
                test_inputs=test,
                **run_options,
            )
            for s in range(seeds)
        ]
        for m in widths
    ]
    out: dict[str, Any] = {
        "widths": np.asarray(widths, dtype=float),
        "loss_curves": [[r["loss"] for r in row] for row in runs],
        "diverged": np.array([[r["diverged"] for r in row] for row in runs]),
    }
    for name in SCALARS:
        out[name] = np.array([[float(r[name]) for r in row] for row in runs])
    if "layer_op_relative" in runs[0][0]:
        out["layer_op_relative"] = {
            k: np.array([[r["layer_op_relative"][k] for r in row] for row in runs])
            for k in runs[0][0]["layer_op_relative"]
        }
    return out


def envelope_data(sweep: dict[str, Any]) -> dict[str, np.ndarray]:
    """Every (run, t ≥ 1) of a :func:`gd_sweep` as flat arrays for the bound
    L_t ≤ (1 − η·λ_min(K(θ_0))/2)^t · L_0: ``L_t``, ``L_0``, ``t``, ``eta``, ``lambda_0``
    (one entry per step of every run, runs in (width, seed) order; t = 0 is the identity
    L_0 ≤ L_0 and is left out).

    Also, per run (k, S): ``late_rate`` = the least-squares slope of log L_t over the second
    half of the run, and ``linear_rate`` = 2·log(1 − η·λ_min(K(θ_0))), the decay rate of the
    slowest mode of the linearized model.
    """
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("L_t", "L_0", "t", "eta", "lambda_0")}
    late = np.empty(sweep["eta"].shape)
    for j, row in enumerate(sweep["loss_curves"]):
        for s, curve in enumerate(row):
            t = np.arange(curve.size)
            steps = curve.size - 1
            cols["L_t"].append(curve[1:])
            cols["L_0"].append(np.full(steps, curve[0]))
            cols["t"].append(t[1:])
            cols["eta"].append(np.full(steps, sweep["eta"][j, s]))
            cols["lambda_0"].append(np.full(steps, sweep["lambda_min_K0"][j, s]))
            half = t >= t[-1] / 2
            late[j, s] = np.polyfit(t[half], np.log(curve[half]), 1)[0]
    out = {k: np.concatenate(v) for k, v in cols.items()}
    out["late_rate"] = late
    out["linear_rate"] = 2 * np.log1p(-sweep["eta"] * sweep["lambda_min_K0"])
    return out
