"""check(): requirements evaluated against measurements; errors reported, never passed."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from _toy import toy_claim

from ntkcheck.check import Verdict, check
from ntkcheck.results import read_record, write_record
from proofs.claim import ClaimDefinitionError, Requirement

x, t, lam = sp.symbols("x t lam")
ENVELOPE = Requirement("loss", "<=", (1 - lam / sp.Integer(2)) ** sp.Symbol("t"), "envelope")
WINDOW = Requirement("slope", "in", sp.Interval(-0.8, -0.3), "slope window")


def _claim(measure, requirements=(WINDOW,), **kw):
    base = dict(
        id="test.toy.rate",
        statement="A toy geometric decay.",
        requirements=requirements,
        measure=measure,
        measured=("loss", "slope", "lam"),
        sizes={s: {"x": 2.0} for s in ("quick", "default", "full")},
    )
    return toy_claim(**{**base, **kw})


def _toy(setting):
    steps = np.arange(5)
    return {"loss": 0.5**steps, "slope": -0.5, "lam": 0.5, "t": steps}


def test_passing_claim_and_record_roundtrip(tmp_path):
    claim = _claim(_toy, (ENVELOPE, WINDOW), measured=("loss", "slope", "lam", "t"))
    v = check(claim)
    assert v.outcome == "pass" and v.margin >= 0
    back = Verdict.from_dict(read_record(write_record(v.to_dict(), tmp_path / "v.json")))
    assert back.claim_id == "test.toy.rate" and back.outcome == "pass"
    np.testing.assert_array_equal(back.measured["loss"], v.measured["loss"])
    assert "torch" in v.versions and v.command.startswith("ntkcheck verify test.toy.rate")


def test_violation_fails_with_numbers_and_worst_index():
    def broken(setting):
        out = dict(_toy(setting))
        out["loss"] = out["loss"] * np.array([1, 1, 1, 4, 1])
        return out

    v = check(_claim(broken, (ENVELOPE,), measured=("loss", "slope", "lam", "t")))
    assert v.outcome == "fail"
    assert v.requirements[0].worst_index == 3 and v.margin < 0
    assert "FAILED" in v.summary()


def test_report_only_does_not_gate_and_measure_errors_are_errors():
    report = Requirement("slope", ">=", sp.Integer(0), "never true", report_only=True)
    claim = _claim(_toy, (WINDOW, report))
    assert check(claim).outcome == "pass"

    def boom(setting):
        raise RuntimeError("measurement exploded")

    v = check(_claim(boom, (WINDOW,)))
    assert v.outcome == "error" and "measurement exploded" in v.error


def test_equality_uses_relative_tolerance():
    eq = Requirement("lam", "==", sp.Rational(1, 2) + sp.Symbol("x") * 0, "identity", 1e-12)
    assert check(_claim(_toy, (eq,))).outcome == "pass"
    off = Requirement("lam", "==", sp.Float(0.5 + 1e-9), "identity", 1e-12)
    assert check(_claim(_toy, (off,))).outcome == "fail"


def test_setting_overrides_and_unknown_keys():
    claim = _claim(_toy, (WINDOW,))
    assert check(claim, {"x": 3.0}).setting == {"x": 3.0}
    with pytest.raises(KeyError, match="valid keys: \\['x'\\]"):
        check(claim, {"width": 3})


def test_assumptions_are_enforced():
    claim = _claim(_toy, (WINDOW,), assumptions=(sp.Symbol("x") >= 2,))
    with pytest.raises(ValueError, match="violates the assumption"):
        check(claim, {"x": 1.0})


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"id": "Bad Id"}, "must look like"),
        ({"status": "folklore"}, "status"),
        ({"requirements": (Requirement("slope", "<=", sp.Symbol("nope"), "x"),)}, "nope"),
        ({"requirements": (Requirement("slope", "in", sp.Integer(1), "x"),)}, "sp.Interval"),
        ({"requirements": (Requirement("other", "<=", sp.Integer(1), "x"),)}, "not in"),
        ({"sizes": {"quick": {"x": 1}, "default": {"x": 1}}}, "missing"),
        (
            {"requirements": (Requirement("slope", "<=", sp.Integer(1), "x", report_only=True),)},
            "must gate",
        ),
    ],
)
def test_claim_validates_itself(kw, match):
    kw = {"requirements": (WINDOW,), **kw}
    with pytest.raises(ClaimDefinitionError, match=match):
        _claim(_toy, **kw)
