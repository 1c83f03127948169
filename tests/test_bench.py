"""The benchmark's baselines compute the same kernel; its table reports the targets' ratios.

No timing is asserted here (timing belongs to `ntkcheck bench`)."""

from __future__ import annotations

import torch

from ntkcheck.bench import (
    Case,
    Timing,
    attainable_ratio,
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
    assert "tut_jac/auto" in table and "skipped: test" in table and "attainable" in table


def test_attainable_ratio_counts_the_passes_against_the_gram_products():
    # One hidden layer (8 → 4 → 1), N = 2: forward 2·(32 + 4) = 72, backward 1·2·4 = 8,
    # Gram products 4·(4 + 8) + 4·(1 + 4) = 68 multiply-adds.
    assert attainable_ratio(Case(4, 1, 2, 1)) == 1.0 + 80 / 68
    # The passes cost ≈ w/N × the products: large N approaches the floor, large w does not.
    assert (
        attainable_ratio(Case(512, 2, 4096, 1))
        < 1.1
        < 1.9
        < attainable_ratio(Case(1024, 2, 512, 1))
    )
