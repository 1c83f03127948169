"""The exact scaling identities behind the moment claims."""

from __future__ import annotations

import numpy as np
import pytest

from ntkcheck.proofs.terjek.moments import (
    radial_moment,
    scaling_identity,
    tails_sweep,
    two_point_scales,
)


def test_scaling_identity_is_exact_and_a_wrong_exponent_is_not():
    out = scaling_identity(32, 2, 6, 3, 0, (0.1, 7.0))
    assert np.all(out["kernel_error"] < 1e-13) and np.all(out["step_error"] < 1e-13)
    wrong = scaling_identity(32, 2, 6, 3, 0, (0.1, 7.0), exponent=1.0)
    assert np.all(wrong["kernel_error"] > 0.5)


def test_two_point_mixture_moments_and_tails_sweep():
    scales = two_point_scales(np.array([-1.0, 1.0]), 0.6)
    assert float((scales**2).mean()) == pytest.approx(1.0, abs=1e-15)
    assert radial_moment(0.6, 1) == pytest.approx(1.0)
    assert radial_moment(0.6, 3) > radial_moment(0.3, 3) > radial_moment(0.0, 3) == 1.0
    out = tails_sweep((0.0, 0.5), 32, 1, 3, 6, 3, 0)
    assert out["lambda_min"].shape == (2, 3) and out["identity_error"] < 1e-13
    assert out["one_sided_error"] > 1e-3
