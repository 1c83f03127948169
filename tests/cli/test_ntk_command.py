"""The ``ntk`` command refuses bad flags, data and models in one line, before generating or
reading the data; the current directory is importable for module:attr."""

from __future__ import annotations

import re
import shutil
import sys

import numpy as np
import pytest

from ntkcheck import validation
from ntkcheck.cli import main
from ntkcheck.data import sphere

GiB = 2**30


@pytest.fixture
def no_data(monkeypatch):
    """Fail the test if more than the 4-row model probe of sphere:N,D is generated."""
    inner = sphere.sphere_points

    def guarded(n, d, seed, **kwargs):
        assert n <= 4, f"sphere_points({n}, ...) ran before the arguments were checked"
        return inner(n, d, seed, **kwargs)

    monkeypatch.setattr(sphere, "sphere_points", guarded)


def _refused(capsys, argv: list[str]) -> str:
    """Run ``ntkcheck *argv``, expect exit code 2 and one line on stderr; return it."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ntkcheck ntk: ") and "\n" not in err, err
    return err


@pytest.mark.parametrize(
    ("n", "memory", "rows"), [(400_000, 32 * GiB, 4096), (50_000, 64 * 2**20, 256)]
)
def test_a_kernel_too_large_is_refused_before_the_data_with_blocks_advice(
    capsys, monkeypatch, no_data, n, memory, rows
):
    monkeypatch.setattr(validation, "available_memory_bytes", lambda: memory)
    err = _refused(capsys, ["ntk", "mlp", "--data", f"sphere:{n},8"])
    assert f"N = {n} points" in err and f"Pass --blocks {rows} --out ntk.npy" in err
    assert "mode='trace'" not in err


def test_the_suggested_blocks_command_runs(capsys, monkeypatch, tmp_path):
    # 64 MiB: 6 copies of the 300×300 kernel (4.1 MiB) fit a 32 MiB budget, of 1500² do not.
    monkeypatch.setattr(validation, "available_memory_bytes", lambda: 64 * 2**20)
    err = _refused(capsys, ["ntk", "mlp", "--data", "sphere:1500,4", "--width", "16"])
    rows = int(err.split("--blocks ")[1].split()[0])
    out = tmp_path / "k.npy"
    args = ["ntk", "mlp", "--data", "sphere:300,4", "--width", "16", "--blocks", str(rows)]
    assert main([*args, "--out", str(out)]) == 0
    assert np.load(out).shape == (300, 300) and "λ_min(Θ) ∈ [" in capsys.readouterr().out


def test_blocks_larger_than_the_free_disk_are_refused_before_the_data(
    capsys, monkeypatch, no_data, tmp_path
):
    usage = shutil.disk_usage(tmp_path)._replace(free=10**6)
    monkeypatch.setattr(validation.shutil, "disk_usage", lambda _: usage)
    argv = ["ntk", "mlp", "--data", "sphere:1000,8", "--blocks", "256"]
    err = _refused(capsys, [*argv, "--out", str(tmp_path / "k.npy")])
    assert "`--out`" in err and "7.63 MiB" in err and "larger disk" in err


@pytest.mark.parametrize(
    ("flags", "match"),
    [
        (["--blocks", "0"], "`--blocks` must be an integer >= 1, got 0"),
        (["--blocks", "-2"], "`--blocks` must be an integer >= 1, got -2"),
        (["--blocks", "8", "--workers", "0"], "`--workers` must be an integer >= 1, got 0"),
        (["--blocks", "8", "--scheduler", "threads"], "`--scheduler` must be 'inline'"),
        (["--blocks", "8", "--out", "missing/k.npy"], "`--out` = 'missing/k.npy' is in a folder"),
        (["--out", "k.npy"], "--out only applies with --blocks"),
        (["--workers", "2", "--scheduler", "processes"], "--scheduler --workers only applies"),
        (["--width", "0"], "`--width` must be an integer >= 1, got 0"),
        (["--depth", "-1"], "`--depth` must be an integer >= 1, got -1"),
        (["--activation", "relux"], "`--activation` must be one of abs, elu"),
        (["--width", "100000000"], "The built-in mlp with --width 100000000 .* smaller --width"),
        (["--device", "tpu"], "Unknown device 'tpu'"),
    ],
)
def test_bad_flags_are_one_line_before_the_data(
    capsys, monkeypatch, tmp_path, no_data, flags, match
):
    monkeypatch.chdir(tmp_path)
    err = _refused(capsys, ["ntk", "mlp", "--data", "sphere:50,8", *flags])
    assert re.search(match, err), err


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("sphere:abc", r"takes 2 or 3 integers, got 'sphere:abc'"),
        ("sphere:10", r"takes 2 or 3 integers"),
        ("sphere:0,8", r"needs N >= 1, got N = 0"),
        ("sphere:10,0", r"needs D >= 1, got D = 0"),
        ("sphere:10,8,-1", r"needs SEED >= 0, got SEED = -1"),
        ("nope.npy", r"existing \.npy file.*\(no such file\)"),
        ("x.txt", r"existing \.npy file or sphere:N,D"),
        ("vector.npy", r"has shape \(3,\).*reshape\(-1, 1\)"),
        ("complex.npy", r"holds complex128 values"),
        ("objects.npy", r"not a readable \.npy array"),
        ("nan.npy", r"`--data` has 1 non-finite entry.*Clean or drop those rows of nan\.npy"),
        ("images.npy", r"built-in mlp takes inputs \(N, d\).*rows of shape \(2, 2\)"),
    ],
)
def test_bad_data_is_one_line(capsys, monkeypatch, tmp_path, spec, match):
    monkeypatch.chdir(tmp_path)
    np.save("vector.npy", np.ones(3))
    np.save("complex.npy", np.ones((3, 2)) * 1j)
    np.save("objects.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
    np.save("nan.npy", np.array([[0.0, 1.0], [np.nan, 1.0]]))
    np.save("images.npy", np.ones((4, 2, 2)))
    err = _refused(capsys, ["ntk", "mlp", "--data", spec])
    assert re.search(match, err), err


_MODELS = """
import torch
from torch import nn


