"""Bivariate Gaussian expectations E[φ(u)φ(v)] and E[φ'(u)φ'(v)]: one layer of the NNGP/NTK.

For (u, v) ~ N(0, [[q1, q12], [q12, q2]]) with c = √(q1 q2), ρ = q12 / c and θ = arccos ρ, each
``Expectations`` function maps broadcastable tensors (q1, q2, q12) to (E[φ(u)φ(v)],
E[φ'(u)φ'(v)]). Closed forms exist for ReLU, a·s + b·|s| (:class:`LeakyAbs`) and erf; every other
activation goes through :func:`quadrature_expectations`, a Gauss product rule in polar
coordinates that splits the angle where u = 0 or v = 0, so activations with a kink at 0 still
converge spectrally.

References: Cho & Saul 2009 (arc-cosine kernels); Williams 1997 (erf); Lee et al. 2019 and
neural-tangents ``stax`` (the same formulas).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

Expectations = Callable[
    [torch.Tensor, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]
]

# Evaluations of φ per quadrature chunk: bounds memory at ~400 MB whatever the number of pairs.
# Each (P, 4·nodes, 2·nodes) temporary is then 64 MB, above glibc's 32 MB ceiling for serving
# allocations from the heap, so it is mapped and returned to the system chunk by chunk; at 2^22
# (32 MB) the heap kept the freed chunks and grew to 21 GB for 500 000 pairs (tanh, n = 1000).
_CHUNK_ELEMENTS = 2**23


@dataclass(frozen=True)
class LeakyAbs:
    """The activation φ(s) = a·s + b·|s|, with closed-form Gaussian expectations.

    ReLU is ``LeakyAbs(0.5, 0.5)``, |s| is ``LeakyAbs(0, 1)``, the identity ``LeakyAbs(1, 0)``
    and leaky ReLU with negative slope k is ``LeakyAbs((1 + k) / 2, (1 - k) / 2)``. Instances are
    callables, so the same object can be passed to :class:`ntkcheck.models.mlp.MLP`.
    """

    a: float
    b: float

    def __call__(self, s: torch.Tensor) -> torch.Tensor:
        return self.a * s + self.b * s.abs()


def _correlation(
    q1: torch.Tensor, q2: torch.Tensor, q12: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(c, ρ) with ρ clipped into [-1, 1] (it leaves only by rounding) and ρ = 0 where c = 0."""
    c = torch.sqrt(q1 * q2)
    safe = c > 0
    rho = torch.where(safe, q12 / torch.where(safe, c, torch.ones_like(c)), torch.zeros_like(c))
    return c, rho.clamp(-1.0, 1.0)


