"""The CLI and the README's promises: commands run, reports are data, CI runs the README's
test command verbatim."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from ntkcheck.cli import main
from ntkcheck.results import read_record, write_record

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_opens_with_two_commands_and_ci_runs_the_test_one_verbatim():
    main_cmd, test_cmd = _readme_commands()[:2]
    assert "torch==2.13.0" in main_cmd and "torch==2.13.0" in test_cmd
    assert "ntkcheck demo" in main_cmd
    assert "pytest" in test_cmd and "ruff check" in test_cmd and "ruff format --check" in test_cmd
    assert test_cmd in (ROOT / ".ci" / "run").read_text()


def test_demo_quick_writes_report_and_figures(tmp_path, capsys):
    assert main(["demo", "--quick", "--out", str(tmp_path)]) == 0
    record = read_record(tmp_path / "demo.json")
    assert record["gap"].shape == (2, 2) and np.all(record["gap"] > 0)
    assert np.all(record["lambda_min_lo"] <= record["lambda_min_hi"])
    assert record["versions"]["torch"] and record["command"].startswith("ntkcheck demo --quick")
    for name in ("demo_gap", "demo_lambda_min"):
        assert (tmp_path / f"{name}.png").stat().st_size > 0
        assert (tmp_path / f"{name}.svg").stat().st_size > 0
    assert "gap ~ m^" in capsys.readouterr().out


def test_bench_quick_prints_the_ratio_table(capsys):
    assert main(["bench", "--quick", "--timeout", "120"]) == 0
    out = capsys.readouterr().out
    assert "tut_jac/auto" in out and "auto/floor" in out


def test_records_roundtrip_without_pickle(tmp_path):
    record = {"a": np.arange(3.0), "nested": {"b": np.eye(2)}, "x": float("inf"), "s": "ok"}
    path = write_record(record, tmp_path / "r.json")
    back = read_record(path)
    assert np.array_equal(back["a"], record["a"]) and np.array_equal(back["nested"]["b"], np.eye(2))
    assert back["x"] == float("inf") and back["s"] == "ok"
    assert json.loads(path.read_text())["format"] == "ntkcheck.record/1"
    with np.load(tmp_path / "r.npz", allow_pickle=False) as data:
        assert set(data.files) == {"a", "nested.b"}
