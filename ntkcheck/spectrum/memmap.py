"""λ_min of a kernel stored as a ``.npy`` file (e.g. assembled block by block): dense when it
fits in memory several times over, Cholesky shift-invert when it fits about three times, else
Lanczos on an operator that streams row blocks of the memory map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse.linalg import LinearOperator

from ntkcheck.errors import InvalidInputError
from ntkcheck.spectrum.smallest import (
    Interval,
    dense_fits,
    lambda_min,
    lambda_min_shift_invert,
)
from ntkcheck.validation import check_memory_budget, check_positive_int, check_seed, open_npy

# Shift-invert holds the matrix and one Cholesky work array; the third copy is headroom for
# ARPACK's basis, LAPACK's and numpy's blocks, and the allocator.
_SHIFT_INVERT_COPIES = 3


def memmap_operator(path: str | Path, block_rows: int = 4096) -> LinearOperator:
    """The symmetric (N, N) matrix in the ``.npy`` file ``path`` as a float64 LinearOperator.

    Products stream ``block_rows`` rows of the memory-mapped file at a time, so memory is
    ``block_rows · N`` entries however large N is.
    """
    check_positive_int("block_rows", block_rows, "Pass rows per block, e.g. block_rows=4096.")
    K = _open_square(path)
    n = K.shape[0]

    def matmat(V: np.ndarray) -> np.ndarray:
        V = np.asarray(V, dtype=np.float64).reshape(n, -1)
        result = np.empty((n, V.shape[1]))
        for s in range(0, n, block_rows):
            result[s : s + block_rows] = np.asarray(K[s : s + block_rows], np.float64) @ V
        return result

    def matvec(v: np.ndarray) -> np.ndarray:
        return matmat(np.reshape(v, (n, 1)))[:, 0]

    return LinearOperator(
        (n, n), matvec=matvec, rmatvec=matvec, matmat=matmat, rmatmat=matmat, dtype=np.float64
    )


def lambda_min_npy(
    path: str | Path,
    *,
    certify: bool = False,
    block_rows: int = 4096,
    memory_budget: float | None = None,
    seed: int = 0,
) -> float | Interval:
    """λ_min of the kernel in ``path``, by the first method whose memory, counted in copies of
    the N×N float64 matrix, fits in ``memory_budget`` bytes (default: half the available memory):

    - N ≤ 4096 and ~6 copies fit: dense, full spectrum (:func:`ntkcheck.spectrum.lambda_min`).
    - ~3 copies fit (and any larger N): loaded into memory, Cholesky shift-invert
      (:func:`ntkcheck.spectrum.smallest.lambda_min_shift_invert`): two Cholesky
      factorizations (N³/3 flops each) and tens of triangular solves. Its ``certify=True``
      interval is proven like the dense one, and tight (width ≈ 2(N+3)·u·tr(K)) even when
      the smallest eigenvalues are clustered.
    - else: Lanczos on :func:`memmap_operator`, streaming ``block_rows`` rows at a time. Its
      interval is a Ritz error bar [θ − ‖r‖, θ + ‖r‖]: it contains λ_min unless Lanczos missed
      the bottom of the spectrum, and it is wide when that bottom is clustered.

    See :func:`ntkcheck.spectrum.lambda_min` for what ``certify`` guarantees.
    """
    check_positive_int("block_rows", block_rows, "Pass rows per block, e.g. block_rows=4096.")
    check_seed("seed", seed)
    budget = check_memory_budget(memory_budget)
    n = _open_square(path).shape[0]
    if dense_fits(n, budget):
        return lambda_min(np.load(path, mmap_mode="r"), certify=certify, seed=seed)
    if _SHIFT_INVERT_COPIES * 8.0 * n * n <= budget:
        # The loaded array is ours: symmetrize it in place rather than copy it.
        K = np.load(path)
        return lambda_min_shift_invert(K, certify=certify, seed=seed, overwrite_k=True)
    return lambda_min(memmap_operator(path, block_rows), certify=certify, seed=seed)


def _open_square(path: str | Path) -> np.memmap:
    K = open_npy(
        "path",
        path,
        "Pass the file written by assemble_ntk_blocks or numpy.save(path, K) for a float "
        "(N, N) kernel K.",
    )
    if K.ndim != 2 or K.shape[0] != K.shape[1] or not np.issubdtype(K.dtype, np.floating):
        raise InvalidInputError(
            f"{path} holds a {K.dtype} array of shape {K.shape}; the spectrum needs a square "
            "floating (N, N) kernel. Assemble it with mode='trace' (or a scalar-output model)."
        )
    return K
