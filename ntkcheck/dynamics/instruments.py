"""Instruments for :func:`~ntkcheck.dynamics.loop.train`: small (start, record) pairs.

``start(step) -> carry`` runs once at θ_0; ``record(carry, t, state) -> (columns, carry)`` runs
at every checkpoint. Columns are named after :class:`~ntkcheck.dynamics.trajectory.Trajectory`
fields: a float per checkpoint (or a dict of them per tensor), or a per-run value such as
K_0, of which the trajectory keeps the latest. Compose them freely::

    train(step, steps=100, instruments=(track_distance(), track_kernel(), observe(w=...)))

References: Chizat et al. 2019, "On lazy training in differentiable programming"; Lee et al.
2019, "Wide neural networks of any depth evolve as linear models under gradient descent".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
import torch

from ntkcheck.dynamics.arguments import check_extra_inputs, check_kernel_options
from ntkcheck.dynamics.lazy import as_kernel_matrix, distances, initial_norms, kernel_drift
from ntkcheck.dynamics.linearized import linearize
from ntkcheck.dynamics.step import KernelFn, Step
from ntkcheck.dynamics.trajectory import ratio
from ntkcheck.errors import InvalidInputError
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.models.functional import FunctionalModel, Params
from ntkcheck.spectrum import lambda_min

Columns = dict[str, Any]


class Instrument(NamedTuple):
    """``start(step) -> carry`` at θ_0; ``record(carry, t, state) -> (columns, carry)``."""

    start: Callable[[Step], Any]
    record: Callable[[Any, int, Params], tuple[Columns, Any]]


def track_distance(*names: str, operator_norms: bool = False) -> Instrument:
    """‖θ_t − θ_0‖ (``distance``), its ratio to ‖θ_0‖ (``relative_distance``) and, per tensor,
    ‖ΔW‖_F (``layer_distance``) and ‖ΔW‖₂ (``layer_distance_op``, 2-D tensors, when
    ``operator_norms``: O(min(a, b)²·max(a, b)) per (a, b) weight, seconds at width 4096).

    ``names``: the state entries to track (default all), e.g. ``track_distance("W")`` for GDA.
    """

    def start(step: Step) -> tuple[Params, tuple[dict[str, float], dict[str, float]]]:
        chosen = list(names or step.state)
        unknown = [k for k in chosen if k not in step.state]
        if unknown:
            raise InvalidInputError(
                f"track_distance names {unknown}, not entries of the step's state; valid "
                f"names: {sorted(step.state)}."
            )
        theta0 = {k: step.state[k].detach().clone() for k in chosen}
        return theta0, initial_norms(theta0, operator_norms=operator_norms)

    def record(carry: Any, t: int, state: Params) -> tuple[Columns, Any]:
        theta0, norms0 = carry
        dist = distances({k: state[k] for k in theta0}, theta0, norms0)
        columns = {
            "distance": dist.total,
            "relative_distance": dist.relative,
            "layer_distance": dist.layer,
            "layer_distance_op": dist.layer_op,
            "layer_norm0": norms0[0],
            "layer_norm0_op": norms0[1],
        }
        return columns, carry

    return Instrument(start, record)


def track_kernel(of: torch.Tensor | KernelFn | None = None, **options: Any) -> Instrument:
    """The tracked kernel K_t: its drift ‖K_t − K_0‖/‖K_0‖ (Frobenius ``kernel_drift``,
    operator ``kernel_drift_op``), ``lambda_min_K`` and K at the first and last checkpoint.

    Args:
        of: for a step on a model, the points (n_k, ...) of K = Θ/n_k, the full eNTK over
            outputs (default the training inputs X, so K = Θ/n); or a function
            ``state -> K`` (any square matrix); default for other rules (GDA: J Jᵀ).
        options: ``method``, ``block_size``, ``memory_budget`` of ``empirical_ntk``.
    """
    opts = check_kernel_options(options)

    def start(step: Step) -> tuple[Callable[[Params], Any], int | None, list[np.ndarray]]:
        return (*_kernel_of(step, of, opts), [])

    def record(carry: Any, t: int, state: Params) -> tuple[Columns, Any]:
        kernel, n_k, first = carry
        K = as_kernel_matrix("kernel", kernel(state))
        if not first:
            first.append(K)  # K_0, the drift's reference
        drift = kernel_drift(K, first[0])
        columns = {
            "kernel_drift": drift.frobenius,
            "kernel_drift_op": drift.operator,
            "lambda_min_K": lambda_min(K),
            "kernel_init": first[0],
            "kernel_final": K,
            "kernel_n": n_k,
        }
        return columns, carry

    return Instrument(start, record)


def _kernel_of(
    step: Step, of: torch.Tensor | KernelFn | None, opts: dict[str, Any]
) -> tuple[Callable[[Params], Any], int | None]:
    """(state -> K, n_k when K = Θ/n_k else None) for ``track_kernel(of, **opts)`` on ``step``."""
    if callable(of) or step.model is None:
        fn = of if callable(of) else step.kernel
        if of is not None and not callable(of):
            reason = "eNTK points need a step on a model (gd, sgd); pass of=lambda state: K"
        elif fn is None:
            reason = "this step has no model and no kernel of its own; pass of=lambda state: K"
        elif opts:
            reason = f"the options {sorted(opts)} apply to eNTK points only"
        else:
            return fn, None
        raise InvalidInputError(f"track_kernel: {reason}.")
    x = step.inputs if of is None else check_extra_inputs("of", of, step.inputs)
    fm, n_k = step.model, int(x.shape[0])

    def kernel(state: Params) -> torch.Tensor:
        return ntk_gram(replace(fm, params=state), x, **opts) / n_k

    return kernel, n_k


def ntk_gram(fm: FunctionalModel, x: torch.Tensor, **options: Any) -> torch.Tensor:
    """Θ = J Jᵀ on ``x`` as a float64 (n·O, n·O) matrix, rows ordered (example, output).

    The full kernel (not the trace over outputs) is the one that drives the MSE residuals.
    """
    theta = empirical_ntk(fm, x, mode="full", **options)
    return torch.from_numpy(as_kernel_matrix("theta", theta))


def track_linearized(gap_inputs: torch.Tensor | None = None) -> Instrument:
    """Train f^lin (:func:`~ntkcheck.dynamics.linearized.linearize` at θ_0) with the same rule,
    steps and batches as the network, and record ``lin_loss`` (its full-data loss),
    ``lin_gap_abs`` = ‖f_t − f_t^lin‖, ``output_change`` = ‖f_t − f_0‖, ``lin_output_change``
    = ‖f_t^lin − f_0‖ and ``lin_gap`` = ‖f_t − f_t^lin‖ / ‖f_t − f_0‖ (0/0 := 0), all on
    ``gap_inputs`` (default the training inputs).

    Needs a :func:`gd`/:func:`sgd` step on an output loss without ``after_step``.

    References: Lee et al. 2019, eq. (5).
    """

    def start(step: Step) -> dict[str, Any]:
        if step.twin is None or step.model is None:
            raise InvalidInputError(
                "track_linearized needs a gd/sgd step on a model (it trains the linearization "
                "with the same rule); this step has none. Drop the instrument."
            )
        state0 = {k: v.detach().clone() for k, v in step.state.items()}
        lin = step.twin(linearize(replace(step.model, params=state0)))
        x = step.inputs if gap_inputs is None else check_extra_inputs(
            "gap_inputs", gap_inputs, step.inputs
        )  # fmt: skip
        with torch.no_grad():
            f0 = step.model.fn(state0, x)
        return {"lin": lin, "done": 0, "x": x, "f0": f0, "fn": step.model.fn}

    def record(carry: dict[str, Any], t: int, state: Params) -> tuple[Columns, Any]:
        lin: Step = carry["lin"]
        for s in range(carry["done"], t):  # catch up: f^lin takes the network's steps
            new, _ = lin.update(s, lin.state)
            lin.state.update(new)
        carry["done"] = max(carry["done"], t)
        with torch.no_grad():
            f_t = carry["fn"](state, carry["x"])
            f_lin = lin.model.fn(lin.state, carry["x"])
        gap = float(torch.linalg.vector_norm(f_t - f_lin))
        change = float(torch.linalg.vector_norm(f_t - carry["f0"]))
        columns = {
            "lin_loss": lin.objective(lin.state),
            "lin_gap": float(ratio(gap, change)),
            "lin_gap_abs": gap,
            "output_change": change,
            "lin_output_change": float(torch.linalg.vector_norm(f_lin - carry["f0"])),
        }
        return columns, carry

    return Instrument(start, record)


def observe(**functions: Callable[[Params], Any]) -> Instrument:
    """Record ``name=fn(state)`` at every checkpoint, as ``observables[name]``.

    Each ``fn`` runs under ``torch.no_grad()`` and its value (a number or a one-element tensor)
    is stored as a float, e.g. ``observe(test_nll=lambda s: flow.nll(x_test))``.
    """
    if not functions or not all(callable(f) for f in functions.values()):
        raise InvalidInputError(
            f"observe takes name=function pairs, got {functions!r}. Pass e.g. "
            "observe(test_nll=lambda state: flow.nll(x_test))."
        )

    def start(step: Step) -> None:
        return None

    def record(carry: None, t: int, state: Params) -> tuple[Columns, None]:
        with torch.no_grad():
            values = {name: float(fn(state)) for name, fn in functions.items()}
        return {"observables": values}, None

    return Instrument(start, record)
