"""Terjék & González-Sánchez (arXiv 2205.13507): gradient descent on wide MLPs converges to a
global optimum at a linear rate, and to the minimum-norm interpolant (implicit regularization).

GD on (1/2n)‖f − y‖² with η = 1/λ_max(K(θ_0)) for T = ⌈steps_per_kappa · κ(K(θ_0))⌉ steps, one
run per (width, seed) on the data of claims.md §A; depth 2 by default (every layer trained).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ntkcheck.experiments.terjek_gd import envelope_data, gd_sweep
from ntkcheck.plot import Figure
from proofs.claim import Claim, Requirement, Source
from proofs.terjek_init import ARXIV, PAPER, seed_only

GD_BASE = {"seed": 0, "n": 20, "d": 8, "depth": 2, "steps_per_kappa": 10.0}


def sweep(setting: Mapping[str, Any], **options: Any) -> dict[str, Any]:
    """:func:`gd_sweep` on the setting's sizes (shared by the GD and lazy claims)."""
    return gd_sweep(
        widths=setting["widths"],
        seeds=setting["seeds"],
        depth=setting["depth"],
        n=setting["n"],
        d=setting["d"],
        seed=setting["seed"],
        steps_per_kappa=setting["steps_per_kappa"],
        **options,
    )


def measure_linear_rate(setting: Mapping[str, Any]) -> dict[str, Any]:
    runs = sweep(setting)
    env = envelope_data(runs)
    return {**runs, **env, "rate_ratio": (env["late_rate"] / env["linear_rate"]).reshape(-1)}


def measure_global_optimum(setting: Mapping[str, Any]) -> dict[str, Any]:
    runs = sweep(setting)
    wide = runs["widths"] >= setting["gate_width"]
    return {**runs, "loss_ratio_wide": runs["loss_ratio"][wide].reshape(-1)}


def measure_implicit(setting: Mapping[str, Any]) -> dict[str, Any]:
    runs = sweep(setting)
    ratio = runs["distance"] / runs["min_norm_distance"]
    # The comparison with the interpolant is only meaningful once the run interpolates.
    ratio = np.where(runs["loss_ratio"] <= 1e-6, ratio, np.nan)
    mean_distance = runs["distance"].mean(axis=1)
    return {
        **runs,
        "norm_ratio": ratio,
        "norm_ratio_largest": ratio[-1],
        "mean_distance": mean_distance,
        "distance_variation": mean_distance.max() / mean_distance.min() - 1,
    }


_t, _eta, _lam0, _L0 = sp.symbols("t eta lambda_0 L_0", positive=True)

