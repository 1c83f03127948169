"""The structured eNTK path on the ways weights enter a model: reused and tied layers, raw
parameter products, layers applied along extra axes, and what must fall back."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from _structured import forced_structured
from torch import nn

from ntkcheck.kernels import structured
from ntkcheck.kernels.coverage import dense_coverage
from ntkcheck.kernels.empirical import empirical_ntk, plan_ntk
from ntkcheck.kernels.reference import reference_ntk
from ntkcheck.kernels.signals import output_reach
from ntkcheck.kernels.uses import record_uses
from ntkcheck.models import MLP, UNF
from ntkcheck.models.functional import functionalize

F64 = torch.float64


def _points(n: int, d: int, seed: int) -> torch.Tensor:
    return torch.randn(n, d, dtype=F64, generator=torch.Generator().manual_seed(seed))


class _UsedTwice(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(4, 4), nn.Linear(4, 2)

    def forward(self, x):
        return self.b(torch.tanh(self.a(torch.tanh(self.a(x)))))


class _Tied(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.c, self.b = nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 1)
        self.c.weight = self.a.weight

    def forward(self, x):
        return self.b(torch.tanh(self.c(torch.tanh(self.a(x))))).squeeze(-1)


class _ProductOutsideLayer(nn.Module):
    """The layer's weight also enters a raw product: both uses are recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(4, 4), nn.Linear(4, 1)

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)) + x @ self.a.weight.T).squeeze(-1)


class _ElementwiseOutsideLayer(nn.Module):
    """The weight also enters elementwise: no product to record, so it falls back."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(4, 4), nn.Linear(4, 1)

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)) * self.a.weight.diagonal()).squeeze(-1)


class _ConvThenLinear(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv, self.lin = nn.Conv1d(1, 3, 3), nn.Linear(6, 2)
        self.scale = nn.Parameter(torch.tensor(1.3))

    def forward(self, x):
        return self.lin(torch.tanh(self.conv(x.unsqueeze(1))).flatten(1)) * self.scale


class _LinearOnTokens(nn.Module):
    """A layer applied along an extra (token) axis: (N, 2, 2) inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.tok, self.out = nn.Linear(2, 3), nn.Linear(6, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.tok(x.view(-1, 2, 2))).flatten(1)).squeeze(-1)


class _RawGenerator(nn.Module):
    """tanh(z @ W.T) @ V.T with a trainable raw W and a fixed V (a buffer)."""

    def __init__(self) -> None:
        super().__init__()
        self.W = nn.Parameter(torch.randn(6, 4))
        self.register_buffer("V", torch.randn(3, 6) / 6**0.5)

    def forward(self, z):
        return torch.tanh(z @ self.W.T) @ self.V.T


class _RawStoredInOut(nn.Module):
    """Weights stored (in, out) (x @ W), F.linear with a raw bias, a vector read-out (h @ a)."""

    def __init__(self) -> None:
        super().__init__()
        self.W = nn.Parameter(torch.randn(4, 5))
        self.U = nn.Parameter(torch.randn(5, 5))
        self.c = nn.Parameter(torch.randn(5))
        self.a = nn.Parameter(torch.randn(5))

    def forward(self, x):
        h = torch.relu(x @ self.W)
        return torch.tanh(F.linear(h, self.U, self.c)) @ self.a


class _LeftProduct(nn.Module):
    """W @ xᵀ puts the batch last: not a recordable use, so W falls back."""

    def __init__(self) -> None:
        super().__init__()
        self.W = nn.Parameter(torch.randn(3, 4))
        self.b = nn.Linear(3, 1)

    def forward(self, x):
        return self.b(torch.tanh(self.W @ x.T).T).squeeze(-1)


class _FlippedBatch(nn.Module):
    """Per-example outputs, but the layer sees the batch reversed: its row 0 is another example,
    which only the probe's row-locality check can tell."""

    def __init__(self) -> None:
        super().__init__()
        self.lin, self.out = nn.Linear(4, 4), nn.Linear(4, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.lin(x.flip(0))).flip(0)).squeeze(-1)


class _StackedHeads(nn.Module):
    """Two heads on a shared layer, stacked as the outputs: each head reaches one output."""

    def __init__(self) -> None:
        super().__init__()
        self.shared, self.h0, self.h1 = nn.Linear(4, 5), nn.Linear(5, 1), nn.Linear(5, 1)

    def forward(self, x):
        h = torch.tanh(self.shared(x))
        return torch.stack([self.h0(h)[:, 0], torch.tanh(self.h1(h))[:, 0]], dim=1)


