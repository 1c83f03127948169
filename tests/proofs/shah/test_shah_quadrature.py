"""The UNF's exact integral (the quadrature oracle) and the quadrature-error sweep."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntkcheck.models.flows import UNF, clenshaw_curtis
from ntkcheck.proofs.shah.quadrature import half_order, measure_quadrature, unf_exact_integral


def test_exact_integral_matches_a_high_order_rule_also_when_u_changes_sign():
    flow = UNF(-0.5, 64, seed=1)
    with torch.no_grad():  # large a: u crosses 0 between kinks, both ELU branches are used
        flow.nets[0].output.weight.mul_(20.0)
    x = torch.linspace(-0.5, 0.5, 9, dtype=torch.float64).reshape(-1, 1)
    exact = unf_exact_integral(flow, x)
    flow.rule = clenshaw_curtis(4000)
    with torch.no_grad():
        reference = flow(x)[:, 0].numpy()
    assert exact[0] == 0.0
    np.testing.assert_allclose(exact, reference, atol=1e-8)


def test_right_sum_error_follows_euler_maclaurin_and_halves_with_the_nodes():
    out = measure_quadrature(width=32, seeds=2, nodes=(50, 100), n_points=5)
    assert out["right_sum_error"].shape == (2, 2) and out["nodes"].tolist() == [50, 100]
    np.testing.assert_allclose(out["right_sum_error"], out["euler_maclaurin"], rtol=0.05)
    assert abs(out["slope"] + 1) < 0.05
    assert np.all(out["clenshaw_curtis_error"] < out["right_sum_error"])
    assert out["clenshaw_curtis_error_50"].shape == (2,) and out["replicate"].tolist() == [0, 1]
    assert abs(half_order(out)["slope"] + 0.5) < 0.05  # the foil: order ½


def test_the_gated_rule_must_be_measured():
    with pytest.raises(ValueError, match="must include 50"):
        measure_quadrature(width=8, seeds=1, nodes=(10, 20), n_points=3)
