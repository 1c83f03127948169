"""Gradient descent and minibatch SGD as :class:`~ntkcheck.dynamics.step.Step` rules.

Default objective: L(θ) = (1/2n)‖f(θ, X) − y‖² (docs/conventions.md), for which K = Θ/n governs
the dynamics. The parameters are updated in place, as torch.optim does: an ``nn.Module`` ends at
θ_T, so hooks such as a flow's ``project_()`` always see the current parameters.

References: Jacot et al. 2018; Lee et al. 2019, "Wide neural networks of any depth evolve as
linear models under gradient descent".
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any, Literal

import numpy as np
import torch

from ntkcheck.device import CPU
from ntkcheck.dynamics.arguments import (
    Batch,
    Gradient,
    Grads,
    ModelLoss,
    OutputLoss,
    Value,
    check_lr,
    check_targets,
    functional_state,
    module_loss,
)
from ntkcheck.dynamics.step import Hook, Step
from ntkcheck.errors import InvalidInputError
from ntkcheck.models.functional import FunctionalModel, ModelLike, Params
from ntkcheck.validation import check_inputs, check_positive_int

BatchOrder = Literal["epoch", "dataloader"]


def mse_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """(1/2n)‖f − y‖² over a batch of n rows; outputs and targets of equal shape (n, ...)."""
    return 0.5 * (outputs - targets).pow(2).sum() / outputs.shape[0]


def gd(
    model: ModelLike,
    X: torch.Tensor,  # noqa: N803
    y: torch.Tensor | None = None,
    *,
    lr: float,
    loss: OutputLoss | None = None,
    model_loss: ModelLoss | None = None,
    after_step: Hook | None = None,
) -> Step:
    """Full-batch gradient descent θ ← θ − η ∇L(θ) on ``model``'s trainable parameters.

    Args:
        model: ``nn.Module``, ``(f, params)`` pair or :class:`FunctionalModel`; its trainable
            parameters are **updated in place** by :func:`train`.
        X: (n, ...) inputs, n >= 2. y: targets (n,) or (n, O); may be None with ``model_loss``.
        lr: learning rate η > 0 (on the linear model GD is stable iff η·λ_max(K) < 2).
        loss: ``loss(outputs, targets)``, default :func:`mse_loss`; outputs come reshaped to
            the targets' shape when they have as many entries, else as (B, O).
        model_loss: instead of ``loss``, ``model_loss(module, batch)`` with batch = X_B (or
            (X_B, y_B) when y is given), e.g. ``lambda flow, x: flow.nll(x)``.
        after_step: ``after_step(t, params)`` after each update, e.g.
            ``lambda t, p: flow.project_()`` for projected GD.

    References: Lee et al. 2019, "Wide neural networks of any depth evolve as linear models
    under gradient descent".
    """
    return _descent(model, X, y, lr, loss, model_loss, after_step, None, None, "epoch")


def sgd(
    model: ModelLike,
    X: torch.Tensor,  # noqa: N803
    y: torch.Tensor | None = None,
    *,
    lr: float,
    batch_size: int,
    seed: int,
    order: BatchOrder = "epoch",
    loss: OutputLoss | None = None,
    model_loss: ModelLoss | None = None,
    after_step: Hook | None = None,
) -> Step:
    """Minibatch SGD θ ← θ − η ∇L_B(θ), L_B the loss on the step's batch; arguments as :func:`gd`.

    Batch order: each epoch is one permutation of the n rows, cut into consecutive batches of
    ``batch_size`` (the last may be smaller), ⌈n/batch_size⌉ steps per epoch. The permutations
    are drawn in sequence from ``torch.Generator().manual_seed(seed)`` (no global RNG):

    - ``order="epoch"``: one ``torch.randperm(n, generator=g)`` per epoch;
    - ``order="dataloader"``: the order of ``DataLoader(TensorDataset(X), batch_size,
      shuffle=True, generator=torch.Generator().manual_seed(seed))``, which also draws a worker
      base seed and a discarded permutation per epoch (to match a plain torch loop).

    ``batch_size = n`` is full-batch GD (rows in their order).
    """
    check_positive_int("batch_size", batch_size, "Pass a batch size, e.g. batch_size=32.")
    return _descent(model, X, y, lr, loss, model_loss, after_step, batch_size, seed, order)


def _descent(
    model: ModelLike,
    X: torch.Tensor,  # noqa: N803
    y: torch.Tensor | None,
    lr: float,
    loss: OutputLoss | None,
    model_loss: ModelLoss | None,
    after_step: Hook | None,
    batch_size: int | None,
    seed: int | None,
    order: BatchOrder,
    skip: int = 0,
) -> Step:
    fm, state = functional_state(model)
    X = check_inputs("X", X, dtype=fm.dtype)  # noqa: N806
    n = int(X.shape[0])
    if n < 2:
        raise InvalidInputError(
            f"`X` has {n} example; a training run needs n >= 2 (the relative distances, the "
            "kernel drift and λ_min(K) are degenerate on one point). Pass more data."
        )
    lr = check_lr(lr)
    new_batches = _batch_order(n, batch_size, seed, order)
    if model_loss is not None:
        value, gradient = module_loss(fm, X, y, model_loss, loss)
    else:
        y = check_targets(fm, state, X, y, loss)
        own = _own_parameters(fm, state)
        value = _output_value(fm, X, y, loss or mse_loss, own)
        gradient = _leaf_gradient(value, own)
    batches, taken = itertools.islice(new_batches(), skip, None), [skip]

    def update(t: int, params: Params) -> tuple[Params, float]:
        taken[0] += 1
        grads, v = gradient(params, next(batches))
        return _descend(params, grads, lr), v

    def objective(params: Params) -> float:
        with torch.no_grad():
            return float(value(params, None))

    def twin(other: FunctionalModel) -> Step:
        if model_loss is not None or after_step is not None:
            raise InvalidInputError(
                "The linearized model is trained with the same unconstrained GD/SGD on an "
                "output loss; this rule has "
                + ("`model_loss`" if model_loss is not None else "an `after_step` hook")
                + ". Use the default MSE or `loss=`, without `after_step`, or drop the "
                "linearized instrument."
            )
        # The same rule and batches as the network, from the step the network has reached.
        return _descent(other, X, y, lr, loss, None, None, batch_size, seed, order, taken[0])

    full = batch_size in (None, n)
    settings = {
        "algorithm": "gd" if full else "sgd",
        "lr": lr,
        "n": n,
        "batch_size": n if batch_size is None else batch_size,
        "order": None if full else order,
        "loss": _name(model_loss or loss or mse_loss),
    }
    return Step(
        update=update,
        state=state,
        objective=objective,
        after_step=after_step,
        steps_per_epoch=1 if full else -(-n // batch_size),
        settings=settings,
        seed=seed,
        model=fm,
        inputs=X,
        twin=twin,
        hint=f"lower the learning rate (lr={lr:g}); for the MSE, lr = 1/λ_max(K(θ_0)) is stable",
    )


def _own_parameters(fm: FunctionalModel, state: Params) -> Params | None:
    """The module's own parameters when ``state`` holds views of them (an ``nn.Module``
    trained in place, :func:`functional_state`), else None."""
    if fm.module is None:
        return None
    named = dict(fm.module.named_parameters())
    own = {k: named.get(k) for k in state}
    return own if _views_of(state, own) else None


def _views_of(params: Params, own: Params) -> bool:
    """``params`` are the module's parameters themselves (same storage, shape and strides)."""
    return params.keys() == own.keys() and all(
        p is not None
        and o is not None
        and p.data_ptr() == o.data_ptr()
        and p.shape == o.shape
        and p.stride() == o.stride()
        for p, o in ((params[k], own[k]) for k in params)
    )


