"""Smallest and largest eigenvalues of a kernel Gram matrix: dense, certified and matrix-free.

Every function reports the spectrum of the matrix it is given and never rescales it: pass Θ for
λ_min(Θ), or Θ / n for λ_min(K) of the normalized kernel K = Θ/n (kernels.md, "Smallest
eigenvalue").

``K`` is either dense — a torch tensor or numpy array (n, n) of any float dtype, analysed in
float64 (float32/float16 input warns :class:`~ntkcheck.errors.PrecisionWarning`) — or
matrix-free: a ``scipy.sparse.linalg.LinearOperator`` or any object with ``shape`` and
``matvec``, such as :func:`ntkcheck.kernels.operator.ntk_operator`. Dense matrices go through
LAPACK; operators of size n > 2048 through Lanczos, which is what ``seed`` (starting vector) and
``tol`` (Ritz residual relative to λ_max; 0 asks for machine precision) control. Smaller
operators are materialized with n products and handled as dense.

A Gram matrix J Jᵀ is positive semidefinite: a λ_min provably below −n·u·‖K‖₂ (u = 2^-53, the
float64 unit roundoff) raises :class:`~ntkcheck.errors.NotPSDError`; nothing is ever clipped.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple, overload

import numpy as np
import torch
from scipy.linalg import eigh
from scipy.sparse.linalg import LinearOperator

from ntkcheck.errors import InvalidInputError, NotPSDError
from ntkcheck.spectrum import lanczos
from ntkcheck.spectrum.bounds import U, cholesky_lower_bound, rayleigh_upper_bound
from ntkcheck.validation import as_float64_matrix

Kernel = torch.Tensor | np.ndarray | LinearOperator
DEFAULT_TOL = 1e-10
# Rounding in forming K = J Jᵀ leaves asymmetry of a few u·‖K‖; 1e3·u·‖K‖_F is far above that.
_SYMMETRY_RTOL = 1e3 * U
# LAPACK dsyevd (divide and conquer), full spectrum: the subset drivers dsyevr and dsyevx failed
# ("Internal Error", or an empty result) on matrices with all eigenvalues equal up to rounding,
# and one dsyevd call costs about what the two subset calls for λ_min and λ_max did.
_DRIVER = "evd"


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

    Matrix-free, n > 2048: Lanczos on λ_max·I − K (see :mod:`ntkcheck.spectrum.lanczos`) gives a
    Ritz pair (θ, v), and ``certify=True`` returns [θ − ‖r‖, θ + ‖r‖] with r = Kv − θv, ‖v‖ = 1.
    That interval provably contains *an* eigenvalue of K. It contains λ_min when no eigenvalue
    lies below θ − ‖r‖, i.e. unless Lanczos missed the bottom of the spectrum — improbable from
    a random start, but not provable from products alone. θ itself is ≥ λ_min up to rounding in
    the products (a Rayleigh quotient). The bar excludes the products' own rounding error.
    If ``tol`` cannot be reached (a tightly clustered bottom of the spectrum), a RuntimeWarning
    says so and the bar reports the accuracy reached.
    Operators with n ≤ 2048 are materialized with n products (Lanczos typically needs
    thousands for λ_min of a kernel's power-law spectrum), symmetrized (their products are
    symmetric only up to rounding) and treated as dense, certified interval included.

    Raises:
        InvalidInputError: ``K`` is not square, not symmetric, or has NaN/inf entries.
        NotPSDError: λ_min is provably below −n·u·‖K‖₂ (its upper bound: the Rayleigh bound
            hi, or θ + ‖r‖ for operators, is below it).

    References: Higham, Accuracy and Stability of Numerical Algorithms (2002), Thm 10.3;
    Rump, BIT 46 (2006) 433–452; Parlett, The Symmetric Eigenvalue Problem (1998), Thm 4.5.1.
    """
    result = _extremes(K, "K", certify=certify, seed=seed, tol=tol)
    return result.interval if certify else result.lambda_min


def lambda_max(K: Kernel, *, seed: int = 0, tol: float = DEFAULT_TOL) -> float:
    """Largest eigenvalue of the symmetric matrix ``K`` (dense (n, n) or an operator)."""
    _check_tol(tol)
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


def _extremes(K: Kernel, name: str, *, certify: bool, seed: int, tol: float) -> _Extremes:
    _check_tol(tol)
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


def _prepare(K: Kernel, name: str, seed: int) -> LinearOperator | np.ndarray:
    """A validated operator larger than ``lanczos.DENSE_SIZE``, else a symmetric float64 matrix."""
    if not lanczos.is_operator(K):
        return _symmetric(name, K)
    A = lanczos.as_symmetric_operator(name, K, seed)
    return A if A.shape[0] > lanczos.DENSE_SIZE else lanczos.materialize(A)


def _kappa(result: _Extremes) -> float:
    return result.lambda_max / result.lambda_min if result.lambda_min > 0 else math.inf


def _symmetric(name: str, K: torch.Tensor | np.ndarray) -> np.ndarray:
    """``K`` as float64 (n, n), symmetrized when it is symmetric up to rounding only."""
    A = as_float64_matrix(name, K)
    if np.array_equal(A, A.T):
        return A
    asym, size = float(np.linalg.norm(A - A.T)), float(np.linalg.norm(A))
    if asym > _SYMMETRY_RTOL * size:
        raise InvalidInputError(
            f"`{name}` is not symmetric: ‖{name} − {name}ᵀ‖_F = {asym:.3e} exceeds "
            f"1e3·u·‖{name}‖_F = {_SYMMETRY_RTOL * size:.3e} (u = 2^-53). A Gram matrix is "
            f"symmetric; if the asymmetry is rounding from an upstream computation, pass "
            f"({name} + {name}.T) / 2, otherwise the kernel is wrong."
        )
    return (A + A.T) / 2


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


def _check_tol(tol: float) -> None:
    if not (isinstance(tol, (int, float)) and 0 <= tol < 1):
        raise InvalidInputError(
            f"`tol` must be a number in [0, 1), got {tol!r}. It bounds the Lanczos residual "
            "relative to λ_max for matrix-free kernels, e.g. tol=1e-10 (0 = machine precision)."
        )
