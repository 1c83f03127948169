"""Exceptions and warnings raised by ntkcheck.

Every error names the offending argument, shows the value and says what to do instead, so a
wrong number is never returned silently.
"""

from __future__ import annotations


class NTKCheckError(Exception):
    """Base class of every ntkcheck error."""


class InvalidInputError(NTKCheckError, ValueError):
    """An argument has the wrong shape, dtype or value (NaN/inf, integer inputs, bad widths...)."""


class CrossExampleCouplingError(NTKCheckError, ValueError):
    """The model's output on one example depends on another (BatchNorm in train mode, ...).

    The NTK is defined per pair of examples; a batch-coupled model has no such kernel.
    """


class KernelMemoryError(NTKCheckError, MemoryError):
    """The requested kernel (or its intermediates) would not fit in the memory budget."""


class StorageError(NTKCheckError, OSError):
    """An output file would not fit in the free space of its disk."""


class NotPSDError(NTKCheckError, ArithmeticError):
    """A Gram matrix has an eigenvalue below the rounding threshold -n·eps·||K||."""


class PrecisionWarning(UserWarning):
    """A spectral quantity was requested in low precision; it is computed in float64."""


class DivergenceWarning(UserWarning):
    """Training stopped: the loss became non-finite or exploded; the trajectory so far is kept."""


class DeviceError(NTKCheckError, RuntimeError):
    """The requested device is unknown or not available on this machine."""
