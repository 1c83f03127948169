"""The public API is exactly what the package re-exports, and every name resolves."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import pytest

PACKAGES = [
    "ntkcheck",
    "ntkcheck.claims",
    "ntkcheck.plot",
    "ntkcheck.models",
    "ntkcheck.kernels",
    "ntkcheck.dynamics",
    "ntkcheck.models.flows",
    "ntkcheck.models.gan",
    "ntkcheck.data",
    "ntkcheck.metrics",
    "ntkcheck.spectrum",
    "ntkcheck.testing",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_exactly_the_public_names(name):
    module = importlib.import_module(name)
    listed = set(module.__all__)
    # dir() covers lazily exported names; submodules that imports attach implicitly are
    # public only when listed.
    public = {
        k
        for k in dir(module)
        if not k.startswith("_")
        and (k in listed or not isinstance(getattr(module, k), types.ModuleType))
    } - {"annotations"}
    assert listed == public
    assert all(getattr(module, k) is not None for k in listed)


def test_readme_quick_start_runs():
    import torch

    import ntkcheck

    x = torch.nn.functional.normalize(
        torch.randn(20, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0)), dim=1
    )
    model = ntkcheck.models.MLP(8, width=1024, depth=2, seed=0)
    theta = ntkcheck.empirical_ntk(model, x)
    theta_inf = ntkcheck.analytic_ntk(x, depth=2)
    K = theta / x.shape[0]
    interval = ntkcheck.lambda_min(K, certify=True)
    assert theta.shape == theta_inf.shape == (20, 20)
    assert 0 < interval.lo <= interval.hi


def test_a_lazy_function_keeps_its_name_after_its_submodule_is_imported():
    """``ntkcheck.claims.check`` is the function even when the module ``check`` was imported
    first (the import system then sets the package attribute to the module). A fresh
    interpreter, since this process has resolved the names already."""
    code = (
        "import types, ntkcheck.claims.check, ntkcheck.claims.explore, ntkcheck.claims.grid\n"
        "import ntkcheck.claims as c\n"
        "from ntkcheck.claims import check\n"
        "names = (c.check, c.explore, c.grid, check)\n"
        "assert not any(isinstance(f, types.ModuleType) for f in names), names\n"
        "import ntkcheck\n"
        "assert isinstance(ntkcheck.claims, types.ModuleType)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
