"""How a claim's measured arrays map onto its standard figure: plain data declared by the claim,
stored in its Verdict, drawn by the figure kind of that name (:mod:`ntkcheck.plot`, where a
plugin can register its own kinds)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """A claim's standard figure: its ``kind`` (a registered figure kind, see
    :func:`ntkcheck.plot.figure_kind`) and which measured keys
    (or setting keys) play which role. A tuple in ``x``, ``groups`` or ``limit`` gives one entry
    per ``y`` key (one panel per ``y`` where the kind draws panels).

    Attributes:
        kind: the layout.
        y: measured keys of the plotted quantities (arrays; seeds on the last axis).
        x: key of the sweep values (widths, nodes, steps); a (k, seeds) array is seed-averaged.
        groups: key of the values labelling the curve groups (widths per curve, depths).
        labels: legend names, one per ``y`` (default: the keys).
        limit: key of horizontal reference values (λ_min(K∞), the uniform density's NLL, the
            GAN's residual floor), one per group or per seed.
        bound: name of the requirement whose bound the figure draws (an envelope, a threshold
            or, for ``loglog_slope``, a window of slopes).
        slopes: ``loglog_slope``: a literal window (lo, hi) of slopes when no requirement
            states it as a slope.
        data: ``flow_density``: key of the training samples drawn as a histogram.
        rate: ``gan_residual``: key of the per-seed contraction factor ρ of the envelope
            bound · ρ^t · ‖r_0‖.
        xlabel, ylabel: axis labels with units / normalization.
    """

    kind: str
    y: tuple[str, ...] = ()
    x: str | tuple[str, ...] = ""
    groups: str | tuple[str, ...] = ""
    labels: tuple[str, ...] = ()
    limit: str | tuple[str, ...] = ""
    bound: str = ""
    slopes: tuple[float, float] | None = None
    data: str | tuple[str, ...] = ""
    rate: str = ""
    xlabel: str = ""
    ylabel: str = ""

    def __post_init__(self) -> None:
        if not self.kind or not isinstance(self.kind, str):
            raise ValueError(f"Figure kind must be a registered kind's name, got {self.kind!r}.")
        if isinstance(self.y, str):
            raise TypeError(f"Figure.y takes a tuple of keys: write y=({self.y!r},).")
        for name in ("x", "groups", "limit", "data"):
            value = getattr(self, name)
            if isinstance(value, tuple) and len(value) != len(self.y):
                raise ValueError(
                    f"Figure.{name} has {len(value)} entries for {len(self.y)} y keys; give one "
                    "per y key or a single key for all."
                )
        if self.labels and len(self.labels) != len(self.y):
            raise ValueError(f"Figure.labels needs one label per y key ({len(self.y)}).")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figure:
        fields_ = dict(data)
        for name in ("y", "labels"):
            fields_[name] = tuple(fields_.get(name, ()))
        for name in ("x", "groups", "limit", "data"):
            if isinstance(fields_.get(name), list):
                fields_[name] = tuple(fields_[name])
        if fields_.get("slopes") is not None:
            fields_["slopes"] = tuple(fields_["slopes"])
        return cls(**fields_)

    def role(self, name: str, index: int) -> str:
        """The key of role ``name`` for the ``index``-th y key."""
        value = getattr(self, name)
        return value[index] if isinstance(value, tuple) else value

    def label(self, index: int) -> str:
        """The legend name of the ``index``-th y: its label, else its key when there are
        several y (one y needs no name)."""
        if self.labels:
            return self.labels[index]
        return self.y[index] if len(self.y) > 1 else ""
