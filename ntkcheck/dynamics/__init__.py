"""Training dynamics: one loop, update rules as steps, small instruments, closed forms.

``train(step, steps=T, instruments=(...))`` iterates a :class:`Step` — :func:`gd`,
:func:`sgd`, :func:`gda` or your own — and records a :class:`Trajectory` with the
instruments' columns: :func:`track_distance`, :func:`track_kernel`, :func:`track_linearized`,
:func:`observe`. The closed-form linearized MSE dynamics, the lazy-training measures of two
snapshots, the mean-matching GAN game and the GAN width-study training live here too.

References: Jacot et al. 2018; Lee et al. 2019, "Wide neural networks of any depth evolve as
linear models under gradient descent"; Chizat et al. 2019, "On lazy training in differentiable
programming"; Balaji et al. 2021, arXiv 2104.05605 (GDA).
"""

from ntkcheck.dynamics.closed_form import infinite_width_mse_residuals, linearized_mse_residuals
from ntkcheck.dynamics.gan_config import GANConfig
from ntkcheck.dynamics.gan_study import GANHistory, train_gan
from ntkcheck.dynamics.gradient import gd, mse_loss, sgd
from ntkcheck.dynamics.instruments import (
    Instrument,
    observe,
    track_distance,
    track_kernel,
    track_linearized,
)
from ntkcheck.dynamics.lazy import KernelDrift, LazyDistance, kernel_drift, lazy_distance
from ntkcheck.dynamics.linearized import linearize
from ntkcheck.dynamics.loop import train
from ntkcheck.dynamics.mean_matching import (
    GDAState,
    MeanMatchingGame,
    gda,
    gda_step,
    linearized_gda_roots,
    spectral_radius,
)
from ntkcheck.dynamics.step import Step
from ntkcheck.dynamics.trajectory import Trajectory

__all__ = [
    "GANConfig",
    "GANHistory",
    "GDAState",
    "Instrument",
    "KernelDrift",
    "LazyDistance",
    "MeanMatchingGame",
    "Step",
    "Trajectory",
    "gd",
    "gda",
    "gda_step",
    "infinite_width_mse_residuals",
    "kernel_drift",
    "lazy_distance",
    "linearize",
    "linearized_gda_roots",
    "linearized_mse_residuals",
    "mse_loss",
    "observe",
    "sgd",
    "spectral_radius",
    "track_distance",
    "track_kernel",
    "track_linearized",
    "train",
    "train_gan",
]
