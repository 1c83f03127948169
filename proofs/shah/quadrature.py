"""The UNF's integral f(x) = ∫_{x0}^{x} N(t) dt and its quadrature error at initialization.

The integrand N = ELU(u) + 1 with u(t) = Σ_r a_r ReLU(w_r t + b_r) is piecewise linear in t
(kinks at −b_r/w_r), so f has a closed form piece by piece: ∫ (1 + u) = h(1 + (u0 + u1)/2)
where u ≥ 0, ∫ e^u = h(e^{u1} − e^{u0})/(u1 − u0) where u ≤ 0, pieces split where u crosses 0
(:func:`unf_exact_integral`, the quadrature oracle). The right sum with n nodes errs by
≈ (x − x0)(N(x) − N(x0))/(2n) (Euler–Maclaurin); Clenshaw–Curtis converges much faster.

References: Shah et al. 2022, arXiv 2106.10535 (UNF definition); Davis & Rabinowitz, Methods of
Numerical Integration (1984), Euler–Maclaurin; Trefethen 2008 (Clenshaw–Curtis).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from ntkcheck.claims import (
    Choice,
    Claim,
    Count,
    Counts,
    Figure,
    Foil,
    Ints,
    Requirement,
    Seed,
    Space,
    grid,
)
from ntkcheck.models.flows import UNF, AutoregressiveUNF, clenshaw_curtis, right_sum
from ntkcheck.proofs.shah.common import CODE, SOURCE
from ntkcheck.stats import fit_loglog_slope

GATED_NODES = 50  # the reference's right sum


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
    nodes = np.unique(np.concatenate([[x0], inside, xs]))
    u = np.maximum(np.outer(nodes, w) + b, 0.0) @ a  # u is linear between consecutive nodes
    u0, u1, h = u[:-1], u[1:], np.diff(nodes)
    # Split each segment where u changes sign, at the fraction s with u = 0.
    cross = u0 * u1 < 0
    s = np.where(cross, u0 / np.where(cross, u0 - u1, 1.0), 1.0)
    first = _segment_integral(u0, np.where(cross, 0.0, u1), h * s)
    second = np.where(cross, _segment_integral(np.zeros_like(u1), u1, h * (1 - s)), 0.0)
    cumulative = np.concatenate([[0.0], np.cumsum(first + second)])
    return cumulative[np.searchsorted(nodes, xs)]


def quadrature_statistics(measured: Mapping[str, Any]) -> dict[str, Any]:
    """From ``right_sum_error``, ``clenshaw_curtis_error``, ``euler_maclaurin`` (k, S) over
    ``nodes`` (k,): seed means ``*_mean`` (k,); the log-log ``slope`` (90% CI ``slope_lo``,
    ``slope_hi``) of the seed-mean right-sum error in n; at n = 50 the seed-mean right-sum
    error, per seed (S,) the right-sum and Clenshaw–Curtis errors; and the per-seed ratio of
    error to the Euler–Maclaurin prediction at the largest n."""
    nodes, rs = np.asarray(measured["nodes"]), measured["right_sum_error"]
    cc = measured["clenshaw_curtis_error"]
    if GATED_NODES not in nodes:
        raise ValueError(
            f"setting `nodes` must include {GATED_NODES} (the gated rule), got "
            f"{nodes.astype(int).tolist()}."
        )
    at = int(np.flatnonzero(nodes == GATED_NODES)[0])
    fit = fit_loglog_slope(nodes, rs)
    return {
        "right_sum_error_mean": rs.mean(axis=1),
        "clenshaw_curtis_error_mean": cc.mean(axis=1),
        "slope": fit.slope,
        "slope_lo": fit.lo,
        "slope_hi": fit.hi,
        "right_sum_error_50": rs.mean(axis=1)[at],
        "right_sum_error_50_seeds": rs[at],
        "clenshaw_curtis_error_50": cc[at],
        "euler_maclaurin_ratio": (rs / measured["euler_maclaurin"])[-1],
    }


def measure_quadrature(
    *,
    width: Count = 256,
    nodes: Counts = (10, 20, 50, 100, 200, 400),
    seeds: Count = 5,
    n_points: Count = 20,
    seed: Seed = 0,
) -> dict[str, Any]:
    """Max error over points of the UNF's right sum and Clenshaw–Curtis vs the exact integral.

    The s-th replicate is a UNF at init (seed ``seed + s``) with x0 = −½, evaluated at n
    equispaced points of (−½, ½]. Returns ``right_sum_error``, ``clenshaw_curtis_error`` and
    ``euler_maclaurin`` = max over points of |(x − x0)(N(x) − N(x0))/(2n)|, each (k, S), with
    :func:`quadrature_statistics`.
    """
    x = torch.linspace(-0.5, 0.5, n_points + 1, dtype=torch.float64)[1:].reshape(-1, 1)

    def run(replicate: int) -> dict[str, np.ndarray]:
        flow = UNF(-0.5, width, seed=seed + replicate)
        exact = unf_exact_integral(flow, x)
        with torch.no_grad():
            n_x = flow.nets[0](x)  # N(x): (N,)
            n_x0 = flow.nets[0](flow.x0.reshape(1, 1))
        errors = {"right_sum_error": [], "clenshaw_curtis_error": [], "euler_maclaurin": []}
        for k in nodes:
            for key, rule in (
                ("right_sum_error", right_sum(k)),
                ("clenshaw_curtis_error", clenshaw_curtis(k)),
            ):
                flow.rule = rule
                with torch.no_grad():
                    errors[key].append(np.abs(flow(x)[:, 0].numpy(force=True) - exact).max())
            em = float((torch.abs((x[:, 0] + 0.5) * (n_x - n_x0)) / (2 * k)).max())
            errors["euler_maclaurin"].append(em)
        return {key: np.asarray(v) for key, v in errors.items()}

    per_seed = grid(run, seeds=seeds)  # (S, k) arrays
    out = {"nodes": np.asarray(nodes, dtype=float), "replicate": per_seed.pop("replicate")}
    out.update({key: errors.T for key, errors in per_seed.items()})
    return {**out, **quadrature_statistics(out)}


def half_order(measured: Mapping[str, Any]) -> dict[str, Any]:
    """Foil: the errors of a rule of order ½ (every error ×√n), statistics recomputed."""
    root = np.sqrt(np.asarray(measured["nodes"]))[:, None]
    slow = {
        **measured,
        **{k: measured[k] * root for k in ("right_sum_error", "clenshaw_curtis_error")},
    }
    return {**slow, **quadrature_statistics(slow)}


QUADRATURE = Claim(
    id="shah.unf.quadrature",
    source=SOURCE.at("UNF definition: f = ∫_{x0}^{x} N, right Riemann sum with 50 nodes; " + CODE),
    status="derived",
    statement=(
        "The 50-node right sum of the UNF's integral errs by at most 3e-3 at init, with the "
        "first-order rate n^{-1} of Euler–Maclaurin, while Clenshaw–Curtis(50) errs < 1e-4."
    ),
    requirements=(
        Requirement(
            "right_sum_error_50",
            "<=",
            3e-3,
            "seed-mean of the max over 20 points of |right sum − exact integral| at n = 50",
            range=(0, np.inf),
        ),
        Requirement(
            "slope", "in", (-1.1, -0.9), "log-log slope in n of the seed-mean right-sum error"
        ),
        Requirement(
            "clenshaw_curtis_error_50",
            "<",
            1e-4,
            "max over the points of |Clenshaw–Curtis(50) − exact|, every seed",
            range=(0, np.inf),
            where=("replicate",),
        ),
        Requirement(
            "right_sum_error_50_seeds",
            "<=",
            3e-3,
            "the same per seed (single draws exceed 3e-3 about 6% of the time)",
            report_only=True,
            range=(0, np.inf),
            where=("replicate",),
        ),
        Requirement(
            "euler_maclaurin_ratio",
            "in",
            (0.9, 1.1),
            "error / ((x − x0)(N(x) − N(x0))/(2n)) at the largest n, per seed",
            report_only=True,
            where=("replicate",),
        ),
    ),
    measure=measure_quadrature,
    foil=Foil("the errors of a rule of order ½ (×√n)", measured=half_order),
    sizes={
        "quick": {"nodes": (10, 50, 200)},
        "full": {"seeds": 20, "nodes": (10, 20, 50, 100, 200, 400, 800)},
    },
    # A property of the UNF at init at every width of the paper's overparameterized range
    # (16…4096; wider: down to one unit), node sets holding the gated n = 50 (and one more for
    # the slope), 5…50 evaluation points; seeds stay 5 (the 3e-3 gate is on 5-seed means).
    space=Space(
        width=Ints(16, 4096, log=True, wider=(1, 4096), cost=0.6),
        nodes=Choice(
            (
                (10, 50, 200),
                (50, 100),
                (10, 50),
                (20, 50, 100),
                (50, 200, 800),
                (10, 20, 50, 100, 200, 400),
                (10, 20, 50, 100, 200, 400, 800),
            ),
            cost=0.5,
        ),
        n_points=Ints(5, 50, cost=0.5),
    ),
    figure=Figure(
        "loglog_slope",
        y=("right_sum_error", "clenshaw_curtis_error"),
        x="nodes",
        bound="slope",
        labels=("right sum (the training rule)", "Clenshaw–Curtis"),
        xlabel="quadrature nodes n",
        ylabel="max over points of |quadrature − exact ∫N|",
    ),
    notes=(
        "Oracle: the exact integral piece by piece (u is piecewise linear in t, kinks at "
        "−b_r/w_r; ∫(1 + u) and ∫e^u in closed form, pieces split where u = 0), equal to "
        "Clenshaw–Curtis(4000) to 1e-9. Points: 20 equispaced in (−½, ½], x0 = −½. The error "
        "is gated on the seed mean (5 seeds, as calibrated): per seed it exceeds 3e-3 on 5.8% of "
        "400 draws (max 4.5e-3), the 5-seed mean never (max 2.3e-3). Default (seeds 0–4): "
        "seed-mean error at n = 50 9.7e-4 (per seed 9.3e-5…1.5e-3), slope −1.003; error / "
        "Euler–Maclaurin prediction 0.999–1.001; Clenshaw–Curtis(50) 3.9e-6…1.4e-5 (max over "
        "400 seeds 1.8e-5)."
    ),
)

CLAIMS = (QUADRATURE,)
