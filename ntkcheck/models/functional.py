"""Module -> pure function: the one bridge between ``torch.nn`` and ``torch.func``.

Every kernel and dynamics routine works on a :class:`FunctionalModel`, i.e. a pure
``fn(params, x) -> (N, O)`` plus the trainable ``params`` it differentiates. Parameters with
``requires_grad=False`` and buffers are held fixed (closed over), as in the GAN generator's V.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.func import functional_call

from ntkcheck.errors import CrossExampleCouplingError, InvalidInputError
from ntkcheck.validation import check_finite

Params = dict[str, torch.Tensor]
PureFn = Callable[[Params, torch.Tensor], torch.Tensor]
ModelLike = nn.Module | tuple[PureFn, Mapping[str, torch.Tensor]]


@dataclass(frozen=True)
class FunctionalModel:
    """A model as a pure function of its trainable parameters.

    Attributes:
        fn: ``fn(params, x)`` with ``x: (N, ...)`` returning ``(N, O)`` (outputs flattened).
        params: the trainable parameters, detached from the module, keyed by name.
        module: the source module, or None when built from an ``(f, params)`` pair.
    """

    fn: PureFn
    params: Params
    module: nn.Module | None = None
    fixed: Params = field(default_factory=dict)

    @property
    def dtype(self) -> torch.dtype:
        return next(iter(self.params.values())).dtype

    @property
    def num_params(self) -> int:
        return sum(p.numel() for p in self.params.values())

    def __call__(self, x: torch.Tensor, params: Params | None = None) -> torch.Tensor:
        return self.fn(self.params if params is None else params, x)


def functionalize(model: ModelLike, params: Iterable[str] | None = None) -> FunctionalModel:
    """Turn ``model`` into a :class:`FunctionalModel`.

    Args:
        model: an ``nn.Module`` mapping ``(N, ...) -> (N,)`` or ``(N, O...)``, or a pair
            ``(f, params)`` with ``f(params, x)`` of the same shapes.
        params: names of the parameters to differentiate (a subset); default: every parameter
            with ``requires_grad=True``.
    """
    if isinstance(params, str):
        raise InvalidInputError(
            f"`params` must be a list of parameter names, got the string {params!r}. Pass "
            f"params=[{params!r}]."
        )
    if isinstance(model, FunctionalModel):
        return model if params is None else _select(model, params)
    if isinstance(model, nn.Module):
        return _from_module(model, params)
    if isinstance(model, tuple) and len(model) == 2 and callable(model[0]):
        f, p = model
        if not isinstance(p, Mapping) or not p:
            raise InvalidInputError(
                "An (f, params) pair needs params as a non-empty dict name -> tensor, got "
                f"{type(p).__name__}. Pass e.g. (f, dict(module.named_parameters()))."
            )
        all_params = {k: v.detach() for k, v in p.items()}
        for k, v in all_params.items():
            check_finite(f"params[{k!r}]", v, "Pass finite parameter values.")
        fm = FunctionalModel(fn=_flattening(f), params=all_params, module=None)
        return fm if params is None else _select(fm, params)
    raise InvalidInputError(
        f"`model` must be an nn.Module or an (f, params) pair, got {type(model).__name__}."
    )


def _from_module(module: nn.Module, names: Iterable[str] | None) -> FunctionalModel:
    named = dict(module.named_parameters())
    if names is None:
        chosen = [k for k, v in named.items() if v.requires_grad]
    else:
        chosen = list(names)
        unknown = [k for k in chosen if k not in named]
        if unknown:
            raise InvalidInputError(
                f"`params` names {unknown} are not parameters of {type(module).__name__}; "
                f"valid names: {sorted(named)}."
            )
    if not chosen:
        raise InvalidInputError(
            f"{type(module).__name__} has no trainable parameters (all requires_grad=False). "
            "Pass params=[...] to choose which parameters the kernel differentiates."
        )
    trainable = {k: named[k].detach() for k in chosen}
    fixed = {k: v.detach() for k, v in named.items() if k not in trainable}
    fixed.update(dict(module.named_buffers()))
    for k, v in {**trainable, **fixed}.items():
        if v.is_floating_point():
            check_finite(
                f"parameter {k!r} of {type(module).__name__}",
                v,
                "The model diverged or was initialized badly; re-initialize it or restore a "
                "checkpoint before computing the kernel.",
            )
    check_no_batch_coupling_modules(module)

    def fn(p: Params, x: torch.Tensor) -> torch.Tensor:
        return functional_call(module, ({**fixed, **p},), (x,))

    return FunctionalModel(fn=_flattening(fn), params=trainable, module=module, fixed=fixed)


def _select(fm: FunctionalModel, names: Iterable[str]) -> FunctionalModel:
    names = list(names)
    unknown = [k for k in names if k not in fm.params]
    if unknown:
        raise InvalidInputError(f"`params` names {unknown} unknown; valid: {sorted(fm.params)}.")
    rest = {k: v for k, v in fm.params.items() if k not in names}
    inner = fm.fn

    def fn(p: Params, x: torch.Tensor) -> torch.Tensor:
        return inner({**rest, **p}, x)

    return FunctionalModel(
        fn=fn,
        params={k: fm.params[k] for k in names},
        module=fm.module,
        fixed={**fm.fixed, **rest},
    )


def _flattening(f: PureFn) -> PureFn:
    """Wrap ``f`` so its output is always (N, O)."""

    def fn(p: Params, x: torch.Tensor) -> torch.Tensor:
        out = f(p, x)
        if not isinstance(out, torch.Tensor):
            raise InvalidInputError(
                f"The model must return one tensor of outputs (N, ...), got {_describe(out)}. "
                "Wrap it so that it returns the tensor you want the kernel of, e.g. an nn.Module "
                "whose forward is `return model(x)[0]` (or `model(x)['logits']`)."
            )
        if out.ndim == 0 or out.shape[0] != x.shape[0]:
            raise InvalidInputError(
                f"The model must return one output row per example: input batch {x.shape[0]}, "
                f"output shape {tuple(out.shape)}. Models that reduce over the batch (a loss, a "
                "mean) have no per-example NTK; return per-example outputs."
            )
        return out.reshape(out.shape[0], -1)

    return fn


def _describe(out: object) -> str:
    """'a tuple of (Tensor, Tensor)', "a dict with keys ['a']", 'a float'."""
    if isinstance(out, (tuple, list)):
        return f"a {type(out).__name__} of ({', '.join(type(v).__name__ for v in out)})"
    if isinstance(out, Mapping):
        return f"a {type(out).__name__} with keys {list(out)}"
    return f"a {type(out).__name__}"


_COUPLING_TYPES = (nn.modules.batchnorm._BatchNorm, nn.GroupNorm)


def check_no_batch_coupling_modules(module: nn.Module) -> None:
    """Raise for modules known to mix examples: BatchNorm in training mode, train-mode Dropout.

    (GroupNorm is per example and is fine; it is excluded explicitly.)
    """
    for name, sub in module.named_modules():
        if isinstance(sub, nn.modules.batchnorm._BatchNorm) and sub.training:
            raise CrossExampleCouplingError(
                f"Submodule {name or type(module).__name__!r} is {type(sub).__name__} in training "
                "mode: its output on one example depends on the whole batch, so the per-example "
                "NTK is undefined. Call model.eval() (uses running statistics) before computing "
                "the kernel."
            )
        if isinstance(sub, nn.modules.dropout._DropoutNd) and sub.training and sub.p > 0:
            raise CrossExampleCouplingError(
                f"Submodule {name!r} is {type(sub).__name__}(p={sub.p}) in training mode: the "
                "model is random, so its Jacobian is not a function of the parameters. Call "
                "model.eval() before computing the kernel."
            )


def probe_batch_coupling(
    fm: FunctionalModel,
    x: torch.Tensor,
    *,
    first: torch.Tensor | None = None,
    rtol: float = 1e-10,
) -> None:
    """Detect cross-example coupling numerically on up to k = 4 rows of ``x``.

    Three batches: row 0 alone (``first``, i.e. ``fm(x[:1])``, when the caller has it), the
    rows x[:k], and the same rows rotated by one with the former row 0 moved by 1, i.e.
    (x_1, …, x_{k−1}, x_0 + 1). A per-example model gives row 0 the same output alone as in
    the batch, and every other row the same output whatever its position and companions; the
    rotation also changes every row's neighbours. Raises :class:`CrossExampleCouplingError`
    with the evidence.
    """
    k = min(int(x.shape[0]), 4)
    xs = x[:k]
    with torch.no_grad():
        alone = fm(xs[:1]) if first is None else first.detach()
        if k < 2:
            return
        out = fm(xs)
        scale = out.abs().max().clamp_min(1e-300)
        err = float((out[:1] - alone).abs().max() / scale)
        if not err <= rtol * 1e4:
            raise CrossExampleCouplingError(
                f"The model's output on an example changes with the rest of the batch (relative "
                f"difference {err:.2e} between batched and one-at-a-time outputs). The NTK needs "
                "per-example outputs: remove batch statistics (BatchNorm in train mode, "
                "batch-mean layers) or call model.eval()."
            )
        moved = torch.cat([xs[1:], xs[:1] + 1.0])
        shift = float((fm(moved)[:-1] - out[1:]).abs().max() / scale)
        if not shift <= rtol * 1e4:
            raise CrossExampleCouplingError(
                f"Changing example 0 (and the order of the batch) changed the outputs of other "
                f"examples (relative change {shift:.2e}): the model couples examples. Remove "
                "cross-example operations (batch statistics, attention over the batch) before "
                "computing the NTK."
            )
