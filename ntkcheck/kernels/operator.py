"""Matrix-free empirical NTK: the operator v ↦ J (Jᵀ v) = Θ v, never forming Θ.

For λ_min by Lanczos at N too large to store the (N·O, N·O) Gram matrix (docs/conventions.md:
2·N·O·[FP] per product, no N² storage).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator
from torch.func import jvp, vjp, vmap

from ntkcheck.errors import PrecisionWarning
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.kernels.structure import check_model, structure_key
from ntkcheck.models.functional import FunctionalModel, ModelLike, Params, functionalize
from ntkcheck.validation import check_inputs, check_positive_int


def ntk_operator(
    model: ModelLike,
    x: torch.Tensor,
    *,
    params: Iterable[str] | None = None,
    chunk_size: int | None = None,
) -> NTKOperator:
    """Θ(x, x) as a symmetric ``LinearOperator`` of shape (N·O, N·O), float64 in and out.

    A product Θv = J (Jᵀ v), with J = ∂f(θ, x)/∂θ ∈ R^{(N·O) × P} over the trainable parameters
    (all with ``requires_grad``, or the names in ``params``), costs one ``torch.func.vjp``
    (Jᵀv, param-shaped) and one ``torch.func.jvp`` (J times it): two passes over the data, memory
    O(P + N·O) plus the activations of ``chunk_size`` examples (default: all N at once).
    ``matmat`` with k columns batches both passes with ``vmap`` (memory k·P). ``to_dense()``
    forms the matrix by one dense eNTK instead, far cheaper than N·O products:
    :func:`ntkcheck.spectrum.lambda_min` uses it when the dense path fits in memory.

    Ordering: row/column index n·O + o for example n and output o, i.e. a vector is
    ``v.reshape(N, O)``; the dense equivalent is ``empirical_ntk(model, x, mode="full")``
    (N, N, O, O) reshaped by ``.permute(0, 2, 1, 3).reshape(N*O, N*O)``. It is Θ, not Θ/N.

    Args:
        model: an ``nn.Module`` or ``(f, params)`` pair, as :func:`functionalize` accepts.
        x: inputs (N, ...) in the model's dtype. A model in less than float64 precision warns
            :class:`PrecisionWarning`: the products are then only that accurate.
        params: names of the parameters to differentiate (default: every trainable one).
        chunk_size: examples per forward/backward pass, to bound activation memory.

    Raises:
        InvalidInputError: bad ``x`` (dtype, shape, NaN) or ``chunk_size``.
        CrossExampleCouplingError: the model mixes examples, so it has no per-example NTK.
    """
    fm = functionalize(model, params)
    check_inputs("x", x, dtype=fm.dtype)
    if chunk_size is not None:
        check_positive_int("chunk_size", chunk_size, "Pass examples per pass, e.g. 256.")
    check_model(fm, "x", x, structure_key(fm, x))
    if fm.dtype != torch.float64:
        warnings.warn(
            f"The model's parameters are {fm.dtype}; the NTK products are only that accurate. "
            "Build the model and inputs in float64 for trustworthy eigenvalues.",
            PrecisionWarning,
            stacklevel=2,
        )
    return NTKOperator(fm, x, chunk_size)


class NTKOperator(LinearOperator):
    """Θ(x, x) as a symmetric float64 ``LinearOperator``; built by :func:`ntk_operator`."""

    def __init__(self, fm: FunctionalModel, x: torch.Tensor, chunk_size: int | None) -> None:
        with torch.no_grad():
            self._outputs = int(fm(x[:1]).shape[1])
        n = int(x.shape[0])
        super().__init__(np.float64, (n * self._outputs, n * self._outputs))
        self._fm, self._x, self._chunks = fm, x, x.split(chunk_size or n)

    def _matmat(self, V: np.ndarray) -> np.ndarray:
        """V: (N·O, k) -> Θ V: (N·O, k)."""
        size, n = self.shape[0], self._x.shape[0]
        V = np.asarray(V, dtype=np.float64).reshape(size, -1)
        cotangents = torch.as_tensor(V.T.copy(), dtype=self._fm.dtype)
        tangents = _pullback(self._fm, self._chunks, cotangents.reshape(-1, n, self._outputs))
        products = _pushforward(self._fm, self._chunks, tangents)
        return products.reshape(-1, size).T.to(torch.float64).numpy(force=True)

    def _matvec(self, v: np.ndarray) -> np.ndarray:
        return self._matmat(np.reshape(v, (-1, 1)))[:, 0]

    def _adjoint(self) -> NTKOperator:
        return self  # Θ is symmetric

    def to_dense(self) -> np.ndarray:
        """The (N·O, N·O) float64 matrix, from one dense :func:`empirical_ntk` (mode "full"),
        in this operator's ordering; exactly symmetric."""
        n, o = self._x.shape[0], self._outputs
        theta = empirical_ntk(self._fm, self._x, mode="full").reshape(n, n, o, o)
        flat = theta.permute(0, 2, 1, 3).reshape(n * o, n * o)
        return flat.to(torch.float64).numpy(force=True)


def _pullback(fm: FunctionalModel, chunks: tuple[torch.Tensor, ...], cot: torch.Tensor) -> Params:
    """Jᵀ applied to k cotangents ``cot``: (k, N, O) -> {name: (k, *shape)}, summed over chunks."""
    total: Params = {}
    start = 0
    for xc in chunks:
        _, pull = vjp(_on(fm, xc), fm.params)
        (grads,) = vmap(pull)(cot[:, start : start + xc.shape[0]])
        total = grads if not total else {k: total[k] + g for k, g in grads.items()}
        start += xc.shape[0]
    return total


def _pushforward(
    fm: FunctionalModel, chunks: tuple[torch.Tensor, ...], tangents: Params
) -> torch.Tensor:
    """J applied to k parameter tangents {name: (k, *shape)} -> (k, N, O)."""
    return torch.cat([vmap(_jvp_on(fm, xc))(tangents) for xc in chunks], dim=1)


def _on(fm: FunctionalModel, xc: torch.Tensor) -> Callable[[Params], torch.Tensor]:
    """θ ↦ f(θ, xc): (n_c, O), bound to one chunk."""
    return lambda p: fm.fn(p, xc)


def _jvp_on(fm: FunctionalModel, xc: torch.Tensor) -> Callable[[Params], torch.Tensor]:
    """t ↦ J(xc) t: the directional derivative of f(·, xc) at fm.params along t."""
    return lambda t: jvp(_on(fm, xc), (fm.params,), (t,))[1]
