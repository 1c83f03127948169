"""Convexity behind the UNF's loss: u ↦ −log(ELU(u) + 1) is convex with slope in [−1, 0) and
u ↦ ELU(u) + 1 is convex, so the per-sample loss ℓ(u) = ∫_{x0}^{x} (ELU(u) + 1) −
log(ELU(u(x)) + 1) is convex in the function u (positive quadrature weights).

References: Shah et al. 2022, arXiv 2106.10535 (convexity of the UNF loss in the network
output); Allen-Zhu, Li, Liang 2019 (convex loss of the network output, Lipschitz in it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import torch

from ntkcheck.claims import Claim, Count, Floats, Foil, Ints, Positive, Requirement, Seed, Space
from ntkcheck.models.flows import UNF, clenshaw_curtis, log_elu_plus_one
from ntkcheck.proofs.shah.common import SOURCE


def convexity_grid(lo: float, hi: float, points: int) -> dict[str, float]:
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

    def gap(fn: Callable[[torch.Tensor], torch.Tensor]) -> float:
        return float((fn(mid) - 0.5 * (fn(u)[:, None] + fn(u)[None, :])).max())

    return {
        "midpoint_gap_neglog": gap(lambda v: -log_elu_plus_one(v)),
        "midpoint_gap_elu": gap(lambda v: torch.nn.functional.elu(v) + 1.0),
        "slope_min": float(slope.min()),
        "slope_max": float(slope.max()),
    }


def functional_convexity(width: int, seeds: int, seed: int, *, n_points: int = 50) -> float:
    """Max midpoint gap of the per-sample UNF loss ℓ as a functional of u over random pairs.

    For consecutive seed pairs (seed + s, seed + s + 1), u_1, u_2 are the pre-activations of two
    UNFs at init (scaled ×10 so both ELU branches are used); ℓ(u)(x) = Σ_k ω_k (x − x0)
    N(u(t_k)) − log N(u(x)) with the 50-node Clenshaw–Curtis rule. Returns max over pairs and
    points x of ℓ((u_1 + u_2)/2) − (ℓ(u_1) + ℓ(u_2))/2 (≤ 0 up to rounding for a convex
    functional).
    """
    if seeds < 2:
        raise ValueError(
            f"functional convexity compares pairs of inits: seeds must be >= 2, got {seeds}."
        )
    rule = clenshaw_curtis(50)
    x = torch.linspace(-0.5, 0.5, n_points + 1, dtype=torch.float64)[1:]
    t = -0.5 + (x[:, None] + 0.5) * rule.nodes[None, :]  # (N, K) quadrature nodes per x
    weights = (x[:, None] + 0.5) * rule.weights[None, :]

    def preactivation(s: int) -> tuple[torch.Tensor, torch.Tensor]:
        net = UNF(-0.5, width, seed=s).nets[0]
        with torch.no_grad():
            at_nodes = net.preactivation(t.reshape(-1, 1)).reshape(t.shape)
            return 10 * at_nodes, 10 * net.preactivation(x.reshape(-1, 1))

    def loss(nodes_u: torch.Tensor, x_u: torch.Tensor) -> torch.Tensor:
        integral = (weights * (torch.nn.functional.elu(nodes_u) + 1.0)).sum(1)
        return integral - log_elu_plus_one(x_u)

    worst = -math.inf
    for s in range(seed, seed + seeds - 1):
        (n1, x1), (n2, x2) = preactivation(s), preactivation(s + 1)
        mid = loss(0.5 * (n1 + n2), 0.5 * (x1 + x2))
        worst = max(worst, float((mid - 0.5 * (loss(n1, x1) + loss(n2, x2))).max()))
    return worst


def measure_convexity(
    *,
    width: Count = 256,
    seeds: Count = 10,
    u_max: Positive = 30.0,
    grid_points: Count = 2001,
    seed: Seed = 0,
) -> dict[str, Any]:
    """:func:`convexity_grid` on [−u_max, u_max] and :func:`functional_convexity` over the
    ``seeds`` − 1 consecutive pairs of UNFs, with ``slope_min_plus_one`` = min g' + 1."""
    out = convexity_grid(-u_max, u_max, grid_points)
    out["functional_gap"] = functional_convexity(width, seeds, seed)
    return {**out, "slope_min_plus_one": out["slope_min"] + 1.0}


def slope_sign_error(measured: Mapping[str, Any]) -> dict[str, Any]:
    """Foil: g' computed with its sign flipped (the slope of +log(ELU + 1))."""
    low, high = -measured["slope_max"], -measured["slope_min"]
    return {**measured, "slope_min": low, "slope_max": high, "slope_min_plus_one": low + 1.0}


CONVEX_LOSS = Claim(
    id="shah.unf.convex_loss",
    source=SOURCE.at(
        "UNF analysis: the per-sample loss is convex in the network output u",
        lineage="Allen-Zhu, Li, Liang 2019 (convex loss of the network output, Lipschitz in it)",
    ),
    status="lineage",
    statement=(
        "u ↦ −log(ELU(u) + 1) is convex with slope in [−1, 0), and u ↦ ELU(u) + 1 is convex, "
        "so the UNF's per-sample loss ∫(ELU(u) + 1) − log(ELU(u(x)) + 1) is convex in u."
    ),
    requirements=(
        Requirement(
            "midpoint_gap_neglog",
            "<=",
            "tol_round",
            "max over grid pairs of g((u+v)/2) − (g(u)+g(v))/2, g = −log(ELU + 1)",
        ),
        Requirement(
            "midpoint_gap_elu", "<=", "tol_round", "the same for g = ELU + 1 (rounding allowed)"
        ),
        Requirement("slope_min_plus_one", ">=", 0, "min over the grid of g' + 1"),
        Requirement("slope_max", "<", 0, "max over the grid of g'"),
        Requirement(
            "functional_gap",
            "<=",
            "tol_round",
            "midpoint gap of the per-sample loss over pairs of random u (UNF inits ×10)",
        ),
    ),
    measure=measure_convexity,
    foil=Foil("g' with its sign flipped", measured=slope_sign_error),
    sizes={
        "quick": {"seeds": 3, "width": 64, "grid_points": 401},
        "full": {"seeds": 50, "u_max": 60.0, "grid_points": 4001},
    },
    # Convexity holds everywhere: grids up to |u| = 60 (what tol_round allows for rounding;
    # wider: up to 1e4), 101…4001 points, random u from UNFs of any width, 2…50 inits.
    space=Space(
        u_max=Floats(1.0, 60.0, log=True, wider=(0.01, 1e4)),
        grid_points=Ints(101, 4001, log=True, cost=1),
        width=Ints(1, 1024, log=True, cost=0.5),
        seeds=Ints(2, 50, log=True, cost=0.5),
    ),
    constants={"tol_round": 1e-12},
    notes=(
        "g' = −1 for u ≤ 0 and −1/(1 + u) ∈ (−1, 0) for u > 0, so the slope window is exact. "
        "Convexity in the *function* u follows from pointwise convexity and the positive "
        "quadrature weights; it is convexity in u, not in (W, b) (u is not linear in them). "
        "tol_round = 1e-12 allows rounding of values up to ~60 (ε·60 ≈ 1e-14)."
    ),
)

CLAIMS = (CONVEX_LOSS,)
