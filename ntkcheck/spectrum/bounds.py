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
    magnitude = float(np.abs(v) @ (np.abs(S) @ np.abs(v))) / vv
    err = gamma(3 * n + 1) * (1.0 + gamma(n)) * magnitude + 2 * n * (n + 1) * ETA / vv
    err *= _EVAL_SLACK
    return float(np.nextafter(quotient + err, np.inf))


def cholesky_lower_bound(S: np.ndarray, estimate: float) -> float:
    """A lower bound lo ≤ λ_min(S) from a successful Cholesky factorization of S − τI.

    Tries τ = estimate − δ with δ growing ×4 from the rounding bound itself, until LAPACK
    ``dpotrf`` factors B̂ = fl(S − τI). Then, with R̂ the computed factor,

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
    # An upper bound of the back-off at τ ≈ estimate, since tr(B̂) ≤ Σ|s_ii| + n·|τ|.
    delta = (n + 3) * U * (float(np.abs(diag).sum()) + n * abs(estimate)) + 6 * n * (n + 1) * ETA
    for _ in range(_TRIES):
        tau = estimate - delta
        _, info = lapack.dpotrf(S - tau * np.eye(n), lower=0, clean=0, overwrite_a=1)
        if info == 0:
            b = diag - tau  # bit-identical to the diagonal dpotrf factored
            backoff = (n + 3) * U * float(b.sum()) + 2 * U * float(b.max())
            backoff += 6 * n * (n + float(b.max())) * ETA
            return float(np.nextafter(tau - _EVAL_SLACK * backoff, -np.inf))
        delta *= _GROWTH
    raise NTKCheckError(
        f"Cholesky of S − τI failed for every shift down to τ = {estimate - delta:.3e}; S cannot "
        "be a finite symmetric matrix with the estimated λ_min. Check it for overflow."
    )
