"""Sweeps: check many (claim, size, setting) tasks in parallel, storing each verdict as it lands.

Execution uses existing engines only: ``"inline"`` (this process, in order), ``"processes"``
(``concurrent.futures.ProcessPoolExecutor``, one worker per core by default, each with
``torch.set_num_threads(cores // workers)`` so workers do not oversubscribe), or a Dask
distributed scheduler address ``"tcp://host:port"`` (``dask.distributed.Client``; Dask's nannies
already start workers with ``OMP_NUM_THREADS=1``). Workers return plain data
(``Verdict.to_dict()``); the caller rebuilds Verdicts and writes the store, so a killed worker or
a Ctrl-C never leaves a partial row, and a repeated sweep is served from the store (except
errors, which are always re-run). A foil task whose foil perturbs the measured values is judged
on the claim's own measurement (stored, or measured once) instead of measuring again. Workers of
a remote cluster need ntkcheck and the claims' packages installed; the store stays with the
caller.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ntkcheck.claims.check import check, foiled, measurement_key
from ntkcheck.claims.verdict import Verdict
from ntkcheck.errors import InvalidInputError
from ntkcheck.parallel import imap_unordered
from ntkcheck.store import ResultStore, StoreKey, store_key

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"


@dataclass(frozen=True)
class Task:
    """One check: a claim (registered id, or a Claim object importable by the workers), a size
    ("quick", "default", "full"), setting overrides, the device it runs on, whether the claim's
    foil is applied, and whether a setting outside the claim's assumptions is measured anyway."""

    claim: Any
    size: str = "default"
    overrides: Mapping[str, Any] = field(default_factory=dict)
    device: str = "cpu"
    foil: bool = False
    outside_assumptions: bool = False


@dataclass(frozen=True)
class TaskResult:
    """A finished task: its store key, its verdict and whether it was served from the store."""

    task: Task
    key: StoreKey
    verdict: Verdict
    cached: bool


def resolve_claim(claim: Any) -> Any:
    """A Claim object from a registered id or the object itself."""
    if isinstance(claim, str):
        from ntkcheck.claims.plugins import get_claim

        return get_claim(claim)
    return claim


def run_task(task: Task) -> dict[str, Any]:
    """Check one task and return its verdict as plain data (what workers send back). A foil
    that perturbs measured values measures the claim itself and then foils it."""
    claim = resolve_claim(task.claim)
    overrides = dict(task.overrides)
    options = {
        "size": task.size,
        "device": task.device,
        "outside_assumptions": task.outside_assumptions,
    }
    if task.foil and claim.foil.measured is not None:
        verdict = check(claim, overrides, **options)
        if verdict.outcome == "error":
            return dataclasses.replace(verdict, foil=claim.foil.description).to_dict()
        return foiled(claim, verdict, task.size).to_dict()
    return check(claim, overrides, foil=task.foil, **options).to_dict()


