"""Inputs on the unit sphere with a minimum pairwise angle, and a smooth target.

The claims' shared data (docs/conventions.md): points uniform on S^{d−1},
labels y = sin(3·uᵀx) with u = (1, …, 1)/√d, and a minimum pairwise angle so that
λ₀ = λ_min(K∞) > 0 (no two inputs parallel: Du et al. 2019, Theorem 3.1).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ntkcheck.errors import InvalidInputError
from ntkcheck.validation import check_inputs, check_positive_int, check_seed, is_finite_real


def sphere_points(
    n: int, d: int, seed: int, *, min_angle_deg: float = 5.0, max_tries: int | None = None
) -> torch.Tensor:
    """(n, d) float64 points uniform on S^{d−1}, every pair at least ``min_angle_deg`` apart
    (antipodal pairs included, since ±x give parallel feature vectors for |s|).

    Rejection sampling, one candidate at a time, from ``numpy.random.default_rng(seed)``;
    ``max_tries`` candidates at most (default max(10 000, 20 n)).
    """
    check_positive_int("n", n, "Pass the number of points, e.g. n=20.")
    check_positive_int("d", d, "Pass the input dimension, e.g. d=8.")
    seed = check_seed("seed", seed)
    if not (is_finite_real(min_angle_deg) and 0.0 <= min_angle_deg < 90.0):
        raise InvalidInputError(
            f"`min_angle_deg` must be a number in [0, 90), got {min_angle_deg!r}. The default is 5."
        )
    if max_tries is None:
        max_tries = max(10_000, 20 * n)
    check_positive_int("max_tries", max_tries, "Pass candidate draws, e.g. max_tries=100_000.")
    rng = np.random.default_rng(seed)
    cos_max = math.cos(math.radians(min_angle_deg))
    points = np.empty((n, d))
    accepted = 0
    for _ in range(max_tries):
        v = rng.standard_normal(d)
        v /= np.linalg.norm(v)
        if accepted == 0 or np.abs(points[:accepted] @ v).max() <= cos_max:
            points[accepted] = v
            accepted += 1
            if accepted == n:
                return torch.tensor(points, dtype=torch.float64)
    raise InvalidInputError(
        f"Could not place {n} points on S^{d - 1} at least {min_angle_deg}° apart "
        f"in {max_tries} draws. Lower `min_angle_deg`, lower `n`, or raise `d`."
    )


def smooth_target(x: torch.Tensor, frequency: float = 3.0) -> torch.Tensor:
    """y = sin(frequency · uᵀx) with u = (1, …, 1)/√d for x of shape (n, d): shape (n,)."""
    check_inputs("x", x)
    if x.ndim != 2:
        raise InvalidInputError(
            f"`x` must have shape (n, d), got {tuple(x.shape)}. For n scalar inputs pass "
            "x.reshape(-1, 1)."
        )
    if not is_finite_real(frequency):
        raise InvalidInputError(
            f"`frequency` must be a finite number, got {frequency!r}. The default is 3."
        )
    u = torch.ones(x.shape[1], dtype=x.dtype) / math.sqrt(x.shape[1])
    return torch.sin(frequency * (x @ u))
