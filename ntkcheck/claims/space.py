"""The space a claim's theorem is stated for: how each setting field may vary, inside the
theorem's assumptions and (``wider``) outside them, and what a draw costs.

A :class:`Space` maps setting fields to axes (:class:`Ints`, :class:`Floats`, :class:`Choice`,
:class:`Sweep`); fields it does not name keep the value of the base setting (the claim's quick
size). Each axis has an inside domain and optionally a ``wider`` one; a setting is *inside* the
claim's assumptions when every axis value lies in its inside domain and the claim's sympy
``assumptions`` hold. Each axis also states how the measurement's time grows with it
(``cost``: the exponent of the field's value, or of the sum of a sweep's values raised to it),
so draws can be kept within a time budget measured on the base setting.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

SEED_RANGE = (0, 10_000)


@dataclass(frozen=True)
class Ints:
    """Integers in [lo, hi] (a log-spaced grid of ``steps`` + 1 values when ``log``)."""

    lo: int
    hi: int
    wider: tuple[int, int] | None = None
    log: bool = False
    cost: float = 0.0
    steps: int = 16

    def strategy(self, wider: bool) -> st.SearchStrategy:
        lo, hi = self.wider if wider and self.wider else (self.lo, self.hi)
        if not self.log:
            return st.integers(lo, hi)
        grid = sorted({round(lo * (hi / lo) ** (i / self.steps)) for i in range(self.steps + 1)})
        return st.sampled_from(grid)

    def contains(self, value: Any) -> bool:
        return self.lo <= value <= self.hi

    def bounds(self) -> list[Any]:
        return [self.lo, self.hi, *(self.wider or ())]


@dataclass(frozen=True)
class Floats:
    """Floats in [lo, hi] (log-uniform when ``log``: then lo > 0)."""

    lo: float
    hi: float
    wider: tuple[float, float] | None = None
    log: bool = False
    cost: float = 0.0

    def strategy(self, wider: bool) -> st.SearchStrategy:
        lo, hi = self.wider if wider and self.wider else (self.lo, self.hi)
        if not self.log:
            return st.floats(lo, hi, allow_nan=False)
        return st.floats(math.log(lo), math.log(hi)).map(lambda z: float(f"{math.exp(z):.4g}"))

    def contains(self, value: Any) -> bool:
        return self.lo <= value <= self.hi

    def bounds(self) -> list[Any]:
        return [self.lo, self.hi, *(self.wider or ())]


@dataclass(frozen=True)
class Choice:
    """One of ``values`` (shrinks toward the first); ``wider`` adds values outside the
    assumptions."""

    values: tuple[Any, ...]
    wider: tuple[Any, ...] = ()
    cost: float = 0.0

    def strategy(self, wider: bool) -> st.SearchStrategy:
        return st.sampled_from(self.values + (self.wider if wider else ()))

    def contains(self, value: Any) -> bool:
        return value in self.values

    def bounds(self) -> list[Any]:
        return [*self.values, *self.wider]


@dataclass(frozen=True)
class Sweep:
    """A geometric sweep of integers (widths): ``points`` values start·ratio^i, all in
    [lo, hi] (``wider``: another [lo, hi]), with ratio in ``ratios``."""

    lo: int
    hi: int
    points: tuple[int, int] = (2, 4)
    ratios: tuple[int, ...] = (2, 4)
    wider: tuple[int, int] | None = None
    cost: float = 1.0

    def strategy(self, wider: bool) -> st.SearchStrategy:
        lo, hi = self.wider if wider and self.wider else (self.lo, self.hi)

        @st.composite
        def sweep(draw: Callable[[Any], Any]) -> tuple[int, ...]:
            count = draw(st.integers(*self.points))
            ratio = draw(st.sampled_from(self.ratios))
            top = hi / ratio ** (count - 1)
            if top < lo:  # too many points for this range at this ratio: fewest that fit
                count = max(1, int(math.log(hi / lo, ratio)) + 1)
                top = hi / ratio ** (count - 1)
            steps = max(1, int(math.log2(top / lo) * 2))
            start = draw(st.integers(0, steps).map(lambda i: round(lo * (top / lo) ** (i / steps))))
            return tuple(start * ratio**i for i in range(count))

        return sweep()

    def contains(self, value: Any) -> bool:
        return all(self.lo <= v <= self.hi for v in value)

    def bounds(self) -> list[Any]:
        return [(self.lo,), (self.hi,), *(((w,) for w in self.wider) if self.wider else ())]


Axis = Ints | Floats | Choice | Sweep


@dataclass(frozen=True)
class Space:
    """The setting fields a theorem quantifies, each with its :data:`Axis`; ``plot`` names the
    two axes drawn in the explored-region figure (default: the first two). The base seed is
    always explored when the claim has a ``seed`` field."""

    axes: Mapping[str, Axis] = field(default_factory=dict)
    plot: tuple[str, ...] = ()

    def __init__(self, plot: tuple[str, ...] = (), **axes: Axis) -> None:
        object.__setattr__(self, "axes", dict(axes))
        object.__setattr__(self, "plot", tuple(plot) or tuple(axes)[:2])

    def strategy(self, fields: Mapping[str, Any], *, wider: bool) -> st.SearchStrategy:
        """Setting overrides: every axis, plus the seed."""
        draws = {name: axis.strategy(wider) for name, axis in self.axes.items()}
        if "seed" in fields and "seed" not in draws:
            draws["seed"] = st.integers(*SEED_RANGE)
        return st.fixed_dictionaries(draws)

    def contains(self, setting: Mapping[str, Any]) -> bool:
        """Every axis value of ``setting`` lies in its inside domain."""
        return all(axis.contains(setting[name]) for name, axis in self.axes.items())

    def cost(self, setting: Mapping[str, Any], base: Mapping[str, Any]) -> float:
        """Estimated time of ``setting`` relative to ``base`` (1 = the same)."""
        ratio = 1.0
        for name, axis in self.axes.items():
            if axis.cost:
                ratio *= _size(setting[name], axis.cost) / _size(base[name], axis.cost)
        return ratio


def _size(value: Any, power: float) -> float:
    if isinstance(value, tuple):
        return sum(float(v) ** power for v in value)
    return float(value) ** power