class _InterleavedHeads(nn.Module):
    """Columns 0 and 2 call one head, column 1 another: the shared layer's signals come from
    two groups of outputs whose indices interleave."""

    def __init__(self) -> None:
        super().__init__()
        self.shared, self.h0, self.h1 = nn.Linear(4, 5), nn.Linear(5, 1), nn.Linear(5, 1)

    def forward(self, x):
        h = torch.tanh(self.shared(x))
        columns = [self.h0(h)[:, 0], self.h1(h)[:, 0], torch.sin(self.h0(h))[:, 0]]
        return torch.stack(columns, dim=-1)


@pytest.mark.parametrize(
    ("cls", "fallback"),
    [
        (_UsedTwice, ()),
        (_Tied, ()),
        (_ProductOutsideLayer, ()),
        (_ElementwiseOutsideLayer, ("a.weight",)),
        (_ConvThenLinear, ("scale", "conv.weight", "conv.bias")),
        (_LinearOnTokens, ()),
        (_RawGenerator, ()),
        (_RawStoredInOut, ()),
        (_LeftProduct, ("W",)),
        (_FlippedBatch, ("lin.weight", "lin.bias")),
        (_StackedHeads, ()),
        (_InterleavedHeads, ()),
    ],
)
def test_structured_covers_every_product_and_falls_back_on_the_rest(cls, fallback):
    torch.manual_seed(0)
    model = cls().double()
    x1, x2 = _points(5, 4, 0), _points(3, 4, 1)
    assert set(plan_ntk(model, x1).coverage.fallback) == set(fallback)
    _assert_structured_is_the_oracle(model, x1, x2, ("full", "trace", "diagonal"))


def _assert_structured_is_the_oracle(model, x1, x2, modes) -> None:
    """The structured kernel, automatic and with every group forced to cross terms or to summed
    Jacobians, equals the brute-force reference in each mode."""
    for mode in modes:
        ref = reference_ntk(model, x1, x2, mode=mode)
        got = empirical_ntk(model, x1, x2, mode=mode, method="structured")
        torch.testing.assert_close(got, ref, rtol=1e-12, atol=1e-13)
        for summed in (False, True):
            forced = forced_structured(model, x1, x2, mode, summed)
            torch.testing.assert_close(forced, ref, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("cls", [_UsedTwice, _Tied, _ElementwiseOutsideLayer, _LinearOnTokens,
                                 _RawStoredInOut, _InterleavedHeads])  # fmt: skip
@pytest.mark.parametrize("rows", [1, 2])
def test_features_joined_from_row_chunks_equal_the_oracle(cls, rows, monkeypatch):
    torch.manual_seed(0)
    model = cls().double()
    x1, x2 = _points(5, 4, 0), _points(3, 4, 1)
    per_example = plan_ntk(model, x1).coverage.activation_bytes
    monkeypatch.setattr(structured, "_CHUNK_BYTES", rows * max(per_example, 1.0))
    _assert_structured_is_the_oracle(model, x1, x2, ("full", "diagonal"))


def test_planner_sums_weights_used_at_many_positions_and_not_dense_layers():
    unf, t = UNF(0.0, 64, seed=0), 0.05 + 0.9 * torch.rand(40, 1, dtype=F64)
    plan = plan_ntk(unf, t)
    assert plan.method == "structured"
    assert plan.coverage.sizes["nets.0.hidden"] == (1, 64, 50)  # one call at 50 nodes
    assert plan.summed == {"nets.0.hidden.weight", "nets.0.hidden.bias"}
    mlp_plan = plan_ntk(MLP(8, 256, 2, seed=0), _points(64, 8, 0))
    assert mlp_plan.method == "structured" and not mlp_plan.summed


def test_tiny_problems_skip_the_timed_probe():
    plan = plan_ntk(MLP(3, 8, 1, seed=0), _points(6, 3, 0))
    assert plan.probe_seconds == {}


def test_stacked_outputs_reach_only_their_own_uses():
    torch.manual_seed(0)
    model, x = _StackedHeads().double(), _points(6, 4, 0)
    fm = functionalize(model)
    cov = dense_coverage(fm, x)
    params = {k: v.detach().requires_grad_() for k, v in fm.params.items()}
    rec = record_uses(fm, cov.modules, cov.raw, x, params)
    groups = [r.group for r in rec.records]
    reach = [{groups[i] for i in reached} for reached in output_reach(rec.out, rec.records)]
    assert reach == [{"shared", "h0"}, {"shared", "h1"}]
    # Any other output structure: every output conservatively reaches every use.
    both = {"shared", "h0", "h1"}
    assert [{groups[i] for i in r} for r in output_reach(rec.out * 1.0, rec.records)] == [
        both,
        both,
    ]
