"""Figures built only from result records (Verdicts, demo records), saved as PNG and SVG.

matplotlib is an optional dependency: ``pip install "ntkcheck[plots]"``.
"""

from ntkcheck.plot.base import FigureDataError, close, save
from ntkcheck.plot.claims import claim_figure, figure_spec, requirement_chart
from ntkcheck.plot.demo import kernel_gap_vs_width, lambda_min_vs_width
from ntkcheck.plot.spec import KINDS, Figure

__all__ = [
    "KINDS",
    "Figure",
    "FigureDataError",
    "claim_figure",
    "close",
    "figure_spec",
    "kernel_gap_vs_width",
    "lambda_min_vs_width",
    "requirement_chart",
    "save",
]
