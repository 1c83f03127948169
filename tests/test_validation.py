"""Boundary checks: the finiteness check is exact whatever the magnitudes."""

from __future__ import annotations

import math

import pytest
import torch

from ntkcheck.errors import InvalidInputError
from ntkcheck.validation import all_finite, check_finite


@pytest.mark.parametrize(
    ("entries", "dtype"),
    [([1e308, 1e308], torch.float64), ([-1e308, -1e308, 1.0], torch.float64),
     ([3e38, 3e38], torch.float32), ([6e4, 6e4], torch.float16)],
)  # fmt: skip
def test_finite_entries_pass_even_when_their_sum_overflows(entries, dtype):
    x = torch.tensor(entries, dtype=dtype)
    assert not torch.isfinite(x.sum())
    check_finite("x", x)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([1.0, math.nan, 2.0], r"1 non-finite entry .*first at index \(1,\)"),
        ([math.inf, 1.0, -math.inf], r"2 non-finite entries .*first at index \(0,\)"),
        ([1e308, 1e308, math.nan], r"1 non-finite entry .*first at index \(2,\)"),
    ],
)
def test_nonfinite_entries_are_counted_and_located(entries, message):
    with pytest.raises(InvalidInputError, match=message):
        check_finite("x", torch.tensor(entries, dtype=torch.float64))


def test_all_finite_is_exact_when_the_sum_overflows():
    big = torch.full((4, 4), 1e308, dtype=torch.float64)  # finite entries whose sum is inf
    assert all_finite(big) and all_finite(torch.empty(0, dtype=torch.float64))
    for bad in (math.nan, math.inf, -math.inf):
        poisoned = big.clone()
        poisoned[2, 1] = bad
        assert not all_finite(poisoned)
