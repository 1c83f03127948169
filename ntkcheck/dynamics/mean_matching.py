"""The mean-matching GAN game with a linear discriminator, and one step of GDA on it.

``h(W, d) = ⟨d, Ĝ(W) − x̄⟩ − ‖d‖²/2``. For fixed W, h is concave in d with maximizer
``d* = Ĝ(W) − x̄`` and maximum ``½‖Ĝ(W) − x̄‖²``: against a linear discriminator the generator
only matches the data mean. GDA: ``d ← d + η ∇_d h``, ``W ← W − μ ∇_W h`` with
``∇_d h = r − d`` (r = Ĝ(W) − x̄) and ``∇_W h = Jᵀ d``.

:func:`gda_step` is pure and does not check for NaN/inf; :func:`gda` makes it a
:class:`~ntkcheck.dynamics.step.Step` of :func:`~ntkcheck.dynamics.loop.train`, which records
divergence. Linearized GDA (exact for a
:class:`~ntkcheck.models.gan.generator.LinearGenerator`) decouples into one 2×2 block per
eigenvalue κ of K acting on the state (r, d).

References: Balaji et al. 2021, "Understanding Overparameterization in Generative Adversarial
Networks", arXiv 2104.05605.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import torch
from numpy.typing import ArrayLike

from ntkcheck.dynamics.step import Step
from ntkcheck.errors import InvalidInputError
from ntkcheck.models.functional import Params
from ntkcheck.validation import check_finite

Order = Literal["simultaneous", "alternating"]


class MeanMap(Protocol):
    """A generator's mean output Ĝ as a pure function of its parameters W, with J = ∂Ĝ/∂vec(W),
    K = J Jᵀ and the pullback Jᵀd (e.g. :class:`~ntkcheck.models.gan.GeneratorMeanMap`)."""

    @property
    def param_shape(self) -> tuple[int, ...]: ...

    @property
    def dtype(self) -> torch.dtype: ...

    def __call__(self, W: torch.Tensor) -> torch.Tensor: ...  # noqa: N803

    def jacobian(self, W: torch.Tensor) -> torch.Tensor: ...  # noqa: N803

    def kernel(self, W: torch.Tensor) -> torch.Tensor: ...  # noqa: N803

    def pullback(self, W: torch.Tensor, d: torch.Tensor) -> torch.Tensor: ...  # noqa: N803


@dataclass(frozen=True)
class GDAState:
    """Generator parameters W (``param_shape``) and linear discriminator d: (m,)."""

    W: torch.Tensor
    d: torch.Tensor


@dataclass(frozen=True)
class MeanMatchingGame:
    """``h(W, d) = ⟨d, Ĝ(W) − x̄⟩ − ‖d‖²/2`` for a mean map Ĝ and the data mean x̄: (m,).

    References: Balaji et al. 2021, arXiv 2104.05605.
    """

    generator: MeanMap
    x_bar: torch.Tensor

    def __post_init__(self) -> None:
        if not isinstance(self.x_bar, torch.Tensor) or self.x_bar.ndim != 1:
            shape = tuple(self.x_bar.shape) if isinstance(self.x_bar, torch.Tensor) else None
            raise InvalidInputError(
                f"`x_bar` must be the data mean as a 1-D tensor (m,), got shape {shape}. "
                "Pass x.mean(dim=0) for data x: (N, m)."
            )
        check_finite("x_bar", self.x_bar)
        if self.x_bar.dtype != self.generator.dtype:
            raise InvalidInputError(
                f"`x_bar` has dtype {self.x_bar.dtype} but the generator is "
                f"{self.generator.dtype}. Pass x_bar.to({self.generator.dtype}) (no silent casts)."
            )
        m = self.generator(torch.zeros(self.generator.param_shape, dtype=self.x_bar.dtype))
        if m.shape != self.x_bar.shape:
            raise InvalidInputError(
                f"`x_bar` has {self.x_bar.shape[0]} entries but the generator outputs "
                f"{m.shape[0]}. Pass a data mean of the generator's output dimension."
            )

    def residual(self, W: torch.Tensor) -> torch.Tensor:  # noqa: N803
        """r = Ĝ(W) − x̄: (m,)."""
        return self.generator(W) - self.x_bar

    def objective(self, W: torch.Tensor, d: torch.Tensor) -> torch.Tensor:  # noqa: N803
        """h(W, d), a 0-dim tensor."""
        return d @ self.residual(W) - 0.5 * (d @ d)

    def best_response(self, W: torch.Tensor) -> torch.Tensor:  # noqa: N803
        """argmax_d h(W, d) = Ĝ(W) − x̄ (h is −½‖d − r‖² + ½‖r‖²)."""
        return self.residual(W)

    def value(self, W: torch.Tensor) -> torch.Tensor:  # noqa: N803
        """max_d h(W, d) = ½‖Ĝ(W) − x̄‖² (mean matching)."""
        r = self.residual(W)
        return 0.5 * (r @ r)

    def initial_state(self, W: torch.Tensor) -> GDAState:  # noqa: N803
        """(W, d = 0), W detached: the GDA steps are closed-form, no autograd graph is kept."""
        return self.check_state(GDAState(W=W.detach(), d=torch.zeros_like(self.x_bar)))

    def gradients(self, state: GDAState) -> tuple[torch.Tensor, torch.Tensor]:
        """(∇_W h = Jᵀd shaped like W, ∇_d h = r − d)."""
        return self.generator.pullback(state.W, state.d), self.residual(state.W) - state.d

    def check_state(self, state: GDAState) -> GDAState:
        """Shape and dtype checks only: NaNs pass through, divergence is the loop's to record."""
        want_w, want_d = tuple(self.generator.param_shape), tuple(self.x_bar.shape)
        if tuple(state.W.shape) != want_w or tuple(state.d.shape) != want_d:
            raise InvalidInputError(
                f"`state` must hold W of shape {want_w} and d of shape {want_d}, got "
                f"{tuple(state.W.shape)} and {tuple(state.d.shape)}. "
                "Start from game.initial_state(W0)."
            )
        if state.W.dtype != self.x_bar.dtype or state.d.dtype != self.x_bar.dtype:
            raise InvalidInputError(
                f"`state` has dtypes {state.W.dtype}/{state.d.dtype} but x_bar is "
                f"{self.x_bar.dtype}. Pass tensors of one dtype (float64 for the theory)."
            )
        return state


