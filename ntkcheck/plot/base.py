"""Shared plotting plumbing: the lazy matplotlib import, saving PNG + SVG, axes helpers and
reading a Verdict's arrays by key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ntkcheck.errors import FigureDataError, NTKCheckError


def pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        matplotlib.rcParams["svg.hashsalt"] = "ntkcheck"  # reproducible SVG element ids
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise NTKCheckError(
            'Plotting needs matplotlib: pip install "ntkcheck[plots]" (or pip install matplotlib).'
        ) from err
    return plt


def save(
    fig: Any, path: Path, *, close: bool = True, formats: tuple[str, ...] = ("png", "svg")
) -> list[Path]:
    """Write ``path``.png (150 dpi) and ``path``.svg (or the given ``formats``); return the paths.

    The suffixes are appended, never substituted: claim ids contain dots. SVGs carry no date
    and fixed element ids, so a figure redrawn from the same record is the same file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in formats:
        target = path.parent / f"{path.name}.{fmt}"
        options = {"dpi": 150} if fmt == "png" else {"metadata": {"Date": None}}
        fig.savefig(target, bbox_inches="tight", **options)
        out.append(target)
    if close:
        pyplot().close(fig)
    return out


def close(fig: Any) -> None:
    """Release a figure returned by :func:`ntkcheck.plot.claim_figure` (batch use)."""
    pyplot().close(fig)


def values(verdict: Any, key: str) -> Any:
    """``key`` from the verdict's measured values, else from its setting."""
    for source in (verdict.measured, verdict.setting):
        if key in source:
            return source[key]
    raise FigureDataError(
        f"{verdict.claim_id}: the figure needs {key!r}, which is neither measured "
        f"({sorted(verdict.measured)}) nor a setting field ({sorted(verdict.setting)})."
    )


def array(verdict: Any, key: str) -> np.ndarray:
    """``values(verdict, key)`` as a float array."""
    try:
        return np.asarray(values(verdict, key), dtype=float)
    except ValueError as err:
        raise FigureDataError(f"{verdict.claim_id}: {key!r} is ragged, not an array.") from err


def requirement(verdict: Any, name: str) -> Any:
    """The evaluated requirement called ``name``."""
    for r in verdict.requirements:
        if r.name == name:
            return r
    raise FigureDataError(
        f"{verdict.claim_id}: the figure draws the bound of {name!r}, which is not one of the "
        f"requirements {[r.name for r in verdict.requirements]}."
    )


def log_axis(ax: Any, ticks: np.ndarray, label: str) -> None:
    """Log x-axis labelled exactly at the sweep values (no overlapping minor labels)."""
    from matplotlib.ticker import NullFormatter

    ax.set_xscale("log")
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(label)
