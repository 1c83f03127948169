"""Where trainable weights enter a model as dense products: the uses the structured NTK is built on.

A use is one product y = m · a Wᵀ (+ m_b · b) with a: (N, *E, in) and y: (N, *E, out): the batch
axis first, then any extra axes E (quadrature nodes, time steps, a set of latent codes) that the
same weight is applied along. One forward pass records two kinds:

- calls of ``nn.Linear`` / :class:`~ntkcheck.models.layers.Dense` modules (forward hooks; the
  multipliers m, m_b are read from the module);
- raw products of a trainable parameter outside such modules: ``a @ W.T``, ``a @ W``,
  ``torch.matmul``, ``torch.mm``, ``F.linear(a, W, b)`` (a ``TorchFunctionMode``), e.g. a
  generator ``tanh(z @ W.T) @ V.T``. Their group is named ``"@" + parameter name``.

Each recorded output is kept as its autograd edge (the caller makes the covered parameters
require grad): ``torch.autograd.grad`` w.r.t. the edge is the use's backprop signal g = ∂f/∂y,
computed without the weight gradients, and exact even if the output is later modified in place.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.graph import GradientEdge, get_gradient_edge
from torch.func import functional_call
from torch.overrides import TorchFunctionMode

from ntkcheck.errors import NTKCheckError
from ntkcheck.models.functional import FunctionalModel, Params
from ntkcheck.models.layers import Dense

SUPPORTED_LAYERS = (nn.Linear, Dense)
RAW = "@"  # group-name prefix of raw parameter products
_PRODUCTS = {torch.matmul, torch.mm, torch.Tensor.matmul, torch.Tensor.mm, F.linear}


@dataclass(frozen=True)
class DenseParam:
    """One trainable parameter of a use: its name, multiplier and role (weight or bias)."""

    name: str
    multiplier: float
    is_weight: bool


@dataclass(frozen=True)
class Record:
    """One use on a batch: a (N, E, in) detached, the output's autograd edge and its shape
    (N, *E[, out]). ``transposed``: the weight is stored (in, out) (``a @ W``), not (out, in).
    """

    group: str
    params: tuple[DenseParam, ...]
    a: torch.Tensor
    edge: GradientEdge
    shape: torch.Size
    transposed: bool = False

    @property
    def width(self) -> int:
        """out: the output entries per position (1 for a vector weight)."""
        return self.shape.numel() // (self.a.shape[0] * self.a.shape[1])

    def signal(self, grad: torch.Tensor | None) -> torch.Tensor:
        """∂f/∂y reshaped to (N, E, out); zeros where the output does not depend on the use."""
        if grad is None:
            grad = self.a.new_zeros(self.shape)
        return grad.reshape(self.a.shape[0], self.a.shape[1], self.width)


@dataclass
class Recording:
    """The outcome of one recorded forward pass."""

    out: torch.Tensor  # (N, O)
    records: list[Record]
    irregular: set[str]  # groups whose input was not (N, ..., in)
    flops: float  # multiply-adds ×2 of every dense product (recorded or not)
    saved_bytes: float  # batch-shaped tensors autograd keeps for the backward pass


def candidate_layers(fm: FunctionalModel) -> dict[str, tuple[DenseParam, ...]]:
    """Supported modules with at least one differentiated parameter -> those parameters."""
    assert fm.module is not None
    names = {id(p): name for name, p in fm.module.named_parameters()}
    layers: dict[str, tuple[DenseParam, ...]] = {}
    for mod_name, mod in fm.module.named_modules():
        if not isinstance(mod, SUPPORTED_LAYERS):
            continue
        w_mult = getattr(mod, "weight_multiplier", 1.0)
        b_mult = getattr(mod, "bias_multiplier", 1.0)
        params = []
        for attr, mult, is_weight in (("weight", w_mult, True), ("bias", b_mult, False)):
            p = getattr(mod, attr, None)
            if p is not None and names.get(id(p)) in fm.params:
                params.append(DenseParam(names[id(p)], float(mult), is_weight))
        if params:
            layers[mod_name] = tuple(params)
    return layers


def record_uses(
    fm: FunctionalModel,
    layers: dict[str, tuple[DenseParam, ...]],
    raw: set[str],
    x: torch.Tensor,
    params: Params,
    *,
    probe: bool = False,
) -> Recording:
    """Forward ``x`` recording every call of the modules in ``layers`` and every raw product of
    the parameters named in ``raw`` (``params`` holds the tensors the forward uses); with
    ``probe``, also the flops of every product and the bytes of the batch-shaped tensors
    autograd saves (else both are 0)."""
    assert fm.module is not None
    n = x.shape[0]
    records: list[Record] = []
    irregular: set[str] = set()
    tracker = _RawProducts(n, {id(params[k]): k for k in raw}, records, irregular)
    # The function mode sees every torch call of the forward in Python: enter it only when
    # there are raw products to record or flops to count.
    watching = tracker if raw or probe else contextlib.nullcontext()
    handles = []

    def enter(_mod: nn.Module, _inputs: tuple) -> None:
        tracker.inside += 1

    def make_hook(name: str):
        def hook(_mod: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
            tracker.inside -= 1
            a = inputs[0]
            if a.ndim < 2 or a.shape[0] != n:
                irregular.add(name)
            else:
                records.append(Record(name, layers[name], _rows(a), _edge(output), output.shape))
            return output

        return hook

    for name in layers:
        module = fm.module.get_submodule(name)
        handles.append(module.register_forward_pre_hook(enter))
        handles.append(module.register_forward_hook(make_hook(name)))
    saved: dict[tuple[int, int], int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        if t.ndim and t.shape[0] == n:
            saved[(t.data_ptr(), t.numel())] = t.numel() * t.element_size()
        return t

    counting = torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t)
    try:
        with watching, counting if probe else contextlib.nullcontext():
            out = functional_call(fm.module, ({**fm.fixed, **params},), (x,))
    finally:
        for h in handles:
            h.remove()
    return Recording(out.reshape(n, -1), records, irregular, tracker.flops, sum(saved.values()))


def _edge(output: torch.Tensor) -> GradientEdge:
    if not output.requires_grad:
        raise NTKCheckError(
            "A recorded dense output does not require grad; the structured path must be called "
            "with its covered parameters requiring grad."
        )
    return get_gradient_edge(output)


def _rows(a: torch.Tensor) -> torch.Tensor:
    """(N, *E, in) -> (N, E, in), detached."""
    return a.detach().reshape(a.shape[0], -1, a.shape[-1])


class _RawProducts(TorchFunctionMode):
    """Records ``a @ W.T``, ``a @ W`` and ``F.linear(a, W, b)`` for tracked parameters W (not
    inside a hooked module, whose call is recorded whole), and counts every product's flops."""

    def __init__(self, n, tracked, records, irregular) -> None:
        super().__init__()
        self.n, self.tracked = n, tracked
        self.records, self.irregular = records, irregular
        self.inside, self.flops = 0, 0.0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if func not in _PRODUCTS or len(args) < 2 or not isinstance(out, torch.Tensor):
            return out
        a, w = args[0], args[1]
        self.flops += 2.0 * out.numel() * (a.shape[-1] if a.ndim else 1)
        name, stored_as_given = self._parameter(w)
        if name is None or self.inside:
            return out
        # F.linear takes W as stored (out, in); a matmul takes Wᵀ, so W given as is means (in, out).
        transposed = stored_as_given != (func is F.linear)
        group = RAW + name
        if a.ndim < 2 or a.shape[0] != self.n:
            self.irregular.add(group)
            return out
        params = [DenseParam(name, 1.0, True)]
        bias = args[2] if len(args) > 2 else (kwargs or {}).get("bias")
        # An untracked bias is fixed (or left to the generic path): an offset, not a use.
        if func is F.linear and id(bias) in self.tracked:
            params.append(DenseParam(self.tracked[id(bias)], 1.0, False))
        record = Record(group, tuple(params), _rows(a), _edge(out), out.shape, transposed)
        self.records.append(record)
        return out

    def _parameter(self, w: object) -> tuple[str | None, bool]:
        """(name, True) if ``w`` is a tracked parameter, (name, False) if it is its transpose."""
        if not isinstance(w, torch.Tensor):
            return None, True
        if id(w) in self.tracked:
            return self.tracked[id(w)], True
        base = w._base
        if base is not None and id(base) in self.tracked and w.ndim == 2 and base.ndim == 2:
            if w.shape == base.shape[::-1] and w.stride() == base.stride()[::-1]:
                if w.storage_offset() == base.storage_offset():
                    return self.tracked[id(base)], False
        return None, True