def _check_rate(name: str, value: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and value > 0)
    ):
        raise InvalidInputError(
            f"`{name}` must be a finite step size > 0, got {value!r}. "
            "The calibrated setting is eta=0.5, mu=0.1/β0² with β0 = σ_max(J(W0))."
        )
    return float(value)


def _check_order(order: str) -> None:
    if order not in ("simultaneous", "alternating"):
        raise InvalidInputError(
            f"`order` must be 'simultaneous' or 'alternating', got {order!r}. "
            "The paper's theorem is for order='simultaneous'."
        )


def gda_step(
    game: MeanMatchingGame,
    state: GDAState,
    *,
    eta: float,
    mu: float,
    order: Order = "simultaneous",
) -> GDAState:
    """One GDA step: ``d ← d + η ∇_d h``, ``W ← W − μ ∇_W h``.

    ``order="simultaneous"`` evaluates both gradients at (W, d); ``"alternating"`` updates d
    first and takes the generator step against the new d. Pure: returns a new state.

    References: Balaji et al. 2021, arXiv 2104.05605.
    """
    eta, mu = _check_rate("eta", eta), _check_rate("mu", mu)
    _check_order(order)
    new, _ = _gda_update(game, game.check_state(state), eta, mu, order)
    return new


def _gda_update(
    game: MeanMatchingGame, state: GDAState, eta: float, mu: float, order: Order
) -> tuple[GDAState, torch.Tensor]:
    """:func:`gda_step` on checked arguments, and the residual r = Ĝ(W) − x̄ at the old state
    (computed once: the step needs it and :func:`gda` reports ‖r‖ as the step's loss)."""
    r = game.residual(state.W)
    if order == "simultaneous":
        grad_w, grad_d = game.generator.pullback(state.W, state.d), r - state.d
        return GDAState(W=state.W - mu * grad_w, d=state.d + eta * grad_d), r
    d = state.d + eta * (r - state.d)
    return GDAState(W=state.W - mu * game.generator.pullback(state.W, d), d=d), r


