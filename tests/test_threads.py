"""Thread-count blocks restore the process-wide counts they change."""

from __future__ import annotations

import pytest

from ntkcheck.threads import blas_threads


def test_blas_threads_limits_and_restores_numpy_blas():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def counts() -> list[int]:
        pools = threadpoolctl.threadpool_info()
        return [p["num_threads"] for p in pools if p["user_api"] == "blas"]

    before = counts()
    with blas_threads(1):
        assert all(n == 1 for n in counts())
    assert counts() == before
