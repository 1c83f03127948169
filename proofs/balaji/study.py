"""Sample quality vs width at CPU scale: MLP GANs of width 16k on the 8-Gaussian ring and on 8×8
digits.

The paper's Figure 1 (DCGAN, hidden width k): train/test FID ≈ 92/93 (k = 8), 54/56 (16),
39/41 (32), 32/34 (64), 28/30 (128), 27/29 (256); wider models start lower and settle sooner.
Each run here is :func:`ntkcheck.models.gan.train_gan` (G and D with two hidden layers of width
16k, non-saturating loss, Adam with betas (0.5, 0.999)); metrics are those of its last
evaluation. Ring: high-quality fraction (samples within 3 std of their nearest mode) and modes
covered (``modes_covered_1pct``: at least 1% of the 2500 evaluation samples are high quality and
nearest to the mode; ``modes_covered_any``: VEEGAN's at least one). Digits: Fréchet distance on
PCA-20 features of the real 8×8 digits (``fd_pca20``) and on raw pixels (``fd_pixels``).

References: Balaji et al. 2021, arXiv 2104.05605 (Figure 1: FID falls with the width k);
Srivastava et al. 2017 (VEEGAN), arXiv 1705.07761; Heusel et al. 2017, arXiv 1706.08500.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import spearmanr

from ntkcheck.claims import Claim, Count, Counts, Foil, Requirement, Seed, Space, Sweep, grid
from ntkcheck.data.gan import RING_MODES
from ntkcheck.dynamics import train_gan
from ntkcheck.proofs.balaji.common import SOURCE

RING_METRICS = {
    "high_quality_fraction": "high_quality_fraction",
    "modes_covered_1pct": "modes_covered_1pct",
    "modes_covered_any": "modes_covered",
}
DIGITS_METRICS = {"fd_pca20": "fd_pca20", "fd_pixels": "fd_pixels"}


def width_study(
    dataset: str, widths: tuple[int, ...], seeds: int, seed: int, *, steps: int, tail: int = 4
) -> dict[str, Any]:
    """Train one GAN per (k, seed) for ``steps`` steps (run ``s`` with the seed ``seed + s``);
    the data set's defaults otherwise.

    Returns, per metric, an array (widths, seeds) of its value at the last evaluation, and
    ``<metric>_curves`` (widths, seeds, evaluations; NaN-padded after a divergence, whose
    metrics are then those of the last evaluation reached); for the first metric also
    ``oscillation``: the std of its last ``tail`` evaluations per run. ``seconds``: wall time
    per run; ``steps`` records the setting.
    """
    names = RING_METRICS if dataset == "ring" else DIGITS_METRICS
    first = next(iter(names))

    def run(width: int, replicate: int) -> dict[str, Any]:
        history = train_gan(dataset, width, seed=seed + replicate, steps=steps)
        metrics = {name: history.metrics[key] for name, key in names.items()}
        return {
            **{name: values[-1] for name, values in metrics.items()},
            **{f"{name}_curves": np.asarray(values) for name, values in metrics.items()},
            "oscillation": float(np.std(metrics[first][-tail:])),
            "seconds": history.seconds,
        }

    out = grid(run, seeds=seeds, width=widths)
    for name in names:
        out[f"{name}_curves"] = padded(out[f"{name}_curves"])
    return {**out, "steps": float(steps)}


def padded(curves: np.ndarray | list) -> np.ndarray:
    """(widths, seeds, evaluations) curves as one array, NaN after the last evaluation of a run
    that diverged (``grid`` returns ragged curves as nested lists)."""
    if isinstance(curves, np.ndarray):
        return curves.astype(float)
    runs = [np.asarray(c, dtype=float) for row in curves for c in row]
    out = np.full((len(runs), max(len(c) for c in runs)), np.nan)
    for i, c in enumerate(runs):
        out[i, : len(c)] = c
    return out.reshape(len(curves), len(curves[0]), -1)


def median_trend(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(medians over seeds at widths 2.., medians at widths ..−1) of ``values: (widths, seeds)``,
    so that "increases with k" reads ``upper > lower`` elementwise."""
    med = np.median(values, axis=1)
    return med[1:], med[:-1]


