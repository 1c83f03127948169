"""Shared toy data of the dynamics tests: sphere inputs, a smooth target, a linear pair."""

from __future__ import annotations

import math

import numpy as np
import torch

from ntkcheck.dynamics import Trajectory
from ntkcheck.dynamics.lazy import as_kernel_matrix
from ntkcheck.kernels.reference import reference_ntk

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
            same = va[1] == vb[1] or (math.isnan(va[1]) and math.isnan(vb[1]))
            assert va[0] == vb[0] and same
        else:
            assert va == vb, k
