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


class ClaimDefinitionError(NTKCheckError, ValueError):
    """A claim's own definition is inconsistent (unknown symbol, bad size, duplicate name...)."""


class SettingError(InvalidInputError, KeyError):
    """A setting names an unknown field or gives a field a value it cannot take.

    Also a ``KeyError`` so that ``except KeyError`` around unknown keys keeps working."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownClaimError(SettingError):
    """No registered claim has this id (the message suggests the closest ones)."""


class PluginWarning(UserWarning):
    """A claims plugin could not be loaded (or registered a duplicate id) and was skipped."""


class FigureDataError(NTKCheckError, ValueError):
    """A verdict lacks the arrays its figure spec names, or their shapes do not fit."""


class StoreSchemaError(NTKCheckError, ValueError):
    """The file is not a results store this ntkcheck can read (newer or unknown schema)."""


class StoreAccessError(NTKCheckError, PermissionError):
    """The results store cannot be written (or does not exist for reading)."""


class JudgeError(NTKCheckError, ValueError):
    """A requirement cannot be evaluated on a measurement (NaN, ragged, a bound without a
    value): the claim's verdict is an error naming it, never a pass or a fail."""
