"""Convexity of the UNF's loss pieces on a grid and as a functional of u."""

from __future__ import annotations

import pytest

from ntkcheck.proofs.shah.convexity import (
    convexity_grid,
    functional_convexity,
    measure_convexity,
    slope_sign_error,
)


def test_convexity_grid_slopes_and_functional_midpoints():
    grid = convexity_grid(-5.0, 5.0, 101)
    assert grid["slope_min"] == -1.0 and -1.0 < grid["slope_max"] < 0.0
    assert grid["midpoint_gap_neglog"] <= 1e-12 and grid["midpoint_gap_elu"] <= 1e-12
    assert functional_convexity(16, 3, 0, n_points=5) <= 1e-12


def test_functional_convexity_needs_a_pair():
    with pytest.raises(ValueError, match="seeds must be >= 2"):
        functional_convexity(16, 1, 0)


def test_sign_error_foil_flips_the_slope_range():
    out = measure_convexity(width=8, seeds=2, u_max=5.0, grid_points=51)
    flipped = slope_sign_error(out)
    assert flipped["slope_max"] == -out["slope_min"] == 1.0
    assert flipped["slope_min_plus_one"] == flipped["slope_min"] + 1.0
