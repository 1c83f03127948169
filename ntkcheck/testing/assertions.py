"""The assertion functions behind :mod:`ntkcheck.testing`."""

from __future__ import annotations

import copy
from typing import Any

import torch

from ntkcheck.claims.check import check
from ntkcheck.claims.verdict import Verdict
from ntkcheck.dynamics import Trajectory, gd, track_distance, track_kernel, train
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.models.functional import ModelLike
from ntkcheck.spectrum import Interval, lambda_max, lambda_min


def assert_claim(claim_id: str, *, size: str = "quick", **setting: Any) -> Verdict:
    """Check a registered claim; raise ``AssertionError`` with measured vs bound unless it
    passes (a vacuous verdict is not a pass).

    ``setting`` overrides fields of the claim's ``size`` setting (unknown keys list the valid
    ones). Returns the passing :class:`~ntkcheck.claims.Verdict`.
    """
    verdict = check(claim_id, setting, size=size)
    if not verdict.passed:
        raise AssertionError(verdict.summary() + (f"\n{verdict.error}" if verdict.error else ""))
    return verdict


def assert_lambda_min_positive(
    model: ModelLike,
    x: torch.Tensor,
    *,
    at_least: float = 0.0,
    normalize: bool = True,
    **kernel_options: Any,
) -> Interval:
    """Assert that the certified λ_min of K = Θ/n (or of Θ with ``normalize=False``) exceeds
    ``at_least``: the key assumption of the NTK convergence theorems (Du et al. 2019; Terjék &
    González-Sánchez 2022). Returns the certified interval."""
    theta = empirical_ntk(model, x, mode="trace", **kernel_options)
    kernel = theta / x.shape[0] if normalize else theta
    interval = lambda_min(kernel, certify=True)
    name = "K = Θ/n" if normalize else "Θ"
    if not interval.lo > at_least:
        raise AssertionError(
            f"λ_min({name}) is not certified above {at_least:g}: it lies in "
            f"[{interval.lo:.6g}, {interval.hi:.6g}] on {x.shape[0]} points. Widen the network, "
            "remove duplicate or parallel inputs, or lower `at_least`."
        )
    return interval


def assert_lazy(
    model: ModelLike,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    steps: int = 100,
    lr: float | None = None,
    max_relative_distance: float = 0.1,
    max_kernel_drift: float = 0.1,
) -> Trajectory:
    """Train a copy of ``model`` by full-batch GD on (1/2n)‖f − y‖² and assert lazy training:
    ‖θ_T − θ_0‖/‖θ_0‖ and sup_t ‖K_t − K_0‖_F/‖K_0‖_F stay below the given thresholds.

    ``lr`` defaults to 1/λ_max(K(θ_0)), the scale-free stable step. The model is not modified.
    Returns the :class:`Trajectory` (kernel tracked at the first and last step).
    """
    trained = copy.deepcopy(model)
    if lr is None:
        lr = 1.0 / lambda_max(empirical_ntk(trained, x, mode="trace") / x.shape[0])
    traj = train(
        gd(trained, x, y, lr=lr), steps=steps, instruments=(track_distance(), track_kernel())
    )
    if traj.diverged:
        raise AssertionError(f"Training diverged at step {traj.diverged_at[0]} with lr={lr:.3g}.")
    distance = float(traj.relative_distance[-1])
    drift = float(traj.kernel_drift.max())
    if distance > max_relative_distance or drift > max_kernel_drift:
        raise AssertionError(
            f"Not lazy after {steps} GD steps (lr={lr:.3g}): relative parameter distance "
            f"{distance:.4g} (max {max_relative_distance:g}), kernel drift {drift:.4g} "
            f"(max {max_kernel_drift:g}). Wider networks move less (distance ~ m^(-1/2))."
        )
    return traj
