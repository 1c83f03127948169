"""The constrained flows' fused log-density: value and gradient against the autograd reference
and, where the reference's softplus gradients lose digits (|P| in the hundreds), against 60-digit
arithmetic."""

from __future__ import annotations

import mpmath as mp
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ntkcheck.models.flows import CNF, MaskedCNF
from ntkcheck.models.flows.base import Flow
from ntkcheck.models.flows.tanh_density import (
    TINY,
    tanh_flow_log_prob,
    tanh_flow_log_prob_reference,
)

F64 = torch.float64


def _layers(flow: Flow) -> tuple[torch.Tensor, ...]:
    h, o = flow.hidden, flow.output
    if isinstance(flow, MaskedCNF):
        return h.weight * h.mask, h.bias, o.weight * o.mask
    return h.weight, h.bias, o.weight


def _gradients(fn, flow: Flow, x: torch.Tensor, g: torch.Tensor) -> list[torch.Tensor]:
    x = x.detach().requires_grad_(True)
    params = list(flow.parameters())
    return list(torch.autograd.grad(fn(x), [x, *params], g))


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max().clamp(min=1e-300))


@settings(max_examples=25, deadline=None)
@given(
    d=st.integers(1, 4),
    m=st.integers(1, 40),
    n=st.integers(1, 60),
    seed=st.integers(0, 2**16),
    scale=st.sampled_from([0.1, 1.0, 5.0]),
)
def test_fused_matches_the_reference_value_and_gradient(d, m, n, seed, scale) -> None:
    flow = CNF(m, seed=seed) if d == 1 and seed % 2 else MaskedCNF(d, m, seed=seed)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # trained-looking output weights, not the 0.005 init
        flow.output.weight.mul_(1 + 100 * torch.rand(flow.output.weight.shape, generator=gen))
        flow.project_()
    x = scale * torch.randn(n, d, dtype=F64, generator=gen)
    g = torch.randn(n, dtype=F64, generator=gen)

    got = flow.log_prob(x)
    want = Flow._log_prob(flow, x)  # the composition base ∘ f + Σ log f'
    assert _relative(got, want) < 1e-13
    for a, b in zip(
        _gradients(flow.log_prob, flow, x, g),
        _gradients(lambda x: Flow._log_prob(flow, x), flow, x, g),
    ):
        assert _relative(a, b) < 1e-11


def _mp_log_prob(weight, bias, output, c, x) -> mp.mpf:
    d, units = len(x), len(bias)
    m = units // d
    pre = [
        sum(mp.mpf(weight[k][j]) * x[j] for j in range(d)) + mp.mpf(bias[k]) for k in range(units)
    ]
    total = mp.mpf(0)
    for i in range(d):
        f = c * sum(mp.mpf(output[i][k]) * mp.tanh(pre[k]) for k in range(units))
        s = sum(
            mp.mpf(output[i][k]) * mp.mpf(weight[k][i]) * mp.sech(pre[k]) ** 2
            for k in range(i * m, (i + 1) * m)
        )
        total += -f * f / 2 - mp.log(2 * mp.pi) / 2 + mp.log(c) + mp.log(s)
    return total


@pytest.mark.parametrize("row", [(400.0, 0.3), (0.5, -900.0), (2.0, 35.0)])
def test_fused_gradient_is_exact_where_units_saturate(row) -> None:
    # Pre-activations of a few hundred: the reference's softplus route is off by ~1e-9 here.
    mp.mp.dps = 60
    flow = MaskedCNF(2, 20, seed=3)
    weight, bias, output = (t.detach() for t in _layers(flow))
    lists = weight.tolist(), bias.tolist(), output.tolist()
    c, step = mp.mpf(flow.c), mp.mpf("1e-25")
    exact = []
    for j in range(2):
        up = [mp.mpf(v) + (step if i == j else 0) for i, v in enumerate(row)]
        down = [mp.mpf(v) - (step if i == j else 0) for i, v in enumerate(row)]
        exact.append((_mp_log_prob(*lists, c, up) - _mp_log_prob(*lists, c, down)) / (2 * step))
    x = torch.tensor([row], dtype=F64, requires_grad=True)
    value = flow.log_prob(x)
    (grad,) = torch.autograd.grad(value, x)
    assert abs(float(value) - float(_mp_log_prob(*lists, c, [mp.mpf(v) for v in row]))) < 1e-12
    for j in range(2):
        assert abs(float(grad[0, j]) - float(exact[j])) <= 1e-14 * abs(float(exact[j])) + 1e-15


def test_rows_with_a_fully_saturated_block_take_the_reference() -> None:
    flow = CNF(8, seed=0)
    with torch.no_grad():
        flow.hidden.weight.fill_(1.0)
        flow.hidden.bias.zero_()
    x = torch.tensor([[0.3], [1e3], [-2e3]], dtype=F64)  # sech²(1000) underflows to 0
    weight, bias, output = _layers(flow)
    with torch.no_grad():
        s = (1 / torch.cosh(torch.tensor([1e3], dtype=F64))) ** 2
    assert float(s) < TINY
    got = flow.log_prob(x)
    want = tanh_flow_log_prob_reference(x, weight, bias, output, flow.c)
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, want, rtol=1e-14, atol=0)
    g = torch.tensor([1.0, -0.5, 2.0], dtype=F64)
    for a, b in zip(
        _gradients(flow.log_prob, flow, x, g),
        _gradients(lambda x: tanh_flow_log_prob_reference(x, *_layers(flow), flow.c), flow, x, g),
    ):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-300)


def test_second_derivatives_match_the_reference() -> None:
    flow = CNF(6, seed=0)
    x = torch.randn(5, 1, dtype=F64, generator=torch.Generator().manual_seed(1))
    weight, bias, output = (t.detach() for t in _layers(flow))

    def loss(fn, b: torch.Tensor) -> torch.Tensor:
        return -fn(x, weight, b, output, flow.c).mean()

    for fn in (tanh_flow_log_prob, tanh_flow_log_prob_reference):
        assert torch.func.grad(lambda b, fn=fn: loss(fn, b))(bias).abs().max() > 0
    # Σ_j ∂²L/∂b ∂b_j by nested torch.func.grad and by double backward.
    nested = [
        torch.func.grad(lambda b, fn=fn: torch.func.grad(lambda c: loss(fn, c))(b).sum())(bias)
        for fn in (tanh_flow_log_prob, tanh_flow_log_prob_reference)
    ]
    assert nested[1].abs().max() > 1e-3  # not a vacuous comparison of zeros
    torch.testing.assert_close(nested[0], nested[1], rtol=1e-12, atol=0)
    b = bias.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(loss(tanh_flow_log_prob, b), b, create_graph=True)
    (second,) = torch.autograd.grad(grad.sum(), b)
    torch.testing.assert_close(second, nested[1], rtol=1e-12, atol=1e-15)


def test_without_gradients_no_product_is_kept() -> None:
    flow = CNF(16, seed=0)
    x = torch.randn(7, 1, dtype=F64)
    with torch.no_grad():
        value = tanh_flow_log_prob(x, *_layers(flow), flow.c)
    torch.testing.assert_close(value, Flow._log_prob(flow, x).detach(), rtol=1e-14, atol=0)
