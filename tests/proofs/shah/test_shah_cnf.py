"""The CNF width claims' measurement: the differences it gates on and their coordinates."""

from __future__ import annotations

import numpy as np

from ntkcheck.proofs.shah.cnf import measure_training


def test_overparam_hurts_differences_and_coordinates():
    out = measure_training(
        widths=(5, 10, 20), seeds=1, n=40, steps=8, m_large=10, sgd_steps=4, curve_points=0
    )
    final = out["nll_final_mean"]
    np.testing.assert_array_equal(out["large_minus_smallest"], final[1:] - final[0])
    assert out["large_width"].tolist() == [10.0, 20.0]
    assert out["quarter_increment"].shape == out["larger_width"].shape == (2,)
    assert out["sgd_large_minus_smallest"].shape == (2,) and out["curves"].shape == (3, 1, 3)
    # the lazy claim's slope from the same runs
    assert out["relative_distance"].shape == (3, 1) and np.isfinite(out["slope"])
