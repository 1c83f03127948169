"""Lazy-training measures of two snapshots: parameter distance, kernel drift, operator norm."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from _dynamics_data import F64
from hypothesis import given
from hypothesis import strategies as st

from ntkcheck.dynamics import kernel_drift, lazy_distance
from ntkcheck.dynamics.lazy import operator_norm
from ntkcheck.errors import InvalidInputError


@given(rows=st.integers(1, 7), cols=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_operator_norm_equals_the_largest_singular_value(rows, cols, seed):
    a = torch.randn(rows, cols, generator=torch.Generator().manual_seed(seed), dtype=F64)
    assert operator_norm(a) == pytest.approx(float(torch.linalg.matrix_norm(a, 2)), rel=1e-12)


@given(seed=st.integers(0, 2**16), scale=st.floats(-3, 3).filter(lambda s: abs(s) > 1e-3))
def test_lazy_distance_identities(seed, scale):
    gen = torch.Generator().manual_seed(seed)
    p0 = {
        "w": torch.randn(4, 3, generator=gen, dtype=F64),
        "b": torch.randn(4, generator=gen, dtype=F64),
    }
    step = {k: torch.randn(v.shape, generator=gen, dtype=F64) for k, v in p0.items()}
    zero = lazy_distance(p0, p0)
    assert zero.total == 0.0 and zero.relative == 0.0 and zero.layer_op == {"w": 0.0}
    one = lazy_distance({k: p0[k] + step[k] for k in p0}, p0)
    two = lazy_distance({k: p0[k] + scale * step[k] for k in p0}, p0)
    assert two.total == pytest.approx(abs(scale) * one.total, rel=1e-12)
    assert one.total == pytest.approx(math.hypot(*one.layer.values()), rel=1e-14)
    assert one.layer_op["w"] <= one.layer["w"] * (1 + 1e-14)
    assert (
        list(one.layer_op) == ["w"] and lazy_distance(p0, p0, operator_norms=False).layer_op == {}
    )


@given(seed=st.integers(0, 2**16), c=st.floats(-0.9, 5.0))
def test_kernel_drift_of_a_rescaled_kernel_is_the_scale_change(seed, c):
    j = np.random.default_rng(seed).standard_normal((5, 7))
    theta0 = j @ j.T
    drift = kernel_drift((1 + c) * theta0, theta0)
    assert drift.frobenius == pytest.approx(abs(c), rel=1e-12, abs=1e-15)
    assert drift.operator == pytest.approx(abs(c), rel=1e-12, abs=1e-15)
    again = kernel_drift(torch.from_numpy(3.0 * (1 + c) * theta0), torch.from_numpy(3.0 * theta0))
    assert again.frobenius == pytest.approx(drift.frobenius, rel=1e-12, abs=1e-15)


def test_kernel_drift_accepts_full_kernels():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 3, 2, 2)), rng.standard_normal((3, 3, 2, 2))
    flat = lambda k: k.transpose(0, 2, 1, 3).reshape(6, 6)  # noqa: E731
    assert kernel_drift(a, b) == kernel_drift(flat(a), flat(b))


def test_instrument_errors():
    w = {"w": torch.ones(2, 2, dtype=F64)}
    with pytest.raises(InvalidInputError, match="same non-empty set of names"):
        lazy_distance({"v": torch.ones(2, 2, dtype=F64)}, w)
    with pytest.raises(InvalidInputError, match="has shape"):
        lazy_distance({"w": torch.ones(3, dtype=F64)}, w)
    with pytest.raises(InvalidInputError, match="non-finite"):
        lazy_distance({"w": torch.full((2, 2), math.nan, dtype=F64)}, w)
    with pytest.raises(InvalidInputError, match="compare kernels on the same inputs"):
        kernel_drift(np.eye(3), np.eye(2))
    with pytest.raises(InvalidInputError, match="zero matrix"):
        kernel_drift(np.eye(2), np.zeros((2, 2)))
    with pytest.raises(InvalidInputError, match="kernel matrix"):
        kernel_drift(np.ones(3), np.ones(3))
