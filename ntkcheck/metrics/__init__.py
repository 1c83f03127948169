"""Sample-quality metrics of generative models (the GAN width study): the Fréchet distance of
fitted Gaussians in a fixed feature space, and mode coverage of a ring of Gaussians."""

from ntkcheck.metrics.frechet import (
    PCAFeatures,
    frechet_distance,
    frechet_distance_from_samples,
    gaussian_statistics,
)
from ntkcheck.metrics.ring import RingQuality, ring_quality

__all__ = [
    "PCAFeatures",
    "RingQuality",
    "frechet_distance",
    "frechet_distance_from_samples",
    "gaussian_statistics",
    "ring_quality",
]
