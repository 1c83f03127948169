"""The generic training driver: any step rule, one recorder, divergence handling.

:func:`run` iterates a caller's step ``(t, state) -> (new_state, loss)`` — gradient descent,
projected GD, GDA, ... — and records the lazy-training quantities of kernels.md at chosen steps
into a :class:`~ntkcheck.dynamics.trajectory.Trajectory`. :func:`~ntkcheck.dynamics.loops.train`
builds GD/SGD steps on top of it.

References: Chizat et al. 2019, "On lazy training in differentiable programming"; Lee et al.
2019, "Wide neural networks of any depth evolve as linear models under gradient descent".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch

from ntkcheck.dynamics.arguments import check_config, checkpoints
from ntkcheck.dynamics.instruments import (
    as_kernel_matrix,
    distances,
    initial_norms,
    kernel_drift,
)
from ntkcheck.dynamics.trajectory import Trajectory
from ntkcheck.errors import DivergenceWarning, InvalidInputError
from ntkcheck.models.functional import Params
from ntkcheck.provenance import versions
from ntkcheck.spectrum import lambda_min
from ntkcheck.validation import check_positive_int

StepFn = Callable[[int, Params], tuple[Mapping[str, torch.Tensor], float]]
Hook = Callable[[int, Params], None]
Observable = Callable[[Params], float]
LINEARIZED_COLUMNS = ("lin_loss", "lin_gap", "lin_gap_abs", "output_change", "lin_output_change")


class Companion(Protocol):
    """Extra per-checkpoint columns computed from the live state (the linearized model)."""

    def record(self, state: Params) -> dict[str, float]: ...


@dataclass
class Recorder:
    """Accumulates one row per checkpoint.

    ``kernel(state)`` returns the tracked matrix K; ``kernel_n`` is n when K = Θ/n (else None).
    """

    theta0: Params
    operator_norms: bool
    kernel: Callable[[Params], torch.Tensor | np.ndarray] | None = None
    kernel_n: int | None = None
    observe: Mapping[str, Observable] = field(default_factory=dict)
    companion: Companion | None = None
    rows: dict[str, list[float]] = field(default_factory=dict)
    layers: dict[str, list[float]] = field(default_factory=dict)
    layers_op: dict[str, list[float]] = field(default_factory=dict)
    kernels: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.norms0 = initial_norms(self.theta0, operator_norms=self.operator_norms)

    def record(self, t: int, state: Params, loss: float) -> None:
        dist = distances({k: state[k] for k in self.theta0}, self.theta0, self.norms0)
        row = {"steps": t, "loss": loss, "distance": dist.total}
        row["relative_distance"] = dist.relative
        for k, v in dist.layer.items():
            self.layers.setdefault(k, []).append(v)
        for k, v in dist.layer_op.items():
            self.layers_op.setdefault(k, []).append(v)
        if self.kernel is not None:
            K = as_kernel_matrix("kernel", self.kernel(state))
            # Keep K_0 (the drift's reference) and the latest K only: N² floats each.
            self.kernels[min(len(self.kernels), 1) :] = [K]
            drift = kernel_drift(K, self.kernels[0])
            row.update(kernel_drift=drift.frobenius, kernel_drift_op=drift.operator)
            row["lambda_min_K"] = lambda_min(K)
        for name, fn in self.observe.items():
            row[f"observable:{name}"] = float(fn(state))
        if self.companion is not None:
            row.update(self.companion.record(state))
        for k, v in row.items():
            self.rows.setdefault(k, []).append(v)

    def column(self, name: str) -> np.ndarray | None:
        return np.asarray(self.rows[name], dtype=np.float64) if name in self.rows else None


def run(
    step: StepFn,
    state: Params,
    *,
    steps: int,
    objective: Callable[[Params], float | torch.Tensor],
    record_every: int | None = None,
    record_steps: Sequence[int] | None = None,
    track: Iterable[str] | None = None,
    kernel: Callable[[Params], torch.Tensor | np.ndarray] | None = None,
    observe: Mapping[str, Observable] | None = None,
    after_step: Hook | None = None,
    operator_norms: bool = True,
    config: Mapping[str, Any] | None = None,
    seed: int | None = None,
    divergence_factor: float = 1e12,
) -> Trajectory:
    """Iterate ``step`` from ``state`` for ``steps`` updates and record a :class:`Trajectory`.

    Args:
        step: ``step(t, state) -> (new_state, loss)``: the loss at ``state`` (before the update)
            and the updated tensors, e.g. a pure GDA step (the discriminator can be an entry of
            ``state`` or live in the closure). ``new_state`` is copied into ``state`` in place.
        state: dict name -> tensor, **updated in place** (as torch.optim updates parameters);
            clone it first to keep the initial values.
        steps: number of updates T. objective: the recorded loss at a state (full data).
        record_every, record_steps: checkpoints (every k-th step, or an explicit list); 0 and
            the last step are always included; default: only those two.
        track: entries of ``state`` whose distance from the start is recorded (default: all).
        kernel: ``kernel(state)`` -> the matrix K whose drift and λ_min are recorded.
        observe: name -> scalar function of the state, recorded at checkpoints.
        after_step: ``after_step(t, state)`` after each update, e.g. a projection.
        operator_norms: record per-tensor operator norms of the 2-D tracked tensors (O(m³)).
        config: JSON data describing the run. seed: the run's seed, recorded.
        divergence_factor: stop when the loss exceeds this multiple of |initial loss|.

    For GDA (Balaji et al. 2021), ``state = {"W": W0.clone(), "d": d0.clone()}``, a step that
    wraps ``gda_step`` and returns the residual norm as its loss, ``track=["W"]`` and
    ``kernel=lambda s: game.generator.kernel(s["W"])``.

    Divergence (a non-finite or exploding loss, or non-finite parameters) stops the loop, warns
    :class:`~ntkcheck.errors.DivergenceWarning` and returns the checkpoints reached, with
    ``diverged_at = (step, loss)``.

    References: Chizat et al. 2019; kernels.md "Lazy training".
    """
    steps = check_positive_int("steps", steps, "Pass the number of updates, e.g. steps=100.")
    names = list(state) if track is None else list(track)
    unknown = [k for k in names if k not in state]
    if not names or unknown:
        raise InvalidInputError(
            f"`track` must name entries of `state`; unknown {unknown}, valid {sorted(state)}."
        )
    recorder = Recorder(
        theta0={k: state[k].detach().clone() for k in names},
        operator_norms=operator_norms,
        kernel=kernel,
        observe=dict(observe or {}),
    )
    return drive(
        step,
        state,
        steps=steps,
        objective=objective,
        checkpoints=checkpoints(steps, record_every, record_steps),
        recorder=recorder,
        after_step=after_step,
        config=config,
        settings={"steps": steps, "divergence_factor": divergence_factor},
        seed=seed,
        divergence_factor=divergence_factor,
        hint="lower the step size",
    )


def drive(
    step: StepFn,
    state: Params,
    *,
    steps: int,
    objective: Callable[[Params], float | torch.Tensor],
    checkpoints: set[int],
    recorder: Recorder,
    after_step: Hook | None,
    config: Mapping[str, Any] | None,
    settings: dict[str, Any],
    seed: int | None,
    divergence_factor: float,
    hint: str,
) -> Trajectory:
    """The loop shared by :func:`run` and :func:`~ntkcheck.dynamics.loops.train`."""
    config = check_config(config)
    if not (math.isfinite(divergence_factor) and divergence_factor > 1):
        raise InvalidInputError(
            f"`divergence_factor` must be a finite number > 1, got {divergence_factor!r}. "
            "The default 1e12 stops only runs that have clearly blown up."
        )
    loss0 = float(objective(state))
    if not math.isfinite(loss0):
        raise InvalidInputError(
            f"The loss at the initial parameters is {loss0}; nothing was trained. Check that "
            "the data are in the model's domain and the parameters are finite."
        )
    # Relative to |L_0| so that losses which may be negative (an NLL) are handled; L_0 = 0 (a
    # game's value at d = 0) leaves only the non-finite test.
    limit = divergence_factor * abs(loss0) if loss0 != 0 else math.inf
    step_loss: list[float] = []
    diverged: tuple[int, float] | None = None
    reason = ""
    for t in range(steps + 1):
        if t in checkpoints:
            loss = loss0 if t == 0 else float(objective(state))
            if not (math.isfinite(loss) and loss <= limit):
                diverged, reason = (t, loss), "loss"
                break
            recorder.record(t, state, loss)
        if t == steps:
            break
        new, loss = step(t, state)
        loss = float(loss)
        if not (math.isfinite(loss) and loss <= limit):
            diverged, reason = (t, loss), "loss"
            break
        step_loss.append(loss)
        stray = set(new) - set(state)
        if stray:
            raise InvalidInputError(
                f"`step` returned entries {sorted(stray)} that are not in `state` "
                f"({sorted(state)}); put every evolving tensor in `state` from the start."
            )
        with torch.no_grad():
            for k, v in new.items():
                state[k].copy_(v)
        if after_step is not None:
            after_step(t, state)
        if not all(bool(torch.isfinite(v).all()) for v in state.values()):
            diverged, reason = (t + 1, math.nan), "parameters"
            break
    if diverged is not None:
        what = (
            "the parameters became non-finite"
            if reason == "parameters"
            else (
                f"the loss reached {diverged[1]:.3e} (initial {loss0:.3e}, limit "
                f"{divergence_factor:.0e}×|initial|)"
            )
        )
        warnings.warn(
            f"Training diverged at step {diverged[0]}: {what}. The trajectory keeps the "
            f"{len(recorder.rows.get('steps', []))} checkpoints before it; {hint}.",
            DivergenceWarning,
            stacklevel=3,
        )
    return finish(recorder, step_loss, diverged, config, settings, seed)


def finish(
    recorder: Recorder,
    step_loss: list[float],
    diverged: tuple[int, float] | None,
    config: dict[str, Any],
    settings: dict[str, Any],
    seed: int | None,
) -> Trajectory:
    has_kernel = recorder.kernel is not None
    return Trajectory(
        steps=np.asarray(recorder.rows["steps"], dtype=np.int64),
        loss=recorder.column("loss"),
        step_loss=np.asarray(step_loss, dtype=np.float64),
        distance=recorder.column("distance"),
        relative_distance=recorder.column("relative_distance"),
        layer_distance={k: np.asarray(v) for k, v in recorder.layers.items()},
        layer_norm0=recorder.norms0[0],
        layer_distance_op={k: np.asarray(v) for k, v in recorder.layers_op.items()},
        layer_norm0_op=recorder.norms0[1],
        kernel_drift=recorder.column("kernel_drift"),
        kernel_drift_op=recorder.column("kernel_drift_op"),
        lambda_min_K=recorder.column("lambda_min_K"),
        kernel_init=recorder.kernels[0] if has_kernel else None,
        kernel_final=recorder.kernels[-1] if has_kernel else None,
        kernel_n=recorder.kernel_n,
        **{k: recorder.column(k) for k in LINEARIZED_COLUMNS},
        observables={
            k: np.asarray(recorder.rows[f"observable:{k}"], dtype=np.float64)
            for k in recorder.observe
        },
        diverged_at=diverged,
        config=config,
        settings=settings,
        seed=seed,
        versions=versions(),
    )
