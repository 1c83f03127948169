"""Smallest eigenvalue of a kernel: dense, certified interval, Cholesky shift-invert for large
dense kernels, matrix-free Lanczos.

Every function reports the spectrum of exactly the matrix it is given (Θ or K = Θ/n: the
caller says which). Computed in float64.
"""

from ntkcheck.spectrum.memmap import lambda_min_npy, memmap_operator
from ntkcheck.spectrum.smallest import (
    Interval,
    SpectrumSummary,
    check_psd,
    condition_number,
    lambda_max,
    lambda_min,
    lambda_min_shift_invert,
    spectrum_summary,
)

__all__ = [
    "Interval",
    "SpectrumSummary",
    "check_psd",
    "condition_number",
    "lambda_max",
    "lambda_min",
    "lambda_min_npy",
    "lambda_min_shift_invert",
    "memmap_operator",
    "spectrum_summary",
]
