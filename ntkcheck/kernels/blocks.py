"""Kernels too large for one process: the empirical NTK assembled tile by tile into a .npy file.

Each upper tile (i ≤ j) of the symmetric (N, N) kernel is an independent task
``empirical_ntk(model, x[rows_i], x[rows_j])``; tiles run in this process, on local worker
processes or on a Dask cluster (see :func:`ntkcheck.parallel.imap_unordered`) and are written into a
float64 ``np.lib.format.open_memmap`` file, mirrored below the diagonal. The spectrum is then read
from the file: dense when it fits in memory, else matrix-free by streaming row blocks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.models.functional import ModelLike
from ntkcheck.parallel import check_engine, imap_unordered
from ntkcheck.validation import check_inputs, check_output_file, check_positive_int


def assemble_ntk_blocks(
    model: ModelLike,
    x: torch.Tensor,
    *,
    block_size: int,
    out: str | Path,
    scheduler: str | None = None,
    workers: int | None = None,
    mode: str = "trace",
    method: str = "auto",
) -> np.memmap:
    """The empirical NTK Θ(x, x), computed in tiles of ``block_size`` rows, stored at ``out``.

    Args:
        model: an ``nn.Module`` (or ``(f, params)`` pair) as :func:`empirical_ntk` takes; sent
            once to each worker (pickled: a module-level class, or a picklable ``f``).
        x: (N, ...) inputs in the model's dtype, on the model's device.
        block_size: rows per tile; N need not be a multiple. Working memory is one tile.
        out: the ``.npy`` file to write (float64). It appears only when complete: tiles go to
            ``<out>.partial`` first, renamed at the end.
        scheduler: None (this process, tile by tile), "processes" (local worker processes,
            ``workers`` of them, default one per core) or a Dask scheduler "tcp://host:port".
        workers: local worker processes for "processes" (default: ``os.cpu_count()``).
        mode: as :func:`empirical_ntk`: "trace" gives (N, N); for O > 1 outputs "full" gives
            (N, N, O, O) and "diagonal" (N, N, O).
        method: the eNTK method of every tile, as :func:`empirical_ntk` takes it.

    Returns:
        The kernel as a read-only ``np.memmap`` of ``out``; equal to
        ``empirical_ntk(model, x, mode=mode)`` up to rounding.

    Raises:
        InvalidInputError: a bad argument; ``out`` a folder, or in a missing or read-only one.
        StorageError: the kernel would not fit in the free space of ``out``'s disk.
    """
    check_positive_int("block_size", block_size, "Pass rows per tile, e.g. block_size=1024.")
    check_engine(scheduler or "inline", workers)
    check_inputs("x", x)
    out = Path(out)
    n = int(x.shape[0])
    # Validates model, inputs, mode and method here, before any worker starts; gives the
    # output axes.
    probe = empirical_ntk(model, x[:1], mode=mode, method=method)
    check_output_file("out", out, 8.0 * n * n * probe[0, 0].numel())
    spans = [(s, min(s + block_size, n)) for s in range(0, n, block_size)]
    partial = out.with_name(out.name + ".partial")
    kernel = np.lib.format.open_memmap(
        partial, mode="w+", dtype=np.float64, shape=(n, n, *probe.shape[2:])
    )
    # Imported here so that importing ntkcheck.kernels does not load the sweep machinery.
    # Workers get the model and the inputs once, then only the row ranges of each tile (i ≤ j).
    items = [(spans[i], spans[j]) for i in range(len(spans)) for j in range(i, len(spans))]
    # clone(): a pickled view of a larger tensor would carry all of its storage.
    shared = (model, x if scheduler is None else x.clone(), mode, method)
    tiles = imap_unordered(
        _tile, items, shared=shared, scheduler=scheduler or "inline", workers=workers
    )
    try:
        for index, tile in tiles:
            (r0, r1), (c0, c1) = items[index]
            kernel[r0:r1, c0:c1] = tile
            if r0 != c0:
                kernel[c0:c1, r0:r1] = _mirror(tile)
        kernel.flush()
    except BaseException:
        tiles.close()  # cancel the tiles not yet started (Ctrl-C, a failed tile)
        partial.unlink()
        raise
    del kernel
    os.replace(partial, out)
    return np.load(out, mmap_mode="r")


def _tile(
    shared: tuple[Any, torch.Tensor, str, str], item: tuple[tuple[int, int], tuple[int, int]]
) -> np.ndarray:
    """Θ(x[rows], x[cols]) as float64 numpy; a diagonal tile is computed as a symmetric one."""
    model, x, mode, method = shared
    (r0, r1), (c0, c1) = item
    cols = None if (r0, r1) == (c0, c1) else x[c0:c1]
    theta = empirical_ntk(model, x[r0:r1], cols, mode=mode, method=method)
    return theta.detach().cpu().numpy(force=True).astype(np.float64, copy=False)


def _mirror(tile: np.ndarray) -> np.ndarray:
    """Θ(x2, x1) from Θ(x1, x2): swap the example axes, and the output axes of a full kernel."""
    return tile.transpose(1, 0, 3, 2) if tile.ndim == 4 else np.swapaxes(tile, 0, 1)
