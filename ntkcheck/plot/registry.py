"""Figure kinds: one registry of builders ``builder(verdict, spec) -> matplotlib Figure``.

The standard kinds live in :mod:`ntkcheck.plot.kinds`; a paper package adds its own with
``@ntkcheck.plot.figure_kind("my_kind")`` in the module that declares its claims, and then names
it in a claim's ``Figure(kind="my_kind", ...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ntkcheck.claims.figure import Figure
from ntkcheck.plot.base import FigureDataError

FigureBuilder = Callable[[Any, Figure], Any]
_KINDS: dict[str, FigureBuilder] = {}


def figure_kind(name: str) -> Callable[[FigureBuilder], FigureBuilder]:
    """Register the decorated ``builder(verdict, spec)`` as the figure kind ``name``."""

    def register(builder: FigureBuilder) -> FigureBuilder:
        known = _KINDS.get(name)
        if known is not None and known.__qualname__ != builder.__qualname__:
            raise ValueError(
                f"Figure kind {name!r} is already registered (by {known.__module__}."
                f"{known.__qualname__}); choose another name."
            )
        _KINDS[name] = builder
        return builder

    return register


def figure_kinds() -> dict[str, FigureBuilder]:
    """Every registered figure kind by name."""
    return dict(_KINDS)


def builder(kind: str) -> FigureBuilder:
    """The builder of ``kind``; an unknown kind lists the registered ones."""
    if kind not in _KINDS:
        raise FigureDataError(
            f"No figure kind {kind!r}; registered kinds: {sorted(_KINDS)}. Register it with "
            "@ntkcheck.plot.figure_kind in the module that declares the claim."
        )
    return _KINDS[kind]
