"""Infinite-width NTK and NNGP kernels of the MLP in the NTK parameterization (docs/conventions.md).

Σ¹(x, x') = σ_w² xᵀx'/d + σ_b², Θ¹ = Σ¹, and for each hidden layer, with (u, v) ~ N(0, Σʰ on
{x, x'}):  Σ^{h+1} = σ_w² E[φ(u)φ(v)] + σ_b²,  Θ^{h+1} = Σ^{h+1} + σ_w² E[φ'(u)φ'(v)] Θʰ.
This is the kernel of neural-tangents' ``stax.serial(Dense(m, σ_w, σ_b, parameterization="ntk"),
φ, ..., Dense(1, σ_w, σ_b))`` and the m → ∞ limit of :class:`ntkcheck.models.mlp.MLP`'s
empirical NTK with ``parameterization="ntk"``.

References: Jacot et al. 2018; Lee et al. 2019; Arora et al. 2019; Du et al. 2019;
neural-tangents (Novak et al. 2020), ``stax.Dense`` / ``stax.Relu`` / ``stax.Erf``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real

import torch

from ntkcheck.errors import InvalidInputError
from ntkcheck.kernels.gaussian_expectations import (
    Expectations,
    LeakyAbs,
    autograd_derivative,
    erf_expectations,
    leaky_abs_expectations,
    quadrature_expectations,
    relu_expectations,
)
from ntkcheck.models.activations import ACTIVATIONS
from ntkcheck.validation import check_inputs, check_memory, check_positive_int

ActivationSpec = str | LeakyAbs | Callable[[torch.Tensor], torch.Tensor]

_CLOSED_FORMS: dict[str, Expectations] = {
    "relu": relu_expectations,
    "abs": leaky_abs_expectations(0.0, 1.0),
    "identity": leaky_abs_expectations(1.0, 0.0),
    "erf": erf_expectations,
}
# The recursion holds about 16 float64 or int64 vectors over the point pairs (indices, Σ, Θ, the
# variances of both points, the two expectations and their temporaries) and the two results.
_BYTES_PER_PAIR = 16 * 8
# Named activations without a closed form: their derivatives, so quadrature skips autograd.
_DERIVATIVES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": lambda s: 1 - torch.tanh(s) ** 2,
    "softplus": torch.sigmoid,
    "elu": lambda s: torch.where(s > 0, torch.ones_like(s), torch.exp(s.clamp_max(0))),
}


def analytic_ntk(
    x1: torch.Tensor,
    x2: torch.Tensor | None = None,
    *,
    depth: int,
    activation: ActivationSpec = "relu",
    weight_std: float = 1.0,
    bias_std: float = 0.0,
    return_nngp: bool = False,
    quadrature_nodes: int = 24,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Infinite-width NTK Θ^{L+1}(x1, x2) of an MLP with ``depth`` = L hidden layers (float64).

    NTK parameterization, read-out included (see the module docstring for the recursion). The
    result is Θ (the kernel of f), not K = Θ/n.

    Activations with closed forms (c = √(Σ(x,x)Σ(x',x')), ρ = Σ(x,x')/c, θ = arccos ρ):
    ``"relu"`` (arc-cosine kernel), ``"abs"``, ``"identity"``, ``LeakyAbs(a, b)`` for
    φ(s) = a·s + b·|s| (leaky ReLU with slope k is ``LeakyAbs((1+k)/2, (1-k)/2)``) and ``"erf"``.
    Any other name in ``ntkcheck.models.activations.ACTIVATIONS`` (tanh, softplus, elu) and any
    elementwise callable go through a product Gauss rule with 8·``quadrature_nodes``² points per
    pair (φ' by ``torch.func.grad`` for callables). With the default 24 nodes the per-layer error
    is ~1e-13 for φ linear on each side of 0, ≲ 1e-11 for smooth φ (tanh, erf, softplus, ELU)
    at variances Σ(x,x) <= 2 and < 3e-9 at Σ(x,x) <= 4; kinks away from 0 (hardtanh) converge
    slowly (~1e-2). Table: :func:`ntkcheck.kernels.gaussian_expectations.quadrature_expectations`.
    A callable always uses quadrature, even ``torch.relu``: pass the name for the closed form.

    Rounding can push ρ out of [-1, 1]; it is clipped (only there). Zero-variance rows (x = 0 with
    σ_b = 0) use ρ = 0, so ReLU/abs give E[φφ] = 0 there and no NaN. With x2 = None the diagonal
    has ρ = 1 exactly; a point given in both x1 and x2 gets ρ = 1 − O(ε), which arccos turns
    into a relative difference of O(√ε) ~ 1e-8 (the ReLU kernel is Hölder-1/2 there).

    Args:
        x1: (n1, d). x2: (n2, d), or None for Θ(x1, x1), computed on the upper triangle.
        depth: number of hidden layers L >= 1. weight_std, bias_std: σ_w > 0 and σ_b >= 0.
        return_nngp: also return the NNGP kernel Σ^{L+1} of the output.
        quadrature_nodes: Gauss points per piece of the quadrature rule (unused by closed forms).

    Returns:
        Θ: (n1, n2), or (Θ, Σ^{L+1}) if ``return_nngp``.

    References: Jacot et al. 2018 (NTK recursion); Arora et al. 2019 (ReLU closed form);
    Lee et al. 2019 (wide networks as linear models); neural-tangents ``stax``.
    """
    x1, x2 = _check_points(x1, x2)
    check_positive_int("depth", depth, "Pass the number of hidden layers, e.g. depth=2.")
    sw2, sb2 = _check_stds(weight_std, bias_std)
    expect = _expectations(activation, quadrature_nodes)
    _check_pair_memory(x1, x2)

    left, right, self_pair, inner = _pairs(x1, x2)
    nngp = sw2 * inner / x1.shape[1] + sb2
    ntk = nngp
    for _ in range(depth):
        var = nngp[self_pair]
        e_phi, e_dphi = expect(var[left], var[right], nngp)
        nngp = sw2 * e_phi + sb2
        ntk = nngp + sw2 * e_dphi * ntk
    ntk, nngp = _assemble(ntk, x1, x2, left, right), _assemble(nngp, x1, x2, left, right)
    return (ntk, nngp) if return_nngp else ntk


