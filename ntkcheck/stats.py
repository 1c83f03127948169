"""Statistics for rate and high-probability claims: log-log slopes with bootstrap CIs over
seeds, and failure rates with Wilson intervals. A rate is never judged on one draw."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ntkcheck.errors import InvalidInputError


class SlopeFit(NamedTuple):
    """log y = slope · log x + intercept on the seed means; [lo, hi] a bootstrap CI over seeds."""

    slope: float
    intercept: float
    lo: float
    hi: float
    level: float


def fit_loglog_slope(
    x: np.ndarray, y: np.ndarray, *, level: float = 0.9, resamples: int = 2000, seed: int = 0
) -> SlopeFit:
    """Fit the slope of log(mean_seeds y) against log x, with a percentile bootstrap CI.

    Args:
        x: (k,) positive sweep values (widths, parameter counts...), k >= 2.
        y: (k, s) positive measurements, one column per seed (s >= 1; with s = 1 the CI is the
            point estimate). Seeds are resampled independently at each x.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    if x.ndim != 1 or x.size < 2 or y.shape[0] != x.size:
        raise InvalidInputError(
            f"fit_loglog_slope needs x of shape (k,), k >= 2, and y of shape (k, seeds); got "
            f"{x.shape} and {y.shape}."
        )
    if np.any(x <= 0) or np.any(~np.isfinite(y)) or np.any(y <= 0):
        raise InvalidInputError(
            "fit_loglog_slope needs positive x and positive finite y (a log-log fit); got "
            f"min x {x.min():.3g}, min y {np.nanmin(y):.3g}. Check the measurement for zeros/NaN."
        )
    lx = np.log(x)
    slope, intercept = np.polyfit(lx, np.log(y.mean(axis=1)), 1)
    if y.shape[1] == 1:
        return SlopeFit(float(slope), float(intercept), float(slope), float(slope), level)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, y.shape[1], size=(resamples, y.shape[0], y.shape[1]))
    means = np.take_along_axis(y[None], idx, axis=2).mean(axis=2)  # (B, k)
    lm = np.log(means)
    lxc = lx - lx.mean()
    boot = (lm - lm.mean(axis=1, keepdims=True)) @ lxc / (lxc @ lxc)
    tail = (1 - level) / 2
    lo, hi = np.quantile(boot, [tail, 1 - tail])
    return SlopeFit(float(slope), float(intercept), float(lo), float(hi), level)


class Rate(NamedTuple):
    """Fraction of successes with a Wilson score interval."""

    rate: float
    lo: float
    hi: float
    trials: int


def success_rate(flags: np.ndarray, *, z: float = 1.96) -> Rate:
    """Fraction of True in ``flags`` with its Wilson interval (95% by default)."""
    flags = np.asarray(flags, dtype=bool).reshape(-1)
    n = flags.size
    if n == 0:
        raise InvalidInputError("success_rate needs at least one trial; got an empty array.")
    p = float(flags.mean())
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Rate(p, max(0.0, centre - half), min(1.0, centre + half), n)
