"""The models of the claims as benchmark cases, each with its direct closed-form eNTK (the floor).

A closed form writes the Jacobian J out by hand (per quadrature node, per hidden unit) and
returns J Jᵀ: the least work any exact method must do, timed in the same run as
``empirical_ntk`` on the same model. Sizes are those of the GAN and flow claims.

- ``unf``: 1-D UNF f(x) = (x − x0) Σ_k ω_k N(t_k), N = ELU(u) + 1, u = Σ_r a_r ReLU(w_r t + b_r):
  ∂f/∂(w_r, b_r) = (x − x0) Σ_k ω_k ELU'(u_k) a_r 1[w_r t_k + b_r > 0] (t_k, 1), O(N·K·m).
- ``unf-ar``: autoregressive UNF, the same per coordinate (inputs (x_{<i}, t)); the blocks
  Θ_ij, i ≠ j, are zero.
- ``cnf``: f = c Σ_r a_r tanh(w_r x + b_r): ∂f/∂(w_r, b_r, a_r) = c (a_r x sech², a_r sech², tanh).
- ``cnf-logdet``: log f' = log c + log Σ_r a_r w_r sech²_r, w.r.t. w:
  a_r sech²_r (1 − 2 w_r x tanh_r) / Σ_s a_s w_s sech²_s.
- ``generator``: G(z) = V tanh(W z): Θ(z, z')[o, o'] = (z·z') Σ_j V_oj V_o'j φ'_j(z) φ'_j(z').
- ``generator-mean``: Ĝ(W) on one set of n codes: K = V diag(‖C_j‖²) Vᵀ
  (:meth:`~ntkcheck.models.gan.generator.GeneratorMeanMap.kernel`).

References: Shah et al. 2022, arXiv 2106.10535 (flows); Balaji et al. 2021, arXiv 2104.05605
(generator).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from ntkcheck.models.flows import CNF, AutoregressiveUNF, CNFLogDerivative
from ntkcheck.models.gan import LatentSetMean, OneHiddenLayerGenerator, unit_latent_codes

F64 = torch.float64


@dataclass(frozen=True)
class ModelCase:
    """One claim model at one size: ``width`` hidden units, ``n`` points (latent codes)."""

    model: str
    width: int
    n: int


@dataclass(frozen=True)
class Problem:
    module: nn.Module
    x: torch.Tensor
    params: list[str] | None  # differentiated parameters (None: all trainable)
    floor: Callable[[], torch.Tensor]  # the closed-form kernel, shaped as empirical_ntk's


def model_cases(quick: bool) -> list[ModelCase]:
    if quick:  # a smoke test: each case costs a few subprocess start-ups
        return [ModelCase("unf", 64, 32)]
    return [
        ModelCase("unf", 1024, 400),
        ModelCase("unf-ar", 1024, 400),
        ModelCase("cnf", 1600, 1000),
        ModelCase("cnf-logdet", 6400, 9),
        ModelCase("generator", 2560, 4),
        ModelCase("generator-mean", 2560, 4),
    ]


def build(case: ModelCase) -> Problem:
    """The module, inputs and closed form of ``case`` (seeded: one case, one problem)."""
    gen = torch.Generator().manual_seed(1)
    m, n = case.width, case.n
    if case.model in ("unf", "unf-ar"):
        d = 1 if case.model == "unf" else 2
        flow = AutoregressiveUNF([0.0] * d, m, seed=0)
        x = 0.05 + 0.9 * torch.rand(n, d, dtype=F64, generator=gen)
        return Problem(flow, x, None, lambda: unf_kernel(flow, x))
    if case.model == "cnf":
        flow = CNF(m, seed=0)
        x = torch.randn(n, 1, dtype=F64, generator=gen)
        return Problem(flow, x, None, lambda: cnf_kernel(flow, x[:, 0]))
    if case.model == "cnf-logdet":
        flow = CNF(m, seed=0)
        x = torch.linspace(-2.0, 2.0, n, dtype=F64)
        view = CNFLogDerivative(flow)
        return Problem(view, x, ["hidden.weight"], lambda: cnf_logdet_kernel(flow, x))
    generator = OneHiddenLayerGenerator(5, m, 10, seed=0)
    z = unit_latent_codes(n, 5, seed=1)
    if case.model == "generator":
        return Problem(generator, z, None, lambda: generator_kernel(generator, z))
    if case.model == "generator-mean":
        mean = generator.mean_map(z)
        w = generator.W.detach()
        return Problem(LatentSetMean(generator), z[None], None, lambda: mean.kernel(w)[None, None])
    raise ValueError(f"unknown benchmark model {case.model!r}")


@torch.no_grad()
def unf_kernel(flow: AutoregressiveUNF, x: torch.Tensor) -> torch.Tensor:
    """Θ of z = f(x) w.r.t. every net's (W, b): (N, N) for d = 1, else (N, N, d, d)."""
    n, d = x.shape
    nodes, weights = flow.rule.nodes, flow.rule.weights
    theta = x.new_zeros(n, n, d, d)
    for i, net in enumerate(flow.nets):
        w, b, a = net.hidden.weight, net.hidden.bias, net.output.weight[0]
        span = x[:, i] - flow.x0[i]
        t = flow.x0[i] + nodes * span[:, None]  # (N, K)
        h = torch.cat([x[:, None, :i].expand(-1, len(nodes), -1), t[..., None]], -1)
        pre = torch.addmm(b, h.reshape(-1, i + 1), w.T).view(n, len(nodes), -1)  # (N, K, m)
        active = pre > 0
        u = pre.clamp_(min=0) @ a
        c = (span[:, None] * weights) * torch.where(u > 0, 1.0, torch.exp(u))  # ω ELU'(u) span
        coef = torch.cat([c[..., None] * h, c[..., None]], -1)  # (N, K, i + 2)
        jac = ((coef.transpose(1, 2) @ active.to(x.dtype)) * a).reshape(n, -1)
        theta[:, :, i, i] = jac @ jac.T
    return theta[:, :, 0, 0] if d == 1 else theta


@torch.no_grad()
def cnf_kernel(flow: CNF, x: torch.Tensor) -> torch.Tensor:
    """Θ of f(x) w.r.t. (w, b, a): (N, N)."""
    w, b, a, c = flow.hidden.weight[:, 0], flow.hidden.bias, flow.output.weight[0], flow.c
    th = torch.tanh(torch.outer(x, w) + b)
    sech2 = 1 - th * th
    jac = torch.cat([(c * a) * x[:, None] * sech2, (c * a) * sech2, c * th], dim=1)
    return jac @ jac.T


@torch.no_grad()
def cnf_logdet_kernel(flow: CNF, x: torch.Tensor) -> torch.Tensor:
    """Θ of log f'(x) w.r.t. w: (N, N)."""
    w, b, a = flow.hidden.weight[:, 0], flow.hidden.bias, flow.output.weight[0]
    th = torch.tanh(torch.outer(x, w) + b)
    sech2 = 1 - th * th
    q = a * sech2
    jac = q * (1 - 2 * w * x[:, None] * th) / (q * w).sum(1, keepdim=True)
    return jac @ jac.T


@torch.no_grad()
def generator_kernel(generator: OneHiddenLayerGenerator, z: torch.Tensor) -> torch.Tensor:
    """Θ of G(z) = V tanh(W z) w.r.t. W: (n, n, m, m)."""
    w, v = generator.W, generator.V
    slope = 1 - torch.tanh(z @ w.T) ** 2  # φ'(W z): (n, k)
    return torch.einsum("ab,aj,bj,oj,pj->abop", z @ z.T, slope, slope, v, v)
