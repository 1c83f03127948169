"""Terjék & González-Sánchez (arXiv 2205.13507): the coefficients depend on even-order moments
of the data. For homogeneous φ and no bias the input scale enters the kernel exactly as
Θ(θ; S·Z) = S Θ(θ; Z) S (derived), which these claims check, with the learning-rate and
λ_min-spread consequences reported alongside.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ntkcheck.experiments.terjek_lr import critical_lr_sweep
from ntkcheck.experiments.terjek_moments import scaling_identity, tails_sweep
from proofs.claim import Claim, Requirement, Source
from proofs.terjek_init import ARXIV, PAPER, seed_only


def measure_scaling(setting: Mapping[str, Any]) -> dict[str, Any]:
    sizes = {k: setting[k] for k in ("depth", "n", "d", "seed")}
    ident = scaling_identity(width=setting["width"], scales=setting["scales"], **sizes)
    probe = {"probe_steps": setting["probe_steps"], "iterations": setting["iterations"]}
    widths, seeds = (setting["width"],), setting["seeds"]
    base = critical_lr_sweep(widths=widths, seeds=seeds, **sizes, **probe)
    eta = [
        critical_lr_sweep(widths=widths, seeds=seeds, inputs_scale=c, **sizes, **probe)
        for c in setting["scales"]
    ]
    scaled = np.array([e["eta_crit_median"][0] for e in eta])
    return {
        **ident,
        "eta_crit_base": base["eta_crit_median"][0],
        "eta_crit": scaled,
        "eta_crit_scaled": scaled * ident["scales"] ** 2 / base["eta_crit_median"][0],
    }


def measure_tails(setting: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("spreads", "width", "depth", "seeds", "n", "d", "seed")
    out = tails_sweep(**{k: setting[k] for k in keys})
    return {
        **out,
        "spread_ratio": out["spread_std"][-1] / out["spread_std"][0],
        "cv_ratio": out["spread_cv"][-1] / out["spread_cv"][0],
    }


SCALING_BASE = {"seed": 0, "n": 20, "d": 8, "depth": 1, "scales": (0.1, 0.5, 3.0, 10.0)}
TAILS_BASE = {"seed": 0, "n": 20, "d": 8, "spreads": (0.0, 0.3, 0.6, 0.9)}

CLAIMS = (
    Claim(
        id="terjek.moments.scaling",
        source=Source(PAPER, ARXIV, "abstract: coefficients depend on moments of the data"),
        status="derived",
        statement=(
            "For homogeneous φ and no bias, K(θ_0; c·X) = c²·K(θ_0; X) exactly, so the stable "
            "step 2/λ_max(K) scales as c^{-2}."
        ),
        requirements=(
            Requirement(
                "kernel_error",
                "<=",
                sp.Float(1e-12),
                "‖K(θ_0; cX) − c²K(θ_0; X)‖_F/‖c²K(θ_0; X)‖_F, each c",
            ),
            Requirement(
                "step_error",
                "<=",
                sp.Float(1e-12),
                "|c²·(2/λ_max(K(θ_0; cX))) / (2/λ_max(K(θ_0; X))) − 1|, each c",
            ),
            Requirement(
                "eta_crit_scaled",
                "in",
                sp.Interval(0.75, 1.25),
                "c²·η_crit(cX)/η_crit(X), bisected monotone-loss step on the network",
                report_only=True,
            ),
        ),
        measure=measure_scaling,
        measured=("kernel_error", "step_error", "eta_crit_scaled"),
        sizes={
            "quick": {
                **SCALING_BASE,
                "width": 256,
                "seeds": 1,
                "probe_steps": 100,
                "iterations": 3,
            },
            "default": {
                **SCALING_BASE,
                "width": 256,
                "seeds": 3,
                "probe_steps": 200,
                "iterations": 6,
            },
            "full": {
                **SCALING_BASE,
                "width": 1024,
                "seeds": 5,
                "probe_steps": 200,
                "iterations": 7,
            },
        },
        settings=seed_only,
        notes=(
            "Default (depth 1, m = 256): ‖K(cX) − c²K(X)‖/‖c²K(X)‖ ≤ 2.4e-16 and the stable-step "
            "ratio is 1 to 9e-16 for c ∈ {0.1, 0.5, 3, 10}. Report-only: c²·η_crit(cX)/η_crit(X) "
            "= 0.43, 0.94, 1.00, 1.02 (3 seeds, 200 probe steps), outside claims.md's 'within 25% "
            "at m ≥ 256' at c = 0.1: the outputs start 10× smaller than the targets, training is "
            "far less lazy and the loss stops being monotone below the c^{-2} step. It is a "
            "finite-width effect: at c = 0.1 (one seed) the ratio is 0.43, 0.68, 0.96 at m = 256, "
            "1024, 4096."
        ),
    ),
    Claim(
        id="terjek.moments.tails",
        source=Source(
            PAPER,
            ARXIV,
            "abstract: coefficients depend on even-order moments of the data",
            lineage="exploratory; the mechanism Θ(S·Z) = S Θ(Z) S is exact for homogeneous φ",
        ),
        status="lineage",
        statement=(
            "On radial scale mixtures with equal E‖x‖², the spread of λ_min(K(θ_0)) grows with "
            "the higher moment E‖x‖^{2(L+1)}; the scales act exactly as Θ(S·Z) = S Θ(Z) S."
        ),
        requirements=(
            Requirement(
                "identity_error",
                "<=",
                sp.Float(1e-12),
                "max ‖Θ(S·Z) − S Θ(Z) S‖_F/‖S Θ(Z) S‖_F over mixtures and seeds",
            ),
            Requirement(
                "spread_ratio",
                ">",
                sp.Integer(1),
                "std over seeds of λ_min(K(θ_0)), heaviest / lightest mixture (exploratory)",
                report_only=True,
            ),
            Requirement(
                "cv_ratio",
                ">",
                sp.Integer(1),
                "the same for std/mean (scale-free: λ_min itself falls with s_min²)",
                report_only=True,
            ),
        ),
        measure=measure_tails,
        measured=("identity_error", "spread_ratio", "cv_ratio"),
        sizes={
            "quick": {**TAILS_BASE, "depth": 1, "width": 256, "seeds": 20},
            "default": {**TAILS_BASE, "depth": 2, "width": 1024, "seeds": 50},
            "full": {**TAILS_BASE, "depth": 2, "width": 4096, "seeds": 100},
        },
        settings=seed_only,
        notes=(
            "Exploratory; the gate is the exact mechanism Θ(S·Z) = S Θ(Z) S (error ≤ 5e-16). "
            "Two-point radial mixtures s² = 1 ± a (E s² = 1), a = 0, 0.3, 0.6, 0.9: E s^6 = 1, "
            "1.27, 2.08, 3.43 (depth 2). At m = 1024 (50 seeds, data fixed, spread over "
            "initializations) the std of λ_min(K(θ_0)) FALLS from 4.8e-4 to 5.8e-5, because λ_min "
            "itself falls with s_min² (mean 0.0083 → 0.0010); the relative spread std/mean stays "
            "0.055–0.057. So the spread does not grow with the higher moment here: the "
            "moment-dependent bounds are upper bounds, not what λ_min's fluctuation tracks."
        ),
    ),
)
