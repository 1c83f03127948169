"""Figures built only from result records (plain dicts of arrays), saved as PNG and SVG.

matplotlib is an optional dependency: ``pip install "ntkcheck[plots]"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ntkcheck.errors import NTKCheckError


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise NTKCheckError(
            'Plotting needs matplotlib: pip install "ntkcheck[plots]" (or pip install matplotlib).'
        ) from err
    return plt


def save(fig: Any, path: Path) -> list[Path]:
    """Write ``path`` with suffixes .png (150 dpi) and .svg; return both paths."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = [path.with_suffix(".png"), path.with_suffix(".svg")]
    fig.savefig(out[0], dpi=150, bbox_inches="tight")
    fig.savefig(out[1], bbox_inches="tight")
    _pyplot().close(fig)
    return out


def _width_axis(ax: Any, widths: np.ndarray) -> None:
    """Log x-axis labelled exactly at the measured widths (no overlapping minor labels)."""
    from matplotlib.ticker import NullFormatter

    ax.set_xscale("log")
    ax.set_xticks(widths)
    ax.set_xticklabels([str(int(w)) for w in widths])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("hidden width m")


def kernel_gap_vs_width(result: dict[str, Any], path: Path) -> list[Path]:
    """Relative Frobenius gap to the analytic NTK vs width, log-log, with seed band and fit."""
    plt = _pyplot()
    w = np.asarray(result["widths"], dtype=float)
    gap = np.asarray(result["gap"])
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.fill_between(w, gap.min(1), gap.max(1), alpha=0.25, label="seed range")
    ax.plot(w, gap.mean(1), "o-", label="seed mean")
    slope, (lo, hi) = result["gap_slope"], result["gap_slope_ci"]
    ref = gap.mean(1)[0] * (w / w[0]) ** slope
    ax.plot(w, ref, "k--", lw=1, label=f"fit: slope {slope:.2f} [{lo:.2f}, {hi:.2f}]")
    ax.plot(w, gap.mean(1)[0] * (w / w[0]) ** -0.5, ":", color="gray", label=r"$\propto m^{-1/2}$")
    _width_axis(ax, w)
    ax.set_yscale("log")
    ax.set_ylabel(r"$\|\Theta_m - \Theta_\infty\|_F / \|\Theta_\infty\|_F$")
    cfg = result["config"]
    ax.set_title(
        f"eNTK → analytic NTK (depth {cfg['depth']}, {cfg['activation']}, n={cfg['n']}, "
        f"{cfg['seeds']} seeds)",
        fontsize=9,
    )
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return save(fig, path)


def lambda_min_vs_width(result: dict[str, Any], path: Path) -> list[Path]:
    """Certified λ_min(K = Θ/n) at init vs width with seed band and the analytic λ_min(K∞)."""
    plt = _pyplot()
    w = np.asarray(result["widths"], dtype=float)
    lo, hi = np.asarray(result["lambda_min_lo"]), np.asarray(result["lambda_min_hi"])
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.fill_between(w, lo.min(1), hi.max(1), alpha=0.25, label="seed range (certified)")
    ax.plot(w, 0.5 * (lo + hi).mean(1), "o-", label="seed mean")
    ax.axhline(
        result["lambda_min_inf"], color="k", ls="--", lw=1, label=r"$\lambda_{\min}(K_\infty)$"
    )
    _width_axis(ax, w)
    ax.set_ylabel(r"$\lambda_{\min}(K(\theta_0)),\ K = \Theta/n$")
    ax.set_title("Smallest NTK eigenvalue at initialization", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return save(fig, path)
