"""ONE contract over every model of the package (zuko-style): output shapes and dtype,
gradients reach every trainable parameter and never a fixed one, determinism under a seed,
and the structured eNTK equals the generic one wherever both apply."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from _structured import forced_structured
from torch import nn

from ntkcheck.kernels.empirical import empirical_ntk, plan_ntk
from ntkcheck.kernels.reference import reference_ntk
from ntkcheck.models import (
    CNF,
    MLP,
    UNF,
    AutoregressiveUNF,
    CNFLogDerivative,
    CNFMap,
    LatentSetMean,
    MaskedCNF,
    OneHiddenLayerGenerator,
    UNFPreactivation,
)

F64 = torch.float64


def _x(shape: tuple[int, ...], seed: int = 0, scale: float = 1.0) -> torch.Tensor:
    return scale * torch.randn(*shape, dtype=F64, generator=torch.Generator().manual_seed(seed))


def _unit(shape: tuple[int, ...]) -> torch.Tensor:
    z = _x(shape)
    return z / z.norm(dim=-1, keepdim=True)


# name -> (build(seed) -> module, inputs, output shape per example, names that must stay fixed)
MODELS: dict[str, tuple[Callable[[int], nn.Module], torch.Tensor, tuple[int, ...], set[str]]] = {
    "mlp-ntk": (lambda s: MLP(3, 16, 2, 2, bias_std=0.3, seed=s), _x((5, 3)), (2,), set()),
    "mlp-standard": (
        lambda s: MLP(3, 16, 2, parameterization="standard", bias_std=0.3, seed=s),
        _x((5, 3)), (), set(),
    ),
    "mlp-mup": (lambda s: MLP(3, 16, 3, 2, parameterization="mup", seed=s), _x((5, 3)), (2,),
                set()),
    "cnf-map": (lambda s: CNFMap(CNF(12, s)), _x((5, 1)), (), set()),
    "cnf-logdet": (lambda s: CNFLogDerivative(CNF(12, s)), _x((5, 1)), (), set()),
    "cnf": (lambda s: CNF(12, s), _x((5, 1)), (1,), set()),
    "masked-cnf": (lambda s: MaskedCNF(2, 6, s), _x((5, 2)), (2,), set()),
    "unf-preactivation": (lambda s: UNFPreactivation(UNF(-0.5, 12, s)), _x((5, 1), scale=0.3),
                          (), {"output.weight"}),
    "unf": (lambda s: UNF(-0.5, 12, s), 0.4 * torch.rand(5, 1, dtype=F64), (1,),
            {"output.weight"}),
    "autoregressive-unf": (lambda s: AutoregressiveUNF([-0.5, -0.5], 8, s),
                           0.4 * torch.rand(5, 2, dtype=F64), (2,), {"output.weight"}),
    "gan-generator": (lambda s: OneHiddenLayerGenerator(4, 12, 6, seed=s), _unit((5, 4)), (6,),
                      {"readout.weight"}),
    "gan-mean-map": (lambda s: LatentSetMean(OneHiddenLayerGenerator(4, 12, 6, seed=s)),
                     _unit((4, 3, 4)), (6,), {"readout.weight"}),
}  # fmt: skip


def _is_fixed(name: str, fixed: set[str]) -> bool:
    return any(name == f or name.endswith("." + f) for f in fixed)


@pytest.fixture(params=list(MODELS), ids=list(MODELS))
def case(request):
    return MODELS[request.param]


def test_shapes_and_dtype(case):
    build, x, out_shape, _ = case
    out = build(0)(x)
    assert out.dtype == F64
    assert tuple(out.shape) == (x.shape[0], *out_shape)


def test_gradients_reach_trainable_and_never_fixed_parameters(case):
    build, x, _, fixed = case
    model = build(0)
    model(x).sum().backward()
    for name, p in model.named_parameters():
        if _is_fixed(name, fixed):
            assert not p.requires_grad and p.grad is None, name
        else:
            assert p.requires_grad and p.grad is not None, name
            assert torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name
    assert all(any(_is_fixed(n, {f}) for n, _ in model.named_parameters()) for f in fixed)


def test_deterministic_under_a_seed(case):
    build, x, _, _ = case
    a, b, c = build(3), build(3), build(4)
    assert torch.equal(a(x), b(x))
    assert not torch.equal(a(x), c(x))


def test_structured_equals_generic_and_oracle(case):
    build, x, _, _ = case
    model = build(0)
    x1, x2 = x[:3], x[3:]
    ref = reference_ntk(model, x1, x2)
    jac = empirical_ntk(model, x1, x2, method="jacobian")
    torch.testing.assert_close(jac, ref, rtol=1e-10, atol=1e-12)
    if plan_ntk(model, x1).coverage.layers:
        structured = empirical_ntk(model, x1, x2, method="structured")
        torch.testing.assert_close(structured, jac, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["full", "trace", "diagonal"])
def test_both_structured_strategies_equal_the_oracle(case, mode):
    """Cross terms and per-example sums over the positions (quadrature nodes, latent codes) are
    two exact ways to the same kernel; the planner picks one per layer by cost."""
    build, x, _, _ = case
    model = build(0)
    x1, x2 = x[:3], x[3:]
    ref = reference_ntk(model, x1, x2, mode=mode)
    for summed in (False, True):
        got = forced_structured(model, x1, x2, mode, summed)
        torch.testing.assert_close(got, ref, rtol=1e-10, atol=1e-12)
