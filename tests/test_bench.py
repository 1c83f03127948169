"""The benchmark's baselines compute the same kernel; its table reports the targets' ratios.

No timing is asserted here (timing belongs to `ntkcheck bench`)."""

from __future__ import annotations

import torch

from ntkcheck.bench import (
    Case,
    Timing,
    format_table,
    gram_floor,
    time_case,
    tutorial_jacobian_contraction,
    tutorial_ntk_vector_products,
)
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.models.mlp import MLP


def test_tutorial_baselines_compute_the_same_kernel():
    model = MLP(3, 16, 2, out_features=2, seed=0)
    x1 = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x2 = torch.randn(4, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    ours = empirical_ntk(model, x1, x2)
    torch.testing.assert_close(tutorial_jacobian_contraction(model, x1, x2), ours)
    torch.testing.assert_close(tutorial_ntk_vector_products(model, x1, x2), ours)


def test_floor_runs_on_the_structured_features():
    gram_floor(MLP(3, 16, 2, seed=0), torch.randn(6, 3, dtype=torch.float64))()


def test_subprocess_case_and_table():
    timing = time_case(Case(16, 2, 8, 1), "auto", timeout=120)
    assert timing.seconds is not None and timing.seconds > 0, timing.note
    skipped = Timing(Case(16, 2, 8, 1), "tutorial_jacobian", None, None, "skipped: test")
    table = format_table([timing, skipped])
    assert "tut_jac/auto" in table and "skipped: test" in table
