"""The CLI and the README's promises: commands run, reports are data, CI runs the README's
test command verbatim."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from ntkcheck.cli import main
from ntkcheck.results import read_record, write_record

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_opens_with_two_commands_and_ci_runs_the_test_one_verbatim():
    main_cmd, test_cmd = _readme_commands()[:2]
    assert "torch==2.13.0" in main_cmd and "torch==2.13.0" in test_cmd
    assert "ntkcheck verify" in main_cmd
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
        assert len(data.files) == 2  # both arrays live in the .npz, not in the JSON


def test_ntk_command_builtin_blocks_and_module_attr(tmp_path, capsys, monkeypatch):
    assert main(["ntk", "mlp", "--data", "sphere:30,5", "--width", "64"]) == 0
    out = capsys.readouterr().out
    assert "λ_min(K) ∈ [" in out and "κ(K)" in out
    npy = tmp_path / "k.npy"
    args = ["ntk", "mlp", "--data", "sphere:30,5", "--width", "64", "--blocks", "8"]
    assert main([*args, "--out", str(npy), "--scheduler", "inline"]) == 0
    assert np.load(npy).shape == (30, 30)
    (tmp_path / "mymodel.py").write_text(
        "import torch\nnet = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.Tanh(), "
        "torch.nn.Linear(16, 1))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    np.save(tmp_path / "x.npy", np.random.default_rng(0).standard_normal((12, 5)))
    assert main(["ntk", "mymodel:net", "--data", str(tmp_path / "x.npy")]) == 0


def test_cli_errors_say_what_to_do(capsys):
    assert main(["verify", "terjek.lambda_min.limt", "--quick"]) == 2
    assert "Did you mean terjek.lambda_min.limit" in capsys.readouterr().err
    assert main(["verify", "terjek.lambda_min.limit", "--quick", "--set", "widht=3"]) == 2
    assert "valid keys" in capsys.readouterr().err
    assert main(["ntk", "mlp", "--data", "nope.txt"]) == 2
    assert "sphere:N,D" in capsys.readouterr().err


def test_list_prints_one_claim_per_line_starting_with_its_id(capsys):
    assert main(["list", "--paper", "terjek"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[0] == "terjek.lambda_min.concentrates"
    assert all(line.startswith("terjek.") for line in lines[:-1]) and lines[-1].endswith("claims")


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--set", "widths=-5"], "`widths` must be each element >= 1, got (-5,)"),
        (["--set", "widths=16,abc"], "`widths` must be a tuple of int"),
        (["--seeds", "0"], "`seeds` must be >= 1, got 0"),
        (["--seeds", "-1"], "`seeds` must be >= 1"),
        (["--set", "n=0"], "`n` must be >= 1"),
        (["--set", "gate_width"], "KEY=VALUE"),
    ],
)
def test_invalid_settings_are_refused_before_anything_runs(args, match, tmp_path, capsys):
    code = main(["verify", "terjek.gd.global_optimum", "--quick", "--out", str(tmp_path), *args])
    assert code == 2 and match in capsys.readouterr().err
    assert not (tmp_path / "ntkcheck.sqlite").exists()


def test_an_empty_measurement_is_refused_or_an_error_never_a_pass(tmp_path, capsys):
    """No width reaches the gate: outside the claim's assumptions (refused up front), and when
    measured anyway, an error with its reason (nothing gated was measured)."""
    args = [
        "verify",
        "terjek.gd.global_optimum",
        "--quick",
        "--set",
        "widths=16,64",
        "--out",
        str(tmp_path),
        "--no-plots",
    ]
    assert main(args) == 2
    assert "violates the assumption widths_max >= gate_width" in capsys.readouterr().err
    assert main([*args, "--outside-assumptions"]) == 1
    out = capsys.readouterr().out
    assert "ERROR" in out and "loss_ratio_wide' is empty" in out
    report = read_record(tmp_path / "report.json")
    (verdict,) = report["verdicts"]
    assert verdict["outcome"] == "error" and verdict["cached"] is False
    assert verdict["extras"]["inside_assumptions"] is False
    assert "--outside-assumptions" in verdict["command"]
    assert report["summary"] == {"pass": 0, "fail": 0, "vacuous": 0, "error": 1}


def test_foil_makes_each_claim_fail_and_the_exit_code_says_so(tmp_path, capsys):
    args = ["verify", "terjek.lambda_min.limit", "--quick", "--out", str(tmp_path), "--no-plots"]
    assert main([*args, "--foil"]) == 0
    out = capsys.readouterr().out
    assert "FAIL (foil)" in out and "1 of 1 claims fail under their foil" in out
    (verdict,) = read_record(tmp_path / "report.json")["verdicts"]
    assert verdict["foil"] == "every empirical kernel halved" and verdict["outcome"] == "fail"
    for r in verdict["requirements"]:
        assert r["outcome"] in ("pass", "fail", "vacuous") and isinstance(r["tightness"], float)


def test_verify_reuses_the_store_and_status_reports_it(tmp_path, capsys):
    args = ["verify", "terjek.lambda_min.limit", "--quick", "--out", str(tmp_path), "--no-plots"]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 0
    assert "1 of 1 served from" in capsys.readouterr().out
    assert (
        main(
            [
                "status",
                "terjek.lambda_min.limit",
                "--quick",
                "--out",
                str(tmp_path),
                "--csv",
                str(tmp_path / "rows.csv"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "1 passed, 0 failed" in out and (tmp_path / "rows.csv").exists()
    # Without --quick, status says where the results are instead of "1 pending" alone.
    assert main(["status", "terjek.lambda_min.limit", "--out", str(tmp_path)]) == 0
    assert "stored at the quick size: ntkcheck status --quick" in capsys.readouterr().out
    # Claims not yet run are listed by id.
    assert main(["status", "terjek.lambda_min", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 passed" in out and "pending: terjek.lambda_min.concentrates" in out


def test_ctrl_c_is_one_line_and_exit_code_130(monkeypatch, capsys):
    import ntkcheck.cli.claims as commands

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "verify", interrupted)
    assert main(["verify", "terjek.lambda_min.limit", "--quick"]) == 130
    assert "interrupted; every result that finished is kept" in capsys.readouterr().err


def test_bench_case_must_be_four_integers(capsys):
    assert main(["bench", "--case", "1024,2"]) == 2
    assert "WIDTH,DEPTH,N,OUTPUTS" in capsys.readouterr().err
