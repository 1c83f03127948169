"""Explore a claim over the space its theorem is stated for: a hypothesis search for a setting
where it fails, shrunk to a minimal one, within a time budget; once one is found, the rest of
the budget maps the region (failures are recorded, not shrunk again).

Every example runs through the results store (a repeated exploration serves what it already
ran and goes on from there), hypothesis' example database lives next to the store (known
counterexamples are replayed first), and draws whose estimated cost exceeds the per-example
budget are skipped. The record (:class:`Exploration`) says what was explored, the minimal
counterexample if any, whether it lies inside the claim's assumptions, and the ``ntkcheck
verify`` command that reproduces it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ntkcheck.claims.assumptions import inside_assumptions
from ntkcheck.claims.claim import Claim
from ntkcheck.claims.verdict import OUTCOMES, Verdict
from ntkcheck.claims.version import code_version
from ntkcheck.errors import NTKCheckError


@dataclass
class Exploration:
    """What an exploration ran and found (JSON fields other tools rely on: ``claim_id``,
    ``examples_run``, ``distinct_settings``, ``counterexample`` (None, or a dict with the
    minimal ``setting``), ``inside_assumptions``, ``reproduce``, ``ranges``)."""

    claim_id: str
    space: str
    budget_seconds: float
    seconds: float = 0.0
    examples_run: int = 0
    measured_now: int = 0
    distinct_settings: int = 0
    counterexample: dict[str, Any] | None = None
    inside_assumptions: bool | None = None
    reproduce: str | None = None
    ranges: dict[str, list[Any]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)
    plot: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ROUND = 4  # examples per hypothesis run
MAX_ROUNDS = 10_000


class _Counterexample(Exception):
    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.claim_id)
        self.verdict = verdict


def explore(
    claim: Claim,
    store: Any,
    *,
    budget: float = 240.0,
    wider: bool = False,
    size: str = "quick",
    example_seconds: float | None = None,
    device: str = "cpu",
    progress: Callable[[Exploration, float], None] | None = None,
) -> Exploration:
    """Search ``claim``'s space (``wider``: with its assumptions dropped) for a failing setting
    for about ``budget`` seconds, shrinking a failure to a minimal setting.

    Args:
        store: an open :class:`~ntkcheck.store.ResultStore`; every example is served from or
            written to it, and hypothesis' database lives in its folder.
        size: the base setting whose fields the space does not vary ("quick" by default).
        example_seconds: skip draws estimated to take longer (default: budget/8, and at least
            1.5 × the base setting's time).
        progress: called after each example with the record so far and the elapsed seconds.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, assume, given, seed, settings
    from hypothesis import strategies as st
    from hypothesis.database import DirectoryBasedExampleDatabase
    from hypothesis.errors import HypothesisException

    from ntkcheck.sweep import Task, sweep

    start = time.monotonic()
    base = claim.setting(size)
    space = claim.space
    label = "wider: the claim's assumptions dropped" if wider else "inside the claim's assumptions"
    record = Exploration(claim.id, label, budget, plot=list(space.plot) if space else [])
    known: dict[str, Verdict] = {}

    def run(overrides: Mapping[str, Any]) -> Verdict:
        setting = claim.setting(size, **overrides)
        key = repr(sorted(setting.items()))
        if key not in known:
            task = Task(claim, size, dict(overrides), device, outside_assumptions=wider)
            (result,) = sweep([task], store, scheduler="inline")
            known[key] = result.verdict
            _note(record, result.verdict, result.cached)
            if progress is not None:
                progress(record, time.monotonic() - start)
        return known[key]

    reference = run({})
    cap = example_seconds or max(budget / 8, 1.5 * reference.seconds)

    def estimate(overrides: Mapping[str, Any]) -> float:
        """Seconds the setting should take, by the space's cost model."""
        if space is None:
            return reference.seconds
        return reference.seconds * space.cost(claim.setting(size, **overrides), base)

    def affordable(overrides: Mapping[str, Any]) -> bool:
        return estimate(overrides) <= cap

    if space is not None:
        strategy = space.strategy(claim.fields, wider=wider)
    elif "seed" in claim.fields:
        strategy = st.fixed_dictionaries({"seed": st.integers(0, 10_000)})
    else:
        strategy = st.just({})
    admissible: dict[str, bool] = {}  # sympy assumptions are slow to evaluate: once per draw

    def allowed(overrides: Mapping[str, Any]) -> bool:
        key = repr(sorted(overrides.items()))
        if key not in admissible:
            inside = wider or inside_assumptions(claim, claim.setting(size, **overrides))
            admissible[key] = inside and affordable(overrides)
        return admissible[key]

    strategy = strategy.filter(allowed)
    folder = Path(store.path).parent / "hypothesis" / f"{claim.id}-{'wider' if wider else 'inside'}"

    database = DirectoryBasedExampleDatabase(folder)
    first_seed = store.count(claim.id, code_version(claim))  # a repeated run explores further

    def probe_round(round_seed: int) -> None:
        """A few examples; rounds keep the search within the budget (hypothesis has no clock),
        and its database carries failures from round to round and from run to run."""

        @settings(
            max_examples=ROUND,
            deadline=None,
            database=database,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.reuse, Phase.generate, Phase.shrink),
            verbosity=Verbosity.quiet,
            print_blob=False,
            report_multiple_bugs=False,
        )
        @seed(round_seed)
        @given(overrides=strategy)
        def probe(overrides: dict[str, Any]) -> None:
            setting = claim.setting(size, **overrides)
            if repr(sorted(setting.items())) not in known:
                # Out of time (or would be, by the cost model): new settings are skipped, so
                # generation and shrinking wind down.
                assume(time.monotonic() - start + estimate(overrides) < budget)
            verdict = run(overrides)
            if verdict.outcome == "fail" and record.counterexample is None:
                raise _Counterexample(verdict)

        probe()

    rounds = 0
    try:
        while time.monotonic() - start < budget and rounds < MAX_ROUNDS:
            try:
                probe_round(first_seed + rounds)
            except _Counterexample as found:
                # Shrunk and recorded; the rest of the budget maps the region around it.
                _counterexample(record, claim, found.verdict)
            rounds += 1
    except HypothesisException as err:
        raise NTKCheckError(
            f"Exploring {claim.id} found no setting to try ({type(err).__name__}): its space "
            f"draws only settings estimated above {cap:.0f} s or outside its assumptions. Raise "
            "--example-seconds or --budget."
        ) from err
    record.seconds = time.monotonic() - start
    record.ranges = ranges(claim, [e["setting"] for e in record.examples])
    return record


