"""Smallest and largest eigenvalues of a kernel Gram matrix: dense, certified and matrix-free.

Every function reports the spectrum of the matrix it is given and never rescales it: pass Θ for
λ_min(Θ), or Θ / n for λ_min(K) of the normalized kernel K = Θ/n (docs/conventions.md).

``K`` is either dense — a torch tensor or numpy array (n, n) of any float dtype, analysed in
float64 (float32/float16 input warns :class:`~ntkcheck.errors.PrecisionWarning`) — or
matrix-free: a ``scipy.sparse.linalg.LinearOperator`` or any object with ``shape`` and
``matvec``, such as :func:`ntkcheck.kernels.operator.ntk_operator`. Dense matrices go through
LAPACK. Operators are materialized and handled as dense when :func:`dense_fits` (n ≤ 4096 and 6
copies of the n×n float64 matrix within half the available memory); larger ones go through
Lanczos, which is what ``seed`` (starting vector) and ``tol`` (Ritz residual relative to λ_max;
0 asks for machine precision) control. Dense matrices too large for the full spectrum:
:func:`lambda_min_shift_invert` (two Cholesky factorizations, same bounds). Complex matrices
are refused (a cast would drop the imaginary part); the error says how to embed a Hermitian one.

A Gram matrix J Jᵀ is positive semidefinite: a λ_min provably below −n·u·‖K‖₂ (u = 2^-53, the
float64 unit roundoff) raises :class:`~ntkcheck.errors.NotPSDError`; nothing is ever clipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Literal, NamedTuple, overload

import numpy as np
import torch
from scipy.linalg import eigh, lapack
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from ntkcheck.errors import InvalidInputError, NotPSDError, NTKCheckError
from ntkcheck.spectrum import lanczos
from ntkcheck.spectrum.bounds import (
    U,
    abs_matvec,
    cholesky_lower_bound,
    rayleigh_upper_bound,
    rounding_shift,
    shifted_cholesky,
)
from ntkcheck.validation import as_float64_matrix, check_memory_budget, check_seed

Kernel = torch.Tensor | np.ndarray | LinearOperator
DEFAULT_TOL = 1e-10
# Dense λ_min holds the matrix, its symmetry check and LAPACK's eigenvectors and workspace.
DENSE_COPIES = 6
# Above this size the full spectrum is the slow way to λ_min (dsyevd ≳ 4n³ flops): at N = 6000
# Cholesky shift-invert certified the same interval 3.5× faster (6.6 s vs 23 s). Below it, an
# operator is materialized: n products (or one dense eNTK) cost less than Lanczos, which on
# kernel-like power-law spectra needed thousands of products for λ_min at tol = 1e-10 (and did
# not converge at n = 400 in 200 restarts), and the dense path certifies.
DENSE_MAX_N = 4096
# Rounding in forming K = J Jᵀ leaves asymmetry of a few u·‖K‖; 1e3·u·‖K‖_F is far above that.
_SYMMETRY_RTOL = 1e3 * U
# LAPACK dsyevd (divide and conquer), full spectrum: the subset drivers dsyevr and dsyevx failed
# ("Internal Error", or an empty result) on matrices with all eigenvalues equal up to rounding,
# and one dsyevd call costs about what the two subset calls for λ_min and λ_max did.
_DRIVER = "evd"
# Shift-invert factors K − σI at σ = −δ, −4δ, −16δ (δ the Cholesky rounding bound): a PSD K
# factors at the first; failing all three means λ_min ≲ −16δ, far below rounding, and σ jumps
# below the Gershgorin bound −‖K‖_∞ so that the factor exists and Lanczos can exhibit it.
_PSD_SHIFTS = 3
# Shift-invert needs ARPACK's 20-vector basis; smaller matrices cost nothing dense.
_SHIFT_INVERT_MIN = 32
# Row blocks for the symmetry checks hold at most this many entries (32 MB).
_BLOCK_ENTRIES = 2**22


class Interval(NamedTuple):
    """A closed interval [lo, hi] containing λ_min."""

    lo: float
    hi: float

    @property
    def width(self) -> float:
        return self.hi - self.lo

    def __repr__(self) -> str:
        return f"Interval(lo={self.lo:.17g}, hi={self.hi:.17g}, width={self.width:.2e})"


class SpectrumSummary(NamedTuple):
    """Extreme eigenvalues of one kernel matrix (of the matrix given: Θ or K = Θ/n).

    Attributes:
        n: size of the matrix.
        lambda_min: the eigensolver's estimate of λ_min.
        lambda_min_interval: as ``lambda_min(K, certify=True)``.
        lambda_max: the largest eigenvalue.
        condition_number: λ_max / λ_min (estimates), inf when λ_min ≤ 0.
    """

    n: int
    lambda_min: float
    lambda_min_interval: Interval
    lambda_max: float
    condition_number: float


class _Extremes(NamedTuple):
    n: int
    lambda_min: float
    interval: Interval | None
    lambda_max: float


@overload
def lambda_min(
    K: Kernel, *, certify: Literal[False] = ..., seed: int = ..., tol: float = ...
) -> float: ...
@overload
def lambda_min(
    K: Kernel, *, certify: Literal[True], seed: int = ..., tol: float = ...
) -> Interval: ...
def lambda_min(
    K: Kernel, *, certify: bool = False, seed: int = 0, tol: float = DEFAULT_TOL
) -> float | Interval:
    """Smallest eigenvalue of the symmetric PSD matrix ``K``: (n, n) or an operator of size n.

    Dense: ``scipy.linalg.eigh(K, driver="evd")`` (LAPACK dsyevd) in float64. With ``certify=True``,
    an :class:`Interval` that provably contains λ_min of the float64 matrix analysed (``K``, or
    fl((K + Kᵀ)/2) when ``K`` is symmetric only up to rounding), rounding in this computation
    included: hi is the Rayleigh quotient of the computed eigenvector plus its evaluation error,
    lo a shift τ at which Cholesky of K − τI succeeds minus the Cholesky backward-error bound
    (n+3)·u·tr(K − τI) (see :mod:`ntkcheck.spectrum.bounds`). Errors made upstream, while K
    was computed, are not (cannot be) included.

    Matrix-free, when the dense path does not fit (:func:`dense_fits`): Lanczos on λ_max·I − K
    (see :mod:`ntkcheck.spectrum.lanczos`) gives a Ritz pair (θ, v), and ``certify=True``
    returns [θ − ‖r‖, θ + ‖r‖] with r = Kv − θv, ‖v‖ = 1.
    That interval provably contains *an* eigenvalue of K. It contains λ_min when no eigenvalue
    lies below θ − ‖r‖, i.e. unless Lanczos missed the bottom of the spectrum — improbable from
    a random start, but not provable from products alone. θ itself is ≥ λ_min up to rounding in
    the products (a Rayleigh quotient). The bar excludes the products' own rounding error.
    If ``tol`` cannot be reached (a tightly clustered bottom of the spectrum), a RuntimeWarning
    says so and the bar reports the accuracy reached.
    Operators that fit — n ≤ 4096 and 6 copies of the n×n float64 matrix within half the
    available memory — are materialized, symmetrized (their products are symmetric only up to
    rounding) and treated as dense, certified interval included: n products in blocks of
    columns (Lanczos typically needs thousands for λ_min of a kernel's power-law spectrum), or
    one dense eNTK for :func:`~ntkcheck.kernels.ntk_operator` (its ``to_dense``; at N·O = 600
    that is 0.1 s against 113 s for 600 single products).

    Raises:
        InvalidInputError: ``K`` is not square, not symmetric, complex, or has NaN/inf
            entries; ``seed`` or ``tol`` is out of range.
        NotPSDError: λ_min is provably below −n·u·‖K‖₂ (its upper bound: the Rayleigh bound
            hi, or θ + ‖r‖ for operators, is below it).

    References: Higham, Accuracy and Stability of Numerical Algorithms (2002), Thm 10.3;
    Rump, BIT 46 (2006) 433–452; Parlett, The Symmetric Eigenvalue Problem (1998), Thm 4.5.1.
    """
    result = _extremes(K, "K", certify=certify, seed=seed, tol=tol)
    return result.interval if certify else result.lambda_min


def lambda_max(K: Kernel, *, seed: int = 0, tol: float = DEFAULT_TOL) -> float:
    """Largest eigenvalue of the symmetric matrix ``K`` (dense (n, n) or an operator)."""
    _check_options(tol, seed)
    A = _prepare(K, "K", seed)
    if isinstance(A, LinearOperator):
        return lanczos.largest(A, seed=seed, tol=tol).value
    return float(eigh(A, eigvals_only=True, driver=_DRIVER)[-1])


def condition_number(K: Kernel, *, seed: int = 0, tol: float = DEFAULT_TOL) -> float:
    """κ = λ_max / λ_min of the symmetric PSD matrix ``K``; inf when λ_min ≤ 0 (singular)."""
    result = _extremes(K, "K", certify=False, seed=seed, tol=tol)
    return _kappa(result)


def spectrum_summary(K: Kernel, *, seed: int = 0, tol: float = DEFAULT_TOL) -> SpectrumSummary:
    """λ_min (estimate and interval, as :func:`lambda_min`), λ_max and κ of ``K`` in one pass."""
    result = _extremes(K, "K", certify=True, seed=seed, tol=tol)
    assert result.interval is not None  # certify=True always builds it
    return SpectrumSummary(
        result.n, result.lambda_min, result.interval, result.lambda_max, _kappa(result)
    )


def check_psd(K: Kernel, *, name: str = "K") -> None:
    """Raise :class:`NotPSDError` if ``K`` provably has an eigenvalue below −n·u·‖K‖₂.

    Also validates ``K`` (square, symmetric, finite). ``name`` is the argument name used in the
    error message, e.g. ``check_psd(theta, name="theta")``.
    """
    _extremes(K, name, certify=False, seed=0, tol=DEFAULT_TOL)


def lambda_min_shift_invert(
    K: torch.Tensor | np.ndarray,
    *,
    certify: bool = False,
    seed: int = 0,
    tol: float = DEFAULT_TOL,
    overwrite_k: bool = False,
) -> float | Interval:
    """λ_min of a dense symmetric PSD ``K`` (n, n) by Cholesky shift-invert Lanczos.

    For n where the full spectrum is too costly (dsyevd: ~6 copies of K, ≳ 4n³ flops, half of
    its reduction memory-bound) but two copies of K fit. Same guarantees as :func:`lambda_min`
    on the dense matrix, at the cost of two Cholesky factorizations (n³/3 flops each):

    1. Factor K − σI = LLᵀ (LAPACK dpotrf) at σ = −δ, δ = (n+3)·u·Σ|k_ii|: for PSD K this is
       positive definite by more than the factorization's rounding error.
    2. Lanczos (ARPACK) on (K − σI)⁻¹, applied by two triangular solves (O(n²)), converges to
       the eigenvector of λ_min with relative gap (λ₂ − λ_min)/(λ_min − σ) rather than
       (λ₂ − λ_min)/λ_max, so clustered small eigenvalues take tens of solves, not thousands
       of products (see :func:`lanczos.smallest_vector_shift_invert`).
    3. ``certify=True``: hi = Rayleigh bound of the Ritz vector, lo = shifted Cholesky just
       below θ (:mod:`ntkcheck.spectrum.bounds`; the first factor is freed before). Both are
       proven for the float64 matrix whatever Lanczos returned — unlike the matrix-free path,
       nothing assumes it found the bottom of the spectrum; a poor θ only widens [lo, hi].

    Memory: K in float64 plus one (n, n) work array. ``K`` is used as is when it is symmetric
    float64; one symmetric only up to rounding is averaged with its transpose — in place with
    ``overwrite_k=True`` (an array the caller gives away), else into a copy.
    ``certify=False`` returns the Rayleigh quotient θ of the Ritz vector.

    Raises:
        InvalidInputError: ``K`` is not square, not symmetric, or has NaN/inf entries.
        NotPSDError: λ_min is provably below −n·u·‖K‖₂ (its Rayleigh bound hi is).
    """
    _check_options(tol, seed)
    S = _symmetric("K", K, in_place=overwrite_k)
    return _shift_invert(S, "K", certify=certify, seed=seed, tol=tol)


def _shift_invert(
    S: np.ndarray, name: str, *, certify: bool, seed: int, tol: float
) -> float | Interval:
    """Steps 1–3 of :func:`lambda_min_shift_invert` on the symmetric float64 matrix ``S``."""
    n = S.shape[0]
    if n < _SHIFT_INVERT_MIN:
        result = _extremes(S, name, certify=certify, seed=seed, tol=tol)
        return result.interval if certify else result.lambda_min
    vector = _shift_invert_vector(S, seed=seed, tol=tol)  # frees its factor on return
    theta = lanczos.ritz(aslinearoperator(S), vector).value
    upper = rayleigh_upper_bound(S, vector)
    if upper < 0:  # only a negative hi can fail the PSD test: only then is ‖S‖₂ worth a Lanczos run
        top = lanczos.largest(aslinearoperator(S), seed=seed, tol=tol)
        _require_psd(name, theta, upper, max(abs(theta), abs(top.value) + top.residual), n)
    if not certify:
        return theta
    return Interval(cholesky_lower_bound(S, theta), upper)


def _shift_invert_vector(S: np.ndarray, *, seed: int, tol: float) -> np.ndarray:
    """Ritz vector for λ_min(S) by Lanczos on (S − σI)⁻¹, with σ below the spectrum."""
    factor, sigma = _factor_below_spectrum(S)

    def solve(b: np.ndarray) -> np.ndarray:
        x, _ = lapack.dpotrs(factor, np.ravel(b), lower=1)
        return x

    A = aslinearoperator(S)
    return lanczos.smallest_vector_shift_invert(A, solve, sigma, seed=seed, tol=tol)


def _factor_below_spectrum(S: np.ndarray) -> tuple[np.ndarray, float]:
    """Cholesky factor of S − σI (see :func:`bounds.shifted_cholesky`) and σ, the first shift
    of :func:`_shifts_below_spectrum` at which it exists."""
    work = np.empty(S.shape)
    for sigma in _shifts_below_spectrum(S):
        factor = shifted_cholesky(S, sigma, work)
        if factor is not None:
            return factor, sigma
    raise NTKCheckError(
        f"Cholesky of K − σI failed even at σ = {sigma:.3e}, below the Gershgorin bound "
        "−‖K‖_∞; K cannot be a finite symmetric matrix. Check it for overflow."
    )


def _shifts_below_spectrum(S: np.ndarray) -> Iterator[float]:
    """σ = −δ·4^j (j < ``_PSD_SHIFTS``, δ the Cholesky rounding bound), which factor any PSD
    matrix, then σ below the Gershgorin bound −‖S‖_∞, which factors whatever the spectrum.

    Reaching the last means λ_min ≲ −16δ (not PSD); Lanczos then finds the negative λ_min for
    :func:`_require_psd` to report.
    """
    # The floor 2^-511 keeps solves with S − σI, and their squared norms, finite for S = 0.
    delta = max(rounding_shift(S, 0.0), 2.0**-511)
    for j in range(_PSD_SHIFTS):
        yield -delta * 4.0**j
    gershgorin = float(abs_matvec(S, np.ones(S.shape[0])).max())
    yield -(gershgorin + delta * 4.0**_PSD_SHIFTS)


def _extremes(K: Kernel, name: str, *, certify: bool, seed: int, tol: float) -> _Extremes:
    _check_options(tol, seed)
    S = _prepare(K, name, seed)
    n = S.shape[0]
    if isinstance(S, LinearOperator):
        top = lanczos.largest(S, seed=seed, tol=tol)
        bottom = lanczos.smallest(S, top.value, seed=seed, tol=tol)
        upper = bottom.value + bottom.residual
        _require_psd(name, bottom.value, upper, abs(top.value) + top.residual, n)
        interval = Interval(bottom.value - bottom.residual, bottom.value + bottom.residual)
        return _Extremes(n, bottom.value, interval, top.value)
    values, vectors = eigh(S, driver=_DRIVER)
    low, high = float(values[0]), float(values[-1])
    upper = rayleigh_upper_bound(S, vectors[:, 0])
    _require_psd(name, low, upper, max(abs(low), abs(high)), n)
    if not certify:
        return _Extremes(n, low, None, high)
    return _Extremes(n, low, Interval(cholesky_lower_bound(S, low), upper), high)


def dense_fits(n: int, budget: float | None = None) -> bool:
    """Whether λ_min of an n×n kernel should go the dense way (full eigendecomposition):
    n ≤ ``DENSE_MAX_N`` and ``DENSE_COPIES`` float64 copies fit in ``budget`` bytes (default:
    half of the available memory)."""
    return n <= DENSE_MAX_N and DENSE_COPIES * 8.0 * n * n <= check_memory_budget(budget)


def _prepare(K: Kernel, name: str, seed: int) -> LinearOperator | np.ndarray:
    """A symmetric float64 matrix, or a validated operator too large for :func:`dense_fits`."""
    if not lanczos.is_operator(K):
        return _symmetric(name, K)
    A = lanczos.as_symmetric_operator(name, K, seed)
    return lanczos.materialize(name, A) if dense_fits(A.shape[0]) else A


def _kappa(result: _Extremes) -> float:
    return result.lambda_max / result.lambda_min if result.lambda_min > 0 else math.inf


def _symmetric(name: str, K: torch.Tensor | np.ndarray, *, in_place: bool = False) -> np.ndarray:
    """``K`` as float64 (n, n), symmetrized when it is symmetric up to rounding only.

    The symmetrized matrix is fl((K + Kᵀ)/2), into a copy or, ``in_place``, into ``K`` itself
    (when it is float64 already). Checks go by row blocks: no (n, n) temporaries.
    """
    A = as_float64_matrix(name, K)
    if _exactly_symmetric(A):
        return A
    asym, size = _asymmetry(A)
    if asym > _SYMMETRY_RTOL * size:
        raise InvalidInputError(
            f"`{name}` is not symmetric: ‖{name} − {name}ᵀ‖_F = {asym:.3e} exceeds "
            f"1e3·u·‖{name}‖_F = {_SYMMETRY_RTOL * size:.3e} (u = 2^-53). A Gram matrix is "
            f"symmetric; if the asymmetry is rounding from an upstream computation, pass "
            f"({name} + {name}.T) / 2, otherwise the kernel is wrong."
        )
    if not in_place:
        return (A + A.T) / 2
    _average_with_transpose(A)
    return A


def _row_blocks(n: int) -> list[slice]:
    rows = max(1, _BLOCK_ENTRIES // n)
    return [slice(start, min(start + rows, n)) for start in range(0, n, rows)]


def _exactly_symmetric(A: np.ndarray) -> bool:
    return all(np.array_equal(A[rows], A[:, rows].T) for rows in _row_blocks(A.shape[0]))


def _asymmetry(A: np.ndarray) -> tuple[float, float]:
    """‖A − Aᵀ‖_F and ‖A‖_F."""
    asym = size = 0.0
    for rows in _row_blocks(A.shape[0]):
        asym = math.hypot(asym, float(np.linalg.norm(A[rows] - A[:, rows].T)))
        size = math.hypot(size, float(np.linalg.norm(A[rows])))
    return asym, size


def _average_with_transpose(A: np.ndarray) -> None:
    """A ← fl((A + Aᵀ)/2) in place, entry for entry what ``(A + A.T) / 2`` computes.

    Row block i overwrites its rows from column i.start on and the mirror columns; later
    blocks only read entries of rows and columns ≥ their own start, which i left untouched.
    """
    for rows in _row_blocks(A.shape[0]):
        tail = slice(rows.start, None)
        mean = (A[rows, tail] + A[tail, rows].T) / 2
        A[rows, tail] = mean
        A[tail, rows] = mean.T


def _require_psd(name: str, value: float, upper: float, norm: float, n: int) -> None:
    """Raise when ``upper``, a proven upper bound on λ_min, is below −n·u·‖K‖₂.

    Testing the bound rather than the eigensolver's estimate avoids false alarms from the
    solver's own error (a few u·‖K‖₂, which can exceed n·u·‖K‖₂ for n ≤ 4).
    """
    threshold = -n * U * norm
    if upper < threshold:
        raise NotPSDError(
            f"`{name}` has a negative eigenvalue: λ_min ≈ {value:.6e} (at most {upper:.6e}), "
            "below the rounding threshold "
            f"−n·u·‖{name}‖₂ = {threshold:.3e} (n = {n}, u = 2^-53). A Gram matrix J Jᵀ is "
            "positive semidefinite, so this is not rounding: the kernel computation has a bug, "
            "or the model couples examples (one input's output depends on another) and has no "
            f"per-example NTK. If {name} was computed in float32, recompute it in float64. "
            "ntkcheck never clips eigenvalues."
        )


def _check_options(tol: float, seed: int) -> None:
    check_seed("seed", seed)
    if isinstance(tol, bool) or not (isinstance(tol, (int, float)) and 0 <= tol < 1):
        raise InvalidInputError(
            f"`tol` must be a number in [0, 1), got {tol!r}. It bounds the Lanczos residual "
            "relative to λ_max for matrix-free kernels, e.g. tol=1e-10 (0 = machine precision)."
        )
