"""Requirements judged against measurements: pass, fail, vacuous, error; margins, tightness and
where the worst element is."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from _toy import toy_claim

from ntkcheck.claims import Requirement, Seed, check

t, lam = sp.symbols("t lam")


def _verdict(requirements, measured):
    def measure(*, seed: Seed = 0) -> dict:
        return dict(measured)

    return check(toy_claim(requirements=requirements, measure=measure))


def test_an_envelope_passes_and_names_its_worst_run_and_step():
    steps = np.tile(np.arange(1, 5), 2)
    run = np.repeat([0, 1], 4)
    loss = 0.25**steps * np.where(run == 1, 3.9, 1.0)  # run 1 sits closest to the bound
    env = Requirement("loss", "<=", 4 * (1 - lam / 2) ** t, "envelope", where=("run", "t"))
    v = _verdict((env,), {"loss": loss, "t": steps, "run": run, "lam": 1.0})
    r = v.requirements[0]
    assert v.outcome == "pass" and r.outcome == "pass"
    assert r.worst_index == [4] and r.worst_at == {"run": 1, "t": 1}
    assert r.tightness == pytest.approx(3.9 * 0.25 / 2)  # measured / bound at the worst element
    assert r.margin == pytest.approx(1 - r.tightness)
    measured, bound = r.headline()
    assert measured == "0.975 at run=1, t=1" and bound == "2"


def test_a_violation_fails_with_its_multi_index_and_axis_coordinates():
    values = np.array([[0.1, 0.2, 0.3], [0.1, 5.0, 0.2]])
    req = Requirement("x", "<", 1, "below one", where=("depths", "widths"))
    v = _verdict((req,), {"x": values, "depths": [1, 2], "widths": [16, 64, 256]})
    r = v.requirements[0]
    assert v.outcome == "fail" and r.outcome == "fail" and v.margin < 0
    assert r.worst_index == [1, 1] and r.worst_at == {"depths": 2, "widths": 64}
    assert r.tightness == pytest.approx(5.0) and "FAILED" in v.summary()
    assert v.reason() == "x < 1: measured 5 at depths=2, widths=64"


def test_windows_equalities_and_symbol_bounds():
    window = Requirement("slope", "in", (-0.8, -0.3), "window")
    equal = Requirement("y", "==", 0.5, "identity", tolerance=1e-12)
    ratio = Requirement("a", ">=", "b", "a at least b")
    v = _verdict((window, equal, ratio), {"slope": -0.425, "y": 0.5, "a": 3.0, "b": 2.0})
    tight = {r.name: r.tightness for r in v.requirements}
    assert v.outcome == "pass"
    assert tight == pytest.approx({"slope": 0.5, "y": 0.0, "a": 2 / 3})
    off = _verdict((equal,), {"y": 0.5 + 1e-9})
    assert off.outcome == "fail" and off.requirements[0].tightness > 1


def test_a_bound_beyond_the_quantitys_range_is_vacuous_never_a_pass():
    gap = Requirement("gap", "<=", "bound", "gap below bound", range=(-1, 1))
    sharp = Requirement("other", "<", 1.0, "can fail")
    v = _verdict((gap, sharp), {"gap": [0.3, 0.5], "bound": [1.2, 2.5], "other": 0.5})
    assert v.outcome == "vacuous" and [r.outcome for r in v.requirements] == ["vacuous", "pass"]
    assert not v.passed and "vacuous" in v.reason()
    partial = _verdict((gap,), {"gap": [0.3, 0.5], "bound": [0.9, 2.5]})
    assert partial.outcome == "pass"  # one element can fail, so the check is not vacuous
    fraction = Requirement("frac", ">=", 0.0, "fraction", range=(0, 1))
    assert _verdict((fraction,), {"frac": 0.5}).outcome == "vacuous"
    outside = _verdict((fraction,), {"frac": 1.5})
    assert outside.outcome == "error" and "declared range" in outside.error


def test_empty_and_nan_measurements_and_nan_bounds_are_errors():
    req = Requirement("x", "<=", 1.0, "x")
    empty = _verdict((req,), {"x": np.zeros((0, 3))})
    assert empty.outcome == "error" and "empty" in empty.error and not empty.passed
    nan = _verdict((req,), {"x": [0.5, math.nan]})
    assert nan.outcome == "error" and "NaN" in nan.error
    bad_bound = _verdict((Requirement("x", "<=", "b", "x"),), {"x": 0.5, "b": math.nan})
    assert bad_bound.outcome == "error" and "bound is NaN" in bad_bound.error
    missing = _verdict((Requirement("x", "<=", "b", "x"),), {"x": 0.5})
    assert missing.outcome == "error" and "returned no ['b']" in missing.error


def test_infinity_is_a_value_a_diverged_run_fails():
    v = _verdict((Requirement("loss_ratio", "<=", 1e-6, "converged"),), {"loss_ratio": math.inf})
    r = v.requirements[0]
    assert v.outcome == "fail" and r.margin == -1 and r.tightness == math.inf


def test_report_only_requirements_never_decide_and_may_be_unmeasured():
    gate = Requirement("x", "<=", 1.0, "x")
    aside = Requirement("y", ">=", 10.0, "never true", report_only=True)
    unmeasured = Requirement("z", "<=", 1.0, "nan aside", report_only=True)
    v = _verdict((gate, aside, unmeasured), {"x": 0.5, "y": 0.0, "z": math.nan})
    assert v.outcome == "pass" and [r.tag() for r in v.requirements][1:] == ["report-only"] * 2
    assert math.isnan(v.requirements[2].margin)


def test_a_measured_failure_decides_even_when_another_bound_is_unmeasured():
    final = Requirement("final", "<=", 1e-8, "converged")
    rate = Requirement("rate", "<=", 0.99, "fitted rate (NaN: never in the fitting window)")
    v = _verdict((final, rate), {"final": 0.5, "rate": math.nan})
    assert v.outcome == "fail" and "rate" in v.error and v.margin < 0
    unmeasured_only = _verdict((final, rate), {"final": 1e-12, "rate": math.nan})
    assert unmeasured_only.outcome == "error"


def test_an_unmeasurable_window_renders_and_reports():
    window = Requirement("slope", "in", ("lo", "hi"), "a window of measured ends")
    v = _verdict((window,), {"slope": 0.5, "lo": math.nan, "hi": 1.0})
    assert v.outcome == "error" and "NaN" in v.error
    assert "slope" in v.summary()  # the NaN window renders instead of raising
