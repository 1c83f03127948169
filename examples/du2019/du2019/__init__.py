"""Du, Zhai, Poczos & Singh, "Gradient Descent Provably Optimizes Over-parameterized Neural
Networks" (ICLR 2019, arXiv 1810.02054), as ntkcheck claims.

Model: f(W, a, x) = m^{-1/2} Σ_r a_r ReLU(w_rᵀx), w_r ~ N(0, I_d) trained, a_r = ±1 fixed;
unit-norm inputs, no two parallel; loss ½‖u − y‖² with u_i = f(W, a, x_i). Its Gram matrix
H(W)_ij = x_iᵀx_j · m^{-1} Σ_r 1{w_rᵀx_i ≥ 0, w_rᵀx_j ≥ 0} is exactly the model's empirical
NTK, and converges to H∞_ij = x_iᵀx_j (π − arccos x_iᵀx_j)/(2π) with λ_0 = λ_min(H∞) > 0.

A paper package is this: claims (ntkcheck.claims.Claim) beside the measurements that test
them, composed of ntkcheck calls, exposed as ``CLAIMS`` and registered under the
``ntkcheck.claims`` entry point in pyproject.toml.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
import sympy as sp
import torch

from ntkcheck.claims import (
    Claim,
    Count,
    Counts,
    Figure,
    Floats,
    Foil,
    Ints,
    Positive,
    Range,
    Requirement,
    Seed,
    Source,
    Space,
    Sweep,
    grid,
)
from ntkcheck.data import smooth_target, sphere_points
from ntkcheck.dynamics import gd, train
from ntkcheck.kernels import du_h_infinity, empirical_ntk
from ntkcheck.plot import figure_kind
from ntkcheck.spectrum import lambda_min

SOURCE = Source(
    "Du, Zhai, Poczos & Singh, Gradient Descent Provably Optimizes Over-parameterized Neural "
    "Networks (ICLR 2019)",
    "1810.02054",
    "",
)


class TwoLayerReLU(torch.nn.Module):
    """f(x) = m^{-1/2} Σ_r a_r ReLU(w_rᵀx): W (m, d) ~ N(0, I) trained, a_r = ±1 a buffer."""

    def __init__(self, d: int, width: int, seed: int) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        w = torch.randn(width, d, generator=g, dtype=torch.float64)
        signs = torch.randint(0, 2, (width,), generator=g).to(torch.float64) * 2 - 1
        self.weight = torch.nn.Parameter(w)
        self.register_buffer("a", signs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x @ self.weight.T) @ self.a / math.sqrt(self.weight.shape[0])


def run_seed(*coordinates: int) -> int:
    return int(np.random.SeedSequence(coordinates).generate_state(1)[0])


def gram_statistics(measured: dict[str, Any]) -> dict[str, Any]:
    """From the Gram matrices H(0) (k, S, n, n) and H∞: ‖H(0) − H∞‖₂/λ_0 and λ_min(H(0))/λ_0
    per (width, seed), and their values at the largest width."""
    gram, h_inf, lam0 = measured["gram"], measured["h_inf"], measured["lambda_0"]
    deviation = np.linalg.norm(gram - h_inf, 2, axis=(-2, -1)) / lam0
    smallest = np.linalg.eigvalsh(gram)[..., 0] / lam0
    return {
        "deviation_ratio": deviation,
        "lambda_min_ratio": smallest,
        "deviation_largest": deviation[-1],
        "lambda_min_largest": smallest[-1],
    }


def measure_gram(
    *,
    widths: Counts = (1024, 4096, 16384, 65536),
    seeds: Count = 10,
    n: Count = 10,
    d: Count = 8,
    seed: Seed = 0,
) -> dict[str, Any]:
    """H∞ with a certified λ_0 on n unit points of S^{d−1} (5° apart), and the model's eNTK H(0)
    for each (width, seed)."""
    x = sphere_points(n, d, seed)
    h_inf = du_h_infinity(x).numpy(force=True)
    lam0 = lambda_min(h_inf, certify=True)

    def run(width: int, replicate: int) -> dict[str, Any]:
        net = TwoLayerReLU(d, width, run_seed(seed, width, replicate))
        return {"gram": empirical_ntk(net, x).numpy(force=True)}

    out = {
        **grid(run, seeds=seeds, width=widths),
        "h_inf": h_inf,
        "lambda_0": lam0.hi,
        "lambda_0_lo": lam0.lo,
    }
    return {**out, **gram_statistics(out)}


def halved_gram(measured: dict[str, Any]) -> dict[str, Any]:
    """Foil: every H(0) halved, statistics recomputed."""
    halved = {**measured, "gram": measured["gram"] / 2}
    return {**halved, **gram_statistics(halved)}


@figure_kind("du2019_gram")
def gram_figure(verdict: Any, spec: Figure) -> Any:
    """‖H(0) − H∞‖₂/λ_0 and λ_min(H(0))/λ_0 vs m (seed median, band: range), with the
    thresholds 1/4 and 3/4 of Lemma 3.1. A figure kind registered by this package."""
    from ntkcheck.plot.base import array, log_axis, pyplot

    widths = array(verdict, spec.x)
    fig, ax = pyplot().subplots(figsize=(6.4, 4.2))
    for key, line, color in zip(spec.y, (0.25, 0.75), ("C0", "C1")):
        y = array(verdict, key)
        ax.fill_between(widths, y.min(axis=1), y.max(axis=1), color=color, alpha=0.2, lw=0)
        ax.plot(widths, np.median(y, axis=1), "o-", color=color, label=f"{key} (seed median)")
        ax.axhline(line, color=color, ls="--", lw=1, label=f"Lemma 3.1: {line:g}")
    log_axis(ax, widths, "width m")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    return fig


def measure_gd(
    *,
    widths: Counts = (1024, 4096, 16384),
    seeds: Count = 5,
    n: Count = 10,
    d: Count = 8,
    step_fraction: Annotated[float, Range(gt=0)] = 0.5,
    rate_steps: Positive = 8.0,
    seed: Seed = 0,
) -> dict[str, Any]:
    """GD on ½‖u − y‖², y = sin(3uᵀx), with η = step_fraction · 2/λ_max(H(0)) for
    T = ⌈rate_steps/(η·λ_0)⌉ steps (the envelope then falls by e^{−rate_steps/2}).

    Returns flat arrays over every step k ≥ 1 of every run (width, seed) for the envelope:
    ``L_k``, ``L_0``, ``k``, ``eta``, ``run_width``, ``run_replicate``; ``loss_curves`` (k, S)
    lists; ``lambda_min_end`` (k, S) = λ_min(H(T))/λ_0; ``lambda_0``.
    """
    x = sphere_points(n, d, seed)
    y = smooth_target(x)
    lam0 = float(np.linalg.eigvalsh(du_h_infinity(x).numpy(force=True))[0])

    def run(width: int, replicate: int) -> dict[str, Any]:
        net = TwoLayerReLU(d, width, run_seed(seed, width, replicate))
        eta = 2 * step_fraction / float(np.linalg.eigvalsh(empirical_ntk(net, x).numpy())[-1])
        steps = math.ceil(rate_steps / (eta * lam0))
        # ntkcheck's GD minimizes (1/2n)‖u − y‖²: a step n·η on it is a step η on ½‖u − y‖².
        traj = train(gd(net, x, y, lr=n * eta), steps=steps)
        end = np.linalg.eigvalsh(empirical_ntk(net, x).numpy(force=True))[0] / lam0
        return {"loss": np.append(traj.step_loss, traj.loss[-1]), "eta": eta, "lambda_min_end": end}

    runs = grid(run, seeds=seeds, width=widths)
    keys = ("L_k", "L_0", "k", "eta", "run_width", "run_replicate")
    cols: dict[str, list[np.ndarray]] = {key: [] for key in keys}
    for j, row in enumerate(runs["loss"]):
        for s, curve in enumerate(row):
            steps = curve.size - 1
            cols["L_k"].append(curve[1:])
            cols["k"].append(np.arange(1, steps + 1))
            for key, value in (
                ("L_0", curve[0]),
                ("eta", runs["eta"][j, s]),
                ("run_width", widths[j]),
                ("run_replicate", s),
            ):
                cols[key].append(np.full(steps, value, dtype=float))
    flat = {key: np.concatenate(v) for key, v in cols.items()}
    return {
        **flat,
        "loss_curves": runs["loss"],
        "lambda_min_end": runs["lambda_min_end"],
        "lambda_0": lam0,
        "replicate": runs["replicate"],
    }


def slower_loss(measured: dict[str, Any]) -> dict[str, Any]:
    """Foil: the loss decaying ten times slower in log scale, L_k → L_0·(L_k/L_0)^{1/10}."""
    ratio = measured["L_k"] / measured["L_0"]
    curves = [[c[0] * (c / c[0]) ** 0.1 for c in row] for row in measured["loss_curves"]]
    return {**measured, "L_k": measured["L_0"] * ratio**0.1, "loss_curves": curves}


k, eta, lam0, L0 = sp.symbols("k eta lambda_0 L_0", positive=True)

GRAM_AT_INIT = Claim(
    id="du2019.gram.init",
    source=SOURCE.at("Assumption 3.1 and Lemma 3.1"),
    status="paper",
    statement=(
        "λ_0 = λ_min(H∞) > 0 for unit inputs with no two parallel, and at large width the Gram "
        "matrix at initialization is close to H∞: ‖H(0) − H∞‖₂ ≤ λ_0/4 and "
        "λ_min(H(0)) ≥ 3λ_0/4."
    ),
    requirements=(
        Requirement("lambda_0_lo", ">", 0, "certified lower end of λ_0 = λ_min(H∞)"),
        Requirement(
            "deviation_largest",
            "<=",
            0.25,
            "‖H(0) − H∞‖₂/λ_0 at the largest width, every seed",
            where=("replicate",),
        ),
        Requirement(
            "lambda_min_largest",
            ">=",
            0.75,
            "λ_min(H(0))/λ_0 at the largest width, every seed",
            where=("replicate",),
        ),
    ),
    measure=measure_gram,
    foil=Foil("every Gram matrix H(0) halved", measured=halved_gram),
    # Lemma 3.1 asks for m = Ω(n² log(n/δ)/λ_0²): the gated (largest) width above 16n², any
    # n and d. Wider: narrower.
    space=Space(
        widths=Sweep(1024, 262144, points=(1, 2), ratios=(4, 16), wider=(16, 262144), cost=1),
        n=Ints(4, 12, cost=2),
        d=Ints(3, 16),
        plot=("widths", "n"),
    ),
    assumptions=(sp.Symbol("widths_max") >= 16 * sp.Symbol("n") ** 2,),
    sizes={
        "quick": {"widths": (4096, 65536), "seeds": 4},
        "full": {"widths": (1024, 4096, 16384, 65536, 262144), "seeds": 20},
    },
    figure=Figure("du2019_gram", y=("deviation_ratio", "lambda_min_ratio"), x="widths"),
    notes=(
        "Lemma 3.1 asks for m = Ω(n² log(n/δ)/λ_0²) with an unstated constant; the claim "
        "checks its two conclusions at the largest width of the sweep for every seed."
    ),
)

GD_LINEAR_RATE = Claim(
    id="du2019.gd.linear_rate",
    source=SOURCE.at("Theorem 4.1"),
    status="paper",
    statement=(
        "With m large, gradient descent on ½‖u − y‖² converges at a linear rate: "
        "‖u(k) − y‖² ≤ (1 − ηλ_0/2)^k ‖u(0) − y‖² at every step k, and λ_min(H) stays above "
        "λ_0/2."
    ),
    requirements=(
        Requirement(
            "L_k",
            "<=",
            (1 - eta * lam0 / 2) ** k * L0,
            "every step k ≤ T of every (width, seed) run",
            where=("run_width", "run_replicate", "k"),
        ),
        Requirement(
            "lambda_min_end",
            ">=",
            0.5,
            "λ_min(H(T))/λ_0 per (width, seed)",
            where=("widths", "replicate"),
        ),
    ),
    measure=measure_gd,
    foil=Foil("the loss decaying ten times slower (log scale)", measured=slower_loss),
    sizes={
        "quick": {"widths": (1024, 8192), "seeds": 2},
        "full": {"widths": (1024, 4096, 16384, 65536), "seeds": 20},
    },
    assumptions=(sp.Symbol("step_fraction") < 1,),
    # Large widths, any n and d; a stable step. Wider: steps beyond 2/λ_max(H(0)).
    space=Space(
        widths=Sweep(1024, 65536, points=(1, 2), ratios=(4, 16), wider=(64, 65536), cost=1),
        n=Ints(4, 12, cost=2),
        d=Ints(3, 16),
        step_fraction=Floats(0.1, 0.9, wider=(0.1, 1.5), cost=-1),
        plot=("step_fraction", "widths"),
    ),
    figure=Figure("loss_envelope", y=("loss_curves",), groups="widths", bound="L_k"),
    notes=(
        "Theorem 4.1 proves the bound for a step η = O(λ_0/n²); the check uses a fraction of "
        "the stability limit, η = step_fraction · 2/λ_max(H(0)) (default 1/λ_max(H(0)), about "
        "n²/(λ_0 λ_max) times larger than λ_0/n² here), so it tests the bound in a wider regime "
        "than the theorem covers. The assumption step_fraction < 1 keeps GD stable on the "
        "linearized dynamics."
    ),
)

CLAIMS = (GRAM_AT_INIT, GD_LINEAR_RATE)
