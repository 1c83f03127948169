"""Unconstrained normalizing flow (UNF), 1-D: f(x) = ∫_{x0}^{x} N(t) dt, N = ELU(u) + 1.

    u(t) = Σ_{r=1..m} a_r ReLU(w_r t + b_r),   a ~ N(0, 0.25²) fixed,   w, b ~ N(0, 1/m) trained,

x0 = the training data's minimum, standard exponential base: per-sample NLL = f(x) − log N(x).
The 1-D case of :class:`~ntkcheck.models.flows.autoregressive.AutoregressiveUNF`.

References: Shah et al. 2022, arXiv 2106.10535 (UNF); Wehenkel & Louppe 2019 (UMNN).
"""

from __future__ import annotations

import torch
from torch import nn

from ntkcheck.errors import InvalidInputError
from ntkcheck.models.flows.autoregressive import AutoregressiveUNF
from ntkcheck.models.flows.base import as_column


class UNF(AutoregressiveUNF):
    """1-D UNF. ``x0``: the training minimum, e.g. ``float(x_train.min())``; other arguments as
    :class:`AutoregressiveUNF` (reference: width 6400, right sum with 50 nodes)."""

    def __init__(
        self,
        x0: float,
        width: int,
        seed: int,
        *,
        rule: str = "right-sum",
        nodes: int = 50,
        max_span: float = 16.0,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__(
            [float(x0)], width, seed, rule=rule, nodes=nodes, max_span=max_span, dtype=dtype
        )


class UNFPreactivation(nn.Module):
    """u(t) of a 1-D UNF as a scalar model for kernels: t (N,) or (N, 1) -> (N,).

    Shares the flow's layers: ``hidden.weight`` (w) and ``hidden.bias`` (b) are trainable,
    ``output.weight`` (a) is fixed, so kernels differentiate w.r.t. (w, b) only.
    """

    def __init__(self, flow: AutoregressiveUNF) -> None:
        super().__init__()
        if flow.features != 1:
            raise InvalidInputError(
                f"UNFPreactivation needs a 1-D flow, got features = {flow.features}. "
                "Build the view from a UNF (1-D) flow."
            )
        self.hidden, self.output = flow.nets[0].hidden, flow.nets[0].output

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.output(torch.relu(self.hidden(as_column(t)))).squeeze(-1)
