"""Whether a setting satisfies a claim's assumptions (sympy relations over its setting fields
and constants) and lies inside its space: used when a claim is declared (its sizes must), when
it is checked (a verdict records it) and when its space is explored (inside or wider)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def violated_assumptions(claim: Any, setting: Mapping[str, Any]) -> list[Any]:
    """The assumptions of ``claim`` (a :class:`~ntkcheck.claims.claim.Claim`) that ``setting``
    does not satisfy. In an assumption, a tuple field (a sweep of widths) stands for its
    smallest element (theorems quantify over widths above a threshold), and ``<field>_max``
    for its largest."""
    values = {**setting, **dict(claim.constants)}
    out = []
    for a in claim.assumptions:
        subs = {s: assumption_value(values, s.name) for s in a.free_symbols}
        if not bool(a.subs(subs)):
            out.append(a)
    return out


def assumption_value(values: Mapping[str, Any], name: str) -> Any:
    """The value a symbol of an assumption stands for (see :func:`violated_assumptions`)."""
    if name not in values and name.endswith("_max") and name[:-4] in values:
        value = values[name[:-4]]
        return max(value) if isinstance(value, tuple) else value
    value = values[name]
    return min(value) if isinstance(value, tuple) else value


def inside_assumptions(claim: Any, setting: Mapping[str, Any]) -> bool:
    """``setting`` satisfies the claim's assumptions and lies in its space's inside domains."""
    in_space = claim.space is None or claim.space.contains(setting)
    return in_space and not violated_assumptions(claim, setting)
