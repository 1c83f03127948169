"""check(): settings checked first, measurements judged, foils applied, results reproducible."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from _toy import toy_claim

from ntkcheck.claims import Count, Foil, Requirement, SettingError, Verdict, check, foiled
from ntkcheck.results import read_record, write_record


def measure(*, n: Count = 4, steps: Count = 5) -> dict:
    t = np.arange(steps)
    return {"loss": 0.5**t, "n_seen": float(n)}


def measure_with_axis(*, n: Count = 4, steps: Count = 5) -> dict:
    return {**measure(n=n, steps=steps), "t_axis": np.arange(steps)}


CLAIM = toy_claim(
    requirements=(Requirement("loss", "<=", 1.0, "loss below one", where=("t_axis",)),),
    measure=measure_with_axis,
    sizes={"quick": {"steps": 3}, "full": {}},
)


def test_passing_claim_record_roundtrip_and_reproduce_command(tmp_path):
    claim = toy_claim(
        requirements=(Requirement("loss", "<=", 1.0, "loss"),),
        measure=measure,
        sizes={"quick": {"steps": 3}, "full": {}},
    )
    v = check(claim, {"n": 7}, size="quick")
    assert v.outcome == "pass" and v.setting == {"n": 7, "steps": 3}
    assert v.command == "ntkcheck verify test.toy.claim --quick --set n=7"
    assert v.code_version.startswith("0.") and "torch" in v.versions and not v.cached
    back = Verdict.from_dict(read_record(write_record(v.to_dict(), tmp_path / "v.json")))
    assert back.outcome == "pass" and back.requirements[0].outcome == "pass"
    np.testing.assert_array_equal(back.measured["loss"], v.measured["loss"])


def test_invalid_settings_and_unmet_assumptions_are_refused_before_measuring():
    calls = []

    def counting(*, n: Count = 4) -> dict:
        calls.append(n)
        return {"loss": 0.0}

    claim = toy_claim(
        requirements=(Requirement("loss", "<=", 1.0, "l"),),
        measure=counting,
        assumptions=(sp.Symbol("n") >= 3,),
    )
    for bad, match in (
        ({"n": 0}, ">= 1"),
        ({"n": -5}, ">= 1"),
        ({"width": 3}, "valid keys"),
        ({"n": 2}, "violates the assumption"),
    ):
        with pytest.raises(SettingError, match=match):
            check(claim, bad)
    assert calls == []


def test_measurement_exceptions_are_errors_with_the_traceback():
    def boom(*, n: Count = 1) -> dict:
        raise RuntimeError("measurement exploded")

    v = check(toy_claim(requirements=(Requirement("x", "<=", 1.0, "x"),), measure=boom))
    assert v.outcome == "error" and "measurement exploded" in v.error and not v.passed
    assert v.reason() == "RuntimeError: measurement exploded"


def test_foils_setting_and_measured():
    by_setting = toy_claim(
        requirements=(Requirement("n_seen", "<=", 10, "n small"),),
        measure=measure,
        foil=Foil("n far too large", setting={"n": 100}),
        assumptions=(sp.Symbol("n") <= 10,),
    )
    assert check(by_setting).outcome == "pass"
    foil = check(by_setting, foil=True)  # the foil may leave the assumptions: that is its point
    assert foil.outcome == "fail" and foil.foil == "n far too large" and foil.setting["n"] == 100
    assert foil.command == "ntkcheck verify test.toy.claim --foil"
    base = check(CLAIM, size="quick")
    foiled_verdict = foiled(CLAIM, base, "quick")  # the toy foil doubles every measured value
    assert foiled_verdict.outcome == "fail" and foiled_verdict.requirements[0].worst_at == {
        "t_axis": 0
    }
    assert check(CLAIM, size="quick", foil=True).outcome == "fail"
    with pytest.raises(ValueError, match="re-measures"):
        foiled(by_setting, check(by_setting))


def test_a_registered_id_is_accepted(monkeypatch):
    import ntkcheck.claims.plugins as plugins

    monkeypatch.setattr(plugins, "_load", lambda: ({CLAIM.id: CLAIM}, ()))
    assert check(CLAIM.id, size="quick").claim_id == CLAIM.id
    with pytest.raises(SettingError, match="Did you mean test.toy.claim"):
        check("test.toy.clam")
