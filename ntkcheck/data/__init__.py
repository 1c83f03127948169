"""Data sets, seeded and regenerated (no downloads): the flow experiments' densities, split and
preprocessing, unit-sphere inputs with a smooth target for the MLP claims, and the GAN width
study's 8-Gaussian ring and 8×8 digits."""

from ntkcheck.data.densities import checkerboard, mog1d, mog5d, three_bumps
from ntkcheck.data.gan import load_digits_images, ring_modes, sample_ring
from ntkcheck.data.preprocessing import BallScaling, ZScore, check_data, train_test_split
from ntkcheck.data.sphere import smooth_target, sphere_points

__all__ = [
    "BallScaling",
    "ZScore",
    "check_data",
    "checkerboard",
    "load_digits_images",
    "mog1d",
    "mog5d",
    "ring_modes",
    "sample_ring",
    "smooth_target",
    "sphere_points",
    "three_bumps",
    "train_test_split",
]
