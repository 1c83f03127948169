"""Every empirical-NTK method against the brute-force oracle, plus the input errors."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from ntkcheck.errors import CrossExampleCouplingError, InvalidInputError, KernelMemoryError
from ntkcheck.kernels.empirical import empirical_ntk, plan_ntk
from ntkcheck.kernels.operator import ntk_operator
from ntkcheck.kernels.reference import reference_ntk
from ntkcheck.models.mlp import MLP

METHODS = ["jacobian", "ntk_vp", "structured", "auto"]
F64 = torch.float64


def _points(n: int, d: int, seed: int) -> torch.Tensor:
    return torch.randn(n, d, dtype=F64, generator=torch.Generator().manual_seed(seed))


def _rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-300))


@given(
    width=st.integers(1, 12),
    depth=st.integers(1, 3),
    activation=st.sampled_from(["relu", "abs", "erf", "tanh"]),
    bias_std=st.sampled_from([0.0, 0.7]),
    out=st.integers(1, 3),
    n1=st.integers(1, 5),
    n2=st.integers(1, 5),
    mode=st.sampled_from(["full", "trace", "diagonal"]),
    parameterization=st.sampled_from(["ntk", "standard", "mup"]),
    seed=st.integers(0, 2**16),
)
def test_methods_match_oracle(
    width, depth, activation, bias_std, out, n1, n2, mode, parameterization, seed
):
    model = MLP(3, width, depth, out, activation, parameterization, 1.3, bias_std, seed=seed)
    x1, x2 = _points(n1, 3, seed), _points(n2, 3, seed + 1)
    ref12, ref11 = reference_ntk(model, x1, x2, mode=mode), reference_ntk(model, x1, mode=mode)
    for method in METHODS:
        for block in (None, 2):
            got = empirical_ntk(model, x1, x2, mode=mode, method=method, block_size=block)
            assert got.shape == ref12.shape
            assert _rel_err(got, ref12) < 1e-10, (method, block)
            sym = empirical_ntk(model, x1, mode=mode, method=method, block_size=block)
            assert _rel_err(sym, ref11) < 1e-10, (method, block)


@pytest.mark.parametrize("method", METHODS)
def test_symmetric_psd_and_modes_consistent(method):
    model = MLP(4, 32, 2, out_features=3, bias_std=0.2, seed=1)
    x = _points(12, 4, 0)
    full = empirical_ntk(model, x, method=method)
    assert full.shape == (12, 12, 3, 3)
    assert torch.equal(full, full.permute(1, 0, 3, 2))
    flat = full.permute(0, 2, 1, 3).reshape(36, 36)
    assert torch.linalg.eigvalsh(flat).min() > -1e-12 * flat.abs().max()
    diag = empirical_ntk(model, x, mode="diagonal", method=method)
    trace = empirical_ntk(model, x, mode="trace", method=method)
    mean = empirical_ntk(model, x, mode="trace", trace="mean", method=method)
    torch.testing.assert_close(diag, torch.diagonal(full, dim1=2, dim2=3), rtol=1e-12, atol=0)
    torch.testing.assert_close(trace, diag.sum(-1), rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(mean, trace / 3, rtol=1e-12, atol=1e-14)


def test_scalar_output_gives_matrix_in_every_mode():
    model, x = MLP(2, 8, 1, seed=0), _points(5, 2, 0)
    kernels = [empirical_ntk(model, x, mode=m) for m in ("full", "trace", "diagonal")]
    assert all(k.shape == (5, 5) for k in kernels)
    torch.testing.assert_close(kernels[0], kernels[1], rtol=1e-13, atol=0)


def test_blocks_equal_untiled():
    model, x = MLP(3, 64, 2, seed=3), _points(23, 3, 1)
    whole = empirical_ntk(model, x, method="structured")
    for block in (1, 5, 8, 23, 100):
        tiled = empirical_ntk(model, x, method="structured", block_size=block)
        torch.testing.assert_close(tiled, whole, rtol=1e-13, atol=0)


def test_fixed_parameters_and_subsets():
    model = MLP(3, 16, 2, seed=0)
    model.layers[0].weight.requires_grad_(False)
    x = _points(6, 3, 0)
    trained = ["layers.1.weight", "layers.2.weight"]
    ref = reference_ntk(
        (
            lambda p, xx: torch.func.functional_call(model, p, (xx,)),
            {k: v for k, v in model.named_parameters()},
        ),
        x,
    )
    sub = empirical_ntk(model, x, params=trained)
    assert _rel_err(empirical_ntk(model, x), sub) < 1e-12
    assert float((sub - ref).abs().max()) > 1e-3  # the frozen layer's share is excluded


def test_function_params_pair_matches_module():
    model, x = MLP(3, 16, 2, out_features=2, seed=0), _points(6, 3, 0)
    pair = (
        lambda p, xx: torch.func.functional_call(model, p, (xx,)),
        dict(model.named_parameters()),
    )
    for method in ("auto", "jacobian", "ntk_vp"):
        assert _rel_err(empirical_ntk(pair, x, method=method), empirical_ntk(model, x)) < 1e-12


def test_auto_plan_is_inspectable_and_structured_for_mlps():
    plan = plan_ntk(MLP(8, 256, 2, seed=0), _points(64, 8, 0))
    assert plan.method == "structured"
    assert set(plan.flops) == {"jacobian", "ntk_vp", "structured"}
    assert plan.flops["structured"] < plan.flops["jacobian"]
    assert plan.reason


def test_auto_picks_ntk_vp_when_jacobian_does_not_fit():
    conv = nn.Sequential(
        nn.Unflatten(1, (1, 64)),
        nn.Conv1d(1, 256, 9),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(256 * 56, 4),
    ).double()
    for p in conv[-1].parameters():
        p.requires_grad_(False)
    x = _points(40, 64, 0)
    plan = plan_ntk(conv, x, memory_budget=2.0e6)
    assert plan.bytes["jacobian"] > 2.0e6
    assert plan.method == "ntk_vp"


def _nan_at(x: torch.Tensor) -> torch.Tensor:
    y = x.clone()
    y[1, 0] = float("nan")
    return y


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m, x: empirical_ntk(m, _nan_at(x)), InvalidInputError, r"non-finite.*\(1, 0\)"),
        (lambda m, x: empirical_ntk(m, x.to(torch.int64)), InvalidInputError, "integer dtype"),
        (lambda m, x: empirical_ntk(m, x.float()), InvalidInputError, "does not cast"),
        (lambda m, x: empirical_ntk(m, x[:, :2]), InvalidInputError, "could not be applied"),
        (lambda m, x: empirical_ntk(m, x, x[:, :2]), InvalidInputError, "example shape"),
        (lambda m, x: empirical_ntk(m, x[:0]), InvalidInputError, "N >= 1"),
        (lambda m, x: empirical_ntk(m, x, method="fast"), InvalidInputError, "`method`"),
        (lambda m, x: empirical_ntk(m, x, mode="diag"), InvalidInputError, "`mode`"),
        (lambda m, x: empirical_ntk(m, x, block_size=0), InvalidInputError, "`block_size`"),
        (lambda m, x: empirical_ntk(m, x, params=["nope"]), InvalidInputError, "valid names"),
        (lambda m, x: empirical_ntk(m, x, params="nope"), InvalidInputError, r"params=\['nope'\]"),
        (
            lambda m, x: empirical_ntk(m, x.repeat(400, 1), memory_budget=1e6),
            KernelMemoryError,
            "mode='trace'.*ntk_operator",
        ),
        (
            lambda m, x: empirical_ntk(m, x.repeat(50, 1), method="jacobian", memory_budget=4e5),
            KernelMemoryError,
            r"block_size=\d+",
        ),
    ],
)
def test_bad_input_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(MLP(3, 32, 2, seed=0), _points(4, 3, 0))


@pytest.mark.parametrize("budget", [-1, 0, float("nan"), float("inf"), "1GB", True])
@pytest.mark.parametrize("fn", [empirical_ntk, plan_ntk])
def test_memory_budget_must_be_a_positive_number_of_bytes(fn, budget):
    with pytest.raises(InvalidInputError, match="`memory_budget` must be a number of bytes > 0"):
        fn(MLP(3, 8, 1, seed=0), _points(4, 3, 0), memory_budget=budget)


class _Pair(nn.Module):
    """Returns (mean, log-variance) heads: not one tensor."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind, self.layer = kind, nn.Linear(3, 2).double()

    def forward(self, x: torch.Tensor):
        y = self.layer(x)
        return (y[:, :1], y[:, 1:]) if self.kind == "tuple" else {"mean": y[:, :1]}


