"""Fast exact empirical NTK for dense layers: Θ = Σ_l (G_l G_lᵀ) ∘ (A_l A_lᵀ).

For a dense layer y = m_w · a Wᵀ + m_b · b with input a ∈ R^{in} and backprop signal
g_o = ∂f_o/∂y ∈ R^{out}, the Jacobian of output o w.r.t. W is m_w · g_o aᵀ, so

    Θ_W(x, x')[o, o'] = m_w² (g_o · g'_o') (a · a'),      Θ_b(x, x')[o, o'] = m_b² (g_o · g'_o').

A layer used more than once (or a weight shared by several layers) contributes the cross terms
of all its uses: Θ_p = Σ_{u,v} m_p(u) m_p(v) (g_u · g'_v)(a_u · a'_v). A and G come from one
forward pass and O backward passes; per-example Jacobians are never formed. Parameters outside
supported layers (``nn.Linear``, :class:`ntkcheck.models.layers.Dense`), or used elsewhere as
well, fall back to the generic Jacobian path, so the sum is always over every parameter.

Time N·O·[FP] + N²O²·Σ_l (in_l + out_l); memory N·O·Σ_l out_l + N·Σ_l in_l (docs/conventions.md).

References: Novak et al. 2022, "Fast Finite Width Neural Tangent Kernel" (structured
derivatives); Jacot et al. 2018.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.func import functional_call

from ntkcheck.errors import NTKCheckError
from ntkcheck.kernels.generic import contract_jacobians, per_example_jacobian
from ntkcheck.models.functional import FunctionalModel, Params, _select
from ntkcheck.models.layers import Dense

SUPPORTED_LAYERS = (nn.Linear, Dense)


@dataclass(frozen=True)
class DenseParam:
    """One trainable parameter of a dense layer: its name, multiplier and role."""

    name: str
    multiplier: float
    is_weight: bool


@dataclass(frozen=True)
class Coverage:
    """Which trainable parameters the structured formula handles, per dense module."""

    layers: dict[str, tuple[DenseParam, ...]]  # module name -> its covered parameters
    fallback: tuple[str, ...]  # trainable parameters left to the generic path
    sizes: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # (in, out, calls)

    @property
    def covered(self) -> tuple[str, ...]:
        return tuple(p.name for ps in self.layers.values() for p in ps)


@dataclass(frozen=True)
class Use:
    """One call of a dense module on a batch: backprop signals and covered parameter inputs."""

    module: str
    g: torch.Tensor  # (N, O, out)
    terms: tuple[tuple[str, float, torch.Tensor | None], ...]  # (param, multiplier, a or None)


@dataclass(frozen=True)
class StructuredFeatures:
    uses: tuple[Use, ...]
    fallback_jacobian: Params | None


def _canonical_names(module: nn.Module) -> dict[int, str]:
    return {id(p): name for name, p in module.named_parameters()}


def _candidate_layers(fm: FunctionalModel) -> dict[str, tuple[DenseParam, ...]]:
    assert fm.module is not None
    names = _canonical_names(fm.module)
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


def _record_uses(
    fm: FunctionalModel,
    layers: dict[str, tuple[DenseParam, ...]],
    x: torch.Tensor,
    params: Params,
) -> tuple[torch.Tensor, list[tuple[str, torch.Tensor, torch.Tensor]], set[str]]:
    """Forward ``x`` with a zero perturbation δ added to each dense output.

    Returns the (N, O) output, the uses (module name, input a, δ) and the modules whose input was
    not a plain (N, in) batch (those need the generic path).
    """
    assert fm.module is not None
    uses: list[tuple[str, torch.Tensor, torch.Tensor]] = []
    irregular: set[str] = set()
    modules = dict(fm.module.named_modules())
    handles = []

    def make_hook(name: str):
        def hook(_mod: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
            a = inputs[0]
            if a.ndim != 2 or a.shape[0] != x.shape[0]:
                irregular.add(name)
                return output
            delta = torch.zeros_like(output, requires_grad=True)
            uses.append((name, a.detach(), delta))
            return output + delta

        return hook

    for name in layers:
        handles.append(modules[name].register_forward_hook(make_hook(name)))
    try:
        out = functional_call(fm.module, ({**fm.fixed, **params},), (x,))
    finally:
        for h in handles:
            h.remove()
    return out.reshape(x.shape[0], -1), uses, irregular


_COVERAGE_CACHE: OrderedDict[tuple, Coverage] = OrderedDict()
_COVERAGE_CACHE_SIZE = 64


def dense_coverage(fm: FunctionalModel, x_probe: torch.Tensor) -> Coverage:
    """Which parameters the structured formula computes exactly, decided once per architecture.

    The probe (:func:`probe_coverage`) forms a width × width gradient per layer, which costs
    more than the kernel itself at large width; its answer depends only on the architecture, so
    it is cached under a structural key: the module tree's repr, each submodule's class and
    plain attributes (flags, sizes, activation names), every parameter's name, shape,
    trainability and tying, the differentiated subset, and the input's shape and dtype.
    """
    if fm.module is None:
        return Coverage({}, tuple(fm.params))
    key = _structure_key(fm, x_probe)
    if key in _COVERAGE_CACHE:
        _COVERAGE_CACHE.move_to_end(key)
        return _COVERAGE_CACHE[key]
    cov = probe_coverage(fm, x_probe)
    _COVERAGE_CACHE[key] = cov
    if len(_COVERAGE_CACHE) > _COVERAGE_CACHE_SIZE:
        _COVERAGE_CACHE.popitem(last=False)
    return cov


def _structure_key(fm: FunctionalModel, x_probe: torch.Tensor) -> tuple:
    assert fm.module is not None
    first: dict[int, int] = {}
    params = tuple(
        (name, tuple(p.shape), p.requires_grad, first.setdefault(id(p), i))
        for i, (name, p) in enumerate(fm.module.named_parameters(remove_duplicate=False))
    )
    config = tuple(
        (name, type(sub).__qualname__, _plain_attributes(sub))
        for name, sub in fm.module.named_modules()
    )
    return (
        repr(fm.module),
        config,
        params,
        tuple(sorted(fm.params)),
        tuple(x_probe.shape[1:]),
        x_probe.dtype,
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


def probe_coverage(fm: FunctionalModel, x_probe: torch.Tensor) -> Coverage:
    """Decide, on a probe batch, which parameters the structured formula computes exactly.

    A candidate parameter is kept only if the per-example gradients rebuilt from (A, G) sum to
    the autograd gradient: this catches weights also used outside their layer (tying across a
    transposed use, custom ops) and layers applied to non-(N, in) inputs.
    """
    if fm.module is None:
        return Coverage({}, tuple(fm.params))
    layers = _candidate_layers(fm)
    if not layers:
        return Coverage({}, tuple(fm.params))
    names = sorted({p.name for ps in layers.values() for p in ps})
    leaves = {k: v.detach().clone().requires_grad_(k in names) for k, v in fm.params.items()}
    out, uses, irregular = _record_uses(fm, layers, x_probe, leaves)
    inputs = [leaves[k] for k in names] + [d for _, _, d in uses]
    grads = (
        torch.autograd.grad(out.sum(), inputs, allow_unused=True)
        if out.requires_grad
        else [None] * len(inputs)
    )
    true = dict(zip(names, grads[: len(names)]))
    rebuilt = {k: torch.zeros_like(leaves[k]) for k in names}
    for (mod_name, a, _), g in zip(uses, grads[len(names) :]):
        if g is None:
            continue
        for p in layers[mod_name]:
            rebuilt[p.name] += p.multiplier * (g.T @ a if p.is_weight else g.sum(0))
    bad = set(irregular)
    ok_params = set()
    for k in names:
        t = true[k] if true[k] is not None else torch.zeros_like(rebuilt[k])
        scale = max(float(torch.linalg.vector_norm(t)), 1e-300)
        if float(torch.dist(t, rebuilt[k])) <= 1e-9 * scale:
            ok_params.add(k)
    kept = {
        m: tuple(p for p in ps if p.name in ok_params) for m, ps in layers.items() if m not in bad
    }
    kept = {m: ps for m, ps in kept.items() if ps}
    # A parameter shared with an irregular module must go entirely to the fallback.
    bad_params = {p.name for m in bad for p in layers[m]}
    kept = {m: tuple(p for p in ps if p.name not in bad_params) for m, ps in kept.items()}
    kept = {m: ps for m, ps in kept.items() if ps}
    covered = {p.name for ps in kept.values() for p in ps}
    sizes = {m: (0, 0, 0) for m in kept}
    for mod_name, a, delta in uses:
        if mod_name in sizes:
            sizes[mod_name] = (a.shape[1], delta.shape[1], sizes[mod_name][2] + 1)
    return Coverage(kept, tuple(k for k in fm.params if k not in covered), sizes)


def structured_features(fm: FunctionalModel, cov: Coverage, x: torch.Tensor) -> StructuredFeatures:
    """A and G for every use of every covered layer on ``x`` (one forward, O backward passes)."""
    uses: list[Use] = []
    if cov.layers:
        out, raw, irregular = _record_uses(fm, cov.layers, x, fm.params)
        if irregular:
            raise NTKCheckError(
                f"Layers {sorted(irregular)} received non-(N, in) inputs on this batch but not on "
                "the probe batch; pass method='jacobian' for this model."
            )
        deltas = [d for _, _, d in raw]
        per_output = []
        for o in range(out.shape[1]):
            # Dense layers off every path to the output leave the output without a graph.
            gs = (
                torch.autograd.grad(out[:, o].sum(), deltas, retain_graph=True, allow_unused=True)
                if out.requires_grad
                else [None] * len(deltas)
            )
            per_output.append([torch.zeros_like(d) if g is None else g for g, d in zip(gs, deltas)])
        for i, (mod_name, a, _) in enumerate(raw):
            g = torch.stack([per_output[o][i] for o in range(out.shape[1])], dim=1).detach()
            terms = tuple(
                (p.name, p.multiplier, a if p.is_weight else None) for p in cov.layers[mod_name]
            )
            uses.append(Use(module=mod_name, g=g, terms=terms))
    fallback = None
    if cov.fallback:
        fallback = per_example_jacobian(_select(fm, cov.fallback), x)
    return StructuredFeatures(tuple(uses), fallback)


def structured_pair(
    f1: StructuredFeatures, f2: StructuredFeatures, mode: str, trace: str, num_outputs: int
) -> torch.Tensor:
    """Θ(x1, x2) from the features of both sides, in ``mode``.

    Accumulates in place: at large N the N²-sized temporaries, not the products, dominate the
    time beyond the Gram products themselves.
    """
    out: torch.Tensor | None = None
    for u in f1.uses:
        for v in f2.uses:
            factor = _input_factor(u, v)
            if factor is None:
                continue
            factor = factor.reshape(factor.shape + (1,) * _OUTPUT_AXES[mode])
            term = _signal_product(u.g, v.g, mode)
            if out is None:
                out = term.mul_(factor) if term.is_contiguous() else term * factor
            else:
                out.addcmul_(term, factor)
    if f1.fallback_jacobian is not None:
        assert f2.fallback_jacobian is not None
        term = contract_jacobians(f1.fallback_jacobian, f2.fallback_jacobian, mode, "sum")
        out = term if out is None else out.add_(term)
    assert out is not None
    if mode == "trace" and trace == "mean":
        out = out.div_(num_outputs)
    return out


_OUTPUT_AXES = {"trace": 0, "diagonal": 1, "full": 2}


def _input_factor(u: Use, v: Use) -> torch.Tensor | None:
    """Σ over parameters shared by both uses of m_u m_v (a_u · a_v), bias terms giving 1."""
    factor: torch.Tensor | None = None
    bias = 0.0
    for name_u, mu, a_u in u.terms:
        for name_v, mv, a_v in v.terms:
            if name_u != name_v:
                continue
            if a_u is None:
                bias += mu * mv
            elif factor is None:
                factor = (a_u @ a_v.T).mul_(mu * mv)
            else:
                factor.add_(a_u @ a_v.T, alpha=mu * mv)
    if factor is None:
        if bias == 0.0:
            return None
        return torch.full((u.g.shape[0], v.g.shape[0]), bias, dtype=u.g.dtype, device=u.g.device)
    return factor.add_(bias) if bias else factor


def _signal_product(g1: torch.Tensor, g2: torch.Tensor, mode: str) -> torch.Tensor:
    """G1 G2ᵀ over the layer's output units: (n1, n2, O, O), (n1, n2) or (n1, n2, O)."""
    n1, num_out, width = g1.shape
    n2 = g2.shape[0]
    if mode == "full":
        prod = g1.reshape(n1 * num_out, width) @ g2.reshape(n2 * num_out, width).T
        return prod.reshape(n1, num_out, n2, num_out).permute(0, 2, 1, 3)
    if mode == "trace":
        return g1.reshape(n1, -1) @ g2.reshape(n2, -1).T
    return torch.stack([g1[:, o] @ g2[:, o].T for o in range(num_out)], dim=-1)
