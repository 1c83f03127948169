"""ntkcheck.testing: the assertions pass on what the theory predicts and fail with numbers."""

from __future__ import annotations

import pytest
import torch

from ntkcheck.data.sphere import smooth_target, sphere_points
from ntkcheck.models.mlp import MLP
from ntkcheck.testing import assert_lambda_min_positive, assert_lazy


def test_lambda_min_positive_on_distinct_points_and_fails_on_duplicates():
    x = sphere_points(10, 5, seed=0)
    model = MLP(5, 512, 2, seed=0)
    interval = assert_lambda_min_positive(model, x)
    assert 0 < interval.lo <= interval.hi
    with pytest.raises(AssertionError, match="not certified above 0"):
        assert_lambda_min_positive(model, torch.cat([x, x[:1]]))


def test_lazy_for_a_wide_net_and_not_for_a_narrow_one():
    x = sphere_points(10, 5, seed=0)
    y = smooth_target(x)
    traj = assert_lazy(MLP(5, 2048, 1, seed=0), x, y, steps=50)
    assert traj.relative_distance[-1] < 0.1
    with pytest.raises(AssertionError, match="Not lazy after 50 GD steps"):
        assert_lazy(MLP(5, 4, 1, seed=0), x, y, steps=50, max_kernel_drift=1e-3)


def test_assert_lazy_leaves_the_model_untouched():
    x = sphere_points(8, 4, seed=1)
    model = MLP(4, 64, 1, seed=0)
    before = [p.clone() for p in model.parameters()]
    assert_lazy(
        model, x, smooth_target(x), steps=5, max_relative_distance=1.0, max_kernel_drift=1.0
    )
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
