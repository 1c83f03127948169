"""Numerics behind the flow claims: quadrature orders, mass of the densities, stable logs."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from ntkcheck.data import BallScaling, mog1d
from ntkcheck.models.flows import (
    CNF,
    UNF,
    clenshaw_curtis,
    integrate,
    log_elu_plus_one,
    quadrature_rule,
    right_sum,
)
from ntkcheck.models.flows.tanh_density import log_sech2

F64 = torch.float64


# --- quadrature --------------------------------------------------------------------------------


@given(
    n=st.integers(1, 30),
    coefficients=st.lists(st.floats(-3, 3), min_size=1, max_size=31),
    lo=st.floats(-1, 0),
    width=st.floats(0.1, 1),
)
def test_clenshaw_curtis_is_exact_up_to_degree_n(n, coefficients, lo, width) -> None:
    poly = np.polynomial.Polynomial(coefficients[: n + 1])
    hi = lo + width
    exact = poly.integ()(hi) - poly.integ()(lo)

    def g(t: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(poly(t.numpy()))

    got = integrate(g, torch.tensor([lo], dtype=F64), torch.tensor([hi], dtype=F64),
                    clenshaw_curtis(n))  # fmt: skip
    scale = sum(abs(c) for c in coefficients) * width  # bounds |∫ poly| since |t| <= 1
    assert abs(float(got[0]) - exact) <= 1e-13 * max(scale, 1.0)


def test_right_sum_is_the_reference_rule() -> None:
    rule = right_sum(4)
    torch.testing.assert_close(rule.nodes, torch.tensor([0.25, 0.5, 0.75, 1.0], dtype=F64))
    torch.testing.assert_close(rule.weights, torch.full((4,), 0.25, dtype=F64))
    # ∫_0^1 t dt by the right sum is (n + 1)/(2n): error exactly 1/(2n).
    one = torch.ones(1, dtype=F64)
    assert float(integrate(lambda t: t, 0 * one, one, right_sum(10))[0]) == pytest.approx(0.55)
    assert quadrature_rule("clenshaw-curtis", 8).nodes.shape == (9,)


def test_unf_quadrature_error_orders() -> None:
    """shah.unf.quadrature at init, m = 256, 5 seeds: right sum ~ n^{-1}, Clenshaw–Curtis tiny."""
    x = torch.linspace(-0.45, 0.5, 20, dtype=F64).reshape(-1, 1)
    sizes = [10, 20, 40, 80, 160]
    errors, cc_errors, rs50 = np.zeros((5, len(sizes))), [], []
    for seed in range(5):
        flow = UNF(-0.5, 256, seed=seed)
        with torch.no_grad():
            flow.rule = clenshaw_curtis(2000)  # reference integral (kinks: error ≈ n^{-2})
            exact = flow(x)
            for j, n in enumerate(sizes):
                flow.rule = right_sum(n)
                errors[seed, j] = float((flow(x) - exact).abs().max())
            flow.rule = right_sum(50)
            rs50.append(float((flow(x) - exact).abs().max()))
            flow.rule = clenshaw_curtis(50)
            cc_errors.append(float((flow(x) - exact).abs().max()))
    slope = np.polyfit(np.log(sizes), np.log(errors.mean(0)), 1)[0]
    print(f"right-sum slope {slope:.3f}, error(n=50) {max(rs50):.2e}, CC(50) {max(cc_errors):.2e}")
    assert -1.1 <= slope <= -0.9
    assert max(rs50) <= 3e-3
    assert max(cc_errors) < 1e-4


# --- mass of the densities ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_unf() -> UNF:
    """A UNF after 200 SGD steps (lr·m = 32, the reference's ratio) on mog1d scaled into 1/2."""
    data = mog1d(1000, seed=0)
    x = BallScaling.fit(data)(data)
    flow = UNF(float(x.min()), 64, seed=0)
    optimizer = torch.optim.SGD(flow.parameters(), lr=32 / 64)
    batches = torch.Generator().manual_seed(0)
    for _ in range(200):
        loss = flow.nll(x[torch.randint(0, len(x), (64,), generator=batches)])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return flow


def _unf_mass(flow: UNF) -> float:
    """∫_{x0}^{x0+3} p_X on a fine grid + the tail mass exp(−f(x0 + 3)) of the exponential base."""
    grid = torch.linspace(float(flow.x0), float(flow.x0) + 3, 30001, dtype=F64).reshape(-1, 1)
    with torch.no_grad():
        body = torch.trapezoid(flow.log_prob(grid).exp(), grid[:, 0])
        tail = torch.exp(-flow(grid[-1:]))[0, 0]
    return float(body + tail)


def test_unf_density_integrates_to_one(trained_unf: UNF) -> None:
    trained_unf.rule = clenshaw_curtis(50)
    accurate = _unf_mass(trained_unf)
    trained_unf.rule = right_sum(50)
    reference = _unf_mass(trained_unf)
    print(f"UNF mass: Clenshaw–Curtis(50) {accurate:.6f}, 50-node right sum {reference:.4f}")
    assert abs(accurate - 1) < 1e-3
    assert 0.9 < reference < 1  # the reference's quadrature loses ≈ 2% of the mass


@pytest.mark.parametrize("boost", [1.0, 30.0])
def test_cnf_mass_is_the_closed_form(boost: float) -> None:
    flow = CNF(100, seed=0)
    with torch.no_grad():
        flow.output.weight.mul_(boost)
    # x = 10·sinh(s): fine near 0, reaching the slowest unit's saturation (|x| ~ 10^3).
    half = float(flow._search_interval(0, torch.zeros(1, 0, dtype=F64))[1][0])
    s = torch.linspace(-math.asinh(half / 10), math.asinh(half / 10), 40001, dtype=F64)
    with torch.no_grad():
        density = flow.log_prob(10 * torch.sinh(s)[:, None]).exp() * 10 * torch.cosh(s)
        mass, closed = float(torch.trapezoid(density, s)), float(flow.total_mass())
    print(f"CNF mass {mass:.6f} vs 2Φ(cΣa) − 1 = {closed:.6f} (defect {1 - closed:.4f})")
    assert abs(mass - closed) <= 1e-3 * closed
    total = float(flow.output.weight.detach().sum())
    assert closed == pytest.approx(math.erf(flow.c * total / 2**0.5))


# --- stable logs and the convexity fact --------------------------------------------------------


@given(st.floats(-1e4, 1e4))
def test_log_sech2_is_exact(s: float) -> None:
    # Against 40 digits everywhere, including 10 < |s| < 40 where softplus's cut-off bit.
    mp.mp.dps = 40
    value = float(log_sech2(torch.tensor(s, dtype=F64)))
    exact = float(2 * mp.log(mp.sech(mp.mpf(s))))
    assert value == pytest.approx(exact, rel=1e-15, abs=1e-15)


def test_cnf_log_density_is_finite_far_out() -> None:
    flow = CNF(20, seed=0)
    x = torch.tensor([[-1e4], [-50.0], [50.0], [1e4]], dtype=F64)
    assert bool(torch.isfinite(flow.log_prob(x)).all())


def test_negative_log_elu_plus_one_is_convex_with_slope_in_minus_one_zero() -> None:
    """shah.unf.convex_loss: u ↦ −log(ELU(u) + 1) convex, slope in [−1, 0)."""
    u = torch.linspace(-50, 50, 4001, dtype=F64, requires_grad=True)
    loss = -log_elu_plus_one(u)
    (slope,) = torch.autograd.grad(loss.sum(), u)
    assert bool((slope >= -1).all()) and bool((slope < 0).all())
    assert bool((slope.diff() >= 0).all())  # non-decreasing slope
    values = loss.detach()
    midpoint = -log_elu_plus_one((u[:-2:2] + u[2::2]).detach() / 2)
    assert bool((midpoint <= (values[:-2:2] + values[2::2]) / 2 + 1e-15).all())
    # ELU(u) + 1 = exp(u) for u <= 0 (torch's elu(u) + 1 loses digits there), 1 + u above.
    u = u.detach()
    expected = -torch.log(torch.where(u > 0, 1 + u, torch.exp(u)))
    torch.testing.assert_close(values, expected, rtol=1e-14, atol=1e-15)
