"""Full-batch gradient descent and minibatch SGD with the lazy-training recorder.

Default objective: L(θ) = (1/2n)‖f(θ, X) − y‖² (kernels.md), for which K = Θ/n governs the
dynamics. The parameters are updated in place, as torch.optim does: an ``nn.Module`` ends at
θ_T, so hooks such as a flow's ``project_()`` always see the current parameters.

References: Jacot et al. 2018; Lee et al. 2019, "Wide neural networks of any depth evolve as
linear models under gradient descent"; Chizat et al. 2019, "On lazy training in differentiable
programming".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import torch
from torch import nn

from ntkcheck.dynamics.arguments import (
    batch_schedule,
    check_extra_inputs,
    check_kernel_options,
    check_lr,
    check_targets,
    checkpoints,
)
from ntkcheck.dynamics.linearized import linearize
from ntkcheck.dynamics.recorder import Hook, Observable, Recorder, drive
from ntkcheck.dynamics.tracking import LinearizedRun, ntk_gram
from ntkcheck.dynamics.trajectory import Trajectory
from ntkcheck.errors import InvalidInputError
from ntkcheck.models.functional import FunctionalModel, ModelLike, Params, functionalize
from ntkcheck.validation import check_finite, check_inputs, check_positive_int

OutputLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
ModelLoss = Callable[[nn.Module, Any], torch.Tensor]
Update = Callable[[Params, torch.Tensor | None], tuple[Params, float]]


def mse_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """(1/2n)‖f − y‖² over a batch of n rows; outputs and targets of equal shape (n, ...)."""
    return 0.5 * (outputs - targets).pow(2).sum() / outputs.shape[0]


def train(
    model: ModelLike,
    X: torch.Tensor,  # noqa: N803
    y: torch.Tensor | None = None,
    *,
    lr: float,
    steps: int,
    batch_size: int | None = None,
    seed: int | None = None,
    loss: OutputLoss | None = None,
    model_loss: ModelLoss | None = None,
    after_step: Hook | None = None,
    record_every: int | None = None,
    record_steps: Sequence[int] | None = None,
    track_kernel: bool = False,
    kernel_inputs: torch.Tensor | None = None,
    kernel_options: Mapping[str, Any] | None = None,
    track_linearized: bool = False,
    gap_inputs: torch.Tensor | None = None,
    operator_norms: bool = True,
    observe: Mapping[str, Observable] | None = None,
    config: Mapping[str, Any] | None = None,
    divergence_factor: float = 1e12,
) -> Trajectory:
    """Train ``model`` by GD (``batch_size=None``) or SGD and record a :class:`Trajectory`.

    θ ← θ − η ∇L_B(θ) with L_B the loss on the step's batch. SGD draws a fresh permutation of
    the n examples each epoch from ``torch.Generator().manual_seed(seed)`` and cuts it into
    batches of ``batch_size`` (the last one may be smaller).

    Args:
        model: ``nn.Module``, ``(f, params)`` pair or :class:`FunctionalModel`; its trainable
            parameters are **updated in place**.
        X: (n, ...) inputs, n >= 2. y: targets (n,) or (n, O); may be None with ``model_loss``.
        lr: learning rate η > 0 (on the linear model GD is stable iff η·λ_max(K) < 2).
        steps: number of updates T. seed: the minibatch seed (required for SGD), recorded.
        loss: ``loss(outputs, targets)`` on a batch, default :func:`mse_loss`; outputs come
            reshaped to the targets' shape when they have as many entries, else as (B, O).
        model_loss: instead of ``loss``, ``model_loss(module, batch)`` with batch = X_B (or
            (X_B, y_B) when y is given), e.g. ``lambda flow, x: flow.nll(x)``.
        after_step: ``after_step(t, params)`` after each update, e.g.
            ``lambda t, p: flow.project_()`` for projected GD.
        record_every: record every this many steps (0 and T always included).
        record_steps: explicit checkpoints instead (0 and T always included; default only
            those two).
        track_kernel: record K_t = Θ_t/n_k on ``kernel_inputs`` (default X, n_k rows): drift,
            λ_min(K_t), K_0 and K_T. ``kernel_options`` go to ``empirical_ntk`` (``method``,
            ``block_size``, ``memory_budget``).
        track_linearized: train f^lin (:func:`linearize` at θ_0) with the same steps and
            batches; record its loss and the gap ‖f_t − f_t^lin‖/‖f_t − f_0‖ on ``gap_inputs``
            (default X). Needs an output loss and no ``after_step``.
        operator_norms: record per-layer operator norms (costly at large width).
        observe: name -> scalar function of the parameters, recorded at checkpoints.
        config: JSON data describing the run (width, depth, ...), stored verbatim.
        divergence_factor: stop when the loss exceeds this multiple of |L(θ_0)|.

    Divergence stops training with :class:`~ntkcheck.errors.DivergenceWarning` and
    ``diverged_at = (step, loss)``; the checkpoints before it are kept.

    References: Lee et al. 2019; Chizat et al. 2019; kernels.md "Lazy training".
    """
    fm = functionalize(model)
    state = _live_parameters(fm)
    X = check_inputs("X", X, dtype=fm.dtype)  # noqa: N806
    n = int(X.shape[0])
    if n < 2:
        raise InvalidInputError(
            f"`X` has {n} example; a training run needs n >= 2 (the relative distances, the "
            "kernel drift and λ_min(K) are degenerate on one point). Pass more data."
        )
    lr = check_lr(lr)
    steps = check_positive_int("steps", steps, "Pass the number of updates, e.g. steps=100.")
    batches = batch_schedule(n, batch_size, seed)
    if model_loss is not None:
        update, objective = _model_loss_update(fm, state, X, y, model_loss, lr, loss)
        if track_linearized:
            raise InvalidInputError(
                "track_linearized=True needs an output loss (the default MSE or `loss=`): the "
                "linearization is of the model's outputs, which `model_loss` does not expose."
            )
    else:
        y = check_targets(fm, state, X, y, loss)
        update, objective = _output_update(fm.fn, X, y, loss or mse_loss, lr)
    lin = None
    if track_linearized:
        if after_step is not None:
            raise InvalidInputError(
                "track_linearized=True compares with unconstrained GD on f^lin, but an "
                "`after_step` hook (a projection) changes the network's algorithm. Drop one."
            )
        lin_fm = linearize(replace(fm, params=state))
        gap_x = X if gap_inputs is None else check_extra_inputs("gap_inputs", gap_inputs, X)
        lin_update, lin_objective = _output_update(lin_fm.fn, X, y, loss or mse_loss, lr)
        lin = LinearizedRun(fm.fn, lin_fm, lin_update, lin_objective, gap_x, state)
    kernel, n_k = None, None
    if track_kernel:
        kx = X if kernel_inputs is None else check_extra_inputs("kernel_inputs", kernel_inputs, X)
        options = check_kernel_options(kernel_options)
        n_k = int(kx.shape[0])

        def kernel(params: Params) -> torch.Tensor:
            return ntk_gram(replace(fm, params=params), kx, options) / n_k

    def step(t: int, params: Params) -> tuple[Params, float]:
        idx = next(batches)
        if lin is not None:
            lin.update(idx)
        return update(params, idx)

    recorder = Recorder(
        theta0={k: v.detach().clone() for k, v in state.items()},
        operator_norms=operator_norms,
        kernel=kernel,
        kernel_n=n_k,
        observe=dict(observe or {}),
        companion=lin,
    )
    settings = {
        "algorithm": "gd" if batch_size in (None, n) else "sgd",
        "lr": lr,
        "steps": steps,
        "n": n,
        "batch_size": n if batch_size is None else batch_size,
        "loss": _name(model_loss or loss or mse_loss),
        "track_kernel": track_kernel,
        "kernel_n": n_k,
        "track_linearized": track_linearized,
        "operator_norms": operator_norms,
        "divergence_factor": divergence_factor,
    }
    return drive(
        step,
        state,
        steps=steps,
        objective=objective,
        checkpoints=checkpoints(steps, record_every, record_steps),
        recorder=recorder,
        after_step=after_step,
        config=config,
        settings=settings,
        seed=seed,
        divergence_factor=divergence_factor,
        hint=f"lower the learning rate (lr={lr:g}); for the MSE, lr = 1/λ_max(K(θ_0)) is stable",
    )


def _live_parameters(fm: FunctionalModel) -> Params:
    """Tensors sharing storage with the module's parameters (or the pair's own tensors)."""
    if fm.module is not None:
        named = dict(fm.module.named_parameters())
        if all(k in named for k in fm.params):
            return {k: named[k].detach() for k in fm.params}
    return dict(fm.params)


def _output_update(
    fn: Callable[[Params, torch.Tensor], torch.Tensor],
    X: torch.Tensor,  # noqa: N803
    y: torch.Tensor,
    loss: OutputLoss,
    lr: float,
) -> tuple[Update, Callable[[Params], float]]:
    def value(params: Params, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        out = fn(params, xb)
        return loss(out.reshape(yb.shape) if out.numel() == yb.numel() else out, yb)

    def update(params: Params, idx: torch.Tensor | None) -> tuple[Params, float]:
        xb, yb = (X, y) if idx is None else (X[idx], y[idx])
        # Reverse-mode autograd on fresh leaves: same gradient as torch.func.grad, several
        # times less per-call overhead on the small batches of these experiments.
        leaves = {k: v.detach().requires_grad_(True) for k, v in params.items()}
        with torch.enable_grad():
            v = value(leaves, xb, yb)
        grads = torch.autograd.grad(v, list(leaves.values()), allow_unused=True)
        return _descend(params, grads, lr), float(v.detach())

    def objective(params: Params) -> float:
        with torch.no_grad():
            return float(value(params, X, y))

    return update, objective


def _descend(params: Params, grads: Sequence[torch.Tensor | None], lr: float) -> Params:
    """θ − η∇L; a parameter the loss does not depend on (gradient None) stays put."""
    return {k: params[k] if g is None else params[k] - lr * g for (k, g) in zip(params, grads)}


def _model_loss_update(
    fm: FunctionalModel,
    state: Params,
    X: torch.Tensor,  # noqa: N803
    y: torch.Tensor | None,
    model_loss: ModelLoss,
    lr: float,
    loss: OutputLoss | None,
) -> tuple[Update, Callable[[Params], float]]:
    if loss is not None or fm.module is None:
        raise InvalidInputError(
            "`model_loss(module, batch)` needs an nn.Module and excludes `loss`; got "
            f"{'both losses' if loss is not None else 'an (f, params) pair'}. Pass "
            "loss=callable(outputs, targets) for a pure function."
        )
    module = fm.module
    named = dict(module.named_parameters())
    frozen = [k for k in state if not named[k].requires_grad]
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

    def batch(idx: torch.Tensor | None) -> Any:
        xb = X if idx is None else X[idx]
        return xb if y is None else (xb, y if idx is None else y[idx])

    def scalar(b: Any) -> torch.Tensor:
        value = model_loss(module, b)
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            raise InvalidInputError(
                f"`model_loss` must return a scalar tensor, got {value!r:.80}. Reduce over the "
                "batch, e.g. return flow.nll(x) (a mean)."
            )
        return value.reshape(())

    def update(params: Params, idx: torch.Tensor | None) -> tuple[Params, float]:
        value = scalar(batch(idx))
        grads = torch.autograd.grad(value, [named[k] for k in params], allow_unused=True)
        return _descend(params, grads, lr), float(value.detach())

    def objective(params: Params) -> float:
        with torch.no_grad():
            return float(scalar(batch(None)))

    return update, objective


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", type(fn).__name__)
