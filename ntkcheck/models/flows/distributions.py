"""Base distributions p_Z of the flows: standard normal (CNF) and standard exponential (UNF)."""

from __future__ import annotations

import math

import torch

from ntkcheck.device import CPU, to_default


class StandardNormal:
    """p_Z = N(0, I_d): log p(z) = −‖z‖²/2 − (d/2) log 2π. Shapes: z (N, d) -> (N,)."""

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        return -0.5 * (z**2).sum(-1) - 0.5 * z.shape[-1] * math.log(2 * math.pi)

    def sample(
        self, n: int, d: int, generator: torch.Generator, dtype: torch.dtype
    ) -> torch.Tensor:
        return to_default(torch.randn(n, d, generator=generator, dtype=dtype, device=CPU))


class StandardExponential:
    """p_Z(z) = exp(−Σ_i z_i) on z ≥ 0: log p(z) = −Σ_i z_i. Shapes: z (N, d) -> (N,).

    ``log_prob`` does not test z ≥ 0: the UNF guarantees it by rejecting x below x0.
    """

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        return -z.sum(-1)

    def sample(
        self, n: int, d: int, generator: torch.Generator, dtype: torch.dtype
    ) -> torch.Tensor:
        return to_default(
            torch.empty(n, d, dtype=dtype, device=CPU).exponential_(generator=generator)
        )
