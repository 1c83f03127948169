"""Constrained flow on R^d: a masked, block lower-triangular one-hidden-layer tanh network.

    h = tanh(W x + b) ∈ R^{d·m},      f(x) = c·A h ∈ R^d,      c = 1/√m,

with W (d·m, d) and A (d, d·m) split into d × d blocks (m units per coordinate): block (i, j)
is zero for j > i (f_i depends on x_1..x_i only), free for j < i, and ≥ 1e-6 on the diagonal
(kept by ``project_()``, in every layer including the output; b is never clamped). Hence

    log ∂f_i/∂x_i = log c + logsumexp_{r ∈ block i}(log A_ir + log W_ri + log sech²(h_r)).

Init as the 1-D :class:`~ntkcheck.models.flows.cnf.CNF` (diagonal blocks |N(0, σ²)| clamped at
1e-10, free blocks N(0, σ²), σ = 1 for W, 0.005 for A; b ~ N(0, 1)); with d = 1 and the same
seed both flows are identical. Parameter names: ``hidden.weight`` (W), ``hidden.bias`` (b),
``output.weight`` (A); the masked-out blocks are stored as zeros and receive zero gradient.

References: De Cao et al. 2019, "Block Neural Autoregressive Flow"; Shah et al. 2022,
arXiv 2106.10535 (reference code: CNF/utils.py ``Flow``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ntkcheck.device import CPU
from ntkcheck.models.flows.base import Flow, make_generator
from ntkcheck.models.flows.cnf import (
    A_STD,
    CLAMP,
    OUTSIDE_IMAGE,
    SATURATION,
    check_projection,
)
from ntkcheck.models.flows.distributions import StandardNormal
from ntkcheck.models.flows.tanh_density import tanh_flow_log_prob, tanh_log_derivative
from ntkcheck.validation import check_positive_int


class MaskedLinear(nn.Module):
    """y = multiplier · x (M ⊙ W)ᵀ + b, M block lower-triangular with d blocks.

    Shapes: x (N, d·in_block) -> (N, d·out_block); ``weight`` (d·out_block, d·in_block).
    """

    def __init__(
        self,
        features: int,
        in_block: int,
        out_block: int,
        *,
        bias: bool,
        multiplier: float = 1.0,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        self.features, self.in_block, self.out_block = features, in_block, out_block
        self.multiplier = float(multiplier)
        rows = torch.arange(features * out_block) // out_block
        cols = torch.arange(features * in_block) // in_block
        self.register_buffer("mask", (cols[None, :] <= rows[:, None]).to(dtype))
        self.register_buffer("diagonal", cols[None, :] == rows[:, None])
        self.weight = nn.Parameter(
            torch.zeros(features * out_block, features * in_block, dtype=dtype)
        )
        self.bias = nn.Parameter(torch.zeros(features * out_block, dtype=dtype)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.multiplier * F.linear(x, self.weight * self.mask) + (
            0.0 if self.bias is None else self.bias
        )

    def diagonal_blocks(self) -> torch.Tensor:
        """The d diagonal blocks of the weight: (d, out_block, in_block)."""
        d, o, i = self.features, self.out_block, self.in_block
        return self.weight[self.diagonal].reshape(d, o, i)

    @torch.no_grad()
    def init_(self, std: float, generator: torch.Generator) -> None:
        """Diagonal blocks |N(0, std²)| clamped at 1e-10, lower blocks N(0, std²), upper 0."""
        w = std * torch.randn(
            self.weight.shape, generator=generator, dtype=self.weight.dtype, device=CPU
        )
        w = torch.where(self.diagonal.to(CPU), w.abs().clamp(min=1e-10), w) * self.mask.to(CPU)
        self.weight.copy_(w)

    @torch.no_grad()
    def project_(self) -> None:
        """Clamp the diagonal blocks to >= 1e-6 and re-zero the masked-out blocks."""
        clamped = self.weight.clamp(min=CLAMP)
        self.weight.copy_(torch.where(self.diagonal, clamped, self.weight) * self.mask)


class MaskedCNF(Flow):
    """d-D constrained flow with ``width`` = m tanh units per coordinate; Gaussian base.

    Args:
        features: dimension d. width: units per coordinate m. seed: seeds the initialization.
    """

    outside_image = OUTSIDE_IMAGE

    def __init__(
        self, features: int, width: int, seed: int, *, dtype: torch.dtype = torch.float64
    ) -> None:
        super().__init__()
        d = check_positive_int("features", features, "Pass the data dimension, e.g. 2.")
        m = check_positive_int("width", width, "Pass the units per coordinate, e.g. width=100.")
        gen = make_generator(seed)
        self.features, self.width = d, m
        self.base = StandardNormal()
        self.hidden = MaskedLinear(d, 1, m, bias=True, dtype=dtype)
        self.output = MaskedLinear(d, m, 1, bias=False, multiplier=1 / math.sqrt(m), dtype=dtype)
        self.hidden.init_(1.0, gen)
        with torch.no_grad():
            self.hidden.bias.copy_(
                torch.randn(self.hidden.bias.shape, generator=gen, dtype=dtype, device=CPU)
            )
        self.output.init_(A_STD, gen)

    @property
    def c(self) -> float:
        return self.output.multiplier

    def project_(self) -> None:
        """Clamp the diagonal blocks of W and A to >= 1e-6; call after every optimizer step."""
        self.hidden.project_()
        self.output.project_()

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(torch.tanh(self.hidden(x)))

    def _log_derivative(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.hidden(x).reshape(x.shape[0], self.features, self.width)
        w = self.hidden.diagonal_blocks()[:, :, 0]
        a = self.output.diagonal_blocks()[:, 0, :]
        return tanh_log_derivative(w, a, pre, self.c)

    def _log_prob(self, x: torch.Tensor) -> torch.Tensor:
        h, o = self.hidden, self.output
        return tanh_flow_log_prob(x, h.weight * h.mask, h.bias, o.weight * o.mask, self.c)

    def _padded(self, prefix: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        # Block-triangular masks make f_i blind to x_{>i}, so zeros there change nothing.
        rest = prefix.new_zeros(prefix.shape[0], self.features - prefix.shape[1] - 1)
        return torch.cat([prefix, t.unsqueeze(-1), rest], dim=1)

    def _coordinate(self, i: int, prefix: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self._forward(self._padded(prefix, t))[:, i]

    def _search_interval(self, i: int, prefix: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # Block i's units saturate once |W_ri x_i + offset_r| >= 20 (offset: b and x_{<i}).
        block = slice(i * self.width, (i + 1) * self.width)
        offset = self.hidden(self._padded(prefix, prefix.new_zeros(prefix.shape[0])))[:, block]
        w = self.hidden.diagonal_blocks()[i, :, 0]
        half = ((SATURATION + offset.abs()) / w).max(dim=1).values
        return -half, half

    def _check_state(self) -> None:
        check_projection("hidden.weight (diagonal blocks of W)", self.hidden.diagonal_blocks())
        check_projection("output.weight (diagonal blocks of A)", self.output.diagonal_blocks())
