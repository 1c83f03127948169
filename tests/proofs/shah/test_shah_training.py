"""Width sweeps of flow training and the lazy statistics read from them."""

from __future__ import annotations

import numpy as np

from ntkcheck.proofs.shah.training import cnf_width_sweep, lazy_slope, not_lazy, unf_width_sweep


def test_width_sweeps_are_deterministic_and_record_the_curves():
    cnf = cnf_width_sweep((5, 10), 1, 0, n=40, lr=0.05, steps=8, curve_points=2)
    again = cnf_width_sweep((5, 10), 1, 0, n=40, lr=0.05, steps=8, curve_points=2)
    np.testing.assert_array_equal(cnf["curves"], again["curves"])
    assert cnf["curves"].shape == (2, 1, 4) and cnf["checkpoints"].tolist() == [0, 2, 5, 8]
    assert np.all(cnf["relative_distance"] > 0) and np.all(cnf["relative_distance_all"] > 0)
    assert cnf["width"].tolist() == [5.0, 10.0] and cnf["replicate"].tolist() == [0]
    unf = unf_width_sweep((8, 16), 2, 0, n=64, lr_width=32.0, steps=4, batch_size=16)
    assert unf["nll_final"].shape == (2, 2) and unf["nll_uniform"].shape == (2,)
    fit = lazy_slope(unf)
    assert np.isfinite(fit["slope"]) and fit["slope_lo"] <= fit["slope_hi"]


def test_replicates_are_seeded_from_the_base_seed():
    both = cnf_width_sweep((5,), 2, 3, n=40, lr=0.05, steps=4)
    second = cnf_width_sweep((5,), 1, 4, n=40, lr=0.05, steps=4)
    np.testing.assert_array_equal(both["nll_final"][:, 1], second["nll_final"][:, 0])


def test_not_lazy_foil_flattens_the_distances():
    measured = {"width": np.array([10.0, 40.0]), "relative_distance": np.array([[1.0], [0.5]])}
    foiled = not_lazy(measured)
    np.testing.assert_array_equal(foiled["relative_distance"], [[1.0], [1.0]])
    assert abs(foiled["slope"]) < 1e-12