def spearman_with_width(widths: np.ndarray, values: np.ndarray) -> float:
    """Spearman correlation of every (k, seed) value with its k (ties averaged)."""
    x = np.repeat(np.asarray(widths, dtype=float), values.shape[1])
    return float(spearmanr(x, values.reshape(-1)).statistic)


def quality_statistics(measured: dict[str, Any]) -> dict[str, Any]:
    """The medians, seed ranges and trends the claim compares, from the ring's
    high-quality fractions and modes covered and the digits' FD (widths, seeds)."""
    hq, modes = measured["ring_high_quality_fraction"], measured["ring_modes_covered_1pct"]
    fd = measured["digits_fd_pca20"]
    hq_up, hq_low = median_trend(hq)
    modes_up, modes_low = median_trend(modes)
    spread = hq.max(axis=1) - hq.min(axis=1)
    return {
        "hq_median": np.median(hq, axis=1),
        "hq_upper": hq_up,
        "hq_lower": hq_low,
        "modes_upper": modes_up,
        "modes_lower": modes_low,
        "ring_width_upper": measured["ring_width"][1:],
        "modes_last": float(np.median(modes[-1])),
        "modes_first": float(np.median(modes[0])),
        "spread_last": float(spread[-1]),
        "spread_first": float(spread[0]),
        "fd_last": float(np.median(fd[-1])),
        "fd_first": float(np.median(fd[0])),
        "fd_spearman": spearman_with_width(measured["digits_width"], fd),
        "oscillation": float(measured["ring_oscillation"].max()),
    }


def measure_quality(
    *,
    ring_widths: Counts = (1, 2, 4, 8),
    ring_seeds: Count = 3,
    ring_steps: Count = 3000,
    digits_widths: Counts = (1, 8),
    digits_seeds: Count = 3,
    digits_steps: Count = 2000,
    seed: Seed = 0,
) -> dict[str, Any]:
    """:func:`width_study` on the ring and on the digits (keys prefixed ``ring_``,
    ``digits_``) and :func:`quality_statistics`."""
    ring = width_study("ring", ring_widths, ring_seeds, seed, steps=ring_steps)
    digits = width_study("digits", digits_widths, digits_seeds, seed, steps=digits_steps)
    out = {
        **{f"ring_{key}": value for key, value in ring.items()},
        **{f"digits_{key}": value for key, value in digits.items()},
    }
    return {**out, **quality_statistics(out)}


def reversed_widths(measured: dict[str, Any]) -> dict[str, Any]:
    """Foil: every run's results moved to the reverse position on the width axis (the widest
    GAN's samples labelled k = 1), statistics recomputed."""
    out = dict(measured)
    for prefix, metrics in (("ring_", RING_METRICS), ("digits_", DIGITS_METRICS)):
        for name in (*metrics, "oscillation"):
            out[prefix + name] = np.asarray(measured[prefix + name])[::-1]
    return {**out, **quality_statistics(out)}