def relu_expectations(
    q1: torch.Tensor, q2: torch.Tensor, q12: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Arc-cosine kernel of degree 1: E[φφ] = c (sin θ + (π − θ) cos θ) / (2π),
    E[φ'φ'] = (π − θ) / (2π)."""
    c, rho = _correlation(q1, q2, q12)
    theta = torch.arccos(rho)
    e_phi = c * (torch.sin(theta) + (math.pi - theta) * rho) / (2 * math.pi)
    return e_phi, (math.pi - theta) / (2 * math.pi)


def leaky_abs_expectations(a: float, b: float) -> Expectations:
    """φ(s) = a·s + b·|s|: E[φφ] = a² q12 + b² (2/π) c (√(1 − ρ²) + ρ arcsin ρ),
    E[φ'φ'] = a² + b² (2/π) arcsin ρ (the a·b cross terms vanish by symmetry)."""

    def expectations(
        q1: torch.Tensor, q2: torch.Tensor, q12: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        c, rho = _correlation(q1, q2, q12)
        asin = torch.arcsin(rho)
        e_phi = a**2 * q12 + b**2 * (2 / math.pi) * c * (torch.sqrt(1 - rho**2) + rho * asin)
        return e_phi, a**2 + b**2 * (2 / math.pi) * asin

    return expectations


def erf_expectations(
    q1: torch.Tensor, q2: torch.Tensor, q12: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """E[φφ] = (2/π) arcsin(2 q12 / √((1 + 2 q1)(1 + 2 q2))),
    E[φ'φ'] = (4/π) / √((1 + 2 q1)(1 + 2 q2) − 4 q12²)."""
    prod = (1 + 2 * q1) * (1 + 2 * q2)
    arg = (2 * q12 / torch.sqrt(prod)).clamp(-1.0, 1.0)
    return (2 / math.pi) * torch.arcsin(arg), (4 / math.pi) / torch.sqrt(prod - 4 * q12**2)


def quadrature_expectations(
    phi: Callable[[torch.Tensor], torch.Tensor],
    dphi: Callable[[torch.Tensor], torch.Tensor],
    nodes: int,
) -> Expectations:
    """E[φ(u)φ(v)], E[φ'(u)φ'(v)] by a Gauss product rule with 8·nodes² points per pair.

    Polar coordinates z = r (cos α, sin α) ~ N(0, I₂), β = arccos ρ, u = √q1 r cos(α + β/2),
    v = √q2 r cos(α − β/2), so that E[g] = (1/2π) ∫ dα ∫ g e^{-t} dt with t = r²/2.
    Angle: the four arcs between the lines u = 0 and v = 0, ``nodes`` Gauss–Legendre points
    each, so a kink of φ at 0 falls on arc ends. Radius: ``nodes`` Gauss–Legendre points on
    t ∈ [0, τ] and ``nodes`` Gauss–Laguerre points on [τ, ∞), τ = 4 / max(q1, q2, 1), which
    resolves φ(√q r) where it bends (r ≲ 1/√q) even for large variances. The arcs come in
    antipodal pairs, so the radial rule integrates g(r) + g(−r), analytic in t for analytic φ.

    Absolute error in float64, max over variances q1, q2 <= Q and all ρ (measured against the
    closed forms, or this rule at 160 nodes):

    ======================================  ===========  ===========  ===========
    φ                                       nodes = 16   nodes = 24   nodes = 32
    ======================================  ===========  ===========  ===========
    linear on each side of 0 (ReLU, |s|)    1e-14        1e-13        1e-13
    erf, tanh, GELU, softplus, ELU; Q = 2   4e-8         1e-11        2e-13
    same; Q = 4                             8e-7         3e-9         1e-10
    same; Q = 10 (φ(√q z) is nearly a step) 2e-5         2e-6         3e-7
    kink/jump away from 0 (hardtanh)        3e-2         1e-2         1e-2
    ======================================  ===========  ===========  ===========

    The last row converges only algebraically: the arcs split at 0 alone.

    Args:
        phi, dphi: elementwise φ and φ' on float64 tensors of any shape.
        nodes: Gauss points per arc and per radial piece (the cost per pair is 8·nodes²).
    """
    x_leg, w_leg = (torch.from_numpy(v) for v in np.polynomial.legendre.leggauss(nodes))
    t_lag, w_lag = (torch.from_numpy(v) for v in np.polynomial.laguerre.laggauss(nodes))
    per_pair = 8 * nodes * nodes

    def arcs(beta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Angles (P, 4·nodes) and weights summing to 1 over the circle."""
        half = beta / 2
        quarter = math.pi / 2
        starts = torch.stack(
            [-quarter + half, quarter - half, quarter + half, 3 * quarter - half], -1
        )
        lengths = torch.stack([math.pi - beta, beta, math.pi - beta, beta], -1)
        angle = starts[..., None] + lengths[..., None] * (x_leg + 1) / 2
        return angle.flatten(-2), (lengths[..., None] * w_leg / (4 * math.pi)).flatten(-2)

    def radii(q_max: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Radii (P, 2·nodes) and weights of ∫_0^∞ · r e^{-r²/2} dr, split at r² = 2τ."""
        tau = (4 / q_max.clamp_min(1.0))[:, None]
        # Near piece in r (not t = r²/2): g(r) need not be smooth in √t at r = 0.
        r_near = torch.sqrt(2 * tau) * (x_leg + 1) / 2
        w_near = torch.sqrt(2 * tau) / 2 * w_leg * r_near * torch.exp(-(r_near**2) / 2)
        r = torch.cat([r_near, torch.sqrt(2 * (tau + t_lag))], -1)
        return r, torch.cat([w_near, torch.exp(-tau) * w_lag], -1)

    def chunk(
        q1: torch.Tensor, q2: torch.Tensor, q12: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        _, rho = _correlation(q1, q2, q12)
        beta = torch.arccos(rho)
        angle, w_angle = arcs(beta)
        radius, w_radius = radii(torch.maximum(q1, q2))
        half = (beta / 2)[:, None]
        # (P, 4·nodes, 1) directions times (P, 1, 2·nodes) radii -> (P, 4·nodes, 2·nodes).
        u = (q1.sqrt()[:, None] * torch.cos(angle + half))[..., None] * radius[:, None]
        v = (q2.sqrt()[:, None] * torch.cos(angle - half))[..., None] * radius[:, None]

        def integrate(f: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
            values = f(u) * f(v)
            return ((values @ w_radius[:, :, None]).squeeze(-1) * w_angle).sum(-1)

        return integrate(phi), integrate(dphi)

    def expectations(
        q1: torch.Tensor, q2: torch.Tensor, q12: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        q1, q2, q12 = torch.broadcast_tensors(q1, q2, q12)
        shape = q1.shape
        q1, q2, q12 = q1.reshape(-1), q2.reshape(-1), q12.reshape(-1)
        step = max(1, _CHUNK_ELEMENTS // per_pair)
        parts = [
            chunk(q1[s : s + step], q2[s : s + step], q12[s : s + step])
            for s in range(0, q1.numel(), step)
        ]
        e_phi = torch.cat([p[0] for p in parts]).reshape(shape)
        return e_phi, torch.cat([p[1] for p in parts]).reshape(shape)

    return expectations


def autograd_derivative(
    phi: Callable[[torch.Tensor], torch.Tensor],
) -> Callable[[torch.Tensor], torch.Tensor]:
    """φ' of an elementwise callable, by ``torch.func.vmap(torch.func.grad(φ))``."""
    grad = torch.func.vmap(torch.func.grad(phi))

    def dphi(s: torch.Tensor) -> torch.Tensor:
        return grad(s.reshape(-1)).reshape(s.shape)

    return dphi
