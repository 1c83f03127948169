"""The results store: exact round trips, resume, fresh, code-version invalidation, schema errors,
concurrent writers and exports."""

from __future__ import annotations

import csv
import dataclasses
import multiprocessing
import os
import sqlite3
import sys

import numpy as np
import pytest
import sympy as sp
from _sweep_claims import FAIL_OR_ERROR, FAST, assert_same_record

from ntkcheck.claims import Requirement, check, code_version
from ntkcheck.errors import StoreAccessError
from ntkcheck.store import ResultStore, StoreSchemaError, store_key
from ntkcheck.sweep import Task, sweep


def _put(store: ResultStore, claim, overrides=None):
    verdict = check(claim, overrides)
    key = store_key(claim, verdict.setting)
    store.put(key, verdict, size="default")
    return key, verdict


def test_round_trip_is_exact(tmp_path):
    with ResultStore(tmp_path / "s.sqlite") as store:
        for claim, overrides in ((FAST, None), (FAIL_OR_ERROR, {"x": -1.0})):
            key, verdict = _put(store, claim, overrides)
            back = store.get(key)
            assert_same_record(back.to_dict(), verdict.to_dict())
    assert back.outcome == "error" and back.margin == -np.inf and "negative x" in back.error


def test_sweep_resumes_from_the_store_and_fresh_recomputes(tmp_path):
    path = tmp_path / "s.sqlite"
    tasks = [Task(FAST, overrides={"seed": s}) for s in range(3)]
    first = sweep(tasks[:2], path, scheduler="inline")
    assert [r.cached for r in first] == [False, False]
    seen = []
    again = sweep(tasks, path, scheduler="inline", progress=seen.append)
    assert [r.cached for r in again] == [True, True, False]
    assert [r.cached for r in seen] == [True, True, False]  # stored ones reported first
    for old, new in zip(first, again):
        assert new.verdict.cached and not old.verdict.cached
        assert_same_record(new.verdict.to_dict(), old.verdict.to_dict(), ignore=("cached",))
    fresh = sweep(tasks, path, scheduler="inline", fresh=True)
    assert not any(r.cached for r in fresh)
    with ResultStore(path) as store:
        assert len(store.rows()) == 3


def test_editing_a_claim_invalidates_its_rows(tmp_path):
    path = tmp_path / "s.sqlite"
    sweep([Task(FAST)], path, scheduler="inline")
    looser = dataclasses.replace(
        FAST, requirements=(Requirement("value", "<=", 2 * sp.Symbol("x"), "looser"),)
    )
    resized = dataclasses.replace(FAST, sizes={**FAST.sizes, "full": {**FAST.sizes["full"]}})
    assert code_version(looser) != code_version(FAST)
    assert code_version(resized) == code_version(FAST)  # an equal definition keeps its rows
    (result,) = sweep([Task(looser)], path, scheduler="inline")
    assert not result.cached and result.key.code_version.startswith("0.")
    with ResultStore(path) as store:
        assert len(store.rows()) == 2


