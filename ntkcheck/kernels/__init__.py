"""Empirical NTK (generic torch.func paths and the structured dense-layer path), the analytic
infinite-width NTK, the matrix-free operator and the brute-force oracle."""

from ntkcheck.kernels.analytic import LeakyAbs, analytic_ntk, du_h_infinity
from ntkcheck.kernels.blocks import assemble_ntk_blocks
from ntkcheck.kernels.empirical import empirical_ntk, plan_ntk
from ntkcheck.kernels.operator import ntk_operator
from ntkcheck.kernels.plan import NTKPlan
from ntkcheck.kernels.reference import reference_ntk

__all__ = [
    "LeakyAbs",
    "NTKPlan",
    "analytic_ntk",
    "assemble_ntk_blocks",
    "du_h_infinity",
    "empirical_ntk",
    "ntk_operator",
    "plan_ntk",
    "reference_ntk",
]
