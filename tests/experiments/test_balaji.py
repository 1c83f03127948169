"""Experiment functions behind the Balaji et al. claims: shapes, determinism, sanity identities."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntkcheck.experiments.balaji_gda import fitted_rate, gda_run, underparameterized_study
from ntkcheck.experiments.balaji_linear import (
    gda_transition,
    iterate_rate,
    linear_generator,
    linear_problem,
    mode_roots,
    rate_formula_grid,
)
from ntkcheck.experiments.balaji_model import (
    balaji_problem,
    jacobian_errors,
    mean_matching_errors,
    torch_threads,
)
from ntkcheck.experiments.balaji_spectrum import init_singular_values, init_spectrum_study
from ntkcheck.experiments.balaji_study import median_trend, spearman_with_width, width_study
from ntkcheck.models.gan import spectral_radius


def test_problem_is_deterministic_and_seeds_share_no_draws():
    a, b = balaji_problem(20, 3), balaji_problem(20, 3)
    assert torch.equal(a.W0, b.W0) and torch.equal(a.z, b.z)
    assert torch.equal(a.game.x_bar, b.game.x_bar)
    assert a.W0.shape == (20, 5) and a.z.shape == (1, 5) and a.game.x_bar.shape == (10,)
    # consecutive seeds must not reuse a stream (e.g. z of seed s = first row of W of seed s+1)
    nxt = balaji_problem(20, 4)
    first_row = nxt.W0[0] / nxt.W0[0].norm()
    assert not torch.allclose(a.z[0], first_row)


def test_torch_threads_restores_the_thread_count():
    before = torch.get_num_threads()
    with torch_threads():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_mean_matching_and_jacobian_identities_hold_to_rounding():
    p = balaji_problem(12, 0, n=3, activation="softplus")
    mm = mean_matching_errors(p)
    assert max(mm.values()) < 1e-13
    jac = jacobian_errors(p)
    assert jac["autograd_error"] < 1e-13 and jac["fd_error"] < 1e-6
    assert jac["kink_columns"] == 0


def test_relu_columns_at_a_kink_are_left_out_of_the_difference_test():
    p = balaji_problem(12, 0, n=1, activation="relu")
    with torch.no_grad():  # put hidden unit 0 exactly on its kink: w_0ᵀ z = 0
        p.W0[0] -= (p.W0[0] @ p.z[0]) * p.z[0]
    jac = jacobian_errors(p)
    assert jac["kink_columns"] == 1 and jac["fd_error"] < 1e-6


def test_init_singular_values_shapes_and_rank_deficiency():
    r = init_singular_values([5, 40], [0, 1, 2])
    assert r["alpha"].shape == r["beta"].shape == r["trace_K_over_m"].shape == (2, 3)
    assert np.all(r["alpha"][0] <= 1e-14 * r["beta"][0])  # k = 5 < m = 10
    assert np.all(r["alpha"][1] > 0.05)


def test_init_spectrum_study_compares_consecutive_widths():
    r = init_spectrum_study([5, 10, 80], [0, 1, 2])
    np.testing.assert_array_equal(r["alpha_upper"], r["alpha_median"][1:])
    assert r["alpha_sq_over_mp"].shape == (1,) and r["alpha_rank_deficient"].shape == (3,)
    assert r["ratio_upper"].shape == (1,)  # widths ≥ m: 10 and 80


def test_fitted_rate_recovers_a_geometric_sequence():
    residuals = 3.0 * 0.9 ** np.arange(400)
    assert fitted_rate(residuals) == pytest.approx(0.9, rel=1e-12)
    assert np.isnan(fitted_rate(np.ones(10)))  # never enters the window


def test_gda_run_records_every_residual_deterministically():
    p = balaji_problem(40, 1)
    a, b = gda_run(p, steps=30, track_spectrum=True), gda_run(p, steps=30, track_spectrum=True)
    assert a.residuals.shape == (31,)
    np.testing.assert_array_equal(a.residuals, b.residuals)
    assert a.residuals[0] == pytest.approx(float(p.game.residual(p.W0).norm()), rel=1e-15)
    assert a.trajectory.observables["sigma_min"].shape == (31,)
    assert a.trajectory.observables["sigma_min"][0] == pytest.approx(a.alpha0, rel=1e-12)
    assert a.mu == pytest.approx(0.1 / a.beta0**2)


def test_underparameterized_residual_never_goes_below_the_unreachable_part():
    out = underparameterized_study(3, [0], steps=200, eta=0.5, mu_scale=0.1)
    assert out["residuals"].shape == (1, 201)
    assert out["min_ratio"][0] >= 1 - 1e-12


def test_linear_gda_map_blocks_and_rate():
    gen = linear_generator(4, 9, seed=0)
    eta, mu = 0.5, 0.3 / float(torch.linalg.eigvalsh(gen.A @ gen.A.T)[-1])
    M = gda_transition(gen, eta, mu)
    assert M.shape == (8, 8)
    roots = mode_roots(gen, eta, mu)
    np.testing.assert_allclose(roots["empirical"], roots["formula"], atol=1e-12)
    rho = float(spectral_radius(roots["kappa"], eta, mu).max())
    x0 = np.random.default_rng(0).standard_normal(8)
    assert iterate_rate(M, x0)["rate"] == pytest.approx(rho, rel=1e-6)


def test_linear_problem_is_deterministic_with_independent_streams():
    (gen, x0), (gen2, x02) = linear_problem(4, 9, seed=5), linear_problem(4, 9, seed=5)
    assert torch.equal(gen.A, gen2.A) and np.array_equal(x0, x02)
    assert x0.shape == (8,) and np.all(x0[4:] == 0)  # d_0 = 0
    assert not torch.equal(gen.A, linear_problem(4, 9, seed=6)[0].A)


def test_iterate_rate_on_a_diagonal_map():
    fit = iterate_rate(np.diag([0.5, 0.8]), np.ones(2), floor=1e-11)
    assert fit["rate"] == pytest.approx(0.8, rel=1e-9) and fit["growth"] <= 1e-11
    grow = iterate_rate(np.diag([1.01]), np.ones(1), max_steps=100)
    assert grow["rate"] == pytest.approx(1.01) and grow["window_end"] == 100


def test_rate_formula_grid_shapes():
    g = rate_formula_grid([0.5], [0.25, 0.9], [0])
    assert g["fitted"].shape == g["predicted"].shape == (1, 2, 1)
    assert np.all(g["rate_error"] < 1e-2) and g["transition_error"] < 1e-12


def test_width_study_shapes_and_helpers():
    out = width_study("ring", [1], [0], steps=20)
    assert out["high_quality_fraction"].shape == (1, 1)
    assert out["high_quality_fraction_curves"].shape[:2] == (1, 1)
    up, low = median_trend(np.array([[1.0, 3.0], [2.0, 4.0], [0.0, 10.0]]))
    np.testing.assert_array_equal(up, [3.0, 5.0])
    np.testing.assert_array_equal(low, [2.0, 3.0])
    assert spearman_with_width(np.array([1, 2]), np.array([[3.0, 2.0], [1.0, 0.0]])) < -0.8
