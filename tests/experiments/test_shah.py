"""Experiment functions behind the Shah et al. claims: shapes, determinism, sanity identities."""

from __future__ import annotations

import numpy as np
import torch

from ntkcheck.experiments.shah_bounded import cnf_bounded_change
from ntkcheck.experiments.shah_identities import density_normalization, monotonicity
from ntkcheck.experiments.shah_kernels import cnf_logdet_kernel, unf_ntk_scale
from ntkcheck.experiments.shah_numerics import (
    cnf_total_mass,
    convexity_grid,
    functional_convexity,
    unf_exact_integral,
    unf_quadrature_errors,
    unf_total_mass,
)
from ntkcheck.experiments.shah_training import (
    cnf_width_sweep,
    make_cnf,
    make_unf,
    unf_data,
    unf_generalization,
    unf_width_sweep,
)
from ntkcheck.models.flows import CNF, UNF, AutoregressiveUNF, MaskedCNF, clenshaw_curtis


def _points(lo: float, hi: float, n: int) -> torch.Tensor:
    return torch.linspace(lo, hi, n, dtype=torch.float64).reshape(-1, 1)


def test_exact_integral_matches_a_high_order_rule_also_when_u_changes_sign():
    flow = UNF(-0.5, 64, seed=1)
    with torch.no_grad():  # large a: u crosses 0 between kinks, both ELU branches are used
        flow.nets[0].output.weight.mul_(20.0)
    x = _points(-0.5, 0.5, 9)
    exact = unf_exact_integral(flow, x)
    flow.rule = clenshaw_curtis(4000)
    with torch.no_grad():
        reference = flow(x)[:, 0].numpy()
    assert exact[0] == 0.0
    np.testing.assert_allclose(exact, reference, atol=1e-8)


def test_right_sum_error_follows_euler_maclaurin_and_halves_with_the_nodes():
    out = unf_quadrature_errors(32, [0, 1], [50, 100], n_points=5)
    assert out["right_sum_error"].shape == (2, 2) and out["nodes"].tolist() == [50, 100]
    np.testing.assert_allclose(out["right_sum_error"], out["euler_maclaurin"], rtol=0.05)
    assert abs(out["slope"] + 1) < 0.05
    assert np.all(out["clenshaw_curtis_error"] < out["right_sum_error"])


def test_total_masses_match_their_closed_forms_at_init():
    cnf = CNF(20, seed=0)
    assert abs(cnf_total_mass(cnf, grid_points=20001) - float(cnf.total_mass().detach())) < 1e-6
    unf = UNF(-0.5, 32, seed=0)
    unf.rule = clenshaw_curtis(50)
    assert abs(unf_total_mass(unf, grid_points=2001) - 1.0) < 1e-4


def test_convexity_grid_slopes_and_functional_midpoints():
    grid = convexity_grid(-5.0, 5.0, 101)
    assert grid["slope_min"] == -1.0 and -1.0 < grid["slope_max"] < 0.0
    assert grid["midpoint_gap_neglog"] <= 1e-12 and grid["midpoint_gap_elu"] <= 1e-12
    assert functional_convexity(16, [0, 1, 2], n_points=5) <= 1e-12


def test_unf_ntk_trace_equals_its_closed_form_and_is_deterministic():
    out = unf_ntk_scale([50, 200], [3], n_points=4)
    again = unf_ntk_scale([50, 200], [3], n_points=4)
    np.testing.assert_allclose(out["trace"], again["trace"], rtol=1e-13)  # threads: 1 ulp
    assert out["trace"].shape == (2, 1) and out["trace_ratio"].shape == (1,)
    net = UNF(-0.5, 50, seed=3).nets[0]
    t = torch.linspace(-0.5, 0.5, 4, dtype=torch.float64)
    active = (net.hidden(t.reshape(-1, 1)) > 0).double()  # (n, m)
    a2 = net.output.weight[0].detach() ** 2
    closed = float((active @ a2 * (1 + t**2)).mean())  # tr Θ/n = mean_t Σ_r a_r² 1[·](1 + t²)
    assert abs(out["trace"][0, 0] - closed) < 1e-12 * closed


def test_cnf_kernel_shapes():
    out = cnf_logdet_kernel([10, 40], [0, 1], n_points=3)
    assert out["trace_logdet"].shape == (2, 2) and out["logdet_ratio"].shape == (1,)
    assert out["map_spread"] >= 1.0 and np.all(out["trace_map_all"] > out["trace_map"])


def test_width_sweeps_are_deterministic_and_record_the_curves():
    cnf = cnf_width_sweep([5, 10], [0], n=40, steps=8, curve_points=2)
    again = cnf_width_sweep([5, 10], [0], n=40, steps=8, curve_points=2)
    np.testing.assert_array_equal(cnf["curves"], again["curves"])
    assert cnf["curves"].shape == (2, 1, 4) and cnf["steps"].tolist() == [0, 2, 5, 8]
    assert np.all(cnf["relative_distance"] > 0) and np.all(cnf["relative_distance_all"] > 0)
    unf = unf_width_sweep([8, 16], [0, 1], n=64, steps=4, batch_size=16)
    assert unf["nll_final"].shape == (2, 2) and unf["nll_uniform"].shape == (2,)
    assert np.isfinite(unf["slope"]) and unf["slope_lo"] <= unf["slope_hi"]


def test_flow_factories_and_data_scaling():
    assert isinstance(make_cnf(1, 4, 0), CNF) and isinstance(make_cnf(2, 4, 0), MaskedCNF)
    x = unf_data(100, 0, "checkerboard")
    assert float(torch.linalg.vector_norm(x, dim=1).max()) <= 0.5 + 1e-12
    assert isinstance(make_unf(x.min(0).values, 4, 0), AutoregressiveUNF)
    assert isinstance(make_unf(x[:1, 0], 4, 0), UNF)


def test_generalization_gap_is_the_absolute_difference():
    out = unf_generalization([40, 80], [0, 1], width=8, steps=3, batch_size=8)
    assert out["gap"].shape == (2, 2)
    np.testing.assert_array_equal(out["gap"], np.abs(out["test_nll"] - out["train_nll"]))


def test_identities_of_short_runs():
    mass = density_normalization(0, n=60, unf_width=8, unf_steps=3, cnf_width=6, cnf_steps=3)
    assert abs(mass["unf_mass_cc"] - 1) < 1e-3
    assert abs(mass["cnf_mass_grid"] - mass["cnf_mass_closed_form"]) < 1e-3
    mono = monotonicity(0, n=60, unf_width=8, unf_steps=3, cnf_width=6, cnf_steps=3)
    assert mono["cnf_min_a"] >= 1e-6 and mono["cnf_min_w"] >= 1e-6
    assert mono["cnf_min_fprime_curve"].shape == (3,) and mono["unf_min_n"] > 0


def test_bounded_change_stays_in_the_ball_and_keeps_the_projection():
    out = cnf_bounded_change([4, 8], [0.01, 10.0], [0], n=30, steps=5)
    assert out["best_nll"].shape == (2, 2, 1)
    assert np.all(out["distance"][:, 0] <= 0.01 + 1e-12)
    assert np.all(out["best_nll"] <= out["final_nll"])
