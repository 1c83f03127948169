"""The density-estimation data sets of Shah et al.'s reference code, regenerated from a seed.

Each generator returns an (n, d) float64 tensor drawn with ``numpy.random.default_rng(seed)``
(no downloads, no global RNG state). The laws match the reference files' statistics
(``datasets/*.txt`` in github.com/kulinshah98/overparam-NFs, 10 000 points each):

- :func:`mog1d`: ½N(−2.5, 1) + ½N(2.5, 1) (mog1d.txt: mean 0.00, sd 2.66; law: sd √7.25).
- :func:`three_bumps`: ¼, ½, ¼ bumps at −0.76, 0, 0.76 in (−1, 1) (beta1d.txt). The reference
  bumps are bounded (no point beyond ±0.98, the middle one inside ±0.38), so each is a scaled
  symmetric Beta: Beta(2, 2) on (±0.76 − 0.24, ±0.76 + 0.24), sd 0.24/√5 = 0.107, and Beta(4, 4)
  on (−0.38, 0.38), sd 0.38/3 = 0.127 (file: 0.107, 0.127).
- :func:`checkerboard`: uniform on the 8 cells (i, j) of [0, 4]² with i + j even (grid-dataset.txt).
- :func:`mog5d`: equal mixture of N(±e_k, 0.22² I_5), k = 1..5 (mog5d.txt: sd 0.50 per axis).

References: Shah et al. 2022, arXiv 2106.10535 (experiments, Figures 1–3).
"""

from __future__ import annotations

import numpy as np
import torch

from ntkcheck.validation import check_positive_int, check_seed

MOG1D_MEANS = (-2.5, 2.5)
BUMP_WEIGHTS = (0.25, 0.5, 0.25)
BUMP_CENTERS = (-0.76, 0.0, 0.76)
BUMP_HALF_WIDTHS = (0.24, 0.38, 0.24)
BUMP_SHAPES = (2.0, 4.0, 2.0)  # Beta(s, s) on (center − half, center + half)
MOG5D_SD = 0.22


def _rng(n: int, seed: int) -> tuple[int, np.random.Generator]:
    n = check_positive_int("n", n, "Pass the number of points, e.g. n=2000.")
    return n, np.random.default_rng(check_seed("seed", seed))


def mog1d(n: int, seed: int) -> torch.Tensor:
    """½N(−2.5, 1) + ½N(2.5, 1): (n, 1)."""
    n, rng = _rng(n, seed)
    means = np.asarray(MOG1D_MEANS)[rng.integers(2, size=n)]
    return torch.from_numpy(means + rng.standard_normal(n)).reshape(n, 1)


def three_bumps(n: int, seed: int) -> torch.Tensor:
    """¼, ½, ¼ mixture of scaled Beta bumps at −0.76, 0, 0.76, support inside (−1, 1): (n, 1)."""
    n, rng = _rng(n, seed)
    k = rng.choice(3, size=n, p=BUMP_WEIGHTS)
    shape = np.asarray(BUMP_SHAPES)[k]
    center, half = np.asarray(BUMP_CENTERS)[k], np.asarray(BUMP_HALF_WIDTHS)[k]
    x = center + half * (2 * rng.beta(shape, shape) - 1)
    return torch.from_numpy(x).reshape(n, 1)


def checkerboard(n: int, seed: int) -> torch.Tensor:
    """Uniform on the cells [i, i+1) × [j, j+1) of [0, 4]² with i + j even: (n, 2)."""
    n, rng = _rng(n, seed)
    cells = np.array([(i, j) for i in range(4) for j in range(4) if (i + j) % 2 == 0])
    corner = cells[rng.integers(len(cells), size=n)]
    return torch.from_numpy(corner + rng.random((n, 2)))


def mog5d(n: int, seed: int) -> torch.Tensor:
    """Equal mixture of the 10 Gaussians N(±e_k, 0.22² I), k = 1..5: (n, 5)."""
    n, rng = _rng(n, seed)
    means = np.concatenate([np.eye(5), -np.eye(5)])[rng.integers(10, size=n)]
    return torch.from_numpy(means + MOG5D_SD * rng.standard_normal((n, 5)))
