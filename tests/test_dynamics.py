"""Tests of ntkcheck.dynamics: loops vs closed forms, lazy-training scaling, divergence,
serialization, determinism and every input error."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from ntkcheck.dynamics import (
    Trajectory,
    infinite_width_mse_residuals,
    kernel_drift,
    lazy_distance,
    linearize,
    linearized_mse_residuals,
    mse_loss,
    run,
    train,
)
from ntkcheck.dynamics.instruments import as_kernel_matrix, operator_norm
from ntkcheck.errors import DivergenceWarning, InvalidInputError
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.kernels.reference import jacobian_matrix, reference_ntk
from ntkcheck.models.mlp import MLP
from ntkcheck.spectrum import lambda_min

F64 = torch.float64


def sphere(n: int, d: int, seed: int) -> torch.Tensor:
    x = torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=F64)
    return x / x.norm(dim=1, keepdim=True)


def target(x: torch.Tensor) -> torch.Tensor:
    return torch.sin(3.0 * x.sum(1) / math.sqrt(x.shape[1]))


def linear_pair(d: int, seed: int):
    gen = torch.Generator().manual_seed(seed)
    params = {"w": torch.randn(d, generator=gen, dtype=F64), "b": torch.randn(1, dtype=F64)}

    def f(p, x):
        return x @ p["w"] + p["b"]

    return f, params


def max_lr(model, x: torch.Tensor) -> float:
    """1/λ_max(K) with K = Θ/n at the current parameters."""
    gram = as_kernel_matrix("theta", reference_ntk(model, x)) / x.shape[0]
    return 1.0 / np.linalg.eigvalsh(gram)[-1]


def assert_same(a: Trajectory, b: Trajectory) -> None:
    da, db = a.to_dict(), b.to_dict()
    assert da.keys() == db.keys()
    for k in da:
        va, vb = getattr(a, k), getattr(b, k)
        if isinstance(va, np.ndarray):
            assert va.dtype == vb.dtype and va.shape == vb.shape, k
            np.testing.assert_array_equal(va, vb, err_msg=k)
        elif isinstance(va, dict) and va and isinstance(next(iter(va.values())), np.ndarray):
            assert list(va) == list(vb), k
            for name in va:
                np.testing.assert_array_equal(va[name], vb[name], err_msg=f"{k}[{name}]")
        elif k == "diverged_at" and va is not None:
            assert va[0] == vb[0] and (va[1] == vb[1] or (math.isnan(va[1]) and math.isnan(vb[1])))
        else:
            assert va == vb, k


# --- GD against the closed form -----------------------------------------------------------


def test_linear_model_gd_equals_closed_form_and_linearization_is_exact():
    X, f_params = sphere(10, 4, 0), linear_pair(4, 1)
    f, params = f_params
    y = target(X)
    theta = reference_ntk(f_params, X)
    r0 = (f(params, X) - y).numpy()
    lr = max_lr(f_params, X)
    traj = train(f_params, X, y, lr=lr, steps=60, record_every=1, track_linearized=True)
    res = linearized_mse_residuals(theta, r0, lr, 60)
    closed_loss = 0.5 * (res**2).sum(1) / X.shape[0]
    assert np.abs(traj.loss - closed_loss).max() <= 1e-12 * closed_loss[0]
    # The pair's own tensors were trained in place.
    assert np.abs((f(params, X) - y).numpy() - res[-1]).max() <= 1e-12 * np.abs(r0).max()
    assert traj.lin_gap.max() <= 1e-10
    np.testing.assert_allclose(traj.lin_loss, traj.loss, rtol=1e-10, atol=0)


@pytest.mark.parametrize("outputs", [1, 2])
def test_linearized_mlp_trained_by_the_loop_matches_the_closed_form(outputs):
    X = sphere(8, 5, 2)
    y = target(X) if outputs == 1 else torch.stack([target(X), X[:, 0]], 1)
    model = MLP(5, 32, 2, out_features=outputs, seed=3)
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    theta = empirical_ntk(model, X)
    lin = linearize(model)
    r0 = (lin(X).reshape(y.shape) - y).detach().numpy()
    lr = max_lr(model, X)
    traj = train(lin, X, y, lr=lr, steps=25, record_every=1)
    res = linearized_mse_residuals(theta, r0, lr, 25)
    closed_loss = 0.5 * (res.reshape(26, -1) ** 2).sum(1) / X.shape[0]
    np.testing.assert_allclose(traj.loss, closed_loss, rtol=1e-10, atol=1e-12 * closed_loss[0])
    final = (lin(X).reshape(y.shape) - y).detach().numpy()
    assert np.abs(final - res[-1]).max() <= 1e-10 * np.abs(r0).max()
    for k, v in model.named_parameters():
        assert torch.equal(v.detach(), before[k])  # linearize copies θ_0


@given(seed=st.integers(0, 2**16))
def test_linearize_is_f0_plus_jacobian_times_displacement(seed):
    X = sphere(4, 3, seed)
    model = MLP(3, 16, 1, out_features=2, seed=seed)
    lin = linearize(model)
    gen = torch.Generator().manual_seed(seed + 1)
    delta = {k: 0.1 * torch.randn(v.shape, generator=gen, dtype=F64) for k, v in lin.params.items()}
    moved = {k: lin.params[k] + delta[k] for k in lin.params}
    jac = jacobian_matrix(model, X)  # (N, O, P)
    flat = torch.cat([delta[k].reshape(-1) for k in lin.params])
    expected = model(X).detach() + torch.einsum("nop,p->no", jac, flat)
    torch.testing.assert_close(lin(X, moved), expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(lin(X), model(X).detach(), rtol=0, atol=0)


# --- closed forms ---------------------------------------------------------------------------


@given(n=st.integers(1, 6), seed=st.integers(0, 2**16), steps=st.integers(0, 25))
def test_closed_form_equals_repeated_products(n, seed, steps):
    rng = np.random.default_rng(seed)
    j = rng.standard_normal((n, n + 2))
    theta, r0 = j @ j.T, rng.standard_normal(n)
    lr = 1.5 / np.linalg.eigvalsh(theta / n)[-1]
    res = linearized_mse_residuals(theta, r0, lr, steps)
    r, step = r0.copy(), np.eye(n) - lr * theta / n
    for t in range(steps + 1):
        np.testing.assert_allclose(res[t], r, rtol=1e-10, atol=1e-10 * np.abs(r0).max())
        r = step @ r
    picked = linearized_mse_residuals(torch.from_numpy(theta), r0, lr, [steps, 0])
    np.testing.assert_allclose(picked, res[[steps, 0]], rtol=1e-13, atol=1e-15)


def test_closed_form_multi_output_takes_the_full_kernel():
    X = sphere(5, 3, 4)
    model = MLP(3, 8, 1, out_features=2, seed=0)
    full = empirical_ntk(model, X)  # (5, 5, 2, 2)
    flat = full.permute(0, 2, 1, 3).reshape(10, 10)
    r0 = np.random.default_rng(0).standard_normal((5, 2))
    a = linearized_mse_residuals(full, r0, 0.1, 7)
    b = linearized_mse_residuals(flat, r0, 0.1, 7)
    assert a.shape == (8, 5, 2)
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_infinite_width_residuals_start_from_minus_y_by_default():
    rng = np.random.default_rng(1)
    j = rng.standard_normal((6, 9))
    theta, y, f0 = j @ j.T, rng.standard_normal(6), rng.standard_normal(6)
    np.testing.assert_array_equal(
        infinite_width_mse_residuals(theta, y, 0.2, 5),
        linearized_mse_residuals(theta, -y, 0.2, 5),
    )
    np.testing.assert_array_equal(
        infinite_width_mse_residuals(theta, y, 0.2, 5, f0=f0),
        linearized_mse_residuals(theta, f0 - y, 0.2, 5),
    )


# --- lazy training shrinks with width ------------------------------------------------------


def lazy_slopes(widths, depth, seeds, steps=40):
    X = sphere(12, 6, 7)
    y = target(X)
    dist, drift, op = [], [], []
    for m in widths:
        rows = []
        for s in seeds:
            model = MLP(6, m, depth, seed=s)
            lr = 1.0 / lambda_max_k(model, X)
            traj = train(model, X, y, lr=lr, steps=steps, track_kernel=True)
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


# --- recording ------------------------------------------------------------------------------


def test_kernel_tracking_records_k_normalized_by_n():
    X, y = sphere(9, 4, 3), target(sphere(9, 4, 3))
    model = MLP(4, 32, 1, seed=2)
    theta0 = empirical_ntk(model, X)
    traj = train(model, X, y, lr=0.5, steps=6, record_steps=[3], track_kernel=True)
    assert traj.steps.tolist() == [0, 3, 6] and traj.kernel_n == 9
    np.testing.assert_allclose(traj.kernel_init, theta0.numpy() / 9, rtol=1e-12)
    assert traj.lambda_min_K[0] == pytest.approx(lambda_min(theta0 / 9), rel=1e-10)
    np.testing.assert_allclose(traj.kernel_final, empirical_ntk(model, X).numpy() / 9, rtol=1e-12)
    assert traj.kernel_drift[0] == 0.0 and traj.kernel_drift_op[0] == 0.0
    assert traj.step_loss.shape == (6,)
    np.testing.assert_allclose(traj.step_loss[[0, 3]], traj.loss[:2], rtol=1e-15)


def test_module_is_trained_in_place_and_distances_match_the_instrument():
    X, model = sphere(8, 3, 0), MLP(3, 16, 2, bias_std=0.1, seed=0)
    theta0 = {k: v.detach().clone() for k, v in model.named_parameters()}
    traj = train(model, X, target(X), lr=0.3, steps=5, config={"width": 16, "tags": ["a"]})
    now = dict(model.named_parameters())
    ref = lazy_distance(now, theta0)
    assert traj.distance[-1] == pytest.approx(ref.total, rel=1e-14)
    assert traj.relative_distance[-1] == pytest.approx(ref.relative, rel=1e-14)
    for k in theta0:
        assert traj.layer_distance[k][-1] == pytest.approx(ref.layer[k], rel=1e-14)
        assert traj.layer_relative(k)[-1] == pytest.approx(ref.layer_relative[k], rel=1e-14)
    for k in ref.layer_op:
        assert traj.layer_relative(k, "op")[-1] == pytest.approx(ref.layer_op_relative[k], 1e-12)
    hidden = ["layers.0.weight", "layers.0.bias"]
    dist, rel = traj.group_distance(hidden)
    assert dist[-1] == pytest.approx(math.hypot(ref.layer[hidden[0]], ref.layer[hidden[1]]))
    assert traj.config == {"width": 16, "tags": ["a"]} and traj.settings["algorithm"] == "gd"
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

    train(model, X, target(X), lr=0.5, steps=7, after_step=project)
    assert seen == list(range(7)) and bool((model.layers[1].weight >= 0).all())


def test_model_loss_matches_the_output_loss_path():
    X = sphere(9, 3, 1)
    y = target(X)
    a = train(MLP(3, 10, 1, seed=4), X, y, lr=0.4, steps=5, record_every=1)
    b = train(
        MLP(3, 10, 1, seed=4),
        X,
        y,
        lr=0.4,
        steps=5,
        record_every=1,
        model_loss=lambda model, batch: mse_loss(model(batch[0]), batch[1]),
    )
    np.testing.assert_allclose(b.loss, a.loss, rtol=1e-13)
    np.testing.assert_allclose(b.distance, a.distance, rtol=1e-12, atol=1e-15)


def test_run_drives_a_gda_style_step_with_state_outside_the_tracked_parameters():
    gen = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(5, 5, generator=gen, dtype=F64))
    A = q[:3]  # noqa: N806  (orthonormal rows: every GDA mode contracts by ≈ 0.86 per step)
    b = torch.randn(3, generator=gen, dtype=F64)
    eta, mu = 0.5, 0.1

    def gda(t, s):
        r = A @ s["w"] - b
        return {"w": s["w"] - mu * A.T @ s["d"], "d": s["d"] + eta * (r - s["d"])}, float(
            0.5 * r @ r
        )

    state = {"w": torch.zeros(5, dtype=F64), "d": torch.zeros(3, dtype=F64)}
    traj = run(
        gda,
        state,
        steps=3000,
        objective=lambda s: 0.5 * float((A @ s["w"] - b).square().sum()),
        record_every=1000,
        track=["w"],
        kernel=lambda s: A @ A.T,
        observe={"d_norm": lambda s: float(s["d"].norm())},
        seed=0,
    )
    assert list(traj.layer_distance) == ["w"] and traj.steps.tolist() == [0, 1000, 2000, 3000]
    assert traj.loss[-1] < 1e-12 * traj.loss[0] and traj.observables["d_norm"][-1] < 1e-6
    assert np.all(traj.kernel_drift == 0.0) and traj.kernel_n is None
    assert float((A @ state["w"] - b).norm()) < 1e-6  # state was updated in place


# --- divergence -----------------------------------------------------------------------------


@pytest.mark.parametrize("factor", [1e3, 1e30])
def test_divergence_is_recorded_with_its_step_and_a_warning(factor):
    X = sphere(10, 4, 1)
    model = MLP(4, 32, 2, seed=0)
    lr = factor * max_lr(model, X)
    with pytest.warns(DivergenceWarning, match=r"diverged at step \d+.*lower the learning rate"):
        traj = train(model, X, target(X), lr=lr, steps=200, record_every=1, track_kernel=True)
    step, loss = traj.diverged_at
    assert traj.diverged and 1 <= step < 200
    assert not loss <= 1e12 * traj.loss[0]
    assert traj.steps.tolist() == list(range(step)) and np.all(np.isfinite(traj.loss))
    assert traj.step_loss.shape == (step,) and np.all(np.isfinite(traj.kernel_drift))


def test_non_finite_parameters_stop_the_run():
    X = sphere(6, 2, 0)
    f, params = linear_pair(2, 0)

    def poison(t, p):
        if t == 2:
            p["b"].fill_(math.nan)

    with pytest.warns(DivergenceWarning, match="parameters became non-finite"):
        traj = train((f, params), X, target(X), lr=0.1, steps=5, after_step=poison)
    assert traj.diverged_at[0] == 3 and math.isnan(traj.diverged_at[1])


# --- serialization --------------------------------------------------------------------------


def test_json_round_trip_is_exact_without_pickle(tmp_path):
    X = sphere(8, 3, 2)
    model = MLP(3, 16, 2, seed=5)
    traj = train(
        model,
        X,
        target(X),
        lr=0.5,
        steps=4,
        record_every=2,
        track_kernel=True,
        track_linearized=True,
        gap_inputs=sphere(5, 3, 9),
        observe={"w00": lambda p: float(p["layers.0.weight"][0, 0])},
        config={"width": 16, "note": "toy"},
        seed=5,
    )
    npz = traj.to_json(tmp_path / "run.json")
    assert npz == tmp_path / "run.npz"
    json.loads((tmp_path / "run.json").read_text(), parse_constant=pytest.fail)
    with np.load(npz, allow_pickle=False) as data:
        assert "kernel_init" in data.files
    assert_same(Trajectory.from_json(tmp_path / "run.json"), traj)
    assert_same(Trajectory.from_dict(traj.to_dict()), traj)
    assert_same(Trajectory.from_dict(json.loads(json.dumps(traj.to_dict()))), traj)


def test_json_round_trip_of_a_diverged_run(tmp_path):
    X = sphere(6, 2, 3)
    with pytest.warns(DivergenceWarning):
        traj = train(MLP(2, 8, 1, seed=0), X, target(X), lr=1e40, steps=10)
    traj.to_json(tmp_path / "div.json")
    back = Trajectory.from_json(tmp_path / "div.json")
    assert_same(back, traj)
    assert back.lin_gap is None and back.kernel_drift is None


# --- SGD ------------------------------------------------------------------------------------


def test_sgd_is_deterministic_under_a_seed_and_visits_each_example_once_per_epoch():
    X = sphere(12, 3, 4)
    y = target(X)
    batches = []

    def recording_mse(outputs, targets):
        if targets.shape[0] < 12:
            batches.append(targets.detach().clone())
        return mse_loss(outputs, targets)

    def fit(seed, loss=mse_loss):
        return train(
            MLP(3, 16, 1, seed=0), X, y, lr=0.3, steps=9, batch_size=4, seed=seed, loss=loss
        )

    assert_same(fit(7), fit(7))
    assert not np.array_equal(fit(7).step_loss, fit(8).step_loss)
    fit(7, recording_mse)
    for epoch in range(3):
        seen = torch.cat(batches[3 * epoch : 3 * epoch + 3])
        torch.testing.assert_close(seen.sort().values, y.sort().values, rtol=0, atol=0)


# --- instruments ----------------------------------------------------------------------------


@given(rows=st.integers(1, 7), cols=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_operator_norm_equals_the_largest_singular_value(rows, cols, seed):
    a = torch.randn(rows, cols, generator=torch.Generator().manual_seed(seed), dtype=F64)
    assert operator_norm(a) == pytest.approx(float(torch.linalg.matrix_norm(a, 2)), rel=1e-12)


@given(seed=st.integers(0, 2**16), scale=st.floats(-3, 3).filter(lambda s: abs(s) > 1e-3))
def test_lazy_distance_identities(seed, scale):
    gen = torch.Generator().manual_seed(seed)
    p0 = {
        "w": torch.randn(4, 3, generator=gen, dtype=F64),
        "b": torch.randn(4, generator=gen, dtype=F64),
    }
    step = {k: torch.randn(v.shape, generator=gen, dtype=F64) for k, v in p0.items()}
    zero = lazy_distance(p0, p0)
    assert zero.total == 0.0 and zero.relative == 0.0 and zero.layer_op == {"w": 0.0}
    one = lazy_distance({k: p0[k] + step[k] for k in p0}, p0)
    two = lazy_distance({k: p0[k] + scale * step[k] for k in p0}, p0)
    assert two.total == pytest.approx(abs(scale) * one.total, rel=1e-12)
    assert one.total == pytest.approx(math.hypot(*one.layer.values()), rel=1e-14)
    assert one.layer_op["w"] <= one.layer["w"] * (1 + 1e-14)
    assert (
        list(one.layer_op) == ["w"] and lazy_distance(p0, p0, operator_norms=False).layer_op == {}
    )


@given(seed=st.integers(0, 2**16), c=st.floats(-0.9, 5.0))
def test_kernel_drift_of_a_rescaled_kernel_is_the_scale_change(seed, c):
    j = np.random.default_rng(seed).standard_normal((5, 7))
    theta0 = j @ j.T
    drift = kernel_drift((1 + c) * theta0, theta0)
    assert drift.frobenius == pytest.approx(abs(c), rel=1e-12, abs=1e-15)
    assert drift.operator == pytest.approx(abs(c), rel=1e-12, abs=1e-15)
    again = kernel_drift(torch.from_numpy(3.0 * (1 + c) * theta0), torch.from_numpy(3.0 * theta0))
    assert again.frobenius == pytest.approx(drift.frobenius, rel=1e-12, abs=1e-15)


def test_kernel_drift_accepts_full_kernels():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 3, 2, 2)), rng.standard_normal((3, 3, 2, 2))
    flat = lambda k: k.transpose(0, 2, 1, 3).reshape(6, 6)  # noqa: E731
    assert kernel_drift(a, b) == kernel_drift(flat(a), flat(b))


# --- errors ---------------------------------------------------------------------------------


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
        ({"steps": 0}, "steps"),
        ({"batch_size": 7}, r"batch_size. must be in \[1, n=6\]"),
        ({"batch_size": 2}, "needs an integer `seed`"),
        ({"record_every": 2, "record_steps": [1]}, "either `record_every` or `record_steps`"),
        ({"record_steps": [11]}, r"record_steps. must be integers in \[0, steps=10\]"),
        ({"record_every": 0}, "record_every"),
        ({"model_loss": lambda m, b: m(b).sum(), "loss": mse_loss}, "excludes `loss`"),
        (
            {"model_loss": lambda m, b: m(b).sum(), "y": None, "track_linearized": True},
            "needs an output loss",
        ),
        ({"model_loss": lambda m, b: m(b), "y": None}, "must return a scalar"),
        ({"track_linearized": True, "after_step": lambda t, p: None}, "Drop one"),
        ({"track_kernel": True, "kernel_options": {"mode": "trace"}}, "kernel_options"),
        ({"config": {"shape": (1, 2)}}, "JSON data"),
        ({"divergence_factor": 1.0}, "divergence_factor"),
        ({"loss": lambda o, t: torch.tensor(math.inf)}, "initial parameters"),
        ({"gap_inputs": sphere(3, 2, 0), "track_linearized": True}, "gap_inputs"),
    ],
)
def test_train_errors_prescribe_a_fix(kwargs, match):
    model, X, y = _toy()
    args = {"X": X, "y": y, "lr": 0.1, "steps": 10, **kwargs}
    with pytest.raises(InvalidInputError, match=match):
        train(model, args.pop("X"), args.pop("y"), **args)


def test_model_loss_needs_a_module():
    X = sphere(6, 2, 0)
    with pytest.raises(InvalidInputError, match="needs an nn.Module"):
        train(linear_pair(2, 0), X, None, lr=0.1, steps=2, model_loss=lambda m, b: m(b).sum())


def test_run_with_zero_initial_loss_stops_only_on_non_finite_values():
    state = {"w": torch.zeros(2, dtype=F64)}
    values = iter([0.0, -1.0, 5e30, math.inf])

    def step(t, s):
        return {"w": s["w"] + 1.0}, next(values)

    with pytest.warns(DivergenceWarning, match="diverged at step 3"):
        traj = run(step, state, steps=10, objective=lambda s: 0.0, operator_norms=False)
    assert traj.diverged_at == (3, math.inf) and traj.step_loss.tolist() == [0.0, -1.0, 5e30]
    assert traj.layer_distance_op == {} and state["w"].tolist() == [3.0, 3.0]


def test_negative_initial_loss_sets_the_limit_from_its_magnitude():
    state = {"w": torch.zeros(1, dtype=F64)}
    with pytest.warns(DivergenceWarning, match=r"limit 1e\+03×\|initial\|"):
        traj = run(
            lambda t, s: ({"w": s["w"] + 1}, -2.0 if t == 0 else 3000.0),
            state,
            steps=5,
            objective=lambda s: -2.0,
            divergence_factor=1e3,
        )
    assert traj.diverged_at == (1, 3000.0)


def test_run_errors():
    state = {"w": torch.zeros(2, dtype=F64)}

    def step(t, s):
        return s, 0.0

    with pytest.raises(InvalidInputError, match="`track` must name entries"):
        run(step, state, steps=2, objective=lambda s: 1.0, track=["v"])
    with pytest.raises(InvalidInputError, match="steps"):
        run(step, state, steps=-1, objective=lambda s: 1.0)
    with pytest.raises(InvalidInputError, match=r"returned entries \['v'\]"):
        run(lambda t, s: ({"v": s["w"]}, 1.0), state, steps=2, objective=lambda s: 1.0)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.eye(3), np.ones(3), 0.0, 3), "finite learning rate > 0"),
        ((np.eye(3), np.ones(4), 0.1, 3), r"Θ must be \(n·O, n·O\)"),
        ((np.triu(np.ones((3, 3))), np.ones(3), 0.1, 3), "not symmetric"),
        ((np.eye(3), np.ones(3), 0.1, -1), "steps. must be >= 0"),
        ((np.eye(3), np.ones(3), 0.1, [1.5]), "sequence of integers"),
        ((np.eye(3), np.array([1.0, np.nan, 0.0]), 0.1, 3), "non-finite"),
        ((np.full((3, 3), np.nan), np.ones(3), 0.1, 3), "non-finite"),
    ],
)
def test_closed_form_errors(args, match):
    with pytest.raises(InvalidInputError, match=match):
        linearized_mse_residuals(*args)


def test_infinite_width_f0_shape_error():
    with pytest.raises(InvalidInputError, match="`f0` has shape"):
        infinite_width_mse_residuals(np.eye(3), np.ones(3), 0.1, 2, f0=np.ones((3, 2)))


def test_instrument_errors():
    w = {"w": torch.ones(2, 2, dtype=F64)}
    with pytest.raises(InvalidInputError, match="same non-empty set of names"):
        lazy_distance({"v": torch.ones(2, 2, dtype=F64)}, w)
    with pytest.raises(InvalidInputError, match="has shape"):
        lazy_distance({"w": torch.ones(3, dtype=F64)}, w)
    with pytest.raises(InvalidInputError, match="non-finite"):
        lazy_distance({"w": torch.full((2, 2), math.nan, dtype=F64)}, w)
    with pytest.raises(InvalidInputError, match="compare kernels on the same inputs"):
        kernel_drift(np.eye(3), np.eye(2))
    with pytest.raises(InvalidInputError, match="zero matrix"):
        kernel_drift(np.eye(2), np.zeros((2, 2)))
    with pytest.raises(InvalidInputError, match="kernel matrix"):
        kernel_drift(np.ones(3), np.ones(3))


def test_trajectory_errors(tmp_path):
    model, X, y = _toy()
    traj = train(model, X, y, lr=0.1, steps=2)
    with pytest.raises(InvalidInputError, match="No 'op' distance recorded"):
        traj.layer_relative("layers.1.bias", "op")
    with pytest.raises(InvalidInputError, match="norm must be 'fro' or 'op'"):
        traj.layer_relative("layers.0.weight", "nuclear")
    with pytest.raises(InvalidInputError, match="non-empty list of recorded tensors"):
        traj.group_distance(["nope"])
    (tmp_path / "other.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(InvalidInputError, match="not an ntkcheck trajectory"):
        Trajectory.from_json(tmp_path / "other.json")


def test_divergence_warning_is_a_user_warning():
    assert issubclass(DivergenceWarning, UserWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model, X, y = _toy()
        assert not train(model, X, y, lr=0.1, steps=3).diverged
