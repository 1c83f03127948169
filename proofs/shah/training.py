"""Maximum-likelihood training of the flows over a width sweep, and the lazy-training statistics
the CNF and UNF claims read from it.

- CNF: projected gradient descent (``project_()`` after every step) on z-scored data, Gaussian
  base: does the NLL get *worse* with width (the paper's constrained-flow finding)?
- UNF: SGD with lr = (lr·m)/m on ball-scaled data (radius ½), exponential base, x0 = the data
  minimum: does it learn, and improve with width?

Sweeps return arrays indexed (width, replicate[, checkpoint]) (:func:`ntkcheck.claims.grid`).

References: Shah et al. 2022, arXiv 2106.10535; Chizat, Oyallon, Bach 2019 (lazy training).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from ntkcheck.claims import grid
from ntkcheck.dynamics import Trajectory
from ntkcheck.proofs.shah.common import cnf_data, make_cnf, make_unf, train_flow, unf_data
from ntkcheck.stats import fit_loglog_slope


def checkpoints(steps: int, curve_points: int) -> list[int]:
    """Recorded steps: 0, T/4, T and ``curve_points`` equispaced steps in between."""
    return sorted({steps // 4, *np.linspace(0, steps, curve_points + 2).astype(int).tolist()})


def _hidden(traj: Trajectory) -> list[str]:
    """The (w, b) tensors of every net: the lazy distance excludes the output weights a."""
    return [k for k in traj.layer_distance if k.endswith(("hidden.weight", "hidden.bias"))]


def _sweep(
    run: Callable[[int, int], Trajectory],
    widths: tuple[int, ...],
    seeds: int,
    seed: int,
    steps: int,
    curve_points: int,
) -> dict[str, Any]:
    """``run(width, seed + s)`` at every (width, replicate s): NLLs and distances per run."""

    def one(width: int, replicate: int) -> dict[str, Any]:
        traj = run(int(width), seed + replicate)
        if traj.diverged or traj.steps[-1] != steps:
            raise RuntimeError(
                f"width {width}, seed {seed + replicate}: training diverged at {traj.diverged_at}."
            )
        return {
            "nll_init": traj.loss[0],
            "nll_quarter": traj.loss[list(traj.steps).index(steps // 4)],
            "nll_final": traj.loss[-1],
            "relative_distance": traj.group_distance(_hidden(traj))[1][-1],
            "relative_distance_all": traj.relative_distance[-1],
            "curves": traj.loss,
        }

    out = grid(one, seeds=seeds, width=widths)
    return {
        **out,
        "nll_quarter_mean": out["nll_quarter"].mean(axis=1),
        "nll_final_mean": out["nll_final"].mean(axis=1),
        "checkpoints": np.asarray(checkpoints(steps, curve_points), dtype=float),
    }


def cnf_width_sweep(
    widths: tuple[int, ...],
    seeds: int,
    seed: int,
    *,
    n: int,
    lr: float,
    steps: int,
    batch_size: int | None = None,
    data: str = "mog1d",
    curve_points: int = 0,
) -> dict[str, Any]:
    """CNF (masked for d > 1) on z-scored ``data`` (n points), projected GD (or SGD).

    Returns (k widths, S replicates): ``nll_init``, ``nll_quarter`` (at step T/4),
    ``nll_final`` (k, S); seed means ``nll_quarter_mean``, ``nll_final_mean`` (k,);
    ``relative_distance`` (k, S) = ‖Δ(w, b)‖/‖(w_0, b_0)‖ at T (output weights a excluded),
    ``relative_distance_all`` (all parameters); ``steps`` (R,) and the NLL ``curves``
    (k, S, R) at ``curve_points`` extra equispaced checkpoints; ``width``, ``replicate``.
    """

    def run(m: int, s: int) -> Trajectory:
        x = cnf_data(n, s, data)
        flow = make_cnf(x.shape[1], m, s)
        config = {"flow": type(flow).__name__, "width": m, "n": n, "data": f"{data} z-scored"}
        return train_flow(
            flow,
            x,
            lr=lr,
            steps=steps,
            batch_size=batch_size,
            seed=s,
            record_steps=checkpoints(steps, curve_points),
            config=config,
        )

    return _sweep(run, widths, seeds, seed, steps, curve_points)


def unf_width_sweep(
    widths: tuple[int, ...],
    seeds: int,
    seed: int,
    *,
    n: int,
    lr_width: float,
    steps: int,
    batch_size: int,
    data: str = "mog1d",
    curve_points: int = 0,
) -> dict[str, Any]:
    """UNF (autoregressive for d > 1) on ball-scaled ``data``, SGD with lr = lr_width/m.

    x0 = the data's per-coordinate minimum. Returns as :func:`cnf_width_sweep` (the distance
    is ‖Δ(W, b)‖/‖(W_0, b_0)‖ over every coordinate's net; a is fixed) plus ``nll_uniform``
    (S,): Σ_i log(max x_i − min x_i), the NLL of the best uniform density on the data's box.
    """

    def run(m: int, s: int) -> Trajectory:
        x = unf_data(n, s, data)
        flow = make_unf(x.min(0).values, m, s)
        config = {"flow": type(flow).__name__, "width": m, "n": n, "data": f"{data} ball-scaled"}
        return train_flow(
            flow,
            x,
            lr=lr_width / m,
            steps=steps,
            batch_size=batch_size,
            seed=s,
            record_steps=checkpoints(steps, curve_points),
            config=config,
        )

    out = _sweep(run, widths, seeds, seed, steps, curve_points)
    boxes = (unf_data(n, seed + s, data) for s in range(seeds))
    uniform = [float(torch.log(x.max(0).values - x.min(0).values).sum()) for x in boxes]
    return {**out, "nll_uniform": np.asarray(uniform)}


def lazy_slope(measured: Mapping[str, Any]) -> dict[str, float]:
    """Log-log slope in m of the seed-mean ``relative_distance`` (k, S) over ``width`` (k,),
    with its 90% bootstrap CI over seeds (``slope_lo``, ``slope_hi``)."""
    fit = fit_loglog_slope(measured["width"], measured["relative_distance"])
    return {"slope": fit.slope, "slope_lo": fit.lo, "slope_hi": fit.hi}


def not_lazy(measured: Mapping[str, Any]) -> dict[str, Any]:
    """Foil: the hidden layer moving as far at every width as at the smallest (each replicate's
    distance at the smallest width kept at every width), slope recomputed."""
    distance = np.asarray(measured["relative_distance"])
    flat = {**measured, "relative_distance": np.repeat(distance[:1], len(distance), axis=0)}
    return {**flat, **lazy_slope(flat)}
