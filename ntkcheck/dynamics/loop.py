"""The one training loop: iterate a :class:`~ntkcheck.dynamics.step.Step`, record instruments.

GD, SGD (:mod:`~ntkcheck.dynamics.gradient`), GDA (:mod:`~ntkcheck.dynamics.mean_matching`) and any
caller's rule are steps; what is measured along the way is a tuple of
:mod:`~ntkcheck.dynamics.instruments`. The result is a
:class:`~ntkcheck.dynamics.trajectory.Trajectory`.

References: Chizat et al. 2019, "On lazy training in differentiable programming"; Lee et al.
2019, "Wide neural networks of any depth evolve as linear models under gradient descent".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ntkcheck.dynamics.arguments import check_config, checkpoints
from ntkcheck.dynamics.instruments import Columns, Instrument
from ntkcheck.dynamics.step import Step
from ntkcheck.dynamics.trajectory import PER_RUN, Trajectory
from ntkcheck.errors import DivergenceWarning, InvalidInputError
from ntkcheck.provenance import versions
from ntkcheck.validation import all_finite, check_positive_int


def train(
    step: Step,
    *,
    steps: int | None = None,
    epochs: int | None = None,
    instruments: Sequence[Instrument] = (),
    record_every: int | None = None,
    record_steps: Sequence[int] | None = None,
    stop_below: float | None = None,
    config: Mapping[str, Any] | None = None,
    divergence_factor: float = 1e12,
) -> Trajectory:
    """Apply ``step`` ``steps`` times (or ``epochs`` × ``step.steps_per_epoch`` times) and record.

    At every checkpoint t the trajectory holds ``loss`` = ``step.objective(θ_t)`` and each
    instrument's columns; every update's own loss is kept in ``step_loss``. ``step.state`` is
    updated in place, so a second call continues where the first stopped.

    Args:
        step: the rule and its state: :func:`~ntkcheck.dynamics.gradient.gd`,
            :func:`~ntkcheck.dynamics.gradient.sgd`,
            :func:`~ntkcheck.dynamics.mean_matching.gda` or a
            :class:`~ntkcheck.dynamics.step.Step` of your own.
        steps: the number of updates T; pass exactly one of ``steps`` and ``epochs``.
        epochs: the number of passes over the data, T = epochs × ``step.steps_per_epoch``.
        instruments: e.g. ``(track_distance(), track_kernel(), track_linearized(),
            observe(test_nll=...))`` (:mod:`ntkcheck.dynamics.instruments`).
        record_every: record every this many steps (0 and the last step are always
            recorded; by default only those two).
        record_steps: an explicit list of checkpoints instead (0 and the last step included).
        stop_below: stop at the first step t whose loss (the update's loss at θ_t: the full
            loss for GD and GDA, the batch loss for SGD) is ≤ this; t is then the last
            checkpoint (:meth:`Trajectory.steps_to` reads the step).
        config: JSON data describing the run (width, depth, ...), stored verbatim.
        divergence_factor: stop when the loss exceeds this multiple of |L(θ_0)|.

    Divergence (a non-finite or exploding loss, or non-finite parameters) stops the loop, warns
    :class:`~ntkcheck.errors.DivergenceWarning` and returns the checkpoints reached, with
    ``diverged_at = (step, loss)``.
    """
    total = _length(step, steps, epochs)
    chosen = checkpoints(total, record_every, record_steps)
    config = check_config(config)
    if not (math.isfinite(divergence_factor) and divergence_factor > 1):
        raise InvalidInputError(
            f"`divergence_factor` must be a finite number > 1, got {divergence_factor!r}. "
            "The default 1e12 stops only runs that have clearly blown up."
        )
    if stop_below is not None and not math.isfinite(stop_below):
        raise InvalidInputError(f"`stop_below` must be a finite loss, got {stop_below!r}.")
    state = step.state
    loss0 = float(step.objective(state))
    if not math.isfinite(loss0):
        raise InvalidInputError(
            f"The loss at the initial parameters is {loss0}; nothing was trained. Check that "
            "the data are in the model's domain and the parameters are finite."
        )
    carries = [inst.start(step) for inst in instruments]
    # Relative to |L_0| so that losses which may be negative (an NLL) are handled; L_0 = 0 (a
    # game's value at d = 0) leaves only the non-finite test.
    limit = divergence_factor * abs(loss0) if loss0 != 0 else math.inf
    rows: list[Columns] = []

    def record(t: int, loss: float) -> None:
        row: Columns = {"steps": t, "loss": loss}
        for i, inst in enumerate(instruments):
            columns, carries[i] = inst.record(carries[i], t, state)
            _merge(row, columns)
        rows.append(row)

    step_loss: list[float] = []
    diverged: tuple[int, float] | None = None
    reason = ""
    for t in range(total + 1):
        if t in chosen:
            loss = loss0 if t == 0 else float(step.objective(state))
            if not (math.isfinite(loss) and loss <= limit):
                diverged, reason = (t, loss), "loss"
                break
            record(t, loss)
        if t == total:
            break
        new, loss = step.update(t, state)
        loss = float(loss)
        if not (math.isfinite(loss) and loss <= limit):
            diverged, reason = (t, loss), "loss"
            break
        if stop_below is not None and loss <= stop_below:
            if t not in chosen:
                record(t, float(step.objective(state)))
            break
        step_loss.append(loss)
        stray = set(new) - set(state)
        if stray:
            raise InvalidInputError(
                f"`step` returned entries {sorted(stray)} that are not in its state "
                f"({sorted(state)}); put every evolving tensor in the state from the start."
            )
        with torch.no_grad():
            for k, v in new.items():
                state[k].copy_(v)
        if step.after_step is not None:
            step.after_step(t, state)
        if not all(all_finite(v) for v in state.values()):
            diverged, reason = (t + 1, math.nan), "parameters"
            break
    if diverged is not None:
        _warn(diverged, reason, loss0, divergence_factor, len(rows), step.hint)
    settings = {
        **step.settings,
        "steps": total,
        "epochs": epochs,
        "stop_below": stop_below,
        "divergence_factor": divergence_factor,
    }
    return Trajectory(
        **_stack(rows),
        step_loss=np.asarray(step_loss, dtype=np.float64),
        diverged_at=diverged,
        config=config,
        settings=settings,
        seed=step.seed,
        versions=versions(),
    )


def _length(step: Step, steps: int | None, epochs: int | None) -> int:
    if (steps is None) == (epochs is None):
        raise InvalidInputError(
            f"Pass exactly one of `steps` and `epochs`, got steps={steps!r}, epochs={epochs!r}."
        )
    if epochs is not None:
        epochs = check_positive_int("epochs", epochs, "Pass the number of passes, e.g. epochs=6.")
        return epochs * step.steps_per_epoch
    return check_positive_int("steps", steps, "Pass the number of updates, e.g. steps=100.")


def _merge(row: Columns, columns: Columns) -> None:
    for key, value in columns.items():
        if key == "observables" and key in row and not set(row[key]) & set(value):
            row[key] = {**row[key], **value}
        elif key in row:
            raise InvalidInputError(
                f"Two instruments record {key!r}; pass each instrument once (and each "
                "observable name once)."
            )
        else:
            row[key] = value


def _stack(rows: list[Columns]) -> dict[str, Any]:
    """Trajectory fields from one row per checkpoint: per-checkpoint values become (R,) arrays
    (dicts of them per tensor or name); per-run values (K_0, initial norms) keep the latest."""
    out: dict[str, Any] = {}
    for key in rows[0]:
        values = [row[key] for row in rows]
        if key in PER_RUN:
            out[key] = values[-1]
        elif isinstance(values[0], dict):
            out[key] = {k: np.asarray([v[k] for v in values]) for k in values[0]}
        else:
            out[key] = np.asarray(values, dtype=np.int64 if key == "steps" else np.float64)
    return out


def _warn(
    diverged: tuple[int, float],
    reason: str,
    loss0: float,
    factor: float,
    recorded: int,
    hint: str,
) -> None:
    what = (
        "the parameters became non-finite"
        if reason == "parameters"
        else (
            f"the loss reached {diverged[1]:.3e} (initial {loss0:.3e}, limit "
            f"{factor:.0e}×|initial|)"
        )
    )
    warnings.warn(
        f"Training diverged at step {diverged[0]}: {what}. The trajectory keeps the "
        f"{recorded} checkpoints before it; {hint}.",
        DivergenceWarning,
        stacklevel=3,
    )
