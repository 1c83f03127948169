"""The width study of MLP GANs: shapes, padding of diverged runs, trend statistics."""

from __future__ import annotations

import numpy as np

from ntkcheck.proofs.balaji.study import (
    median_trend,
    padded,
    quality_statistics,
    reversed_widths,
    spearman_with_width,
    width_study,
)


def test_width_study_shapes():
    out = width_study("ring", (1,), 1, 0, steps=20)
    assert out["high_quality_fraction"].shape == out["oscillation"].shape == (1, 1)
    assert out["high_quality_fraction_curves"].shape[:2] == (1, 1)


def test_padded_fills_a_diverged_run_with_nan():
    curves = padded([[np.array([1.0, 2.0, 3.0]), np.array([4.0])]])
    assert curves.shape == (1, 2, 3)
    assert np.isnan(curves[0, 1, 1:]).all() and curves[0, 1, 0] == 4.0


def test_trend_helpers():
    up, low = median_trend(np.array([[1.0, 3.0], [2.0, 4.0], [0.0, 10.0]]))
    np.testing.assert_array_equal(up, [3.0, 5.0])
    np.testing.assert_array_equal(low, [2.0, 3.0])
    assert spearman_with_width(np.array([1, 2]), np.array([[3.0, 2.0], [1.0, 0.0]])) < -0.8


def test_reversed_widths_reverse_the_trends():
    measured = {
        "ring_width": np.array([1.0, 8.0]),
        "digits_width": np.array([1.0, 8.0]),
        "ring_high_quality_fraction": np.array([[0.1, 0.2], [0.5, 0.6]]),
        "ring_modes_covered_1pct": np.array([[2.0, 3.0], [8.0, 8.0]]),
        "ring_modes_covered_any": np.array([[8.0, 8.0], [8.0, 8.0]]),
        "ring_oscillation": np.array([[0.01, 0.02], [0.03, 0.04]]),
        "digits_fd_pca20": np.array([[7.0, 6.0], [2.0, 3.0]]),
        "digits_fd_pixels": np.array([[13.0, 12.0], [4.0, 5.0]]),
        "digits_oscillation": np.array([[1.0, 1.0], [1.0, 1.0]]),
    }
    stats = quality_statistics(measured)
    assert stats["hq_upper"][0] > stats["hq_lower"][0] and stats["fd_last"] < stats["fd_first"]
    foiled = reversed_widths({**measured, **stats})
    assert foiled["hq_upper"][0] < foiled["hq_lower"][0] and foiled["fd_last"] > foiled["fd_first"]
