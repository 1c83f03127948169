"""Generalization of GD-trained wide MLPs vs a kernel Rademacher bound, for Terjék &
González-Sánchez (arXiv 2205.13507), true vs random labels.

With the 1-Lipschitz loss ℓ(f, y) = min(|f − y|, 1) and the infinite-width NTK Θ∞ (unnormalized,
Θ∞ = n·K∞) on the n training points, the scale-correct form of Arora et al. (2019, Thm 5.1)
reads: with probability ≥ 1 − δ over the sample,

    test − train ≤ 2·√(r_0ᵀ Θ∞^{-1} r_0 · tr Θ∞)/n + 3·√(log(2/δ)/(2n)),   r_0 = y − f(θ_0, X),

i.e. (RKHS norm of the interpolant of r_0) × √(tr Θ∞)/n, the Rademacher complexity of that ball,
times 2 for the Lipschitz loss. It is vacuous (≥ 1, the loss's range) unless yᵀΘ∞^{-1}y is small
compared with n²/tr Θ∞.

References: Arora, Du, Hu, Li & Wang 2019, "Fine-grained analysis of optimization and
generalization for overparameterized two-layer neural networks" (Thm 5.1); Bartlett & Mendelson
2002 (Rademacher bounds); Terjék & González-Sánchez 2022 (arXiv 2205.13507).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ntkcheck.data.sphere import smooth_target
from ntkcheck.experiments.terjek_gd import gd_run
from ntkcheck.experiments.terjek_init import (
    EDGE_OF_CHAOS,
    fresh_sphere_points,
    mlp,
    run_seed,
    sphere_data,
)
from ntkcheck.kernels.analytic import analytic_ntk


def clipped_error(f: torch.Tensor, y: torch.Tensor) -> float:
    """mean min(|f − y|, 1): the 1-Lipschitz loss of the bound, in [0, 1]."""
    return float(torch.clamp((f - y).abs(), max=1.0).mean())


def kernel_bound(rkhs_sq: float, trace: float, n: int, delta: float) -> float:
    """2·√(rkhs_sq · trace)/n + 3·√(log(2/δ)/(2n)) with rkhs_sq = r_0ᵀΘ∞^{-1}r_0, trace = tr Θ∞."""
    return 2 * math.sqrt(rkhs_sq * trace) / n + 3 * math.sqrt(math.log(2 / delta) / (2 * n))


def generalization_experiment(
    *,
    width: int,
    depth: int,
    seeds: int,
    n: int,
    d: int,
    seed: int,
    n_test: int = 2000,
    delta: float = 0.05,
    steps_per_kappa: float = 10.0,
    activation: str = "relu",
) -> dict[str, Any]:
    """Train network ``s`` (``run_seed(seed, depth, width, s)``) on true labels sin(3uᵀx) and,
    from the same initialization, on random ±1 labels; measure train/test clipped errors.

    Data: ``sphere_data(n, d, seed)``; test points ``fresh_sphere_points(n_test, d,
    run_seed(seed, 1))``; random labels (train and test, independent ±1) from
    ``numpy.random.default_rng(run_seed(seed, 2))``.

    Returns, per label kind k ∈ {"true", "random"}, (S,) arrays ``train_error_k``,
    ``test_error_k``, ``gap_k`` (test − train), ``rkhs_sq_k`` (r_0ᵀΘ∞^{-1}r_0), ``bound_k``,
    ``loss_ratio_k`` (L_T/L_0); ``trace_theta`` = tr Θ∞; the sizes.
    """
    x, y_true = sphere_data(n, d, seed)
    x_test = fresh_sphere_points(n_test, d, run_seed(seed, 1))
    rng = np.random.default_rng(run_seed(seed, 2))
    labels = {
        "true": (y_true, smooth_target(x_test)),
        "random": tuple(
            torch.tensor(rng.choice([-1.0, 1.0], size=k), dtype=torch.float64) for k in (n, n_test)
        ),
    }
    theta_inf = analytic_ntk(
        x, depth=depth, activation=activation, weight_std=EDGE_OF_CHAOS[activation]
    ).numpy(force=True)
    trace = float(np.trace(theta_inf))
    out: dict[str, Any] = {
        "width": width,
        "depth": depth,
        "n": n,
        "n_test": n_test,
        "trace_theta": trace,
    }
    for kind, (y, y_test) in labels.items():
        rows = []
        for s in range(seeds):
            net = mlp(d, width, depth, run_seed(seed, depth, width, s), activation)
            with torch.no_grad():
                r0 = (y - net(x)).numpy(force=True)
            rkhs_sq = float(r0 @ np.linalg.solve(theta_inf, r0))
            run = gd_run(net, x, y, steps_per_kappa=steps_per_kappa)
            with torch.no_grad():
                train_err = clipped_error(net(x), y)
                test_err = clipped_error(net(x_test), y_test)
            bound = kernel_bound(rkhs_sq, trace, n, delta)
            rows.append(
                (train_err, test_err, test_err - train_err, rkhs_sq, bound, run["loss_ratio"])
            )
        for name, col in zip(
            ("train_error", "test_error", "gap", "rkhs_sq", "bound", "loss_ratio"),
            np.array(rows).T,
        ):
            out[f"{name}_{kind}"] = col
    return out
