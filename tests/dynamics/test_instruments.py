"""Instruments of the loop: distances, kernel, linearized model, observations; lazy training
shrinks with width; every input error."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from _dynamics_data import F64, linear_pair, max_lr, sphere, target

from ntkcheck.dynamics import (
    gd,
    lazy_distance,
    linearize,
    mse_loss,
    observe,
    sgd,
    track_distance,
    track_kernel,
    track_linearized,
    train,
)
from ntkcheck.errors import InvalidInputError
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.models.mlp import MLP
from ntkcheck.spectrum import lambda_min


def test_distances_match_the_snapshot_measure():
    X, model = sphere(8, 3, 0), MLP(3, 16, 2, bias_std=0.1, seed=0)
    theta0 = {k: v.detach().clone() for k, v in model.named_parameters()}
    step = gd(model, X, target(X), lr=0.3)
    traj = train(step, steps=5, instruments=(track_distance(operator_norms=True),))
    ref = lazy_distance(dict(model.named_parameters()), theta0)
    assert traj.distance[-1] == pytest.approx(ref.total, rel=1e-14)
    assert traj.relative_distance[-1] == pytest.approx(ref.relative, rel=1e-14)
    for k in theta0:
        assert traj.layer_distance[k][-1] == pytest.approx(ref.layer[k], rel=1e-14)
        assert traj.layer_relative(k)[-1] == pytest.approx(ref.layer_relative[k], rel=1e-14)
    for k in ref.layer_op:
        assert traj.layer_relative(k, "op")[-1] == pytest.approx(ref.layer_op_relative[k], 1e-12)
    hidden = ["layers.0.weight", "layers.0.bias"]
    dist, _ = traj.group_distance(hidden)
    assert dist[-1] == pytest.approx(math.hypot(ref.layer[hidden[0]], ref.layer[hidden[1]]))


def test_kernel_tracking_records_k_normalized_by_n():
    X = sphere(9, 4, 3)
    model = MLP(4, 32, 1, seed=2)
    theta0 = empirical_ntk(model, X)
    traj = train(
        gd(model, X, target(X), lr=0.5), steps=6, record_steps=[3], instruments=(track_kernel(),)
    )
    assert traj.steps.tolist() == [0, 3, 6] and traj.kernel_n == 9
    np.testing.assert_allclose(traj.kernel_init, theta0.numpy() / 9, rtol=1e-12)
    assert traj.lambda_min_K[0] == pytest.approx(lambda_min(theta0 / 9), rel=1e-10)
    np.testing.assert_allclose(traj.kernel_final, empirical_ntk(model, X).numpy() / 9, rtol=1e-12)
    assert traj.kernel_drift[0] == 0.0 and traj.kernel_drift_op[0] == 0.0


def test_kernel_on_other_points_with_options():
    X, Z = sphere(9, 4, 3), sphere(5, 4, 8)
    model = MLP(4, 16, 1, out_features=2, seed=2)
    theta0 = empirical_ntk(model, Z)  # (5, 5, 2, 2)
    instrument = track_kernel(Z, method="jacobian")
    traj = train(gd(model, X, torch.stack([target(X)] * 2, 1), lr=0.3), steps=2,
                 instruments=(instrument,))  # fmt: skip
    flat = theta0.permute(0, 2, 1, 3).reshape(10, 10).numpy() / 5
    assert traj.kernel_n == 5
    np.testing.assert_allclose(traj.kernel_init, flat, rtol=1e-12)


def test_linearization_of_a_linear_model_is_exact():
    X, pair = sphere(10, 4, 0), linear_pair(4, 1)
    traj = train(gd(pair, X, target(X), lr=max_lr(pair, X)), steps=60, record_every=1,
                 instruments=(track_linearized(),))  # fmt: skip
    assert traj.lin_gap.max() <= 1e-10
    np.testing.assert_allclose(traj.lin_loss, traj.loss, rtol=1e-10, atol=0)


def test_linearized_twin_takes_the_networks_sgd_batches():
    X, y = sphere(12, 3, 1), target(sphere(12, 3, 1))
    net = MLP(3, 16, 1, seed=4)
    lin = linearize(net)  # f^lin at θ_0, trained directly with the same rule and seed
    direct = train(sgd(lin, X, y, lr=0.3, batch_size=5, seed=9), steps=7, record_every=1)
    step = sgd(net, X, y, lr=0.3, batch_size=5, seed=9)
    traj = train(step, steps=7, record_steps=[2, 5], instruments=(track_linearized(),))
    np.testing.assert_allclose(traj.lin_loss, direct.loss[[0, 2, 5, 7]], rtol=1e-13)
    assert traj.lin_gap[0] == 0.0 and 0 < traj.lin_gap[-1] < 1


def test_observations_run_without_autograd():
    X = sphere(8, 3, 2)
    model = MLP(3, 8, 1, seed=0)
    x_test = sphere(4, 3, 3)

    def test_loss(state):
        out = model(x_test)
        assert not out.requires_grad
        return mse_loss(out, target(x_test))

    instruments = (observe(test=test_loss), observe(w00=lambda s: s["layers.0.weight"][0, 0]))
    traj = train(gd(model, X, target(X), lr=0.5), steps=4, record_every=2, instruments=instruments)
    assert set(traj.observables) == {"test", "w00"} and traj.observables["test"].shape == (3,)


def lazy_slopes(widths, depth, seeds, steps=40):
    X = sphere(12, 6, 7)
    y = target(X)
    dist, drift, op = [], [], []
    for m in widths:
        rows = []
        for s in seeds:
            model = MLP(6, m, depth, seed=s)
            lr = 1.0 / lambda_max_k(model, X)
            instruments = (track_distance(operator_norms=True), track_kernel())
            traj = train(gd(model, X, y, lr=lr), steps=steps, instruments=instruments)
            assert traj.loss[-1] < 0.2 * traj.loss[0]
            rows.append(
                (
                    traj.relative_distance[-1],
                    traj.kernel_drift[-1],
                    traj.layer_relative("layers.0.weight", "op")[-1],
                )
            )
        d_, k_, o_ = np.mean(rows, axis=0)
        dist.append(d_)
        drift.append(k_)
        op.append(o_)
    logm = np.log(widths)
    return tuple(float(np.polyfit(logm, np.log(v), 1)[0]) for v in (dist, drift, op))


def lambda_max_k(model, X):
    return float(np.linalg.eigvalsh(empirical_ntk(model, X).numpy() / X.shape[0])[-1])


def test_lazy_distance_and_kernel_drift_shrink_with_width():
    slope_dist, slope_drift, slope_op = lazy_slopes([64, 256, 1024], depth=1, seeds=[0, 1, 2])
    assert -0.8 < slope_dist < -0.25, slope_dist
    assert -1.2 < slope_drift < -0.25, slope_drift
    assert -0.8 < slope_op < -0.25, slope_op


@pytest.mark.slow
def test_lazy_scaling_depth_two():
    slope_dist, slope_drift, slope_op = lazy_slopes(
        [64, 128, 256, 512, 1024], depth=2, seeds=[0, 1, 2, 3, 4]
    )
    assert slope_dist < -0.6, slope_dist
    assert -1.5 < slope_drift < -0.3, slope_drift
    assert -0.8 < slope_op < -0.25, slope_op


def _toy():
    X = sphere(6, 3, 0)
    return MLP(3, 8, 1, seed=0), X, target(X)


@pytest.mark.parametrize(
    ("rule", "instrument", "match"),
    [
        ({"model_loss": lambda m, b: mse_loss(m(b[0]), b[1])}, track_linearized(), "model_loss"),
        ({"after_step": lambda t, p: None}, track_linearized(), "after_step"),
        ({}, track_linearized(sphere(3, 2, 0)), "gap_inputs"),
        ({}, track_kernel(sphere(3, 2, 0)), "`of` has example shape"),
    ],
)
def test_instrument_errors_on_a_model(rule, instrument, match):
    model, X, y = _toy()
    with pytest.raises(InvalidInputError, match=match):
        train(gd(model, X, y, lr=0.1, **rule), steps=2, instruments=(instrument,))


def test_instrument_errors():
    with pytest.raises(InvalidInputError, match="track_kernel options may set"):
        track_kernel(mode="trace")
    with pytest.raises(InvalidInputError, match="name=function pairs"):
        observe()
    from ntkcheck.dynamics import Step

    plain = Step(lambda t, s: (s, 1.0), {"w": torch.zeros(2, dtype=F64)}, lambda s: 1.0)
    with pytest.raises(InvalidInputError, match="no model and no kernel of its own"):
        train(plain, steps=1, instruments=(track_kernel(),))
    with pytest.raises(InvalidInputError, match="eNTK points need a step on a model"):
        train(plain, steps=1, instruments=(track_kernel(sphere(3, 2, 0)),))
    with pytest.raises(InvalidInputError, match="needs a gd/sgd step"):
        train(plain, steps=1, instruments=(track_linearized(),))
