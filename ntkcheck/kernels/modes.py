"""Output conventions of the empirical NTK (docs/conventions.md).

``mode="full"``: (n1, n2, O, O); ``"trace"``: (n1, n2), a **sum** over outputs (``trace="mean"``
divides by O, as neural-tangents' ``trace_axes`` does); ``"diagonal"``: (n1, n2, O).
Scalar-output models (O = 1) always give (n1, n2).
"""

from __future__ import annotations

from typing import Literal

import torch

from ntkcheck.errors import InvalidInputError

Mode = Literal["full", "trace", "diagonal"]
TraceReduction = Literal["sum", "mean"]
MODES = ("full", "trace", "diagonal")


def check_mode(mode: str, trace: str) -> None:
    if mode not in MODES:
        raise InvalidInputError(f"`mode` must be one of {MODES}, got {mode!r}.")
    if trace not in ("sum", "mean"):
        raise InvalidInputError(
            f"`trace` must be 'sum' (default, Σ_o Θ_oo) or 'mean' (neural-tangents' "
            f"trace_axes convention, Σ_o Θ_oo / O), got {trace!r}."
        )


def reduce_full(theta: torch.Tensor, mode: str, trace: str) -> torch.Tensor:
    """Reduce a full kernel (n1, n2, O, O) to ``mode`` (used by paths that build the full form)."""
    if mode == "full":
        return theta
    diag = torch.diagonal(theta, dim1=2, dim2=3)
    if mode == "diagonal":
        return diag
    out = diag.sum(-1)
    return out / theta.shape[-1] if trace == "mean" else out


def finalize(kernel: torch.Tensor, mode: str, num_outputs: int) -> torch.Tensor:
    """Drop the output axes for scalar-output models, whatever the mode."""
    if num_outputs != 1 or mode == "trace":
        return kernel
    return kernel.reshape(kernel.shape[0], kernel.shape[1])


def kernel_shape(n1: int, n2: int, num_outputs: int, mode: str) -> tuple[int, ...]:
    if num_outputs == 1 or mode == "trace":
        return (n1, n2)
    return (n1, n2, num_outputs, num_outputs) if mode == "full" else (n1, n2, num_outputs)
