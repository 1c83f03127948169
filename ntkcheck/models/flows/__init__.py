"""Normalizing flows of Shah et al. (2022): constrained (CNF) and unconstrained (UNF), 1-D and d-D.

Every flow maps x (N, d) -> z (N, d) monotonically and exposes ``log_prob``, ``nll``,
``inverse`` and ``sample``; the scalar views (:class:`CNFMap`, :class:`CNFLogDerivative`,
:class:`UNFPreactivation`) share a flow's parameters and feed the NTK routines.
"""

from ntkcheck.models.flows.autoregressive import AutoregressiveUNF
from ntkcheck.models.flows.base import Flow
from ntkcheck.models.flows.cnf import CNF, CNFLogDerivative, CNFMap
from ntkcheck.models.flows.integrand import log_elu_plus_one
from ntkcheck.models.flows.masked import MaskedCNF
from ntkcheck.models.flows.quadrature import (
    QuadratureRule,
    clenshaw_curtis,
    integrate,
    quadrature_rule,
    right_sum,
)
from ntkcheck.models.flows.unf import UNF, UNFPreactivation

__all__ = [
    "CNF",
    "UNF",
    "AutoregressiveUNF",
    "CNFLogDerivative",
    "CNFMap",
    "Flow",
    "MaskedCNF",
    "QuadratureRule",
    "UNFPreactivation",
    "clenshaw_curtis",
    "integrate",
    "log_elu_plus_one",
    "quadrature_rule",
    "right_sum",
]