@pytest.mark.parametrize(
    ("kind", "shown"), [("tuple", r"a tuple of \(Tensor, Tensor\)"), ("dict", r"keys \['mean'\]")]
)
@pytest.mark.parametrize("fn", [empirical_ntk, ntk_operator])
def test_model_returning_several_tensors_is_refused_with_the_fix(fn, kind, shown):
    with pytest.raises(InvalidInputError, match=rf"must return one tensor.*{shown}.*Wrap it"):
        fn(_Pair(kind), _points(4, 3, 0))


def test_reference_checks_the_mode():
    with pytest.raises(InvalidInputError, match="`mode`"):
        reference_ntk(MLP(3, 8, 1, seed=0), _points(2, 3, 0), mode="traces")


def test_nonfinite_parameters_rejected():
    model = MLP(3, 8, 1, seed=0)
    with torch.no_grad():
        model.layers[1].weight[0, 0] = float("inf")
    with pytest.raises(InvalidInputError, match="layers.1.weight.*re-initialize"):
        empirical_ntk(model, _points(3, 3, 0))


def test_batchnorm_in_training_mode_rejected_and_eval_accepted():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)).double()
    x = _points(5, 3, 0)
    with pytest.raises(CrossExampleCouplingError, match=r"model\.eval\(\)"):
        empirical_ntk(model, x)
    model.eval()
    assert empirical_ntk(model, x).shape == (5, 5, 1, 1) or empirical_ntk(model, x).shape == (
        5,
        5,
    )


def test_hidden_batch_coupling_detected():
    w = {"w": torch.randn(3, 1, dtype=F64)}

    def centered(p, x):
        h = x @ p["w"]
        return h - h.mean(0)

    with pytest.raises(CrossExampleCouplingError, match="changes with the rest of the batch"):
        empirical_ntk((centered, w), _points(4, 3, 0))


class _MaybeOutside(nn.Module):
    """Same parameters and repr either way; a flag decides whether the weight is used outside
    its layer too. The cached coverage must tell the two apart."""

    def __init__(self, outside: bool) -> None:
        super().__init__()
        self.outside = outside
        self.a, self.b = nn.Linear(4, 4), nn.Linear(4, 1)

    def forward(self, x):
        h = torch.tanh(self.a(x))
        if self.outside:
            h = h + x @ self.a.weight.T
        return self.b(h).squeeze(-1)


def test_coverage_cache_distinguishes_configurations():
    x = _points(5, 4, 0)
    for outside in (False, True, False):
        torch.manual_seed(0)
        model = _MaybeOutside(outside).double()
        assert (
            _rel_err(empirical_ntk(model, x, method="structured"), reference_ntk(model, x)) < 1e-12
        )
