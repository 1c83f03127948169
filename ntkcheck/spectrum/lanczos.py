"""Extreme eigenvalues of a symmetric linear operator by Lanczos (ARPACK), with Ritz error bars.

For N too large to store the (N, N) kernel: only products v ↦ Kv are used.

Why Lanczos on λ̂_max·I − K for λ_min: Krylov spaces are shift invariant, so ``eigsh(K,
which="SA")`` and ``eigsh(σI − K, which="LA")`` build the same subspaces and converge at the same
rate, set by the relative gap (λ₂ − λ₁)/(λ_max − λ₂). The shift fixes ARPACK's stopping rule,
‖r‖ ≤ tol·|θ|: on K the wanted θ ≈ λ_min can be ≈ 0, which asks for an unattainable absolute
accuracy; on σI − K the wanted Ritz value is ≈ λ_max, so ``tol`` means ‖r‖ ≲ tol·λ_max, the
natural scale of a kernel's rounding error. When the spectrum around the wanted eigenvalue is
clustered more tightly than tol·λ_max, no affordable Krylov method separates it: tol is then
loosened ×1e3 (with a RuntimeWarning) and the Ritz residual reports what was reached.
Not LOBPCG: without a preconditioner (a black-box kernel offers none) scipy's ``lobpcg``, on
rank-deficient Gram matrices of size ~100, returned a wrong eigenvalue or stopped at residuals
≥ 1e-11·λ_max where ARPACK reached 1e-16·λ_max.

References: Saad, Numerical Methods for Large Eigenvalue Problems, 2nd ed. (2011), ch. 6 (Lanczos
convergence); Parlett, The Symmetric Eigenvalue Problem (1998), Thm 4.5.1 (residual bound).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.sparse.linalg import (
    ArpackError,
    ArpackNoConvergence,
    LinearOperator,
    aslinearoperator,
    eigsh,
)

from ntkcheck.errors import InvalidInputError, NTKCheckError

# Columns per product when an operator is materialized: batched products amortize per-call
# overhead (ntk_operator's vmap ran 4× faster per column at 32 than one at a time) while holding
# the working memory of at most 32 products.
_MATERIALIZE_COLUMNS = 32
# Per attempt, at most this many implicit restarts (≈ 19 products each with ARPACK's default
# 20-vector basis); ARPACK's own default, 10·n, is no budget at all for large n.
_MAX_RESTARTS = 200
# When tol cannot be reached because the spectrum around the wanted eigenvalue is clustered more
# tightly than tol·λ_max, retry ×1e3 looser up to 1e-4: the Ritz residual then reports the
# accuracy actually reached instead of failing.
_LOOSEN, _LOOSEST = 1e3, 1e-4
# ARPACK's info = -9, "starting vector is zero": the start vector spans an invariant subspace.
_INVARIANT_START = "ARPACK error -9:"
# Rounding in a float32 (u ≈ 6e-8) or float64 operator stays far below this relative asymmetry;
# a wrong operator (J instead of J Jᵀ, mismatched orderings) shows O(1) asymmetry.
_ASYMMETRY_TOL = 1e-4


class Ritz(NamedTuple):
    """θ = vᵀKv / vᵀv for the computed vector v, and the residual ‖Kv − θv‖ / ‖v‖.

    For symmetric K some eigenvalue lies in [θ − residual, θ + residual] (Parlett, Thm 4.5.1).
    """

    value: float
    residual: float


def is_operator(K: object) -> bool:
    """True for matrix-free inputs: a LinearOperator or any object with ``shape`` and ``matvec``."""
    return isinstance(K, LinearOperator) or (hasattr(K, "matvec") and hasattr(K, "shape"))


def as_symmetric_operator(name: str, K: object, seed: int) -> LinearOperator:
    """Check ``K`` is a square, symmetric, finite operator and return it as a LinearOperator.

    Symmetry is probed with two products: |yᵀKx − xᵀKy| must stay below 1e-4·(‖Kx‖‖y‖ + ‖Ky‖‖x‖).
    """
    A = aslinearoperator(K)
    n, m = A.shape
    if n != m or n < 1:
        raise InvalidInputError(
            f"`{name}` must be a square operator (n, n) with n >= 1, got shape {A.shape}. A "
            "kernel operator acts on vectors of length N·O (N examples, O outputs)."
        )
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    kx, ky = np.asarray(A.matvec(x)), np.asarray(A.matvec(y))
    if np.issubdtype(A.dtype, np.complexfloating) or np.iscomplexobj(kx) or np.iscomplexobj(ky):
        raise InvalidInputError(
            f"`{name}` is a complex operator ({A.dtype}); the spectrum functions take real "
            "symmetric operators, and a cast would drop the imaginary part. For a complex "
            "Hermitian K = A + iB, wrap the real symmetric v = (p, q) ↦ (Ap − Bq, Bp + Aq), "
            "which has the same eigenvalues, each twice."
        )
    kx, ky = kx.astype(np.float64, copy=False), ky.astype(np.float64, copy=False)
    if not (np.all(np.isfinite(kx)) and np.all(np.isfinite(ky))):
        raise InvalidInputError(
            f"`{name}` returned non-finite values (NaN or inf) on a random vector. Check the "
            "model's parameters and inputs for NaN/inf."
        )
    asym = abs(float(y @ kx) - float(x @ ky))
    scale = float(np.linalg.norm(kx) * np.linalg.norm(y) + np.linalg.norm(ky) * np.linalg.norm(x))
    if asym > _ASYMMETRY_TOL * scale:
        raise InvalidInputError(
            f"`{name}` is not symmetric: |yᵀKx − xᵀKy| = {asym:.3e} on random x, y, above "
            f"{_ASYMMETRY_TOL:g}·(‖Kx‖‖y‖ + ‖Ky‖‖x‖) = {_ASYMMETRY_TOL * scale:.3e}. A kernel "
            "operator must apply a symmetric K = J Jᵀ; check the product's input/output ordering."
        )
    return A


def materialize(name: str, A: LinearOperator) -> np.ndarray:
    """The (n, n) float64 matrix of ``A``, made exactly symmetric: (M + Mᵀ)/2 differs from M only
    by the products' rounding.

    An operator with a ``to_dense()`` method (:func:`ntkcheck.kernels.ntk_operator`'s: one dense
    eNTK, far cheaper than n products) is materialized by it; any other by products with blocks of
    identity columns.
    """
    n = A.shape[0]
    if callable(getattr(A, "to_dense", None)):
        M = np.asarray(A.to_dense(), dtype=np.float64)
    else:
        starts = range(0, n, _MATERIALIZE_COLUMNS)
        # np.eye(n, k, -s): columns s, ..., s + k − 1 of the identity, without the n×n one.
        blocks = (np.eye(n, min(_MATERIALIZE_COLUMNS, n - s), -s) for s in starts)
        columns = [np.asarray(A.matmat(E), dtype=np.float64).reshape(n, -1) for E in blocks]
        M = np.concatenate(columns, axis=1)
    if not np.all(np.isfinite(M)):
        raise InvalidInputError(
            f"`{name}` has non-finite entries (NaN or inf): its products overflowed or the "
            "model's parameters or inputs hold NaN/inf. Check them before the spectrum."
        )
    return (M + M.T) / 2


def largest(A: LinearOperator, *, seed: int, tol: float) -> Ritz:
    """Ritz pair for λ_max(A) by Lanczos, converged to ‖r‖ ≲ tol·λ_max."""
    return ritz(A, _top_vector(A, "λ_max", seed=seed, tol=tol))


def smallest(A: LinearOperator, shift: float, *, seed: int, tol: float) -> Ritz:
    """Ritz pair for λ_min(A) by Lanczos on ``shift``·I − A (largest algebraic eigenvalue).

    Any ``shift`` is correct (σ − λ_min is always the largest eigenvalue of σI − A); σ ≈ λ_max
    makes ARPACK's relative stopping rule mean ‖r‖ ≲ tol·λ_max (see the module docstring).
    """
    n = A.shape[0]
    flipped = LinearOperator((n, n), matvec=lambda v: shift * v - A.matvec(v), dtype=np.float64)
    return ritz(A, _top_vector(flipped, "λ_min", seed=seed, tol=tol))


def smallest_vector_shift_invert(
    A: LinearOperator,
    solve: Callable[[np.ndarray], np.ndarray],
    shift: float,
    *,
    seed: int,
    tol: float,
) -> np.ndarray:
    """Ritz vector for λ_min(A) by Lanczos on (A − σI)⁻¹, σ = ``shift`` ≤ λ_min(A).

    ``solve(b)`` returns (A − σI)⁻¹ b (e.g. two triangular solves with a Cholesky factor). The
    largest eigenvalue 1/(λ_min − σ) of the inverse is separated from the next by the relative
    gap ≈ (λ₂ − λ_min)/(λ_min − σ): eigenvalues clustered at the bottom of a kernel's spectrum,
    hopeless for Lanczos on A (gap relative to λ_max), are resolved in a few dozen solves.
    ARPACK's stopping rule, ‖(A − σI)⁻¹x − νx‖ ≤ tol·ν, means ‖Ax − θx‖ ≲ tol·‖A − σI‖₂
    ≈ tol·λ_max, as in :func:`smallest`. Only the vector is returned: its :func:`ritz` pair with
    products by A does not depend on the factor, whose errors can only slow convergence.
    """
    n = A.shape[0]
    inverse = LinearOperator((n, n), matvec=solve, dtype=np.float64)
    note = "The Cholesky bounds of certify=True still hold; the interval is only wider."
    options = {"sigma": shift, "OPinv": inverse, "which": "LM"}
    return _top_vector(A, "λ_min", seed=seed, tol=tol, note=note, **options)


_RITZ_NOTE = "The Ritz residual (the interval of certify=True) is the honest error bar."


def _top_vector(
    A: LinearOperator,
    what: str,
    *,
    seed: int,
    tol: float,
    note: str = _RITZ_NOTE,
    **options: object,
) -> np.ndarray:
    """Top eigenvector of ``A`` by ARPACK, loosening ``tol`` when it cannot be reached.

    ``options`` go to ``eigsh`` (default: the largest algebraic eigenvalue of ``A``); ``note``
    ends the warning that ``tol`` was loosened.
    """
    options = {"which": "LA", **options}
    v0 = np.random.default_rng(seed).standard_normal(A.shape[0])
    for attempt in _tolerances(tol):
        try:
            _, vecs = eigsh(A, k=1, v0=v0, tol=attempt, maxiter=_MAX_RESTARTS, **options)
        except ArpackNoConvergence:
            continue
        except ArpackError as exc:
            if not str(exc).startswith(_INVARIANT_START):
                raise
            return v0  # A·v0 ∥ v0 (e.g. A = 0): v0 is an exact eigenvector
        if attempt > tol:
            warnings.warn(
                f"Lanczos could not reach tol={tol:g} for {what} in {_MAX_RESTARTS} restarts "
                f"(the spectrum there is clustered more tightly than that); it stopped at "
                f"tol={attempt:g}. {note}",
                RuntimeWarning,
                stacklevel=5,
            )
        return vecs[:, 0]
    raise NTKCheckError(
        f"Lanczos did not converge to {what} even at tol={_LOOSEST:g} in {_MAX_RESTARTS} "
        "restarts per attempt. The operator may not be symmetric or deterministic (dropout, "
        "randomness in the model); if n is moderate, pass the dense kernel instead."
    )


def _tolerances(tol: float) -> list[float]:
    """``tol``, then ×1e3 steps (from at least 1e-13) while they stay below ``_LOOSEST``."""
    ladder = [tol]
    while (looser := max(ladder[-1], 1e-13) * _LOOSEN) <= _LOOSEST:
        ladder.append(looser)
    return ladder


def ritz(A: LinearOperator, v: np.ndarray) -> Ritz:
    """Rayleigh quotient and residual of ``v``, recomputed with one product (not ARPACK's)."""
    w = np.asarray(A.matvec(v), dtype=np.float64).reshape(-1)
    vv = float(v @ v)
    theta = float(v @ w) / vv
    return Ritz(theta, float(np.linalg.norm(w - theta * v)) / np.sqrt(vv))
