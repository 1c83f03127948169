"""Constrained normalizing flow (CNF), 1-D: f(x) = c·Σ_{r=1..m} a_r tanh(w_r x + b_r).

Monotone because a_r, w_r ≥ 0, kept by projection: ``project_()`` clamps a and w to ≥ 1e-6 and
must be called after every optimizer step (b is never clamped). Gaussian base, so

    log p_X(x) = log φ(f(x)) + log f'(x),
    log f'(x) = log c + logsumexp_r(log a_r + log w_r + log sech²(w_r x + b_r)),

``log_prob`` (hence ``nll``) evaluates both terms and their gradient in one fused pass
(:mod:`~ntkcheck.models.flows.tanh_density`); ``forward`` and ``log_derivative`` keep the
plain autograd form the kernel views differentiate.

Init (reference code): w ~ |N(0, 1)|, b ~ N(0, 1), a ~ |N(0, 0.005²)| (|·| clamped at 1e-10),
c = 1/√m. tanh is bounded, so f maps R onto (−c·Σa, c·Σa) and the density is sub-normalized:
∫ p_X = 2Φ(c·Σa) − 1 (≈ 0.03 at init, m = 100).

Parameter names (for ``params=[...]`` in the kernels): ``hidden.weight`` = w (m, 1),
``hidden.bias`` = b (m,), ``output.weight`` = a (1, m); c is the output layer's multiplier.

References: Shah et al. 2022, arXiv 2106.10535 (CNF); De Cao et al. 2019, "Block Neural
Autoregressive Flow" (log-derivative by logsumexp).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ntkcheck.device import CPU
from ntkcheck.errors import InvalidInputError
from ntkcheck.models.flows.base import Flow, as_column, make_generator
from ntkcheck.models.flows.distributions import StandardNormal
from ntkcheck.models.flows.tanh_density import tanh_flow_log_prob, tanh_log_derivative
from ntkcheck.models.layers import Dense
from ntkcheck.validation import check_positive_int

CLAMP = 1e-6  # the projection's lower bound on a and w (reference: clamping_epsilon)
A_STD = 0.005  # init std of the output weights a (reference: std_a)
SATURATION = 20.0  # tanh(±20) = ±1 in float64: beyond it f is constant to rounding

OUTSIDE_IMAGE = (
    "tanh is bounded, so the CNF's image is an interval of half-width c·Σa (its density has "
    "mass 2Φ(c·Σa) − 1 < 1) and base points outside it have no preimage."
)


def check_projection(name: str, weight: torch.Tensor) -> None:
    """Raise if ``weight`` (entries that must be positive) has entries ≤ 0."""
    bad = weight <= 0
    if bool(bad.any()):
        count, low = int(bad.sum()), float(weight.detach().min())
        raise InvalidInputError(
            f"CNF projection violated: `{name}` has {count} entr{'y' if count == 1 else 'ies'} "
            f"<= 0 (min {low:.3g}), so log f' = log Σ a·w·sech² would be NaN. Call "
            f"flow.project_() after every optimizer step (it clamps a and w to >= {CLAMP:g})."
        )


class CNF(Flow):
    """1-D constrained flow with ``width`` = m tanh units (reference default m = 100).

    Args:
        width: hidden width m. seed: seeds a private generator for the initialization.
    """

    features = 1
    outside_image = OUTSIDE_IMAGE

    def __init__(self, width: int, seed: int, *, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        m = check_positive_int("width", width, "Pass the hidden width, e.g. width=100.")
        gen = make_generator(seed)
        self.base = StandardNormal()
        self.hidden = Dense(1, m, dtype=dtype)
        self.output = Dense(m, 1, bias=False, weight_multiplier=1 / math.sqrt(m), dtype=dtype)
        with torch.no_grad():
            self.hidden.weight.copy_(
                torch.randn(m, 1, generator=gen, dtype=dtype, device=CPU).abs()
            )
            self.hidden.bias.copy_(torch.randn(m, generator=gen, dtype=dtype, device=CPU))
            self.output.weight.copy_(
                A_STD * torch.randn(1, m, generator=gen, dtype=dtype, device=CPU).abs()
            )
            self.hidden.weight.clamp_(min=1e-10)
            self.output.weight.clamp_(min=1e-10)

    @property
    def c(self) -> float:
        return self.output.weight_multiplier

    @torch.no_grad()
    def project_(self) -> None:
        """Clamp a and w to >= 1e-6 in place (b untouched); call after every optimizer step."""
        self.hidden.weight.clamp_(min=CLAMP)
        self.output.weight.clamp_(min=CLAMP)

    def total_mass(self) -> torch.Tensor:
        """∫ p_X = P(|Z| < c·Σa) = 2Φ(c·Σa) − 1 = erf(c·Σa/√2), a 0-dim tensor."""
        return torch.erf(self.c * self.output.weight.sum() / math.sqrt(2.0))

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(torch.tanh(self.hidden(x)))

    def _log_derivative(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.hidden(x).unsqueeze(1)
        return tanh_log_derivative(self.hidden.weight.T, self.output.weight, pre, self.c)

    def _log_prob(self, x: torch.Tensor) -> torch.Tensor:
        h = self.hidden
        return tanh_flow_log_prob(x, h.weight, h.bias, self.output.weight, self.c)

    def _coordinate(self, i: int, prefix: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self._forward(t.unsqueeze(-1))[:, 0]

    def _search_interval(self, i: int, prefix: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # Every unit saturates once |w_r x + b_r| >= 20, so f(±L) is f(±∞) to rounding.
        w, b = self.hidden.weight.detach()[:, 0], self.hidden.bias.detach()
        half = float(((SATURATION + b.abs()) / w).max())
        lo = torch.full((prefix.shape[0],), -half, dtype=prefix.dtype)
        return lo, -lo

    def _check_state(self) -> None:
        check_projection("hidden.weight (w)", self.hidden.weight)
        check_projection("output.weight (a)", self.output.weight)


class CNFMap(nn.Module):
    """f(x) of a :class:`CNF` as a scalar model for kernels: x (N,) or (N, 1) -> (N,).

    Shares the flow's layers, hence its parameters under the same names: ``hidden.weight`` (w),
    ``hidden.bias`` (b), ``output.weight`` (a). Dense layers, so the structured NTK path applies.
    """

    def __init__(self, flow: CNF) -> None:
        super().__init__()
        self.hidden, self.output = flow.hidden, flow.output

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(torch.tanh(self.hidden(as_column(x)))).squeeze(-1)


class CNFLogDerivative(nn.Module):
    """log f'(x) of a :class:`CNF` as a scalar model: x (N,) or (N, 1) -> (N,).

    Same parameter names as :class:`CNFMap`; for the kernel w.r.t. w alone pass
    ``params=["hidden.weight"]``. No projection check here (it must trace under torch.func):
    entries a, w <= 0 give NaN; ``CNF.log_prob`` raises instead.
    """

    def __init__(self, flow: CNF) -> None:
        super().__init__()
        self.hidden, self.output = flow.hidden, flow.output

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.hidden(as_column(x)).unsqueeze(1)
        c = self.output.weight_multiplier
        return tanh_log_derivative(self.hidden.weight.T, self.output.weight, pre, c)[:, 0]
