"""What the Shah, Deshpande & Goyal claims share: the source, the data and the training loop.

Flows (:mod:`ntkcheck.models.flows`): the constrained CNF f(x) = c·Σ_r a_r tanh(w_r x + b_r)
(a, w ≥ 1e-6 by projection after every step, c = 1/√m, Gaussian base) on z-scored data, and the
unconstrained UNF f(x) = ∫_{x0}^{x} (ELU(u(t)) + 1) dt, u = Σ_r a_r ReLU(w_r t + b_r), a fixed
(exponential base) on data scaled into the ball of radius ½; their d-D versions are the masked
(block-triangular) CNF and the autoregressive (one net per coordinate) UNF. A run with seed s
draws its data with s, initializes its flow with s and orders its SGD batches with s; the s-th
replicate of a setting runs with seed ``seed + s``.

References: Shah et al. 2022, arXiv 2106.10535 (constrained and unconstrained NF experiments;
reference code github.com/kulinshah98/overparam-NFs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated

import torch

from ntkcheck.claims import Range, Source
from ntkcheck.data import BallScaling, ZScore, checkerboard, mog1d, mog5d
from ntkcheck.dynamics import Trajectory, gd, observe, sgd, track_distance, train
from ntkcheck.models.flows import CNF, UNF, AutoregressiveUNF, Flow, MaskedCNF
from ntkcheck.threads import torch_threads

SOURCE = Source(
    "Shah, Deshpande, Goyal 2022, Learning and Generalization in Overparameterized "
    "Normalizing Flows (AISTATS 2022)",
    "2106.10535",
    "",
)
CODE = "reference code github.com/kulinshah98/overparam-NFs"
DATASETS = {"mog1d": mog1d, "checkerboard": checkerboard, "mog5d": mog5d}

Checkpoints = Annotated[int, Range(ge=0)]  # extra recorded steps of a loss curve
Fraction = Annotated[float, Range(gt=0, lt=1)]
Hook = Callable[[int, dict[str, torch.Tensor]], None]
Observable = Callable[[dict[str, torch.Tensor]], float]


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
    observe_fns: dict[str, Observable] | None = None,
    config: dict | None = None,
    after_step: Hook | None = None,
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

    if batch_size is None:
        step = gd(flow, x, lr=lr, model_loss=_nll, after_step=after_step)
    else:
        step = sgd(
            flow, x, lr=lr, batch_size=batch_size, seed=seed, model_loss=_nll, after_step=after_step
        )
    instruments = [track_distance(), *([observe(**observe_fns)] if observe_fns else [])]
    with torch_threads():
        return train(
            step,
            steps=steps,
            record_steps=list(record_steps),
            instruments=instruments,
            config=config,
        )