def sweep(
    tasks: Iterable[Task],
    store: ResultStore | str | Path,
    *,
    fresh: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Callable[[TaskResult], None] | None = None,
) -> list[TaskResult]:
    """Check every task, serving stored results and storing each new one as it finishes.

    Args:
        tasks: what to check; tasks with the same store key run once.
        store: a :class:`ResultStore` or the path of its SQLite file.
        fresh: recompute (and overwrite) tasks already in the store.
        scheduler: "inline", "processes", or a Dask scheduler address "tcp://host:port".
            Default: ``$DASK_SCHEDULER_ADDRESS`` if set, else "processes".
        workers: local worker processes (default: ``os.cpu_count()``); "processes" only.
        progress: called with each :class:`TaskResult` as it is ready (stored ones first).

    Returns:
        One :class:`TaskResult` per task, in the order of ``tasks``. A stored error is never
        served: it is run again.

    A task's exception (e.g. a setting that violates the claim's assumptions) or Ctrl-C
    cancels the pending tasks and propagates; every finished result is already stored.
    """
    if not isinstance(store, ResultStore):
        with ResultStore(store) as opened:
            return sweep(
                tasks, opened, fresh=fresh, scheduler=scheduler, workers=workers, progress=progress
            )
    tasks = list(tasks)
    report = progress or (lambda result: None)
    keys = [_key(task) for task in tasks]
    done: dict[StoreKey, TaskResult] = {}
    todo: dict[StoreKey, Task] = {}
    for task, key in zip(tasks, keys):
        if key in done or key in todo:
            continue
        stored = None if fresh else _stored(store, task, key)
        if stored is None:
            todo[key] = task
        else:
            done[key] = TaskResult(task, key, dataclasses.replace(stored, cached=True), True)
            report(done[key])
    groups = _groups(list(todo.items()), store)
    calls = [[task for _, task in group] for group in groups]
    chosen = scheduler or os.environ.get(SCHEDULER_ENV) or "processes"
    if chosen == "processes":
        _check_picklable([task for group in calls for task in group])
    # closing(): an exception here (or Ctrl-C) must cancel the workers now, not when the
    # traceback holding this frame is freed.
    with closing(imap_unordered(_run, calls, scheduler=chosen, workers=workers)) as finished:
        for index, datas in finished:
            for (key, task), data in zip(groups[index], datas):
                result = TaskResult(task, key, Verdict.from_dict(data), cached=False)
                store.put(key, result.verdict, size=task.size)
                done[key] = result
                report(result)
    return [done[key] for key in keys]


def _groups(pending: list[tuple[StoreKey, Task]], store: ResultStore) -> list[list[Any]]:
    """Tasks that measure the same thing (one measurement function, setting and device, no
    foil) form one job, measured once; jobs run longest first (by the store's last timing of
    their claims), so that the slowest does not start last."""
    jobs: dict[str, list[tuple[StoreKey, Task]]] = {}
    for key, task in pending:
        claim = resolve_claim(task.claim)
        setting = claim.setting(task.size, **dict(task.overrides))
        shared = None if task.foil else measurement_key(claim, setting, task.device)
        jobs.setdefault(shared or repr(key), []).append((key, task))
    timings = store.timings()
    return sorted(jobs.values(), key=lambda job: -max(timings.get(k.claim_id, 0.0) for k, _ in job))


def _key(task: Task) -> StoreKey:
    claim = resolve_claim(task.claim)
    setting = claim.setting(task.size, **dict(task.overrides))
    return store_key(claim, setting, task.device, foil=task.foil)


def _stored(store: ResultStore, task: Task, key: StoreKey) -> Verdict | None:
    """The stored verdict of ``task`` (never an error); for a foil that perturbs measured values,
    derived from the stored verdict of the claim itself when there is one."""
    found = store.get(key)
    if found is not None and found.outcome != "error":
        return found
    claim = resolve_claim(task.claim)
    if not task.foil or claim.foil.measured is None:
        return None
    base = store.get(_key(dataclasses.replace(task, foil=False)))
    if base is None or base.outcome == "error":
        return None
    verdict = foiled(claim, base, task.size)
    store.put(key, verdict, size=task.size)
    return verdict


def _run(_shared: None, tasks: list[Task]) -> list[dict[str, Any]]:
    """One job: the first task measures, the others judge its measurement."""
    first = run_task(tasks[0])
    out = [first]
    for task in tasks[1:]:
        claim = resolve_claim(task.claim)
        options = {
            "size": task.size,
            "device": task.device,
            "outside_assumptions": task.outside_assumptions,
        }
        shared = Verdict.from_dict(first)
        out.append(check(claim, dict(task.overrides), shared=shared, **options).to_dict())
    return out


def _check_picklable(tasks: list[Task]) -> None:
    """Claim objects travel to worker processes by reference: they must be importable."""
    for task in tasks:
        try:
            pickle.dumps(task)
        except (pickle.PicklingError, AttributeError, TypeError) as err:
            name = getattr(task.claim, "id", task.claim)
            raise InvalidInputError(
                f"The task for claim {name!r} cannot be sent to worker processes ({err}). Define "
                "the claim and its measure function at module level of an importable module, "
                "pass its registered id, or use scheduler='inline'."
            ) from err
