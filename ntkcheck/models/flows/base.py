"""The contract every flow of ntkcheck follows: a monotone triangular map and a simple base.

z = f(x) with z_i = f_i(x_1, …, x_i) increasing in x_i, so the Jacobian is lower triangular and

    log p_X(x) = log p_Z(f(x)) + Σ_i log ∂f_i/∂x_i(x).

A flow supplies four private pieces — the map, its log-diagonal, one coordinate as a function of
x_i (for inversion) and a finite interval where that coordinate is inverted — and inherits
``log_prob``, ``nll``, ``inverse`` and ``sample`` (inversion coordinate by coordinate).

References: Papamakarios et al. 2021, "Normalizing Flows for Probabilistic Modeling and
Inference" (change of variables, autoregressive flows); Shah et al. 2022, arXiv 2106.10535.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from functools import partial

import numpy as np
import torch
from torch import nn

from ntkcheck.errors import InvalidInputError
from ntkcheck.models.flows.bisection import bisect
from ntkcheck.models.flows.distributions import StandardExponential, StandardNormal
from ntkcheck.validation import check_inputs, check_positive_int

_MAX_BATCH = 65536  # base draws inverted at once when sampling (bounds memory)


def make_generator(seed: int) -> torch.Generator:
    """A private generator seeded with ``seed`` (no global RNG state)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InvalidInputError(f"`seed` must be an integer, got {seed!r}. Pass e.g. seed=0.")
    return torch.Generator().manual_seed(int(seed))


def as_column(x: torch.Tensor) -> torch.Tensor:
    """(N,) or (N, 1) -> (N, 1): the input convention of the scalar views."""
    if x.ndim == 1:
        return x.unsqueeze(-1)
    if x.ndim == 2 and x.shape[1] == 1:
        return x
    raise InvalidInputError(
        f"A 1-D flow view takes x of shape (N,) or (N, 1), got {tuple(x.shape)}. "
        "Pass x.reshape(-1, 1)."
    )


class Flow(nn.Module, ABC):
    """Monotone autoregressive flow on R^d with base ``self.base``.

    Shapes: x, z: (N, d) with d = ``features``; ``log_prob``: (N,); ``nll``: scalar.
    """

    features: int
    base: StandardNormal | StandardExponential
    outside_image: str  # says why a base point can have no preimage (used in errors)

    @property
    def dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """z = f(x): (N, d) -> (N, d)."""
        return self._forward(self._check_x(x))

    def log_derivative(self, x: torch.Tensor) -> torch.Tensor:
        """log ∂f_i/∂x_i at x: (N, d) -> (N, d) (the log-diagonal of the Jacobian)."""
        x = self._check_x(x)
        self._check_state()
        return self._log_derivative(x)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p_X(x) = log p_Z(f(x)) + Σ_i log ∂f_i/∂x_i: (N, d) -> (N,)."""
        x = self._check_x(x)
        self._check_state()
        return self._log_prob(x)

    def nll(self, x: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood −(1/N) Σ_n log p_X(x_n), differentiable in the params."""
        return -self.log_prob(x).mean()

    def _log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p_X on checked inputs; a flow may override it with a faster exact form."""
        return self.base.log_prob(self._forward(x)) + self._log_derivative(x).sum(-1)

    @torch.no_grad()
    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        """x = f^{-1}(z) by bisection, coordinate by coordinate, to ~1e-10: (N, d) -> (N, d)."""
        z = self._check_x(z, "z")
        self._check_state()
        x, inside = self._invert(z)
        if not bool(inside.all()):
            bad = (~inside).nonzero()[:, 0]
            raise InvalidInputError(
                f"{bad.numel()} of {z.shape[0]} rows of `z` lie outside the image of the flow "
                f"(first: z[{int(bad[0])}] = {z[bad[0]].tolist()}). {self.outside_image}"
            )
        return x

    @torch.no_grad()
    def sample(self, n: int, seed: int, *, max_draws: int | None = None) -> torch.Tensor:
        """n points from p_X / ∫p_X by inversion, seeded by ``seed``: (n, d).

        Base draws z ~ p_Z outside f's image over the search intervals have no preimage and are
        redrawn: this samples exactly the normalized density (∫p_X < 1 for the CNF), restricted
        for the UNF to x_i <= x0_i + max_span. At most ``max_draws`` base draws (default
        1000·n); more raise an error stating the acceptance rate.
        """
        n = check_positive_int("n", n, "Pass the number of samples, e.g. n=1000.")
        limit = (
            1000 * n
            if max_draws is None
            else check_positive_int(
                "max_draws", max_draws, "Pass the most base draws allowed, e.g. max_draws=10**6."
            )
        )
        generator = make_generator(seed)
        self._check_state()
        parts, accepted, drawn = [], 0, 0
        while accepted < n:
            rate = max(accepted, 1) / drawn if drawn else 1.0
            batch = min(math.ceil(1.1 * (n - accepted) / rate) + 16, _MAX_BATCH, limit - drawn)
            if batch <= 0:
                raise InvalidInputError(
                    f"sample() accepted {accepted} of {drawn} base draws (estimated mass "
                    f"∫p_X ≈ {accepted / drawn:.2e}), short of n = {n}. {self.outside_image} "
                    "Train the flow first or pass a larger max_draws."
                )
            z = self.base.sample(batch, self.features, generator, self.dtype)
            x, inside = self._invert(z)
            parts.append(x[inside])
            accepted += int(inside.sum())
            drawn += batch
        return torch.cat(parts)[:n]

    def _invert(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x with f(x) = z on the rows of z inside the image, and the (N,) mask of those rows."""
        x = torch.zeros_like(z)
        rows = torch.arange(z.shape[0])
        for i in range(self.features):
            prefix, target = x[rows, :i], z[rows, i]
            lo, hi = self._search_interval(i, prefix)
            coordinate = partial(self._coordinate, i, prefix)
            inside = (coordinate(lo) <= target) & (target <= coordinate(hi))
            rows, prefix, target = rows[inside], prefix[inside], target[inside]
            if rows.numel() == 0:
                break
            coordinate = partial(self._coordinate, i, prefix)
            x[rows, i] = bisect(coordinate, target, lo[inside], hi[inside])
        inside = torch.zeros(z.shape[0], dtype=torch.bool)
        inside[rows] = True
        return x, inside

    def _check_x(self, x: torch.Tensor, name: str = "x") -> torch.Tensor:
        check_inputs(name, x, dtype=self.dtype)
        if x.ndim != 2 or x.shape[1] != self.features:
            fix = "For 1-D data pass x.reshape(-1, 1)." if self.features == 1 else ""
            raise InvalidInputError(
                f"`{name}` must have shape (N, {self.features}) for this "
                f"{type(self).__name__}, got {tuple(x.shape)}. {fix}".rstrip()
            )
        return x

    def _check_state(self) -> None:
        """Raise if the parameters leave the monotone family (constrained flows override)."""

    @abstractmethod
    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        """f(x): (N, d) -> (N, d), inputs already checked."""

    @abstractmethod
    def _log_derivative(self, x: torch.Tensor) -> torch.Tensor:
        """log ∂f_i/∂x_i: (N, d) -> (N, d), inputs already checked."""

    @abstractmethod
    def _coordinate(self, i: int, prefix: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """f_i(x_1..x_{i-1} = prefix, x_i = t): prefix (N, i), t (N,) -> (N,)."""

    @abstractmethod
    def _search_interval(self, i: int, prefix: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(lo, hi), each (N,): x_i is searched in [lo, hi]; f_i([lo, hi]) is the image used."""
