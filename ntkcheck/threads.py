"""Thread counts for a block of small-matrix work: torch's intra-op threads and numpy/scipy's
BLAS threads.

On small models (widths ≤ ~1000, batches of tens) a second intra-op thread only adds
synchronization; on a loaded 2-core machine it made training runs 6–40× slower (measured by
the GAN, flow and GDA experiments). numpy's OpenBLAS is the same story: on a loaded 2-core
machine the SVD of the 1797×64 digits took ~1.5 s with its 2 threads and ~15 ms with 1 (the
same bits). The counts are process-wide: run concurrent work in processes, not Python threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(count: int = 1) -> Iterator[None]:
    """Run the block with ``count`` intra-op threads, restoring the previous count after."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextmanager
def blas_threads(count: int = 1) -> Iterator[None]:
    """Run the block with numpy's and scipy's BLAS limited to ``count`` threads, restoring the
    previous counts after (through threadpoolctl, installed with scikit-learn; without it the
    block runs with the libraries' own counts: slower under load, the same numbers).

    OpenBLAS splits a product's output, not its sums, across threads, so the count does not
    change results (checked bitwise on the GAN study's digits metrics).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional (scikit-learn's dependency)
        yield
        return
    with threadpool_limits(limits=count, user_api="blas"):
        yield
