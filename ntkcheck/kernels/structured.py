"""Fast exact empirical NTK from the dense uses of the weights (structured derivatives).

For a use y = m · a Wᵀ + m_b · b (:mod:`~ntkcheck.kernels.uses`) with inputs a_e ∈ R^{in} and
backprop signals g_{o,e} = ∂f_o/∂y_e ∈ R^{out} at its positions e (extra axes, repeated calls),
the Jacobian of output o w.r.t. W is m Σ_e g_{o,e} a_eᵀ. Each covered parameter's share of Θ is
computed in one of two exact ways, chosen per group by the cost model (plan.estimate_costs):

- cross terms: Θ_W(x, x')[o, o'] = Σ_{u,v} m_u m_v Σ_{e,e'} (g_{u,o,e} · g'_{v,o',e'})
  (a_{u,e} · a'_{v,e'}), i.e. (G Gᵀ) ∘ (A Aᵀ) for a layer called once on (N, in); a bias
  contributes m_b² (g · g'). Time N²·P²·(in + O²·out) for P positions per example.
- summed: J_W(x)_o = Σ_{u,e} m_u g_{u,o,e} a_{u,e}ᵀ formed per example (N·O·P·in·out), then
  J Jᵀ (N²·O²·in·out): the cheaper way for a weight applied at many positions (quadrature
  nodes), since its cost does not grow with P².

A and G come from one forward pass and O backward passes. Parameters not covered fall back to
the generic Jacobian path, so the sum is always over every parameter (docs/conventions.md).

References: Novak et al. 2022, "Fast Finite Width Neural Tangent Kernel" (structured
derivatives); Jacot et al. 2018.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import torch

from ntkcheck.errors import NTKCheckError
from ntkcheck.kernels.coverage import Coverage
from ntkcheck.kernels.generic import contract_jacobians, per_example_jacobian
from ntkcheck.kernels.signals import per_example_gradients, signals
from ntkcheck.kernels.uses import record_uses
from ntkcheck.models.functional import FunctionalModel, Params, _select

# Forward-graph bytes per chunk of rows: a few MB, so that it stays in the CPU's cache.
_CHUNK_BYTES = 8 * 2**20


@dataclass(frozen=True)
class Use:
    """One use on a batch: signals g (O, N, E, out) and its cross-term parameters
    (name, multiplier, a (N, E, in) for a weight or None for a bias)."""

    group: str
    g: torch.Tensor
    terms: tuple[tuple[str, float, torch.Tensor | None], ...]


@dataclass(frozen=True)
class StructuredFeatures:
    uses: tuple[Use, ...]
    summed: dict[str, tuple[tuple[int, ...], torch.Tensor]]  # name -> (outputs, (O_p, N, size))
    jacobian: Params | None  # the fallback: name -> (N, O, *shape)


def structured_features(
    fm: FunctionalModel, cov: Coverage, x: torch.Tensor, summed: Collection[str] = ()
) -> StructuredFeatures:
    """Features of ``x`` for :func:`structured_pair`: the cross-term uses, and the per-example
    Jacobians of the ``summed`` parameters and of the fallback (one forward, O backward).

    Computed on row chunks whose forward graph takes about ``_CHUNK_BYTES`` (from the probe's
    saved bytes per example), then joined along the example axis: every feature is per
    example, and a graph of that size stays in cache through the forward, the backward and
    the per-example products, which made these passes several times faster than one graph of
    hundreds of MB (the UNF at N = 400, 50 nodes, width 1024).
    """
    rows = chunk_rows(cov)
    if x.shape[0] <= rows:
        return _chunk_features(fm, cov, x, summed)
    parts = [_chunk_features(fm, cov, x[s : s + rows], summed) for s in range(0, len(x), rows)]
    first = parts[0]
    uses = tuple(
        Use(u.group, torch.cat([p.uses[i].g for p in parts], dim=1), _joined_terms(parts, i))
        for i, u in enumerate(first.uses)
    )
    sums = {
        name: (outputs, torch.cat([p.summed[name][1] for p in parts], dim=1))
        for name, (outputs, _) in first.summed.items()
    }
    jacobian = None
    if first.jacobian is not None:
        jacobian = {k: torch.cat([p.jacobian[k] for p in parts]) for k in first.jacobian}
    return StructuredFeatures(uses, sums, jacobian)


def chunk_rows(cov: Coverage) -> int:
    """Rows per chunk of :func:`structured_features`: its forward graph takes ~``_CHUNK_BYTES``."""
    return max(1, int(_CHUNK_BYTES // max(cov.activation_bytes, 1.0)))


def _joined_terms(
    parts: list[StructuredFeatures], i: int
) -> tuple[tuple[str, float, torch.Tensor | None], ...]:
    """Use ``i``'s cross-term parameters with their inputs a joined along the examples."""
    return tuple(
        (name, m, None if a is None else torch.cat([p.uses[i].terms[t][2] for p in parts]))
        for t, (name, m, a) in enumerate(parts[0].uses[i].terms)
    )


