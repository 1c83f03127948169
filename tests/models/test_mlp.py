"""The MLP: shapes, seeding, validation, dtype and the three parameterizations' scales.

(Convergence of its empirical NTK to the analytic kernel is tested in
tests/kernels/test_analytic.py.)
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from ntkcheck.errors import InvalidInputError
from ntkcheck.kernels.gaussian_expectations import LeakyAbs
from ntkcheck.models.mlp import MLP


def inputs(n: int, d: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@given(
    n=st.integers(1, 6),
    d=st.integers(1, 5),
    width=st.integers(1, 12),
    depth=st.integers(1, 3),
    out=st.integers(1, 3),
    parameterization=st.sampled_from(["ntk", "standard", "mup"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_shapes_and_seed_reproducibility(n, d, width, depth, out, parameterization, seed):
    x = inputs(n, d)
    model = MLP(d, width, depth, out, parameterization=parameterization, seed=seed)
    y = model(x)
    assert y.shape == ((n,) if out == 1 else (n, out))
    assert y.dtype == torch.float64
    twin = MLP(d, width, depth, out, parameterization=parameterization, seed=seed)
    for (name, p), (_, q) in zip(model.named_parameters(), twin.named_parameters()):
        assert torch.equal(p, q), name
    assert torch.equal(twin(x), y)


def test_squeeze_output_false_keeps_the_output_axis() -> None:
    model = MLP(3, 8, 1, seed=0, squeeze_output=False)
    assert model(inputs(4, 3)).shape == (4, 1)


def test_different_seeds_give_different_weights() -> None:
    a, b = MLP(3, 16, 2, seed=0), MLP(3, 16, 2, seed=1)
    assert not torch.equal(a.layers[0].weight, b.layers[0].weight)


def test_float64_by_default_and_dtype_is_respected() -> None:
    assert all(p.dtype == torch.float64 for p in MLP(3, 8, 2, seed=0).parameters())
    model = MLP(3, 8, 2, seed=0, dtype=torch.float32)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert model(inputs(2, 3).float()).dtype == torch.float32


def test_bias_present_only_when_requested() -> None:
    assert all(layer.bias is None for layer in MLP(3, 8, 2, seed=0).layers)
    assert all(layer.bias is not None for layer in MLP(3, 8, 2, bias_std=0.1, seed=0).layers)
    assert all(layer.bias is not None for layer in MLP(3, 8, 2, seed=0, bias=True).layers)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(width=0), r"`width` must be an integer >= 1, got 0.*width=512"),
        (dict(depth=0), r"`depth` must be an integer >= 1, got 0"),
        (dict(in_features=0), r"`in_features` must be an integer >= 1"),
        (dict(out_features=0), r"`out_features` must be an integer >= 1"),
        (dict(width=2.5), r"`width` must be an integer"),
        (dict(parameterization="ntk2"), r"`parameterization` must be 'ntk', 'standard' or 'mup'"),
        (dict(weight_std=0.0), r"`weight_std` must be a finite number > 0, got 0.0"),
        (dict(weight_std=math.inf), r"`weight_std`"),
        (dict(bias_std=-1.0), r"`bias_std` must be a finite number >= 0, got -1.0"),
        (dict(activation="swish9"), r"`activation` must be one of"),
    ],
)
def test_invalid_arguments_raise(kwargs, match) -> None:
    args = dict(in_features=3, width=8, depth=2, seed=0) | kwargs
    with pytest.raises(InvalidInputError, match=match):
        MLP(**args)


def test_ntk_parameterization_forward_is_the_documented_formula() -> None:
    # h¹ = σ_w W¹x/√d + σ_b b¹, h² = σ_w W² φ(h¹)/√m + σ_b b², f = σ_w W³ φ(h²)/√m + σ_b b³.
    d, m, sw, sb = 3, 7, 1.3, 0.4
    model = MLP(d, m, 2, activation="tanh", weight_std=sw, bias_std=sb, seed=1)
    x = inputs(5, d)
    (w1, b1), (w2, b2), (w3, b3) = ((layer.weight, layer.bias) for layer in model.layers)
    h1 = sw * x @ w1.T / math.sqrt(d) + sb * b1
    h2 = sw * torch.tanh(h1) @ w2.T / math.sqrt(m) + sb * b2
    f = sw * torch.tanh(h2) @ w3.T / math.sqrt(m) + sb * b3
    torch.testing.assert_close(model(x), f.squeeze(-1), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("parameterization", ["ntk", "standard", "mup"])
def test_initial_weight_scales(parameterization) -> None:
    """Trainable-entry std and forward multiplier per layer, as in the MLP docstring."""
    d, m, sw, sb = 40, 600, 1.5, 0.5
    model = MLP(d, m, 2, parameterization=parameterization, weight_std=sw, bias_std=sb, seed=2)
    expected = {  # (std of W, weight multiplier, std of b, bias multiplier) per layer
        "ntk": [(1, sw / math.sqrt(n_in), 1, sb) for n_in in (d, m, m)],
        "standard": [(sw / math.sqrt(n_in), 1, sb, 1) for n_in in (d, m, m)],
        "mup": [
            (sw / math.sqrt(d * m), math.sqrt(m), sb / math.sqrt(m), math.sqrt(m)),
            (sw / math.sqrt(m), 1, sb, 1),
            (sw / math.sqrt(m), 1 / math.sqrt(m), sb, 1),
        ],
    }[parameterization]
    for layer, (w_std, w_mult, b_std, b_mult) in zip(model.layers, expected):
        # Relative sd of a sample std over k entries is 1/√(2k) (<= 2.5% here for the weights).
        assert layer.weight.std().item() == pytest.approx(w_std, rel=0.05)
        assert layer.weight_multiplier == pytest.approx(w_mult, rel=1e-15)
        assert layer.bias_multiplier == pytest.approx(b_mult, rel=1e-15)
        if layer.bias.numel() > 100:  # the scalar output bias has no sample std
            assert layer.bias.std().item() == pytest.approx(b_std, rel=0.2)


def test_effective_weights_agree_across_parameterizations() -> None:
    # Same seed, same normal draws: the NTK and standard parameterizations are the same
    # function at init; µP's hidden layers match too and only its read-out is 1/√m smaller.
    d, m = 4, 32
    x = inputs(6, d)
    ntk, standard, mup = (
        MLP(d, m, 2, parameterization=p, weight_std=1.2, seed=3) for p in ("ntk", "standard", "mup")
    )
    torch.testing.assert_close(standard(x), ntk(x), rtol=1e-13, atol=1e-14)
    torch.testing.assert_close(mup(x), ntk(x) / math.sqrt(m), rtol=1e-13, atol=1e-14)


def test_pre_activation_variance_matches_sigma_one() -> None:
    # NTK parameterization: Var h¹_i(x) = σ_w² ‖x‖²/d + σ_b² over units (the analytic Σ¹).
    d, m, sw, sb = 5, 20_000, 1.4, 0.3
    model = MLP(d, m, 1, weight_std=sw, bias_std=sb, seed=4)
    x = inputs(1, d)
    h1 = model.layers[0](x)[0]
    assert h1.var().item() == pytest.approx(sw**2 * x.pow(2).sum().item() / d + sb**2, rel=0.03)


def test_leaky_abs_spec_is_an_activation() -> None:
    x = inputs(3, 2)
    leaky = MLP(2, 8, 1, activation=LeakyAbs(0.5, 0.5), seed=5)
    relu = MLP(2, 8, 1, activation="relu", seed=5)
    torch.testing.assert_close(leaky(x), relu(x), rtol=1e-14, atol=1e-15)


def test_seeded_init_is_the_documented_randn_sequence() -> None:
    # W_k (then b_k) of each layer in order, std · randn from one generator seeded with `seed`.
    net = MLP(5, 12, 2, seed=3, parameterization="standard", weight_std=1.3, bias_std=0.2)
    gen = torch.Generator().manual_seed(3)
    for layer, n_in in zip(net.layers, (5, 12, 12)):
        w = torch.randn(layer.weight.shape, generator=gen, dtype=torch.float64)
        assert torch.equal(layer.weight.detach(), 1.3 / n_in**0.5 * w)
        b = torch.randn(layer.bias.shape, generator=gen, dtype=torch.float64)
        assert torch.equal(layer.bias.detach(), 0.2 * b)
