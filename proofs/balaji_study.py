"""Claim of Balaji et al. (arXiv 2104.05605) on sample quality vs width, at CPU scale.

The paper's Figure 1 (DCGAN, hidden width k): train/test FID ≈ 92/93 (k = 8), 54/56 (16),
39/41 (32), 32/34 (64), 28/30 (128), 27/29 (256); wider models start lower and settle sooner.
ntkcheck mirrors it with MLP GANs of width 16k on the 8-Gaussian ring and on 8×8 digits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ntkcheck.experiments.balaji_study import median_trend, spearman_with_width, width_study
from proofs.balaji_common import source
from proofs.claim import Claim, Requirement

hq_lower, modes_lower, modes_first, spread_first, fd_first = sp.symbols(
    "hq_lower modes_lower modes_first spread_first fd_first", nonnegative=True
)


def _measure(s: dict[str, Any]) -> dict[str, Any]:
    ring_seeds = list(range(s["seed"], s["seed"] + s["ring_seeds"]))
    digit_seeds = list(range(s["seed"], s["seed"] + s["digits_seeds"]))
    ring = width_study("ring", list(s["ring_widths"]), ring_seeds, steps=s["ring_steps"])
    digits = width_study("digits", list(s["digits_widths"]), digit_seeds, steps=s["digits_steps"])
    hq, modes, fd = ring["high_quality_fraction"], ring["modes_covered_1pct"], digits["fd_pca20"]
    hq_up, hq_low = median_trend(hq)
    modes_up, modes_low = median_trend(modes)
    spread = hq.max(axis=1) - hq.min(axis=1)
    return {
        **{f"ring_{key}": value for key, value in ring.items()},
        **{f"digits_{key}": value for key, value in digits.items()},
        "hq_median": np.median(hq, axis=1),
        "hq_upper": hq_up,
        "hq_lower": hq_low,
        "modes_upper": modes_up,
        "modes_lower": modes_low,
        "modes_last": float(np.median(modes[-1])),
        "modes_first": float(np.median(modes[0])),
        "spread_last": float(spread[-1]),
        "spread_first": float(spread[0]),
        "fd_last": float(np.median(fd[-1])),
        "fd_first": float(np.median(fd[0])),
        "fd_spearman": spearman_with_width(digits["widths"], fd),
        "oscillation": float(ring["oscillation"].max()),
    }


_FIELDS = {"seed": 0, "ring_widths": (1, 2, 4, 8), "digits_widths": (1, 8)}
QUALITY = Claim(
    id="balaji.overparam.quality",
    source=source("Sec. 2 / Figure 1 (FID falls with the width k), at reduced scale"),
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
            hq_lower,
            "ring: median high-quality fraction at each k > at the previous k",
        ),
        Requirement(
            "modes_upper",
            ">=",
            modes_lower,
            "ring: median modes covered (≥ 1% of samples) non-decreasing in k",
        ),
        Requirement(
            "modes_last",
            ">",
            modes_first,
            "ring: median modes covered at the largest k > at the smallest",
        ),
        Requirement(
            "spread_last",
            "<",
            spread_first,
            "ring: seed range of the high-quality fraction at the largest k < smallest",
        ),
        Requirement(
            "fd_last",
            "<",
            fd_first,
            "digits: median FD on PCA-20 features at the largest k < at the smallest",
        ),
        Requirement(
            "fd_spearman",
            "<=",
            sp.Float(-0.8),
            "digits: Spearman(FD, k) over all runs (the full-size criterion)",
            report_only=True,
        ),
        Requirement(
            "oscillation",
            "<=",
            sp.Float(0.05),
            "ring: max std of the high-quality fraction over the last 4 evaluations",
            report_only=True,
        ),
    ),
    measure=_measure,
    measured=(
        "hq_upper",
        "hq_lower",
        "modes_upper",
        "modes_lower",
        "modes_last",
        "modes_first",
        "spread_last",
        "spread_first",
        "fd_last",
        "fd_first",
        "fd_spearman",
        "oscillation",
        "hq_median",
    ),
    sizes={
        "quick": {
            **_FIELDS,
            "ring_widths": (1, 8),
            "ring_seeds": 2,
            "ring_steps": 1000,
            "digits_seeds": 1,
            "digits_steps": 500,
        },
        "default": {
            **_FIELDS,
            "ring_seeds": 3,
            "ring_steps": 3000,
            "digits_seeds": 3,
            "digits_steps": 2000,
        },
        "full": {
            **_FIELDS,
            "ring_seeds": 5,
            "ring_steps": 3000,
            "digits_widths": (1, 2, 4, 8),
            "digits_seeds": 5,
            "digits_steps": 5000,
        },
    },
    # No seed strategy: the contract test expects this known failure, and hypothesis would
    # shrink a failing seed toward 0 by re-running the ~10 s quick study dozens of times.
    settings=None,
    notes=(
        "Configuration as claims.md: G and D with two hidden layers of width 16k, "
        "non-saturating loss, Adam (betas 0.5, 0.999), ring 3000 steps at lr 1e-3, digits 2000 "
        "steps at lr 5e-4; not fixed by claims.md and left at the library's defaults: batch "
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
        "contract test holds, but it would not notice a fix of the default's failure."
    ),
    known_failure=(
        "Ring: the median high-quality fraction does not increase monotonically with k at the "
        "default (3 seeds, 3000 steps): 0.205 / 0.424 / 0.394 / 0.533 for k = 1/2/4/8 "
        "(5 seeds: 0.094 / 0.476 / 0.423 / 0.524), against claims.md's prototype 0.17 → 0.84. "
        "It jumps from k = 1 to 2 and then plateaus at 0.4–0.55, with seed ranges of "
        "0.30–0.49 at k = 2 and 4 and within-run oscillation (std over the last 4 evaluations "
        "up to 0.14), so the k = 2 vs 4 order is decided by noise. The other relations hold: "
        "modes covered 3 → 8, seed range 0.247 → 0.036, digits FD 6.95 → 2.75."
    ),
)

CLAIMS: tuple[Claim, ...] = (QUALITY,)
