"""Exploration (no gated claim): the CNF trained with a bounded change of its weights.

Shah et al.'s informal statement (1): with a bounded number of steps or a bounded change
‖θ − θ_0‖ ≤ R of the weights, a highly overparameterized one-hidden-layer CNF can learn only a
small class of distributions. Here projected GD on the NLL keeps a, w ≥ 1e-6 (``project_``)
and then projects θ = (w, b, a) onto the ball ‖θ − θ_0‖₂ ≤ R (θ ← θ_0 + R·Δ/‖Δ‖ when
‖Δ‖ > R). The ball step is a convex combination of θ and θ_0, both with a, w ≥ 1e-6, so
both constraints hold after every step. A first prototype (R = 1) showed no monotone trend in
m, so the intended statement needs R to scale with m: the sweep covers several R.

References: Shah et al. 2022, arXiv 2106.10535 (abstract, contribution (1)); the
bounded-change exploration of docs/tutorials/shah.md.
"""

from __future__ import annotations

from typing import Any

import torch

from ntkcheck.claims import grid
from ntkcheck.models.flows import CNF
from ntkcheck.proofs.shah.common import cnf_data, train_flow


def ball_projection(flow: CNF, theta0: dict[str, torch.Tensor], radius: float) -> None:
    """Project the flow's (w, b, a) in place onto ‖θ − θ_0‖₂ ≤ radius (after ``project_``)."""
    named = dict(flow.named_parameters())
    with torch.no_grad():
        delta = {k: named[k] - v for k, v in theta0.items()}
        norm = float(torch.sqrt(sum((d**2).sum() for d in delta.values())))
        if norm > radius:
            for k, d in delta.items():
                named[k].copy_(theta0[k] + d * (radius / norm))


def cnf_bounded_change(
    widths: tuple[int, ...],
    radii: tuple[float, ...],
    seeds: int,
    seed: int = 0,
    *,
    n: int = 1000,
    lr: float = 0.05,
    steps: int = 400,
) -> dict[str, Any]:
    """Best (minimum over recorded steps) and final NLL of ball-constrained projected GD.

    Replicate s runs with seed ``seed + s`` (data, init). Returns ``width`` (k,), ``radius``
    (r,), ``replicate`` (S,), ``best_nll`` and ``final_nll`` (k, r, S) on z-scored mog1d with n
    points, and ``distance`` (k, r, S): ‖θ_T − θ_0‖ (≤ R).
    """

    def run(width: int, radius: float, replicate: int) -> dict[str, float]:
        s = seed + replicate
        flow = CNF(int(width), seed=s)
        theta0 = {name: p.detach().clone() for name, p in flow.named_parameters()}

        def project(t: int, params: dict[str, torch.Tensor]) -> None:
            flow.project_()
            ball_projection(flow, theta0, float(radius))

        traj = train_flow(
            flow,
            cnf_data(n, s),
            lr=lr,
            steps=steps,
            batch_size=None,
            seed=s,
            record_steps=range(0, steps + 1, max(1, steps // 20)),
            after_step=project,
        )
        return {
            "best_nll": traj.loss.min(),
            "final_nll": traj.loss[-1],
            "distance": traj.distance[-1],
        }

    return grid(run, seeds=seeds, width=widths, radius=radii)
