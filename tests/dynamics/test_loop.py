"""The one loop: lengths and checkpoints, a rule of your own, early stopping, divergence, and
every input error."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from _dynamics_data import F64, linear_pair, max_lr, sphere, target

from ntkcheck.dynamics import Step, gd, observe, track_distance, track_kernel, train
from ntkcheck.errors import DivergenceWarning, InvalidInputError
from ntkcheck.models.mlp import MLP


def _gda_like():
    """A two-tensor rule with a discriminator d outside the tracked w (a linear GDA)."""
    gen = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(5, 5, generator=gen, dtype=F64))
    A = q[:3]  # noqa: N806  (orthonormal rows: every GDA mode contracts by ≈ 0.86 per step)
    b = torch.randn(3, generator=gen, dtype=F64)
    eta, mu = 0.5, 0.1

    def update(t, s):
        r = A @ s["w"] - b
        new = {"w": s["w"] - mu * A.T @ s["d"], "d": s["d"] + eta * (r - s["d"])}
        return new, float(0.5 * r @ r)

    state = {"w": torch.zeros(5, dtype=F64), "d": torch.zeros(3, dtype=F64)}
    return A, b, Step(update, state, lambda s: 0.5 * float((A @ s["w"] - b).square().sum()))


def test_a_rule_of_your_own_with_state_outside_the_tracked_tensors():
    A, b, step = _gda_like()  # noqa: N806
    traj = train(
        step,
        steps=3000,
        record_every=1000,
        instruments=(
            track_distance("w"),
            track_kernel(lambda s: A @ A.T),
            observe(d_norm=lambda s: s["d"].norm()),
        ),
    )
    assert list(traj.layer_distance) == ["w"] and traj.steps.tolist() == [0, 1000, 2000, 3000]
    assert traj.loss[-1] < 1e-12 * traj.loss[0] and traj.observables["d_norm"][-1] < 1e-6
    assert np.all(traj.kernel_drift == 0.0) and traj.kernel_n is None
    assert float((A @ step.state["w"] - b).norm()) < 1e-6  # the state was updated in place


def test_stop_below_ends_at_the_first_step_under_the_threshold():
    _, _, full = _gda_like()
    _, _, stopped = _gda_like()
    whole = train(full, steps=400)
    short = train(stopped, steps=400, stop_below=1e-6, record_every=100)
    t = whole.steps_to(1e-6)
    assert t is not None and 0 < t < 400 and whole.step_loss[t] <= 1e-6 < whole.step_loss[t - 1]
    assert short.steps.tolist() == [0, 100, 200, 300][: len(short.steps) - 1] + [t]
    assert short.steps_to(1e-6) == t and short.step_loss.size == t
    assert short.loss[-1] == pytest.approx(whole.step_loss[t], rel=1e-14)
    assert whole.steps_to(0.0) is None and whole.steps_to(math.inf) == 0


def test_recorded_steps_and_epochs():
    X = sphere(9, 3, 1)
    traj = train(gd(MLP(3, 8, 1, seed=0), X, target(X), lr=0.3), epochs=6, record_steps=[2, 4])
    assert traj.steps.tolist() == [0, 2, 4, 6] and traj.step_loss.shape == (6,)
    np.testing.assert_allclose(traj.step_loss[[0, 2, 4]], traj.loss[:3], rtol=1e-15)


@pytest.mark.parametrize("factor", [1e3, 1e30])
def test_divergence_is_recorded_with_its_step_and_a_warning(factor):
    X = sphere(10, 4, 1)
    model = MLP(4, 32, 2, seed=0)
    step = gd(model, X, target(X), lr=factor * max_lr(model, X))
    with pytest.warns(DivergenceWarning, match=r"diverged at step \d+.*lower the learning rate"):
        traj = train(step, steps=200, record_every=1, instruments=(track_kernel(),))
    at, loss = traj.diverged_at
    assert traj.diverged and 1 <= at < 200
    assert not loss <= 1e12 * traj.loss[0]
    assert traj.steps.tolist() == list(range(at)) and np.all(np.isfinite(traj.loss))
    assert traj.step_loss.shape == (at,) and np.all(np.isfinite(traj.kernel_drift))


def test_non_finite_parameters_stop_the_run():
    X = sphere(6, 2, 0)
    f, params = linear_pair(2, 0)

    def poison(t, p):
        if t == 2:
            p["b"].fill_(math.nan)

    with pytest.warns(DivergenceWarning, match="parameters became non-finite"):
        traj = train(gd((f, params), X, target(X), lr=0.1, after_step=poison), steps=5)
    assert traj.diverged_at[0] == 3 and math.isnan(traj.diverged_at[1])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_one_non_finite_entry_of_a_matrix_stops_the_run(bad):
    X = sphere(6, 3, 0)
    net = MLP(3, 16, 2, seed=0)
    name = "layers.1.weight"

    def poison(t, p):
        if t == 1:
            p[name][7, 3] = bad  # one entry of 256

    with pytest.warns(DivergenceWarning, match="parameters became non-finite"):
        traj = train(gd(net, X, target(X), lr=0.01, after_step=poison), steps=4)
    assert traj.diverged_at[0] == 2


def test_zero_initial_loss_stops_only_on_non_finite_values():
    values = iter([0.0, -1.0, 5e30, math.inf])
    step = Step(
        lambda t, s: ({"w": s["w"] + 1.0}, next(values)),
        {"w": torch.zeros(2, dtype=F64)},
        lambda s: 0.0,
    )
    with pytest.warns(DivergenceWarning, match="diverged at step 3"):
        traj = train(step, steps=10, instruments=(track_distance(),))
    assert traj.diverged_at == (3, math.inf) and traj.step_loss.tolist() == [0.0, -1.0, 5e30]
    assert traj.layer_distance_op == {} and step.state["w"].tolist() == [3.0, 3.0]


def test_negative_initial_loss_sets_the_limit_from_its_magnitude():
    step = Step(
        lambda t, s: ({"w": s["w"] + 1}, -2.0 if t == 0 else 3000.0),
        {"w": torch.zeros(1, dtype=F64)},
        lambda s: -2.0,
    )
    with pytest.warns(DivergenceWarning, match=r"limit 1e\+03×\|initial\|"):
        traj = train(step, steps=5, divergence_factor=1e3)
    assert traj.diverged_at == (1, 3000.0)


def test_divergence_warning_is_a_user_warning():
    assert issubclass(DivergenceWarning, UserWarning)
    X = sphere(6, 3, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not train(gd(MLP(3, 8, 1, seed=0), X, target(X), lr=0.1), steps=3).diverged


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "exactly one of `steps` and `epochs`"),
        ({"steps": 2, "epochs": 1}, "exactly one of `steps` and `epochs`"),
        ({"steps": 0}, "steps"),
        ({"epochs": -1}, "epochs"),
        ({"steps": 10, "record_every": 2, "record_steps": [1]}, "either `record_every` or"),
        ({"steps": 10, "record_steps": [11]}, r"record_steps. must be integers in \[0, steps=10\]"),
        ({"steps": 10, "record_every": 0}, "record_every"),
        ({"steps": 2, "config": {"shape": (1, 2)}}, "JSON data"),
        ({"steps": 2, "divergence_factor": 1.0}, "divergence_factor"),
        ({"steps": 2, "stop_below": math.nan}, "stop_below"),
        ({"steps": 2, "instruments": (track_distance(), track_distance())}, "Two instruments"),
        ({"steps": 2, "instruments": (track_distance("v"),)}, r"names \['v'\]"),
    ],
)
def test_loop_errors_prescribe_a_fix(kwargs, match):
    X = sphere(6, 3, 0)
    with pytest.raises(InvalidInputError, match=match):
        train(gd(MLP(3, 8, 1, seed=0), X, target(X), lr=0.1), **kwargs)


def test_rule_errors():
    X = sphere(6, 3, 0)
    with pytest.raises(InvalidInputError, match="initial parameters"):
        train(gd(MLP(3, 8, 1, seed=0), X, target(X), lr=0.1, loss=lambda o, t: o.sum() * math.inf),
              steps=2)  # fmt: skip
    stray = Step(lambda t, s: ({"v": s["w"]}, 1.0), {"w": torch.zeros(2, dtype=F64)}, lambda s: 1)
    with pytest.raises(InvalidInputError, match=r"returned entries \['v'\]"):
        train(stray, steps=2)
