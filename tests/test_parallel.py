"""Local worker processes: their share of the cores, for torch and for BLAS."""

from __future__ import annotations

import os

import pytest
from _sweep_claims import blas_threads_seen, variable_seen

from ntkcheck.parallel import _BLAS_THREAD_VARIABLES, _MALLOC_TUNABLES, imap_unordered


def test_workers_run_blas_on_their_share_of_the_cores(monkeypatch) -> None:
    # Two workers on two cores: one thread each in every BLAS numpy or scipy loaded, and this
    # process's environment is left as it was.
    pytest.importorskip("threadpoolctl")
    for name in _BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    seen = [counts for _, counts in imap_unordered(blas_threads_seen, [0, 1], workers=2)]
    assert all(seen) and all(n == 1 for counts in seen for n in counts.values()), seen
    assert not any(name in os.environ for name in _BLAS_THREAD_VARIABLES)


def test_a_users_blas_setting_is_kept(monkeypatch) -> None:
    pytest.importorskip("threadpoolctl")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    seen = [counts for _, counts in imap_unordered(blas_threads_seen, [0, 1], workers=2)]
    assert any(n == 2 for counts in seen for path, n in counts.items() if "openblas" in path)
    assert os.environ["OPENBLAS_NUM_THREADS"] == "2"


def test_workers_keep_freed_memory_for_their_next_temporaries(monkeypatch) -> None:
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    seen = [v for _, v in imap_unordered(variable_seen, ["GLIBC_TUNABLES"] * 2, workers=2)]
    assert seen == [_MALLOC_TUNABLES] * 2 and "GLIBC_TUNABLES" not in os.environ
