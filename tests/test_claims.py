"""ONE contract test over the whole registry: every claim, at its quick size, on settings drawn
by hypothesis; plus the checks that bounds are finite and that the suite can fail."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ntkcheck.check import check
from proofs import registry

CLAIMS = list(registry().values())
EXAMPLES = {"dev": 1, "ci": 2, "thorough": 10}[os.environ.get("HYPOTHESIS_PROFILE", "dev")]


def _strategy(claim):
    return claim.settings() if claim.settings is not None else st.just({})


def _params():
    for claim in CLAIMS:
        marks = []
        if claim.known_failure:
            marks.append(pytest.mark.xfail(reason=claim.known_failure, strict=True))
        yield pytest.param(claim, id=claim.id, marks=marks)


@pytest.mark.parametrize("claim", list(_params()))
def test_claim_holds_at_quick_size(claim):
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
    @given(overrides=_strategy(claim))
    def run(overrides):
        verdict = check(claim, overrides, size="quick")
        assert verdict.outcome != "error", verdict.error
        assert verdict.passed, verdict.summary()

    run()


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_bounds_are_finite_on_the_quick_setting(claim):
    verdict = check(claim, size="quick")
    assert verdict.outcome != "error", verdict.error
    for r in verdict.requirements:
        bound = np.asarray(r.bound, dtype=float)
        assert np.all(np.isfinite(bound)), (r.name, r.bound)
    assert math.isfinite(verdict.margin)


def test_registry_is_complete_and_ids_unique():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids))
    assert {c.paper for c in CLAIMS} == {"terjek", "balaji", "shah"}
    assert len(CLAIMS) == 37
