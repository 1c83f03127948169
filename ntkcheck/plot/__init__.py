"""Figures built only from result records (Verdicts, demo records), saved as PNG and SVG.

A claim's figure is drawn by the figure kind its :class:`~ntkcheck.claims.Figure` spec names;
kinds are a registry (:func:`figure_kind`) that paper packages can extend. matplotlib is an
optional dependency: ``pip install "ntkcheck[plots]"``.
"""

from ntkcheck.plot import kinds as _standard_kinds  # noqa: F401 - registers the standard kinds
from ntkcheck.plot.base import FigureDataError, close, save
from ntkcheck.plot.claims import claim_figure, figure_spec, requirement_chart
from ntkcheck.plot.demo import demo_kernel_gap_figure, demo_lambda_min_figure
from ntkcheck.plot.explore import explored_region
from ntkcheck.plot.registry import figure_kind, figure_kinds

__all__ = [
    "FigureDataError",
    "claim_figure",
    "close",
    "demo_kernel_gap_figure",
    "demo_lambda_min_figure",
    "explored_region",
    "figure_kind",
    "figure_kinds",
    "figure_spec",
    "requirement_chart",
    "save",
]
