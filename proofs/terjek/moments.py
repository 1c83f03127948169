"""How the data's radial moments enter the kernel: the paper's coefficients depend on
even-order moments of the data.

For a positively 1-homogeneous φ (ReLU, |s|) and no bias, f(θ, c·x) = c·f(θ, x), hence
J(c·x) = c·J(x) and, for inputs S·Z with S = diag(s_i),

    Θ(θ; S·Z) = S Θ(θ; Z) S           (in particular Θ(θ; c·X) = c² Θ(θ; X)),

exactly, at every width and every θ. The stable GD step 2/λ_max(K) therefore scales as c^{-2},
and the radial scales s_i reach λ_min(K(θ_0)) only through S.

References: Terjék & González-Sánchez 2022 (arXiv 2205.13507), moments of the data; Lee et al.
2019 (η_crit = 2/λ_max).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ntkcheck.claims import Choice, Claim, Count, Foil, Ints, Positives, Requirement, Seed, Space
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.proofs.terjek.common import SOURCE, mlp, run_seed, sphere_data
from ntkcheck.proofs.terjek.transfer import critical_lr_sweep


def scaling_identity(
    width: int,
    depth: int,
    n: int,
    d: int,
    seed: int,
    scales: tuple[float, ...],
    exponent: float = 2.0,
) -> dict[str, np.ndarray]:
    """Θ(θ_0; c·X) against c^p·Θ(θ_0; X) (p = ``exponent``, 2 for the identity) on one network,
    for each c in ``scales``.

    Returns (len(scales),) arrays: ``kernel_error`` = ‖Θ(cX) − c^pΘ(X)‖_F/‖c^pΘ(X)‖_F and
    ``step_error`` = |(2/λ_max(K(cX)))·c^p / (2/λ_max(K(X))) − 1| (K = Θ/n).
    """
    x, _ = sphere_data(n, d, seed)
    net = mlp(d, width, depth, run_seed(seed, depth, width, 0))
    base = empirical_ntk(net, x)
    lam = np.linalg.eigvalsh(base.numpy(force=True) / n)[-1]
    kernel_error, step_error = [], []
    for c in scales:
        scaled = empirical_ntk(net, c * x)
        target = c**exponent * base
        kernel_error.append(float(torch.linalg.norm(scaled - target) / torch.linalg.norm(target)))
        lam_c = np.linalg.eigvalsh(scaled.numpy(force=True) / n)[-1]
        step_error.append(abs((2 / lam_c) * c**exponent / (2 / lam) - 1))
    return {"kernel_error": np.array(kernel_error), "step_error": np.array(step_error)}


def two_point_scales(signs: np.ndarray, spread: float) -> torch.Tensor:
    """Radial scales s = √(1 + a·ε) for signs ε = ±1 (equiprobable) and spread a ∈ [0, 1):
    E s² = 1 for every a, while E s^{2k} = ((1 + a)^k + (1 − a)^k)/2 grows with a for k ≥ 2."""
    return torch.tensor(np.sqrt(1 + spread * np.asarray(signs)), dtype=torch.float64)


def radial_moment(spread: float, order: int) -> float:
    """E s^{2·order} of :func:`two_point_scales` (exact)."""
    return ((1 + spread) ** order + (1 - spread) ** order) / 2


def tails_sweep(
    spreads: tuple[float, ...],
    width: int,
    depth: int,
    seeds: int,
    n: int,
    d: int,
    seed: int,
) -> dict[str, Any]:
    """λ_min(K(θ_0)) on radial scale mixtures X = S·Z, Z = ``sphere_data(n, d, seed)``.

    One data set per spread a: scales ``two_point_scales(ε, a)`` with one draw of signs ε from
    ``default_rng(run_seed(seed, 3))`` (the same signs for every a, so only the mixture
    changes); the spread is over the networks ``run_seed(seed, depth, width, s)``, s < seeds,
    i.e. over the initialization, which is what the paper's moment-dependent concentration
    bounds control.

    Returns ``moment_2`` (= 1), ``moment_high`` = E‖x‖^{2(L+1)} (len(spreads),);
    ``lambda_min`` (len(spreads), S); ``spread_std``, ``spread_cv`` (std/mean over seeds);
    ``identity_error``: max over all runs of ‖Θ(S·Z) − S Θ(Z) S‖_F/‖S Θ(Z) S‖_F, and
    ``one_sided_error``, the same against S Θ(Z) (the scales applied on one side only: what a
    wrong derivation would predict, kept for the claim's foil).
    """
    z, _ = sphere_data(n, d, seed)
    lam = np.empty((len(spreads), seeds))
    identity = one_sided = 0.0
    signs = np.random.default_rng(run_seed(seed, 3)).choice([-1.0, 1.0], size=n)
    for s in range(seeds):
        net = mlp(d, width, depth, run_seed(seed, depth, width, s))
        theta_z = empirical_ntk(net, z)
        for i, a in enumerate(spreads):
            scale = two_point_scales(signs, a)
            theta = empirical_ntk(net, scale[:, None] * z)
            for wrong, target in (
                (False, scale[:, None] * theta_z * scale[None, :]),
                (True, scale[:, None] * theta_z),
            ):
                error = float(torch.linalg.norm(theta - target) / torch.linalg.norm(target))
                if wrong:
                    one_sided = max(one_sided, error)
                else:
                    identity = max(identity, error)
            lam[i, s] = np.linalg.eigvalsh(theta.numpy(force=True) / n)[0]
    return {
        "moment_2": np.array([radial_moment(a, 1) for a in spreads]),
        "moment_high": np.array([radial_moment(a, depth + 1) for a in spreads]),
        "lambda_min": lam,
        "spread_std": lam.std(axis=1, ddof=1),
        "spread_cv": lam.std(axis=1, ddof=1) / lam.mean(axis=1),
        "identity_error": identity,
        "one_sided_error": one_sided,
    }


def measure_scaling(
    *,
    width: Count = 256,
    depth: Count = 1,
    scales: Positives = (0.1, 0.5, 3.0, 10.0),
    seeds: Count = 3,
    n: Count = 20,
    d: Count = 8,
    probe_steps: Count = 200,
    iterations: Count = 6,
    seed: Seed = 0,
) -> dict[str, Any]:
    """The identity K(θ_0; cX) = c²K(θ_0; X) (and, for the foil, the same against c·K), and the
    bisected η_crit of the network on c·X against X (report-only)."""
    sizes = (depth, n, d, seed)
    ident = scaling_identity(width, *sizes, scales)
    wrong = scaling_identity(width, *sizes, scales, exponent=1.0)
    probe = {"probe_steps": probe_steps, "iterations": iterations}
    base = critical_lr_sweep((width,), seeds, *sizes, **probe)["eta_crit_median"][0]
    scaled = np.array(
        [
            critical_lr_sweep((width,), seeds, *sizes, inputs_scale=c, **probe)["eta_crit_median"][
                0
            ]
            for c in scales
        ]
    )
    return {
        **ident,
        "kernel_error_exponent_1": wrong["kernel_error"],
        "step_error_exponent_1": wrong["step_error"],
        "eta_crit_base": base,
        "eta_crit": scaled,
        "eta_crit_scaled": scaled * np.asarray(scales) ** 2 / base,
    }


def wrong_exponent(measured: dict[str, Any]) -> dict[str, Any]:
    """Foil: K(θ_0; cX) compared with c·K(θ_0; X), a wrong exponent."""
    return {
        **measured,
        "kernel_error": measured["kernel_error_exponent_1"],
        "step_error": measured["step_error_exponent_1"],
    }


def measure_tails(
    *,
    spreads: tuple[float, ...] = (0.0, 0.3, 0.6, 0.9),
    width: Count = 1024,
    depth: Count = 2,
    seeds: Count = 50,
    n: Count = 20,
    d: Count = 8,
    seed: Seed = 0,
) -> dict[str, Any]:
    out = tails_sweep(spreads, width, depth, seeds, n, d, seed)
    return {
        **out,
        "spread_ratio": out["spread_std"][-1] / out["spread_std"][0],
        "cv_ratio": out["spread_cv"][-1] / out["spread_cv"][0],
    }


def one_sided(measured: dict[str, Any]) -> dict[str, Any]:
    """Foil: Θ(S·Z) compared with S Θ(Z), the scales applied on one side only."""
    return {**measured, "identity_error": measured["one_sided_error"]}


MOMENTS = SOURCE.at("abstract: coefficients depend on (even-order) moments of the data")

SCALING = Claim(
    id="terjek.moments.scaling",
    source=MOMENTS,
    status="derived",
    statement=(
        "For homogeneous φ and no bias, K(θ_0; c·X) = c²·K(θ_0; X) exactly, so the stable step "
        "2/λ_max(K) scales as c^{-2}."
    ),
    requirements=(
        Requirement(
            "kernel_error",
            "<=",
            1e-12,
            "‖K(θ_0; cX) − c²K(θ_0; X)‖_F/‖c²K(θ_0; X)‖_F, each c",
            where=("scales",),
        ),
        Requirement(
            "step_error",
            "<=",
            1e-12,
            "|c²·(2/λ_max(K(θ_0; cX))) / (2/λ_max(K(θ_0; X))) − 1|, each c",
            where=("scales",),
        ),
        Requirement(
            "eta_crit_scaled",
            "in",
            (0.75, 1.25),
            "c²·η_crit(cX)/η_crit(X), bisected monotone-loss step on the network",
            report_only=True,
            where=("scales",),
        ),
    ),
    measure=measure_scaling,
    foil=Foil("a wrong exponent: K(θ_0; cX) compared with c·K(θ_0; X)", measured=wrong_exponent),
    # An identity of homogeneous activations without bias: any width, depth, n, d and scale.
    space=Space(
        width=Ints(64, 1024, log=True, cost=1),
        depth=Ints(1, 3, cost=1),
        n=Ints(8, 32, cost=2),
        d=Ints(2, 16),
        scales=Choice(((0.1, 0.5, 3.0, 10.0), (0.01, 100.0), (0.3, 2.0, 7.0))),
        plot=("width", "depth"),
    ),
    sizes={
        "quick": {"seeds": 1, "probe_steps": 100, "iterations": 3},
        "full": {"width": 1024, "seeds": 5, "iterations": 7},
    },
    notes=(
        "Default (depth 1, m = 256): ‖K(cX) − c²K(X)‖/‖c²K(X)‖ ≤ 2.4e-16 and the stable-step "
        "ratio is 1 to 9e-16 for c ∈ {0.1, 0.5, 3, 10}. Report-only: c²·η_crit(cX)/η_crit(X) = "
        "0.43, 0.94, 1.00, 1.02 (3 seeds, 200 probe steps), outside the prototypes' 'within 25% at "
        "m ≥ 256' at c = 0.1: the outputs start 10× smaller than the targets, training is far "
        "less lazy and the loss stops being monotone below the c^{-2} step. It is a finite-width "
        "effect: at c = 0.1 (one seed) the ratio is 0.43, 0.68, 0.96 at m = 256, 1024, 4096."
    ),
)

TAILS = Claim(
    id="terjek.moments.tails",
    source=MOMENTS.at(
        MOMENTS.locator,
        lineage="exploratory; the mechanism Θ(S·Z) = S Θ(Z) S is exact for homogeneous φ",
    ),
    status="lineage",
    statement=(
        "On radial scale mixtures with equal E‖x‖², the spread of λ_min(K(θ_0)) grows with the "
        "higher moment E‖x‖^{2(L+1)}; the scales act exactly as Θ(S·Z) = S Θ(Z) S."
    ),
    requirements=(
        Requirement(
            "identity_error",
            "<=",
            1e-12,
            "max ‖Θ(S·Z) − S Θ(Z) S‖_F/‖S Θ(Z) S‖_F over mixtures and seeds",
        ),
        Requirement(
            "spread_ratio",
            ">",
            1,
            "std over seeds of λ_min(K(θ_0)), heaviest / lightest mixture (exploratory)",
            report_only=True,
        ),
        Requirement(
            "cv_ratio",
            ">",
            1,
            "the same for std/mean (scale-free: λ_min itself falls with s_min²)",
            report_only=True,
        ),
    ),
    measure=measure_tails,
    foil=Foil(
        "the scales applied on one side only: Θ(S·Z) compared with S Θ(Z)", measured=one_sided
    ),
    space=Space(
        width=Ints(256, 4096, log=True, cost=1),
        depth=Ints(1, 3, cost=1),
        n=Ints(8, 32, cost=2),
        d=Ints(4, 16),
        seeds=Ints(10, 100, cost=1),
        spreads=Choice(((0.0, 0.3, 0.6, 0.9), (0.0, 0.5), (0.0, 0.9))),
        plot=("width", "depth"),
    ),
    sizes={
        "quick": {"depth": 1, "width": 256, "seeds": 20},
        "full": {"width": 4096, "seeds": 100},
    },
    notes=(
        "Exploratory; the gate is the exact mechanism Θ(S·Z) = S Θ(Z) S (error ≤ 5e-16). "
        "Two-point radial mixtures s² = 1 ± a (E s² = 1), a = 0, 0.3, 0.6, 0.9: E s^6 = 1, 1.27, "
        "2.08, 3.43 (depth 2). At m = 1024 (50 seeds, data fixed, spread over initializations) "
        "the std of λ_min(K(θ_0)) FALLS from 4.8e-4 to 5.8e-5, because λ_min itself falls with "
        "s_min² (mean 0.0083 → 0.0010); the relative spread std/mean stays 0.055–0.057. So the "
        "spread does not grow with the higher moment here: the moment-dependent bounds are upper "
        "bounds, not what λ_min's fluctuation tracks."
    ),
)

CLAIMS = (SCALING, TAILS)
