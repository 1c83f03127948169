"""A claim's standard figure from its Verdict alone: the dedicated layout of its Figure spec
(:mod:`ntkcheck.plot.kinds`), or the requirement chart, with a caption stating the claim."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ntkcheck.claims.figure import Figure
from ntkcheck.plot.base import FigureDataError, pyplot, save
from ntkcheck.plot.registry import builder


def figure_spec(verdict: Any) -> Figure | None:
    """The Figure spec recorded in the verdict (None: the claim has no dedicated figure)."""
    spec = verdict.extras.get("figure")
    if isinstance(spec, Figure):
        return spec
    return Figure.from_dict(spec) if isinstance(spec, dict) else None


def claim_figure(verdict: Any, path: Path | None = None, *, strict: bool = False) -> Any:
    """The standard figure of a claim, from its Verdict alone; saved as ``path``.png/.svg when
    ``path`` is given, and returned (a matplotlib Figure) either way.

    Claims with a Figure spec get its dedicated layout; others, and verdicts whose arrays do
    not fit the spec (a warning says why; ``strict=True`` raises instead), get the requirement
    chart: each requirement's measured value against its bound.
    """
    spec = figure_spec(verdict)
    fig, note = None, ""
    if spec is not None and verdict.outcome != "error":
        try:
            fig = builder(spec.kind)(verdict, spec)
        except FigureDataError as err:
            if strict:
                raise
            note = f"requirement chart instead of the {spec.kind} figure: {err}"
            warnings.warn(note, stacklevel=2)
    if fig is None:
        fig = requirement_chart(verdict)
    _caption(fig, verdict, note)
    if path is not None:
        save(fig, path, close=False)
    return fig


def requirement_chart(verdict: Any) -> Any:
    """One panel per requirement: measured vs bound (window shaded, arrays as curves)."""
    plt = pyplot()
    reqs = verdict.requirements or []
    fig, axes = plt.subplots(max(len(reqs), 1), 1, figsize=(6.4, 1.9 * max(len(reqs), 1) + 0.6),
                             squeeze=False)  # fmt: skip
    for ax, r in zip(axes[:, 0], reqs):
        measured = np.asarray(r.measured, dtype=float).reshape(-1)  # arrays: flattened
        color = {"pass": "tab:green", "fail": "tab:red", "vacuous": "tab:gray"}[r.outcome]
        color = "tab:gray" if r.report_only else color
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
        ax.set_title(f"{r.name} [{r.tag()}]: {r.description}", fontsize=8, loc="left")
        ax.grid(True, alpha=0.3)
    return fig


def _caption(fig: Any, verdict: Any, note: str = "") -> None:
    """Title: id, status, outcome, margin. Caption: the statement and every gating bound with
    its measured value, so the figure stands alone in a paper or a report."""
    foil = f" under foil: {verdict.foil}" if verdict.foil else ""
    fig.suptitle(
        f"{verdict.claim_id} [{verdict.status}] — {verdict.outcome.upper()}{foil} "
        f"(margin {verdict.margin:+.3g})",
        fontsize=10,
    )
    bounds = []
    for r in verdict.requirements:
        if not r.report_only:
            measured, bound = r.headline()
            tag = "" if r.outcome == "pass" else f", {r.tag()}"
            bounds.append(f"{r.name} {r.relation} {bound} (measured {measured}{tag})")
    text = _wrap(verdict.statement, 110) + "\n" + _wrap("must hold: " + "; ".join(bounds), 120)
    if note:
        text += "\n" + _wrap(note, 120)
    fig.text(0.01, -0.02, text, fontsize=7, va="top")
    fig.tight_layout()


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
