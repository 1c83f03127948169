"""Boundary checks shared by the kernels, spectra and models.

Each check raises :class:`~ntkcheck.errors.InvalidInputError` with the argument's name, the value
it got and the fix.
"""

from __future__ import annotations

import math
import os
import shutil
import warnings
from numbers import Real
from pathlib import Path

import numpy as np
import torch

from ntkcheck.errors import InvalidInputError, KernelMemoryError, PrecisionWarning, StorageError


def check_inputs(name: str, x: torch.Tensor, *, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Check that ``x`` is a floating tensor of shape (N, ...) with N >= 1 and finite entries.

    ``dtype`` is the model's dtype: a mismatch is an error, never a silent cast, because a float32
    input to a float64 model would make every downstream spectral number float32-accurate.
    """
    if not isinstance(x, torch.Tensor):
        raise InvalidInputError(
            f"`{name}` must be a torch.Tensor of shape (N, ...), got {type(x).__name__}. "
            f"Convert it with torch.as_tensor({name}, dtype=torch.float64)."
        )
    if not (x.is_floating_point() or x.is_complex()):
        raise InvalidInputError(
            f"`{name}` has integer dtype {x.dtype}; the NTK needs floating inputs. "
            f"Pass {name}.to(torch.float64)."
        )
    if x.ndim == 0 or x.shape[0] == 0:
        raise InvalidInputError(
            f"`{name}` must have shape (N, ...) with N >= 1 examples, got shape {tuple(x.shape)}. "
            f"For a single example use {name}.unsqueeze(0)."
        )
    if dtype is not None and x.dtype != dtype:
        raise InvalidInputError(
            f"`{name}` has dtype {x.dtype} but the model's parameters are {dtype}. "
            f"Pass {name}.to({dtype}) (ntkcheck does not cast silently)."
        )
    check_finite(name, x)
    return x


def all_finite(x: torch.Tensor) -> bool:
    """Every entry of ``x`` finite. A NaN or inf entry makes the sum NaN or inf, so a finite sum
    clears x in one reduction; only a sum that overflowed needs the entrywise test (~20x dearer
    on a 256 × 256 matrix)."""
    return x.numel() == 0 or bool(torch.isfinite(x.sum())) or bool(torch.isfinite(x).all())


def check_finite(
    name: str,
    x: torch.Tensor,
    fix: str = "Clean or drop those rows before computing the kernel.",
) -> None:
    """Raise if ``x`` has NaN or inf entries: how many, where the first is, and ``fix``."""
    if all_finite(x):
        return
    bad = ~torch.isfinite(x)
    if bool(bad.any()):
        count = int(bad.sum())
        first = tuple(int(i) for i in bad.nonzero()[0])
        raise InvalidInputError(
            f"`{name}` has {count} non-finite entr{'y' if count == 1 else 'ies'} (NaN or inf), "
            f"first at index {first}. {fix}"
        )


def check_positive_int(name: str, value: int, example: str) -> int:
    """Raise unless ``value`` is an integer >= 1; ``example`` shows a valid call."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidInputError(f"`{name}` must be an integer >= 1, got {value!r}. {example}")
    return int(value)


def check_seed(name: str, seed: int) -> int:
    """Raise unless ``seed`` is an integer >= 0 (what ``numpy.random.default_rng`` accepts)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidInputError(
            f"`{name}` must be an integer >= 0, got {seed!r}. Pass a fixed seed, e.g. {name}=0."
        )
    return int(seed)


def is_finite_real(value: object) -> bool:
    """True for a finite int or float (numpy scalars included), False for bools and the rest."""
    return not isinstance(value, bool) and isinstance(value, Real) and math.isfinite(value)


def check_memory_budget(value: float | None, name: str = "memory_budget") -> float:
    """Bytes allowed: ``value``, a finite number > 0, or half the available memory for None."""
    if value is None:
        return 0.5 * available_memory_bytes()
    if not (is_finite_real(value) and value > 0):
        raise InvalidInputError(
            f"`{name}` must be a number of bytes > 0, got {value!r}. Pass e.g. {name}=4 * 2**30 "
            "(4 GiB), or None for half of the available memory."
        )
    return float(value)


def as_float64_matrix(name: str, K: torch.Tensor | np.ndarray) -> np.ndarray:
    """Return ``K`` as a float64 numpy array, warning (not failing) when it arrived in float32.

    Spectral quantities are always computed in float64; a float32 kernel has already lost
    digits, which the warning says.
    """
    is_complex = K.is_complex() if isinstance(K, torch.Tensor) else np.iscomplexobj(K)
    if is_complex:
        raise InvalidInputError(
            f"`{name}` is complex ({K.dtype}); the spectrum functions take real symmetric "
            "matrices, and a cast would drop the imaginary part. For a complex Hermitian "
            f"{name}, pass the real symmetric [[{name}.real, -{name}.imag], [{name}.imag, "
            f"{name}.real]] (np.block), which has the same eigenvalues, each twice."
        )
    if isinstance(K, torch.Tensor):
        if K.dtype in (torch.float32, torch.float16, torch.bfloat16):
            _warn_low_precision(name, str(K.dtype))
        arr = K.detach().cpu().to(torch.float64).numpy(force=True)
    else:
        arr = np.asarray(K)
        if arr.dtype in (np.float32, np.float16):
            _warn_low_precision(name, str(arr.dtype))
        if not np.issubdtype(arr.dtype, np.floating):
            raise InvalidInputError(
                f"`{name}` must be a floating matrix, got dtype {arr.dtype}. "
                f"Pass np.asarray({name}, dtype=np.float64)."
            )
        arr = arr.astype(np.float64, copy=False)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise InvalidInputError(
            f"`{name}` must be a non-empty square matrix (n, n), got shape {arr.shape}. "
            "For a multi-output kernel (n, n, O, O) use empirical_ntk(..., mode='trace') or "
            "reshape it to (n*O, n*O) with K.permute(0, 2, 1, 3).reshape(n*O, n*O)."
        )
    if not np.all(np.isfinite(arr)):
        raise InvalidInputError(
            f"`{name}` has non-finite entries (NaN or inf); the kernel computation upstream "
            "failed. Check the model's parameters and inputs for NaN/inf."
        )
    return arr


def _warn_low_precision(name: str, dtype: str) -> None:
    warnings.warn(
        f"`{name}` is {dtype}; spectral quantities are computed in float64, but the matrix has "
        "already lost precision. Build the model and inputs in float64 for trustworthy λ_min.",
        PrecisionWarning,
        stacklevel=3,
    )


def available_memory_bytes() -> int:
    """Memory available to this process (MemAvailable on Linux, else 4 GiB as a safe guess)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 * 2**30


def check_memory(what: str, nbytes: float, budget: float | None, fix: str) -> None:
    """Raise :class:`KernelMemoryError` when ``nbytes`` exceeds ``budget``.

    ``budget=None`` means half of the currently available memory.
    """
    limit = check_memory_budget(budget)
    if nbytes > limit:
        raise KernelMemoryError(
            f"{what} needs about {format_bytes(nbytes)}, over the memory budget of "
            f"{format_bytes(limit)}. {fix}"
        )


def open_npy(name: str, path: str | Path, fix: str) -> np.ndarray:
    """The array in the ``.npy`` file ``path``, memory-mapped (read lazily); a missing or
    unreadable file (a folder, not .npy, pickled objects) raises with ``fix``."""
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as err:
        raise InvalidInputError(
            f"`{name}` {str(path)!r} is not a readable .npy array ({err}). {fix}"
        ) from None


def check_output_file(name: str, path: Path, nbytes: float) -> None:
    """Raise unless a file of ``nbytes`` can be written at ``path``: its folder exists and is
    writable, ``path`` is not a folder, and the disk has the space free."""
    folder = path.parent
    problem = (
        "is a folder" if path.is_dir()
        else "is in a folder that does not exist" if not folder.is_dir()
        else "is in a folder this process cannot write to" if not os.access(folder, os.W_OK)
        else None
    )  # fmt: skip
    if problem:
        raise InvalidInputError(
            f"`{name}` = {str(path)!r} {problem}. Pass a file path in an existing, writable "
            "folder, e.g. ntk.npy."
        )
    free = shutil.disk_usage(folder).free
    if nbytes > free:
        raise StorageError(
            f"`{name}` = {str(path)!r} would hold {format_bytes(nbytes)}, but its disk has "
            f"{format_bytes(free)} free. Pass a path on a larger disk, or fewer points."
        )


def format_bytes(nbytes: float) -> str:
    """Human-readable size: '512.0 KiB', '3.20 GiB'."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes:.0f} B"
