"""A claim's setting schema, read from its measurement's keyword signature.

``def measure(*, widths: Counts = (64, 256), seeds: Count = 5, seed: Seed = 0) -> dict`` declares
three setting fields with their types, constraints and default values. Every value that reaches
a measurement (a size of the claim, ``--set widths=16,64`` on the command line, a hypothesis
draw) is checked here first, so a bad setting is refused with one line naming the field, the
value and what to pass, before any work is done.

Field types: ``int``, ``float``, ``bool``, ``str``, ``tuple[int, ...]``, ``tuple[float, ...]``
and ``Literal[...]`` choices, optionally constrained with ``Annotated[T, Range(...)]``. The
aliases below cover the common cases.
"""

from __future__ import annotations

import inspect
import math
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from ntkcheck.errors import ClaimDefinitionError, SettingError


@dataclass(frozen=True)
class Range:
    """Bounds on a number (on each element of a tuple): ``ge``/``gt`` below, ``le``/``lt`` above."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None

    def violation(self, value: float) -> str:
        """'' when ``value`` is inside, else what it must be (e.g. ">= 1")."""
        for op, bound, ok in (
            (">=", self.ge, lambda v, b: v >= b),
            (">", self.gt, lambda v, b: v > b),
            ("<=", self.le, lambda v, b: v <= b),
            ("<", self.lt, lambda v, b: v < b),
        ):
            if bound is not None and not ok(value, bound):
                return f"{op} {bound:g}"
        return ""


Count = Annotated[int, Range(ge=1)]  # a size: points, dimensions, layers, steps, number of seeds
Seed = Annotated[int, Range(ge=0)]  # the base seed of a setting
Counts = Annotated[tuple[int, ...], Range(ge=1)]  # a sweep of sizes, e.g. widths
Positive = Annotated[float, Range(gt=0)]  # learning rates, scales, tolerances
Positives = Annotated[tuple[float, ...], Range(gt=0)]


@dataclass(frozen=True)
class Field:
    """One setting field: its name, element type, whether it is a tuple, its allowed values."""

    name: str
    kind: type  # int, float, bool or str (the element type for tuples)
    default: Any
    is_tuple: bool = False
    bounds: Range | None = None
    choices: tuple[Any, ...] = ()

    @property
    def type_name(self) -> str:
        base = self.kind.__name__
        if self.choices:
            base = " | ".join(repr(c) for c in self.choices)
        return f"tuple of {base}" if self.is_tuple else base

    def coerce(self, value: Any, where: str = "") -> Any:
        """``value`` checked and normalized (ints as int, floats as float, sequences as tuples);
        anything else raises :class:`SettingError` naming the field and the fix."""
        if self.is_tuple:
            if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
                value = (value,)
            if not value:
                raise SettingError(self._error(value, "a non-empty list", where))
            return tuple(self._element(v, value, where) for v in value)
        return self._element(value, value, where)

    def parse(self, text: str, where: str = "") -> Any:
        """A command-line string (``"16,64"`` for tuples) as a checked value."""
        parts = [p.strip() for p in text.split(",")] if self.is_tuple else [text.strip()]
        if self.is_tuple and not any(parts):
            raise SettingError(self._error(text, "a non-empty comma-separated list", where))
        values = [self._from_text(p, text, where) for p in parts if p]
        return self.coerce(tuple(values) if self.is_tuple else values[0], where)

    def format(self, value: Any) -> str:
        """The inverse of :meth:`parse`: ``(16, 64)`` -> ``"16,64"``."""
        if self.is_tuple:
            return ",".join(_text(v) for v in value)
        return _text(value)

    def _from_text(self, part: str, whole: str, where: str) -> Any:
        if self.kind is bool:
            if part.lower() not in ("true", "false", "1", "0"):
                raise SettingError(self._error(whole, "true or false", where))
            return part.lower() in ("true", "1")
        if self.kind is str:
            return part
        try:
            number = float(part)
        except ValueError:
            raise SettingError(self._error(whole, f"a {self.type_name}", where)) from None
        return int(number) if self.kind is int and number.is_integer() else number

    def _element(self, v: Any, whole: Any, where: str) -> Any:
        if self.kind is bool:
            if not isinstance(v, bool):
                raise SettingError(self._error(whole, "true or false", where))
        elif self.kind is int:
            if isinstance(v, bool) or not _is_int(v):
                raise SettingError(self._error(whole, f"an integer ({self.type_name})", where))
            v = int(v)
        elif self.kind is float:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(float(v)):
                raise SettingError(self._error(whole, f"a number ({self.type_name})", where))
            v = float(v)
        elif not isinstance(v, str):
            raise SettingError(self._error(whole, "a string", where))
        if self.choices and v not in self.choices:
            raise SettingError(self._error(whole, f"one of {list(self.choices)}", where))
        if self.bounds is not None and self.kind in (int, float):
            wrong = self.bounds.violation(v)
            if wrong:
                each = "each element " if self.is_tuple else ""
                raise SettingError(self._error(whole, f"{each}{wrong}", where))
        return v

    def _error(self, value: Any, expected: str, where: str) -> str:
        example = self.format(self.default)
        place = f"{where}: " if where else ""
        return (
            f"{place}setting `{self.name}` must be {expected}, got {value!r}. "
            f"Pass e.g. --set {self.name}={example} (its default)."
        )


def _is_int(v: Any) -> bool:
    if isinstance(v, int):
        return True
    return isinstance(v, float) and v.is_integer()


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{v!r}" if isinstance(v, float) else str(v)


def schema_of(measure: Callable[..., Any], owner: str) -> dict[str, Field]:
    """The setting fields of ``measure``: every parameter, keyword-callable, annotated with one
    of the supported types and given a default. ``owner`` names the claim in errors."""
    try:
        hints = typing.get_type_hints(measure, include_extras=True)
    except Exception as err:  # noqa: BLE001 - any unresolvable annotation is a definition bug
        raise ClaimDefinitionError(
            f"{owner}: the annotations of {measure.__qualname__} cannot be resolved ({err})."
        ) from err
    fields: dict[str, Field] = {}
    for p in inspect.signature(measure).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            raise ClaimDefinitionError(
                f"{owner}: {measure.__qualname__} takes *{p.name}/**{p.name} or a "
                "positional-only argument; a measurement takes named setting fields only, e.g. "
                "def measure(*, widths: Counts = (64, 256), seed: Seed = 0)."
            )
        if p.default is p.empty or p.name not in hints:
            raise ClaimDefinitionError(
                f"{owner}: setting field `{p.name}` of {measure.__qualname__} needs a type "
                f"annotation and a default value, e.g. `{p.name}: Count = 20`."
            )
        field = _field(p.name, hints[p.name], p.default, owner)
        fields[p.name] = Field(**{**field.__dict__, "default": field.coerce(p.default, owner)})
    return fields


def _field(name: str, hint: Any, default: Any, owner: str) -> Field:
    bounds = None
    if typing.get_origin(hint) is Annotated:
        hint, *extras = typing.get_args(hint)
        bounds = next((e for e in extras if isinstance(e, Range)), None)
    is_tuple = typing.get_origin(hint) is tuple
    if is_tuple:
        args = typing.get_args(hint)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise ClaimDefinitionError(f"{owner}: `{name}` must be tuple[T, ...], got {hint}.")
        hint = args[0]
    choices: tuple[Any, ...] = ()
    if typing.get_origin(hint) is Literal:
        choices = typing.get_args(hint)
        hint = type(choices[0])
    if hint not in (int, float, bool, str):
        raise ClaimDefinitionError(
            f"{owner}: setting field `{name}` has type {hint!r}; use int, float, bool, str, "
            "tuple[int, ...], tuple[float, ...] or Literal[...] (optionally Annotated with Range)."
        )
    return Field(name, hint, default, is_tuple, bounds, choices)


def coerce_setting(
    fields: Mapping[str, Field], values: Mapping[str, Any], owner: str
) -> dict[str, Any]:
    """``values`` checked field by field; an unknown key lists the valid ones."""
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise SettingError(
            f"{owner}: unknown setting {'keys' if len(unknown) > 1 else 'key'} {unknown}; "
            f"valid keys: {sorted(fields)}."
        )
    return {k: fields[k].coerce(v, owner) for k, v in values.items()}
