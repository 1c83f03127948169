"""Terjék & González-Sánchez, "A Framework for Overparameterized Learning" (arXiv 2205.13507):
wide MLPs converge to a global optimum at a linear rate, are implicitly regularized, obey
generalization bounds, train lazily and transfer learning rates across widths; the key
assumption is that λ_min of the NTK at initialization concentrates away from zero.

Registered through the ``ntkcheck.claims`` entry point as ``terjek``; claims in the order of
the paper's list: the kernel at initialization, gradient descent, lazy training, learning-rate
transfer, generalization, moments of the data.
"""

from ntkcheck.proofs.terjek import gd, generalization, init, lazy, moments, transfer

CLAIMS = (
    *init.CLAIMS,
    *gd.CLAIMS,
    *lazy.CLAIMS,
    *transfer.CLAIMS,
    *generalization.CLAIMS,
    *moments.CLAIMS,
)
