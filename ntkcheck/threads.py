"""torch's intra-op thread count for a block of small-tensor work.

On small models (widths ≤ ~1000, batches of tens) a second intra-op thread only adds
synchronization; on a loaded 2-core machine it made training runs 6–40× slower (measured by
the GAN, flow and GDA experiments). The count is process-wide: run concurrent work in processes,
not Python threads.
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
