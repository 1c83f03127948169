"""The width × seed grid helper: shapes, order, ragged values, nested mappings."""

from __future__ import annotations

import numpy as np
import pytest

from ntkcheck.claims import grid


def test_grid_stacks_scalars_arrays_ragged_and_nested_values():
    calls = []

    def run(depth, width, replicate):
        calls.append((depth, width, replicate))
        return {
            "value": depth * 100 + width + replicate / 10,
            "pair": np.array([width, replicate]),
            "curve": np.arange(width),  # ragged across widths
            "layers": {"w1": float(width)},
        }

    out = grid(run, seeds=2, depth=(1, 2), width=(3, 5, 7))
    assert calls[:3] == [(1, 3, 0), (1, 3, 1), (1, 5, 0)]  # the last axis varies fastest
    assert out["value"].shape == (2, 3, 2) and out["value"][1, 2, 1] == pytest.approx(207.1)
    assert out["pair"].shape == (2, 3, 2, 2)
    assert isinstance(out["curve"], list) and len(out["curve"][0][2][1]) == 7
    assert out["layers"]["w1"].shape == (2, 3, 2)
    np.testing.assert_array_equal(out["width"], [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(out["replicate"], [0, 1])


def test_grid_refuses_inconsistent_runs_and_zero_seeds():
    with pytest.raises(ValueError, match="different keys"):
        grid(lambda width, replicate: {f"k{width}": 1.0}, seeds=1, width=(1, 2))
    with pytest.raises(ValueError, match="seeds"):
        grid(lambda width, replicate: {}, seeds=0, width=(1,))