def du_h_infinity(x: torch.Tensor, x2: torch.Tensor | None = None) -> torch.Tensor:
    """H∞_ij = x_iᵀx_j (π − arccos(x_iᵀx_j)) / (2π), for unit-norm rows (float64).

    The exact NTK, in expectation over w_r ~ N(0, I), of the two-layer network
    f(x) = m^{-1/2} Σ_r a_r ReLU(w_rᵀx) with a_r = ±1 fixed and only W trained; its empirical
    NTK converges to H∞ at rate m^{-1/2}. It is *not* ``analytic_ntk(x, depth=1)``, which also
    trains the output layer and scales the first layer by σ_w/√d: for unit-norm x and σ_w = 1,
    σ_b = 0, ``d · analytic_ntk(x, depth=1) = H∞ + d · Σ²``, with Σ² the NNGP (the
    read-out's contribution).

    Args:
        x: (n1, d), x2: (n2, d) or None; every row must have unit Euclidean norm.

    Returns:
        H∞: (n1, n2). λ₀ = λ_min(H∞) > 0 when no two rows of x are parallel.

    References: Du et al. 2019, "Gradient Descent Provably Optimizes Over-parameterized Neural
    Networks" (Assumption 3.1); Arora et al. 2019, "Fine-Grained Analysis of Optimization and
    Generalization for Overparameterized Two-Layer Neural Networks".
    """
    x, x2 = _check_points(x, x2, names=("x", "x2"))
    for name, pts in (("x", x), ("x2", x2)):
        if pts is not None:
            _check_unit_norm(name, pts)
    y = x if x2 is None else x2
    # The angle from ‖x − x'‖ and ‖x + x'‖: arccos(xᵀx') loses half the digits near 0 and π.
    exact = "donot_use_mm_for_euclid_dist"
    angle = 2 * torch.atan2(
        torch.cdist(x, y, compute_mode=exact), torch.cdist(x, -y, compute_mode=exact)
    )
    return (x @ y.T) * (math.pi - angle) / (2 * math.pi)