class Heads(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 2)

    def forward(self, x):
        y = self.layer(x)
        return y[:, :1], y[:, 1:]


class Named(Heads):
    def forward(self, x):
        return {"mean": self.layer(x)}


net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
pair = Heads()
named = Named()
number = 3


def sized(width):
    return net


def broken():
    raise ValueError("bad width")


def not_a_module():
    return [net]
"""


@pytest.mark.parametrize(
    ("model", "match"),
    [
        ("models:pair", r"must return one tensor.*a tuple of \(Tensor, Tensor\).*Wrap it"),
        ("models:named", r"must return one tensor.*a dict with keys \['mean'\]"),
        ("models:nett", r"models\.py has no attribute 'nett'; .*Heads, Named, named, net, pair"),
        ("models:number", r"'models:number' is an object of type int, not an nn\.Module"),
        ("models:sized", r"'models:sized' needs arguments \(width\).*zero-argument factory"),
        ("models:broken", r"calling it raised ValueError: bad width \(models\.py, line \d+\)"),
        ("models:not_a_module", r"returned an object of type list, not an nn\.Module"),
        ("models:", r"must be module:attr with both parts"),
        ("models", r"MODEL is 'mlp' or module:attr, got 'models'"),
        ("empty:net", r"empty\.py has no attribute 'net', and no nn\.Module at all"),
        ("absent:net", r"no module 'absent' in the current directory"),
        ("needs:net", r"importing needs failed, it needs the missing module 'not_installed_pkg'"),
        ("syntax:net", r"importing syntax raised SyntaxError: .*line 1"),
    ],
)
def test_bad_models_are_one_line(capsys, monkeypatch, tmp_path, no_data, model, match):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.py").write_text(_MODELS)
    (tmp_path / "empty.py").write_text("")
    (tmp_path / "needs.py").write_text("import not_installed_pkg\n")
    (tmp_path / "syntax.py").write_text("def f(:\n")
    for name in ("models", "empty", "needs", "syntax"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    err = _refused(capsys, ["ntk", model, "--data", "sphere:50,4"])
    assert re.search(match, err), err


def test_module_attr_is_found_in_the_current_directory_without_pythonpath(
    capsys, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cwd_models.py").write_text(_MODELS)
    monkeypatch.delitem(sys.modules, "cwd_models", raising=False)
    before = list(sys.path)
    assert main(["ntk", "cwd_models:net", "--data", "sphere:12,4"]) == 0
    assert "λ_min(K) ∈ [" in capsys.readouterr().out
    assert sys.path == before  # importable for the command only


def test_help_says_the_current_directory_is_importable(capsys):
    with pytest.raises(SystemExit):
        main(["ntk", "--help"])
    assert "current directory is importable" in " ".join(capsys.readouterr().out.split())


def test_mlp_flags_with_a_module_model_are_refused(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flag_models.py").write_text(_MODELS)
    err = _refused(capsys, ["ntk", "flag_models:net", "--data", "sphere:12,4", "--width", "64"])
    assert "--width only applies to the built-in mlp" in err


def test_many_outputs_are_planned_for_the_traced_kernel(capsys, monkeypatch, tmp_path):
    # The full (60, 60, 300, 300) kernel (2.4 GiB) exceeds the 0.5 GiB budget; the traced one
    # (28 KiB) is what the command computes, and was refused because the plan sized the full one.
    monkeypatch.setattr(validation, "available_memory_bytes", lambda: GiB)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "wide.py").write_text(
        "from torch import nn\nnet = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 300))\n"
    )
    assert main(["ntk", "wide:net", "--data", "sphere:60,4"]) == 0
    assert "λ_min(K) ∈ [" in capsys.readouterr().out
