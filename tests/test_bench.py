"""The benchmark's baselines compute the same kernel; its table reports the targets' ratios.

No timing is asserted here (timing belongs to `ntkcheck bench`)."""

from __future__ import annotations

import pytest
import torch

from ntkcheck.bench import Case, Timing, attainable_ratio, format_table, time_case
from ntkcheck.bench_baselines import (
    gram_floor,
    tutorial_jacobian_contraction,
    tutorial_ntk_vector_products,
)
from ntkcheck.bench_models import ModelCase, build, model_cases
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.kernels.reference import reference_ntk
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
    # The peak is the growth during the timed call: a 4096 × 4096 kernel is 128 MiB.
    big = time_case(Case(16, 1, 4096, 1), "auto", timeout=120)
    assert big.peak_mib is not None and big.peak_mib >= 100, big
    model = time_case(ModelCase("unf", 16, 8), "floor", timeout=120)
    assert model.seconds is not None and model.seconds > 0, model.note
    skipped = Timing(Case(16, 2, 8, 1), "tutorial_jacobian", None, None, "skipped: test")
    table = format_table([timing, skipped, model])
    assert "tut_jac/auto" in table and "skipped: test" in table and "attainable" in table
    assert "jacobian/auto" in table and "unf" in table


SMALL = [ModelCase(c.model, 8, min(c.n, 5)) for c in model_cases(quick=False)]


@pytest.mark.parametrize("case", SMALL, ids=[c.model for c in SMALL])
def test_closed_form_floors_are_the_kernel(case):
    problem = build(case)
    oracle = reference_ntk(problem.module, problem.x) if problem.params is None else None
    kernel = empirical_ntk(problem.module, problem.x, params=problem.params)
    torch.testing.assert_close(problem.floor(), kernel, rtol=1e-10, atol=1e-13)
    if oracle is not None:
        torch.testing.assert_close(problem.floor(), oracle, rtol=1e-10, atol=1e-13)


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
