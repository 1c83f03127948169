"""Train/test split and the reference preprocessing of the flow experiments.

- CNF: z-scoring (:class:`ZScore`), fit on the training split and applied unchanged to the test
  split. (The reference z-scores the whole file before splitting, then shuffles with numpy's
  legacy global seed: ``ZScore.fit(x)(x)`` followed by
  ``train_test_split(x, seed, shuffle="legacy")`` reproduces its split exactly; fitting on train
  keeps the test points unseen.)
- UNF: x ↦ x / (2·max_n ‖x_n‖) (:class:`BallScaling`), fit on train, one fixed scale for train
  and test. Like the reference there is no centering: the data lie in the ball of radius 1/2
  around the origin, not around their mean. (The reference has no split; ntkcheck adds one.)

All functions take and return float64 tensors of shape (N, d).

References: Shah et al. 2022, arXiv 2106.10535 (reference code CNF/utils.py and UNF/utils.py
``read_dataset``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from ntkcheck.errors import InvalidInputError
from ntkcheck.validation import check_inputs, check_seed, is_finite_real


def check_data(name: str, x: torch.Tensor, *, min_points: int = 2) -> torch.Tensor:
    """Return ``x`` as float64 after checking it is an (N, d) finite tensor with N >=
    ``min_points`` (2 by default: a split, a scale or a spread needs two)."""
    check_inputs(name, x)
    if x.ndim != 2:
        raise InvalidInputError(
            f"`{name}` must have shape (N, d), got {tuple(x.shape)}. For 1-D data pass "
            f"{name}.reshape(-1, 1)."
        )
    if x.shape[0] < min_points:
        raise InvalidInputError(
            f"`{name}` has {x.shape[0]} point; a split, a scale or a spread needs at least 2. "
            "Generate or load more points."
        )
    return x.to(torch.float64)


def train_test_split(
    x: torch.Tensor,
    seed: int,
    *,
    test_fraction: float = 0.1,
    shuffle: Literal["default", "legacy"] = "default",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded shuffle of the rows, then (train, test): the first int(test_fraction·N) shuffled
    rows are the test set (reference: 10%), the rest the training set.

    ``shuffle="default"`` permutes with ``numpy.random.default_rng(seed)``; ``"legacy"`` with
    ``numpy.random.RandomState(seed)``, the order of the reference code's
    ``np.random.seed(seed); np.random.shuffle(data)`` (no global state is touched).
    """
    x = check_data("x", x)
    seed = check_seed("seed", seed)
    if not (is_finite_real(test_fraction) and 0 < test_fraction < 1):
        raise InvalidInputError(
            f"`test_fraction` must be a number in (0, 1), got {test_fraction!r}. Pass e.g. 0.1."
        )
    n = x.shape[0]
    n_test = int(test_fraction * n)
    if n_test == 0 or n_test == n:
        raise InvalidInputError(
            f"test_fraction={test_fraction} of N={n} points leaves {n_test} test and "
            f"{n - n_test} training points; both must be >= 1. Pass more points (N >= "
            f"{int(np.ceil(1 / test_fraction))}) or a larger test_fraction."
        )
    if shuffle not in ("default", "legacy"):
        raise InvalidInputError(
            f"`shuffle` must be 'default' or 'legacy', got {shuffle!r}. 'legacy' follows the "
            "reference code's np.random.seed(seed); np.random.shuffle(data)."
        )
    if shuffle == "legacy":
        perm = np.random.RandomState(seed).permutation(n)
    else:
        perm = np.random.default_rng(seed).permutation(n)
    order = torch.from_numpy(perm)
    return x[order[n_test:]], x[order[:n_test]]


@dataclass(frozen=True)
class ZScore:
    """x ↦ (x − mean)/std per coordinate (std with ddof = 0, as numpy's default)."""

    mean: torch.Tensor  # (d,)
    std: torch.Tensor  # (d,)

    @classmethod
    def fit(cls, x: torch.Tensor) -> ZScore:
        x = check_data("x", x)
        std = x.std(dim=0, correction=0)
        if bool((std == 0).any()):
            col = int((std == 0).nonzero()[0])
            raise InvalidInputError(
                f"Coordinate {col} of `x` is constant; z-scoring would divide by 0. Drop "
                "constant coordinates before fitting."
            )
        return cls(x.mean(dim=0), std)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        x = check_data("x", x, min_points=1)
        if x.shape[1] != self.mean.shape[0]:
            raise InvalidInputError(
                f"`x` has d = {x.shape[1]} coordinates but this ZScore was fit on d = "
                f"{self.mean.shape[0]}; pass data of the same space (fit a new ZScore otherwise)."
            )
        return (x - self.mean) / self.std


@dataclass(frozen=True)
class BallScaling:
    """x ↦ scale·x with scale = radius / max_n ‖x_n‖ (reference radius 1/2); no centering."""

    scale: float

    @classmethod
    def fit(cls, x: torch.Tensor, radius: float = 0.5) -> BallScaling:
        x = check_data("x", x)
        if not (is_finite_real(radius) and radius > 0):
            raise InvalidInputError(
                f"`radius` must be a finite number > 0, got {radius!r}. Pass e.g. 0.5."
            )
        largest = float(torch.linalg.vector_norm(x, dim=1).max())
        if largest == 0:
            raise InvalidInputError(
                "Every point of `x` is the origin; there is no scale to fit. Check the data."
            )
        return cls(radius / largest)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return check_inputs("x", x).to(torch.float64) * self.scale
