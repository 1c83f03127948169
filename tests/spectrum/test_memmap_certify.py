"""Cholesky shift-invert λ_min: the certified interval against LAPACK, its agreement with the
dense path, the path ``lambda_min_npy`` picks for each memory budget, and the input errors."""

from __future__ import annotations

import numpy as np
import pytest

from ntkcheck.errors import InvalidInputError, NotPSDError
from ntkcheck.spectrum import bounds, lambda_min, lambda_min_npy, memmap, smallest
from ntkcheck.spectrum.smallest import lambda_min_shift_invert

U = 2.0**-53


def _spectral(seed: int, lam: np.ndarray) -> np.ndarray:
    """Q diag(lam) Qᵀ for a random orthogonal Q, made exactly symmetric."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((lam.size, lam.size)))
    K = (q * lam) @ q.T
    return (K + K.T) / 2


def _random_psd(seed: int, n: int) -> np.ndarray:
    A = np.random.default_rng(seed).standard_normal((n, n))
    K = A @ A.T / n
    return (K + K.T) / 2


def _nearly_parallel_gram(seed: int, n: int, dim: int) -> np.ndarray:
    """Gram matrix of n vectors within 1e-6 of one direction in R^dim: rank dim < n, and all
    but one eigenvalue ≈ 1e-12 of λ_max."""
    rng = np.random.default_rng(seed)
    V = rng.standard_normal(dim) + 1e-6 * rng.standard_normal((n, dim))
    K = V @ V.T
    return (K + K.T) / 2


def _clustered(seed: int, n: int) -> np.ndarray:
    """λ_min = 1e-6 with 100 eigenvalues within 1e-9·λ_max above it, a power law above those:
    what stopped Lanczos on the N = 20,000 NTK."""
    lam = np.r_[1e-6 + 1e-9 * np.linspace(0, 1, 100), np.arange(1, n - 99) ** -1.5]
    return _spectral(seed, lam)


def _lapack_min_and_slack(K: np.ndarray) -> tuple[float, float]:
    """eigvalsh's λ_min and its error bar, a few n·u·‖K‖₂ (backward error, via Weyl)."""
    values = np.linalg.eigvalsh(K)
    return float(values[0]), 4 * K.shape[0] * U * float(np.abs(values).max())


def _save(tmp_path, K: np.ndarray) -> tuple[str, float]:
    """``K`` saved as .npy, and the budget for which exactly 3 copies fit (not 6)."""
    path = tmp_path / "k.npy"
    np.save(path, K)
    return str(path), 3 * 8.0 * K.size


CASES = {
    "random": lambda: _random_psd(0, 500),
    "nearly-parallel": lambda: _nearly_parallel_gram(1, 400, 20),
    "clustered": lambda: _clustered(2, 400),
}


@pytest.mark.parametrize("case", CASES)
def test_interval_contains_lapack_lambda_min_and_is_tight(tmp_path, case):
    K = CASES[case]()
    path, budget = _save(tmp_path, K)
    iv = lambda_min_npy(path, certify=True, memory_budget=budget)
    ref, slack = _lapack_min_and_slack(K)
    norm = float(np.linalg.norm(K, 2))
    assert iv.lo <= iv.hi
    assert iv.lo - slack <= ref <= iv.hi + slack
    assert iv.width <= 1e-8 * norm
    # the bound's own rounding scale: the back-off (n+3)·u·tr(K) paid on both sides of θ
    assert iv.width <= 8 * (K.shape[0] + 3) * U * np.trace(K)


@pytest.mark.parametrize("case", CASES)
def test_agrees_with_the_dense_path(tmp_path, case):
    K = CASES[case]()
    path, budget = _save(tmp_path, K)
    dense = lambda_min_npy(path, certify=True)  # default budget: dense for this size
    fast = lambda_min_npy(path, certify=True, memory_budget=budget)
    theta = lambda_min_npy(path, memory_budget=budget)
    assert max(dense.lo, fast.lo) <= min(dense.hi, fast.hi)  # both contain λ_min
    assert fast.lo <= theta <= fast.hi
    assert abs(theta - lambda_min(K)) <= 1e-10 * float(np.linalg.norm(K, 2))


