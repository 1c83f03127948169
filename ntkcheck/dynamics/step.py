"""What :func:`~ntkcheck.dynamics.loop.train` iterates: an update rule and the state it moves.

A :class:`Step` is built by :func:`~ntkcheck.dynamics.gradient.gd`,
:func:`~ntkcheck.dynamics.gradient.sgd` or :func:`~ntkcheck.dynamics.mean_matching.gda`, or directly
for any other rule (projected, preconditioned, a game, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ntkcheck.models.functional import FunctionalModel, Params

Update = Callable[[int, Params], tuple[Mapping[str, torch.Tensor], float]]
Hook = Callable[[int, Params], None]
KernelFn = Callable[[Params], "torch.Tensor | np.ndarray"]


@dataclass(frozen=True)
class Step:
    """An update rule θ_{t+1} = U(t, θ_t) with the state θ it updates **in place**.

    Attributes:
        update: ``update(t, state) -> (new_state, loss)``: the loss at ``state`` (before the
            update; for SGD the batch's) and the updated tensors, copied into ``state``.
        state: dict name -> tensor, the evolving tensors (a module's own parameters for
            :func:`gd`/:func:`sgd`, so the module ends at θ_T). Clone it to keep θ_0.
        objective: the recorded loss at a state (full data), e.g. (1/2n)‖f(θ, X) − y‖².
        after_step: ``after_step(t, state)`` after each update, e.g. a projection.
        steps_per_epoch: updates per pass over the data (1 for full-batch rules).
        settings: JSON description of the rule (algorithm, lr, batch size, ...), recorded.
        seed: the rule's seed (SGD batch order), recorded.
        model: the model the rule trains, for :func:`track_kernel`/:func:`track_linearized`.
        inputs: the training inputs X (n, ...), the kernel's default points.
        kernel: ``kernel(state) -> K``, the matrix :func:`track_kernel` records by default
            (K = Θ/n on X for gradient descent; J Jᵀ for GDA).
        kernel_n: n when ``kernel`` is K = Θ/n, else None.
        twin: ``twin(other) -> Step``: the same rule (data, loss, lr, batch order) on another
            model, e.g. the linearization; None when the rule cannot be transplanted.
        hint: how to avoid divergence, quoted in the divergence warning.
    """

    update: Update
    state: Params
    objective: Callable[[Params], float]
    after_step: Hook | None = None
    steps_per_epoch: int = 1
    settings: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None
    model: FunctionalModel | None = None
    inputs: torch.Tensor | None = None
    kernel: KernelFn | None = None
    kernel_n: int | None = None
    twin: Callable[[FunctionalModel], Step] | None = None
    hint: str = "lower the step size"
