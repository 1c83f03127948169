"""ntkcheck: executable checks of the theory of overparameterized learning.

Data flows one way: models -> kernels -> spectrum / dynamics -> claims -> report, plot, docs.
This module only re-exports the public API, lazily: a name is imported on first use, so that
``import ntkcheck`` (and the pytest plugin) does not import torch.
"""

from ntkcheck import _lazy

__version__ = "0.1.0"

_EXPORTS = {
    # packages
    "claims": "ntkcheck.claims",
    "data": "ntkcheck.data",
    "metrics": "ntkcheck.metrics",
    "models": "ntkcheck.models",
    # kernels
    "LeakyAbs": "ntkcheck.kernels",
    "NTKPlan": "ntkcheck.kernels",
    "analytic_ntk": "ntkcheck.kernels",
    "assemble_ntk_blocks": "ntkcheck.kernels",
    "du_h_infinity": "ntkcheck.kernels",
    "empirical_ntk": "ntkcheck.kernels",
    "ntk_operator": "ntkcheck.kernels",
    "plan_ntk": "ntkcheck.kernels",
    "reference_ntk": "ntkcheck.kernels",
    # spectrum
    "Interval": "ntkcheck.spectrum",
    "SpectrumSummary": "ntkcheck.spectrum",
    "check_psd": "ntkcheck.spectrum",
    "condition_number": "ntkcheck.spectrum",
    "lambda_max": "ntkcheck.spectrum",
    "lambda_min": "ntkcheck.spectrum",
    "lambda_min_npy": "ntkcheck.spectrum",
    "memmap_operator": "ntkcheck.spectrum",
    "spectrum_summary": "ntkcheck.spectrum",
    # dynamics
    "KernelDrift": "ntkcheck.dynamics",
    "LazyDistance": "ntkcheck.dynamics",
    "Trajectory": "ntkcheck.dynamics",
    "infinite_width_mse_residuals": "ntkcheck.dynamics",
    "kernel_drift": "ntkcheck.dynamics",
    "lazy_distance": "ntkcheck.dynamics",
    "linearize": "ntkcheck.dynamics",
    "linearized_mse_residuals": "ntkcheck.dynamics",
    "mse_loss": "ntkcheck.dynamics",
    "gd": "ntkcheck.dynamics",
    "sgd": "ntkcheck.dynamics",
    "observe": "ntkcheck.dynamics",
    "track_distance": "ntkcheck.dynamics",
    "track_kernel": "ntkcheck.dynamics",
    "track_linearized": "ntkcheck.dynamics",
    "train": "ntkcheck.dynamics",
    # claims: checking them, and their results
    "Claim": "ntkcheck.claims",
    "RequirementResult": "ntkcheck.claims",
    "Verdict": "ntkcheck.claims",
    "check": "ntkcheck.claims",
    "get_claim": "ntkcheck.claims",
    "ResultStore": "ntkcheck.store",
    "Task": "ntkcheck.sweep",
    "TaskResult": "ntkcheck.sweep",
    "sweep": "ntkcheck.sweep",
    # statistics
    "Rate": "ntkcheck.stats",
    "SlopeFit": "ntkcheck.stats",
    "fit_loglog_slope": "ntkcheck.stats",
    "success_rate": "ntkcheck.stats",
    # devices
    "on_device": "ntkcheck.device",
    "resolve_device": "ntkcheck.device",
    # errors and warnings
    "ClaimDefinitionError": "ntkcheck.errors",
    "CrossExampleCouplingError": "ntkcheck.errors",
    "DeviceError": "ntkcheck.errors",
    "DivergenceWarning": "ntkcheck.errors",
    "InvalidInputError": "ntkcheck.errors",
    "KernelMemoryError": "ntkcheck.errors",
    "NTKCheckError": "ntkcheck.errors",
    "NotPSDError": "ntkcheck.errors",
    "PrecisionWarning": "ntkcheck.errors",
    "SettingError": "ntkcheck.errors",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = _lazy.lazy_exports(__name__, globals(), _EXPORTS)
