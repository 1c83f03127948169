"""Shah, Deshpande, Goyal, "Learning and Generalization in Overparameterized Normalizing Flows"
(AISTATS 2022, arXiv 2106.10535): with a one-hidden-layer net, constrained flows (CNF) get
worse with overparameterization, while unconstrained flows (UNF) trained by SGD on maximum
likelihood learn the data distribution efficiently when overparameterized.

Topics: :mod:`~ntkcheck.proofs.shah.kernels` (the flows' NTKs at init),
:mod:`~ntkcheck.proofs.shah.unf` and :mod:`~ntkcheck.proofs.shah.cnf` (training in 1-D:
learning, width, laziness, generalization; sweeps in :mod:`~ntkcheck.proofs.shah.training`),
:mod:`~ntkcheck.proofs.shah.quadrature`, :mod:`~ntkcheck.proofs.shah.normalization`,
:mod:`~ntkcheck.proofs.shah.monotone`, :mod:`~ntkcheck.proofs.shah.convexity` (identities of the
flows) and :mod:`~ntkcheck.proofs.shah.multid` (2-D and 5-D).

Not a gated claim: the authors' bounded-change statement (1) — a prototype with θ projected
onto ‖θ − θ_0‖ ≤ 1 showed no trend in m, so its ball radius must scale with m
(docs/tutorials/shah.md);
:func:`ntkcheck.proofs.shah.bounded.cnf_bounded_change` runs that exploration.

Registered through the ``ntkcheck.claims`` entry point as ``shah``.
"""

from ntkcheck.proofs.shah import (
    cnf,
    convexity,
    kernels,
    monotone,
    multid,
    normalization,
    quadrature,
    unf,
)

# In the order of the tutorial (docs/tutorials/shah.md).
CLAIMS = (
    kernels.NTK_SCALE,
    kernels.LOGDET_KERNEL,
    unf.LEARNS,
    cnf.OVERPARAM_HURTS,
    unf.LAZY,
    cnf.LAZY,
    *quadrature.CLAIMS,
    *normalization.CLAIMS,
    *monotone.CLAIMS,
    *convexity.CLAIMS,
    unf.GENERALIZATION,
    *multid.CLAIMS,
)
