"""What :func:`~ntkcheck.dynamics.loops.train` measures besides θ: the eNTK Gram matrix and
the linearized model trained alongside the network.

References: Lee et al. 2019, "Wide neural networks of any depth evolve as linear models under
gradient descent"; kernels.md "Lazy training".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from ntkcheck.dynamics.instruments import as_kernel_matrix
from ntkcheck.dynamics.trajectory import ratio
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.models.functional import FunctionalModel, Params


def ntk_gram(fm: FunctionalModel, x: torch.Tensor, options: Mapping[str, Any]) -> torch.Tensor:
    """Θ = J Jᵀ on ``x`` as a float64 (n·O, n·O) matrix, rows ordered (example, output).

    The full kernel (not the trace over outputs) is the one that drives the MSE residuals.
    """
    theta = empirical_ntk(fm, x, mode="full", **options)
    return torch.from_numpy(as_kernel_matrix("theta", theta))


class LinearizedRun:
    """f^lin trained with the same steps and batches as the network; one row per checkpoint.

    Columns: ``lin_loss`` (its full-data loss), ``lin_gap_abs`` = ‖f_t − f_t^lin‖,
    ``output_change`` = ‖f_t − f_0‖, ``lin_output_change`` = ‖f_t^lin − f_0‖ and
    ``lin_gap`` = ‖f_t − f_t^lin‖ / ‖f_t − f_0‖ (0/0 := 0), all on the gap inputs.
    """

    def __init__(
        self,
        fn: Callable[[Params, torch.Tensor], torch.Tensor],
        lin: FunctionalModel,
        update: Callable[[Params, torch.Tensor | None], tuple[Params, float]],
        objective: Callable[[Params], float],
        gap_inputs: torch.Tensor,
        params0: Params,
    ) -> None:
        self.fn, self.lin, self.update_fn, self.objective = fn, lin, update, objective
        self.x = gap_inputs
        self.params = dict(lin.params)
        with torch.no_grad():
            self.f0 = fn(params0, gap_inputs)

    def update(self, idx: torch.Tensor | None) -> None:
        self.params, _ = self.update_fn(self.params, idx)

    def record(self, state: Params) -> dict[str, float]:
        with torch.no_grad():
            f_t = self.fn(state, self.x)
            f_lin = self.lin.fn(self.params, self.x)
        gap = float(torch.linalg.vector_norm(f_t - f_lin))
        change = float(torch.linalg.vector_norm(f_t - self.f0))
        return {
            "lin_loss": self.objective(self.params),
            "lin_gap": float(ratio(gap, change)),
            "lin_gap_abs": gap,
            "output_change": change,
            "lin_output_change": float(torch.linalg.vector_norm(f_lin - self.f0)),
        }
