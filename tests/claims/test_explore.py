"""Exploring a claim's space: counterexamples outside the assumptions are found, shrunk and
reproducible; inside, none; every example goes through the store; draws respect the cost."""

from __future__ import annotations

import json

import pytest
import sympy as sp
from _toy import toy_claim

import ntkcheck.claims.plugins as plugins
from ntkcheck.claims import Count, Ints, Requirement, Seed, Space, explore, region
from ntkcheck.cli import main
from ntkcheck.errors import NTKCheckError
from ntkcheck.store import ResultStore


def ratio(*, k: Count = 16, m: Count = 4, seed: Seed = 0) -> dict:
    return {"value": m / k}


CLAIM = toy_claim(
    id="test.toy.ratio",
    requirements=(Requirement("value", "<=", 0.5, "m/k at most one half"),),
    measure=ratio,
    assumptions=(sp.Symbol("k") >= 4 * sp.Symbol("m"),),
    space=Space(k=Ints(8, 64, wider=(1, 64), cost=1), m=Ints(1, 8), plot=("k", "m")),
    sizes={"quick": {}, "full": {}},
)


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setattr(plugins, "_load", lambda: ({CLAIM.id: CLAIM}, ()))


def test_outside_the_assumptions_a_minimal_counterexample_is_found(tmp_path):
    with ResultStore(tmp_path / "s.sqlite") as store:
        record = explore(CLAIM, store, budget=10, wider=True)
        assert record.counterexample is not None and record.inside_assumptions is False
        assert record.counterexample["setting"] == {"k": 1, "m": 1, "seed": 0}  # shrunk
        assert record.reproduce == (
            "ntkcheck verify test.toy.ratio --quick --outside-assumptions --set k=1 --set m=1"
        )
        assert record.distinct_settings >= 2 and record.ranges["k"][0] == 1
        found = region(CLAIM, store)
    assert found["counterexamples"][0]["setting"] == {"k": 1, "m": 1, "seed": 0}
    assert found["settings"] == record.distinct_settings


def test_inside_the_assumptions_none_and_a_repeated_run_reruns_nothing(tmp_path):
    with ResultStore(tmp_path / "s.sqlite") as store:
        first = explore(CLAIM, store, budget=3)
        assert first.counterexample is None and first.distinct_settings >= 5
        assert all(e["inside_assumptions"] for e in first.examples)
        again = explore(CLAIM, store, budget=3)
    measured_twice = [e for e in again.examples if not e["cached"]]
    seen = {json.dumps(e["setting"], sort_keys=True) for e in first.examples}
    assert all(json.dumps(e["setting"], sort_keys=True) not in seen for e in measured_twice)


def test_the_cost_model_and_an_unaffordable_space(tmp_path):
    base = CLAIM.setting("quick")
    assert CLAIM.space.cost({**base, "k": 64}, base) == 4.0  # cost exponent 1 in k
    assert CLAIM.space.cost({**base, "m": 8}, base) == 1.0  # m does not change the time
    with ResultStore(tmp_path / "s.sqlite") as store, pytest.raises(NTKCheckError, match="above"):
        explore(CLAIM, store, budget=3, example_seconds=1e-12)


def test_the_command_writes_the_record_and_figure_and_its_reproduce_fails(
    tmp_path, registered, capsys
):
    args = ["explore", CLAIM.id, "--budget", "5", "--outside-assumptions", "--out", str(tmp_path)]
    assert main(args) == 0  # a counterexample outside the assumptions is not a finding
    out = capsys.readouterr().out
    assert "minimal counterexample, outside the claim's assumptions" in out
    record = json.loads((tmp_path / "explore" / f"{CLAIM.id}.wider.json").read_text())
    for key in (
        "claim_id",
        "examples_run",
        "distinct_settings",
        "counterexample",
        "inside_assumptions",
        "reproduce",
        "ranges",
    ):
        assert key in record
    assert (tmp_path / "explore" / f"{CLAIM.id}.wider.png").stat().st_size > 0
    reproduce = record["reproduce"].split()[1:]
    assert main([*reproduce, "--out", str(tmp_path / "again"), "--no-plots"]) == 1
    assert (
        main([*reproduce[:-5], "--set", "k=1", "--set", "m=1", "--out", str(tmp_path / "refused")])
        == 2
    )


def test_the_record_lies_beside_the_store_that_ntkcheck_record_reads(tmp_path, registered):
    """With --store elsewhere than --out, the record goes where `ntkcheck record --store` copies
    explorations from (the store's folder), not into OUT."""
    store = tmp_path / "elsewhere" / "s.sqlite"
    args = ["explore", CLAIM.id, "--budget", "3", "--outside-assumptions", "--store", str(store)]
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    assert (store.parent / "explore" / f"{CLAIM.id}.wider.json").exists()
    assert not (tmp_path / "out" / "explore").exists()
