"""Identities of Shah et al.'s flows checked numerically: the UNF's integral and quadrature,
normalization of both densities, and the convexity behind the UNF's loss.

- The UNF integrand N = ELU(u) + 1 with u(t) = Σ_r a_r ReLU(w_r t + b_r) piecewise linear in t
  (kinks at −b_r/w_r), so f(x) = ∫_{x0}^{x} N(t) dt has a closed form piece by piece:
  ∫ (1 + u) = h(1 + (u0 + u1)/2) where u ≥ 0, ∫ e^u = h(e^{u1} − e^{u0})/(u1 − u0) where
  u ≤ 0, pieces split where u crosses 0 (:func:`unf_exact_integral`, the quadrature oracle).
- The right sum with n nodes errs by ≈ (x − x0)(N(x) − N(x0))/(2n) (Euler–Maclaurin).
- UNF: ∫_{x0}^{∞} N e^{−f} = 1 when f = ∫N exactly; CNF: ∫ φ(f) f' = 2Φ(c·Σa) − 1 < 1.
- u ↦ −log(ELU(u) + 1) is convex with slope in [−1, 0); u ↦ ELU(u) + 1 is convex, so the
  per-sample loss ℓ(u) = ∫_{x0}^{x} (ELU(u) + 1) − log(ELU(u(x)) + 1) is convex in the function u.

References: Shah et al. 2022, arXiv 2106.10535 (UNF and CNF definitions; convexity of the
UNF loss in the network output); Davis & Rabinowitz, Methods of Numerical Integration (1984),
Euler–Maclaurin; Trefethen 2008 (Clenshaw–Curtis).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from ntkcheck.models.flows import UNF, clenshaw_curtis, log_elu_plus_one, right_sum
from ntkcheck.models.flows.autoregressive import AutoregressiveUNF
from ntkcheck.models.flows.cnf import CNF
from ntkcheck.stats import loglog_slope


def _segment_integral(u0: np.ndarray, u1: np.ndarray, h: np.ndarray) -> np.ndarray:
    """∫ (ELU(u) + 1) over segments of length h on which u is linear from u0 to u1, u0·u1 >= 0."""
    positive = h * (1.0 + 0.5 * (u0 + u1))
    du = u1 - u0
    small = np.abs(du) < 1e-8
    ratio = np.where(small, 1.0 + 0.5 * du, np.expm1(du) / np.where(small, 1.0, du))
    negative = h * np.exp(np.minimum(u0, 0.0)) * ratio
    return np.where((u0 >= 0) & (u1 >= 0), positive, negative)


def unf_exact_integral(flow: AutoregressiveUNF, x: torch.Tensor) -> np.ndarray:
    """f(x) = ∫_{x0}^{x} (ELU(u(t)) + 1) dt of a 1-D UNF in closed form (to rounding).

    Args:
        flow: a 1-D UNF. x: (N,) or (N, 1) points >= x0.
    Returns:
        (N,) float64.
    """
    net = flow.nets[0]
    w = net.hidden.weight.detach().double().numpy(force=True)[:, 0]
    b = net.hidden.bias.detach().double().numpy(force=True)
    a = net.output.weight.detach().double().numpy(force=True)[0]
    x0 = float(flow.x0[0])
    xs = x.detach().double().numpy(force=True).reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        kinks = np.where(w != 0, -b / w, np.nan)
    inside = kinks[(kinks > x0) & (kinks < xs.max())]
    grid = np.unique(np.concatenate([[x0], inside, xs]))
    u = np.maximum(np.outer(grid, w) + b, 0.0) @ a  # u is linear between consecutive grid points
    u0, u1, h = u[:-1], u[1:], np.diff(grid)
    # Split each segment where u changes sign, at the fraction s with u = 0.
    cross = u0 * u1 < 0
    s = np.where(cross, u0 / np.where(cross, u0 - u1, 1.0), 1.0)
    first = _segment_integral(u0, np.where(cross, 0.0, u1), h * s)
    second = np.where(cross, _segment_integral(np.zeros_like(u1), u1, h * (1 - s)), 0.0)
    cumulative = np.concatenate([[0.0], np.cumsum(first + second)])
    return cumulative[np.searchsorted(grid, xs)]


def unf_quadrature_errors(
    width: int, seeds: Sequence[int], nodes: Sequence[int], *, n_points: int = 20
) -> dict[str, np.ndarray]:
    """Max error over points of the UNF's right sum and Clenshaw–Curtis vs the exact integral.

    A UNF at init with x0 = −½ is evaluated at n equispaced points of (−½, ½]. Returns
    ``nodes`` (k,), ``right_sum_error`` (k, s), ``clenshaw_curtis_error`` (k, s), seed means
    ``*_mean`` (k,), ``euler_maclaurin`` (k, s): max over points of
    |(x − x0)(N(x) − N(x0))/(2n)|, and the log-log ``slope`` (with 90% CI ``slope_lo``,
    ``slope_hi``) of the seed-mean right-sum error in n.
    """
    x = torch.linspace(-0.5, 0.5, n_points + 1, dtype=torch.float64)[1:].reshape(-1, 1)
    shape = (len(nodes), len(seeds))
    rs, cc, em = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for j, seed in enumerate(seeds):
        flow = UNF(-0.5, width, seed=int(seed))
        exact = unf_exact_integral(flow, x)
        with torch.no_grad():
            n_x = flow.nets[0](x)  # N(x): (N,)
            n_x0 = flow.nets[0](flow.x0.reshape(1, 1))
        for i, k in enumerate(nodes):
            for rule, table in ((right_sum(k), rs), (clenshaw_curtis(k), cc)):
                flow.rule = rule
                with torch.no_grad():
                    table[i, j] = np.abs(flow(x)[:, 0].numpy(force=True) - exact).max()
            em[i, j] = float((torch.abs((x[:, 0] + 0.5) * (n_x - n_x0)) / (2 * k)).max())
    fit = loglog_slope(np.asarray(nodes, dtype=float), rs)
    return {
        "nodes": np.asarray(nodes, dtype=float),
        "seeds": np.asarray(seeds),
        "right_sum_error": rs,
        "clenshaw_curtis_error": cc,
        "right_sum_error_mean": rs.mean(axis=1),
        "clenshaw_curtis_error_mean": cc.mean(axis=1),
        "euler_maclaurin": em,
        "slope": fit.slope,
        "slope_lo": fit.lo,
        "slope_hi": fit.hi,
    }


def unf_total_mass(
    flow: AutoregressiveUNF, *, span: float = 12.0, grid_points: int = 2001
) -> float:
    """∫_{x0}^{x0+span} p_X on a trapezoid grid plus the tail mass e^{−f(x0+span)} (1-D UNF).

    The flow's own ``rule`` computes f, so the result is 1 to quadrature accuracy when the rule
    integrates N accurately (Clenshaw–Curtis) and ≠ 1 by the rule's error otherwise.
    """
    x0 = float(flow.x0[0])
    grid = torch.linspace(x0, x0 + span, grid_points, dtype=torch.float64).reshape(-1, 1)
    with torch.no_grad():
        density = flow.log_prob(grid).exp().numpy(force=True)
        tail = math.exp(-float(flow(grid[-1:])[0, 0]))
    return float(np.trapezoid(density, grid[:, 0].numpy(force=True))) + tail


def cnf_total_mass(flow: CNF, *, grid_points: int = 20001) -> float:
    """∫ p_X over R of a 1-D CNF by the trapezoid rule in s with x = sinh(s).

    Units saturate beyond |x| = (20 + |b_r|)/w_r, up to ~1e7 when w_r sits at the clamp 1e-6,
    so the grid is sinh-spaced: uniform relative resolution over every scale up to that.
    """
    w, b = flow.hidden.weight.detach()[:, 0], flow.hidden.bias.detach()
    half = float(((20.0 + b.abs()) / w).max())
    s = torch.linspace(-math.asinh(half), math.asinh(half), grid_points, dtype=torch.float64)
    x = torch.sinh(s).reshape(-1, 1)
    with torch.no_grad():
        integrand = (flow.log_prob(x).exp() * torch.cosh(s)).numpy(force=True)
    return float(np.trapezoid(integrand, s.numpy(force=True)))


def convexity_grid(
    lo: float = -30.0, hi: float = 30.0, points: int = 2001
) -> dict[str, float | np.ndarray]:
    """Midpoint and slope tests of the UNF's scalar loss pieces on a grid of u.

    g(u) = −log(ELU(u) + 1), h(u) = ELU(u) + 1. Returns ``midpoint_gap_neglog`` and
    ``midpoint_gap_elu``: max over grid pairs (u, v) of g((u+v)/2) − (g(u) + g(v))/2 (≤ 0 up
    to rounding for a convex function), and ``slope_min``, ``slope_max`` of g' (by autograd).
    """
    u = torch.linspace(lo, hi, points, dtype=torch.float64, requires_grad=True)
    g = -log_elu_plus_one(u)
    (slope,) = torch.autograd.grad(g.sum(), u)
    u = u.detach()
    mid = 0.5 * (u[:, None] + u[None, :])

    def gap(fn) -> float:
        return float((fn(mid) - 0.5 * (fn(u)[:, None] + fn(u)[None, :])).max())

    return {
        "midpoint_gap_neglog": gap(lambda v: -log_elu_plus_one(v)),
        "midpoint_gap_elu": gap(lambda v: torch.nn.functional.elu(v) + 1.0),
        "slope_min": float(slope.min()),
        "slope_max": float(slope.max()),
    }


def functional_convexity(width: int, seeds: Sequence[int], *, n_points: int = 50) -> float:
    """Max midpoint gap of the per-sample UNF loss ℓ as a functional of u over random pairs.

    For consecutive seed pairs, u_1, u_2 are the pre-activations of two UNFs at init (scaled
    ×10 so both ELU branches are used); ℓ(u)(x) = Σ_k ω_k (x − x0) N(u(t_k)) − log N(u(x))
    with the 50-node Clenshaw–Curtis rule. Returns max over pairs and points x of
    ℓ((u_1 + u_2)/2) − (ℓ(u_1) + ℓ(u_2))/2 (≤ 0 up to rounding for a convex functional).
    """
    rule = clenshaw_curtis(50)
    x = torch.linspace(-0.5, 0.5, n_points + 1, dtype=torch.float64)[1:]
    t = -0.5 + (x[:, None] + 0.5) * rule.nodes[None, :]  # (N, K) quadrature nodes per x
    weights = (x[:, None] + 0.5) * rule.weights[None, :]

    def preactivation(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        net = UNF(-0.5, width, seed=seed).nets[0]
        with torch.no_grad():
            at_nodes = net.preactivation(t.reshape(-1, 1)).reshape(t.shape)
            return 10 * at_nodes, 10 * net.preactivation(x.reshape(-1, 1))

    def loss(nodes_u: torch.Tensor, x_u: torch.Tensor) -> torch.Tensor:
        integral = (weights * (torch.nn.functional.elu(nodes_u) + 1.0)).sum(1)
        return integral - log_elu_plus_one(x_u)

    worst = -math.inf
    for s1, s2 in zip(seeds[:-1], seeds[1:]):
        (n1, x1), (n2, x2) = preactivation(int(s1)), preactivation(int(s2))
        mid = loss(0.5 * (n1 + n2), 0.5 * (x1 + x2))
        worst = max(worst, float((mid - 0.5 * (loss(n1, x1) + loss(n2, x2))).max()))
    return worst
