"""The reduced-scale width study of Balaji et al.: MLP GANs of width 16k on the ring and digits.

Each run is :func:`ntkcheck.models.gan.train_gan` (G and D with two hidden layers of width 16k,
non-saturating loss, Adam with betas (0.5, 0.999)); metrics are those of its last evaluation.
Ring: high-quality fraction (samples within 3 std of their nearest mode) and modes covered
(``modes_covered_1pct``: at least 1% of the 2500 evaluation samples are high quality and
nearest to the mode; ``modes_covered_any``: VEEGAN's at least one). Digits: Fréchet distance on
PCA-20 features of the real 8×8 digits (``fd_pca20``) and on raw pixels (``fd_pixels``).

References: Balaji et al. 2021, arXiv 2104.05605 (Figure 1: FID falls with the width k);
Srivastava et al. 2017 (VEEGAN), arXiv 1705.07761; Heusel et al. 2017, arXiv 1706.08500.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from ntkcheck.models.gan import train_gan

RING_METRICS = {
    "high_quality_fraction": "high_quality_fraction",
    "modes_covered_1pct": "modes_covered_1pct",
    "modes_covered_any": "modes_covered",
}
DIGITS_METRICS = {"fd_pca20": "fd_pca20", "fd_pixels": "fd_pixels"}


def width_study(
    dataset: str, widths: list[int], seeds: list[int], *, steps: int, tail: int = 4
) -> dict[str, np.ndarray]:
    """Train one GAN per (k, seed) for ``steps`` steps; the data set's defaults otherwise.

    Returns, per metric, an array (len(widths), len(seeds)) of its value at the last
    evaluation, and ``<metric>_curves`` (len(widths), len(seeds), evaluations; NaN-padded
    after a divergence, whose metrics are then those of the last evaluation reached); for the
    first metric also ``oscillation``: the std of its last ``tail`` evaluations per run.
    ``seconds``: wall time per run. ``widths``, ``seeds``, ``steps`` record the setting.
    """
    names = RING_METRICS if dataset == "ring" else DIGITS_METRICS
    final = {name: np.empty((len(widths), len(seeds))) for name in names}
    curves: dict[str, list[list[float]]] = {name: [] for name in names}
    seconds = np.empty((len(widths), len(seeds)))
    oscillation = np.empty((len(widths), len(seeds)))
    first = next(iter(names))
    for i, k in enumerate(widths):
        for j, seed in enumerate(seeds):
            history = train_gan(dataset, k, seed=seed, steps=steps)
            for name, key in names.items():
                values = history.metrics[key]
                final[name][i, j] = values[-1]
                curves[name].append(values)
            oscillation[i, j] = float(np.std(history.metrics[names[first]][-tail:]))
            seconds[i, j] = history.seconds
    return {
        "widths": np.asarray(widths, dtype=float),
        "seeds": np.asarray(seeds, dtype=float),
        "steps": float(steps),
        **final,
        **{f"{name}_curves": _padded(curves[name], len(widths), len(seeds)) for name in names},
        "oscillation": oscillation,
        "seconds": seconds,
    }


def _padded(curves: list[list[float]], n_widths: int, n_seeds: int) -> np.ndarray:
    """(widths, seeds, evaluations), NaN after the last evaluation of a run that diverged."""
    out = np.full((len(curves), max(len(c) for c in curves)), np.nan)
    for i, c in enumerate(curves):
        out[i, : len(c)] = c
    return out.reshape(n_widths, n_seeds, -1)


def median_trend(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(medians over seeds at widths 2.., medians at widths ..−1) of ``values: (widths, seeds)``,
    so that "increases with k" reads ``upper > lower`` elementwise."""
    med = np.median(values, axis=1)
    return med[1:], med[:-1]


def spearman_with_width(widths: np.ndarray, values: np.ndarray) -> float:
    """Spearman correlation of every (k, seed) value with its k (ties averaged)."""
    x = np.repeat(np.asarray(widths, dtype=float), values.shape[1])
    return float(spearmanr(x, values.reshape(-1)).statistic)
