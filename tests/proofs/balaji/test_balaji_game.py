"""The mean-matching game: best response by a Newton step, the errors' statistics, GD to W*."""

from __future__ import annotations

import numpy as np

from ntkcheck.proofs.balaji.common import balaji_problem
from ntkcheck.proofs.balaji.game import (
    best_response,
    gradient_descent_optimum,
    longer_residual,
    mean_matching_errors,
    measure_mean_matching,
)


def test_best_response_is_the_residual_to_rounding():
    out = best_response(balaji_problem(12, 0, n=3, activation="softplus"))
    errors = mean_matching_errors(np.array(out["value"]), out["residual"], out["best_response"])
    assert max(float(errors["value_error"]), float(errors["argmax_error"])) < 1e-13
    assert out["hessian_error"] < 1e-13


def test_measure_mean_matching_is_activations_by_seeds():
    out = measure_mean_matching(k=12, activations=("tanh", "relu"), seeds=2)
    assert out["value_error"].shape == out["hessian_error"].shape == (2, 2)
    assert out["residual"].shape == out["best_response"].shape == (2, 2, 10)
    assert np.all(out["argmax_error"] < 1e-13)
    # the foil moves Ĝ by a relative 1e-6: both errors jump to that size
    foiled = longer_residual(out)
    np.testing.assert_allclose(foiled["argmax_error"], 1e-6, rtol=1e-5)
    assert np.all(foiled["value_error"] > 1e-6)


def test_gradient_descent_stops_at_the_rounding_floor_or_the_cap():
    p = balaji_problem(40, 0)
    w_star, steps = gradient_descent_optimum(p)
    assert steps < 5000 and float(p.game.residual(w_star).norm()) < 1e-12
    w_early, early = gradient_descent_optimum(p, max_steps=10)
    assert early == 10 and float(p.game.residual(w_early).norm()) > 1e-6
