"""The kernel generalization bound, the clipped loss and the true/random label experiment."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ntkcheck.proofs.terjek.generalization import (
    clipped_error,
    kernel_bound,
    measure_generalization,
    swapped_labels,
)


def test_generalization_bound_and_clipped_loss():
    assert kernel_bound(4.0, 9.0, 3, 0.05) == pytest.approx(
        2 * 6 / 3 + 3 * math.sqrt(math.log(40) / 6)
    )
    f, y = torch.tensor([0.0, 0.5, 3.0]), torch.tensor([0.2, 0.5, -1.0])
    assert clipped_error(f, y) == pytest.approx((0.2 + 0 + 1) / 3)
    out = measure_generalization(width=64, depth=1, seeds=1, n=6, d=3, n_test=50)
    assert out["gap"].shape == (2, 1)
    for kind in ("true", "random"):
        assert out[f"gap_{kind}"].shape == (1,) and 0 <= out[f"test_error_{kind}"][0] <= 1
    swapped = swapped_labels(out)
    assert swapped["bound_true_mean"] == out["bound_random_mean"]
    np.testing.assert_array_equal(swapped["gap"], out["gap"][::-1])
