"""Tiny claims for the store and sweep tests, at module level so worker processes import them,
and the exact comparison of stored records."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from ntkcheck.claims import Claim, Counts, Foil, Requirement, Seed, Source

SRC = Source("Test paper", "0000.00000", "Lemma 1")


CALLS: list[dict[str, Any]] = []  # settings _fast measured, in this process


def _fast(*, x: float = 1.0, seed: Seed = 0, widths: Counts = (2, 4)) -> dict[str, Any]:
    CALLS.append({"x": x, "seed": seed})
    rng = np.random.default_rng(seed)
    curve = rng.random(5) * x
    # An int array and a non-finite float exercise the store's exact round trip.
    return {"value": float(curve.max()), "curve": curve, "counts": np.arange(3), "inf": np.inf}


def _fail_or_error(*, x: float = 1.0) -> dict[str, Any]:
    if x < 0:
        raise RuntimeError("negative x")
    return {"value": x, "curve": np.zeros(2), "counts": np.arange(1), "inf": 0.0}


def _dies_once(*, marker: str = "", delay: float = 0.0) -> dict[str, Any]:
    """Kills its own worker process the first time it runs (the marker file remembers)."""
    time.sleep(delay)
    if not Path(marker).exists():
        Path(marker).touch()
        os._exit(1)
    return {"value": 0.0, "curve": np.zeros(1), "counts": np.arange(1), "inf": 0.0}


def _tripled(measured: dict[str, Any]) -> dict[str, Any]:
    return {**measured, "value": 3 * measured["value"] + 3}


def _claim(slug: str, measure: Any, bound: Any) -> Claim:
    return Claim(
        id=f"sweeptest.toy.{slug}",
        source=SRC,
        status="derived",
        statement=f"The toy {slug} value is below its bound.",
        requirements=(Requirement("value", "<=", bound, "toy bound"),),
        measure=measure,
        foil=Foil("value tripled plus three", measured=_tripled),
        sizes={"quick": {}, "full": {}},
    )


FAST = _claim("fast", _fast, "x")
FAST_TWIN = _claim("fast_twin", _fast, 2)  # another bound on the same measurement
FAIL_OR_ERROR = _claim("fail_or_error", _fail_or_error, 2)
DIES_ONCE = _claim("dies_once", _dies_once, 1)


def assert_same_record(got: Any, want: Any, ignore: tuple[str, ...] = ("seconds",)) -> None:
    """Exact equality of nested records: same types (tuple is not list), same array dtypes and
    values, NaN equal to NaN; top-level keys in ``ignore`` (run timings) are skipped."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), (got, want)
        for k in want:
            if k not in ignore:
                assert_same_record(got[k], want[k], ())
    elif isinstance(want, (list, tuple)):
        assert type(got) is type(want) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            assert_same_record(g, w, ())
    elif isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray) and got.dtype == want.dtype, (got, want)
        np.testing.assert_array_equal(got, want)
    else:
        assert type(got) is type(want), (got, want)
        assert got == want or (got != got and want != want), (got, want)


def blas_threads_seen(_shared: None, _item: int) -> dict[str, int]:
    """The thread count of every BLAS/OpenMP library loaded in this (worker) process."""
    from threadpoolctl import threadpool_info

    return {info["filepath"]: info["num_threads"] for info in threadpool_info()}


def variable_seen(_shared: None, name: str) -> str | None:
    """The environment variable ``name`` as this (worker) process sees it."""
    return os.environ.get(name)