def _chunk_features(
    fm: FunctionalModel, cov: Coverage, x: torch.Tensor, summed: Collection[str]
) -> StructuredFeatures:
    uses: list[Use] = []
    sums: dict[str, tuple[tuple[int, ...], torch.Tensor]] = {}
    jacobian = None
    if cov.layers:
        # Covered parameters require grad so each use's output has an autograd edge.
        covered = set(cov.covered)
        leaves = {k: v.detach().requires_grad_(k in covered) for k, v in fm.params.items()}
        rec = record_uses(fm, cov.modules, cov.raw, x, leaves)
        if rec.irregular & set(cov.layers):
            raise NTKCheckError(
                f"Uses {sorted(rec.irregular & set(cov.layers))} received inputs without the "
                "batch axis first on this batch but not on the probe batch; pass "
                "method='jacobian' for this model."
            )
        records = [r for r in rec.records if r.group in cov.layers]
        num_out = rec.out.shape[1]
        for r, (outputs, g) in zip(records, signals(rec.out, records)):
            params = [p for p in r.params if p.name in covered]
            terms = tuple(
                (p.name, p.multiplier, r.a if p.is_weight else None)
                for p in params
                if p.name not in summed
            )
            if terms:
                uses.append(Use(r.group, _all_outputs(outputs, g, num_out), terms))
            chosen = [p for p in params if p.name in summed]
            for name, j in per_example_gradients(r, g, chosen):
                # A parameter with several uses (reused layer, tied weight) sums them.
                sums[name] = (
                    _sum(sums[name], (outputs, j), num_out) if name in sums else (outputs, j)
                )
    if cov.fallback:
        jacobian = per_example_jacobian(_select(fm, cov.fallback), x)
    return StructuredFeatures(tuple(uses), sums, jacobian)


def _all_outputs(outputs: tuple[int, ...], g: torch.Tensor, num_out: int) -> torch.Tensor:
    """Signals (len(outputs), ...) completed with zeros to all O outputs."""
    if outputs == tuple(range(num_out)):
        return g
    full = g.new_zeros(num_out, *g.shape[1:])
    full[list(outputs)] = g
    return full


def _sum(
    a: tuple[tuple[int, ...], torch.Tensor], b: tuple[tuple[int, ...], torch.Tensor], num_out: int
) -> tuple[tuple[int, ...], torch.Tensor]:
    """The sum of two per-example Jacobians (O_a | O_b, N, size) given on their outputs."""
    if a[0] == b[0]:
        return a[0], a[1] + b[1]
    return tuple(range(num_out)), _all_outputs(*a, num_out) + _all_outputs(*b, num_out)


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
            if u.g.shape[2] == v.g.shape[2] == 1:
                factor = factor.reshape(factor.shape[0], factor.shape[2])
                factor = factor.reshape(factor.shape + (1,) * _OUTPUT_AXES[mode])
                term = _signal_product(u.g[:, :, 0], v.g[:, :, 0], mode)
                if out is None:
                    out = term.mul_(factor) if term.is_contiguous() else term * factor
                else:
                    out.addcmul_(term, factor)
            else:
                term = _positions_term(u.g, v.g, factor, mode)
                out = term if out is None else out.add_(term)
    for name, (outputs, j1) in f1.summed.items():
        term = _signal_product(j1, f2.summed[name][1], mode)
        out = _add_block(out, term, outputs, mode, num_outputs)
    if f1.jacobian is not None:
        assert f2.jacobian is not None
        term = contract_jacobians(f1.jacobian, f2.jacobian, mode, "sum")
        out = term if out is None else out.add_(term)
    assert out is not None
    if mode == "trace" and trace == "mean":
        out = out.div_(num_outputs)
    return out


