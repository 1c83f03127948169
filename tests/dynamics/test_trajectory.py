"""Trajectory records: exact JSON/npz round trips without pickle, accessors and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _dynamics_data import assert_same, sphere, target

from ntkcheck.dynamics import (
    Trajectory,
    gd,
    observe,
    track_distance,
    track_kernel,
    track_linearized,
    train,
)
from ntkcheck.errors import DivergenceWarning, InvalidInputError
from ntkcheck.models.mlp import MLP


def test_json_round_trip_is_exact_without_pickle(tmp_path):
    X = sphere(8, 3, 2)
    model = MLP(3, 16, 2, seed=5)
    instruments = (
        track_distance(operator_norms=True),
        track_kernel(),
        track_linearized(sphere(5, 3, 9)),
        observe(w00=lambda p: p["layers.0.weight"][0, 0]),
    )
    traj = train(
        gd(model, X, target(X), lr=0.5),
        steps=4,
        record_every=2,
        instruments=instruments,
        config={"width": 16, "note": "toy"},
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
        traj = train(gd(MLP(2, 8, 1, seed=0), X, target(X), lr=1e40), steps=10)
    traj.to_json(tmp_path / "div.json")
    back = Trajectory.from_json(tmp_path / "div.json")
    assert_same(back, traj)
    assert back.lin_gap is None and back.kernel_drift is None and back.distance is None


def test_trajectory_errors(tmp_path):
    X = sphere(6, 3, 0)
    traj = train(gd(MLP(3, 8, 1, seed=0), X, target(X), lr=0.1), steps=2,
                 instruments=(track_distance(),))  # fmt: skip
    with pytest.raises(InvalidInputError, match="No 'op' distance recorded"):
        traj.layer_relative("layers.1.bias", "op")
    with pytest.raises(InvalidInputError, match="norm must be 'fro' or 'op'"):
        traj.layer_relative("layers.0.weight", "nuclear")
    with pytest.raises(InvalidInputError, match="non-empty list of recorded tensors"):
        traj.group_distance(["nope"])
    bare = train(gd(MLP(3, 8, 1, seed=0), X, target(X), lr=0.1), steps=2)
    with pytest.raises(InvalidInputError, match="record them with track_distance"):
        bare.group_distance(["layers.0.weight"])
    (tmp_path / "other.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(InvalidInputError, match="not an ntkcheck trajectory"):
        Trajectory.from_json(tmp_path / "other.json")
