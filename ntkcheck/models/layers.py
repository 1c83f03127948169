"""Dense layer with explicit parameterization multipliers.

``y = weight_multiplier · x Wᵀ + bias_multiplier · b``. The multipliers carry the
parameterization (NTK: σ_w/√fan_in and σ_b; standard: 1 and 1; µP: per-layer powers of the
width), so the *trainable* entries keep their own scale and gradient descent acts on them
directly. The structured NTK path reads the multipliers; nothing kernel-specific lives here.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Dense(nn.Module):
    """Affine map with multipliers.

    Shapes: ``x: (N, in_features) -> (N, out_features)``; ``weight: (out, in)``,
    ``bias: (out,)`` or None.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        bias: bool = True,
        weight_multiplier: float = 1.0,
        bias_multiplier: float = 1.0,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight_multiplier = float(weight_multiplier)
        self.bias_multiplier = float(bias_multiplier)
        self.weight = nn.Parameter(torch.empty(out_features, in_features, dtype=dtype))
        self.bias = nn.Parameter(torch.empty(out_features, dtype=dtype)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight_multiplier == 1.0 and self.bias_multiplier == 1.0:
            return F.linear(x, self.weight, self.bias)  # one fused pass (addmm)
        y = F.linear(x, self.weight)
        if self.weight_multiplier != 1.0:
            y = y * self.weight_multiplier
        if self.bias is not None:
            y = y + self.bias_multiplier * self.bias
        return y

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}, weight_multiplier={self.weight_multiplier:.4g}, "
            f"bias_multiplier={self.bias_multiplier:.4g}"
        )