def _check_points(
    x1: torch.Tensor, x2: torch.Tensor | None, names: tuple[str, str] = ("x1", "x2")
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Validate (n, d) real finite inputs with matching d; return them in float64."""
    out = []
    for name, x in zip(names, (x1, x2)):
        if x is None:
            out.append(None)
            continue
        check_inputs(name, x)
        if x.is_complex():
            raise InvalidInputError(
                f"`{name}` is complex ({x.dtype}); the kernel is defined for real inputs. "
                f"Pass {name}.real or split real and imaginary parts into features."
            )
        if x.ndim != 2:
            raise InvalidInputError(
                f"`{name}` must have shape (n, d), got {tuple(x.shape)}. For one point use "
                f"{name}[None, :], for n scalar inputs {name}[:, None], for images "
                f"{name}.flatten(1)."
            )
        out.append(x.to(torch.float64))
    if out[1] is not None and out[1].shape[1] != out[0].shape[1]:
        raise InvalidInputError(
            f"`{names[0]}` and `{names[1]}` must have the same dimension d, got "
            f"{out[0].shape[1]} and {out[1].shape[1]}. Pass points of the same feature space."
        )
    return out[0], out[1]


def _check_pair_memory(x1: torch.Tensor, x2: torch.Tensor | None) -> None:
    """Refuse, before any work, a recursion whose per-pair vectors exceed half the memory."""
    n1 = x1.shape[0]
    pairs = n1 * (n1 + 1) // 2 if x2 is None else n1 * x2.shape[0] + n1 + x2.shape[0]
    check_memory(
        f"analytic_ntk on {pairs} point pairs",
        _BYTES_PER_PAIR * pairs,
        None,
        "Compute it in row blocks, e.g. torch.cat([analytic_ntk(x1[i:i + 1024], x1, ...) "
        "for i in range(0, len(x1), 1024)]).",
    )


def _check_stds(weight_std: float, bias_std: float) -> tuple[float, float]:
    """Return (σ_w², σ_b²) after checking σ_w > 0 and σ_b >= 0 are finite."""
    if not (isinstance(weight_std, Real) and math.isfinite(weight_std) and weight_std > 0):
        raise InvalidInputError(
            f"`weight_std` must be a finite number > 0, got {weight_std!r}. Pass σ_w, e.g. "
            "weight_std=1.0 (it enters squared, so use its absolute value)."
        )
    if not (isinstance(bias_std, Real) and math.isfinite(bias_std) and bias_std >= 0):
        raise InvalidInputError(
            f"`bias_std` must be a finite number >= 0, got {bias_std!r}. Pass σ_b, e.g. "
            "bias_std=0.0 for no bias (it enters squared, so use its absolute value)."
        )
    return float(weight_std) ** 2, float(bias_std) ** 2


def _check_unit_norm(name: str, x: torch.Tensor) -> None:
    deviation = (x.norm(dim=1) - 1).abs()
    worst = int(deviation.argmax())
    if float(deviation[worst]) > 1e-8:
        raise InvalidInputError(
            f"`{name}` rows must have unit norm for H∞ (Du et al. 2019); row {worst} has norm "
            f"{float(x[worst].norm()):.10g}. Normalize first: "
            f"{name} = {name} / {name}.norm(dim=1, keepdim=True)."
        )


def _expectations(activation: ActivationSpec, nodes: int) -> Expectations:
    """The layer map (q1, q2, q12) -> (E[φφ], E[φ'φ']) for ``activation``."""
    check_positive_int("quadrature_nodes", nodes, "Pass Gauss points per piece, e.g. 24.")
    if isinstance(activation, LeakyAbs):
        if not (math.isfinite(activation.a) and math.isfinite(activation.b)):
            raise InvalidInputError(f"LeakyAbs coefficients must be finite, got {activation}.")
        return leaky_abs_expectations(activation.a, activation.b)
    if isinstance(activation, str):
        if activation in _CLOSED_FORMS:
            return _CLOSED_FORMS[activation]
        if activation in ACTIVATIONS:
            phi = ACTIVATIONS[activation]
            dphi = _DERIVATIVES.get(activation) or autograd_derivative(phi)
            return quadrature_expectations(phi, dphi, nodes)
    elif callable(activation):
        return quadrature_expectations(activation, autograd_derivative(activation), nodes)
    raise InvalidInputError(
        f"`activation` must be one of {sorted(ACTIVATIONS)}, a LeakyAbs(a, b) or an elementwise "
        f"callable, got {activation!r}. For leaky ReLU with slope k pass "
        "LeakyAbs((1 + k) / 2, (1 - k) / 2)."
    )


def _pairs(
    x1: torch.Tensor, x2: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The point pairs the recursion needs, as flat index vectors into a point list.

    Returns (left, right, self_pair, inner): pair p joins points left[p] and right[p] with inner
    product inner[p]; self_pair[k] is the pair (k, k), whose value is point k's variance. Without
    x2: the upper triangle of x1 (diagonal included). With x2: every (x1_i, x2_j), then the self
    pairs of x1 and x2, so each variance is computed once per layer.
    """
    if x2 is None:
        n = x1.shape[0]
        left, right = torch.triu_indices(n, n, device=x1.device)
        inner = (x1 @ x1.T)[left, right]
        return left, right, (left == right).nonzero().squeeze(1), inner
    n1, n2, device = x1.shape[0], x2.shape[0], x1.device
    points = torch.arange(n1 + n2, device=device)
    left = torch.cat([torch.arange(n1, device=device).repeat_interleave(n2), points])
    right = torch.cat([n1 + torch.arange(n2, device=device).repeat(n1), points])
    sq = torch.cat([(x1 * x1).sum(1), (x2 * x2).sum(1)])
    return left, right, n1 * n2 + points, torch.cat([(x1 @ x2.T).reshape(-1), sq])


def _assemble(
    values: torch.Tensor,
    x1: torch.Tensor,
    x2: torch.Tensor | None,
    left: torch.Tensor,
    right: torch.Tensor,
) -> torch.Tensor:
    """Pair values back to the (n1, n2) matrix (mirrored from the upper triangle if x2 is None)."""
    if x2 is not None:
        return values[: x1.shape[0] * x2.shape[0]].reshape(x1.shape[0], x2.shape[0])
    out = torch.empty(x1.shape[0], x1.shape[0], dtype=torch.float64, device=x1.device)
    out[left, right] = values
    out[right, left] = values
    return out
