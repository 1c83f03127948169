"""Data for the GAN width study: the 8-Gaussian ring and scikit-learn's bundled 8×8 digits.

Ring: 8 isotropic Gaussians with means on a circle of radius 2 and standard deviation 0.02
(std/radius = 0.01, the ring of the unrolled-GAN and VEEGAN experiments). Digits: the 1797
images of ``sklearn.datasets.load_digits`` (shipped inside scikit-learn, no download), pixels
0..16 mapped to [−1, 1] to match a tanh output.

References: Metz et al. 2017, "Unrolled Generative Adversarial Networks", arXiv 1611.02163;
Srivastava et al. 2017, "VEEGAN", arXiv 1705.07761.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from ntkcheck.device import CPU, to_default
from ntkcheck.validation import check_positive_int

RING_MODES = 8
RING_RADIUS = 2.0
RING_STD = 0.02


def ring_modes(n_modes: int = RING_MODES, radius: float = RING_RADIUS) -> np.ndarray:
    """Mode centres (n_modes, 2): radius·(cos 2πi/n, sin 2πi/n)."""
    check_positive_int("n_modes", n_modes, "Pass the number of ring modes, e.g. 8.")
    angles = 2.0 * math.pi * np.arange(n_modes) / n_modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def sample_ring(
    n: int,
    generator: torch.Generator,
    *,
    n_modes: int = RING_MODES,
    radius: float = RING_RADIUS,
    std: float = RING_STD,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """n points (n, 2) from the equal-weight ring mixture, drawn with ``generator``.

    Pass ``torch.Generator().manual_seed(seed)``; the generator advances, so successive calls
    give fresh, reproducible batches.
    """
    return ring_sampler(generator, n_modes=n_modes, radius=radius, std=std, dtype=dtype)(n)


def ring_sampler(
    generator: torch.Generator,
    *,
    n_modes: int = RING_MODES,
    radius: float = RING_RADIUS,
    std: float = RING_STD,
    dtype: torch.dtype = torch.float32,
) -> Callable[[int], torch.Tensor]:
    """``n -> `` :func:`sample_ring` ``(n, generator, ...)``, the same draws, with the mode
    centres built once (a training loop samples a batch per step)."""
    centres = torch.as_tensor(ring_modes(n_modes, radius), dtype=dtype).to(CPU)

    def sample(n: int) -> torch.Tensor:
        check_positive_int("n", n, "Pass the number of samples, e.g. n=256.")
        which = torch.randint(n_modes, (n,), generator=generator, device=CPU)
        noise = torch.randn(n, 2, generator=generator, dtype=dtype, device=CPU)
        return to_default(centres[which] + std * noise)

    return sample


def load_digits_images(dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The 1797 scikit-learn digits as (1797, 64) in [−1, 1] (row-major 8×8 images)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # optional extra
        raise ImportError(
            "The digits data set needs scikit-learn. Install the extra: "
            "pip install 'ntkcheck[gan]'."
        ) from exc
    pixels = load_digits().data  # (1797, 64), integer values 0..16
    return torch.as_tensor(pixels / 8.0 - 1.0, dtype=dtype)