def test_editing_the_measurement_code_retires_the_paper_folders_rows(tmp_path, monkeypatch):
    """The code version hashes every .py file of the folder that defines the measurement."""
    package = tmp_path / "mypaper"
    package.mkdir()
    source = (
        "from ntkcheck.claims import Claim, Foil, Requirement, Source\n"
        "def measure(*, x: float = 1.0):\n    return {'value': x}\n"
        "CLAIM = Claim(id='mypaper.toy.value', source=Source('P', '0', 'L1'), status='derived',\n"
        "    statement='s', requirements=(Requirement('value', '<=', 2, 'v'),), measure=measure,\n"
        "    foil=Foil('f', setting={'x': 3.0}), sizes={'quick': {}, 'full': {}})\n"
    )
    (package / "__init__.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    import mypaper

    before = code_version(mypaper.CLAIM)
    assert code_version(mypaper.CLAIM) == before
    (package / "helpers.py").write_text("SCALE = 2\n")  # any file of the paper folder counts
    assert code_version(mypaper.CLAIM) != before


def test_a_top_level_module_paper_is_versioned_by_its_own_file(tmp_path, monkeypatch):
    """A claim measured in a top-level module (whose folder may be site-packages) hashes that
    file alone: its neighbours neither cost time nor retire its rows."""
    source = (
        "from ntkcheck.claims import Claim, Foil, Requirement, Source\n"
        "def measure(*, x: float = 1.0):\n    return {'value': x}\n"
        "CLAIM = Claim(id='toplevelpaper.toy.value', source=Source('P', '0', 'L1'),\n"
        "    status='derived',\n"
        "    statement='s', requirements=(Requirement('value', '<=', 2, 'v'),), measure=measure,\n"
        "    foil=Foil('f', setting={'x': 3.0}), sizes={'quick': {}, 'full': {}})\n"
    )
    (tmp_path / "toplevelpaper.py").write_text(source)
    (tmp_path / "neighbour.py").write_text("A = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "toplevelpaper", raising=False)  # gone again afterwards
    import toplevelpaper

    before = code_version(toplevelpaper.CLAIM)
    (tmp_path / "neighbour.py").write_text("A = 2\n")
    assert code_version(toplevelpaper.CLAIM) == before
    (tmp_path / "toplevelpaper.py").write_text(source + "# edited\n")
    assert code_version(toplevelpaper.CLAIM) != before


def test_error_verdicts_are_kept_but_never_served(tmp_path):
    path = tmp_path / "s.sqlite"
    task = Task(FAIL_OR_ERROR, overrides={"x": -1.0})
    (first,) = sweep([task], path, scheduler="inline")
    assert first.verdict.outcome == "error" and not first.cached
    (again,) = sweep([task], path, scheduler="inline")
    assert again.verdict.outcome == "error" and not again.cached  # re-run, not served
    with ResultStore(path) as store:
        assert store.status([again.key]).errors == [again.key]  # kept for `status`


def test_a_measured_foil_is_judged_on_the_stored_measurement(tmp_path):
    path = tmp_path / "s.sqlite"
    (base,) = sweep([Task(FAST)], path, scheduler="inline")
    (foiled,) = sweep([Task(FAST, foil=True)], path, scheduler="inline")
    assert foiled.cached and foiled.verdict.outcome == "fail"
    assert foiled.verdict.foil == FAST.foil.description and foiled.key != base.key
    assert foiled.verdict.measured["value"] == 3 * base.verdict.measured["value"] + 3
    assert foiled.verdict.command.endswith("--foil")


def test_status_sorts_targets_by_outcome(tmp_path):
    with ResultStore(tmp_path / "s.sqlite") as store:
        passed, _ = _put(store, FAST)
        failed, _ = _put(store, FAIL_OR_ERROR, {"x": 3.0})
        errored, _ = _put(store, FAIL_OR_ERROR, {"x": -1.0})
        pending = store_key(FAST, FAST.setting(seed=7))
        status = store.status([passed, failed, errored, pending])
    assert (status.passed, status.failed, status.errors) == ([passed], [failed], [errored])
    assert status.pending == [pending]
    assert status.summary() == "1 passed, 1 failed, 0 vacuous, 1 errors, 1 pending"


def test_unreadable_stores_name_the_fix(tmp_path):
    path = tmp_path / "s.sqlite"
    ResultStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='99' WHERE key='schema'")
    with pytest.raises(StoreSchemaError, match="schema '99'.*Upgrade ntkcheck"):
        ResultStore(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='beta' WHERE key='schema'")
    with pytest.raises(StoreSchemaError, match="move it away"):
        ResultStore(path)
    foreign = tmp_path / "other.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(StoreSchemaError, match="not an ntkcheck results store"):
        ResultStore(foreign)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreSchemaError, match="not a readable SQLite database"):
        ResultStore(junk)


def test_a_read_only_store_is_refused_for_writing_and_readable_for_status(tmp_path, monkeypatch):
    path = tmp_path / "s.sqlite"
    with ResultStore(path) as store:
        key, _ = _put(store, FAST)
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)  # as for a non-owner
    with pytest.raises(StoreAccessError, match="read-only.*writable --store"):
        ResultStore(path)
    with ResultStore(path, readonly=True) as store:
        assert store.status([key]).passed == [key]
    with pytest.raises(StoreAccessError, match="No results store"):
        ResultStore(tmp_path / "missing.sqlite", readonly=True)


def test_a_store_damaged_mid_file_is_refused_when_opened(tmp_path):
    path = tmp_path / "s.sqlite"
    with ResultStore(path) as store:
        for seed in range(30):
            _put(store, FAST, {"seed": seed})
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = b"\xff" * 4096
    path.write_bytes(bytes(data))
    for readonly in (False, True):
        with pytest.raises(StoreSchemaError, match="damaged|not a readable"):
            ResultStore(path, readonly=readonly)


def test_object_arrays_are_refused_not_pickled(tmp_path):
    verdict = check(FAST)
    bad = dataclasses.replace(verdict, measured={"ragged": np.array([[1], [1, 2]], dtype=object)})
    with ResultStore(tmp_path / "s.sqlite") as store, pytest.raises(TypeError, match="object"):
        store.put(store_key(FAST, verdict.setting), bad, size="default")


def _write_rows(path, barrier, first: int, count: int) -> None:
    barrier.wait()  # both processes create and write the new store at the same time
    with ResultStore(path) as store:
        for seed in range(first, first + count):
            _put(store, FAST, {"seed": seed})


def test_concurrent_writers_from_two_processes(tmp_path):
    path = tmp_path / "s.sqlite"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_write_rows, args=(path, barrier, i * 20, 20)) for i in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    with ResultStore(path) as store:
        rows = store.rows()
        assert sorted(r["seed"] for r in rows) == list(range(40))
        assert all(store.get(store_key(FAST, FAST.setting(seed=s))) for s in (0, 39))


def test_csv_export_and_parquet_error(tmp_path, monkeypatch):
    with ResultStore(tmp_path / "s.sqlite") as store:
        _put(store, FAST)
        _put(store, FAIL_OR_ERROR, {"x": 3.0})
        with store.export_csv(tmp_path / "r.csv").open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert [r["outcome"] for r in rows] == ["pass", "fail"]
        assert rows[0]["claim_id"] == FAST.id and rows[0]["setting"].startswith("{")
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        with pytest.raises(ImportError, match="pip install pyarrow"):
            store.export_parquet(tmp_path / "r.parquet")


def test_parquet_export(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    with ResultStore(tmp_path / "s.sqlite") as store:
        _put(store, FAST)
        table = pq.read_table(store.export_parquet(tmp_path / "r.parquet"))
    assert table.column("claim_id").to_pylist() == [FAST.id]
