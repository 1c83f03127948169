"""GAN models: Balaji et al.'s one-hidden-layer generator with its mean map Ĝ(W), the linear
generator on which linearized GDA is exact, and the width-multiplied MLP/DCGAN pairs.

Training lives in :mod:`ntkcheck.dynamics` (GDA, :func:`~ntkcheck.dynamics.train_gan`), the
sample-quality metrics in :mod:`ntkcheck.metrics` and the data in :mod:`ntkcheck.data`.

References: Balaji et al. 2021, "Understanding Overparameterization in Generative Adversarial
Networks", arXiv 2104.05605.
"""

from ntkcheck.models.gan.generator import (
    GeneratorMeanMap,
    LatentSetMean,
    LinearGenerator,
    OneHiddenLayerGenerator,
    unit_latent_codes,
)
from ntkcheck.models.gan.networks import dcgan, mlp_gan

__all__ = [
    "GeneratorMeanMap",
    "LatentSetMean",
    "LinearGenerator",
    "OneHiddenLayerGenerator",
    "dcgan",
    "mlp_gan",
    "unit_latent_codes",
]
