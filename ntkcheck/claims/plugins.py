"""The registry of claims: every package that declares the ``ntkcheck.claims`` entry point.

A paper package (ntkcheck's own three papers included) declares in its ``pyproject.toml``::

    [project.entry-points."ntkcheck.claims"]
    mypaper = "mypackage.claims"

where ``mypackage.claims`` is a module with a ``CLAIMS`` sequence of
:class:`~ntkcheck.claims.claim.Claim` (or the entry point names such a sequence directly,
``"mypackage.claims:CLAIMS"``). The CLI, plots, docs pages and pytest checks then include its
claims. A plugin that fails to load is skipped with a warning naming it; the others still load.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

from ntkcheck.errors import PluginWarning, UnknownClaimError

if TYPE_CHECKING:  # Claim imports sympy, which the cached listing (listing.py) must not load
    from ntkcheck.claims.claim import Claim

ENTRY_POINT_GROUP = "ntkcheck.claims"


@cache
def _load() -> tuple[dict[str, Claim], tuple[str, ...]]:
    claims: dict[str, Claim] = {}
    problems: list[str] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            found = list(_claims_of(ep))
        except Exception as err:  # noqa: BLE001 - one broken plugin must not break the others
            problems.append(
                f"the claims plugin {ep.name!r} ({ep.value}) failed to load and is skipped: "
                f"{type(err).__name__}: {err}"
            )
            continue
        for claim in found:
            if claim.id in claims:
                problems.append(
                    f"the claims plugin {ep.name!r} registers {claim.id!r}, which is already "
                    "registered; its copy is skipped (claim ids must be unique)."
                )
                continue
            claims[claim.id] = claim
    for problem in problems:
        warnings.warn(problem, PluginWarning, stacklevel=3)
    return claims, tuple(problems)


def _claims_of(ep: EntryPoint) -> Iterable[Claim]:
    from ntkcheck.claims.claim import Claim

    loaded = ep.load()
    found = getattr(loaded, "CLAIMS", loaded)
    if isinstance(found, (str, bytes)) or not isinstance(found, Iterable):
        raise TypeError(f"{ep.value} has no CLAIMS sequence of ntkcheck Claim objects")
    found = list(found)
    bad = [c for c in found if not isinstance(c, Claim)]
    if bad:
        raise TypeError(f"{ep.value}'s CLAIMS holds {type(bad[0]).__name__}, not Claim objects")
    return found


def registry() -> dict[str, Claim]:
    """Every registered claim by id, papers in alphabetical order of their entry-point name."""
    return dict(_load()[0])


def load_problems() -> tuple[str, ...]:
    """One line per plugin that failed to load or registered a duplicate id."""
    return _load()[1]


def reload() -> None:
    """Forget the loaded registry (after installing a plugin in a running process)."""
    _load.cache_clear()


def get_claim(claim_id: str) -> Claim:
    """The claim with this id; an unknown id suggests the closest ones."""
    claims = _load()[0]
    if claim_id in claims:
        return claims[claim_id]
    close = difflib.get_close_matches(claim_id, list(claims), n=3, cutoff=0.4)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise UnknownClaimError(
        f"No claim {claim_id!r}.{hint} `ntkcheck list` shows all {len(claims)} claims."
    )


def select(patterns: Iterable[str] | None = None) -> list[Claim]:
    """Claims whose id equals a pattern or starts with ``pattern.`` (a paper or topic prefix);
    all of them when no pattern is given."""
    claims = _load()[0]
    patterns = list(patterns or [])
    if not patterns:
        return list(claims.values())
    chosen: dict[str, Claim] = {}
    for pattern in patterns:
        hits = {i: c for i, c in claims.items() if i == pattern or i.startswith(pattern + ".")}
        if not hits:
            get_claim(pattern)  # raises with suggestions
        chosen.update(hits)
    return list(chosen.values())
