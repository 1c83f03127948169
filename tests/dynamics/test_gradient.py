"""GD and SGD steps: the closed form on linear models, in-place updates, model losses, hooks,
the documented batch orders, and every input error."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from _dynamics_data import F64, assert_same, linear_pair, max_lr, sphere, target
from torch.utils.data import DataLoader, TensorDataset

from ntkcheck.dynamics import (
    gd,
    linearize,
    linearized_mse_residuals,
    mse_loss,
    sgd,
    track_distance,
    train,
)
from ntkcheck.errors import InvalidInputError
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.kernels.reference import reference_ntk
from ntkcheck.models.mlp import MLP


def test_linear_model_gd_equals_closed_form_and_trains_the_pair_in_place():
    X, (f, params) = sphere(10, 4, 0), linear_pair(4, 1)
    y = target(X)
    theta = reference_ntk((f, params), X)
    r0 = (f(params, X) - y).numpy()
    lr = max_lr((f, params), X)
    traj = train(gd((f, params), X, y, lr=lr), steps=60, record_every=1)
    res = linearized_mse_residuals(theta, r0, lr, 60)
    closed_loss = 0.5 * (res**2).sum(1) / X.shape[0]
    assert np.abs(traj.loss - closed_loss).max() <= 1e-12 * closed_loss[0]
    assert np.abs((f(params, X) - y).numpy() - res[-1]).max() <= 1e-12 * np.abs(r0).max()


@pytest.mark.parametrize("outputs", [1, 2])
def test_linearized_mlp_trained_by_gd_matches_the_closed_form(outputs):
    X = sphere(8, 5, 2)
    y = target(X) if outputs == 1 else torch.stack([target(X), X[:, 0]], 1)
    model = MLP(5, 32, 2, out_features=outputs, seed=3)
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    theta = empirical_ntk(model, X)
    lin = linearize(model)
    r0 = (lin(X).reshape(y.shape) - y).detach().numpy()
    lr = max_lr(model, X)
    traj = train(gd(lin, X, y, lr=lr), steps=25, record_every=1)
    res = linearized_mse_residuals(theta, r0, lr, 25)
    closed_loss = 0.5 * (res.reshape(26, -1) ** 2).sum(1) / X.shape[0]
    np.testing.assert_allclose(traj.loss, closed_loss, rtol=1e-10, atol=1e-12 * closed_loss[0])
    final = (lin(X).reshape(y.shape) - y).detach().numpy()
    assert np.abs(final - res[-1]).max() <= 1e-10 * np.abs(r0).max()
    for k, v in model.named_parameters():
        assert torch.equal(v.detach(), before[k])  # linearize copies θ_0


def test_module_is_trained_in_place_and_the_rule_is_recorded():
    X, model = sphere(8, 3, 0), MLP(3, 16, 2, seed=0)
    step = gd(model, X, target(X), lr=0.3)
    assert step.state["layers.0.weight"].data_ptr() == model.layers[0].weight.data_ptr()
    traj = train(step, steps=5, config={"width": 16, "tags": ["a"]})
    assert traj.config == {"width": 16, "tags": ["a"]}
    assert traj.settings["algorithm"] == "gd" and traj.settings["steps"] == 5
    assert traj.settings["loss"] == "mse_loss" and traj.distance is None
    assert {"python", "numpy", "torch", "ntkcheck"} <= set(traj.versions)


def test_after_step_hook_projects_and_sees_current_parameters():
    X = sphere(10, 3, 5)
    model = MLP(3, 12, 1, seed=1)
    seen = []

    def project(t, params):
        assert params["layers.0.weight"].data_ptr() == model.layers[0].weight.data_ptr()
        with torch.no_grad():
            model.layers[1].weight.clamp_(min=0.0)  # as a flow's project_() does
        seen.append(t)

    train(gd(model, X, target(X), lr=0.5, after_step=project), steps=7)
    assert seen == list(range(7)) and bool((model.layers[1].weight >= 0).all())


def test_model_loss_matches_the_output_loss_path():
    X = sphere(9, 3, 1)
    y = target(X)
    a = train(gd(MLP(3, 10, 1, seed=4), X, y, lr=0.4), steps=5, instruments=(track_distance(),))
    b = train(
        gd(
            MLP(3, 10, 1, seed=4),
            X,
            y,
            lr=0.4,
            model_loss=lambda model, batch: mse_loss(model(batch[0]), batch[1]),
        ),
        steps=5,
        record_every=1,
        instruments=(track_distance(),),
    )
    np.testing.assert_allclose(b.loss[[0, -1]], a.loss, rtol=1e-13)
    np.testing.assert_allclose(b.distance[[0, -1]], a.distance, rtol=1e-12, atol=1e-15)


def test_sgd_is_deterministic_under_a_seed_and_visits_each_example_once_per_epoch():
    X = sphere(12, 3, 4)
    y = target(X)
    batches = []

    def recording_mse(outputs, targets):
        if targets.shape[0] < 12:
            batches.append(targets.detach().clone())
        return mse_loss(outputs, targets)

    def fit(seed, loss=mse_loss):
        step = sgd(MLP(3, 16, 1, seed=0), X, y, lr=0.3, batch_size=4, seed=seed, loss=loss)
        return train(step, epochs=3)

    assert_same(fit(7), fit(7))
    assert not np.array_equal(fit(7).step_loss, fit(8).step_loss)
    assert fit(7).steps.tolist() == [0, 9] and fit(7).settings["epochs"] == 3
    fit(7, recording_mse)
    for epoch in range(3):
        seen = torch.cat(batches[3 * epoch : 3 * epoch + 3])
        torch.testing.assert_close(seen.sort().values, y.sort().values, rtol=0, atol=0)


@pytest.mark.parametrize(("n", "batch_size"), [(10, 3), (12, 4)])
def test_dataloader_order_is_torchs_shuffling_dataloader(n, batch_size):
    X = sphere(n, 2, 0)
    index = torch.arange(n, dtype=F64)
    seen = []

    def recording_mse(outputs, targets):
        seen.append(targets[:, 1].long().tolist())
        return mse_loss(outputs[:, 0], targets[:, 0])

    model = MLP(2, 4, 1, out_features=2, seed=0)
    y = torch.stack([target(X), index], 1)
    step = sgd(
        model, X, y, lr=0.1, batch_size=batch_size, seed=5, order="dataloader", loss=recording_mse
    )
    train(step, epochs=3)
    loader = DataLoader(
        TensorDataset(index.long()),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(5),
    )
    expected = [b[0].tolist() for _ in range(3) for b in loader]
    assert [b for b in seen if len(b) <= batch_size][: len(expected)] == expected


def test_a_second_train_continues_the_state_and_the_batch_order():
    X, y = sphere(12, 3, 2), target(sphere(12, 3, 2))
    whole = sgd(MLP(3, 8, 1, seed=1), X, y, lr=0.2, batch_size=5, seed=3)
    halves = sgd(MLP(3, 8, 1, seed=1), X, y, lr=0.2, batch_size=5, seed=3)
    a = train(whole, steps=8)
    b1, b2 = train(halves, steps=4), train(halves, steps=4)
    np.testing.assert_array_equal(a.step_loss, np.concatenate([b1.step_loss, b2.step_loss]))
    for k in whole.state:
        assert torch.equal(whole.state[k], halves.state[k])


def _toy():
    X = sphere(6, 3, 0)
    return MLP(3, 8, 1, seed=0), X, target(X)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"X": torch.zeros(0, 3, dtype=F64), "y": torch.zeros(0, dtype=F64)}, "N >= 1"),
        ({"X": sphere(1, 3, 0), "y": torch.zeros(1, dtype=F64)}, "n >= 2"),
        ({"y": torch.zeros(5, dtype=F64)}, "one target row per example"),
        ({"y": torch.zeros(6, 2, dtype=F64)}, "1 output"),
        ({"y": torch.zeros(6, dtype=torch.float32)}, r"y.to\(torch.float64\)"),
        ({"y": None}, "tensor of targets"),
        ({"X": torch.full((6, 3), math.nan, dtype=F64)}, "non-finite"),
        ({"y": torch.full((6,), math.nan, dtype=F64)}, "non-finite"),
        ({"lr": 0.0}, "finite learning rate > 0"),
        ({"lr": -1.0}, "finite learning rate > 0"),
        ({"lr": math.inf}, "finite learning rate > 0"),
        ({"batch_size": 7, "seed": 0}, r"batch_size. must be in \[1, n=6\]"),
        ({"batch_size": 0, "seed": 0}, "batch_size"),
        ({"batch_size": 2, "seed": None}, "needs an integer `seed`"),
        ({"batch_size": 2, "seed": 0, "order": "random"}, "`order` must be 'epoch' or"),
        ({"model_loss": lambda m, b: m(b).sum(), "loss": mse_loss}, "excludes `loss`"),
        ({"model_loss": lambda m, b: m(b), "y": None}, "must return a scalar"),
    ],
)
def test_step_errors_prescribe_a_fix(kwargs, match):
    model, X, y = _toy()
    args = {"X": X, "y": y, "lr": 0.1, **kwargs}
    rule = sgd if "batch_size" in args else gd
    with pytest.raises(InvalidInputError, match=match):
        step = rule(model, args.pop("X"), args.pop("y"), **args)
        train(step, steps=2)  # the model loss is first evaluated by the loop


def test_model_loss_needs_a_module():
    X = sphere(6, 2, 0)
    with pytest.raises(InvalidInputError, match="needs an nn.Module"):
        gd(linear_pair(2, 0), X, None, lr=0.1, model_loss=lambda m, b: m(b).sum())


@pytest.mark.parametrize("batch_size", [None, 4])
def test_a_module_trained_in_place_matches_the_functional_path_bit_for_bit(batch_size):
    # The step differentiates the module at its own parameters (no functional_call); the
    # functional path is what any other parameter dict gets: both must agree exactly.
    import ntkcheck.dynamics.gradient as gradient_module

    X = sphere(12, 3, 0)
    runs = []
    for direct in (True, False):
        net = MLP(3, 32, 2, seed=0)
        own = gradient_module._own_parameters
        if not direct:
            gradient_module._own_parameters = lambda fm, state: None
        try:
            rule = dict(lr=0.1) if batch_size is None else dict(lr=0.1, batch_size=4, seed=0)
            step = (gd if batch_size is None else sgd)(net, X, target(X), **rule)
            traj = train(step, steps=30, record_every=10)
        finally:
            gradient_module._own_parameters = own
        runs.append((traj, [p.detach().clone() for p in net.parameters()]))
    (a, pa), (b, pb) = runs
    assert np.array_equal(a.loss, b.loss) and np.array_equal(a.step_loss, b.step_loss)
    assert all(torch.equal(u, v) for u, v in zip(pa, pb))


def test_the_objective_at_other_parameters_is_not_the_modules():
    X = sphere(8, 3, 0)
    net = MLP(3, 16, 1, seed=0)
    step = gd(net, X, target(X), lr=0.1)
    moved = {k: v + 0.1 for k, v in step.state.items()}
    assert step.objective(moved) != step.objective(step.state)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.1)
    assert step.objective(moved) == step.objective(step.state)
