"""Shared pieces of the Balaji et al. claim modules: the source, the seeds, the strategy."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from proofs.claim import Source

PAPER = "Balaji et al. 2021, Understanding Overparameterization in GANs (ICLR 2021)"
ARXIV = "2104.05605"
LTV = "Sec. 3, main theorem: GDA on the one-hidden-layer generator as a linear time-varying system"
GDA_LINEAGE = (
    "the spectral radius of linearized simultaneous GDA: Nagarajan & Kolter 2017 (arXiv "
    "1706.04156), Mescheder et al. 2017 (arXiv 1705.10461)"
)
# claims.md's calibrated GDA setting: m = 10, d = 5, η = 0.5, μ = 0.1/β_0²
GDA_BASE = {"m": 10, "d": 5, "eta": 0.5, "mu_scale": 0.1, "seed": 0}


def source(locator: str, lineage: str = "") -> Source:
    return Source(PAPER, ARXIV, locator, lineage)


def seeds(setting: dict[str, Any], key: str = "seeds") -> list[int]:
    """``setting[key]`` consecutive seeds from ``setting["seed"]``."""
    return list(range(setting["seed"], setting["seed"] + setting[key]))


def seed_strategy() -> Any:
    """Valid overrides of a quick setting: the base seed."""
    return st.fixed_dictionaries({"seed": st.integers(0, 10_000)})


def gda_options(setting: dict[str, Any]) -> dict[str, Any]:
    """The GDA keyword arguments of the experiment functions, from a setting."""
    return {key: setting[key] for key in ("steps", "eta", "mu_scale", "m", "d")}