_OUTPUT_AXES = {"trace": 0, "diagonal": 1, "full": 2}


def _add_block(
    out: torch.Tensor | None, term: torch.Tensor, outputs: tuple[int, ...], mode: str, num_out: int
) -> torch.Tensor:
    """out + term, term holding only the ``outputs`` rows (and columns) of the kernel."""
    if mode == "trace" or outputs == tuple(range(num_out)):
        return term if out is None else out.add_(term)
    if out is None:
        n1, n2 = term.shape[:2]
        out = term.new_zeros(n1, n2, *(num_out,) * _OUTPUT_AXES[mode])
    index = list(outputs)
    if mode == "diagonal":
        out[:, :, index] += term
    else:
        block = torch.tensor(index, device=out.device)
        out[:, :, block[:, None], block[None, :]] += term
    return out


def _input_factor(u: Use, v: Use) -> torch.Tensor | None:
    """Σ over parameters shared by both uses of m_u m_v (a_u · a_v), bias terms giving 1:
    (n1, E_u, n2, E_v)."""
    _, n1, e1, _ = u.g.shape
    _, n2, e2, _ = v.g.shape
    factor: torch.Tensor | None = None
    bias = 0.0
    for name_u, mu, a_u in u.terms:
        for name_v, mv, a_v in v.terms:
            if name_u != name_v:
                continue
            if a_u is None or a_v is None:
                bias += mu * mv
                continue
            prod = a_u.reshape(n1 * e1, -1) @ a_v.reshape(n2 * e2, -1).T
            factor = prod.mul_(mu * mv) if factor is None else factor.add_(prod, alpha=mu * mv)
    if factor is None:
        if bias == 0.0:
            return None
        factor = torch.full((n1 * e1, n2 * e2), bias, dtype=u.g.dtype, device=u.g.device)
    elif bias:
        factor = factor.add_(bias)
    return factor.view(n1, e1, n2, e2)


def _signal_product(g1: torch.Tensor, g2: torch.Tensor, mode: str) -> torch.Tensor:
    """G1 G2ᵀ over the last axis (a layer's output units, or a summed parameter's entries),
    g: (O, n, width) -> (n1, n2, O, O), (n1, n2) or (n1, n2, O)."""
    num_out, n1, width = g1.shape
    n2 = g2.shape[1]
    if mode == "full":
        prod = g1.reshape(num_out * n1, width) @ g2.reshape(num_out * n2, width).T
        return prod.view(num_out, n1, num_out, n2).permute(1, 3, 0, 2)
    if mode == "trace":
        out = g1[0] @ g2[0].T
        for o in range(1, num_out):
            out.addmm_(g1[o], g2[o].T)
        return out
    return torch.stack([g1[o] @ g2[o].T for o in range(num_out)], dim=-1)


def _positions_term(
    g1: torch.Tensor, g2: torch.Tensor, factor: torch.Tensor, mode: str
) -> torch.Tensor:
    """Σ_{e,e'} (g1_e · g2_e') factor[e, e'] for uses with several positions; g: (O, N, E, out)."""
    num_out, n1, e1, width = g1.shape
    _, n2, e2, _ = g2.shape
    if mode == "full":
        prod = g1.reshape(-1, width) @ g2.reshape(-1, width).T
        return torch.einsum(
            "iaejbf,aebf->abij", prod.view(num_out, n1, e1, num_out, n2, e2), factor
        )
    per_output = [
        (g1[o].reshape(n1 * e1, width) @ g2[o].reshape(n2 * e2, width).T).view(n1, e1, n2, e2)
        for o in range(num_out)
    ]
    if mode == "trace":
        return (sum(per_output) * factor).sum((1, 3))
    return torch.stack([(p * factor).sum((1, 3)) for p in per_output], dim=-1)
