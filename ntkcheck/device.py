"""Where tensors live: ``--device cpu|cuda`` for the CLI, ``device=`` for the library.

Every seeded draw in ntkcheck is made on the CPU from a ``torch.Generator`` and then moved, so
a seed gives the same initial weights and data on every device; results on a GPU then differ
from the CPU's only by floating-point rounding. Computations stay in float64 on every device.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from ntkcheck.errors import DeviceError

CPU = torch.device("cpu")


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``"cpu"``, ``"cuda"``, ``"cuda:N"`` (or a torch.device) checked against this machine;
    None means the CPU."""
    if device is None:
        return CPU
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise DeviceError(f"Unknown device {device!r}; pass 'cpu', 'cuda' or 'cuda:N'.") from err
    if resolved.type == "cpu":
        return resolved
    if resolved.type != "cuda":
        raise DeviceError(
            f"Device type {resolved.type!r} is not supported; pass 'cpu', 'cuda' or 'cuda:N'."
        )
    if not torch.cuda.is_available():
        raise DeviceError(
            f"Device {device!r} requested, but CUDA is not available here (torch "
            f"{torch.__version__}, torch.cuda.is_available() is False). Run with --device cpu "
            "(device='cpu'), or install a CUDA build of torch on a machine with an NVIDIA GPU."
        )
    index = 0 if resolved.index is None else resolved.index
    if index >= torch.cuda.device_count():
        raise DeviceError(
            f"Device {device!r} requested, but only {torch.cuda.device_count()} CUDA device(s) "
            f"are visible (cuda:0 … cuda:{torch.cuda.device_count() - 1})."
        )
    return torch.device("cuda", index)


@contextmanager
def on_device(device: str | torch.device | None = None) -> Iterator[torch.device]:
    """Run the block with ``device`` as torch's default device for new tensors and modules
    (models, data and kernels built inside land there). Names are checked with
    :func:`resolve_device`; a ``torch.device`` is taken as already resolved."""
    resolved = device if isinstance(device, torch.device) else resolve_device(device)
    if resolved == torch.get_default_device():
        # Already the default: skip the device mode, which intercepts every torch call.
        yield resolved
        return
    with torch.device(resolved):
        yield resolved


def to_default(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` (drawn on the CPU from a seeded generator) moved to the default device."""
    return tensor.to(torch.get_default_device())