CLAIMS = (
    Claim(
        id="terjek.gd.linear_rate",
        source=Source(
            PAPER,
            ARXIV,
            "abstract: convergence to a global optimum at a linear rate",
            lineage="Liu, Zhu & Belkin 2022 (PL* condition); Oymak & Soltanolkotabi 2020",
        ),
        status="lineage",
        statement=(
            "Full-batch GD with η = 1/λ_max(K(θ_0)) decreases the loss at least geometrically: "
            "L_t ≤ (1 − η·λ_min(K(θ_0))/2)^t · L_0 for every step t ≤ T."
        ),
        requirements=(
            Requirement(
                "L_t",
                "<=",
                (1 - _eta * _lam0 / 2) ** _t * _L0,
                "every step t ≤ T of every (width, seed) run",
            ),
            Requirement(
                "rate_ratio",
                "in",
                sp.Interval(0.75, 1.25),
                "late-time fitted log-loss slope / 2·log(1 − η·λ_min(K(θ_0))) (linearized)",
                report_only=True,
            ),
        ),
        measure=measure_linear_rate,
        measured=("L_t", "t", "eta", "lambda_0", "L_0", "rate_ratio"),
        sizes={
            "quick": {**GD_BASE, "widths": (16, 256), "seeds": 2},
            "default": {**GD_BASE, "widths": (16, 64, 256, 1024), "seeds": 3},
            "full": {**GD_BASE, "widths": (16, 32, 64, 128, 256, 512, 1024, 2048), "seeds": 5},
        },
        settings=seed_only,
        figure=Figure("loss_envelope", y=("loss_curves",), groups="widths", bound="L_t"),
        notes=(
            "Default (depth 2, widths 16/64/256/1024, 3 seeds, η = 1/λ_max(K(θ_0)), T = ⌈10κ⌉): "
            "the envelope holds at all 5956 steps, tightest relative slack 0.32 (t = 0, an "
            "identity, is left out). κ(K(θ_0)) = 69–152 at m = 16, 28–50 at m = 64, 24–30 at m ≥ "
            "256 (claims.md quoted κ ≈ 60–180 'here'; on this data that range is only reached at "
            "m = 16). Report-only: the late-time decay rate / 2·log(1 − ηλ_min(K(θ_0))) is "
            "1.00–1.07 at m = 1024 but up to 2.2 at m = 16 (λ_min(K_t) grows during training at "
            "small width), so the ±25% window is only met in the lazy regime."
        ),
    ),
    Claim(
        id="terjek.gd.global_optimum",
        source=Source(PAPER, ARXIV, "abstract: wide MLPs converge to a global optimum"),
        status="paper",
        statement=(
            "At width m ≥ 256, GD with η = 1/λ_max(K(θ_0)) reaches L_T/L_0 ≤ 1e-6 within "
            "T = ⌈10·κ(K(θ_0))⌉ steps: the global optimum (interpolation) of the MSE."
        ),
        requirements=(
            Requirement(
                "loss_ratio_wide",
                "<=",
                sp.Float(1e-6),
                "L_T/L_0 of every run at width ≥ gate_width",
            ),
        ),
        measure=measure_global_optimum,
        measured=("loss_ratio_wide",),
        sizes={
            "quick": {**GD_BASE, "widths": (256,), "seeds": 2, "gate_width": 256},
            "default": {**GD_BASE, "widths": (64, 256, 512, 1024), "seeds": 4, "gate_width": 256},
            "full": {
                **GD_BASE,
                "widths": (16, 64, 256, 512, 1024, 2048),
                "seeds": 8,
                "gate_width": 256,
            },
        },
        settings=seed_only,
        figure=Figure(
            "loss_envelope", y=("loss_curves",), groups="widths", bound="loss_ratio_wide"
        ),
        notes=(
            "Default (depth 2, 4 seeds): L_T/L_0 = 3e-13…8e-11 at m ≥ 256 (and ≤ 3e-11 at m = 64) "
            "with T = ⌈10·κ(K(θ_0))⌉ = 240–310 steps: κ = 24–30 here, not the 60–180 of "
            "claims.md, so T is shorter than the prototypes' T ≈ 800 and still ample."
        ),
    ),
    Claim(
        id="terjek.implicit_regularization",
        source=Source(
            PAPER,
            ARXIV,
            "abstract: implicit regularization",
            lineage="Lee et al. 2019 (GD on the linearized model ends at the minimum-norm "
            "interpolant θ_0 + J_0ᵀ Θ_0^{-1}(y − f_0))",
        ),
        status="lineage",
        statement=(
            "GD ends near the minimum-norm interpolant of the linearized model: "
            "‖θ_T − θ_0‖ ≈ √(r_0ᵀ Θ_0^{-1} r_0), a distance that stays O(1) as m grows."
        ),
        requirements=(
            Requirement(
                "norm_ratio_largest",
                "in",
                sp.Interval(0.9, 1.1),
                "‖θ_T − θ_0‖/√(r_0ᵀΘ_0^{-1}r_0) per seed at the largest width (NaN unless "
                "L_T/L_0 ≤ 1e-6)",
            ),
            Requirement(
                "distance_variation",
                "<",
                sp.Float(0.2),
                "max/min − 1 over widths of the seed-mean ‖θ_T − θ_0‖",
            ),
        ),
        measure=measure_implicit,
        measured=("norm_ratio_largest", "distance_variation"),
        sizes={
            "quick": {**GD_BASE, "depth": 1, "widths": (128, 512), "seeds": 6},
            "default": {**GD_BASE, "widths": (64, 128, 256, 512), "seeds": 10},
            "full": {**GD_BASE, "widths": (64, 128, 256, 512, 1024, 2048), "seeds": 20},
        },
        settings=seed_only,
        notes=(
            "Default (depth 2, widths 64–512, 10 seeds): ‖θ_T − θ_0‖/√(r_0ᵀΘ_0^{-1}r_0) = "
            "0.996–1.016 at m = 512 (seed means 0.958, 0.996, 1.004, 1.007 at m = 64…512); "
            "claims.md measured 0.3–1.5% off. Seed-mean ‖θ_T − θ_0‖ = 3.96, 4.16, 4.31, 4.02: "
            "max/min − 1 = 0.09 (< 0.2). Per-seed ‖θ_T − θ_0‖ scatters by ~11% (it follows r_0 = "
            "f(θ_0, X) − y), hence 10 seeds."
        ),
    ),
)
