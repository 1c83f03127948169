"""Boundary checks of the training loops: learning rate, targets, schedules, configuration.

Each raises :class:`~ntkcheck.errors.InvalidInputError` naming the argument, showing the value
and saying the fix.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from ntkcheck.errors import InvalidInputError
from ntkcheck.models.functional import FunctionalModel, ModelLike, Params, functionalize
from ntkcheck.validation import check_finite, check_inputs, check_positive_int

OutputLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
ModelLoss = Callable[[nn.Module, Any], torch.Tensor]
Batch = torch.Tensor | None  # row indices of a step's batch; None = all of X, in order
Grads = Sequence[torch.Tensor | None]
Value = Callable[[Params, Batch], torch.Tensor]
Gradient = Callable[[Params, Batch], tuple[Grads, float]]


def functional_state(model: ModelLike) -> tuple[FunctionalModel, Params]:
    """The model as a pure function and its trainable tensors, sharing storage with the
    module's parameters (or the pair's own tensors), so updates reach the model."""
    fm = functionalize(model)
    if fm.module is not None:
        named = dict(fm.module.named_parameters())
        if all(k in named for k in fm.params):
            return fm, {k: named[k].detach() for k in fm.params}
    return fm, dict(fm.params)


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
    """Options passed through to ``empirical_ntk``; the mode and inputs are the instrument's."""
    out = dict(options or {})
    unknown = sorted(set(out) - {"method", "block_size", "memory_budget"})
    if unknown:
        raise InvalidInputError(
            "track_kernel options may set 'method', 'block_size' and 'memory_budget' of "
            f"empirical_ntk, got {unknown}. The instrument always computes the full kernel on "
            "its points."
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


def module_loss(
    fm: FunctionalModel,
    X: torch.Tensor,  # noqa: N803
    y: torch.Tensor | None,
    model_loss: ModelLoss,
    loss: OutputLoss | None,
) -> tuple[Value, Gradient]:
    """``(value, gradient)`` of ``model_loss(module, batch)``, differentiated with respect to
    the module's own parameters; batch = X_B, or (X_B, y_B) when y is given."""
    if loss is not None or fm.module is None:
        raise InvalidInputError(
            "`model_loss(module, batch)` needs an nn.Module and excludes `loss`; got "
            f"{'both losses' if loss is not None else 'an (f, params) pair'}. Pass "
            "loss=callable(outputs, targets) for a pure function."
        )
    module = fm.module
    named = dict(module.named_parameters())
    frozen = [k for k in fm.params if not named[k].requires_grad]
    if frozen:
        raise InvalidInputError(
            f"Parameters {frozen} have requires_grad=False, so `model_loss` cannot be "
            "differentiated with respect to them. Set requires_grad=True or leave them out."
        )
    if y is not None and (not isinstance(y, torch.Tensor) or y.shape[:1] != X.shape[:1]):
        raise InvalidInputError(
            f"`y` must be a tensor with one row per example of X ({X.shape[0]}), got "
            f"{tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__}."
        )
    if y is not None:
        check_finite("y", y)

    def value(params: Params, idx: Batch) -> torch.Tensor:
        xb = X if idx is None else X[idx]
        out = model_loss(module, xb if y is None else (xb, y if idx is None else y[idx]))
        if not isinstance(out, torch.Tensor) or out.numel() != 1:
            raise InvalidInputError(
                f"`model_loss` must return a scalar tensor, got {out!r:.80}. Reduce over the "
                "batch, e.g. return flow.nll(x) (a mean)."
            )
        return out.reshape(())

    def gradient(params: Params, idx: Batch) -> tuple[Grads, float]:
        v = value(params, idx)
        grads = torch.autograd.grad(v, [named[k] for k in params], allow_unused=True)
        return grads, float(v.detach())

    return value, gradient
