"""One toy-claim factory for the tests of check, figures and devices."""

from __future__ import annotations

from typing import Any

from proofs.claim import SIZES, Claim, Source

SRC = Source("Test paper", "0000.00000", "Theorem 1")


def toy_claim(**fields: Any) -> Claim:
    """A Claim with id, source, status, statement and a seed-only setting filled in; pass at
    least ``requirements``, ``measure`` and ``measured``, and override anything else."""
    base: dict[str, Any] = dict(
        id="test.toy.claim",
        source=SRC,
        status="derived",
        statement="A toy claim.",
        sizes={s: {"seed": 0} for s in SIZES},
    )
    return Claim(**{**base, **fields})
