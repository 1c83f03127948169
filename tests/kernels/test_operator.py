"""The matrix-free NTK operator v ↦ J(Jᵀv) against the brute-force oracle, and its λ_min."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from ntkcheck.errors import CrossExampleCouplingError, InvalidInputError, PrecisionWarning
from ntkcheck.kernels import operator
from ntkcheck.kernels.operator import ntk_operator
from ntkcheck.kernels.reference import reference_ntk
from ntkcheck.models.functional import functionalize
from ntkcheck.models.mlp import MLP
from ntkcheck.spectrum import lambda_min, lanczos, spectrum_summary

F64 = torch.float64


def _points(n: int, d: int, seed: int) -> torch.Tensor:
    return torch.randn(n, d, dtype=F64, generator=torch.Generator().manual_seed(seed))


def _flat(theta: torch.Tensor) -> np.ndarray:
    """Reference kernel (N, N, O, O) or (N, N) as the (N·O, N·O) matrix, row index n·O + o."""
    if theta.ndim == 2:
        return theta.numpy()
    n, _, o, _ = theta.shape
    return theta.permute(0, 2, 1, 3).reshape(n * o, n * o).numpy()


def _rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(float(np.abs(b).max()), 1e-300))  # dead ReLUs: b = 0


@given(
    width=st.integers(1, 12),
    depth=st.integers(1, 3),
    out=st.integers(1, 3),
    n=st.integers(1, 6),
    bias_std=st.sampled_from([0.0, 0.5]),
    activation=st.sampled_from(["relu", "tanh", "erf"]),
    chunk_size=st.sampled_from([None, 1, 4]),
    seed=st.integers(0, 2**16),
)
def test_matches_oracle(width, depth, out, n, bias_std, activation, chunk_size, seed):
    model = MLP(3, width, depth, out, activation, bias_std=bias_std, seed=seed)
    x = _points(n, 3, seed)
    dense = _flat(reference_ntk(model, x, mode="full"))
    op = ntk_operator(model, x, chunk_size=chunk_size)
    assert op.shape == dense.shape and op.dtype == np.float64
    assert _rel_err(op @ np.eye(n * out), dense) < 1e-10  # matmat, vmapped columns
    v = np.random.default_rng(seed).standard_normal(n * out)
    assert _rel_err(op.matvec(v), dense @ v) < 1e-10
    assert _rel_err(op.rmatvec(v), dense @ v) < 1e-10


def test_two_output_mlp_and_ordering():
    model = MLP(3, 16, 2, out_features=2, bias_std=0.5, seed=0)
    x = _points(5, 3, 1)
    full = reference_ntk(model, x, mode="full")  # (5, 5, 2, 2)
    op = ntk_operator(model, x)
    e = np.zeros(10)
    e[2 * 3 + 1] = 1.0  # example 3, output 1
    assert np.allclose(op.matvec(e).reshape(5, 2), full[:, 3, :, 1].numpy(), rtol=1e-12)


def test_parameter_subset_and_sequential():
    torch.manual_seed(0)  # nn.Linear's init uses the global generator; seeded for the test only
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).to(F64)
    x = _points(6, 4, 2)
    names = ["0.weight", "2.bias"]
    dense = _flat(reference_ntk(functionalize(model, names), x, mode="full"))
    op = ntk_operator(model, x, params=names, chunk_size=4)
    assert _rel_err(op @ np.eye(18), dense) < 1e-10


def test_lanczos_on_the_operator_matches_dense_reference():
    model = MLP(3, 16, 2, out_features=2, bias_std=0.5, seed=0)
    x = _points(12, 3, 5)
    ev = np.linalg.eigvalsh(_flat(reference_ntk(model, x, mode="full")))
    op = ntk_operator(model, x, chunk_size=5)
    top = lanczos.largest(op, seed=0, tol=1e-12)
    bottom = lanczos.smallest(op, top.value, seed=0, tol=1e-12)
    assert top.value == pytest.approx(ev[-1], rel=1e-10)
    assert bottom.value == pytest.approx(ev[0], rel=1e-8)
    assert abs(bottom.value - ev[0]) <= bottom.residual + 1e-13 * ev[-1]


def test_spectrum_matches_dense_reference():
    # N·O = 48: the operator is materialized, so its interval is certified too.
    model = MLP(3, 32, 2, out_features=2, bias_std=0.5, seed=0)
    x = _points(24, 3, 3)
    dense = spectrum_summary(_flat(reference_ntk(model, x, mode="full")))
    got = spectrum_summary(ntk_operator(model, x, chunk_size=10))
    assert got.lambda_min == pytest.approx(dense.lambda_min, rel=1e-8)
    assert got.lambda_min_interval.lo <= dense.lambda_min_interval.hi
    assert dense.lambda_min_interval.lo <= got.lambda_min_interval.hi
    assert got.lambda_max == pytest.approx(dense.lambda_max, rel=1e-10)
    assert got.lambda_min_interval.width < 1e-12 * got.lambda_max


def test_low_precision_model_warns():
    model = MLP(3, 8, 1, seed=0, dtype=torch.float32)
    x = _points(4, 3, 0).float()
    with pytest.warns(PrecisionWarning, match="float32"):
        op = ntk_operator(model, x)
    assert op.matvec(np.ones(4)).dtype == np.float64


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda m: ntk_operator(m, _points(4, 3, 0).float()), InvalidInputError, "dtype"),
        (
            lambda m: ntk_operator(m, _points(4, 3, 0), chunk_size=0),
            InvalidInputError,
            "chunk_size",
        ),
        (
            lambda m: ntk_operator(m, torch.full((2, 3), float("nan"), dtype=F64)),
            InvalidInputError,
            "non-finite",
        ),
        (lambda m: ntk_operator(m, _points(4, 3, 0), params=["nope"]), InvalidInputError, "nope"),
    ],
    ids=["float32-x", "chunk-size", "nan", "unknown-param"],
)
def test_input_errors(make, error, match):
    with pytest.raises(error, match=match):
        make(MLP(3, 8, 1, seed=0))


def test_batch_coupled_model_raises():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)).to(F64)
    with pytest.raises(CrossExampleCouplingError, match="eval"):
        ntk_operator(model, _points(5, 3, 0))


def test_lambda_min_materializes_by_one_dense_ntk_not_by_products(monkeypatch):
    # N·O = 40 fits: λ_min forms the matrix with to_dense (one eNTK); only the two symmetry
    # probes are products. Column-by-column materializing made N·O products (43 s at 600).
    model = MLP(3, 16, 2, out_features=2, seed=0)
    x = _points(20, 3, 1)
    op = ntk_operator(model, x)
    products = []  # every product pulls back through the model once
    inner = operator._pullback
    monkeypatch.setattr(operator, "_pullback", lambda *a: products.append(1) or inner(*a))
    got = lambda_min(op, certify=True)
    assert len(products) <= 2
    want = lambda_min(_flat(reference_ntk(model, x, mode="full")))
    assert got.hi == pytest.approx(want, rel=1e-9) and got.width < 1e-12


def test_to_dense_equals_the_products():
    model = MLP(3, 8, 2, out_features=3, bias_std=0.5, seed=2)
    x = _points(7, 3, 4)
    op = ntk_operator(model, x, chunk_size=3)
    dense = op.to_dense()
    np.testing.assert_array_equal(dense, dense.T)
    assert _rel_err(op.matmat(np.eye(21)), dense) < 1e-13
    assert _rel_err(dense, _flat(reference_ntk(model, x, mode="full"))) < 1e-12
