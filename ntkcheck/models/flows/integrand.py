"""The UNF's positive integrand N = ELU(u) + 1 with a one-hidden-layer ReLU pre-activation u.

    u(h) = Σ_{r=1..m} a_r ReLU(w_rᵀ h + b_r),      N(h) = ELU(u(h)) + 1 > 0,

where h = (x_1, …, x_{i−1}, t) (earlier coordinates, then the integration variable). Init
(reference code, "gaussian-sqrt(m)"): w, b ~ N(0, 1/m) trained; a ~ N(0, 0.25²) FIXED
(``requires_grad=False``: gradients never reach it).

Why ELU + 1: u ↦ −log(ELU(u) + 1) is convex with slope in [−1, 0), the property the paper's
convexity argument uses; ``log_elu_plus_one`` computes it without forming a tiny ELU(u) + 1.

References: Wehenkel & Louppe 2019, "Unconstrained Monotonic Neural Networks" (UMNN); Shah et
al. 2022, arXiv 2106.10535 (UNF, reference code UNF/utils.py ``MLP``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ntkcheck.device import CPU
from ntkcheck.models.layers import Dense

A_STD = 0.25  # init std of the fixed output weights a (reference: std_a)


def elu_plus_one(u: torch.Tensor) -> torch.Tensor:
    """ELU(u) + 1 = exp(u) for u <= 0, 1 + u for u > 0 (always > 0)."""
    return F.elu(u) + 1.0


def log_elu_plus_one(u: torch.Tensor) -> torch.Tensor:
    """log(ELU(u) + 1) = min(u, 0) + log1p(max(u, 0)): exact in both branches, finite gradients."""
    return torch.clamp(u, max=0.0) + torch.log1p(torch.relu(u))


class Integrand(nn.Module):
    """N(h) for inputs h: (..., in_features) -> (...), e.g. (N, K, in) at K quadrature nodes.

    Layers ``hidden`` (w, b) and ``output`` (a).
    """

    def __init__(
        self, in_features: int, width: int, generator: torch.Generator, dtype: torch.dtype
    ) -> None:
        super().__init__()
        self.hidden = Dense(in_features, width, dtype=dtype)
        self.output = Dense(width, 1, bias=False, dtype=dtype)
        std = 1.0 / math.sqrt(width)
        with torch.no_grad():
            for param, scale in (
                (self.hidden.weight, std),
                (self.hidden.bias, std),
                (self.output.weight, A_STD),
            ):
                draw = torch.randn(param.shape, generator=generator, dtype=dtype, device=CPU)
                param.copy_(scale * draw)
        self.output.weight.requires_grad_(False)

    def preactivation(self, h: torch.Tensor) -> torch.Tensor:
        """u(h) = Σ_r a_r ReLU(w_rᵀ h + b_r): (..., in_features) -> (...)."""
        hidden = self.hidden(h)
        # Without autograd nothing keeps the pre-activation: rectify it in place.
        active = torch.relu(hidden) if torch.is_grad_enabled() else hidden.relu_()
        return self.output(active).squeeze(-1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return elu_plus_one(self.preactivation(h))
