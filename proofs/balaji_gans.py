"""Claims of Balaji et al., "Understanding Overparameterization in Generative Adversarial
Networks" (ICLR 2021, arXiv 2104.05605), in the order of claims.md section B.

The claims live in topic modules: :mod:`proofs.balaji_model` (mean matching, saddle point,
Jacobian, σ_min at init), :mod:`proofs.balaji_gda` (GDA convergence, the underparameterized
floor, the envelope, laziness), :mod:`proofs.balaji_linear` (linearized GDA: rate formula and
step-size regimes) and :mod:`proofs.balaji_study` (sample quality vs width at CPU scale).
"""

from __future__ import annotations

from proofs.balaji_gda import CONVERGES, ENVELOPE, LAZY, UNDERPARAMETERIZED
from proofs.balaji_linear import RATE_FORMULA, STEP_SIZES
from proofs.balaji_model import JACOBIAN, MEAN_MATCHING, SADDLE_POINT, SIGMA_MIN_INIT
from proofs.balaji_study import QUALITY
from proofs.claim import Claim

CLAIMS: tuple[Claim, ...] = (
    MEAN_MATCHING,
    SADDLE_POINT,
    JACOBIAN,
    SIGMA_MIN_INIT,
    CONVERGES,
    UNDERPARAMETERIZED,
    RATE_FORMULA,
    ENVELOPE,
    LAZY,
    STEP_SIZES,
    QUALITY,
)
