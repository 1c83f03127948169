"""Rigorous floating-point bounds on λ_min of a stored symmetric float64 matrix S (n, n).

Both bounds hold for the exact smallest eigenvalue of the float64 matrix S, rounding errors of
this computation included. They assume IEEE double precision with round-to-nearest and a
Cholesky routine that evaluates each entry by inner products in some order (LAPACK ``dpotrf`` on
a classical BLAS, with or without FMA); Strassen-type fast multiplication would void them. They
cannot account for errors made before S was stored (e.g. when S = J Jᵀ was formed).

u = 2^-53 is the unit roundoff, η = 2^-1074 the smallest positive subnormal,
γ_k = k·u / (1 − k·u) (Higham 2002, §3.1).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack

from ntkcheck.errors import NTKCheckError

U = 2.0**-53
ETA = 2.0**-1074
# Each bound below is a sum of nonnegative terms evaluated in floating point; its relative
# evaluation error is a few γ_{3n} ≪ 1%, so multiplying by 1.01 turns the computed value into an
# upper bound of the exact one (n ≤ 10^7 keeps γ_{3n} below 10^-8).
_EVAL_SLACK = 1.01
# Shifts tried below the eigensolver's estimate grow by this factor; 64 tries reach any shift
# up to 4^64 ≈ 3e38 times the first one, far beyond ‖S‖ for any finite S.
_GROWTH, _TRIES = 4.0, 64
# Row blocks of |S| hold at most this many entries (32 MB).
_BLOCK_ENTRIES = 2**22


def gamma(k: int) -> float:
    """γ_k = k·u / (1 − k·u), the bound on the relative error of k roundings."""
    return k * U / (1.0 - k * U)


def rayleigh_upper_bound(S: np.ndarray, v: np.ndarray) -> float:
    """An upper bound hi ≥ vᵀSv / vᵀv ≥ λ_min(S) for any nonzero v: (n,).

    With q̂ = fl(vᵀ fl(Sv)), ŝ = fl(vᵀv) and m = |v|ᵀ|S||v|, the standard inner-product bound
    |fl(xᵀy) − xᵀy| ≤ γ_n |x|ᵀ|y| gives |fl(q̂/ŝ) − vᵀSv/vᵀv| ≤ γ_{3n+1}·(1 + γ_n)·m / ŝ,
    because |vᵀSv| ≤ m; gradual underflow adds at most η/2 per product, 2n(n+1)·η / ŝ in all.
    The bound is added and the sum rounded up by one ulp.

    References: Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed. (2002),
    §3.1 (inner products) and Lemma 3.3 (products of rounding factors).
    """
    n = S.shape[0]
    vv = float(v @ v)
    quotient = float(v @ (S @ v)) / vv
    magnitude = float(np.abs(v) @ abs_matvec(S, np.abs(v))) / vv
    err = gamma(3 * n + 1) * (1.0 + gamma(n)) * magnitude + 2 * n * (n + 1) * ETA / vv
    err *= _EVAL_SLACK
    return float(np.nextafter(quotient + err, np.inf))


def abs_matvec(S: np.ndarray, x: np.ndarray) -> np.ndarray:
    """|S| x, a block of rows at a time: no (n, n) temporary |S| (S may fill half the memory)."""
    n = S.shape[0]
    rows = max(1, _BLOCK_ENTRIES // max(n, 1))
    out = np.empty(n)
    for start in range(0, n, rows):
        out[start : start + rows] = np.abs(S[start : start + rows]) @ x
    return out


def rounding_shift(S: np.ndarray, estimate: float) -> float:
    """An upper bound of the Cholesky back-off below for a shift τ ≈ ``estimate``:
    (n+3)·u·(Σ|s_ii| + n·|estimate|) + 6n(n+1)·η, since tr(B̂) ≤ Σ|s_ii| + n·|τ|."""
    n = S.shape[0]
    trace_bound = float(np.abs(np.diag(S)).sum()) + n * abs(estimate)
    return (n + 3) * U * trace_bound + 6 * n * (n + 1) * ETA


def shifted_cholesky(S: np.ndarray, tau: float, work: np.ndarray) -> np.ndarray | None:
    """Upper triangle of S − τI factored in place in ``work`` by LAPACK ``dpotrf``, or None
    when the factorization breaks down.

    ``work`` is a C-ordered (n, n) float64 buffer (overwritten; the only extra (n, n) array).
    Returns a Fortran-ordered view of ``work`` holding the lower factor L, L Lᵀ ≈ fl(S − τI),
    ready for ``lapack.dpotrs(factor, b, lower=1)``. S must be symmetric: only its upper
    triangle is read. Entries are fl(s_ij) off the diagonal and fl(s_ii − τ) on it, exactly as
    in fl(S − τI) — what the bound in :func:`cholesky_lower_bound` is about.
    """
    n = S.shape[0]
    np.copyto(work, S)
    work.flat[:: n + 1] = np.diag(S) - tau
    # workᵀ is Fortran-ordered, so LAPACK factors it in place (f2py copies C-ordered input);
    # its lower triangle is the upper triangle of S.
    factor, info = lapack.dpotrf(work.T, lower=1, clean=0, overwrite_a=1)
    return factor if info == 0 else None


def cholesky_lower_bound(S: np.ndarray, estimate: float) -> float:
    """A lower bound lo ≤ λ_min(S) from a successful Cholesky factorization of S − τI.

    Tries τ = estimate − δ with δ growing ×4 from the rounding bound itself, until LAPACK
    ``dpotrf`` factors B̂ = fl(S − τI) (:func:`shifted_cholesky`, one work array reused for every
    try). Then, with R̂ = L̂ᵀ the computed factor,

        R̂ᵀR̂ = B̂ + ΔB,   |ΔB| ≤ γ_{n+2} |R̂ᵀ||R̂|

    (Higham, Thm 10.3, has γ_{n+1}; one more rounding per entry covers implementations that
    multiply by a reciprocal pivot instead of dividing, as OpenBLAS's triangular solves do). Its
    proof uses only that the algorithm ran to completion, not that B̂ is PD. Cauchy–Schwarz on
    the columns r_i of R̂ gives |R̂ᵀ||R̂| ≤ ρρᵀ with ρ_i = ‖r_i‖ and ‖r_i‖² ≤ b̂_ii / (1 − γ_{n+2}),
    so ‖ΔB‖₂ ≤ γ_{n+2}/(1 − γ_{n+2})·tr(B̂) ≤ (n+3)·u·tr(B̂) (for n < 6.7e7). Since R̂ᵀR̂ ⪰ 0,
    λ_min(B̂) ≥ −(n+3)·u·tr(B̂). The diagonal subtraction moved each b̂_ii by at most
    u/(1 − u)·b̂_ii, and gradual underflow adds at most 6n(n + max b̂_ii)·η (Rump's allowance).
    Hence, by Weyl's inequality,

        λ_min(S) ≥ τ − [(n+3)·u·tr(B̂) + 2u·max b̂_ii + 6n(n + max b̂_ii)·η] = lo,

    evaluated with 1% slack and rounded down by one ulp. For S PSD, tr(B̂) ≤ n·‖S‖₂ + n|τ|, so the
    back-off is O(n²·u·‖S‖₂) at worst and O(n·u·‖S‖₂) when the spectrum is dominated by a few
    eigenvalues; starting δ at the same size makes lo lose at most about twice the back-off.

    References: Higham (2002), Thm 10.3; S. M. Rump, "Verification of positive definiteness",
    BIT 46 (2006) 433–452 (the same argument, and the underflow term).
    """
    n = S.shape[0]
    if n >= 67_000_000:
        raise NTKCheckError(f"n = {n} is too large for the (n+3)·u Cholesky bound (n < 6.7e7).")
    diag = np.diag(S)
    delta = rounding_shift(S, estimate)
    work = np.empty((n, n))
    for _ in range(_TRIES):
        tau = estimate - delta
        if shifted_cholesky(S, tau, work) is not None:
            b = diag - tau  # bit-identical to the diagonal dpotrf factored
            backoff = (n + 3) * U * float(b.sum()) + 2 * U * float(b.max())
            backoff += 6 * n * (n + float(b.max())) * ETA
            return float(np.nextafter(tau - _EVAL_SLACK * backoff, -np.inf))
        delta *= _GROWTH
    raise NTKCheckError(
        f"Cholesky of S − τI failed for every shift down to τ = {estimate - delta:.3e}; S cannot "
        "be a finite symmetric matrix with the estimated λ_min. Check it for overflow."
    )
