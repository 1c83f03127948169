"""The UNF evaluates every quadrature node in one call; the oracle is the straightforward loop
over nodes (one net call per node, summed in node order) that it replaced."""

from __future__ import annotations

import pytest
import torch

from ntkcheck.models.flows import UNF, AutoregressiveUNF, log_elu_plus_one
from ntkcheck.models.flows import autoregressive as autoregressive_module

F64 = torch.float64
RTOL = 1e-12


def _loop_forward(flow: AutoregressiveUNF, x: torch.Tensor) -> torch.Tensor:
    """z_i = (x_i − x0_i) Σ_k ω_k N_i(x_{<i}, x0_i + s_k (x_i − x0_i)), one node at a time."""
    columns = []
    for i, net in enumerate(flow.nets):
        lower = flow.x0[i].expand(x.shape[0])
        span = x[:, i] - lower
        total = torch.zeros_like(span)
        for s, w in zip(flow.rule.nodes.tolist(), flow.rule.weights.tolist()):
            t = lower + s * span
            total = total + w * net(torch.cat([x[:, :i], t.unsqueeze(-1)], dim=1))
        columns.append(span * total)
    return torch.stack(columns, dim=1)


def _loop_nll(flow: AutoregressiveUNF, x: torch.Tensor) -> torch.Tensor:
    """Mean over rows of Σ_i f_i(x) − log N_i(x) (standard exponential base)."""
    log_n = torch.stack(
        [log_elu_plus_one(net.preactivation(x[:, : i + 1])) for i, net in enumerate(flow.nets)],
        dim=1,
    )
    return (_loop_forward(flow, x) - log_n).sum(-1).mean()


FLOWS = {
    "unf-right-sum": (lambda: UNF(0.0, 256, seed=3), 1),
    "unf-clenshaw-curtis": (lambda: UNF(0.0, 64, seed=1, rule="clenshaw-curtis", nodes=40), 1),
    "autoregressive-2": (lambda: AutoregressiveUNF([0.0, 0.0], 48, seed=2), 2),
    "autoregressive-3": (lambda: AutoregressiveUNF([0.0, -0.1, 0.0], 32, seed=5, nodes=17), 3),
}


def _points(d: int, n: int = 37) -> torch.Tensor:
    return 0.05 + 0.9 * torch.rand(n, d, dtype=F64, generator=torch.Generator().manual_seed(d))


def _close(got: torch.Tensor, want: torch.Tensor) -> None:
    torch.testing.assert_close(got, want, rtol=RTOL, atol=RTOL * float(want.detach().abs().max()))


@pytest.mark.parametrize("name", list(FLOWS))
def test_vectorized_flow_matches_the_node_loop(name: str) -> None:
    build, d = FLOWS[name]
    flow, x = build(), _points(d)
    _close(flow(x), _loop_forward(flow, x))
    _close(flow.nll(x), _loop_nll(flow, x))
    _close(flow.log_derivative(x), torch.log(torch.stack(
        [net(x[:, : i + 1]) for i, net in enumerate(flow.nets)], dim=1)))  # fmt: skip
    # Training sees the same gradients.
    params = [p for p in flow.parameters() if p.requires_grad]
    got = torch.autograd.grad(flow.nll(x), params)
    want = torch.autograd.grad(_loop_nll(flow, x), params)
    for g, w in zip(got, want):
        _close(g, w)


@pytest.mark.parametrize("name", list(FLOWS))
def test_chunked_evaluation_without_autograd_is_the_same(name, monkeypatch) -> None:
    build, d = FLOWS[name]
    flow, x = build(), _points(d)
    whole = flow(x).detach()
    # A few rows per chunk, so the chunk boundaries fall inside the batch.
    monkeypatch.setattr(autoregressive_module, "_CHUNK_ELEMENTS", 5 * 64 * flow.width)
    with torch.no_grad():
        _close(flow(x), whole)
        _close(flow.log_prob(x), -(_loop_forward(flow, x) - flow.log_derivative(x)).sum(-1))
        torch.testing.assert_close(flow.inverse(whole), x, rtol=0, atol=1e-8)