def test_clearly_negative_eigenvalue_raises(tmp_path):
    lam = np.r_[-1e-3, np.linspace(0.01, 1.0, 299)]
    path, budget = _save(tmp_path, _spectral(3, lam))
    with pytest.raises(NotPSDError, match=r"negative eigenvalue: λ_min ≈ -1\.0+e-03"):
        lambda_min_npy(path, memory_budget=budget)


def test_asymmetric_file_raises(tmp_path):
    K = _random_psd(4, 100)
    K[0, 1] += 1e-3
    path, budget = _save(tmp_path, K)
    with pytest.raises(InvalidInputError, match="not symmetric"):
        lambda_min_npy(path, memory_budget=budget)


def test_rounding_asymmetry_is_averaged_as_the_dense_path_does(monkeypatch):
    monkeypatch.setattr(smallest, "_BLOCK_ENTRIES", 7 * 64)  # 7 rows per block: 10 blocks
    K = _random_psd(5, 64)
    K[3, 50] = np.nextafter(K[3, 50], np.inf)
    K[60, 2] = np.nextafter(K[60, 2], -np.inf)
    want = (K + K.T) / 2
    copy = K.copy()
    got = lambda_min_shift_invert(copy, certify=True)
    assert got == lambda_min_shift_invert(want, certify=True)
    np.testing.assert_array_equal(copy, K)  # not overwritten by default
    lambda_min_shift_invert(copy, overwrite_k=True)
    np.testing.assert_array_equal(copy, want)  # bit for bit


@pytest.mark.parametrize(
    ("K", "want"),
    [(np.zeros((40, 40)), 0.0), (np.ones((40, 40)), 0.0), (2.0 * np.eye(40), 2.0)],
    ids=["zero", "ones", "identity"],  # exact λ_min; for zero and identity every vector is an
)  # eigenvector of the solves (ARPACK's "invariant start")
def test_exact_spectra(K, want):
    iv = lambda_min_shift_invert(K, certify=True)
    assert iv.lo <= want <= iv.hi
    assert iv.width <= 32 * (K.shape[0] + 3) * U * np.trace(K) + 1e-300


@pytest.mark.parametrize("n", [1, 5, smallest._SHIFT_INVERT_MIN - 1])
def test_tiny_matrices_go_dense(n):
    K = _random_psd(n, n)
    assert lambda_min_shift_invert(K, certify=True) == lambda_min(K, certify=True)


def test_factor_is_computed_in_the_work_array():
    K = _random_psd(6, 50)
    work = np.empty_like(K)
    factor = bounds.shifted_cholesky(K, -1e-3, work)
    assert factor is not None and np.shares_memory(factor, work)
    L = np.tril(factor)
    np.testing.assert_allclose(L @ L.T, K + 1e-3 * np.eye(50), rtol=0, atol=1e-13)
    assert bounds.shifted_cholesky(K, 10.0 * np.linalg.norm(K, 2), work) is None


@pytest.mark.parametrize(("copies", "path"), [(6, "dense"), (3, "shift-invert"), (2.9, "lanczos")])
def test_memory_budget_picks_the_path(tmp_path, monkeypatch, copies, path):
    K = _random_psd(7, 40)
    calls = []
    monkeypatch.setattr(memmap, "lambda_min", lambda K, **kw: calls.append(type(K)) or 0.0)
    monkeypatch.setattr(
        memmap, "lambda_min_shift_invert", lambda K, **kw: calls.append("shift-invert") or 0.0
    )
    npy, _ = _save(tmp_path, K)
    lambda_min_npy(npy, memory_budget=copies * 8.0 * K.size)
    taken = {np.memmap: "dense", "shift-invert": "shift-invert"}.get(calls[0], "lanczos")
    assert taken == path
