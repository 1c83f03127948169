"""λ_min / λ_max / κ: the certified interval against high-precision and LAPACK oracles, the
matrix-free path against the dense one, and the input errors."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse.linalg import aslinearoperator

from ntkcheck import validation
from ntkcheck.errors import InvalidInputError, NotPSDError, PrecisionWarning
from ntkcheck.spectrum import (
    Interval,
    check_psd,
    condition_number,
    lambda_max,
    lambda_min,
    lambda_min_shift_invert,
    lanczos,
    spectrum_summary,
)
from ntkcheck.spectrum.smallest import DENSE_MAX_N

U = 2.0**-53


def _psd(seed: int, n: int, rank: int, scale: float, log_cond: float) -> np.ndarray:
    """Q diag(λ) Qᵀ with ``rank`` eigenvalues log-spaced over ``log_cond`` decades, the rest 0."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.zeros(n)
    lam[n - rank :] = scale * np.logspace(-log_cond, 0, rank)
    K = (q * lam) @ q.T
    return (K + K.T) / 2  # exactly symmetric, so every solver sees the same matrix


def _gram(seed: int, n: int, rank: int) -> np.ndarray:
    """fl(A Aᵀ), A (n, rank) with columns of very different scales; singular when rank < n."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, rank)) * np.logspace(0, -3, rank)
    K = A @ A.T
    return (K + K.T) / 2


def _mp_lambda_min(K: np.ndarray) -> float:
    """λ_min of the stored float64 matrix to ~40 digits (mpmath converts floats exactly)."""
    with mpmath.workdps(40):
        return float(min(mpmath.eigsy(mpmath.matrix(K.tolist()), eigvals_only=True)))


def _lapack_slack(K: np.ndarray) -> float:
    """Error bar of eigvalsh itself: a few n·u·‖K‖₂ (its backward error, via Weyl)."""
    return 4 * K.shape[0] * U * float(np.abs(np.linalg.eigvalsh(K)).max())


@st.composite
def psd_cases(draw: st.DrawFn, min_n: int = 1, max_n: int = 40) -> np.ndarray:
    """Random PSD matrices: hypothesis draws n, rank, scale and condition number."""
    n = draw(st.integers(min_n, max_n))
    return _psd(
        draw(st.integers(0, 2**16)),
        n,
        draw(st.integers(1, n)),
        draw(st.floats(1e-8, 1e8)),
        draw(st.floats(0, 14)),
    )


@st.composite
def gram_cases(draw: st.DrawFn, min_n: int = 2, max_n: int = 40) -> np.ndarray:
    """Rank-deficient Gram matrices fl(A Aᵀ): singular up to rounding."""
    n = draw(st.integers(min_n, max_n))
    return _gram(draw(st.integers(0, 2**16)), n, draw(st.integers(1, n - 1)))


@given(st.one_of(psd_cases(max_n=10), gram_cases(max_n=10)))
def test_interval_contains_high_precision_lambda_min(K):
    iv = lambda_min(K, certify=True)
    assert iv.lo <= _mp_lambda_min(K) <= iv.hi


@pytest.mark.parametrize("seed", range(40))
def test_interval_contains_high_precision_lambda_min_sweep(seed):
    n = 2 + seed % 9
    K = _gram(seed, n, max(1, n - 1 - seed % 3)) if seed % 2 else _psd(seed, n, n, 1.0, 13.0)
    iv = lambda_min(K, certify=True)
    assert iv.lo <= _mp_lambda_min(K) <= iv.hi


@given(st.one_of(psd_cases(), gram_cases()))
def test_interval_contains_lapack_lambda_min(K):
    iv = lambda_min(K, certify=True)
    ref, slack = float(np.linalg.eigvalsh(K)[0]), _lapack_slack(K)
    assert iv.lo <= iv.hi
    assert iv.lo - slack <= ref <= iv.hi + slack
    assert iv.lo <= lambda_min(K) + slack


@given(seed=st.integers(0, 2**16), n=st.integers(1, 40), log_cond=st.floats(0, 3))
def test_interval_is_tight_when_well_conditioned(seed, n, log_cond):
    K = _psd(seed, n, n, 3.0, log_cond)
    iv = lambda_min(K, certify=True)
    assert 0 <= iv.width <= 1e-8 * iv.lo


@pytest.mark.parametrize(
    "K",
    [
        np.ones((6, 6)),  # rank one: λ_min = 0 exactly
        np.kron(np.ones((2, 2)), _psd(3, 4, 4, 1.0, 1.0)),  # every example duplicated
        np.diag([0.0, 1.0, 2.0]),
        np.zeros((3, 3)),
    ],
    ids=["ones", "duplicate", "diag", "zero"],
)
def test_exactly_singular(K):
    iv = lambda_min(K, certify=True)
    assert iv.lo <= 0.0 <= iv.hi
    # the back-off (n+3)·u·tr(K), paid twice, times the shift's growth (4×) per Cholesky retry
    assert iv.width <= 32 * (K.shape[0] + 3) * U * np.trace(K) + 1e-300


def test_all_eigenvalues_equal():
    K = _psd(1900, 31, 31, 3.0, 0.0)  # made LAPACK's subset drivers dsyevr and dsyevx fail
    iv = lambda_min(K, certify=True)
    assert iv.lo <= _mp_lambda_min(K) <= iv.hi
    assert iv.width <= 4 * (31 + 3) * U * np.trace(K)
    assert lambda_max(K) == pytest.approx(3.0, rel=1e-14)


def test_near_singular_is_resolved_to_rounding_level():
    K = _psd(7, 30, 30, 1.0, 14.0)  # λ_min = 1e-14·‖K‖
    iv = lambda_min(K, certify=True)
    assert iv.lo <= _mp_lambda_min(K) <= iv.hi
    assert iv.width < 2e-12


def test_interval_repr_and_width():
    iv = Interval(1.0, 1.5)
    assert iv.width == 0.5
    assert repr(iv) == "Interval(lo=1, hi=1.5, width=5.00e-01)"


@pytest.mark.parametrize(
    "low", [np.float32, np.float16, torch.float32], ids=["np32", "np16", "torch32"]
)
def test_low_precision_warns_and_answers_in_float64(low):
    K = _psd(1, 8, 8, 1.0, 2.0)
    K_low = torch.as_tensor(K).to(low) if isinstance(low, torch.dtype) else K.astype(low)
    as64 = np.asarray(K_low.numpy() if isinstance(K_low, torch.Tensor) else K_low, np.float64)
    with pytest.warns(PrecisionWarning, match="float64"):
        got = lambda_min(K_low)
    assert got == lambda_min(as64)


def test_torch_float64_input():
    K = _psd(2, 6, 6, 2.0, 1.0)
    assert lambda_min(torch.as_tensor(K)) == lambda_min(K)


def test_rounding_asymmetry_is_accepted():
    K = _psd(4, 5, 5, 1.0, 1.0)
    K[0, 1] = np.nextafter(K[0, 1], np.inf)
    sym = (K + K.T) / 2
    assert lambda_min(K) == lambda_min(sym)


@pytest.mark.parametrize(
    ("K", "error", "match"),
    [
        (
            np.array([[1.0, 0.5], [0.0, 1.0]]),
            InvalidInputError,
            r"not symmetric.*\(K \+ K\.T\) / 2",
        ),
        (np.array([[1.0, np.nan], [np.nan, 1.0]]), InvalidInputError, "non-finite"),
        (np.ones((2, 3)), InvalidInputError, "square"),
        (np.ones((2, 2, 1, 1)), InvalidInputError, "square"),
        (np.eye(2, dtype=np.int64), InvalidInputError, "floating"),
        (np.diag([1.0, -1e-3]), NotPSDError, r"negative eigenvalue.*never clips"),
        (np.array([[1.0, 2.0], [2.0, 1.0]]), NotPSDError, "couples examples"),
    ],
    ids=["asymmetric", "nan", "non-square", "4d", "integer", "indefinite", "indefinite-offdiag"],
)
def test_bad_matrices_raise(K, error, match):
    with pytest.raises(error, match=match):
        lambda_min(K)


def test_check_psd_names_the_argument():
    check_psd(_gram(0, 10, 3), name="theta")
    with pytest.raises(NotPSDError, match="`theta` has a negative eigenvalue"):
        check_psd(np.diag([1.0, -0.5]), name="theta")


def test_bad_tol_raises():
    with pytest.raises(InvalidInputError, match="`tol` must be"):
        lambda_min(np.eye(2), tol=-1.0)


def test_lambda_max_condition_number_and_summary():
    K = _psd(5, 12, 12, 4.0, 3.0)
    ev = np.linalg.eigvalsh(K)
    assert lambda_max(K) == pytest.approx(ev[-1], rel=1e-13)
    assert condition_number(K) == pytest.approx(ev[-1] / ev[0], rel=1e-10)
    summary = spectrum_summary(K)
    assert summary.n == 12
    assert summary.lambda_min_interval.lo <= ev[0] <= summary.lambda_min_interval.hi
    assert summary.lambda_max == pytest.approx(ev[-1], rel=1e-13)
    assert summary.condition_number == pytest.approx(ev[-1] / ev[0], rel=1e-10)
    assert condition_number(np.diag([0.0, 1.0])) == math.inf


class Reflected:
    """K = H diag(lam) H with the Householder reflector H = I − 2uuᵀ: a matrix-free operator of any
    size whose spectrum is exactly ``lam``; products cost O(n) and round at the u·max|lam| level."""

    def __init__(self, lam: np.ndarray, seed: int) -> None:
        self.lam = np.asarray(lam, dtype=np.float64)
        u = np.random.default_rng(seed).standard_normal(self.lam.size)
        self.u = u / np.linalg.norm(u)
        self.shape = (self.lam.size, self.lam.size)
        self.dtype = np.dtype(np.float64)

    def matvec(self, v: np.ndarray) -> np.ndarray:
        v = np.ravel(v)
        h = self.lam * (v - 2 * self.u * (self.u @ v))
        return h - 2 * self.u * (self.u @ h)

    def slack(self) -> float:
        """Rounding of the products themselves, which the Ritz bar does not include."""
        return 64 * U * float(np.abs(self.lam).max())


BIG = DENSE_MAX_N + 1  # the smallest size that runs Lanczos instead of materializing


@st.composite
def isolated_spectra(draw: st.DrawFn) -> np.ndarray:
    """λ_min separated from the rest of the spectrum by a relative gap ≥ 1e-2: Lanczos converges."""
    n = draw(st.integers(BIG, BIG + 500))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    bottom = draw(st.floats(0, 1e-2))
    rest = rng.uniform(bottom + 1e-2, 1.0, n - 1)
    return draw(st.floats(1e-6, 1e6)) * np.r_[bottom, rest, 1.0][:n]


@st.composite
def kernel_like_spectra(draw: st.DrawFn) -> np.ndarray:
    """Power-law decay i^-a, optionally with a zero tail (a rank-deficient Gram matrix)."""
    n = draw(st.integers(BIG, BIG + 500))
    lam = np.arange(1, n + 1, dtype=np.float64) ** -draw(st.floats(0.5, 2.0))
    lam[n - draw(st.integers(0, n // 2)) :] = 0.0
    return draw(st.floats(1e-6, 1e6)) * lam


@given(st.one_of(isolated_spectra(), kernel_like_spectra()), st.integers(0, 2**16))
def test_matrix_free_interval_contains_lambda_min(lam, seed):
    op = Reflected(lam, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # power-law bottoms may not reach tol
        theta, iv = lambda_min(op), lambda_min(op, certify=True)
    assert iv.lo - op.slack() <= lam.min() <= iv.hi + op.slack()
    assert iv.lo <= theta <= iv.hi


@given(isolated_spectra(), st.integers(0, 2**16))
def test_matrix_free_matches_exact_lambda_min(lam, seed):
    op = Reflected(lam, seed)
    summary = spectrum_summary(aslinearoperator(op), seed=seed)
    assert abs(summary.lambda_min - lam.min()) <= 1e-8 * lam.max()
    assert summary.lambda_max == pytest.approx(lam.max(), rel=1e-8)
    assert summary.lambda_min_interval.width <= 4e-10 * lam.max()


def test_matrix_free_well_conditioned_relative_accuracy():
    lam = np.r_[0.05, np.linspace(0.2, 5.0, BIG)]
    summary = spectrum_summary(Reflected(lam, 0))
    assert summary.lambda_min == pytest.approx(0.05, rel=1e-8)
    assert summary.lambda_max == pytest.approx(5.0, rel=1e-12)
    assert summary.condition_number == pytest.approx(100.0, rel=1e-8)
    assert condition_number(Reflected(lam, 0)) == summary.condition_number
    assert lambda_max(Reflected(lam, 0)) == summary.lambda_max


def test_matrix_free_tight_cluster_warns_and_reports_its_accuracy():
    # λ_min = 0 with 200 eigenvalues within 1e-9·λ_max of it and a dense power-law above:
    # tol = 1e-10 is out of reach, the ladder stops at a looser tol and the bar says so.
    lam = np.r_[1e-9 * np.linspace(0, 1, 200), np.arange(1, BIG) ** -2.0]
    op = Reflected(lam, 1)
    with pytest.warns(RuntimeWarning, match="could not reach tol=1e-10"):
        iv = lambda_min(op, certify=True)
    assert iv.lo - op.slack() <= 0.0 <= iv.hi + op.slack()
    assert iv.width > 2e-10


@pytest.mark.parametrize(
    ("K", "error", "match"),
    [
        (
            np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
            InvalidInputError,
            "not symmetric",
        ),
        (np.ones((2, 3)), InvalidInputError, "square operator"),
        (np.diag([1.0, 2.0, -0.5]), NotPSDError, "negative eigenvalue"),
        (np.diag([1.0, np.inf, 1.0]), InvalidInputError, "non-finite"),
    ],
    ids=["asymmetric", "non-square", "indefinite", "inf"],
)
def test_bad_operators_raise(K, error, match):
    with pytest.raises(error, match=match):
        lambda_min(aslinearoperator(K))


def test_large_indefinite_operator_raises():
    op = Reflected(np.r_[np.linspace(1.0, 2.0, BIG - 1), -0.1], 2)
    with pytest.raises(NotPSDError, match=r"λ_min ≈ -1\.0+e-01"):
        lambda_min(op)


def test_large_asymmetric_operator_raises():
    with pytest.raises(InvalidInputError, match="not symmetric"):
        lambda_min(_Cyclic(BIG))


class _Cyclic:
    """The cyclic shift permutation: orthogonal but far from symmetric."""

    def __init__(self, n: int) -> None:
        self.shape = (n, n)
        self.dtype = np.dtype(np.float64)

    def matvec(self, v: np.ndarray) -> np.ndarray:
        return np.roll(np.ravel(v), 1)


@pytest.mark.parametrize("n", [1, 2, 64])
def test_small_operators_are_materialized_and_certified(n):
    K = _gram(n, n, max(1, n - 1)) if n > 1 else np.array([[2.0]])
    assert lambda_min(aslinearoperator(K), certify=True) == lambda_min(K, certify=True)


@pytest.mark.parametrize("value", [0.0, 2.0])
def test_operator_with_invariant_start_vector(value):
    # A = value·I: every start vector is an eigenvector, which ARPACK reports as error -9.
    summary = spectrum_summary(Reflected(np.full(BIG, value), 0))
    assert summary.lambda_min_interval.lo <= value <= summary.lambda_min_interval.hi
    assert summary.lambda_max == pytest.approx(value, abs=1e-12)


_HERMITIAN = np.array([[1.5, 0.5j], [-0.5j, 1.5]])  # eigenvalues 1 and 2; its real part's are 1.5


_DENSE_FUNCTIONS = (
    lambda_min,
    lambda_max,
    condition_number,
    spectrum_summary,
    check_psd,
    lambda_min_shift_invert,
)


@pytest.mark.parametrize("K", [_HERMITIAN, torch.as_tensor(_HERMITIAN)], ids=["numpy", "torch"])
@pytest.mark.parametrize("fn", _DENSE_FUNCTIONS)
def test_complex_matrices_are_refused_not_cast(K, fn):
    with pytest.raises(InvalidInputError, match=r"complex.*\[\[K\.real, -K\.imag\]"):
        fn(K)


def test_complex_operators_are_refused_not_cast():
    with pytest.raises(InvalidInputError, match="complex operator"):
        lambda_min(aslinearoperator(_HERMITIAN))


def test_hermitian_embedding_of_the_error_message_gives_its_eigenvalues():
    H = _HERMITIAN
    iv = lambda_min(np.block([[H.real, -H.imag], [H.imag, H.real]]), certify=True)
    assert iv.lo <= 1.0 <= iv.hi


@pytest.mark.parametrize("seed", [-1, 1.5, None, True])
def test_bad_seed_raises(seed):
    with pytest.raises(InvalidInputError, match="`seed` must be an integer >= 0"):
        lambda_min(np.eye(2), seed=seed)


def test_operators_are_materialized_in_column_blocks(monkeypatch):
    n = 100
    K = _gram(0, n, n)
    calls = []
    op = aslinearoperator(K)
    inner = op._matmat
    monkeypatch.setattr(op, "_matmat", lambda V: calls.append(V.shape[1]) or inner(V))
    monkeypatch.setattr(op, "_matvec", lambda v: calls.append(1) or K @ v)
    assert lambda_min(op, certify=True) == lambda_min(K, certify=True)
    assert len(calls) <= 2 + math.ceil(n / 32)


def test_operators_go_matrix_free_when_the_dense_path_does_not_fit(monkeypatch):
    # 6 copies of a 300×300 float64 matrix (4.3 MB) exceed half of 4 MB: Lanczos, no n products.
    monkeypatch.setattr(validation, "available_memory_bytes", lambda: 4 * 2**20)
    monkeypatch.setattr(lanczos, "materialize", None)  # calling it would fail the test
    lam = np.r_[0.05, np.linspace(0.2, 5.0, 299)]
    assert lambda_min(Reflected(lam, 0)) == pytest.approx(0.05, rel=1e-8)
