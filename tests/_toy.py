"""One toy-claim factory for the tests of check, figures and devices."""

from __future__ import annotations

from typing import Any

from ntkcheck.claims import Claim, Foil, Seed, Source

SRC = Source("Test paper", "0000.00000", "Theorem 1")
FOIL = Foil("everything doubled", measured=lambda m: {k: 2 * v for k, v in m.items()})


def seed_only(*, seed: Seed = 0) -> dict[str, Any]:
    return {"value": 0.0}


def toy_claim(**fields: Any) -> Claim:
    """A Claim with id, source, status, statement, sizes and a foil filled in; pass at least
    ``requirements`` and ``measure``, and override anything else."""
    base: dict[str, Any] = dict(
        id="test.toy.claim",
        source=SRC,
        status="derived",
        statement="A toy claim.",
        foil=FOIL,
        sizes={"quick": {}, "full": {}},
    )
    return Claim(**{**base, **fields})
