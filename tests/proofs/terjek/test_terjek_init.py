"""The kernel-at-initialization sweep behind the λ_min claims: shapes, determinism, limit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ntkcheck.kernels.analytic import analytic_ntk
from ntkcheck.proofs.terjek.common import run_seed, sphere_data
from ntkcheck.proofs.terjek.init import (
    halved_kernels,
    kernel_sweep,
    lambda_min_statistics,
    std_slope,
)


def test_run_seed_is_deterministic_and_separates_coordinates():
    assert run_seed(0, 1, 64, 2) == run_seed(0, 1, 64, 2)
    assert len({run_seed(0, 1, 64, s) for s in range(50)} | {run_seed(1, 1, 64, 0)}) == 51


def test_kernel_sweep_shapes_determinism_and_limit():
    args = ((16, 64), (1, 2), 3, 8, 4, 2)
    a, b = kernel_sweep(*args), kernel_sweep(*args)
    assert a["lambda_min"].shape == a["deviation"].shape == (2, 2, 3)
    # Reproducible to rounding: multithreaded BLAS may change the last bits between runs.
    np.testing.assert_allclose(a["lambda_min"], b["lambda_min"], rtol=1e-12, atol=0)
    x, _ = sphere_data(8, 4, seed=2)
    k_inf = analytic_ntk(x, depth=2, weight_std=math.sqrt(2)).numpy() / 8
    assert a["lambda_min_inf"][1] == pytest.approx(np.linalg.eigvalsh(k_inf)[0], rel=1e-12)
    assert np.all(a["lambda_min"] > 0) and np.all(a["lambda_max"] >= a["lambda_min"])
    stats = lambda_min_statistics(a)
    assert stats["std_slope"].shape == (2,) and stats["fraction_half"].shape == (2, 2)
    halved = halved_kernels({**a, **stats})
    np.testing.assert_allclose(halved["lambda_min"], a["lambda_min"] / 2)
    assert np.all(halved["fraction_top"] <= stats["fraction_top"])


def test_std_slope_recovers_an_exact_power_law():
    widths = np.array([64.0, 256.0, 1024.0])
    z = np.random.default_rng(0).standard_normal(20)
    fit = std_slope(widths, widths[:, None] ** -0.5 * z[None, :] + 3.0)
    assert fit.slope == pytest.approx(-0.5, abs=1e-12)
    assert fit.lo < -0.5 < fit.hi  # seeds are resampled independently per width
