"""The structured eNTK path with its per-group strategy forced, for the oracle tests."""

from __future__ import annotations

import torch
from torch import nn

from ntkcheck.kernels.coverage import dense_coverage
from ntkcheck.kernels.modes import finalize
from ntkcheck.kernels.structured import structured_features, structured_pair
from ntkcheck.models.functional import functionalize


def forced_structured(
    model: nn.Module, x1: torch.Tensor, x2: torch.Tensor, mode: str, summed: bool
) -> torch.Tensor:
    """Θ(x1, x2) with every covered parameter summed per example (``summed``) or by cross terms."""
    fm = functionalize(model)
    cov = dense_coverage(fm, x1)
    chosen = set(cov.covered) if summed else set()
    f1 = structured_features(fm, cov, x1, chosen)
    f2 = structured_features(fm, cov, x2, chosen)
    num_outputs = fm(x1[:1]).shape[1]
    return finalize(structured_pair(f1, f2, mode, "sum", num_outputs), mode, num_outputs)
