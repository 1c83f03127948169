"""ntkcheck: executable checks of the theory of overparameterized learning.

Data flows one way: models -> kernels -> spectrum / dynamics -> check -> report, plot, docs.
This module only re-exports the public API.
"""

from ntkcheck import data, models
from ntkcheck.check import RequirementResult, Verdict, check
from ntkcheck.device import on_device, resolve_device
from ntkcheck.dynamics import (
    KernelDrift,
    LazyDistance,
    Trajectory,
    infinite_width_mse_residuals,
    kernel_drift,
    lazy_distance,
    linearize,
    linearized_mse_residuals,
    mse_loss,
    run,
    train,
)
from ntkcheck.errors import (
    CrossExampleCouplingError,
    DeviceError,
    DivergenceWarning,
    InvalidInputError,
    KernelMemoryError,
    NotPSDError,
    NTKCheckError,
    PrecisionWarning,
)
from ntkcheck.kernels import (
    LeakyAbs,
    NTKPlan,
    analytic_ntk,
    assemble_ntk_blocks,
    du_h_infinity,
    empirical_ntk,
    ntk_operator,
    plan_ntk,
    reference_ntk,
)
from ntkcheck.notebook import verify
from ntkcheck.spectrum import (
    Interval,
    SpectrumSummary,
    check_psd,
    condition_number,
    lambda_max,
    lambda_min,
    lambda_min_npy,
    memmap_operator,
    spectrum_summary,
)
from ntkcheck.stats import Rate, SlopeFit, loglog_slope, success_rate
from ntkcheck.store import ResultStore
from ntkcheck.sweep import Task, TaskResult, sweep

__version__ = "0.1.0"

__all__ = [
    "CrossExampleCouplingError",
    "DeviceError",
    "DivergenceWarning",
    "Interval",
    "InvalidInputError",
    "KernelDrift",
    "KernelMemoryError",
    "LazyDistance",
    "LeakyAbs",
    "NTKCheckError",
    "NTKPlan",
    "NotPSDError",
    "PrecisionWarning",
    "Rate",
    "ResultStore",
    "RequirementResult",
    "SlopeFit",
    "SpectrumSummary",
    "Task",
    "TaskResult",
    "Trajectory",
    "Verdict",
    "analytic_ntk",
    "assemble_ntk_blocks",
    "check",
    "check_psd",
    "condition_number",
    "data",
    "du_h_infinity",
    "empirical_ntk",
    "infinite_width_mse_residuals",
    "kernel_drift",
    "lambda_max",
    "lambda_min",
    "lambda_min_npy",
    "on_device",
    "lazy_distance",
    "linearize",
    "linearized_mse_residuals",
    "loglog_slope",
    "memmap_operator",
    "models",
    "mse_loss",
    "ntk_operator",
    "plan_ntk",
    "reference_ntk",
    "resolve_device",
    "run",
    "spectrum_summary",
    "success_rate",
    "sweep",
    "train",
    "verify",
]