def _note(record: Exploration, verdict: Verdict, cached: bool) -> None:
    inside = bool(verdict.extras.get("inside_assumptions", True))
    entry = {
        "setting": dict(verdict.setting),
        "outcome": verdict.outcome,
        "margin": verdict.margin if math.isfinite(verdict.margin) else None,
        "inside_assumptions": inside,
        "cached": cached,
    }
    record.examples.append(entry)
    record.examples_run = len(record.examples)
    record.distinct_settings = record.examples_run  # run() notes each full setting once
    record.measured_now += not cached
    if verdict.outcome == "error":
        record.errors.append({**entry, "reason": verdict.reason(), "reproduce": verdict.command})


def _counterexample(record: Exploration, claim: Claim, verdict: Verdict) -> None:
    record.inside_assumptions = inside_assumptions(claim, verdict.setting)
    record.reproduce = verdict.command
    record.counterexample = {
        "setting": dict(verdict.setting),
        "outcome": verdict.outcome,
        "margin": verdict.margin,
        "reason": verdict.reason(),
    }


def ranges(claim: Claim, settings: list[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Per varied field: [smallest, largest] value explored (over a sweep's elements)."""
    out: dict[str, list[Any]] = {}
    names = list(claim.space.axes) if claim.space is not None else []
    for name in [*names, *(["seed"] if "seed" in claim.fields else [])]:
        values = [v for s in settings for v in _elements(s[name])]
        if values:
            out[name] = [min(values), max(values)] if _ordered(values) else sorted(set(values))
    return out


def region(claim: Claim, store: Any) -> dict[str, Any]:
    """The region of settings the store holds verdicts for at the claim's current code version:
    how many, their ranges, and every failing one (a counterexample) with its reproduce
    command and whether it lies inside the claim's assumptions."""
    verdicts = [v for v in store.verdicts(claim.id, code_version(claim)) if not v.foil]
    failing = [
        {
            "setting": dict(v.setting),
            "reason": v.reason(),
            "reproduce": v.command,
            "inside_assumptions": inside_assumptions(claim, v.setting),
        }
        for v in verdicts
        if v.outcome == "fail"
    ]
    outcomes = {o: sum(v.outcome == o for v in verdicts) for o in OUTCOMES}
    return {
        "settings": len(verdicts),
        "outcomes": outcomes,
        "ranges": ranges(claim, [v.setting for v in verdicts]),
        "counterexamples": failing,
    }


def _elements(value: Any) -> list[Any]:
    return list(value) if isinstance(value, tuple) else [value]


def _ordered(values: list[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
