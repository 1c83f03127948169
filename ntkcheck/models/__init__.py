"""Models of the three papers: plain ``torch.nn.Module``s, float64 by default, seeded."""

from ntkcheck.models.activations import get_activation
from ntkcheck.models.flows import (
    CNF,
    UNF,
    AutoregressiveUNF,
    CNFLogDerivative,
    CNFMap,
    Flow,
    MaskedCNF,
    UNFPreactivation,
)
from ntkcheck.models.functional import FunctionalModel, functionalize
from ntkcheck.models.gan import (
    GeneratorMeanMap,
    LatentSetMean,
    LinearGenerator,
    OneHiddenLayerGenerator,
)
from ntkcheck.models.layers import Dense
from ntkcheck.models.mlp import MLP

__all__ = [
    "CNF",
    "MLP",
    "UNF",
    "AutoregressiveUNF",
    "CNFLogDerivative",
    "CNFMap",
    "Dense",
    "Flow",
    "FunctionalModel",
    "GeneratorMeanMap",
    "LatentSetMean",
    "LinearGenerator",
    "MaskedCNF",
    "OneHiddenLayerGenerator",
    "UNFPreactivation",
    "functionalize",
    "get_activation",
]
