"""Maximum-likelihood training of Shah et al.'s flows over a width sweep (1-D, and the masked /
autoregressive d-D versions for the checkerboard and the 5-D mixture).

- CNF: projected gradient descent (``project_()`` after every step) on z-scored data,
  Gaussian base: does the NLL get *worse* with width (the paper's constrained-flow finding)?
- UNF: SGD with lr = (lr·m)/m on ball-scaled data (radius ½), exponential base, x0 = the data
  minimum: does it learn, and improve with width?

Each run is a :class:`~ntkcheck.dynamics.Trajectory` (loss curve, distances per tensor); the
functions return plain arrays indexed (width, seed[, checkpoint]). The data of seed s are drawn
with seed s, the flow is initialized with seed s and SGD batches are ordered with seed s.

References: Shah et al. 2022, arXiv 2106.10535 (constrained and unconstrained NF experiments;
reference code github.com/kulinshah98/overparam-NFs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from ntkcheck.data import BallScaling, ZScore, checkerboard, mog1d, mog5d, train_test_split
from ntkcheck.dynamics import Trajectory, train
from ntkcheck.models.flows import CNF, UNF, AutoregressiveUNF, Flow, MaskedCNF
from ntkcheck.stats import SlopeFit, loglog_slope
from ntkcheck.threads import torch_threads

DATASETS = {"mog1d": mog1d, "checkerboard": checkerboard, "mog5d": mog5d}


def _nll(flow: Flow, x: torch.Tensor) -> torch.Tensor:
    return flow.nll(x)


def train_flow(
    flow: Flow,
    x: torch.Tensor,
    *,
    lr: float,
    steps: int,
    batch_size: int | None,
    seed: int,
    record_steps: Sequence[int] = (),
    observe: dict[str, Callable[[dict[str, torch.Tensor]], float]] | None = None,
    config: dict | None = None,
    after_step: Callable[[int, dict[str, torch.Tensor]], None] | None = None,
) -> Trajectory:
    """Train ``flow`` in place on x (N, d) by GD (``batch_size=None``) or SGD on the mean NLL.

    Constrained flows (those with ``project_``) are projected after every step. The loss at the
    recorded steps is the NLL on all of x. Runs on one thread (see :func:`torch_threads`).
    ``after_step(t, params)`` replaces the projection hook (it must then project itself).
    """
    project = getattr(flow, "project_", None)
    if after_step is None and project is not None:

        def after_step(t: int, params: dict[str, torch.Tensor]) -> None:
            project()

    with torch_threads():
        return train(
            flow,
            x,
            lr=lr,
            steps=steps,
            batch_size=batch_size,
            seed=seed,
            model_loss=_nll,
            after_step=after_step,
            record_steps=list(record_steps),
            operator_norms=False,
            observe=observe,
            config=config,
        )


def cnf_data(n: int, seed: int, data: str = "mog1d") -> torch.Tensor:
    """The data set ``data`` (a key of DATASETS), z-scored: (n, d)."""
    x = DATASETS[data](n, seed)
    return ZScore.fit(x)(x)


def unf_data(n: int, seed: int, data: str = "mog1d") -> torch.Tensor:
    """The data set scaled by 1/(2·max‖x‖) into the ball of radius ½ (no centering, as the
    reference): (n, d)."""
    x = DATASETS[data](n, seed)
    return BallScaling.fit(x)(x)


def make_cnf(d: int, width: int, seed: int) -> Flow:
    """The 1-D CNF for d = 1, the masked (block-triangular) CNF otherwise."""
    return CNF(width, seed=seed) if d == 1 else MaskedCNF(d, width, seed=seed)


def make_unf(x0: torch.Tensor, width: int, seed: int) -> Flow:
    """The 1-D UNF for d = 1, the autoregressive (one net per coordinate) UNF otherwise."""
    if x0.numel() == 1:
        return UNF(float(x0[0]), width, seed=seed)
    return AutoregressiveUNF(x0, width, seed=seed)


def _hidden(traj: Trajectory) -> list[str]:
    """The (w, b) tensors of every net: the lazy distance excludes the output weights a."""
    return [k for k in traj.layer_distance if k.endswith(("hidden.weight", "hidden.bias"))]


def cnf_width_sweep(
    widths: Sequence[int],
    seeds: Sequence[int],
    *,
    n: int = 1000,
    lr: float = 0.05,
    steps: int = 400,
    batch_size: int | None = None,
    data: str = "mog1d",
    curve_points: int = 0,
) -> dict[str, np.ndarray]:
    """CNF (masked for d > 1) on z-scored ``data`` (n points), projected GD (or SGD).

    Returns (k widths, s seeds): ``nll_init``, ``nll_quarter`` (at step T/4), ``nll_final``
    (k, s); seed means ``nll_quarter_mean``, ``nll_final_mean`` (k,); ``relative_distance``
    (k, s) = ‖Δ(w, b)‖/‖(w_0, b_0)‖ at T (output weights a excluded),
    ``relative_distance_all`` (all parameters); ``slope``, ``slope_lo``, ``slope_hi``: log-log
    slope in m of the seed-mean (w, b) distance with a 90% bootstrap CI over seeds; ``steps``
    (R,) and NLL ``curves`` (k, s, R) at ``curve_points`` extra equispaced checkpoints.
    """

    def run(m: int, seed: int) -> Trajectory:
        x = cnf_data(n, seed, data)
        flow = make_cnf(x.shape[1], m, seed)
        config = {"flow": type(flow).__name__, "width": m, "n": n, "data": f"{data} z-scored"}
        return train_flow(
            flow,
            x,
            lr=lr,
            steps=steps,
            batch_size=batch_size,
            seed=seed,
            record_steps=_checkpoints(steps, curve_points),
            config=config,
        )

    return _sweep(run, widths, seeds, steps)


def unf_width_sweep(
    widths: Sequence[int],
    seeds: Sequence[int],
    *,
    n: int = 2000,
    lr_width: float = 32.0,
    steps: int = 600,
    batch_size: int = 32,
    data: str = "mog1d",
    curve_points: int = 0,
) -> dict[str, np.ndarray]:
    """UNF (autoregressive for d > 1) on ball-scaled ``data``, SGD with lr = lr_width/m.

    x0 = the data's per-coordinate minimum. Returns as :func:`cnf_width_sweep` (the distance
    is ‖Δ(W, b)‖/‖(W_0, b_0)‖ over every coordinate's net; a is fixed) plus ``nll_uniform``
    (s,): Σ_i log(max x_i − min x_i), the NLL of the best uniform density on the data's box.
    """

    def run(m: int, seed: int) -> Trajectory:
        x = unf_data(n, seed, data)
        flow = make_unf(x.min(0).values, m, seed)
        config = {"flow": type(flow).__name__, "width": m, "n": n, "data": f"{data} ball-scaled"}
        return train_flow(
            flow,
            x,
            lr=lr_width / m,
            steps=steps,
            batch_size=batch_size,
            seed=seed,
            record_steps=_checkpoints(steps, curve_points),
            config=config,
        )

    out = _sweep(run, widths, seeds, steps)
    boxes = (unf_data(n, s, data) for s in seeds)
    uniform = [float(torch.log(x.max(0).values - x.min(0).values).sum()) for x in boxes]
    return {**out, "nll_uniform": np.asarray(uniform)}


def _checkpoints(steps: int, curve_points: int) -> list[int]:
    return sorted({steps // 4, *np.linspace(0, steps, curve_points + 2).astype(int).tolist()})


def _sweep(
    run: Callable[[int, int], Trajectory], widths: Sequence[int], seeds: Sequence[int], steps: int
) -> dict[str, np.ndarray]:
    shape = (len(widths), len(seeds))
    keys = ("nll_init", "nll_quarter", "nll_final", "relative_distance", "relative_distance_all")
    out = {k: np.zeros(shape) for k in keys}
    curves = []
    for i, m in enumerate(widths):
        for j, seed in enumerate(seeds):
            traj = run(int(m), int(seed))
            if traj.diverged or traj.steps[-1] != steps:
                raise RuntimeError(
                    f"width {m}, seed {seed}: training diverged at {traj.diverged_at}."
                )
            out["nll_init"][i, j] = traj.loss[0]
            out["nll_quarter"][i, j] = traj.loss[list(traj.steps).index(steps // 4)]
            out["nll_final"][i, j] = traj.loss[-1]
            out["relative_distance"][i, j] = traj.group_distance(_hidden(traj))[1][-1]
            out["relative_distance_all"][i, j] = traj.relative_distance[-1]
            curves.append(traj.loss)
    # A single width has no slope (NaN), e.g. a one-width run for a plot.
    fit = (
        loglog_slope(np.asarray(widths, dtype=float), out["relative_distance"])
        if len(widths) > 1
        else SlopeFit(np.nan, np.nan, np.nan, np.nan, np.nan)
    )
    return {
        "widths": np.asarray(widths, dtype=float),
        "seeds": np.asarray(seeds),
        **out,
        "nll_quarter_mean": out["nll_quarter"].mean(axis=1),
        "nll_final_mean": out["nll_final"].mean(axis=1),
        "slope": fit.slope,
        "slope_lo": fit.lo,
        "slope_hi": fit.hi,
        "steps": traj.steps.astype(float),
        "curves": np.asarray(curves).reshape(*shape, -1),
    }


def unf_generalization(
    sizes: Sequence[int],
    seeds: Sequence[int],
    *,
    width: int,
    steps: int,
    lr_width: float = 32.0,
    batch_size: int = 32,
    test_fraction: float = 0.1,
) -> dict[str, np.ndarray]:
    """Train/test NLL gap of the 1-D UNF on mog1d over the data size n.

    Per (n, seed): a seeded 90/10 split, one BallScaling fit on the training split and applied
    to both, x0 = the minimum over train AND test (the UNF's density is 0 below x0, so a test
    point below the training minimum would have NLL = ∞; the split's ~10% such cases would
    otherwise make the gap undefined), SGD with lr = lr_width/m. Returns ``sizes`` (k,),
    ``train_nll``, ``test_nll``, ``gap`` = |test − train| (k, s) and ``gap_mean`` (k,).
    """
    shape = (len(sizes), len(seeds))
    train_nll, test_nll = np.zeros(shape), np.zeros(shape)
    for i, n in enumerate(sizes):
        for j, seed in enumerate(seeds):
            train_x, test_x = train_test_split(
                mog1d(int(n), int(seed)), int(seed), test_fraction=test_fraction
            )
            scale = BallScaling.fit(train_x)
            train_x, test_x = scale(train_x), scale(test_x)
            x0 = float(torch.cat([train_x, test_x]).min())
            flow = UNF(x0, width, seed=int(seed))
            traj = train_flow(
                flow,
                train_x,
                lr=lr_width / width,
                steps=steps,
                batch_size=batch_size,
                seed=int(seed),
            )
            train_nll[i, j] = traj.loss[-1]  # the NLL on all of train_x at step T
            with torch.no_grad():
                test_nll[i, j] = float(flow.nll(test_x))
    gap = np.abs(test_nll - train_nll)
    return {
        "sizes": np.asarray(sizes, dtype=float),
        "seeds": np.asarray(seeds),
        "train_nll": train_nll,
        "test_nll": test_nll,
        "gap": gap,
        "gap_mean": gap.mean(axis=1),
    }
