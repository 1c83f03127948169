"""ONE contract test over every flow (zuko-style), then the scalar views and the input errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch

from ntkcheck.errors import InvalidInputError
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.kernels.reference import reference_ntk
from ntkcheck.models.flows import (
    CNF,
    UNF,
    AutoregressiveUNF,
    CNFLogDerivative,
    CNFMap,
    Flow,
    MaskedCNF,
    UNFPreactivation,
    log_elu_plus_one,
)
from ntkcheck.models.functional import functionalize

F64 = torch.float64


def _boosted(flow: Flow, factor: float = 100.0) -> Flow:
    """A CNF with output weights scaled up: mass ≈ 0.9, as after training (init mass ≈ 0.03)."""
    with torch.no_grad():
        flow.output.weight.mul_(factor)
    return flow


def _gaussian(n: int, d: int) -> torch.Tensor:
    return torch.randn(n, d, dtype=F64, generator=torch.Generator().manual_seed(7))


def _in_ball(n: int, d: int) -> torch.Tensor:
    return torch.rand(n, d, dtype=F64, generator=torch.Generator().manual_seed(7)) - 0.5


@dataclass(frozen=True)
class Case:
    """One flow in the contract test, as plain data."""

    name: str
    build: Callable[[int], Flow]  # seed -> flow
    points: Callable[[int], torch.Tensor]  # n -> points in the support
    fixed: tuple[str, ...]  # parameters gradients must never reach
    # d/dx f vs exp(log f'): exact for the CNFs; for the UNFs the x-derivative of the quadrature
    # differs from N(x) by the quadrature error's derivative (ReLU kinks: ≈ n^{-1} right sum,
    # ≈ n^{-2} Clenshaw–Curtis), measured ≤ 5e-3 and ≤ 1.5e-3 here.
    log_derivative_atol: float


CASES = [
    Case("cnf", lambda s: _boosted(CNF(16, s)), lambda n: _gaussian(n, 1), (), 1e-12),
    Case("masked_cnf", lambda s: _boosted(MaskedCNF(2, 8, s)), lambda n: _gaussian(n, 2), (),
         1e-12),
    Case("unf_right_sum", lambda s: UNF(-0.5, 32, s), lambda n: _in_ball(n, 1),
         ("nets.0.output.weight",), 1e-2),
    Case("unf_clenshaw_curtis", lambda s: UNF(-0.5, 32, s, rule="clenshaw-curtis", nodes=64),
         lambda n: _in_ball(n, 1), ("nets.0.output.weight",), 3e-3),
    Case("autoregressive_unf",
         lambda s: AutoregressiveUNF([-0.5, -0.5], 16, s, rule="clenshaw-curtis", nodes=64),
         lambda n: _in_ball(n, 2), ("nets.0.output.weight", "nets.1.output.weight"), 3e-3),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_flow_contract(case: Case) -> None:
    flow, x = case.build(0), case.points(8)
    n, d = x.shape

    # Shapes and dtype.
    z = flow(x)
    assert z.shape == (n, d) and z.dtype == F64
    assert flow.log_prob(x).shape == (n,) and flow.log_derivative(x).shape == (n, d)
    assert flow.nll(x).shape == ()

    # Gradients reach every trainable parameter, never the fixed ones.
    flow.nll(x).backward()
    for name, p in flow.named_parameters():
        if name in case.fixed:
            assert not p.requires_grad and p.grad is None, name
        else:
            assert p.grad is not None and torch.isfinite(p.grad).all(), name
            assert float(p.grad.norm()) > 0, name

    # Determinism under a seed; another seed differs.
    again, other = case.build(0), case.build(1)
    for (k, v), w in zip(flow.state_dict().items(), again.state_dict().values()):
        assert torch.equal(v, w), k
    assert any(not torch.equal(v, u) for v, u in zip(flow.parameters(), other.parameters()))
    assert torch.equal(flow.sample(16, seed=3), again.sample(16, seed=3))

    # Triangular Jacobian; its log-diagonal matches log_derivative.
    jac = torch.stack(
        [torch.autograd.functional.jacobian(lambda v: flow(v[None])[0], row) for row in x]
    )
    assert torch.equal(jac.triu(1), torch.zeros_like(jac))
    log_diag = torch.diagonal(jac, dim1=1, dim2=2).log()
    torch.testing.assert_close(log_diag, flow.log_derivative(x).detach(), rtol=0,
                               atol=case.log_derivative_atol)  # fmt: skip

    # Invertibility, both ways.
    torch.testing.assert_close(flow.inverse(z.detach()), x, rtol=0, atol=1e-8)
    samples = flow.sample(32, seed=5)
    assert samples.shape == (32, d) and samples.dtype == F64
    with torch.no_grad():
        torch.testing.assert_close(flow.inverse(flow(samples)), samples, rtol=0, atol=1e-8)

    # Monotone in each coordinate, the others held fixed.
    grid = torch.linspace(float(x.min()), float(x.max()), 200, dtype=F64)
    for i in range(d):
        rows = x[:1].repeat(200, 1)
        rows[:, i] = grid
        with torch.no_grad():
            assert bool((flow(rows)[:, i].diff() > 0).all()), f"coordinate {i}"


def test_masked_cnf_with_one_feature_is_the_cnf() -> None:
    x = _gaussian(20, 1)
    cnf, masked = CNF(12, seed=4), MaskedCNF(1, 12, seed=4)
    torch.testing.assert_close(masked(x), cnf(x), rtol=0, atol=0)
    torch.testing.assert_close(masked.log_prob(x), cnf.log_prob(x), rtol=0, atol=0)


def test_cnf_samples_at_init_despite_tiny_mass() -> None:
    flow = CNF(100, seed=0)
    assert 0.02 < float(flow.total_mass().detach()) < 0.05
    x = flow.sample(50, seed=0)
    torch.testing.assert_close(flow.inverse(flow(x).detach()), x, rtol=0, atol=1e-8)


def test_projection_clamps_a_and_w_never_b() -> None:
    flow = CNF(8, seed=0)
    with torch.no_grad():
        flow.hidden.weight[0] = -1.0
        flow.hidden.bias.fill_(-3.0)
        flow.output.weight[0, 1] = -2.0
    flow.project_()
    assert float(flow.hidden.weight.detach().min()) == 1e-6
    assert float(flow.output.weight.detach().min()) == 1e-6
    assert bool((flow.hidden.bias == -3.0).all())

    masked = MaskedCNF(2, 3, seed=0)
    with torch.no_grad():
        masked.hidden.weight.fill_(-1.0)
    masked.project_()
    w = masked.hidden.weight
    assert bool((w[:3, 0] == 1e-6).all()) and bool((w[3:, 1] == 1e-6).all())  # diagonal
    assert bool((w[3:, 0] == -1.0).all())  # free block: not clamped
    assert bool((w[:3, 1] == 0).all())  # masked out


# --- scalar views for the kernels --------------------------------------------------------------


def test_views_match_the_flows_and_share_parameters() -> None:
    x = _gaussian(6, 1)
    cnf = CNF(10, seed=1)
    torch.testing.assert_close(CNFMap(cnf)(x[:, 0]), cnf(x)[:, 0])
    torch.testing.assert_close(CNFLogDerivative(cnf)(x), cnf.log_derivative(x)[:, 0])
    unf = UNF(-0.5, 10, seed=1)
    t = _in_ball(6, 1)
    view = UNFPreactivation(unf)
    torch.testing.assert_close(log_elu_plus_one(view(t)), unf.log_derivative(t)[:, 0])
    assert dict(view.named_parameters())["hidden.weight"] is unf.nets[0].hidden.weight
    assert sorted(functionalize(view).params) == ["hidden.bias", "hidden.weight"]
    assert sorted(dict(CNFMap(cnf).named_parameters())) == [
        "hidden.bias",
        "hidden.weight",
        "output.weight",
    ]


@pytest.mark.parametrize(
    ("make_view", "params"),
    [
        (lambda: CNFMap(CNF(12, seed=2)), None),
        (lambda: CNFLogDerivative(CNF(12, seed=2)), ["hidden.weight"]),
        (lambda: UNFPreactivation(UNF(-0.5, 12, seed=2)), None),
    ],
    ids=["cnf_map", "cnf_log_derivative_w", "unf_preactivation"],
)
def test_views_feed_the_ntk_routines(make_view, params) -> None:
    view, x = make_view(), torch.linspace(-0.5, 0.5, 5, dtype=F64)
    oracle = reference_ntk(functionalize(view, params), x)
    for xs in (x, x[:, None]):
        kernel = empirical_ntk(view, xs, params=params)
        assert kernel.shape == (5, 5)
        torch.testing.assert_close(kernel, oracle, rtol=1e-10, atol=1e-12)


# --- errors ------------------------------------------------------------------------------------


def test_bad_widths_and_seeds() -> None:
    with pytest.raises(InvalidInputError, match="`width` must be an integer >= 1, got 0"):
        CNF(0, seed=0)
    with pytest.raises(InvalidInputError, match="`features` must be an integer >= 1"):
        MaskedCNF(0, 4, seed=0)
    with pytest.raises(InvalidInputError, match="`width` must be an integer >= 1"):
        UNF(-0.5, -3, seed=0)
    with pytest.raises(InvalidInputError, match="`seed` must be an integer"):
        CNF(4, seed=None)


def test_bad_inputs() -> None:
    cnf = CNF(4, seed=0)
    with pytest.raises(InvalidInputError, match="non-finite"):
        cnf.log_prob(torch.tensor([[0.0], [float("nan")]], dtype=F64))
    with pytest.raises(InvalidInputError, match=r"shape \(N, 1\).*x.reshape\(-1, 1\)"):
        cnf.log_prob(torch.zeros(3, dtype=F64))
    with pytest.raises(InvalidInputError, match="dtype torch.float32"):
        cnf(torch.zeros(3, 1))
    with pytest.raises(InvalidInputError, match=r"shape \(N,\) or \(N, 1\)"):
        CNFMap(cnf)(torch.zeros(3, 2, dtype=F64))
    with pytest.raises(InvalidInputError, match="needs a 1-D flow"):
        UNFPreactivation(AutoregressiveUNF([0.0, 0.0], 4, seed=0))


def test_points_below_x0_are_rejected() -> None:
    flow = UNF(-0.5, 4, seed=0)
    x = torch.tensor([[0.1], [-0.7]], dtype=F64)
    with pytest.raises(
        InvalidInputError, match=r"1 entry below x0.*training.*x\[1, 0\] = -0.7 < x0\[0\] = -0.5"
    ):
        flow.log_prob(x)
    with pytest.raises(InvalidInputError, match="`x0` has 1 non-finite"):
        UNF(float("nan"), 4, seed=0)
    with pytest.raises(InvalidInputError, match="`rule` must be one of"):
        UNF(0.0, 4, seed=0, rule="trapezoid")


def test_violated_projection_is_an_error_not_nan() -> None:
    flow = CNF(6, seed=0)
    with torch.no_grad():
        flow.hidden.weight[2] = -0.1
    with pytest.raises(
        InvalidInputError,
        match=r"`hidden.weight \(w\)` has 1 entry <= 0.*Call flow.project_\(\) after every",
    ):
        flow.log_prob(_gaussian(3, 1))
    masked = MaskedCNF(2, 3, seed=0)
    with torch.no_grad():
        masked.output.weight[1, 4] = -0.1  # diagonal block of coordinate 1
    with pytest.raises(InvalidInputError, match=r"diagonal blocks of A.*project_\(\)"):
        masked.nll(_gaussian(3, 2))
    masked.project_()
    assert torch.isfinite(masked.nll(_gaussian(3, 2)))


def test_outside_the_image() -> None:
    flow = CNF(4, seed=0)
    with pytest.raises(InvalidInputError, match="outside the image.*bounded"):
        flow.inverse(torch.tensor([[5.0]], dtype=F64))
    with pytest.raises(InvalidInputError, match="accepted .* base draws.*max_draws"):
        MaskedCNF(2, 4, seed=0).sample(100, seed=0, max_draws=200)
    with pytest.raises(InvalidInputError, match="outside the image.*max_span"):
        UNF(-0.5, 4, seed=0, max_span=1.0).inverse(torch.tensor([[50.0]], dtype=F64))
