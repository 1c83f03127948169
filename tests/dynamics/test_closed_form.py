"""Closed-form linearized MSE residuals r_t = (I − ηΘ/n)^t r_0 and their errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _dynamics_data import sphere
from hypothesis import given
from hypothesis import strategies as st

from ntkcheck.dynamics import infinite_width_mse_residuals, linearized_mse_residuals
from ntkcheck.errors import InvalidInputError
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.models.mlp import MLP


@given(n=st.integers(1, 6), seed=st.integers(0, 2**16), steps=st.integers(0, 25))
def test_closed_form_equals_repeated_products(n, seed, steps):
    rng = np.random.default_rng(seed)
    j = rng.standard_normal((n, n + 2))
    theta, r0 = j @ j.T, rng.standard_normal(n)
    lr = 1.5 / np.linalg.eigvalsh(theta / n)[-1]
    res = linearized_mse_residuals(theta, r0, lr, steps)
    r, step = r0.copy(), np.eye(n) - lr * theta / n
    for t in range(steps + 1):
        np.testing.assert_allclose(res[t], r, rtol=1e-10, atol=1e-10 * np.abs(r0).max())
        r = step @ r
    picked = linearized_mse_residuals(torch.from_numpy(theta), r0, lr, [steps, 0])
    np.testing.assert_allclose(picked, res[[steps, 0]], rtol=1e-13, atol=1e-15)


def test_closed_form_multi_output_takes_the_full_kernel():
    X = sphere(5, 3, 4)
    model = MLP(3, 8, 1, out_features=2, seed=0)
    full = empirical_ntk(model, X)  # (5, 5, 2, 2)
    flat = full.permute(0, 2, 1, 3).reshape(10, 10)
    r0 = np.random.default_rng(0).standard_normal((5, 2))
    a = linearized_mse_residuals(full, r0, 0.1, 7)
    b = linearized_mse_residuals(flat, r0, 0.1, 7)
    assert a.shape == (8, 5, 2)
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_infinite_width_residuals_start_from_minus_y_by_default():
    rng = np.random.default_rng(1)
    j = rng.standard_normal((6, 9))
    theta, y, f0 = j @ j.T, rng.standard_normal(6), rng.standard_normal(6)
    np.testing.assert_array_equal(
        infinite_width_mse_residuals(theta, y, 0.2, 5),
        linearized_mse_residuals(theta, -y, 0.2, 5),
    )
    np.testing.assert_array_equal(
        infinite_width_mse_residuals(theta, y, 0.2, 5, f0=f0),
        linearized_mse_residuals(theta, f0 - y, 0.2, 5),
    )


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.eye(3), np.ones(3), 0.0, 3), "finite learning rate > 0"),
        ((np.eye(3), np.ones(4), 0.1, 3), r"Θ must be \(n·O, n·O\)"),
        ((np.triu(np.ones((3, 3))), np.ones(3), 0.1, 3), "not symmetric"),
        ((np.eye(3), np.ones(3), 0.1, -1), "steps. must be >= 0"),
        ((np.eye(3), np.ones(3), 0.1, [1.5]), "sequence of integers"),
        ((np.eye(3), np.array([1.0, np.nan, 0.0]), 0.1, 3), "non-finite"),
        ((np.full((3, 3), np.nan), np.ones(3), 0.1, 3), "non-finite"),
    ],
)
def test_closed_form_errors(args, match):
    with pytest.raises(InvalidInputError, match=match):
        linearized_mse_residuals(*args)


def test_infinite_width_f0_shape_error():
    with pytest.raises(InvalidInputError, match="`f0` has shape"):
        infinite_width_mse_residuals(np.eye(3), np.ones(3), 0.1, 2, f0=np.ones((3, 2)))
