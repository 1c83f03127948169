"""Run ``fn(shared, item)`` over items on an existing engine, yielding results as they finish.

``"inline"`` (this process, in order), ``"processes"`` (``concurrent.futures.ProcessPoolExecutor``,
one worker per core by default, each with ``cores // workers`` threads for torch and for
numpy's and scipy's BLAS so workers do not oversubscribe, and glibc malloc keeping freed
memory for the next temporaries), or a Dask distributed scheduler
address ``"tcp://host:port"``. Used by claim sweeps (:mod:`ntkcheck.sweep`) and block-wise
kernels (:mod:`ntkcheck.kernels.blocks`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

from ntkcheck.errors import InvalidInputError
from ntkcheck.validation import check_positive_int


def imap_unordered(
    fn: Callable[[Any, Any], Any],
    items: Sequence[Any],
    *,
    shared: Any = None,
    scheduler: str = "processes",
    workers: int | None = None,
) -> Generator[tuple[int, Any], None, None]:
    """Yield ``(i, fn(shared, items[i]))`` as each call finishes, on the chosen ``scheduler``.

    ``shared`` (e.g. a model) is sent once per worker, not once per item. ``fn`` must be
    importable (module level) for "processes" and Dask. Closing the iterator early (an
    exception or Ctrl-C in the caller) cancels the calls not yet started.
    """
    check_engine(scheduler, workers)
    remote = "://" in scheduler
    if scheduler == "inline" or not items:
        return _inline(fn, items, shared)
    if remote:
        return _dask(fn, items, shared, scheduler)
    return _local(fn, items, shared, workers)


def check_engine(
    scheduler: str, workers: int | None, names: tuple[str, str] = ("scheduler", "workers")
) -> None:
    """Raise unless ``scheduler`` and ``workers`` are valid for :func:`imap_unordered`; ``names``
    are the argument names the message uses (e.g. the command-line flags)."""
    scheduler_name, workers_name = names
    if workers is not None:
        check_positive_int(workers_name, workers, "Pass local worker processes, e.g. 2.")
    remote = isinstance(scheduler, str) and "://" in scheduler
    if scheduler not in ("inline", "processes") and not remote:
        raise InvalidInputError(
            f"`{scheduler_name}` must be 'inline', 'processes' or a Dask scheduler address such "
            f"as 'tcp://10.0.0.5:8786', got {scheduler!r}."
        )
    if remote and workers is not None:
        raise InvalidInputError(
            f"`{workers_name}` applies to local processes, got {workers} with the Dask "
            f"scheduler {scheduler!r}. Size the Dask cluster with its own options instead."
        )


_SHARED: Any = None


# Read by the libraries as they load, so set for the spawn (a worker has loaded numpy before
# its initializer runs). BLAS: the worker's share of the cores (two OpenBLAS threads per worker
# on a loaded machine made a 1797×64 SVD 100x slower). glibc malloc: tensors up to 32 MiB come
# from the heap and up to 256 MiB of freed memory stays there, instead of an mmap, page faults
# and munmap per temporary (a third of a flow training step's wall time went to the kernel).
_BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
_MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456"


@contextmanager
def _spawn_environment(threads: int) -> Iterator[None]:
    """Processes spawned in the block see ``threads`` for every BLAS variable and the malloc
    tunables, where the user left them unset; this process's environment is restored after."""
    wanted = {name: str(threads) for name in _BLAS_THREAD_VARIABLES}
    wanted["GLIBC_TUNABLES"] = _MALLOC_TUNABLES
    unset = [name for name in wanted if name not in os.environ]
    os.environ.update({name: wanted[name] for name in unset})
    try:
        yield
    finally:
        for name in unset:
            os.environ.pop(name, None)


def _init_worker(threads: int, shared: Any) -> None:
    global _SHARED
    torch.set_num_threads(threads)
    _SHARED = shared


def _call_shared(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(_SHARED, item)


@dataclass(frozen=True)
class _Boxed:
    """Makes Dask pickle ``value`` whole: its generic nn.Module serializer rebuilds a module's
    ``__dict__`` with plain dicts where torch needs its hook OrderedDicts."""

    value: Any


def _call_boxed(fn: Callable[[Any, Any], Any], boxed: _Boxed, item: Any) -> Any:
    return fn(boxed.value, item)


def _inline(
    fn: Callable[[Any, Any], Any], items: Sequence[Any], shared: Any
) -> Generator[tuple[int, Any], None, None]:
    for i, item in enumerate(items):
        yield i, fn(shared, item)


def _local(
    fn: Callable[[Any, Any], Any], items: Sequence[Any], shared: Any, workers: int | None
) -> Generator[tuple[int, Any], None, None]:
    cores = os.cpu_count() or 1
    count = min(workers or cores, len(items))
    threads = max(1, cores // count)
    # spawn, not fork: forking a process whose torch thread pools are running can deadlock.
    pool = ProcessPoolExecutor(
        count,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(threads, shared),
    )
    try:
        with _spawn_environment(threads):  # the pool spawns its workers on these submits
            futures = {pool.submit(_call_shared, fn, item): i for i, item in enumerate(items)}
        for future in as_completed(futures):
            yield futures[future], future.result()
    except BaseException as err:
        if isinstance(err, KeyboardInterrupt):
            # Ctrl-C: stop the running calls too, instead of waiting for them at exit.
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _dask(
    fn: Callable[[Any, Any], Any], items: Sequence[Any], shared: Any, address: str
) -> Generator[tuple[int, Any], None, None]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError as err:
        raise ImportError(
            f"scheduler={address!r} runs on Dask, which is not installed: "
            "pip install 'ntkcheck[dask]' (or pip install 'dask[distributed]')."
        ) from err
    with Client(address, set_as_default=False) as client:
        # Sent to every worker once; a worker's death loses it only if no other holds a copy.
        boxed = _Boxed(shared)
        sent = boxed if shared is None else client.scatter(boxed, broadcast=True, hash=False)
        futures = {
            client.submit(_call_boxed, fn, sent, item, pure=False): i
            for i, item in enumerate(items)
        }
        try:
            # set_as_default=False: as_completed needs this client's loop passed explicitly.
            for future in as_completed(futures, loop=client.loop):
                yield futures[future], future.result()
        except BaseException:
            client.cancel(list(futures))
            raise
