"""Records are JSON + npz (no pickle); names with dots (claim ids) keep their arrays apart."""

from __future__ import annotations

import numpy as np

from ntkcheck.results import read_record, write_record


def test_round_trip_keeps_arrays_tuples_and_special_floats(tmp_path):
    record = {"a": np.arange(6.0).reshape(2, 3), "t": (1, 2), "x": float("inf"), "s": "ok"}
    back = read_record(write_record(record, tmp_path / "r.json"))
    np.testing.assert_array_equal(back["a"], record["a"])
    assert back["t"] == (1, 2) and back["x"] == float("inf") and back["s"] == "ok"
    assert (tmp_path / "r.npz").exists()


def test_dotted_names_without_json_suffix_do_not_share_an_array_file(tmp_path):
    first = write_record({"a": np.zeros(3)}, tmp_path / "terjek.gd.linear_rate")
    second = write_record({"a": np.ones(4)}, tmp_path / "terjek.gd.global_optimum")
    np.testing.assert_array_equal(read_record(first)["a"], np.zeros(3))
    np.testing.assert_array_equal(read_record(second)["a"], np.ones(4))
