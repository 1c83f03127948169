"""Lazy-training measurements of two snapshots: parameter distance and kernel drift.

The training-loop instruments (:mod:`ntkcheck.dynamics.instruments`) record them along a run;
these functions compare any two snapshots (docs/conventions.md, "Lazy training").

References: Chizat et al. 2019, "On lazy training in differentiable programming"; Lee et al.
2019, "Wide neural networks of any depth evolve as linear models under gradient descent".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch

from ntkcheck.dynamics.trajectory import ratio
from ntkcheck.errors import InvalidInputError
from ntkcheck.validation import check_finite


@dataclass(frozen=True)
class LazyDistance:
    """How far θ_t moved from θ_0.

    Attributes:
        total: ‖θ_t − θ_0‖₂ over all entries. relative: total / ‖θ_0‖₂ (0/0 := 0, x/0 := inf).
        layer, layer_relative: per tensor, ‖ΔW‖_F and ‖ΔW‖_F / ‖W_0‖_F.
        layer_op, layer_op_relative: per 2-D tensor, ‖ΔW‖₂ and ‖ΔW‖₂ / ‖W_0‖₂ (operator
            norm, the largest singular value); empty when ``operator_norms=False``.
    """

    total: float
    relative: float
    layer: dict[str, float]
    layer_relative: dict[str, float]
    layer_op: dict[str, float]
    layer_op_relative: dict[str, float]


@dataclass(frozen=True)
class KernelDrift:
    """Relative kernel change ‖Θ_t − Θ_0‖ / ‖Θ_0‖ in the Frobenius and operator norms."""

    frobenius: float
    operator: float


def lazy_distance(
    params_t: Mapping[str, torch.Tensor],
    params_0: Mapping[str, torch.Tensor],
    *,
    operator_norms: bool = True,
) -> LazyDistance:
    """Distance of ``params_t`` from ``params_0`` (same names and shapes), total and per tensor.

    Operator norms cost O(min(a, b)²·max(a, b)) per (a, b) weight: at width 4096 several
    seconds each; pass ``operator_norms=False`` to skip them.

    References: Chizat et al. 2019.
    """
    check_same_params(params_t, params_0)
    norms0 = initial_norms(params_0, operator_norms=operator_norms)
    return distances(params_t, params_0, norms0)


def initial_norms(
    params_0: Mapping[str, torch.Tensor], *, operator_norms: bool
) -> tuple[dict[str, float], dict[str, float]]:
    """(‖W_0‖_F per tensor, ‖W_0‖₂ per 2-D tensor or {} when ``operator_norms`` is False)."""
    fro = {k: float(torch.linalg.vector_norm(v.detach().double())) for k, v in params_0.items()}
    op = {k: operator_norm(v) for k, v in params_0.items() if v.ndim == 2} if operator_norms else {}
    return fro, op


def distances(
    params_t: Mapping[str, torch.Tensor],
    params_0: Mapping[str, torch.Tensor],
    norms0: tuple[dict[str, float], dict[str, float]],
) -> LazyDistance:
    """:func:`lazy_distance` with the initial norms precomputed (the loop's instrument reuses
    them at every checkpoint)."""
    fro0, op0 = norms0
    delta = {k: (params_t[k].detach() - params_0[k].detach()).double() for k in params_0}
    layer = {k: float(torch.linalg.vector_norm(d)) for k, d in delta.items()}
    layer_op = {k: operator_norm(delta[k]) for k in op0}
    total = math.sqrt(sum(v * v for v in layer.values()))
    norm0 = math.sqrt(sum(v * v for v in fro0.values()))
    return LazyDistance(
        total=total,
        relative=float(ratio(total, norm0)),
        layer=layer,
        layer_relative={k: float(ratio(v, fro0[k])) for k, v in layer.items()},
        layer_op=layer_op,
        layer_op_relative={k: float(ratio(v, op0[k])) for k, v in layer_op.items()},
    )


def operator_norm(a: torch.Tensor) -> float:
    """‖A‖₂ of a 2-D tensor, as √λ_max of the Gram matrix of its shorter side, in float64.

    Faster than an SVD and as accurate for the largest singular value: by Weyl's inequality
    λ_max(AᵀA) is computed to an absolute error of order u·‖A‖₂², a relative error of order u.
    """
    a = a.detach().double()
    if a.numel() == 0:
        return 0.0
    gram = a @ a.T if a.shape[0] <= a.shape[1] else a.T @ a
    return math.sqrt(max(float(torch.linalg.eigvalsh(gram)[-1]), 0.0))


def kernel_drift(
    theta_t: torch.Tensor | np.ndarray, theta_0: torch.Tensor | np.ndarray
) -> KernelDrift:
    """‖Θ_t − Θ_0‖ / ‖Θ_0‖ in the Frobenius and operator norms, in float64.

    Args:
        theta_t: kernel at step t, (n1, n2) or full (n1, n2, O, O) (flattened to
            (n1·O, n2·O)). The ratio is scale-free: Θ or K = Θ/n give the same numbers.
        theta_0: kernel at initialization, same shape.

    References: Lee et al. 2019.
    """
    a, b = as_kernel_matrix("theta_t", theta_t), as_kernel_matrix("theta_0", theta_0)
    if a.shape != b.shape:
        raise InvalidInputError(
            f"`theta_t` has shape {a.shape} but `theta_0` has {b.shape}; compare kernels on "
            "the same inputs (and with the same mode)."
        )
    fro0, op0 = float(np.linalg.norm(b)), float(np.linalg.norm(b, 2))
    if fro0 == 0.0:
        raise InvalidInputError(
            "`theta_0` is the zero matrix, so the relative drift is undefined. Pass the kernel "
            "at initialization of a model whose outputs depend on its parameters."
        )
    diff = a - b
    return KernelDrift(
        frobenius=float(np.linalg.norm(diff)) / fro0, operator=float(np.linalg.norm(diff, 2)) / op0
    )


def as_kernel_matrix(name: str, theta: torch.Tensor | np.ndarray) -> np.ndarray:
    """A float64 numpy matrix from a kernel (n1, n2) or full (n1, n2, O, O), rows (example, o)."""
    arr = (
        theta.detach().cpu().double().numpy(force=True)
        if isinstance(theta, torch.Tensor)
        else np.asarray(theta, dtype=np.float64)
    )
    if arr.ndim == 4:
        n1, n2, o1, o2 = arr.shape
        arr = arr.transpose(0, 2, 1, 3).reshape(n1 * o1, n2 * o2)
    if arr.ndim != 2 or arr.size == 0:
        raise InvalidInputError(
            f"`{name}` must be a kernel matrix (n1, n2) or a full kernel (n1, n2, O, O), got "
            f"shape {arr.shape}."
        )
    if not np.all(np.isfinite(arr)):
        raise InvalidInputError(
            f"`{name}` has non-finite entries; it was computed from non-finite parameters or "
            "inputs. Check the model's parameters for NaN/inf."
        )
    return arr


def check_same_params(
    params_t: Mapping[str, torch.Tensor], params_0: Mapping[str, torch.Tensor]
) -> None:
    """Raise unless the two parameter dicts have the same names and shapes and finite entries."""
    if not params_0 or set(params_t) != set(params_0):
        raise InvalidInputError(
            f"`params_t` and `params_0` must have the same non-empty set of names, got "
            f"{sorted(params_t)} and {sorted(params_0)}. Pass dicts name -> tensor, e.g. "
            "{k: v.detach().clone() for k, v in model.named_parameters()}."
        )
    for k, v0 in params_0.items():
        if tuple(params_t[k].shape) != tuple(v0.shape):
            raise InvalidInputError(
                f"Parameter {k!r} has shape {tuple(params_t[k].shape)} in `params_t` but "
                f"{tuple(v0.shape)} in `params_0`; compare snapshots of the same model."
            )
        check_finite(f"params_t[{k!r}]", params_t[k].detach())
        check_finite(f"params_0[{k!r}]", v0.detach())
