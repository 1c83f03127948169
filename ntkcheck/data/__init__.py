"""Data sets, seeded and regenerated (no downloads): the flow experiments' densities, split and
preprocessing, and unit-sphere inputs with a smooth target for the MLP claims."""

from ntkcheck.data.densities import checkerboard, mog1d, mog5d, three_bumps
from ntkcheck.data.preprocessing import BallScaling, ZScore, check_data, train_test_split
from ntkcheck.data.sphere import smooth_target, sphere_points

__all__ = [
    "BallScaling",
    "ZScore",
    "check_data",
    "checkerboard",
    "mog1d",
    "mog5d",
    "smooth_target",
    "sphere_points",
    "three_bumps",
    "train_test_split",
]