def gda(
    game: MeanMatchingGame,
    W0: torch.Tensor,  # noqa: N803
    *,
    eta: float,
    mu: float,
    order: Order = "simultaneous",
    d0: torch.Tensor | None = None,
) -> Step:
    """GDA on ``game`` from (W_0, d_0 = 0) as a :class:`~ntkcheck.dynamics.step.Step`.

    The state is ``{"W": W_0 clone, "d": d_0 clone}`` (the caller's tensors are not modified;
    read the result from ``step.state``). The loss of a state is the residual norm
    ‖r‖ = ‖Ĝ(W) − x̄‖, and the default tracked kernel is K(W) = J Jᵀ (m × m), so
    ``train(gda(game, W0, eta=0.5, mu=mu), steps=2000, stop_below=1e-8,
    instruments=(track_kernel(), track_distance("W")))`` gives ‖r_t‖, the steps to 1e-8,
    λ_min(K(W_t)) = σ_min(J)² and ‖W_t − W_0‖.

    References: Balaji et al. 2021, arXiv 2104.05605.
    """
    eta, mu = _check_rate("eta", eta), _check_rate("mu", mu)
    _check_order(order)
    start = game.check_state(
        GDAState(W0.detach(), torch.zeros_like(game.x_bar) if d0 is None else d0.detach())
    )

    def update(t: int, state: Params) -> tuple[Params, float]:
        # The loop keeps W and d at their checked shapes and dtypes: no per-step checks.
        new, r = _gda_update(game, GDAState(state["W"], state["d"]), eta, mu, order)
        return {"W": new.W, "d": new.d}, float(r.norm())

    def residual_norm(state: Params) -> float:
        return float(game.residual(state["W"]).norm())

    return Step(
        update=update,
        state={"W": start.W.clone(), "d": start.d.clone()},
        objective=residual_norm,
        settings={"algorithm": "gda", "eta": eta, "mu": mu, "order": order},
        kernel=lambda state: game.generator.kernel(state["W"]),
        hint="lower the step sizes (eta, mu); μ·β_0² < 1 keeps linearized GDA stable",
    )


def linearized_gda_roots(
    kappa: ArrayLike, eta: float, mu: float, order: Order = "simultaneous"
) -> np.ndarray:
    """Eigenvalues s of the 2×2 GDA block of each eigenvalue κ ≥ 0 of K: shape (*κ.shape, 2).

    On (r, d) in the eigendirection of κ:
    simultaneous ``[[1, −μκ], [η, 1 − η]]``, roots ``s = [(2 − η) ± √(η² − 4ημκ)] / 2``
    (complex iff η < 4μκ, then ``|s| = √(1 − η + ημκ)``);
    alternating ``[[1 − ημκ, −μκ(1 − η)], [η, 1 − η]]``, roots
    ``s = [(2 − η − ημκ) ± √(η²(1 + μκ)² − 4ημκ)] / 2``. Complex128, larger modulus first.

    References: Balaji et al. 2021, arXiv 2104.05605 (linear time-varying system).
    """
    eta, mu = _check_rate("eta", eta), _check_rate("mu", mu)
    _check_order(order)
    k = np.asarray(kappa, dtype=np.float64)
    if not np.all(np.isfinite(k)) or np.any(k < 0):
        raise InvalidInputError(
            f"`kappa` must be finite eigenvalues of K = J Jᵀ (>= 0), got min {float(k.min())}. "
            "Pass np.linalg.eigvalsh(K); set rounding-level negatives (|κ| ~ 1e-16·‖K‖) to 0 "
            "yourself if they occur."
        )
    if order == "simultaneous":
        trace, disc = 2.0 - eta, eta**2 - 4.0 * eta * mu * k
    else:
        trace, disc = 2.0 - eta - eta * mu * k, eta**2 * (1.0 + mu * k) ** 2 - 4.0 * eta * mu * k
    root = np.sqrt(disc.astype(np.complex128))
    s = np.stack([(trace + root) / 2.0, (trace - root) / 2.0], axis=-1)
    swap = np.abs(s[..., 1]) > np.abs(s[..., 0])
    s[swap] = s[swap][:, ::-1]
    return s


def spectral_radius(
    kappa: ArrayLike, eta: float, mu: float, order: Order = "simultaneous"
) -> np.ndarray:
    """ρ(κ) = max |s| over the two roots of each κ: shape of ``kappa``.

    The linearized GDA rate is ``max_κ ρ(κ)`` over the spectrum of K.
    """
    return np.abs(linearized_gda_roots(kappa, eta, mu, order))[..., 0]
