"""Minima of the CNF's a, w, f' and the UNF's N along short runs."""

from __future__ import annotations

from ntkcheck.proofs.shah.monotone import measure_monotone


def test_minima_of_short_runs():
    mono = measure_monotone(n=60, unf_width=8, unf_steps=3, cnf_width=6, cnf_steps=3)
    assert mono["cnf_min_a"] >= 1e-6 and mono["cnf_min_w"] >= 1e-6
    assert mono["cnf_min_fprime_curve"].shape == (3,) and mono["unf_min_n"] > 0
    assert mono["unf_min_n_curve"].shape == (4,)  # the UNF's init included


def test_a_lower_projection_floor_is_reached():
    low = measure_monotone(
        n=60, unf_width=8, unf_steps=1, cnf_width=50, cnf_steps=30, projection_floor=1e-8
    )
    assert low["cnf_min_a"] == 1e-8 and low["cnf_clamped"] > 0
