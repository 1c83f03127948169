"""The contract every registered claim keeps, as one parametrized pytest test.

For each claim, at its quick size: (1) its verdict is never an error, every bound is finite, and
it passes (or is vacuous), or it fails when it is a registered known failure; further settings
drawn by hypothesis from the claim's ``space`` must pass too, and a failure shrinks to a minimal
setting and prints its reproduce command; (2) under its foil it fails, so its check can fail;
(3) its figure spec fits the measured arrays (drawn strictly, when matplotlib is installed).

A paper package gets the whole contract in one line of its test suite::

    from ntkcheck.testing import claim_contract

    test_contract = claim_contract("mypaper")
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest

# Hypothesis examples per claim beyond its quick setting, by HYPOTHESIS_PROFILE, each drawn
# from the claim's space inside its assumptions and estimated to cost at most COST_FACTOR times
# the quick setting.
EXAMPLES = {"dev": 1, "ci": 2, "thorough": 10}
COST_FACTOR = 1.5
SHRINK_SECONDS = 120.0  # per claim: how long a failure found by a draw may shrink
_VERDICTS: dict[tuple[str, str, bool], Any] = {}


def claim_contract(*selection: str) -> Callable[..., None]:
    """A pytest test function over the claims whose ids equal or start with ``selection`` (all
    registered claims when none) × the three parts of the contract ("holds", "foil",
    "figure"). Assign it to a module-level name starting with ``test``."""
    from ntkcheck.claims.plugins import select

    claims = select(list(selection))

    @pytest.mark.parametrize("part", ["holds", "foil", "figure"])
    @pytest.mark.parametrize("claim", claims, ids=[c.id for c in claims])
    def test_claim_contract(claim: Any, part: str) -> None:
        {"holds": check_holds, "foil": check_foil, "figure": check_figure}[part](claim)

    return test_claim_contract


def quick_verdict(
    claim: Any, overrides: dict[str, Any] | None = None, *, foil: bool = False
) -> Any:
    """The claim's verdict at its quick size (computed once per process and setting)."""
    from ntkcheck.claims.check import check, foiled

    overrides = dict(overrides or {})
    key = (claim.id, repr(sorted(claim.setting("quick", **overrides).items())), foil)
    if key not in _VERDICTS:
        if foil and claim.foil.measured is not None:
            base = quick_verdict(claim, overrides)
            _VERDICTS[key] = base if base.outcome == "error" else foiled(claim, base, "quick")
        else:
            _VERDICTS[key] = check(claim, overrides, size="quick", foil=foil)
    return _VERDICTS[key]


def check_holds(claim: Any) -> None:
    """The claim holds at its quick setting and on settings drawn from its space."""
    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import strategies as st

    verdict = quick_verdict(claim)
    _assert_judged(verdict)
    if claim.known_failure:
        assert verdict.outcome == "fail", (
            f"{claim.id} is registered as a known failure but now gives {verdict.outcome}:\n"
            f"{verdict.summary()}\nUpdate or remove its known_failure note."
        )
        return
    assert verdict.outcome in ("pass", "vacuous"), verdict.summary()
    registered = {_key(claim, f.setting): f for f in claim.findings}
    for finding in claim.findings:
        found = quick_verdict(claim, dict(finding.setting))
        _assert_judged(found)
        assert found.outcome == "fail", (
            f"{claim.id}: its registered finding at {dict(finding.setting)} no longer fails "
            f"({found.outcome}):\n{found.summary()}\nUpdate or remove the finding."
        )
    space = _inside_space(claim, st)
    measured: set[str] = set()
    failed_at: list[float] = []
    examples = EXAMPLES.get(os.environ.get("HYPOTHESIS_PROFILE", "dev"), 1)

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(overrides=space)
    def holds(overrides: dict[str, Any]) -> None:
        if failed_at and _key(claim, overrides) not in measured:
            # Shrinking measures each candidate: bounded in time, it reports the smallest
            # failure found by then.
            assume(time.monotonic() - failed_at[0] < SHRINK_SECONDS)
        measured.add(_key(claim, overrides))
        drawn = quick_verdict(claim, overrides)
        _assert_judged(drawn)
        if drawn.outcome == "fail" and _key(claim, overrides) in registered:
            return  # a registered finding: documented, and replayed above
        if drawn.outcome == "fail" and not failed_at:
            failed_at.append(time.monotonic())
        assert drawn.outcome in ("pass", "vacuous"), (
            f"{drawn.summary()}\nreproduce: {drawn.command}\nA counterexample inside the "
            "claim's assumptions is a finding: register it (Claim(findings=...)) with its "
            "numbers, or fix the claim."
        )

    holds()


def check_foil(claim: Any) -> None:
    """Under its foil, the claim fails (measured, with numbers: not an error), and a gating
    requirement that holds on the claim itself is among those that fail (so a known failure's
    foil cannot pass by the failure it already has)."""
    verdict = quick_verdict(claim, foil=True)
    assert verdict.outcome == "fail", (
        f"{claim.id} does not fail under its foil '{claim.foil.description}': the check may be "
        f"one that cannot fail.\n{verdict.summary()}\nreproduce: {verdict.command}"
    )
    holding = {
        r.name
        for r in quick_verdict(claim).requirements
        if not r.report_only and r.outcome != "fail"
    }
    broken = {r.name for r in verdict.requirements if not r.report_only and r.outcome == "fail"}
    assert not holding or holding & broken, (
        f"{claim.id}: its foil '{claim.foil.description}' fails only requirements that already "
        f"fail ({sorted(broken)}), none of {sorted(holding)}.\n{verdict.summary()}"
    )


def check_figure(claim: Any) -> None:
    """The figure spec names arrays the quick measurement returns, in shapes its kind takes."""
    if claim.figure is None:
        return
    pytest.importorskip("matplotlib", reason="figures need matplotlib (ntkcheck[plots])")
    from ntkcheck.plot import claim_figure, close

    verdict = quick_verdict(claim)
    assert verdict.outcome != "error", verdict.error
    close(claim_figure(verdict, strict=True))


def _key(claim: Any, overrides: Any) -> str:
    return repr(sorted(claim.setting("quick", **dict(overrides)).items()))


def _assert_judged(verdict: Any) -> None:
    import numpy as np

    assert verdict.outcome != "error", f"{verdict.error}\nreproduce: {verdict.command}"
    for r in verdict.requirements:
        if not r.report_only:
            assert np.all(np.isfinite(np.asarray(r.bound, dtype=float))), (r.name, r.bound)


def _inside_space(claim: Any, st: Any) -> Any:
    """Settings drawn from the claim's space inside its assumptions, affordable: estimated at
    most ``COST_FACTOR`` times the quick setting's time."""
    from ntkcheck.claims.check import inside_assumptions

    if claim.space is None:
        if "seed" not in claim.fields:
            return st.just({})
        return st.fixed_dictionaries({"seed": st.integers(0, 10_000)})
    base = claim.setting("quick")

    def admissible(overrides: dict[str, Any]) -> bool:
        setting = claim.setting("quick", **overrides)
        return inside_assumptions(claim, setting) and claim.space.cost(setting, base) <= COST_FACTOR

    return claim.space.strategy(claim.fields, wider=False).filter(admissible)
