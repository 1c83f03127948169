"""Linearized GDA on a linear generator: the problem draw, the iterated rate, the grid."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntkcheck.proofs.balaji.linear import iterate_rate, linear_problem, measure_rate_formula


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
    g = measure_rate_formula(etas=(0.5,), mu_betas=(0.25, 0.9), seeds=1)
    assert g["fitted"].shape == g["predicted"].shape == g["transition_error"].shape == (1, 2, 1)
    assert np.all(g["rate_error"] < 1e-2) and np.all(g["transition_error"] < 1e-12)
