"""Closed-form residuals of gradient descent on the MSE for a model that is linear in θ.

With r_t = f_t(X) − y and L(θ) = (1/2n)‖r‖², a linear model (or the linearization of any model
at θ_0) moves by r_{t+1} = (I − η Θ/n) r_t, so

    r_t = (I − η K)^t r_0 = Q diag((1 − η λ_i)^t) Qᵀ r_0,     K = Θ/n = Q diag(λ) Qᵀ,

where Θ = J Jᵀ is the **unnormalized** Gram matrix on the n training points and K = Θ/n the
normalized kernel (docs/conventions.md). Evaluated by one float64 eigendecomposition for
all requested t, never by repeated matrix products (which accumulate rounding with t).

References: Jacot et al. 2018; Lee et al. 2019, "Wide neural networks of any depth evolve as
linear models under gradient descent" (eqs. 8–9); Arora et al. 2019, "Fine-grained analysis of
optimization and generalization for overparameterized two-layer neural networks".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy.linalg import eigh

from ntkcheck.dynamics.arguments import check_lr
from ntkcheck.dynamics.lazy import as_kernel_matrix
from ntkcheck.errors import InvalidInputError

# Rounding in forming J Jᵀ leaves asymmetry of a few u·‖Θ‖; 1e3·u·‖Θ‖_F is far above that.
_SYMMETRY_RTOL = 1e3 * 2.0**-53

Steps = int | Sequence[int]


def linearized_mse_residuals(
    theta: torch.Tensor | np.ndarray,
    r0: torch.Tensor | np.ndarray,
    lr: float,
    steps: Steps,
) -> np.ndarray:
    """r_t = (I − η Θ/n)^t r_0 for gradient descent on (1/2n)‖r‖² (float64).

    Args:
        theta: the unnormalized Gram matrix Θ (n·O, n·O) on the n training points (rows ordered
            (example, output)), or the full kernel (n, n, O, O). Not K: the 1/n is applied here.
        r0: initial residuals f_0(X) − y, shape (n,) or (n, O).
        lr: learning rate η > 0 (GD is stable on the linear model iff η·λ_max(Θ/n) < 2).
        steps: T for all t = 0..T, or a sequence of non-negative step indices.

    Returns:
        (len(ts), *r0.shape) array, row i the residual after ts[i] steps.

    References: Lee et al. 2019, eq. (9).
    """
    lr = check_lr(lr)
    ts = _step_indices(steps)
    r = _vector("r0", r0)
    gram = _symmetric(theta, r)
    lam, q = eigh(gram / r.shape[0])
    coeff = q.T @ r.reshape(-1)
    factors = np.power((1.0 - lr * lam)[None, :], ts.astype(np.float64)[:, None])
    return ((factors * coeff) @ q.T).reshape(len(ts), *r.shape)


def infinite_width_mse_residuals(
    theta_inf: torch.Tensor | np.ndarray,
    y: torch.Tensor | np.ndarray,
    lr: float,
    steps: Steps,
    *,
    f0: torch.Tensor | np.ndarray | None = None,
) -> np.ndarray:
    """Residuals of the infinite-width network, r_t = (I − η Θ∞/n)^t (f_0 − y).

    At infinite width (NTK parameterization) the kernel stays at the analytic Θ∞ during
    training, so the finite-width linearized formula holds with Θ∞ in place of Θ(θ_0).

    Args:
        theta_inf: the analytic NTK Θ∞ on the n training points, unnormalized like Θ (e.g.
            :func:`ntkcheck.kernels.analytic.analytic_ntk`), (n, n) or (n·O, n·O).
        y: targets (n,) or (n, O).
        lr: learning rate η > 0, as :func:`linearized_mse_residuals`.
        steps: T for all t = 0..T, or a sequence of step indices.
        f0: initial outputs (n,) or (n, O); default 0, the mean of the infinite-width
            Gaussian-process prior, so r_0 = −y (pass the network's f(θ_0, X) to compare with
            one finite network).

    References: Jacot et al. 2018, Theorem 2; Lee et al. 2019, eqs. (14)–(15).
    """
    target = _vector("y", y)
    start = np.zeros_like(target) if f0 is None else _vector("f0", f0)
    if start.shape != target.shape:
        raise InvalidInputError(
            f"`f0` has shape {start.shape} but `y` has {target.shape}; pass the outputs on the "
            "same training points."
        )
    return linearized_mse_residuals(theta_inf, start - target, lr, steps)


def _step_indices(steps: Steps) -> np.ndarray:
    if isinstance(steps, (int, np.integer)) and not isinstance(steps, bool):
        if steps < 0:
            raise InvalidInputError(f"`steps` must be >= 0, got {steps}. Pass e.g. steps=100.")
        return np.arange(int(steps) + 1)
    ts = np.asarray(steps)
    if ts.ndim != 1 or ts.size == 0 or not np.issubdtype(ts.dtype, np.integer) or ts.min() < 0:
        raise InvalidInputError(
            f"`steps` must be an int T (for t = 0..T) or a non-empty sequence of integers "
            f">= 0, got {steps!r}."
        )
    return ts.astype(np.int64)


def _vector(name: str, v: torch.Tensor | np.ndarray) -> np.ndarray:
    arr = (
        v.detach().cpu().double().numpy(force=True)
        if isinstance(v, torch.Tensor)
        else np.asarray(v, dtype=np.float64)
    )
    if arr.ndim not in (1, 2) or arr.shape[0] == 0 or not np.all(np.isfinite(arr)):
        raise InvalidInputError(
            f"`{name}` must be a finite array of shape (n,) or (n, O) with n >= 1, got shape "
            f"{arr.shape}{' with non-finite entries' if arr.size else ''}."
        )
    return arr


def _symmetric(theta: torch.Tensor | np.ndarray, r: np.ndarray) -> np.ndarray:
    gram = as_kernel_matrix("theta", theta)
    if gram.shape != (r.size, r.size):
        raise InvalidInputError(
            f"`theta` has shape {gram.shape} but the residual has {r.size} entries "
            f"(shape {r.shape}); Θ must be (n·O, n·O) on the same training points."
        )
    asym = float(np.linalg.norm(gram - gram.T))
    if asym > _SYMMETRY_RTOL * float(np.linalg.norm(gram)):
        raise InvalidInputError(
            f"`theta` is not symmetric (‖Θ − Θᵀ‖_F = {asym:.3e}); pass the Gram matrix on one "
            "input set, Θ = J Jᵀ, not a cross-kernel."
        )
    return 0.5 * (gram + gram.T)