def _output_value(
    fm: FunctionalModel,
    X: torch.Tensor,  # noqa: N803
    y: torch.Tensor,
    loss: OutputLoss,
    own: Params | None,
) -> Value:
    module = fm.module

    def value(params: Params, idx: Batch) -> torch.Tensor:
        xb, yb = (X, y) if idx is None else (X[idx], y[idx])
        if own is not None and _views_of(params, own):
            # The module at its own parameters: the same forward as functional_call, without
            # its per-call parameter swapping (most of a small network's step).
            raw = module(xb)
            out = raw.reshape(raw.shape[0], -1)
        else:
            out = fm.fn(params, xb)
        return loss(out.reshape(yb.shape) if out.numel() == yb.numel() else out, yb)

    return value


def _leaf_gradient(value: Value, own: Params | None) -> Gradient:
    def gradient(params: Params, idx: Batch) -> tuple[Grads, float]:
        if own is not None and _views_of(params, own):
            with torch.enable_grad():
                v = value(params, idx)
            grads = torch.autograd.grad(v, [own[k] for k in params], allow_unused=True)
            return grads, float(v.detach())
        # Reverse-mode autograd on fresh leaves: same gradient as torch.func.grad, several
        # times less per-call overhead on the small batches of these experiments.
        leaves = {k: v.detach().requires_grad_(True) for k, v in params.items()}
        with torch.enable_grad():
            v = value(leaves, idx)
        return torch.autograd.grad(v, list(leaves.values()), allow_unused=True), float(v.detach())

    return gradient


def _descend(params: Params, grads: Grads, lr: float) -> Params:
    """θ − η∇L; a parameter the loss does not depend on (gradient None) stays put."""
    return {k: params[k] if g is None else params[k] - lr * g for (k, g) in zip(params, grads)}


def _batch_order(
    n: int, batch_size: int | None, seed: int | None, order: BatchOrder
) -> Callable[[], Iterator[Batch]]:
    """A factory of identical batch schedules (one for the network, one per twin)."""
    if batch_size is None or batch_size == n:
        return lambda: itertools.repeat(None)
    if batch_size > n:
        raise InvalidInputError(
            f"`batch_size` must be in [1, n={n}], got {batch_size}. Use gd(...) for "
            "full-batch gradient descent."
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InvalidInputError(
            f"SGD (batch_size={batch_size} < n={n}) needs an integer `seed` for the batch "
            f"order, got {seed!r}. Pass e.g. seed=0 (ntkcheck never uses the global RNG)."
        )
    if order not in ("epoch", "dataloader"):
        raise InvalidInputError(
            f"`order` must be 'epoch' or 'dataloader', got {order!r}. 'dataloader' follows "
            "torch's DataLoader(shuffle=True, generator=torch.Generator().manual_seed(seed))."
        )
    return lambda: _epochs(n, batch_size, int(seed), order)


def _epochs(n: int, batch_size: int, seed: int, order: BatchOrder) -> Iterator[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    while True:
        if order == "dataloader":  # the DataLoader iterator's base seed, drawn first
            torch.empty((), dtype=torch.int64).random_(generator=gen)
        perm = torch.randperm(n, generator=gen, device=CPU)
        if order == "dataloader":  # RandomSampler's trailing (empty) partial permutation
            torch.randperm(n, generator=gen, device=CPU)
        for start in range(0, n, batch_size):
            yield perm[start : start + batch_size]


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", type(fn).__name__)
