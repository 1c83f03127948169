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


def save(fig: Any, path: Path, *, close: bool = True) -> list[Path]:
    """Write ``path``.png (150 dpi) and ``path``.svg; return both paths.

    The suffixes are appended, never substituted: claim ids contain dots.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    out = [path.parent / f"{path.name}.png", path.parent / f"{path.name}.svg"]
    fig.savefig(out[0], dpi=150, bbox_inches="tight")
    fig.savefig(out[1], bbox_inches="tight")
    if close:
        _pyplot().close(fig)
    return out


def close(fig: Any) -> None:
    """Release a figure returned by :func:`claim_figure` (batch use)."""
    _pyplot().close(fig)


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


def claim_figure(verdict: Any, path: Path | None = None, kind: str | None = None) -> Any:
    """The standard figure of a claim, from its Verdict alone; saved as ``path``.png/.svg when
    ``path`` is given, and returned (a matplotlib Figure) either way.

    ``kind`` defaults to the claim's figure kind recorded in the verdict. Kinds with a dedicated
    layout use the arrays the measurement returned; any other kind, or a measurement without
    those arrays, gets the requirement chart: each requirement's measured value against its
    bound (arrays as curves over their index).
    """
    kind = kind or verdict.extras.get("figure", "table")
    builder = _FIGURES.get(kind)
    fig = builder(verdict) if builder is not None else None
    if fig is None:
        fig = requirement_chart(verdict)
    _caption(fig, verdict)
    if path is not None:
        save(fig, path, close=False)
    return fig


def requirement_chart(verdict: Any) -> Any:
    """One panel per requirement: measured vs bound (window shaded, arrays as curves)."""
    plt = _pyplot()
    reqs = verdict.requirements or []
    fig, axes = plt.subplots(max(len(reqs), 1), 1, figsize=(6.4, 1.9 * max(len(reqs), 1) + 0.6),
                             squeeze=False)  # fmt: skip
    for ax, r in zip(axes[:, 0], reqs):
        measured = np.asarray(r.measured, dtype=float).reshape(-1)  # arrays: flattened
        color = "tab:green" if r.passed else ("tab:gray" if r.report_only else "tab:red")
        if measured.size > 1:
            ax.plot(measured, "o-" if measured.size < 20 else "-", color=color,
                    label=f"{r.name} (measured)")  # fmt: skip
            if r.relation == "in":
                ax.axhspan(r.bound[0], r.bound[1], color="k", alpha=0.12, label="window")
            else:
                # Bounds are scalars, per-element arrays, or (for broadcast relations) arrays of
                # another flat length: draw a scalar as a line, anything else as its own curve.
                bound = np.asarray(r.bound, dtype=float)
                shape = np.shape(r.measured)
                try:
                    bound = np.broadcast_to(bound, shape).reshape(-1)
                except ValueError:
                    bound = bound.reshape(-1)
                if bound.size == 1:
                    ax.axhline(bound[0], color="k", ls="--", lw=1, label=f"bound ({r.relation})")
                else:
                    ax.plot(bound, "k--", lw=1, label=f"bound ({r.relation})")
                if np.all(measured > 0) and np.all(bound > 0):
                    ax.set_yscale("log")
            ax.set_xlabel("index (step / sweep point)")
            ax.legend(fontsize=7)
        else:
            if r.relation == "in":
                ax.axvspan(r.bound[0], r.bound[1], color="k", alpha=0.12, label="window")
            else:
                bound = np.asarray(r.bound, dtype=float).reshape(-1)[0]
                ax.axvline(bound, color="k", ls="--", lw=1, label=f"bound ({r.relation})")
            ax.plot([measured[0]], [0], "o", color=color, ms=9, label="measured")
            ax.set_yticks([])
            ax.legend(fontsize=7, loc="upper right")
        tag = " [report-only]" if r.report_only else ""
        ax.set_title(f"{r.name}{tag}: {r.description}", fontsize=8, loc="left")
        ax.grid(True, alpha=0.3)
    return fig


def _caption(fig: Any, verdict: Any) -> None:
    """Title: id, status, outcome, margin. Caption: the statement and every gating bound with
    its measured value, so the figure stands alone in a paper or a report."""
    from ntkcheck.report import headline

    fig.suptitle(
        f"{verdict.claim_id} [{verdict.status}] — {verdict.outcome.upper()} "
        f"(margin {verdict.margin:+.3g})",
        fontsize=10,
    )
    bounds = []
    for r in verdict.requirements:
        if not r.report_only:
            measured, bound = headline(r)
            bounds.append(f"{r.name} {r.relation} {bound} (measured {measured})")
    text = _wrap(verdict.statement, 110) + "\n" + _wrap("must hold: " + "; ".join(bounds), 120)
    fig.text(0.01, -0.02, text, fontsize=7, va="top")
    fig.tight_layout()


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _lambda_min_vs_width(verdict: Any) -> Any:
    """λ_min(K(θ_0)) vs width per depth: seed mean, seed range, and the analytic λ_min(K∞).

    Needs ``widths`` (k,), ``lambda_min`` (depths, k, seeds) and ``lambda_min_inf`` (depths,).
    """
    m = verdict.measured
    if not {"widths", "lambda_min", "lambda_min_inf"} <= set(m):
        return None
    w = np.asarray(m["widths"], dtype=float)
    lam = np.asarray(m["lambda_min"], dtype=float)
    inf = np.asarray(m["lambda_min_inf"], dtype=float).reshape(-1)
    if lam.ndim == 2:
        lam = lam[None]
    if lam.ndim != 3 or lam.shape[1] != w.size or inf.size != lam.shape[0]:
        return None
    depths = np.asarray(m.get("depths", np.arange(1, lam.shape[0] + 1))).reshape(-1)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, depth in enumerate(depths):
        color = f"C{i}"
        ax.fill_between(w, lam[i].min(1), lam[i].max(1), color=color, alpha=0.2)
        ax.plot(w, lam[i].mean(1), "o-", color=color, label=f"depth {int(depth)}: seed mean")
        ax.axhline(inf[i], color=color, ls="--", lw=1, label=rf"depth {int(depth)}: $K_\infty$")
    _width_axis(ax, w)
    ax.set_ylabel(r"$\lambda_{\min}(K(\theta_0)),\ K = \Theta/n$ (band: seed range)")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    return fig


# kind -> builder(verdict) -> figure or None (None: the measurement lacks the arrays).
_FIGURES: dict[str, Any] = {"lambda_min_vs_width": _lambda_min_vs_width}
