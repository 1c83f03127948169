"""Which trainable parameters the structured NTK formula computes exactly, decided by a probe.

A parameter is covered when every way it enters the model is a recorded use
(:mod:`~ntkcheck.kernels.uses`) whose rows belong to one example each. The probe checks both on
a few rows: the per-example gradients rebuilt from the uses (Σ_rows gᵀ a) must sum to the
autograd gradient (this catches weights also used outside a product: tying across a transposed
use, custom ops), and no use's row 0 may reach another example's output (this catches layers
applied along a non-batch first axis that happens to have N entries). The answer depends only on
the architecture, so it is cached under a structural key.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import torch

from ntkcheck.kernels.generic import vmaps
from ntkcheck.kernels.structure import structure_key
from ntkcheck.kernels.uses import RAW, DenseParam, candidate_layers, record_uses
from ntkcheck.models.functional import FunctionalModel


@dataclass(frozen=True)
class Coverage:
    """Covered parameters per group (a module name, or ``"@" + name`` for raw products).

    ``sizes``: group -> (in, out, positions), positions = uses per example times the entries of
    their extra axes (1 for a dense layer called once on (N, in)). ``forward_flops``: flops of
    the dense products of one example's forward pass (0 when no probe ran). ``loops``: vmap
    cannot trace the forward, so the generic Jacobian path loops over examples.
    ``activation_bytes``: what autograd keeps per example for the backward pass.
    """

    layers: dict[str, tuple[DenseParam, ...]]
    fallback: tuple[str, ...]
    sizes: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    forward_flops: float = 0.0
    loops: bool = False
    activation_bytes: float = 0.0

    @property
    def covered(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.name for ps in self.layers.values() for p in ps))

    @property
    def modules(self) -> dict[str, tuple[DenseParam, ...]]:
        """The groups that are module calls (recorded by hooks)."""
        return {k: v for k, v in self.layers.items() if not k.startswith(RAW)}

    @property
    def raw(self) -> set[str]:
        """Names of the parameters whose raw products are recorded."""
        return {p.name for k, ps in self.layers.items() if k.startswith(RAW) for p in ps}


_COVERAGE_CACHE: OrderedDict[tuple, Coverage] = OrderedDict()
_COVERAGE_CACHE_SIZE = 64


def dense_coverage(
    fm: FunctionalModel, x_probe: torch.Tensor, key: tuple | None = None
) -> Coverage:
    """:func:`probe_coverage`, cached per architecture.

    The probe forms a width × width gradient per layer, which costs more than the kernel itself
    at large width; the key is :func:`~ntkcheck.kernels.structure.structure_key` (``key``, if
    the caller has it for inputs shaped as ``x_probe``) and whether the probe had more than one
    row (row locality is checked only then).
    """
    if fm.module is None:
        return Coverage({}, tuple(fm.params))
    key = (structure_key(fm, x_probe) if key is None else key, x_probe.shape[0] > 1)
    if key in _COVERAGE_CACHE:
        _COVERAGE_CACHE.move_to_end(key)
        return _COVERAGE_CACHE[key]
    cov = probe_coverage(fm, x_probe)
    _COVERAGE_CACHE[key] = cov
    if len(_COVERAGE_CACHE) > _COVERAGE_CACHE_SIZE:
        _COVERAGE_CACHE.popitem(last=False)
    return cov


def probe_coverage(fm: FunctionalModel, x_probe: torch.Tensor) -> Coverage:
    """Decide, on a probe batch, which parameters the structured formula computes exactly."""
    if fm.module is None:
        return Coverage({}, tuple(fm.params))
    layers = candidate_layers(fm)
    raw = {k for k, v in fm.params.items() if v.ndim in (1, 2)}
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in fm.params.items()}
    rec = record_uses(fm, layers, raw, x_probe, leaves, probe=True)
    n = x_probe.shape[0]
    groups: dict[str, dict[str, DenseParam]] = {}
    for r in rec.records:
        groups.setdefault(r.group, {}).update({p.name: p for p in r.params})
    names = sorted({name for ps in groups.values() for name in ps})
    # Σ over rows 1.. of the outputs: rebuilt from all rows, and row 0 of a use must not reach it.
    target = rec.out[1:].sum() if n > 1 else rec.out.sum()
    inputs = [leaves[k] for k in names] + [r.edge for r in rec.records]
    grads = (
        torch.autograd.grad(target, inputs, allow_unused=True)
        if target.requires_grad and inputs
        else [None] * len(inputs)
    )
    true = dict(zip(names, grads[: len(names)]))
    rebuilt = {k: torch.zeros_like(leaves[k]) for k in names}
    bad = set(rec.irregular)
    sizes: dict[str, tuple[int, int, int]] = {}
    for r, grad in zip(rec.records, grads[len(names) :]):
        g = r.signal(grad)  # (N, E, out)
        if n > 1 and bool(g[0].any()):
            bad.add(r.group)  # row 0 of this use reaches other examples: not per example
        for p in r.params:
            if p.is_weight:
                w = torch.einsum("neo,nei->oi", g, r.a)
                w = w.T if r.transposed else w
            else:
                w = g.sum((0, 1))
            rebuilt[p.name] += p.multiplier * w.reshape(rebuilt[p.name].shape)
        _, _, positions = sizes.get(r.group, (0, 0, 0))
        sizes[r.group] = (r.a.shape[2], g.shape[2], positions + r.a.shape[1])
    ok = set()
    for k in names:
        t = true[k] if true[k] is not None else torch.zeros_like(rebuilt[k])
        scale = max(float(torch.linalg.vector_norm(t)), 1e-300)
        if float(torch.dist(t, rebuilt[k])) <= 1e-9 * scale:
            ok.add(k)
    # A parameter of an irregular group goes entirely to the fallback, in every group.
    for g in bad:
        ok -= set(groups.get(g, {})) | {p.name for p in layers.get(g, ())}
        ok.discard(g.removeprefix(RAW))
    kept = {g: tuple(p for p in ps.values() if p.name in ok) for g, ps in groups.items()}
    kept = {g: ps for g, ps in kept.items() if ps}
    covered = {p.name for ps in kept.values() for p in ps}
    return Coverage(
        kept,
        tuple(k for k in fm.params if k not in covered),
        {g: sizes[g] for g in kept},
        rec.flops / n,
        not vmaps(fm, x_probe),
        rec.saved_bytes / n,
    )
