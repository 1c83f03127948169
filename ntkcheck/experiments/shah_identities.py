"""Identities of trained flows (Shah et al. 2022): normalization and monotonicity along training.

- UNF: ∫ p_X = 1 when f is the exact integral of N (here: Clenshaw–Curtis, 50 nodes); with the
  reference's 50-node right sum the density the flow defines integrates to ≠ 1.
- CNF: ∫ p_X = 2Φ(c·Σa) − 1 < 1 (tanh is bounded), also after training.
- CNF: projected GD keeps a, w ≥ 1e-6, hence f' > 0, after every step; UNF: N = ELU(u) + 1 > 0
  for any weights, checked on a wide grid after every SGD step.

References: Shah et al. 2022, arXiv 2106.10535 (definitions of the two flow families).
"""

from __future__ import annotations

import numpy as np
import torch

from ntkcheck.experiments.shah_numerics import cnf_total_mass, unf_total_mass
from ntkcheck.experiments.shah_training import cnf_data, train_flow, unf_data
from ntkcheck.models.flows import CNF, UNF, clenshaw_curtis, right_sum
from ntkcheck.models.flows.cnf import CLAMP

FPRIME_GRID = (-4.0, 4.0, 801)  # z-scored data: f' checked well beyond the data
N_GRID = (-10.0, 10.0, 2001)  # ball-scaled data live in [−½, ½]: N checked far beyond


def density_normalization(
    seed: int, *, n: int, unf_width: int, unf_steps: int, cnf_width: int, cnf_steps: int
) -> dict[str, float | np.ndarray]:
    """Total masses of a UNF and a CNF trained on mog1d (the claims' reference settings).

    UNF: SGD, batch 32, lr = 32/m, right sum; then ∫ p_X with f by Clenshaw–Curtis(50)
    (``unf_mass_cc``) and by the training rule, the right sum (``unf_mass_right_sum``).
    CNF: projected GD, lr 0.05; ``cnf_mass_grid`` (quadrature), ``cnf_mass_closed_form``
    (2Φ(c·Σa) − 1) and ``cnf_mass_defect`` = 1 − closed form.

    For the density figure: ``unf_data`` / ``cnf_data`` (n,) training points and the learned
    densities ``unf_density`` / ``cnf_density`` on 400-point grids ``unf_grid`` / ``cnf_grid``
    spanning each data set (± a quarter of its range).
    """
    x = unf_data(n, seed)
    unf = UNF(float(x.min()), unf_width, seed=seed)
    train_flow(unf, x, lr=32.0 / unf_width, steps=unf_steps, batch_size=32, seed=seed)
    unf.rule = clenshaw_curtis(50)
    mass_cc = unf_total_mass(unf)
    unf.rule = right_sum(50)
    mass_rs = unf_total_mass(unf)
    cnf = CNF(cnf_width, seed=seed)
    x_cnf = cnf_data(n, seed)
    train_flow(cnf, x_cnf, lr=0.05, steps=cnf_steps, batch_size=None, seed=seed)
    closed = float(cnf.total_mass().detach())
    unf_grid, unf_density = _density_on_grid(unf, x, low=float(unf.x0[0]))
    cnf_grid, cnf_density = _density_on_grid(cnf, x_cnf)
    return {
        "unf_mass_cc": mass_cc,
        "unf_mass_right_sum": mass_rs,
        "cnf_mass_grid": cnf_total_mass(cnf),
        "cnf_mass_closed_form": closed,
        "cnf_mass_defect": 1.0 - closed,
        "unf_final_nll": float(unf.nll(x).detach()),
        "unf_data": x[:, 0].numpy(force=True),
        "unf_grid": unf_grid,
        "unf_density": unf_density,
        "cnf_data": x_cnf[:, 0].numpy(force=True),
        "cnf_grid": cnf_grid,
        "cnf_density": cnf_density,
    }


def _density_on_grid(
    flow: torch.nn.Module, x: torch.Tensor, *, low: float | None = None, points: int = 400
) -> tuple[np.ndarray, np.ndarray]:
    """p_X of a 1-D flow on a grid over the data's range widened by a quarter each side
    (from ``low`` when the flow's support starts there, as the UNF's at x0)."""
    lo, hi = float(x.min()), float(x.max())
    pad = 0.25 * (hi - lo)
    grid = torch.linspace(lo - pad if low is None else low, hi + pad, points, dtype=torch.float64)
    with torch.no_grad():
        density = flow.log_prob(grid.reshape(-1, 1)).exp().reshape(-1)
    return grid.numpy(force=True), density.numpy(force=True)


def monotonicity(
    seed: int, *, n: int, unf_width: int, unf_steps: int, cnf_width: int, cnf_steps: int
) -> dict[str, float | np.ndarray]:
    """Minima recorded after every training step.

    CNF (projected GD, lr 0.05, z-scored mog1d): ``cnf_min_a``, ``cnf_min_w`` (min entries),
    ``cnf_min_fprime`` (min of f' on [−4, 4]), ``cnf_clamped`` (fraction of a, w entries at
    the clamp at the end: the projection was active). UNF (SGD, lr 32/m, ball-scaled mog1d):
    ``unf_min_n`` (min of N on [−10, 10], init included). ``*_curve``: the per-step minima.
    """
    cnf = CNF(cnf_width, seed=seed)
    x = torch.linspace(*FPRIME_GRID, dtype=torch.float64).reshape(-1, 1)

    def min_fprime(params: dict[str, torch.Tensor]) -> float:
        with torch.no_grad():
            return float(cnf.log_derivative(x).exp().min())

    cnf_traj = train_flow(
        cnf,
        cnf_data(n, seed),
        lr=0.05,
        steps=cnf_steps,
        batch_size=None,
        seed=seed,
        record_steps=range(cnf_steps + 1),
        observe={
            "min_a": lambda p: float(p["output.weight"].min()),
            "min_w": lambda p: float(p["hidden.weight"].min()),
            "min_fprime": min_fprime,
        },
    )
    data = unf_data(n, seed)
    unf = UNF(float(data.min()), unf_width, seed=seed)
    t = torch.linspace(*N_GRID, dtype=torch.float64).reshape(-1, 1)

    def min_n(params: dict[str, torch.Tensor]) -> float:
        with torch.no_grad():
            return float(unf.nets[0](t).min())

    unf_traj = train_flow(
        unf,
        data,
        lr=32.0 / unf_width,
        steps=unf_steps,
        batch_size=32,
        seed=seed,
        record_steps=range(unf_steps + 1),
        observe={"min_n": min_n},
    )
    # Step 0 is the initialization (clamped at 1e-10, not yet projected): judge steps 1..T.
    obs = {k: v[1:] for k, v in cnf_traj.observables.items()}
    unf_obs = unf_traj.observables
    at_clamp = torch.cat([cnf.hidden.weight.flatten(), cnf.output.weight.flatten()]) <= CLAMP
    return {
        "cnf_min_a": float(obs["min_a"].min()),
        "cnf_min_w": float(obs["min_w"].min()),
        "cnf_min_fprime": float(obs["min_fprime"].min()),
        "cnf_clamped": float(at_clamp.double().mean()),
        "unf_min_n": float(unf_obs["min_n"].min()),
        "cnf_min_fprime_curve": obs["min_fprime"],
        "unf_min_n_curve": unf_obs["min_n"],
    }
