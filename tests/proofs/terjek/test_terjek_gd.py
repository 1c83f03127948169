"""GD runs behind the convergence and laziness claims: the interpolant, shapes, envelope."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ntkcheck.proofs.terjek.common import mlp, sphere_data
from ntkcheck.proofs.terjek.gd import envelope_data, gd_run, gd_sweep, slower_loss


def test_gd_run_lands_on_the_minimum_norm_interpolant_when_wide():
    x, y = sphere_data(10, 4, seed=0)
    run = gd_run(mlp(4, 512, 1, seed=1), x, y, kernel_checkpoints=2)
    assert run["loss"].shape == (run["steps"] + 1,)
    assert run["loss_ratio"] < 1e-6 and run["eta"] * run["lambda_max_K0"] == pytest.approx(1)
    assert run["distance"] / run["min_norm_distance"] == pytest.approx(1, abs=0.05)
    assert 0 < run["kernel_drift"] < 0.1


def test_gd_sweep_and_envelope_data_shapes():
    sweep = gd_sweep((16, 32), 2, 1, 6, 3, 0, steps_per_kappa=0.2, n_test=4)
    assert sweep["distance"].shape == sweep["lin_gap_test"].shape == (2, 2)
    assert np.all(np.isfinite(sweep["lin_gap_test"]))
    env = envelope_data(sweep)
    steps = sum(c.size - 1 for row in sweep["loss_curves"] for c in row)
    assert env["L_t"].shape == env["t"].shape == env["run_width"].shape == (steps,)
    assert env["t"].min() == 1 and set(env["run_width"]) == {16.0, 32.0}
    assert env["late_rate"].shape == (2, 2)


def test_envelope_late_rate_of_a_geometric_curve_and_the_slower_foil():
    curve = 0.5 * 0.9 ** np.arange(41)
    runs = {
        "loss_curves": [[curve]],
        "eta": np.ones((1, 1)),
        "lambda_min_K0": np.full((1, 1), 0.1),
        "width": np.array([8.0]),
    }
    env = envelope_data(runs)
    assert env["late_rate"][0, 0] == pytest.approx(math.log(0.9), rel=1e-10)
    assert env["linear_rate"][0, 0] == pytest.approx(2 * math.log(0.9), rel=1e-12)
    slow = slower_loss({**runs, **env})
    assert slow["late_rate"][0, 0] == pytest.approx(math.log(0.9) / 8, rel=1e-10)
