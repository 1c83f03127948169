"""The UNF claims' statistics: width excess, generalization gap and their foils."""

from __future__ import annotations

import numpy as np

from ntkcheck.proofs.shah.unf import (
    learns_statistics,
    measure_generalization,
    read_at_init,
    train_read_at_init,
)


def test_width_excess_is_over_the_best_smaller_width():
    measured = {
        "width": np.array([64.0, 256.0, 1024.0]),
        "nll_final": np.array([[0.3, 0.1], [0.1, 0.1], [0.2, 0.2]]),
    }
    out = learns_statistics(measured)
    np.testing.assert_allclose(out["width_excess"], [-0.1, 0.1])
    assert out["larger_width"].tolist() == [256.0, 1024.0]
    early = read_at_init({**measured, "nll_init": np.ones((3, 2))})
    np.testing.assert_array_equal(early["nll_final"], np.ones((3, 2)))


def test_generalization_gap_is_the_absolute_difference():
    out = measure_generalization(n=(40, 80), seeds=2, width=8, steps=3, batch_size=8)
    assert out["gap"].shape == (2, 2) and out["n"].tolist() == [40.0, 80.0]
    np.testing.assert_array_equal(out["gap"], np.abs(out["test_nll"] - out["train_nll"]))
    assert out["gap_change"] == out["gap_mean"][-1] - out["gap_mean"][0]
    early = train_read_at_init(out)
    np.testing.assert_array_equal(early["gap"], np.abs(out["test_nll"] - out["train_nll_init"]))
