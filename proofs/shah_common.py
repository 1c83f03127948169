"""Shared pieces of the Shah et al. claim modules: the source, the seeds, the strategy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from proofs.claim import Source

PAPER = (
    "Shah, Deshpande, Goyal 2022, Learning and Generalization in Overparameterized "
    "Normalizing Flows (AISTATS 2022)"
)
ARXIV = "2106.10535"
CODE = "reference code github.com/kulinshah98/overparam-NFs"


def source(locator: str, lineage: str = "") -> Source:
    return Source(PAPER, ARXIV, locator, lineage)


def seeds(setting: Mapping[str, Any]) -> list[int]:
    """``setting["n_seeds"]`` consecutive seeds from ``setting["seed"]``."""
    return list(range(setting["seed"], setting["seed"] + setting["n_seeds"]))


def seed_strategy() -> Any:
    """Valid overrides of a quick setting: the base seed."""
    return st.fixed_dictionaries({"seed": st.integers(0, 10_000)})
