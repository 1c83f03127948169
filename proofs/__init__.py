"""The registry of claims: the three papers' modules plus any registered by other packages.

A package adds its own paper by exposing a module with a ``CLAIMS`` tuple under the entry-point
group ``ntkcheck.claims``; the CLI, plots, docs pages and pytest checks then include it.
"""

from __future__ import annotations

import difflib
import importlib
from functools import cache
from importlib.metadata import entry_points

from proofs.claim import Claim, ClaimDefinitionError, Requirement, Source

BUILTIN_MODULES = ("proofs.terjek_framework", "proofs.balaji_gans", "proofs.shah_flows")
ENTRY_POINT_GROUP = "ntkcheck.claims"

__all__ = [
    "BUILTIN_MODULES",
    "Claim",
    "ClaimDefinitionError",
    "Requirement",
    "Source",
    "get_claim",
    "registry",
    "select",
]


@cache
def registry() -> dict[str, Claim]:
    """Every registered claim by id, in declaration order. Duplicate ids are an error."""
    modules = [importlib.import_module(name) for name in BUILTIN_MODULES]
    modules += [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]
    claims: dict[str, Claim] = {}
    for module in modules:
        for claim in getattr(module, "CLAIMS", ()):
            if claim.id in claims:
                raise ClaimDefinitionError(
                    f"Claim id {claim.id!r} is registered twice (second time by "
                    f"{module.__name__}); ids must be unique."
                )
            claims[claim.id] = claim
    return claims


def get_claim(claim_id: str) -> Claim:
    """The claim with this id; an unknown id suggests the closest ones."""
    claims = registry()
    if claim_id in claims:
        return claims[claim_id]
    close = difflib.get_close_matches(claim_id, list(claims), n=3, cutoff=0.4)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise KeyError(f"No claim {claim_id!r}.{hint} `ntkcheck list` shows all {len(claims)} claims.")


def select(patterns: list[str] | None = None) -> list[Claim]:
    """Claims whose id equals a pattern or starts with ``pattern.`` (a paper or topic prefix)."""
    claims = registry()
    if not patterns:
        return list(claims.values())
    chosen = []
    for pattern in patterns:
        hits = [c for i, c in claims.items() if i == pattern or i.startswith(pattern + ".")]
        if not hits:
            get_claim(pattern)  # raises with suggestions
        chosen += [c for c in hits if c not in chosen]
    return chosen
