"""ONE contract test over the whole registry: every claim, at its quick size, on settings drawn
by hypothesis; plus the checks that bounds are finite and that the suite can fail."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ntkcheck.check import check
from ntkcheck.plot import claim_figure, close
from proofs import get_claim, registry

CLAIMS = list(registry().values())
EXAMPLES = {"dev": 1, "ci": 2, "thorough": 10}[os.environ.get("HYPOTHESIS_PROFILE", "dev")]


def _strategy(claim):
    return claim.settings() if claim.settings is not None else st.just({})


@pytest.mark.parametrize("claim", [c for c in CLAIMS if not c.known_failure], ids=lambda c: c.id)
def test_claim_holds_at_quick_size(claim):
    """Hypothesis draws valid settings; a failure shrinks to a minimal setting and prints it."""

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
    @given(overrides=_strategy(claim))
    def run(overrides):
        verdict = check(claim, overrides, size="quick")
        assert verdict.outcome != "error", verdict.error
        # Every bound is a finite number on every valid setting (a NaN bound passes nothing).
        for r in verdict.requirements:
            assert np.all(np.isfinite(np.asarray(r.bound, dtype=float))), (r.name, r.bound)
        assert verdict.passed, verdict.summary()

    run()


@pytest.mark.parametrize("claim", [c for c in CLAIMS if c.figure is not None], ids=lambda c: c.id)
def test_figure_spec_fits_the_measurement(claim):
    """Every Figure spec names arrays the quick measurement returns with shapes its layout
    takes (strict: no silent fallback to the requirement chart)."""
    close(claim_figure(check(claim, size="quick"), strict=True))


@pytest.mark.parametrize("claim", [c for c in CLAIMS if c.known_failure], ids=lambda c: c.id)
def test_known_failure_still_fails(claim):
    """A registered finding stays visible: it must still fail (once, no shrinking), and never
    by error; a claim that starts passing must drop its known_failure note."""
    verdict = check(claim, size="quick")
    assert verdict.outcome == "fail", (
        f"{claim.id} is registered as a known failure but now gives {verdict.outcome}:\n"
        f"{verdict.summary()}\nUpdate or remove its known_failure note."
    )


def test_registry_is_complete_and_ids_unique():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids))
    assert {c.paper for c in CLAIMS} == {"terjek", "balaji", "shah"}
    assert len(CLAIMS) == 37


def test_the_suite_can_fail_a_kernel_scaled_by_half(monkeypatch):
    """A deliberately broken measurement: every empirical kernel halved. The claims that compare
    the kernel with its analytic limit must then fail."""
    import ntkcheck.kernels.empirical as empirical

    assemble = empirical._assemble
    monkeypatch.setattr(empirical, "_assemble", lambda *a, **k: 0.5 * assemble(*a, **k))
    verdict = check(get_claim("terjek.lambda_min.limit"), size="quick")
    assert verdict.outcome == "fail", verdict.summary()
