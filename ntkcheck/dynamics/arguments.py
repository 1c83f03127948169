"""Boundary checks of the training loops: learning rate, targets, schedules, configuration.

Each raises :class:`~ntkcheck.errors.InvalidInputError` naming the argument, showing the value
and saying the fix.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ntkcheck.device import CPU
from ntkcheck.errors import InvalidInputError
from ntkcheck.models.functional import FunctionalModel, Params
from ntkcheck.validation import check_finite, check_inputs, check_positive_int


def check_lr(lr: float) -> float:
    """A finite learning rate > 0, as a float."""
    if (
        isinstance(lr, bool)
        or not isinstance(lr, (int, float))
        or not (math.isfinite(lr) and lr > 0)
    ):
        raise InvalidInputError(
            f"`lr` must be a finite learning rate > 0, got {lr!r}. For the MSE, "
            "lr = 1/λ_max(K) with K = Θ/n is a stable choice."
        )
    return float(lr)


def checkpoints(
    steps: int, record_every: int | None, record_steps: Sequence[int] | None
) -> set[int]:
    """The recorded steps: every ``record_every``-th or ``record_steps``, plus 0 and ``steps``."""
    if record_every is not None and record_steps is not None:
        raise InvalidInputError(
            "Pass either `record_every` or `record_steps`, not both (got both)."
        )
    chosen = {0, steps}
    if record_every is not None:
        every = check_positive_int("record_every", record_every, "Pass e.g. record_every=10.")
        chosen.update(range(0, steps + 1, every))
    if record_steps is not None:
        bad = [
            s
            for s in record_steps
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not 0 <= s <= steps
        ]
        if bad:
            raise InvalidInputError(
                f"`record_steps` must be integers in [0, steps={steps}], got invalid {bad}."
            )
        chosen.update(int(s) for s in record_steps)
    return chosen


def check_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of ``config`` after checking it survives a JSON round trip unchanged."""
    data = dict(config or {})
    try:
        same = json.loads(json.dumps(data, allow_nan=False)) == data
    except (TypeError, ValueError):
        same = False
    if not same:
        raise InvalidInputError(
            f"`config` must be JSON data (str keys; str, int, finite float, bool, None, lists "
            f"and dicts) that round-trips exactly, got {data!r}. Convert tuples to lists and "
            "tensors/arrays to lists or floats."
        )
    return data


def check_kernel_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Options passed through to ``empirical_ntk``; the mode and inputs are the loop's."""
    out = dict(options or {})
    unknown = sorted(set(out) - {"method", "block_size", "memory_budget"})
    if unknown:
        raise InvalidInputError(
            "`kernel_options` may set 'method', 'block_size' and 'memory_budget' of "
            f"empirical_ntk, got {unknown}. The loop always computes the full kernel on the "
            "kernel inputs."
        )
    return out


def check_targets(
    fm: FunctionalModel,
    state: Params,
    X: torch.Tensor,  # noqa: N803
    y: torch.Tensor | None,
    loss: Callable[..., torch.Tensor] | None,
) -> torch.Tensor:
    """Targets of an output loss; for the default MSE, one (O,) row per example in the model's
    dtype."""
    if not isinstance(y, torch.Tensor):
        raise InvalidInputError(
            f"`y` must be a tensor of targets with one row per example, got "
            f"{type(y).__name__}. Pass y of shape (n,) or (n, O), or use model_loss=... for an "
            "unsupervised objective."
        )
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise InvalidInputError(
            f"`y` has shape {tuple(y.shape)} but X has {X.shape[0]} examples; pass one target "
            "row per example of X."
        )
    check_finite("y", y)
    if loss is None:
        with torch.no_grad():
            outputs = fm.fn(state, X[:1]).shape[1]
        per_row = y[0].numel()
        if per_row != outputs or y.dtype != fm.dtype:
            raise InvalidInputError(
                f"The MSE needs y of shape (n,) or (n, O) matching the model's {outputs} "
                f"output(s) per example in dtype {fm.dtype}; got shape {tuple(y.shape)} "
                f"({per_row} per example), dtype {y.dtype}. Reshape y or cast it with "
                f"y.to({fm.dtype})."
            )
    return y


def check_extra_inputs(name: str, x: torch.Tensor, X: torch.Tensor) -> torch.Tensor:  # noqa: N803
    """Extra evaluation points (kernel or gap inputs) must look like the training inputs."""
    check_inputs(name, x, dtype=X.dtype)
    if x.shape[1:] != X.shape[1:]:
        raise InvalidInputError(
            f"`{name}` has example shape {tuple(x.shape[1:])} but X has {tuple(X.shape[1:])}; "
            "pass points of the model's input shape."
        )
    return x


def batch_schedule(
    n: int, batch_size: int | None, seed: int | None
) -> Iterator[torch.Tensor | None]:
    """Index tensors of each step's batch: None (the whole data) for GD; validated eagerly.

    SGD draws a fresh permutation per epoch from a private generator seeded with ``seed`` and
    cuts it into batches of ``batch_size`` (the last one may be smaller).
    """
    if batch_size is not None:
        check_positive_int("batch_size", batch_size, f"Pass a batch size in [1, n={n}].")
        if batch_size > n:
            raise InvalidInputError(
                f"`batch_size` must be in [1, n={n}], got {batch_size}. Pass batch_size=None "
                "for full-batch gradient descent."
            )
    if batch_size is None or batch_size == n:
        return itertools.repeat(None)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InvalidInputError(
            f"SGD (batch_size={batch_size} < n={n}) needs an integer `seed` for the batch "
            f"order, got {seed!r}. Pass e.g. seed=0 (ntkcheck never uses the global RNG)."
        )
    return _epochs(n, batch_size, torch.Generator().manual_seed(int(seed)))


def _epochs(n: int, batch_size: int, gen: torch.Generator) -> Iterator[torch.Tensor]:
    while True:
        perm = torch.randperm(n, generator=gen, device=CPU)
        for start in range(0, n, batch_size):
            yield perm[start : start + batch_size]