QUALITY = Claim(
    id="balaji.overparam.quality",
    source=SOURCE.at("Sec. 2 / Figure 1 (FID falls with the width k), at reduced scale"),
    status="paper",
    statement=(
        "Wider GANs generate better samples: on the 8-Gaussian ring the median high-quality "
        "fraction and modes covered increase with the width multiplier k and vary less across "
        "seeds; on 8×8 digits the median Fréchet distance at k = 8 is below that at k = 1."
    ),
    requirements=(
        Requirement(
            "hq_upper",
            ">",
            "hq_lower",
            "ring: median high-quality fraction at each k > at the previous k",
            range=(0, 1),
            where=("ring_width_upper",),
        ),
        Requirement(
            "modes_upper",
            ">=",
            "modes_lower",
            "ring: median modes covered (≥ 1% of samples) non-decreasing in k",
            range=(0, RING_MODES),
            where=("ring_width_upper",),
        ),
        Requirement(
            "modes_last",
            ">",
            "modes_first",
            "ring: median modes covered at the largest k > at the smallest",
            range=(0, RING_MODES),
        ),
        Requirement(
            "spread_last",
            "<",
            "spread_first",
            "ring: seed range of the high-quality fraction at the largest k < smallest",
            range=(0, 1),
        ),
        Requirement(
            "fd_last",
            "<",
            "fd_first",
            "digits: median FD on PCA-20 features at the largest k < at the smallest",
        ),
        Requirement(
            "fd_spearman",
            "<=",
            -0.8,
            "digits: Spearman(FD, k) over all runs (the full-size criterion)",
            range=(-1, 1),
            report_only=True,
        ),
        Requirement(
            "oscillation",
            "<=",
            0.05,
            "ring: max std of the high-quality fraction over the last 4 evaluations",
            range=(0, 1),
            report_only=True,
        ),
    ),
    measure=measure_quality,
    foil=Foil("the widths' runs in reverse order", measured=reversed_widths),
    sizes={
        "quick": {
            "ring_widths": (1, 8),
            "ring_seeds": 2,
            "ring_steps": 1000,
            "digits_seeds": 1,
            "digits_steps": 500,
        },
        "full": {
            "ring_seeds": 5,
            "digits_widths": (1, 2, 4, 8),
            "digits_seeds": 5,
            "digits_steps": 5000,
        },
    },
    # The width multiplier k over the paper's 1…8 and one doubling beyond; training lengths and
    # seeds stay at the size's (a draw must stay near the quick run's ~12 s).
    space=Space(
        ring_widths=Sweep(1, 16, points=(2, 4), ratios=(2, 4, 8, 16), cost=0.5),
        digits_widths=Sweep(1, 16, points=(2, 2), ratios=(2, 4, 8, 16), cost=0.3),
    ),
    notes=(
        "Configuration as calibrated: G and D with two hidden layers of width 16k, "
        "non-saturating loss, Adam (betas 0.5, 0.999), ring 3000 steps at lr 1e-3, digits 2000 "
        "steps at lr 5e-4; not fixed by calibration and left at the library's defaults: batch "
        "128/64, latent dimension 2/16, ring std 0.02 at radius 2 (high quality = within 0.06 "
        "of a mode), LeCun-normal init, metrics at the last evaluation (2500 fixed codes). "
        "Default (seeds 0–2): ring high-quality fraction per k = 1/2/4/8 "
        "[0.341 0.094 0.205] / [0.136 0.621 0.424] / [0.569 0.394 0.267] / [0.524 0.560 0.533], "
        "modes covered (≥ 1%) medians 3/7/8/8 (VEEGAN's ≥ 1 sample: 8/8/8/8), seed range "
        "0.247 → 0.036; digits FD(PCA-20) k = 1: 6.63/6.95/7.24, k = 8: 2.75/1.58/3.94 "
        "(Spearman −0.88). 175 s on a loaded 2-core machine (sum of runs 142 s; ≈ 55 s "
        "unloaded: ring k = 8 ≈ 6 s and digits ≈ 5 s per run). The default runs digits at k = 1 "
        "and 8 only (the gated comparison) to stay near a minute; full runs all four. Quick "
        "(ring 1000 steps × 2 seeds, digits 500 steps, k = 1 and 8; ≈ 5 s unloaded, 10 s "
        "loaded) is under-trained: it FAILS, but on other relations than the default — every "
        "k = 1 ring GAN sits at a high-quality fraction ≈ 0.002 so the seed range cannot shrink "
        "(0.0012 → 0.264), and after 500 steps the wider digits GAN is still behind (FD 9.18 vs "
        "8.69); its high-quality comparison passes (0.0018 → 0.153). So the strict xfail of the "
        "contract test holds, but it would not notice a fix of the default's failure. Explored "
        "(inside, quick lengths): the minimal failing sweep is ring k = 1, 2 and digits k = 1, 2 "
        "(seed range of the high-quality fraction 0.0012 → 0.049)."
    ),
    known_failure=(
        "Ring: the median high-quality fraction does not increase monotonically with k at the "
        "default (3 seeds, 3000 steps): 0.205 / 0.424 / 0.394 / 0.533 for k = 1/2/4/8 "
        "(5 seeds: 0.094 / 0.476 / 0.423 / 0.524), against the prototype's 0.17 → 0.84. "
        "It jumps from k = 1 to 2 and then plateaus at 0.4–0.55, with seed ranges of "
        "0.30–0.49 at k = 2 and 4 and within-run oscillation (std over the last 4 evaluations "
        "up to 0.14), so the k = 2 vs 4 order is decided by noise. The other relations hold: "
        "modes covered 3 → 8, seed range 0.247 → 0.036, digits FD 6.95 → 2.75."
    ),
)

CLAIMS = (QUALITY,)
