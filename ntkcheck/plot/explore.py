"""The explored region of a claim: the settings an exploration tried on the two axes that
matter most, coloured by outcome, with the counterexample marked."""

from __future__ import annotations

from typing import Any

import numpy as np

from ntkcheck.plot.base import pyplot

COLORS = {"pass": "tab:green", "fail": "tab:red", "vacuous": "tab:gray", "error": "black"}


def explored_region(record: dict[str, Any]) -> Any:
    """Scatter of ``record["examples"]`` (an :class:`~ntkcheck.claims.explore.Exploration` as a
    dict) on its ``plot`` axes; a sweep is drawn at its largest value, an axis of names by
    position; hollow markers lie outside the claim's assumptions."""
    plt = pyplot()
    axes = list(record.get("plot") or [])[:2] or ["seed"]
    if len(axes) == 1:
        axes.append("seed")
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    examples = record["examples"]
    coords = [[_coordinate(e["setting"].get(a)) for e in examples] for a in axes]
    labels = [_labels(c) for c in coords]
    for outcome, color in COLORS.items():
        for inside in (True, False):
            pick = [
                i
                for i, e in enumerate(examples)
                if e["outcome"] == outcome and e["inside_assumptions"] == inside
            ]
            if pick:
                ax.scatter(
                    [_value(coords[0][i], labels[0]) for i in pick],
                    [_value(coords[1][i], labels[1]) for i in pick],
                    s=36,
                    color=color if inside else "none",
                    edgecolors=color,
                    label=f"{outcome}" + ("" if inside else " (outside assumptions)"),
                )
    found = record.get("counterexample")
    if found:
        point = [_value(_coordinate(found["setting"].get(a)), lab) for a, lab in zip(axes, labels)]
        ax.scatter(
            *point,
            marker="*",
            s=260,
            color="tab:red",
            edgecolors="k",
            zorder=5,
            label="minimal counterexample",
        )
    for axis, name, lab in ((ax.xaxis, axes[0], labels[0]), (ax.yaxis, axes[1], labels[1])):
        axis.set_label_text(name + (" (largest of the sweep)" if _is_sweep(record, name) else ""))
        if lab:
            axis.set_ticks(range(len(lab)), lab)
    for name, setter in ((axes[0], ax.set_xscale), (axes[1], ax.set_yscale)):
        values = [_coordinate(e["setting"].get(name)) for e in examples]
        if _numeric(values) and min(values) > 0 and max(values) / min(values) > 20:
            setter("log")
    ax.set_title(
        f"{record['claim_id']}: {record['distinct_settings']} settings explored "
        f"({record['space']})",
        fontsize=9,
    )
    ax.legend(fontsize=7)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def _coordinate(value: Any) -> Any:
    return max(value) if isinstance(value, (tuple, list)) else value


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _labels(values: list[Any]) -> list[str]:
    """Category names for a non-numeric axis (empty: numeric)."""
    return [] if _numeric(values) else sorted({str(v) for v in values})


def _value(value: Any, labels: list[str]) -> float:
    return float(labels.index(str(value))) if labels else float(np.asarray(value, dtype=float))


def _is_sweep(record: dict[str, Any], name: str) -> bool:
    return any(isinstance(e["setting"].get(name), (tuple, list)) for e in record["examples"])
