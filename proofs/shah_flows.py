"""Claims of Shah, Deshpande, Goyal, "Learning and Generalization in Overparameterized
Normalizing Flows" (AISTATS 2022, arXiv 2106.10535), in the order of claims.md section C.

The claims live in topic modules: :mod:`proofs.shah_kernels` (the flows' NTKs at init),
:mod:`proofs.shah_unf` and :mod:`proofs.shah_cnf` (maximum-likelihood training in 1-D:
learning, width, laziness, generalization), :mod:`proofs.shah_multid` (2-D and 5-D) and
:mod:`proofs.shah_identities` (quadrature, normalization, monotonicity, convexity).

Not a gated claim: the authors' bounded-change statement (1) — a prototype with θ projected
onto ‖θ − θ_0‖ ≤ 1 showed no trend in m, so its ball radius must scale with m (claims.md);
:func:`ntkcheck.experiments.shah_bounded.cnf_bounded_change` runs that exploration.
"""

from __future__ import annotations

from proofs.claim import Claim
from proofs.shah_cnf import LAZY as CNF_LAZY
from proofs.shah_cnf import OVERPARAM_HURTS as CNF_OVERPARAM_HURTS
from proofs.shah_identities import CONVEX_LOSS, DENSITY_NORMALIZES, MONOTONE, QUADRATURE
from proofs.shah_kernels import LOGDET_KERNEL, NTK_SCALE
from proofs.shah_multid import MULTID
from proofs.shah_unf import GENERALIZATION as UNF_GENERALIZATION
from proofs.shah_unf import LAZY as UNF_LAZY
from proofs.shah_unf import LEARNS as UNF_LEARNS

CLAIMS: tuple[Claim, ...] = (
    NTK_SCALE,
    LOGDET_KERNEL,
    UNF_LEARNS,
    CNF_OVERPARAM_HURTS,
    UNF_LAZY,
    CNF_LAZY,
    QUADRATURE,
    DENSITY_NORMALIZES,
    MONOTONE,
    CONVEX_LOSS,
    UNF_GENERALIZATION,
    MULTID,
)
