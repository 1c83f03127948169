"""Unconstrained normalizing flow (UNF) on R^d, autoregressive: one integrand net per coordinate.

    z_i = f_i(x) = ∫_{x0_i}^{x_i} N_i(x_1, …, x_{i−1}, t) dt,      N_i = ELU(u_i) + 1 > 0,

so ∂f_i/∂x_i = N_i(x_{<i}, x_i) exactly and f is monotone whatever the weights (no projection).
Standard exponential base on z ≥ 0, hence on x ≥ x0 (coordinate-wise)

    log p_X(x) = Σ_i (log N_i(x_{<i}, x_i) − f_i(x)),

and the per-sample NLL is Σ_i f_i(x) − log N_i. The integral is a quadrature
(:mod:`~ntkcheck.models.flows.quadrature`); gradients flow through it by autograd. Data are
meant to be scaled into the ball of radius 1/2 (:class:`ntkcheck.data.BallScaling`).

References: Wehenkel & Louppe 2019, "Unconstrained Monotonic Neural Networks" (UMNN); Shah et
al. 2022, arXiv 2106.10535 (UNF; reference code UNF/utils.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial

import torch
from torch import nn

from ntkcheck.errors import InvalidInputError
from ntkcheck.models.flows.base import Flow, make_generator
from ntkcheck.models.flows.distributions import StandardExponential
from ntkcheck.models.flows.integrand import Integrand, log_elu_plus_one
from ntkcheck.models.flows.quadrature import integrate, quadrature_rule
from ntkcheck.validation import check_finite, check_positive_int

# Without autograd, rows are integrated in chunks of at most this many (row, node, unit) entries:
# memory stays O(chunk) however many points are evaluated, and a chunk (2 MiB) stays in cache:
# 2-7x faster than 2**22 on 2000 points at m = 256…1024, same values bit for bit.
_CHUNK_ELEMENTS = 2**18


class AutoregressiveUNF(Flow):
    """d-D UNF (UMNN-like): coordinate i's net sees (x_1, …, x_{i−1}, t).

    Args:
        x0: (d,) lower integration limits: the training data's per-coordinate minimum, e.g.
            ``x_train.min(0).values``; stored as the buffer ``x0``. Points below it raise.
        width: hidden width m of each net (reference m = 6400 with lr 0.005, i.e. lr·m = 32).
        seed: seeds a private generator for the initialization (nets in coordinate order).
        rule: "right-sum" (the reference, with 50 nodes) or "clenshaw-curtis". The ``rule``
            attribute may be reassigned, e.g. to evaluate f accurately.
        nodes: the number of quadrature nodes (the Clenshaw–Curtis degree).
        max_span: x_i is inverted within [x0_i, x0_i + max_span], so ``sample`` draws from p_X
            restricted to that box (data in radius 1/2 need far less than the default 16).

    Parameter names: ``nets.{i}.hidden.weight`` (w), ``nets.{i}.hidden.bias`` (b), trained;
    ``nets.{i}.output.weight`` (a), fixed.
    """

    outside_image = (
        "The UNF is inverted on [x0, x0 + max_span]; a base point beyond f(x0 + max_span) (or "
        "below 0, the exponential base's support) has no preimage there. Pass a larger "
        "max_span if samples far above the data are wanted."
    )

    def __init__(
        self,
        x0: Sequence[float] | torch.Tensor,
        width: int,
        seed: int,
        *,
        rule: str = "right-sum",
        nodes: int = 50,
        max_span: float = 16.0,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        m = check_positive_int("width", width, "Pass the hidden width, e.g. width=1024.")
        lower = torch.as_tensor(x0, dtype=dtype)
        if lower.ndim != 1 or lower.numel() == 0:
            raise InvalidInputError(
                f"`x0` must be a non-empty 1-D tensor (d,), got shape {tuple(lower.shape)}. "
                "Pass the training minimum per coordinate, x_train.min(0).values."
            )
        check_finite("x0", lower)
        if not (math.isfinite(max_span) and max_span > 0):
            raise InvalidInputError(
                f"`max_span` must be finite and > 0, got {max_span}. Pass e.g. max_span=16.0."
            )
        gen = make_generator(seed)
        self.features, self.width, self.max_span = lower.numel(), m, float(max_span)
        self.base = StandardExponential()
        self.rule = quadrature_rule(rule, nodes)
        self.register_buffer("x0", lower.clone())
        self.nets = nn.ModuleList(Integrand(i + 1, m, gen, dtype) for i in range(self.features))

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        columns = [self._coordinate(i, x[:, :i], x[:, i]) for i in range(self.features)]
        return torch.stack(columns, dim=1)

    def _log_derivative(self, x: torch.Tensor) -> torch.Tensor:
        columns = [
            log_elu_plus_one(net.preactivation(x[:, : i + 1])) for i, net in enumerate(self.nets)
        ]
        return torch.stack(columns, dim=1)

    def _coordinate(self, i: int, prefix: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        lower = self.x0[i].expand_as(t)
        if torch.is_grad_enabled():
            # Autograd keeps every node's activations anyway; one call keeps the per-example
            # (N, K, ·) layout that the structured NTK path reads.
            return integrate(partial(self._integrand, i, prefix), lower, t, self.rule)
        rows = max(1, _CHUNK_ELEMENTS // (len(self.rule.nodes) * self.width))
        spans = [slice(r, r + rows) for r in range(0, t.shape[0], rows)]
        return torch.cat(
            [integrate(partial(self._integrand, i, prefix[s]), lower[s], t[s], self.rule)
             for s in spans]
        )  # fmt: skip

    def _integrand(self, i: int, prefix: torch.Tensor, nodes: torch.Tensor) -> torch.Tensor:
        """N_i(prefix, t) at every node: prefix (n, i), nodes (n, K) -> (n, K)."""
        columns = prefix.unsqueeze(1).expand(-1, nodes.shape[1], -1)
        return self.nets[i](torch.cat([columns, nodes.unsqueeze(-1)], dim=-1))

    def _search_interval(self, i: int, prefix: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        lo = self.x0[i].expand(prefix.shape[0]).clone()
        return lo, lo + self.max_span

    def _check_x(self, x: torch.Tensor, name: str = "x") -> torch.Tensor:
        x = super()._check_x(x, name)
        below = x < self.x0
        if name == "x" and bool(below.any()):
            r, c = (int(v) for v in below.nonzero()[0])
            count, value, limit = int(below.sum()), float(x[r, c]), float(self.x0[c])
            raise InvalidInputError(
                f"`x` has {count} entr{'y' if count == 1 else 'ies'} below x0, the UNF's lower "
                f"integration limit (the training data's minimum): e.g. x[{r}, {c}] = "
                f"{value:.6g} < x0[{c}] = {limit:.6g}. The density is zero there (the exponential "
                "base lives on z >= 0). Build the flow with x0 = the minimum over every point "
                "you will evaluate (e.g. torch.cat([x_train, x_test]).min(0).values) or drop "
                "those points."
            )
        return x
