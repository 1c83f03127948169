"""The generator's Jacobian: closed form vs autograd and differences, singular values at init."""

from __future__ import annotations

import numpy as np
import torch

from ntkcheck.proofs.balaji.common import balaji_problem
from ntkcheck.proofs.balaji.jacobian import doubled_kernel, jacobian_errors, measure_sigma_min


def test_jacobian_identities_hold_to_rounding():
    jac = jacobian_errors(balaji_problem(12, 0, n=3, activation="softplus"))
    assert jac["autograd_error"] < 1e-13 and jac["fd_error"] < 1e-6
    assert jac["kink_columns"] == 0


def test_relu_columns_at_a_kink_are_left_out_of_the_difference_test():
    p = balaji_problem(12, 0, n=1, activation="relu")
    with torch.no_grad():  # put hidden unit 0 exactly on its kink: w_0ᵀ z = 0
        p.W0[0] -= (p.W0[0] @ p.z[0]) * p.z[0]
    jac = jacobian_errors(p)
    assert jac["kink_columns"] == 1 and jac["fd_error"] < 1e-6


def test_singular_values_shapes_and_rank_deficiency():
    r = measure_sigma_min(widths=(5, 40), seeds=3)
    assert r["alpha"].shape == r["beta"].shape == r["trace_K_over_m"].shape == (2, 3)
    assert np.all(r["alpha"][0] <= 1e-14 * r["beta"][0])  # k = 5 < m = 10
    assert np.all(r["alpha"][1] > 0.05)


def test_spectrum_statistics_compare_consecutive_widths():
    r = measure_sigma_min(widths=(5, 10, 80), seeds=3)
    np.testing.assert_array_equal(r["alpha_upper"], r["alpha_median"][1:])
    np.testing.assert_array_equal(r["width_upper"], [10, 80])
    assert r["alpha_sq_over_mp"].shape == r["width_wide"].shape == (1,)
    assert r["alpha_rank_deficient"].shape == (1, 3)  # widths < m × seeds
    assert r["ratio_upper"].shape == (1,)  # widths ≥ m: 10 and 80
    doubled = doubled_kernel(r)
    np.testing.assert_allclose(doubled["trace_K_over_m_median"], 2 * r["trace_K_over_m_median"])
    np.testing.assert_allclose(doubled["ratio_vs_mp"], r["ratio_vs_mp"])  # β/α is scale-free
