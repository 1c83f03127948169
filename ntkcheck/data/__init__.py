"""Data sets, seeded and regenerated (no downloads): the flow experiments' densities, split and
preprocessing (``densities``, ``preprocessing``). Other helpers live in their own modules."""

from ntkcheck.data.densities import checkerboard, mog1d, mog5d, three_bumps
from ntkcheck.data.preprocessing import BallScaling, ZScore, check_data, train_test_split

__all__ = [
    "BallScaling",
    "ZScore",
    "check_data",
    "checkerboard",
    "mog1d",
    "mog5d",
    "three_bumps",
    "train_test_split",
]
