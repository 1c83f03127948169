"""Backprop signals of the recorded uses, and the per-example gradients summed from them.

Signals are kept output-major, g: (O, N, E, out) for O outputs, N examples, E positions: the
batched backward produces them so, and every product downstream reads them without a transpose.
Only the outputs that can reach a use get its signals (see :func:`output_reach`): the other
blocks of its Jacobian are exactly zero, and neither computed nor multiplied.
"""

from __future__ import annotations

import torch

from ntkcheck.kernels.uses import DenseParam, Record

# At most this many signal entries per batched backward pass (bounds its working memory, which
# is of the order of the signals it returns).
_SIGNAL_ELEMENTS = 2**27


def signals(out: torch.Tensor, records: list[Record]) -> list[tuple[tuple[int, ...], torch.Tensor]]:
    """g = ∂f_o/∂y of every record for the outputs o that can reach it: (outputs, g) with the
    outputs ascending and g (len(outputs), N, E, out); the other outputs' signals are exactly 0.

    Outputs with the same reach share batched backward passes (``is_grads_batched``: one vmapped
    pass instead of one Python-level pass per output) that ask only for their records.
    """
    groups: dict[frozenset[int], list[int]] = {}
    if out.requires_grad:  # else no use is on a path to the output
        for o, reached in enumerate(output_reach(out, records)):
            groups.setdefault(reached, []).append(o)
    found: list[list[tuple[list[int], torch.Tensor]]] = [[] for _ in records]
    for reached, outputs in groups.items():
        members = sorted(reached)
        if not members:
            continue
        per_row = max(records[i].shape.numel() for i in members) // out.shape[0]
        grads = _backward(out, [records[i].edge for i in members], outputs, per_row)
        for i, g in zip(members, grads):
            if g is not None:
                found[i].append((outputs, g))
    result = []
    for r, parts in zip(records, found):
        outputs = [o for os, _ in parts for o in os]
        if len(parts) == 1:
            g = parts[0][1]
        else:  # several groups reach this use: their outputs interleave, so sort them
            g = torch.cat([g for _, g in parts]) if parts else r.a.new_zeros(0, *r.shape)
            order = sorted(range(len(outputs)), key=outputs.__getitem__)
            g, outputs = g[order], [outputs[i] for i in order]
        result.append((tuple(outputs), g.reshape(len(outputs), *r.a.shape[:2], r.width)))
    return result


def output_reach(out: torch.Tensor, records: list[Record]) -> list[frozenset[int]]:
    """For each output column, the records it can reach through the autograd graph.

    An output built as ``torch.stack(columns, dim=1)`` (then at most viewed to its own shape),
    as the autoregressive flows build theirs, sends column o's cotangent only into columns[o];
    for any other structure every output conservatively reaches every record.
    """
    n, num_out = out.shape
    everything = [frozenset(range(len(records)))] * num_out
    node = out.grad_fn
    while type(node).__name__ == "ViewBackward0":
        if tuple(node._saved_self_sym_sizes) != (n, num_out):
            return everything
        node = node.next_functions[0][0]
    if (
        type(node).__name__ != "StackBackward0"
        or node._saved_dim not in (1, 2**64 - 1)  # dim=1, or dim=-1 (stored unsigned)
        or len(node.next_functions) != num_out
    ):
        return everything
    at: dict[object, list[int]] = {}
    for i, r in enumerate(records):
        at.setdefault(r.edge.node, []).append(i)
    reach = []
    for start, _ in node.next_functions:
        seen, todo, hit = set(), [start], set()
        while todo:
            v = todo.pop()
            if v is None or v in seen:
                continue
            seen.add(v)
            hit.update(at.get(v, ()))
            todo.extend(f for f, _ in v.next_functions)
        reach.append(frozenset(hit))
    return reach


def _backward(
    out: torch.Tensor, edges: list, outputs: list[int], per_row: int
) -> list[torch.Tensor | None]:
    """∂f_o/∂edge for the outputs o in ``outputs``: (len(outputs), *edge shape) each, in
    batched passes of at most ``_SIGNAL_ELEMENTS`` signal entries (``per_row`` per example and
    output)."""
    n = out.shape[0]
    if len(outputs) == 1:
        grads = torch.autograd.grad(
            out[:, outputs[0]].sum(), edges, retain_graph=True, allow_unused=True
        )
        return [None if g is None else g.unsqueeze(0) for g in grads]
    step = max(1, _SIGNAL_ELEMENTS // max(1, n * per_row))
    basis = torch.eye(out.shape[1], dtype=out.dtype, device=out.device)[outputs]
    chunks = [
        _batched(out, edges, basis[s : s + step].unsqueeze(1).expand(-1, n, -1))
        for s in range(0, len(outputs), step)
    ]
    if len(chunks) == 1:
        return chunks[0]
    return [None if col[0] is None else torch.cat(col) for col in zip(*chunks)]


def _batched(out: torch.Tensor, edges: list, basis: torch.Tensor) -> list[torch.Tensor | None]:
    """∂(basis_b · out)/∂edge for each row b of ``basis`` (B, N, O): (B, *edge shape) each."""
    try:
        return list(
            torch.autograd.grad(
                out, edges, basis, retain_graph=True, allow_unused=True, is_grads_batched=True
            )
        )
    except RuntimeError:  # an op without a vmap rule in its backward: one pass per row
        rows = [
            torch.autograd.grad(out, edges, b, retain_graph=True, allow_unused=True) for b in basis
        ]
        return [
            None if col[0] is None else torch.stack(col)  # type: ignore[arg-type]
            for col in zip(*rows)
        ]


def per_example_gradients(
    r: Record, g: torch.Tensor, params: list[DenseParam]
) -> list[tuple[str, torch.Tensor]]:
    """m Σ_e g_{o,e} a_eᵀ (weights) and m Σ_e g_{o,e} (biases), each (O, N, size), from one
    product [a, 1]ᵀ g per example (one pass over the signals).

    A weight's entries are ordered as its transpose's (in, out) for a stored (out, in) weight:
    the layout the product gives, so no strided copy. Only Gram products J Jᵀ read these
    Jacobians, and every use of one parameter gives the same layout, so the order is free.
    """
    if not params:
        return []
    num_out, n, e, width = g.shape
    columns = [r.a] if any(p.is_weight for p in params) else []
    if not all(p.is_weight for p in params):
        columns.append(r.a.new_ones(*r.a.shape[:2], 1))
    a = torch.cat(columns, dim=-1) if len(columns) > 1 else columns[0]
    # Per example one product (in [+ 1], E) @ (E, O·out): the signals' rows of out entries stay
    # contiguous, and the inner dimension E is not split per output.
    by_example = g.permute(1, 2, 0, 3).reshape(n, e, num_out * width)
    prod = (a.transpose(1, 2) @ by_example).view(n, -1, num_out, width)  # (N, in [+ 1], O, out)
    fan_in = r.a.shape[2]
    out = []
    for p in params:
        if p.is_weight:
            j = prod[:, :fan_in].permute(2, 0, 1, 3)  # (O, N, in, out)
            j = j.transpose(2, 3) if r.transposed else j  # a @ W: W is stored (in, out)
        else:
            j = prod[:, -1].transpose(0, 1)
        j = j.reshape(num_out, n, -1)
        out.append((p.name, j * p.multiplier if p.multiplier != 1.0 else j))
    return out
