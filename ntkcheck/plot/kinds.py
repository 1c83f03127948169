"""The standard figure kinds of the built-in papers, one builder per kind, registered with
:func:`~ntkcheck.plot.registry.figure_kind`: ``builder(verdict, spec) -> matplotlib Figure``.
Builders read only the verdict (measured arrays, setting, evaluated requirements) through the
roles of its :class:`Figure` spec and raise :class:`FigureDataError` when the arrays do not fit
the layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ntkcheck.claims.figure import Figure
from ntkcheck.plot.base import FigureDataError, array, log_axis, pyplot, requirement, values
from ntkcheck.plot.registry import figure_kind


def _series(verdict: Any, key: str, k: int) -> np.ndarray:
    """``key`` as (groups, k, seeds): (k,) and (k, seeds) arrays get the missing axes."""
    y = array(verdict, key)
    shape = y.shape
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim == 2:
        y = y[None]
    if y.ndim != 3 or y.shape[1] != k:
        raise FigureDataError(
            f"{verdict.claim_id}: {key!r} has shape {shape}; the figure needs (k,), "
            f"(k, seeds) or (groups, k, seeds) with k = {k} sweep points."
        )
    return y


def _sweep(verdict: Any, key: str) -> np.ndarray:
    """The sweep values; a (k, seeds) array (e.g. parameter counts per seed) is averaged."""
    x = array(verdict, key)
    return x.mean(axis=1) if x.ndim == 2 else x.reshape(-1)


def _group_labels(verdict: Any, spec: Figure, i: int, count: int, name: str) -> list[str]:
    key = spec.role("groups", i)
    if not key:
        return [""] * count
    groups = np.asarray(values(verdict, key)).reshape(-1)
    if groups.size != count:
        raise FigureDataError(
            f"{verdict.claim_id}: {key!r} has {groups.size} entries for {count} curve groups."
        )
    return [f"{name} {g:g}" for g in groups.astype(float)]


def _band(ax: Any, x: np.ndarray, y: np.ndarray, color: str, label: str, *, center: str) -> None:
    """Seed band and center line of y (k, seeds): min–max around the mean, or the 10–90%
    quantiles around the median."""
    if center == "mean":
        mid, lo, hi = y.mean(1), y.min(1), y.max(1)
    else:
        mid, (lo, hi) = np.median(y, 1), np.quantile(y, [0.1, 0.9], axis=1)
    if y.shape[1] > 1:
        ax.fill_between(x, lo, hi, color=color, alpha=0.2, lw=0)
    ax.plot(x, mid, "o-", color=color, ms=4, label=label)


@figure_kind("lambda_min_vs_width")
def lambda_min_vs_width(verdict: Any, spec: Figure) -> Any:
    """λ_min vs width per group (depth): seed mean, seed range and the limit line
    (λ_min(K∞)) per group when ``limit`` is given."""
    plt = pyplot()
    x = _sweep(verdict, spec.x)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, key in enumerate(spec.y):
        lam = _series(verdict, key, x.size)
        names = _group_labels(verdict, spec, i, lam.shape[0], "depth")
        limit = array(verdict, spec.role("limit", i)).reshape(-1) if spec.role("limit", i) else None
        if limit is not None and limit.size != lam.shape[0]:
            raise FigureDataError(
                f"{verdict.claim_id}: {spec.role('limit', i)!r} has {limit.size} values for "
                f"{lam.shape[0]} groups."
            )
        for g in range(lam.shape[0]):
            color = f"C{(i * lam.shape[0] + g) % 10}"
            prefix = "".join(f"{s}: " for s in (spec.label(i), names[g]) if s)
            _band(ax, x, lam[g], color, f"{prefix}seed mean (band: range)", center="mean")
            if limit is not None:
                ax.axhline(
                    limit[g],
                    color=color,
                    ls="--",
                    lw=1,
                    label=rf"{prefix}infinite width $\lambda_{{\min}}(K_\infty)$",
                )
    log_axis(ax, x, spec.xlabel or "hidden width m")
    ax.set_ylabel(spec.ylabel or r"$\lambda_{\min}$")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    return fig


def _slope_window(verdict: Any, spec: Figure) -> tuple[float, float] | None:
    if spec.slopes is not None:
        return spec.slopes
    if not spec.bound:
        return None
    r = requirement(verdict, spec.bound)
    if r.relation != "in":
        raise FigureDataError(
            f"{verdict.claim_id}: {spec.bound!r} is not a window ('in') of slopes."
        )
    lo, hi = np.asarray(r.bound, dtype=float).reshape(-1)[:2]
    return float(lo), float(hi)


@figure_kind("loglog_slope")
def loglog_slope(verdict: Any, spec: Figure) -> Any:
    """Each ``y`` (k, seeds) vs the sweep on log-log axes: seed mean and range, the fitted
    slope with its 90% bootstrap CI over seeds, and the claimed window of slopes as a wedge
    from the first point."""
    from ntkcheck.stats import fit_loglog_slope

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    color = 0
    anchor = None
    for i, key in enumerate(spec.y):
        x = _sweep(verdict, spec.role("x", i))
        y = _series(verdict, key, x.size)
        names = _group_labels(verdict, spec, i, y.shape[0], "depth")
        for g in range(y.shape[0]):
            c = f"C{color % 10}"
            color += 1
            label = "".join(f"{s}, " for s in (spec.label(i), names[g]) if s)
            _band(ax, x, y[g], c, f"{label}seed mean (band: range)", center="mean")
            if np.all(y[g] > 0) and x.size >= 2:
                fit = fit_loglog_slope(x, y[g])
                ref = np.exp(np.polyval([fit.slope, fit.intercept], np.log(x)))
                ax.plot(
                    x,
                    ref,
                    "--",
                    color=c,
                    lw=1,
                    label=f"fit: slope {fit.slope:.2f} [{fit.lo:.2f}, {fit.hi:.2f}] (90% CI)",
                )
            if anchor is None:
                anchor = (x, y[g].mean(1)[0])
    window = _slope_window(verdict, spec)
    if window is not None and anchor is not None:
        x, y0 = anchor
        lo, hi = window
        ax.fill_between(
            x,
            y0 * (x / x[0]) ** lo,
            y0 * (x / x[0]) ** hi,
            color="k",
            alpha=0.1,
            lw=0,
            label=f"claimed slopes [{lo:g}, {hi:g}] from the first point",
        )
    log_axis(ax, anchor[0] if anchor is not None else np.array([1.0]), spec.xlabel or "width m")
    ax.set_yscale("log")
    ax.set_ylabel(spec.ylabel or " / ".join(spec.labels or spec.y))
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    return fig


def _runs(verdict: Any, key: str) -> list[list[np.ndarray]]:
    """Loss curves as [group][run] 1-D arrays (ragged lists or a (k, seeds, T) array)."""
    curves = values(verdict, key)
    try:
        return [[np.asarray(c, dtype=float).reshape(-1) for c in row] for row in curves]
    except TypeError as err:
        raise FigureDataError(f"{verdict.claim_id}: {key!r} is not [group][run] curves.") from err


@figure_kind("loss_envelope")
def loss_envelope(verdict: Any, spec: Figure) -> Any:
    """Training loss L_t / L_0 vs step t (log scale), one colour per group (width), with the
    bound of requirement ``bound``: an envelope per run when it has one value per step t ≥ 1
    of every run (runs in order), else a threshold line on L_T / L_0."""
    plt = pyplot()
    runs = _runs(verdict, spec.y[0])
    names = _group_labels(verdict, spec, 0, len(runs), "m =")
    r = requirement(verdict, spec.bound) if spec.bound else None
    bound = None if r is None else np.asarray(r.bound, dtype=float).reshape(-1)
    per_step = bound is not None and bound.size == sum(c.size - 1 for row in runs for c in row)
    if bound is not None and not per_step and bound.size != 1:
        raise FigureDataError(
            f"{verdict.claim_id}: the bound of {spec.bound!r} has {bound.size} values; an "
            "envelope needs one per step t ≥ 1 of every run, a threshold one value."
        )
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    offset = 0
    for g, row in enumerate(runs):
        color = f"C{g % 10}"
        for s, curve in enumerate(row):
            t = np.arange(curve.size)
            ax.plot(
                t,
                curve / curve[0],
                color=color,
                lw=1.2,
                alpha=0.85,
                label=f"{names[g]} (each seed)" if s == 0 else None,
            )
            if per_step:
                env = bound[offset : offset + curve.size - 1] / curve[0]
                ax.plot(
                    t[1:],
                    env,
                    color=color,
                    ls="--",
                    lw=0.9,
                    alpha=0.8,
                    label=f"{names[g]}: claimed envelope" if s == 0 else None,
                )
                offset += curve.size - 1
    if bound is not None and not per_step:
        ax.axhline(bound[0], color="k", ls="--", lw=1, label=f"bound on L_T/L_0: {bound[0]:g}")
    ax.set_yscale("log")
    ax.set_xlabel(spec.xlabel or "gradient step t")
    ax.set_ylabel(spec.ylabel or r"$L_t / L_0$")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    return fig


@figure_kind("lr_transfer")
def lr_transfer(verdict: Any, spec: Figure) -> Any:
    """Left: loss vs step at every width (colour) at the transferred step size, the network's
    and the infinite-width kernel dynamics' started from the same initial outputs (seed
    medians; band: the network's seed range). Right: the largest stable step size
    η_crit · λ_max(K∞) vs width per parameterization (``y[2:]``; ``limit`` = λ_max(K∞)), with
    the line at 2.

    ``y`` = (finite-width curves (k, seeds, T), infinite-width curves (k, seeds, T),
    η_crit arrays (k, crit seeds)...).
    """
    plt = pyplot()
    if len(spec.y) < 2:
        raise FigureDataError(
            f"{verdict.claim_id}: lr_transfer needs y = (curves, limit curves, ...)."
        )
    curves, limit_curves = array(verdict, spec.y[0]), array(verdict, spec.y[1])
    widths = _sweep(verdict, spec.role("groups", 0))
    if curves.ndim != 3 or curves.shape[0] != widths.size or limit_curves.shape != curves.shape:
        raise FigureDataError(
            f"{verdict.claim_id}: loss curves {curves.shape} and limit curves "
            f"{limit_curves.shape} must both be (k = {widths.size} widths, seeds, T)."
        )
    panels = 2 if len(spec.y) > 2 else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.2), squeeze=False)
    ax = axes[0, 0]
    t = np.arange(curves.shape[2])
    # The limit curves start from each network's own initial outputs f_0, so they differ by
    # width and seed: each width's finite and K∞ curves are compared as geometric seed medians.
    for g, m in enumerate(widths):
        color = f"C{g % 10}"
        finite = np.exp(np.median(np.log(curves[g]), axis=0))
        kernel = np.exp(np.median(np.log(limit_curves[g]), axis=0))
        ax.fill_between(t, curves[g].min(0), curves[g].max(0), color=color, alpha=0.15, lw=0)
        ax.plot(t, finite, color=color, lw=1.4, label=f"m = {m:g}: network (median, band: range)")
        ax.plot(t, kernel, color=color, ls="--", lw=1.1,
                label=f"m = {m:g}: $K_\\infty$ dynamics from the same $f_0$")  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlabel("gradient step t")
    ax.set_ylabel(spec.ylabel or r"training loss $L_t = \frac{1}{2n}\|f - y\|^2$")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    if panels == 2:
        ax = axes[0, 1]
        scale = float(array(verdict, spec.role("limit", 0)).reshape(-1)[0]) if spec.limit else 1.0
        for i, key in enumerate(spec.y[2:], start=2):
            crit = _series(verdict, key, widths.size)[0] * scale
            _band(ax, widths, crit, f"C{i}", spec.label(i), center="median")
        if spec.limit:
            ax.axhline(2.0, color="k", ls="--", lw=1, label=r"2 (edge of stability of $K_\infty$)")
        log_axis(ax, widths, "hidden width m")
        ax.set_yscale("log")
        ax.set_ylabel(
            r"largest stable step $\eta_{crit}\cdot\lambda_{\max}(K_\infty)$ (median)"
            if spec.limit
            else r"$\eta_{crit}$"
        )
        ax.legend(fontsize=7)
        ax.grid(True, which="both", alpha=0.3)
    return fig


@figure_kind("gan_residual")
def gan_residual(verdict: Any, spec: Figure) -> Any:
    """‖r_t‖ vs GDA step (log scale), one colour per seed, with the envelope
    bound · ρ^t · ‖r_0‖ (``rate`` = ρ per seed, ``bound`` = the constant's requirement), or
    the bound's threshold line, and the residual floor per seed (``limit``)."""
    plt = pyplot()
    res = array(verdict, spec.y[0])
    if res.ndim == 1:
        res = res[None]
    seeds = res.shape[0]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    t = np.arange(res.shape[1])
    bound = None
    if spec.bound:
        r = requirement(verdict, spec.bound)
        bound = np.asarray(r.bound, dtype=float).reshape(-1)
        if bound.size not in (1, seeds):
            raise FigureDataError(
                f"{verdict.claim_id}: the bound of {spec.bound!r} has {bound.size} values for "
                f"{seeds} seeds; it must be one value or one per seed."
            )
        bound = np.broadcast_to(bound, (seeds,))
    rate = array(verdict, spec.rate).reshape(-1) if spec.rate else None
    floor = array(verdict, spec.limit).reshape(-1) if spec.limit else None
    for s in range(seeds):
        c = f"C{s % 10}"
        ax.plot(t, res[s], color=c, lw=1.2, label=f"seed {s}: " + r"$\|r_t\|$")
        if rate is not None and bound is not None:
            ax.plot(
                t,
                bound[s] * rate[s] ** t * res[s, 0],
                color=c,
                ls="--",
                lw=0.9,
                label=rf"bound: $C\rho_*^t\|r_0\|$, C = {bound[s]:g}, $\rho_*$ = {rate[s]:.4g}",
            )
        if floor is not None:
            ax.axhline(
                floor[min(s, floor.size - 1)],
                color=c,
                ls=":",
                lw=1,
                label=r"floor $\|P_\perp \bar x\|$" if s == 0 else None,
            )
    if bound is not None and rate is None:
        ax.axhline(bound[0], color="k", ls="--", lw=1, label=f"bound on {spec.bound}: {bound[0]:g}")
    ax.set_yscale("log")
    positive = res[res > 0]
    if positive.size:
        ax.set_ylim(bottom=max(positive.min() * 0.5, 1e-17))
    ax.set_xlabel(spec.xlabel or "GDA step t")
    ax.set_ylabel(spec.ylabel or r"residual $\|r_t\|$ (generator mean $-$ target $\bar x$)")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    return fig


@figure_kind("sigma_min_vs_k")
def sigma_min_vs_k(verdict: Any, spec: Figure) -> Any:
    """σ-type quantities (e.g. α = σ_min(J), β = σ_max(J)) vs hidden width k on log-log axes:
    median and 10–90% band over seeds; ``limit`` (a setting such as m) marks k = m, where J
    becomes full rank."""
    plt = pyplot()
    k = _sweep(verdict, spec.x)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, key in enumerate(spec.y):
        y = _series(verdict, key, k.size)[0]
        # Rank-deficient widths give σ_min = 0 to rounding: drawn at the rounding level.
        _band(
            ax,
            k,
            np.maximum(y, 1e-16),
            f"C{i}",
            f"{spec.label(i)} (median, 10–90%)",
            center="median",
        )
    if spec.limit:
        m = float(array(verdict, spec.limit).reshape(-1)[0])
        ax.axvline(m, color="k", ls=":", lw=1, label=f"k = {spec.limit} = {m:g}")
    log_axis(ax, k, spec.xlabel or "hidden width k")
    ax.set_yscale("log")
    ax.set_ylabel(spec.ylabel or "singular value")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    return fig


@figure_kind("flow_nll")
def flow_nll(verdict: Any, spec: Figure) -> Any:
    """One row per ``y`` (k, seeds, R) of NLL curves: NLL vs training step (``x``) per width
    (``groups``), seed mean with range, and the ``limit`` reference (the best uniform density
    on the data's box, seed mean) when given; left the whole run, right from step T/4 on,
    where the widths' differences that the claims compare are visible."""
    plt = pyplot()
    fig, axes = plt.subplots(len(spec.y), 2, figsize=(10.4, 3.9 * len(spec.y)), squeeze=False)
    for i, key in enumerate(spec.y):
        steps = array(verdict, spec.role("x", i)).reshape(-1)
        widths = np.asarray(values(verdict, spec.role("groups", i)), dtype=float).reshape(-1)
        curves = array(verdict, key)
        if curves.ndim != 3 or curves.shape[0] != widths.size or curves.shape[2] != steps.size:
            raise FigureDataError(
                f"{verdict.claim_id}: {key!r} has shape {curves.shape}; needs (widths "
                f"{widths.size}, seeds, checkpoints {steps.size})."
            )
        late = steps >= steps.max() / 4
        for ax, keep, title in ((axes[i, 0], slice(None), spec.label(i)),
                                (axes[i, 1], late, "from step T/4")):  # fmt: skip
            for g, m in enumerate(widths):
                _band(ax, steps[keep], curves[g][:, keep].T, f"C{g % 10}", f"m = {m:g}",
                      center="mean")  # fmt: skip
            # The reference line stays on the whole-run panel: in the zoom it would set the scale.
            if spec.role("limit", i) and ax is axes[i, 0]:
                level = float(array(verdict, spec.role("limit", i)).mean())
                ax.axhline(level, color="k", ls="--", lw=1, label="best uniform density on the box")
            ax.set_xlabel(spec.xlabel or "training step")
            ax.set_ylabel(spec.ylabel or "train NLL (nats per example; band: seed range)")
            ax.set_title(title, fontsize=9)
            ax.legend(fontsize=7)
            ax.grid(True, alpha=0.3)
    return fig


@figure_kind("flow_density")
def flow_density(verdict: Any, spec: Figure) -> Any:
    """One panel per ``y``: the learned density p_X on its grid (``x``) over the histogram of
    the training data (``data``), both normalized as densities."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(spec.y), figsize=(5.2 * len(spec.y), 4.0), squeeze=False)
    for i, key in enumerate(spec.y):
        ax = axes[0, i]
        grid, density = array(verdict, spec.role("x", i)), array(verdict, key)
        if grid.shape != density.shape or grid.ndim != 1:
            raise FigureDataError(
                f"{verdict.claim_id}: {key!r} {density.shape} and its grid {grid.shape} must "
                "be matching 1-D arrays."
            )
        data = array(verdict, spec.role("data", i)).reshape(-1)
        ax.hist(data, bins=60, density=True, color="0.75", label=f"data (n = {data.size})")
        ax.plot(grid, density, color="C3", lw=1.5, label=r"learned $p_X$")
        ax.set_xlabel(spec.xlabel or "x")
        ax.set_ylabel(spec.ylabel or "density")
        ax.set_title(spec.label(i), fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(True, alpha=0.3)
    return fig
