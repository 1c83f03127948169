"""Training dynamics: GD/SGD and generic step loops that record lazy-training quantities,
the linearized model, and the closed-form linearized MSE dynamics.

References: Jacot et al. 2018; Lee et al. 2019, "Wide neural networks of any depth evolve as
linear models under gradient descent"; Chizat et al. 2019, "On lazy training in differentiable
programming".
"""

from ntkcheck.dynamics.closed_form import infinite_width_mse_residuals, linearized_mse_residuals
from ntkcheck.dynamics.instruments import KernelDrift, LazyDistance, kernel_drift, lazy_distance
from ntkcheck.dynamics.linearized import linearize
from ntkcheck.dynamics.loops import mse_loss, train
from ntkcheck.dynamics.recorder import run
from ntkcheck.dynamics.trajectory import Trajectory

__all__ = [
    "KernelDrift",
    "LazyDistance",
    "Trajectory",
    "infinite_width_mse_residuals",
    "kernel_drift",
    "lazy_distance",
    "linearize",
    "linearized_mse_residuals",
    "mse_loss",
    "run",
    "train",
]
