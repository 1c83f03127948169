"""--device: resolved against the machine with errors that say what to do; the measurement runs
with the device as torch's default; seeded draws are device-independent. CUDA-only checks skip
cleanly on CPU machines."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch
from _toy import toy_claim

from ntkcheck.claims import Requirement, Seed, check, get_claim
from ntkcheck.cli import main
from ntkcheck.device import resolve_device
from ntkcheck.errors import DeviceError
from ntkcheck.models import MLP
from ntkcheck.store import store_key

CUDA = torch.cuda.is_available()
# The module, not the function ntkcheck.claims.check that the package re-exports.
check_module = importlib.import_module("ntkcheck.claims.check")
SEEN: list[torch.device] = []


def _measure(*, seed: Seed = 0) -> dict:
    SEEN.append(torch.get_default_device())
    return {"x": 1.0}


TOY = toy_claim(
    id="test.device.toy",
    statement="x is one.",
    requirements=(Requirement("x", "==", 1, "x"),),
    measure=_measure,
)


def test_cpu_and_none_resolve_to_the_cpu():
    assert resolve_device(None) == resolve_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("bad", ["tpu", "not-a-device", "mps"])
def test_unknown_devices_name_the_valid_ones(bad):
    with pytest.raises(DeviceError, match="'cpu', 'cuda' or 'cuda:N'"):
        resolve_device(bad)


@pytest.mark.skipif(CUDA, reason="checks the message of a machine without CUDA")
def test_cuda_without_a_gpu_says_how_to_proceed():
    with pytest.raises(DeviceError, match="--device cpu"):
        resolve_device("cuda")


@pytest.mark.skipif(CUDA, reason="checks the message of a machine without CUDA")
def test_verify_with_cuda_on_a_cpu_machine_exits_2_with_the_fix(tmp_path, capsys):
    code = main(["verify", "shah.unf.convex_loss", "--quick", "--device", "cuda",
                 "--out", str(tmp_path)])  # fmt: skip
    assert code == 2
    assert "--device cpu" in capsys.readouterr().err
    assert not (tmp_path / "report.json").exists()


def test_the_measurement_runs_with_the_device_as_default(monkeypatch):
    """The plumbing, shown with the meta device standing in for a GPU."""
    monkeypatch.setattr(check_module, "resolve_device", lambda device: torch.device("meta"))
    SEEN.clear()
    verdict = check(TOY, size="quick", device="cuda")
    assert SEEN == [torch.device("meta")] and verdict.passed
    assert verdict.extras["device"] == "meta"
    assert "--device meta" in verdict.command
    assert torch.get_default_device() == torch.device("cpu")  # restored afterwards


def test_verdict_records_the_device_and_the_store_keeps_devices_apart():
    verdict = check(TOY, size="quick")
    assert verdict.extras["device"] == "cpu" and "--device" not in verdict.command
    setting = TOY.setting("quick")
    assert store_key(TOY, setting) != store_key(TOY, setting, "cuda:0")
    assert store_key(TOY, setting) == store_key(TOY, setting, "cpu")


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
def test_seeded_initialization_is_identical_on_cuda():
    with torch.device("cuda"):
        on_gpu = MLP(8, 64, 2, seed=3, bias_std=0.1)
    on_cpu = MLP(8, 64, 2, seed=3, bias_std=0.1)
    for (name, a), b in zip(on_gpu.named_parameters(), on_cpu.parameters()):
        assert a.device.type == "cuda", name
        torch.testing.assert_close(a.cpu(), b, rtol=0, atol=0)


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
def test_a_claim_on_cuda_matches_the_cpu_to_rounding():
    claim = get_claim("terjek.lambda_min.limit")
    gpu, cpu = check(claim, size="quick", device="cuda"), check(claim, size="quick")
    assert gpu.outcome == cpu.outcome == "pass", gpu.error
    np.testing.assert_allclose(gpu.measured["lambda_min"], cpu.measured["lambda_min"], rtol=1e-8)
