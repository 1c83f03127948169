"""Mode coverage of samples from a ring of Gaussians, following Srivastava et al. 2017 (VEEGAN):
a sample is *high quality* if it lies within 3 standard deviations of its nearest mode; a mode
is *captured* if it is the nearest mode of at least one high-quality sample (``min_count=1``; a
larger count makes the test robust to stray samples).

References: Srivastava et al. 2017, "VEEGAN", arXiv 1705.07761.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ntkcheck.errors import InvalidInputError
from ntkcheck.metrics.frechet import as_samples
from ntkcheck.validation import check_positive_int


@dataclass(frozen=True)
class RingQuality:
    """VEEGAN ring metrics: modes captured (0..n_modes), high-quality fraction, counts per mode."""

    modes_covered: int
    high_quality_fraction: float
    counts: tuple[int, ...]


def ring_quality(
    samples: np.ndarray | torch.Tensor,
    modes: np.ndarray,
    std: float,
    *,
    n_std: float = 3.0,
    min_count: int = 1,
) -> RingQuality:
    """Score 2-D samples ``(N, 2)`` against mixture means ``modes: (M, 2)`` of common ``std``.

    A sample is high quality iff its distance to the nearest mode is ≤ ``n_std``·std; mode j is
    covered iff at least ``min_count`` high-quality samples have j as nearest mode.

    References: Srivastava et al. 2017 (VEEGAN), arXiv 1705.07761 (2500 samples, n_std = 3).
    """
    x = as_samples("samples", samples, min_rows=1)
    centres = as_samples("modes", modes, min_rows=1)
    if x.shape[1] != centres.shape[1]:
        raise InvalidInputError(
            f"`samples` are {x.shape[1]}-D but `modes` are {centres.shape[1]}-D. "
            "Pass samples and mode centres in the same space."
        )
    if not (np.isfinite(std) and std > 0 and np.isfinite(n_std) and n_std > 0):
        raise InvalidInputError(
            f"`std` and `n_std` must be finite and > 0, got std={std!r}, n_std={n_std!r}. "
            "Pass the mixture's standard deviation, e.g. std=0.02 for the default ring."
        )
    check_positive_int("min_count", min_count, "Pass e.g. min_count=1 (VEEGAN's definition).")
    dist = np.linalg.norm(x[:, None, :] - centres[None, :, :], axis=-1)
    nearest = dist.argmin(axis=1)
    good = dist[np.arange(len(x)), nearest] <= n_std * std
    counts = np.bincount(nearest[good], minlength=len(centres))
    return RingQuality(
        modes_covered=int((counts >= min_count).sum()),
        high_quality_fraction=float(good.mean()),
        counts=tuple(int(c) for c in counts),
    )
