"""Sweeps: process pool and Dask give the in-process records; killed workers and Ctrl-C lose
nothing that finished."""

from __future__ import annotations

import dataclasses

import pytest
from _sweep_claims import CALLS, DIES_ONCE, FAIL_OR_ERROR, FAST, FAST_TWIN, assert_same_record

import ntkcheck.claims.plugins as plugins
from ntkcheck.errors import InvalidInputError
from ntkcheck.store import ResultStore
from ntkcheck.sweep import Task, imap_unordered, sweep

TASKS = [
    *(Task(FAST, overrides={"seed": s}) for s in range(3)),
    Task(FAST, size="quick", overrides={"x": 0.5}),
    Task(FAIL_OR_ERROR, overrides={"x": 3.0}),
    Task(FAIL_OR_ERROR, overrides={"x": -1.0}),
]


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


@pytest.fixture(scope="module")
def inline_records(tmp_path_factory):
    path = tmp_path_factory.mktemp("inline") / "s.sqlite"
    return [r.verdict.to_dict() for r in sweep(TASKS, path, scheduler="inline")]


def _check_same(results, want):
    assert [r.verdict.outcome for r in results] == ["pass"] * 4 + ["fail", "error"]
    for result, record in zip(results, want):
        assert not result.cached
        assert_same_record(result.verdict.to_dict(), record)


def test_process_pool_gives_the_in_process_records(tmp_path, inline_records):
    seen = []
    path = tmp_path / "s.sqlite"
    results = sweep(TASKS, path, scheduler="processes", workers=2, progress=seen.append)
    _check_same(results, inline_records)
    assert len(seen) == len(TASKS)
    with ResultStore(path) as store:
        for result, record in zip(results, inline_records):
            assert_same_record(store.get(result.key).to_dict(), record)


def test_dask_cluster_gives_the_in_process_records(tmp_path, inline_records, cluster):
    results = sweep(TASKS, tmp_path / "s.sqlite", scheduler=cluster.scheduler_address)
    _check_same(results, inline_records)


def test_scheduler_address_from_the_environment(tmp_path, cluster, monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
    (result,) = sweep(TASKS[:1], tmp_path / "s.sqlite")
    assert result.verdict.outcome == "pass"


def test_killed_worker_loses_no_result_and_the_sweep_completes(tmp_path, cluster):
    marker = tmp_path / "died"
    tasks = [*TASKS[:4], Task(DIES_ONCE, overrides={"marker": str(marker), "delay": 0.5})]
    results = sweep(tasks, tmp_path / "s.sqlite", scheduler=cluster.scheduler_address)
    assert marker.exists(), "the task never killed its worker"
    assert all(r.verdict.outcome == "pass" and not r.cached for r in results)
    with ResultStore(tmp_path / "s.sqlite") as store:
        assert len(store.rows()) == len(tasks)


class _Interrupt:
    """A progress callback that presses Ctrl-C when the first task has finished."""

    def __call__(self, result) -> None:
        raise KeyboardInterrupt


@pytest.mark.parametrize("where", ["processes", "dask"])
def test_ctrl_c_cancels_and_leaves_the_store_usable(tmp_path, where, request):
    if where == "dask":
        scheduler, workers = request.getfixturevalue("cluster").scheduler_address, None
    else:
        scheduler, workers = "processes", 1
    path = tmp_path / "s.sqlite"
    tasks = [Task(FAST, overrides={"seed": s}) for s in range(6)]
    with pytest.raises(KeyboardInterrupt):
        sweep(tasks, path, scheduler=scheduler, workers=workers, progress=_Interrupt())
    with ResultStore(path) as store:
        assert len(store.rows()) == 1
    resumed = sweep(tasks, path, scheduler="inline")
    assert [r.cached for r in resumed].count(True) == 1
    with ResultStore(path) as store:
        assert len(store.rows()) == 6


def test_registered_ids_resolve_through_the_registry(tmp_path, monkeypatch):
    monkeypatch.setattr(plugins, "_load", lambda: ({FAST.id: FAST}, ()))
    by_id, by_object = (
        sweep([Task(claim)], tmp_path / f"{i}.sqlite", scheduler="inline")[0]
        for i, claim in enumerate((FAST.id, FAST))
    )
    assert by_id.key == by_object.key
    assert_same_record(by_id.verdict.to_dict(), by_object.verdict.to_dict())


def test_duplicate_tasks_run_once(tmp_path):
    seen = []
    results = sweep([TASKS[0]] * 2, tmp_path / "s.sqlite", scheduler="inline", progress=seen.append)
    assert len(seen) == 1 and results[0] is results[1]


def test_bad_arguments_name_the_fix(tmp_path):
    def unimportable(*, x: float = 1.0) -> dict:
        return {"value": 0.0}

    local = dataclasses.replace(FAST, measure=unimportable)
    with pytest.raises(InvalidInputError, match="scheduler='inline'"):
        sweep([Task(local)], tmp_path / "s.sqlite", workers=1)
    with pytest.raises(InvalidInputError, match="Dask scheduler address"):
        imap_unordered(max, [1], scheduler="threads")
    with pytest.raises(InvalidInputError, match="workers"):
        imap_unordered(max, [1], scheduler="tcp://127.0.0.1:1", workers=2)
    with pytest.raises(KeyError, match="valid keys"):
        sweep([Task(FAST, overrides={"width": 3})], tmp_path / "s.sqlite", scheduler="inline")


def test_claims_sharing_a_measurement_measure_it_once(tmp_path):
    CALLS.clear()
    tasks = [Task(FAST, overrides={"seed": 3}), Task(FAST_TWIN, overrides={"seed": 3})]
    first, twin = sweep(tasks, tmp_path / "s.sqlite", scheduler="inline")
    assert CALLS == [{"x": 1.0, "seed": 3}]
    assert twin.verdict.extras["measured_by"] == FAST.id
    assert twin.verdict.measured["value"] == first.verdict.measured["value"]
    assert twin.verdict.requirements[0].bound == 2.0 and first.verdict.requirements[0].bound == 1
