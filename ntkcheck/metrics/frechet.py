"""Fréchet distance between Gaussians fitted to two feature sets: the FID formula of Heusel et
al. 2017, here in a fixed, cheap feature space (PCA-20 of the real digits, or raw pixels).

References: Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a
Local Nash Equilibrium", arXiv 1706.08500.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import torch

from ntkcheck.errors import InvalidInputError
from ntkcheck.validation import check_positive_int

SQRTM_RTOL = 1e-6  # relative residual ‖X² − A‖_F/‖A‖_F above which sqrtm is not trusted
IMAG_RTOL = 1e-6  # imaginary part of √(Σ1Σ2) above this (relative) means a bug, not rounding


def as_samples(name: str, x: np.ndarray | torch.Tensor, min_rows: int = 2) -> np.ndarray:
    arr = x.detach().cpu().numpy(force=True) if isinstance(x, torch.Tensor) else np.asarray(x)
    if arr.ndim != 2 or arr.shape[0] < min_rows or not np.issubdtype(arr.dtype, np.number):
        raise InvalidInputError(
            f"`{name}` must be a numeric (N, D) array with N >= {min_rows} samples, got shape "
            f"{arr.shape} and dtype {arr.dtype}. Flatten images to rows: x.reshape(len(x), -1)."
        )
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise InvalidInputError(
            f"`{name}` has {int((~np.isfinite(arr)).sum())} non-finite entries. A diverged "
            "generator produces NaN/inf samples: check train_gan(...).diverged_at."
        )
    return arr


def gaussian_statistics(x: np.ndarray | torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and unbiased covariance (D, D) of samples ``x: (N, D)``, float64."""
    arr = as_samples("x", x)
    return arr.mean(axis=0), np.atleast_2d(np.cov(arr, rowvar=False))


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray, *, eps: float = 1e-6
) -> float:
    """``‖μ1 − μ2‖² + tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^{1/2})``: squared 2-Wasserstein distance of the
    Gaussians N(μ1, Σ1), N(μ2, Σ2). Identical inputs give 0 up to rounding (possibly −1e-13;
    not clipped).

    Σ1Σ2 is similar to the PSD matrix Σ1^{1/2} Σ2 Σ1^{1/2}, so its principal square root is
    real with eigenvalues ≥ 0. Numerically ``scipy.linalg.sqrtm`` returns a tiny imaginary part
    (rounding; dropped after checking it is < 1e-6 relative) and can be inaccurate when Σ1 or Σ2
    is singular (fewer samples than features, constant pixels such as the digits' borders). If
    its residual ‖X² − Σ1Σ2‖_F/‖Σ1Σ2‖_F exceeds 1e-6, both covariances get ``eps·I`` added
    and the root is recomputed (as in the reference FID code, eps = 1e-6); the bias this adds
    is O(eps·D).

    References: Heusel et al. 2017, arXiv 1706.08500; Dowson & Landau 1982.
    """
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    s1, s2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    dim = mu1.shape[0]
    if mu2.shape != (dim,) or s1.shape != (dim, dim) or s2.shape != (dim, dim):
        raise InvalidInputError(
            f"Shapes do not match: mu1 {mu1.shape}, sigma1 {s1.shape}, mu2 {mu2.shape}, sigma2 "
            f"{s2.shape}. Pass means (D,) and covariances (D, D) of the same feature dimension D."
        )
    covmean = _sqrtm_product(s1, s2)
    if covmean is None:
        offset = eps * np.eye(dim)
        covmean = _sqrtm_product(s1 + offset, s2 + offset)
    if covmean is None:
        raise InvalidInputError(
            f"√(Σ1Σ2) could not be computed accurately even with eps={eps}. The covariances are "
            "badly conditioned: pass a larger eps or use lower-dimensional features."
        )
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean))


def _sqrtm_product(s1: np.ndarray, s2: np.ndarray) -> np.ndarray | None:
    """Real √(s1 s2), or None when sqrtm's result is non-finite or inaccurate."""
    product = s1 @ s2
    with warnings.catch_warnings():
        # sqrtm warns on singular input; its accuracy is checked below instead
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        root = scipy.linalg.sqrtm(product)
    if not np.all(np.isfinite(root)):
        return None
    scale = max(np.linalg.norm(product), np.finfo(np.float64).tiny)
    if np.linalg.norm(root @ root - product) / scale > SQRTM_RTOL:
        return None
    if np.iscomplexobj(root):
        if np.abs(root.imag).max() > IMAG_RTOL * max(1.0, np.abs(root.real).max()):
            return None
        root = root.real
    return root


def frechet_distance_from_samples(
    x: np.ndarray | torch.Tensor, y: np.ndarray | torch.Tensor, *, eps: float = 1e-6
) -> float:
    """Fréchet distance between Gaussians fitted to ``x: (N1, D)`` and ``y: (N2, D)``."""
    x, y = as_samples("x", x), as_samples("y", y)
    return frechet_distance(*gaussian_statistics(x), *gaussian_statistics(y), eps=eps)


@dataclass(frozen=True)
class PCAFeatures:
    """Fixed linear feature map: projection on the top principal axes of a reference set.

    ``features(x) = (x − mean) @ components.T``: (N, D) -> (N, n_components). Fit once on the
    real data, then used unchanged for every generator, so Fréchet distances are comparable.
    """

    mean: np.ndarray
    components: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray | torch.Tensor, n_components: int = 20) -> PCAFeatures:
        """Principal axes of ``x: (N, D)`` by SVD (deterministic up to signs, which FD ignores)."""
        check_positive_int("n_components", n_components, "Pass e.g. n_components=20.")
        arr = as_samples("x", x)
        if n_components > min(arr.shape):
            raise InvalidInputError(
                f"`n_components`={n_components} exceeds min(N, D) = {min(arr.shape)} of the "
                f"reference data {arr.shape}. Pass n_components <= {min(arr.shape)}."
            )
        mean = arr.mean(axis=0)
        _, _, vt = np.linalg.svd(arr - mean, full_matrices=False)
        return cls(mean=mean, components=vt[:n_components])

    def __call__(self, x: np.ndarray | torch.Tensor) -> np.ndarray:
        arr = as_samples("x", x, min_rows=1)
        if arr.shape[1] != self.mean.shape[0]:
            raise InvalidInputError(
                f"`x` has {arr.shape[1]} features but the PCA was fit on {self.mean.shape[0]}. "
                "Pass samples flattened like the reference data."
            )
        return (arr - self.mean) @ self.components.T
