"""A claim validates its own definition when it is built."""

from __future__ import annotations

import pytest
import sympy as sp
from _toy import toy_claim

from ntkcheck.claims import ClaimDefinitionError, Count, Foil, Requirement, Seed

WINDOW = Requirement("slope", "in", (-0.8, -0.3), "slope window")


def measure(*, n: Count = 4, seed: Seed = 0) -> dict:
    return {"slope": -0.5}


def _claim(**kw):
    return toy_claim(**{"requirements": (WINDOW,), "measure": measure, **kw})


def test_sizes_are_overrides_on_the_measurements_defaults():
    claim = _claim(sizes={"quick": {"n": 2}, "default": {"seed": 3}, "full": {"n": 8}})
    assert claim.setting("quick") == {"n": 2, "seed": 3}
    assert claim.setting() == {"n": 4, "seed": 3}
    assert claim.setting("full", seed=1) == {"n": 8, "seed": 1}


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"id": "Bad Id"}, "must look like"),
        ({"status": "folklore"}, "status"),
        ({"foil": None}, "needs a Foil"),
        ({"requirements": (Requirement("slope", "<=", sp.Symbol("nope") * 2, "x"),)}, None),
        ({"requirements": (WINDOW, Requirement("slope", "<", 0, "x"))}, "used twice"),
        (
            {"requirements": (Requirement("slope", "<=", 1, "x", report_only=True),)},
            "gates the verdict",
        ),
        ({"sizes": {"quick": {}}}, "'quick' and 'full'"),
        ({"sizes": {"quick": {"n": 0}, "full": {}}}, ">= 1"),
        ({"sizes": {"quick": {"m": 1}, "full": {}}}, "valid keys"),
        ({"assumptions": (sp.Symbol("k") > 2,)}, "not setting fields"),
        ({"constants": {"n": 2.0}}, "also setting fields"),
        ({"foil": Foil("bad", setting={"widths": (1,)})}, "valid keys"),
    ],
)
def test_claim_validates_itself(kw, match):
    if match is None:  # an unknown bound symbol is a measured quantity: checked when judged
        assert "nope" in _claim(**kw).measured_names()
        return
    with pytest.raises((ClaimDefinitionError, KeyError), match=match):
        _claim(**kw)


def test_requirements_and_foils_validate_themselves():
    with pytest.raises(ClaimDefinitionError, match="window"):
        Requirement("x", "in", 1.0, "x")
    with pytest.raises(ClaimDefinitionError, match="relation"):
        Requirement("x", "~", 1.0, "x")
    with pytest.raises(ClaimDefinitionError, match="a number"):
        Requirement("x", "<=", [1, 2], "x")
    with pytest.raises(ClaimDefinitionError, match="exactly one"):
        Foil("both", setting={"n": 1}, measured=lambda m: m)
    with pytest.raises(ClaimDefinitionError, match="exactly one"):
        Foil("neither")


def test_latex_of_numbers_windows_and_formulas():
    t = sp.Symbol("t")
    assert Requirement("x", "<=", 1e-6, "x").latex() == r"x \le 10^{-6}"
    assert WINDOW.latex() == r"slope \in [-0.8, -0.3]"
    assert Requirement("L_t", "<=", (1 - t / 2) ** t, "e").latex().startswith(r"L_{t} \le")
