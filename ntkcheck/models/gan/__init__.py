"""GAN models: Balaji et al.'s one-hidden-layer generator, GDA on the mean-matching game, and
the width-multiplied MLP/DCGAN study with its metrics.

References: Balaji et al. 2021, "Understanding Overparameterization in Generative Adversarial
Networks", arXiv 2104.05605.
"""

from ntkcheck.models.gan.config import GANConfig
from ntkcheck.models.gan.data import load_digits_images, ring_modes, sample_ring
from ntkcheck.models.gan.gda import (
    GDAState,
    MeanMatchingGame,
    gda_step,
    linearized_gda_roots,
    spectral_radius,
)
from ntkcheck.models.gan.generator import (
    GeneratorMeanMap,
    LinearGenerator,
    MeanGenerator,
    OneHiddenLayerGenerator,
    unit_latent_codes,
)
from ntkcheck.models.gan.metrics import (
    PCAFeatures,
    RingQuality,
    frechet_distance,
    frechet_distance_from_samples,
    gaussian_statistics,
    ring_quality,
)
from ntkcheck.models.gan.networks import dcgan, mlp_gan
from ntkcheck.models.gan.study import GANHistory, train_gan

__all__ = [
    "GANConfig",
    "GANHistory",
    "GDAState",
    "GeneratorMeanMap",
    "LinearGenerator",
    "MeanGenerator",
    "MeanMatchingGame",
    "OneHiddenLayerGenerator",
    "PCAFeatures",
    "RingQuality",
    "dcgan",
    "frechet_distance",
    "frechet_distance_from_samples",
    "gaussian_statistics",
    "gda_step",
    "linearized_gda_roots",
    "load_digits_images",
    "mlp_gan",
    "ring_modes",
    "ring_quality",
    "sample_ring",
    "spectral_radius",
    "train_gan",
    "unit_latent_codes",
]
