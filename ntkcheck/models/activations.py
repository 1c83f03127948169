"""Activations by name, shared by the models and the analytic kernels."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ntkcheck.errors import InvalidInputError

Activation = Callable[[torch.Tensor], torch.Tensor]

ACTIVATIONS: dict[str, Activation] = {
    "relu": torch.relu,
    "abs": torch.abs,
    "erf": torch.erf,
    "tanh": torch.tanh,
    "identity": lambda s: s,
    "softplus": torch.nn.functional.softplus,
    "elu": torch.nn.functional.elu,
}


def get_activation(activation: str | Activation) -> Activation:
    """Look up an activation by name, or pass a callable through unchanged."""
    if callable(activation):
        return activation
    try:
        return ACTIVATIONS[activation]
    except KeyError:
        raise InvalidInputError(
            f"`activation` must be one of {sorted(ACTIVATIONS)} or a callable, got {activation!r}."
        ) from None
