"""A model's structure: what its per-architecture analyses depend on, and the checks cached on it.

Two analyses run forward (and backward) passes whose answers are properties of the architecture,
not of the parameter or input values: the coverage probe of the structured path
(:mod:`~ntkcheck.kernels.coverage`) and the checks every kernel call starts with (the model
applies to the inputs, how many outputs it has, no cross-example coupling: :func:`check_model`).
For small models they cost more than the kernel. Both are cached under :func:`structure_key`: the
module tree's repr, each submodule's class and plain attributes (training flags, sizes,
activation names, dropout rates), every parameter's and buffer's name, shape, dtype, device and
trainability, tying, the differentiated subset, and the inputs' example shape, dtype and device;
the checks also per module object. A change to any of these (``model.train()``, a new layer,
another dtype) is a new key, so the analysis runs again. Not seen: configuration held outside
plain attributes (inside a dict or a global), which a forward should not branch on.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

import torch
from torch import nn

from ntkcheck.errors import InvalidInputError
from ntkcheck.models.functional import FunctionalModel, probe_batch_coupling

# Rows of the coupling probe (probe_batch_coupling looks at up to 4); part of the check's key.
_COUPLING_ROWS = 4
_CHECKED_PER_MODULE = 16


def structure_key(fm: FunctionalModel, x: torch.Tensor) -> tuple | None:
    """The key of ``fm``'s architecture applied to inputs like ``x`` (None for an ``(f,
    params)`` pair: a function has no inspectable structure, its analyses are never cached)."""
    if fm.module is None:
        return None
    first: dict[int, int] = {}
    params = tuple(
        (name, tuple(p.shape), p.dtype, p.device, p.requires_grad, first.setdefault(id(p), i))
        for i, (name, p) in enumerate(fm.module.named_parameters(remove_duplicate=False))
    )
    buffers = tuple((name, tuple(b.shape), b.dtype) for name, b in fm.module.named_buffers())
    config = tuple(
        (name, type(sub).__qualname__, _plain_attributes(sub))
        for name, sub in fm.module.named_modules()
    )
    return (
        repr(fm.module),
        config,
        params,
        buffers,
        tuple(sorted(fm.params)),
        tuple(x.shape[1:]),
        x.dtype,
        x.device,
    )


def _plain_attributes(module: nn.Module) -> tuple:
    """A module's configuration: its plain attributes (flags, sizes, names of callables), which
    together with the class decide how its forward uses the parameters."""
    out = []
    for k, v in sorted(vars(module).items()):
        if k.startswith("_") or isinstance(v, (torch.Tensor, nn.Module)):
            continue
        if isinstance(v, (bool, int, float, str, type(None))):
            out.append((k, v))
        elif callable(v):
            out.append((k, getattr(v, "__qualname__", type(v).__qualname__)))
        elif isinstance(v, tuple) and all(isinstance(e, (bool, int, float, str)) for e in v):
            out.append((k, v))
        else:
            out.append((k, type(v).__qualname__))
    return tuple(out)


# Per module object (weakly held: the entry dies with the module), key -> number of outputs.
_CHECKED: weakref.WeakKeyDictionary[nn.Module, OrderedDict[tuple, int]] = (
    weakref.WeakKeyDictionary()
)


def check_model(fm: FunctionalModel, name: str, x: torch.Tensor, key: tuple | None) -> int:
    """The number of outputs O of ``fm`` on inputs like ``x`` (the argument called ``name``),
    after checking that it applies to them and does not couple examples
    (:func:`~ntkcheck.models.functional.probe_batch_coupling`).

    Cached per module object and ``key`` (with the probe's row count: a probe on one row checks
    nothing, so it does not vouch for larger batches); an ``(f, params)`` pair is checked on
    every call.
    """
    rows = min(int(x.shape[0]), _COUPLING_ROWS)
    checked = _CHECKED.get(fm.module) if key is not None and fm.module is not None else None
    if checked is not None and (key, rows) in checked:
        return checked[(key, rows)]
    try:
        first = fm(x[:1])
    except InvalidInputError:
        raise
    except (RuntimeError, ValueError) as err:
        raise InvalidInputError(
            f"The model could not be applied to {name} of shape {tuple(x.shape)}: {err}. "
            "Pass inputs of shape (N, *input_shape) matching the model's first layer."
        ) from err
    probe_batch_coupling(fm, x, first=first)
    if key is not None and fm.module is not None:
        checked = _CHECKED.setdefault(fm.module, OrderedDict())
        checked[(key, rows)] = first.shape[1]
        if len(checked) > _CHECKED_PER_MODULE:
            checked.popitem(last=False)
    return first.shape[1]
