"""The one-hidden-layer generator of Balaji et al. and its mean map Ĝ(W).

``G(z) = V φ(W z)`` with ``W ∈ R^{k×d}`` trained (init N(0, 1)) and ``V ∈ R^{m×k}`` fixed at
init (N(0, 1/k)). With fixed latent codes ``z_1..z_n`` the GAN with a linear discriminator only
sees the mean ``Ĝ(W) = (1/n) Σ_i V φ(W z_i)``, and its NTK is ``K(W) = J Jᵀ`` with
``J = ∂Ĝ/∂vec(W) ∈ R^{m×kd}`` (vec is row-major, matching ``W.reshape(-1)``).

References: Balaji et al. 2021, "Understanding Overparameterization in Generative Adversarial
Networks", arXiv 2104.05605.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from ntkcheck.device import CPU, to_default
from ntkcheck.errors import InvalidInputError
from ntkcheck.models.layers import Dense
from ntkcheck.validation import check_finite, check_inputs, check_positive_int

_Pair = tuple[Callable[[torch.Tensor], torch.Tensor], Callable[[torch.Tensor], torch.Tensor]]

# φ and φ'. ReLU' is the indicator s > 0, which is what autograd returns at s = 0 too.
ACTIVATION_PAIRS: dict[str, _Pair] = {
    "tanh": (torch.tanh, lambda s: 1.0 - torch.tanh(s) ** 2),
    "softplus": (torch.nn.functional.softplus, torch.sigmoid),
    "relu": (torch.relu, lambda s: (s > 0).to(s.dtype)),
}


def _activation_pair(activation: str) -> _Pair:
    if activation not in ACTIVATION_PAIRS:
        raise InvalidInputError(
            f"`activation` must be one of {sorted(ACTIVATION_PAIRS)} (the generator needs φ "
            f"and its closed-form derivative), got {activation!r}. Pass activation='tanh'."
        )
    return ACTIVATION_PAIRS[activation]


def unit_latent_codes(
    n: int, latent_dim: int, seed: int, dtype: torch.dtype = torch.float64
) -> torch.Tensor:
    """n latent codes drawn uniformly on the unit sphere S^{d−1}: (n, latent_dim)."""
    check_positive_int("n", n, "Pass the number of latent codes, e.g. n=1.")
    check_positive_int("latent_dim", latent_dim, "Pass the latent dimension, e.g. 5.")
    gen = torch.Generator().manual_seed(int(seed))
    z = to_default(torch.randn(n, latent_dim, generator=gen, dtype=dtype, device=CPU))
    return z / z.norm(dim=1, keepdim=True)


class OneHiddenLayerGenerator(nn.Module):
    """``G(z) = V φ(W z)``: ``z: (n, d) -> (n, m)``, float64 by default.

    ``hidden.weight`` is W (k, d), trained, N(0, 1); ``readout.weight`` is V (m, k),
    ``requires_grad=False``, N(0, 1/k). Both are :class:`~ntkcheck.models.layers.Dense` layers
    without bias, so the structured NTK path sees an ordinary dense network.

    Draws: W first, row by row, then V, from one generator seeded with ``seed``. So one seed
    shares draws across widths: W of width k is the first k rows of W of width 2k whenever
    k·d is a multiple of 16 (torch draws normals in blocks of 16; otherwise all but the last
    partial block agree), while V differs. Width sweeps of one seed are therefore nested, not
    independent; give each width its own seed for independent models.

    References: Balaji et al. 2021, arXiv 2104.05605.
    """

    def __init__(
        self,
        latent_dim: int,
        hidden: int,
        out_dim: int,
        activation: str = "tanh",
        seed: int = 0,
        *,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        check_positive_int("latent_dim", latent_dim, "Pass the latent dimension d, e.g. 5.")
        check_positive_int("hidden", hidden, "Pass the hidden width k, e.g. hidden=160.")
        check_positive_int("out_dim", out_dim, "Pass the data dimension m, e.g. out_dim=10.")
        self.activation = activation
        self.phi, _ = _activation_pair(activation)
        gen = torch.Generator().manual_seed(int(seed))
        self.hidden = Dense(latent_dim, hidden, bias=False, dtype=dtype)
        self.readout = Dense(hidden, out_dim, bias=False, dtype=dtype)
        with torch.no_grad():
            self.hidden.weight.copy_(
                torch.randn(hidden, latent_dim, generator=gen, dtype=dtype, device=CPU)
            )
            v = torch.randn(out_dim, hidden, generator=gen, dtype=dtype, device=CPU) / hidden**0.5
            self.readout.weight.copy_(v)
        self.readout.weight.requires_grad_(False)

    @property
    def W(self) -> torch.Tensor:  # noqa: N802 (the paper's symbol)
        return self.hidden.weight

    @property
    def V(self) -> torch.Tensor:  # noqa: N802
        return self.readout.weight

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """z: (n, d) -> (n, m); also accepts (..., n, d) -> (..., n, m)."""
        return self.readout(self.phi(self.hidden(z)))

    def mean_map(self, z: torch.Tensor) -> GeneratorMeanMap:
        """The pure map W ↦ Ĝ(W) for the fixed codes ``z: (n, d)``.

        V is taken by reference (no copy): in-place edits of ``self.V`` reach the map and every
        game built on it; W is the map's argument.
        """
        check_inputs("z", z, dtype=self.V.dtype)
        if z.ndim != 2 or z.shape[1] != self.W.shape[1]:
            raise InvalidInputError(
                f"`z` must have shape (n, latent_dim={self.W.shape[1]}), got {tuple(z.shape)}. "
                "Pass the latent codes as rows, e.g. unit_latent_codes(n, latent_dim, seed)."
            )
        return GeneratorMeanMap(V=self.V.detach(), z=z.detach(), activation=self.activation)


class LatentSetMean(nn.Module):
    """Module form of Ĝ for the NTK machinery: latent sets ``(N, n, d) -> (N, m)``.

    Example ``a`` is a *set* of n latent codes and its output is ``(1/n) Σ_i V φ(W z_{a,i})``.
    It shares W and V with ``generator``, so ``reference_ntk(LatentSetMean(g), z[None])`` is
    ``(1, 1, m, m)`` and equals ``g.mean_map(z).kernel(g.W)``; with several latent sets the
    off-diagonal blocks are the cross-kernels J(Z_a) J(Z_b)ᵀ. W is applied to the n codes of
    one example, an extra axis the structured NTK path sums over per example;
    :meth:`GeneratorMeanMap.kernel` is the closed form.
    """

    def __init__(self, generator: OneHiddenLayerGenerator) -> None:
        super().__init__()
        self.generator = generator

    def forward(self, z_sets: torch.Tensor) -> torch.Tensor:
        if z_sets.ndim != 3:
            raise InvalidInputError(
                f"`z_sets` must have shape (N, n, d) (N sets of n latent codes), got "
                f"{tuple(z_sets.shape)}. For one set of codes z: (n, d) pass z.unsqueeze(0)."
            )
        return self.generator(z_sets).mean(dim=1)


@dataclass(frozen=True)
class GeneratorMeanMap:
    """``Ĝ(W) = (1/n) Σ_i V φ(W z_i)`` with closed-form Jacobian, pure in W: (k, d) -> (m,).

    ``J[:, (j, l)] = (1/n) Σ_i V[:, j] φ'(w_jᵀ z_i) z_i[l] = V[:, j] · C[j, l]`` with
    ``C = φ'(Z Wᵀ)ᵀ Z / n ∈ R^{k×d}``, column (j, l) at index j·d + l. Every column of J is a
    multiple of a column of V, so rank J ≤ min(m, k) whatever n and d.

    References: Balaji et al. 2021, arXiv 2104.05605 (the Jacobian J and K = J Jᵀ).
    """

    V: torch.Tensor
    z: torch.Tensor
    activation: str = "tanh"

    def __post_init__(self) -> None:
        _activation_pair(self.activation)
        if self.V.ndim != 2 or self.z.ndim != 2:
            raise InvalidInputError(
                f"`V` must be (m, k) and `z` (n, d), got {tuple(self.V.shape)} and "
                f"{tuple(self.z.shape)}. Build it with OneHiddenLayerGenerator.mean_map(z)."
            )

    @property
    def param_shape(self) -> tuple[int, int]:
        return (self.V.shape[1], self.z.shape[1])

    @property
    def dtype(self) -> torch.dtype:
        return self.V.dtype

    def __call__(self, W: torch.Tensor) -> torch.Tensor:  # noqa: N803
        phi, _ = _activation_pair(self.activation)
        return phi(self.z @ W.T).mean(dim=0) @ self.V.T

    def _coefficients(self, W: torch.Tensor) -> torch.Tensor:  # noqa: N803
        """C: (k, d), C[j, l] = (1/n) Σ_i φ'(w_jᵀ z_i) z_i[l]."""
        _, dphi = _activation_pair(self.activation)
        return dphi(self.z @ W.T).T @ self.z / self.z.shape[0]

    def jacobian(self, W: torch.Tensor) -> torch.Tensor:  # noqa: N803
        """J = ∂Ĝ/∂vec(W): (m, k·d), row-major vec(W)."""
        c = self._coefficients(W)
        return (self.V[:, :, None] * c[None, :, :]).reshape(self.V.shape[0], -1)

    def kernel(self, W: torch.Tensor) -> torch.Tensor:  # noqa: N803
        """K = J Jᵀ: (m, m), computed as V diag(‖C_j‖²) Vᵀ (exact, no m×kd Jacobian)."""
        c = self._coefficients(W)
        return (self.V * (c**2).sum(dim=1)) @ self.V.T

    def pullback(self, W: torch.Tensor, d: torch.Tensor) -> torch.Tensor:  # noqa: N803
        """Jᵀ d reshaped like W: (k, d), ``(Vᵀd)_j · C[j, :]``."""
        return (self.V.T @ d)[:, None] * self._coefficients(W)

    def singular_values(self, W: torch.Tensor) -> tuple[float, float]:  # noqa: N803
        """(α, β) = (σ_min, σ_max) of J(W): (m, k·d), over its m singular values.

        β = √λ_max(K). For k ≥ m, α = √λ_min(K) (K = J Jᵀ, cheap: m × m). For k < m, rank J
        ≤ k < m and α is a rounding-level number that √λ_min(K) cannot resolve (λ_min(K) is
        lost below ε·‖K‖: it gives 0 or ~1e-8·β), so α comes from the SVD of J (~1e-17·β;
        exactly 0 when k·d < m).
        """
        eig = torch.linalg.eigvalsh(self.kernel(W))
        m, k = self.V.shape
        if k >= m:
            alpha = float(eig[0].clamp(min=0.0).sqrt())
        else:
            s = torch.linalg.svdvals(self.jacobian(W))
            alpha = float(s[-1]) if s.numel() == m else 0.0
        return alpha, float(eig[-1].sqrt())


