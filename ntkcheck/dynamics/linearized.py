"""The first-order Taylor model of a network around its parameters θ_0.

    f^lin(θ, x) = f(θ_0, x) + J(θ_0, x)(θ − θ_0)

computed with ``torch.func.jvp`` (one forward-mode pass; no Jacobian is materialized). Its
empirical NTK is Θ(θ_0) at every θ, so gradient descent on the MSE follows the closed form of
:func:`~ntkcheck.dynamics.closed_form.linearized_mse_residuals` exactly.

References: Lee et al. 2019, "Wide neural networks of any depth evolve as linear models under
gradient descent" (eq. 5); Chizat et al. 2019, "On lazy training in differentiable
programming".
"""

from __future__ import annotations

import torch
from torch.func import jvp

from ntkcheck.models.functional import FunctionalModel, ModelLike, Params, functionalize


def linearize(model: ModelLike) -> FunctionalModel:
    """The linearization of ``model`` at its current trainable parameters θ_0.

    Args:
        model: an ``nn.Module``, an ``(f, params)`` pair or a :class:`FunctionalModel`.

    Returns:
        A :class:`FunctionalModel` whose ``fn(params, x)`` is f^lin(params, x): (N, O) and whose
        ``params`` are a copy of θ_0 (training it never touches ``model``). θ_0 is frozen at
        the time of the call: later in-place updates of ``model`` do not move the expansion
        point.

    References: Lee et al. 2019, eq. (5).
    """
    fm = functionalize(model)
    theta0 = {k: v.detach().clone() for k, v in fm.params.items()}
    names = list(theta0)
    inner = fm.fn

    def fn_lin(params: Params, x: torch.Tensor) -> torch.Tensor:
        def at(*values: torch.Tensor) -> torch.Tensor:
            return inner(dict(zip(names, values)), x)

        tangents = tuple(params[k] - theta0[k] for k in names)
        f0, jf = jvp(at, tuple(theta0[k] for k in names), tangents)
        return f0 + jf

    return FunctionalModel(
        fn=fn_lin,
        params={k: v.clone() for k, v in theta0.items()},
        module=None,
    )
