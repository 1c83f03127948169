"""Experiment functions behind the Terjék & González-Sánchez claims: shapes, determinism under a
seed, and sanity identities (the claims themselves run in tests/test_claims.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ntkcheck.experiments.terjek_gd import envelope_data, gd_run, gd_sweep
from ntkcheck.experiments.terjek_generalization import (
    clipped_error,
    generalization_experiment,
    kernel_bound,
)
from ntkcheck.experiments.terjek_init import (
    init_kernel_sweep,
    lambda_min_statistics,
    mlp,
    run_seed,
    sphere_data,
    std_slope,
)
from ntkcheck.experiments.terjek_lr import critical_lr, is_monotone, transfer_sweep
from ntkcheck.experiments.terjek_moments import (
    radial_moment,
    scaling_identity,
    tails_sweep,
    two_point_scales,
)
from ntkcheck.kernels.analytic import analytic_ntk
from ntkcheck.kernels.empirical import empirical_ntk


def test_run_seed_is_deterministic_and_separates_coordinates():
    assert run_seed(0, 1, 64, 2) == run_seed(0, 1, 64, 2)
    assert len({run_seed(0, 1, 64, s) for s in range(50)} | {run_seed(1, 1, 64, 0)}) == 51


def test_init_kernel_sweep_shapes_determinism_and_limit():
    kw = dict(widths=(16, 64), depths=(1, 2), seeds=3, n=8, d=4, seed=2)
    a, b = init_kernel_sweep(**kw), init_kernel_sweep(**kw)
    assert a["lambda_min"].shape == a["deviation"].shape == (2, 2, 3)
    # Reproducible to rounding: multithreaded BLAS may change the last bits between runs.
    np.testing.assert_allclose(a["lambda_min"], b["lambda_min"], rtol=1e-12, atol=0)
    x, _ = sphere_data(8, 4, seed=2)
    k_inf = analytic_ntk(x, depth=2, weight_std=math.sqrt(2)).numpy() / 8
    assert a["lambda_min_inf"][1] == pytest.approx(np.linalg.eigvalsh(k_inf)[0], rel=1e-12)
    assert np.all(a["lambda_min"] > 0) and np.all(a["lambda_max"] >= a["lambda_min"])
    stats = lambda_min_statistics(a)
    assert stats["std_slope"].shape == (2,) and stats["fraction_half"].shape == (2, 2)


def test_std_slope_recovers_an_exact_power_law():
    widths = np.array([64.0, 256.0, 1024.0])
    z = np.random.default_rng(0).standard_normal(20)
    fit = std_slope(widths, widths[:, None] ** -0.5 * z[None, :] + 3.0)
    assert fit.slope == pytest.approx(-0.5, abs=1e-12)
    assert fit.lo < -0.5 < fit.hi  # seeds are resampled independently per width


def test_gd_run_lands_on_the_minimum_norm_interpolant_when_wide():
    x, y = sphere_data(10, 4, seed=0)
    run = gd_run(mlp(4, 512, 1, seed=1), x, y, kernel_checkpoints=2)
    assert run["loss"].shape == (run["steps"] + 1,)
    assert run["loss_ratio"] < 1e-6 and run["eta"] * run["lambda_max_K0"] == pytest.approx(1)
    assert run["distance"] / run["min_norm_distance"] == pytest.approx(1, abs=0.05)
    assert 0 < run["kernel_drift"] < 0.1


def test_gd_sweep_and_envelope_data_shapes():
    sweep = gd_sweep(widths=(16, 32), seeds=2, depth=1, n=6, d=3, seed=0, steps=5, n_test=4)
    assert sweep["distance"].shape == sweep["lin_gap_test"].shape == (2, 2)
    assert np.all(np.isfinite(sweep["lin_gap_test"]))
    env = envelope_data(sweep)
    assert env["L_t"].shape == env["t"].shape == (4 * 5,) and env["t"].min() == 1
    assert env["late_rate"].shape == (2, 2)


def test_envelope_late_rate_of_a_geometric_curve():
    curve = 0.5 * 0.9 ** np.arange(41)
    sweep = {
        "loss_curves": [[curve]],
        "eta": np.ones((1, 1)),
        "lambda_min_K0": np.full((1, 1), 0.1),
    }
    env = envelope_data(sweep)
    assert env["late_rate"][0, 0] == pytest.approx(math.log(0.9), rel=1e-10)
    assert env["linear_rate"][0, 0] == pytest.approx(2 * math.log(0.9), rel=1e-12)


def test_critical_lr_brackets_two_over_lambda_max():
    x, y = sphere_data(8, 4, seed=0)

    def make():
        return mlp(4, 256, 1, seed=5)

    lam = float(np.linalg.eigvalsh(empirical_ntk(make(), x).numpy() / 8)[-1])
    assert is_monotone(make, x, y, 1.0 / lam, 60)
    assert not is_monotone(make, x, y, 4.0 / lam, 60)
    eta = critical_lr(make, x, y, lambda_max=lam, steps=100, iterations=4)
    assert 1.5 < eta * lam < 2.5


def test_transfer_sweep_shapes():
    out = transfer_sweep(widths=(32, 64), seeds=2, depth=1, n=6, d=3, seed=0, steps_per_kappa=2)
    assert out["log_gap"].shape == out["loss_ratio"].shape == (2, 2)
    assert len(out["inf_curves"][1][0]) == out["steps"] + 1


def test_generalization_bound_and_clipped_loss():
    assert kernel_bound(4.0, 9.0, 3, 0.05) == pytest.approx(
        2 * 6 / 3 + 3 * math.sqrt(math.log(40) / 6)
    )
    f, y = torch.tensor([0.0, 0.5, 3.0]), torch.tensor([0.2, 0.5, -1.0])
    assert clipped_error(f, y) == pytest.approx((0.2 + 0 + 1) / 3)
    out = generalization_experiment(width=64, depth=1, seeds=1, n=6, d=3, seed=0, n_test=50)
    for kind in ("true", "random"):
        assert out[f"gap_{kind}"].shape == (1,) and 0 <= out[f"test_error_{kind}"][0] <= 1


def test_scaling_identity_is_exact():
    out = scaling_identity(width=32, depth=2, n=6, d=3, seed=0, scales=(0.1, 7.0))
    assert np.all(out["kernel_error"] < 1e-13) and np.all(out["step_error"] < 1e-13)


def test_two_point_mixture_moments_and_tails_sweep():
    scales = two_point_scales(np.array([-1.0, 1.0]), 0.6)
    assert float((scales**2).mean()) == pytest.approx(1.0, abs=1e-15)
    assert radial_moment(0.6, 1) == pytest.approx(1.0)
    assert radial_moment(0.6, 3) > radial_moment(0.3, 3) > radial_moment(0.0, 3) == 1.0
    out = tails_sweep(spreads=(0.0, 0.5), width=32, depth=1, seeds=3, n=6, d=3, seed=0)
    assert out["lambda_min"].shape == (2, 3) and out["identity_error"] < 1e-13
