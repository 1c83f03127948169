"""The cached model checks: coupling is found on the first call and whenever the structure
changes, never served stale from a cache."""

from __future__ import annotations

import gc

import pytest
import torch
from torch import nn

from ntkcheck.errors import CrossExampleCouplingError, InvalidInputError
from ntkcheck.kernels import structure
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.kernels.reference import reference_ntk
from ntkcheck.kernels.structure import check_model, structure_key
from ntkcheck.models.functional import functionalize, probe_batch_coupling

F64 = torch.float64


def _points(n: int, d: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, dtype=F64, generator=torch.Generator().manual_seed(seed))


class _CentersInTraining(nn.Module):
    """Subtracts the batch mean of its hidden layer in training mode only: a coupling no module
    type reveals (unlike BatchNorm), so only the numerical probe can find it."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(3, 6), nn.Linear(6, 1)

    def forward(self, x):
        h = torch.tanh(self.a(x))
        if self.training:
            h = h - h.mean(0)
        return self.b(h)


class _Shifted(nn.Module):
    """out_i = f(x_i) + 0.1·f(x_{i-1}) for i ≥ 1, when ``couple``: row 0 never sees the batch."""

    def __init__(self, couple: bool) -> None:
        super().__init__()
        self.couple = couple
        self.a = nn.Linear(3, 2)

    def forward(self, x):
        y = self.a(x)
        if self.couple:
            y = y + 0.1 * torch.cat([torch.zeros_like(y[:1]), y[:-1]])
        return y


def test_switching_to_training_mode_is_not_served_the_eval_verdict():
    model = _CentersInTraining().double().eval()
    x = _points(5, 3)
    ok = empirical_ntk(model, x)
    assert float((ok - reference_ntk(model, x)).abs().max()) < 1e-12 * float(ok.abs().max())
    model.train()
    with pytest.raises(CrossExampleCouplingError, match="changes with the rest of the batch"):
        empirical_ntk(model, x)
    model.eval()
    empirical_ntk(model, x)  # eval again: accepted (and served from the cache)


def test_batchnorm_switched_to_training_mode_raises():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)).double().eval()
    x = _points(5, 3)
    empirical_ntk(model, x)
    model.train()
    with pytest.raises(CrossExampleCouplingError, match=r"model\.eval\(\)"):
        empirical_ntk(model, x)


def test_a_changed_flag_is_a_new_structure():
    x = _points(4, 3)
    model = _Shifted(couple=False).double()
    empirical_ntk(model, x)
    model.couple = True
    with pytest.raises(CrossExampleCouplingError, match="Changing example 0"):
        empirical_ntk(model, x)


def test_a_one_row_check_does_not_vouch_for_batches():
    model = _CentersInTraining().double()  # training mode: couples
    empirical_ntk(model, _points(1, 3))  # one example: nothing to couple
    with pytest.raises(CrossExampleCouplingError):
        empirical_ntk(model, _points(3, 3))


class _Configured(nn.Module):
    """Couples examples when ``options["couple"]``: a dict, which the key sees only by type."""

    def __init__(self, couple: bool) -> None:
        super().__init__()
        self.options = {"couple": couple}
        self.a = nn.Linear(3, 2)

    def forward(self, x):
        y = self.a(x)
        return y - y.mean(0) if self.options["couple"] else y


def test_cached_checks_follow_the_module_object_and_the_inputs():
    x = _points(4, 3)
    first, second = _Configured(False).double(), _Configured(True).double()
    key = structure_key(functionalize(first), x)
    assert structure_key(functionalize(second), x) == key  # same structure...
    assert check_model(functionalize(first), "x", x, key) == 2
    with pytest.raises(CrossExampleCouplingError):  # ...but another module: checked afresh
        check_model(functionalize(second), "x", x, key)
    fm = functionalize(first)
    assert structure_key(fm, x.float()) != key  # dtype
    assert structure_key(fm, x.reshape(4, 3, 1)) != key  # example shape
    assert structure_key(functionalize(first, ["a.bias"]), x) != key  # differentiated subset


def test_function_pairs_are_checked_on_every_call():
    w = {"w": torch.randn(3, 1, dtype=F64)}
    centered = {"on": False}

    def f(p, x):
        h = x @ p["w"]
        return h - h.mean(0) if centered["on"] else h

    x = _points(4, 3)
    empirical_ntk((f, w), x)
    centered["on"] = True
    with pytest.raises(CrossExampleCouplingError):
        empirical_ntk((f, w), x)


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_probe_finds_a_row_that_reads_its_predecessor(n):
    model = _Shifted(couple=True).double()
    with pytest.raises(CrossExampleCouplingError, match="Changing example 0"):
        probe_batch_coupling(functionalize(model), _points(n, 3))


def test_probe_accepts_per_example_models_of_any_batch():
    fm = functionalize(_Shifted(couple=False).double())
    for n in (1, 2, 5):
        probe_batch_coupling(fm, _points(n, 3))


def test_model_that_cannot_take_the_inputs_is_named():
    model = nn.Linear(3, 1).double()
    with pytest.raises(InvalidInputError, match=r"could not be applied to x1 of shape \(4, 5\)"):
        empirical_ntk(model, _points(4, 5))


def test_cached_checks_die_with_their_module():
    model = nn.Linear(3, 2).double()
    empirical_ntk(model, _points(4, 3))
    assert model in structure._CHECKED
    entries = len(structure._CHECKED)
    del model
    gc.collect()
    assert len(structure._CHECKED) == entries - 1