@dataclass(frozen=True)
class LinearGenerator:
    """``G(θ) = A θ`` (A: (m, p)): the model on which linearized GDA is exact.

    J = A and K = A Aᵀ at every θ, so each eigenvalue κ of K is one decoupled 2×2 GDA block.

    References: Balaji et al. 2021, arXiv 2104.05605 (linear time-varying system).
    """

    A: torch.Tensor

    def __post_init__(self) -> None:
        if not isinstance(self.A, torch.Tensor) or self.A.ndim != 2 or 0 in self.A.shape:
            shape = tuple(self.A.shape) if isinstance(self.A, torch.Tensor) else type(self.A)
            raise InvalidInputError(
                f"`A` must be a non-empty (m, p) torch.Tensor, got {shape}. "
                "Pass e.g. torch.randn(m, p, dtype=torch.float64)."
            )
        check_finite("A", self.A)

    @property
    def param_shape(self) -> tuple[int]:
        return (self.A.shape[1],)

    @property
    def dtype(self) -> torch.dtype:
        return self.A.dtype

    def __call__(self, theta: torch.Tensor) -> torch.Tensor:
        return self.A @ theta

    def jacobian(self, theta: torch.Tensor) -> torch.Tensor:
        return self.A

    def kernel(self, theta: torch.Tensor) -> torch.Tensor:
        return self.A @ self.A.T

    def pullback(self, theta: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        return self.A.T @ d
