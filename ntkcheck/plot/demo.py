"""Figures of the kernel demo (``ntkcheck demo``): eNTK → analytic NTK over widths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ntkcheck.plot.base import log_axis, pyplot, save


def demo_kernel_gap_figure(result: dict[str, Any], path: Path) -> list[Path]:
    """Relative Frobenius gap to the analytic NTK vs width, log-log, with seed band and fit."""
    plt = pyplot()
    w = np.asarray(result["widths"], dtype=float)
    gap = np.asarray(result["gap"])
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.fill_between(w, gap.min(1), gap.max(1), alpha=0.25, label="seed range")
    ax.plot(w, gap.mean(1), "o-", label="seed mean")
    slope, (lo, hi) = result["gap_slope"], result["gap_slope_ci"]
    ref = gap.mean(1)[0] * (w / w[0]) ** slope
    ax.plot(w, ref, "k--", lw=1, label=f"fit: slope {slope:.2f} [{lo:.2f}, {hi:.2f}]")
    ax.plot(w, gap.mean(1)[0] * (w / w[0]) ** -0.5, ":", color="gray", label=r"$\propto m^{-1/2}$")
    log_axis(ax, w, "hidden width m")
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


def demo_lambda_min_figure(result: dict[str, Any], path: Path) -> list[Path]:
    """Certified λ_min(K = Θ/n) at init vs width with seed band and the analytic λ_min(K∞)."""
    plt = pyplot()
    w = np.asarray(result["widths"], dtype=float)
    lo, hi = np.asarray(result["lambda_min_lo"]), np.asarray(result["lambda_min_hi"])
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.fill_between(w, lo.min(1), hi.max(1), alpha=0.25, label="seed range (certified)")
    ax.plot(w, 0.5 * (lo + hi).mean(1), "o-", label="seed mean")
    ax.axhline(
        result["lambda_min_inf"], color="k", ls="--", lw=1, label=r"$\lambda_{\min}(K_\infty)$"
    )
    log_axis(ax, w, "hidden width m")
    ax.set_ylabel(r"$\lambda_{\min}(K(\theta_0)),\ K = \Theta/n$")
    ax.set_title("Smallest NTK eigenvalue at initialization", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return save(fig, path)
