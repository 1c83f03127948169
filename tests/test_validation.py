"""Input checks: non-finite entries are found wherever they are, and only then."""

from __future__ import annotations

import math

import pytest
import torch

from ntkcheck.errors import InvalidInputError
from ntkcheck.validation import check_finite


def test_finite_entries_pass_even_when_their_sum_overflows() -> None:
    check_finite("x", torch.full((3, 3), 1e308, dtype=torch.float64))
    check_finite("x", torch.full((3, 3), -1e308, dtype=torch.float64))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("fill", [0.0, 1e308])
def test_one_non_finite_entry_is_reported_with_its_index(bad: float, fill: float) -> None:
    x = torch.full((4, 5), fill, dtype=torch.float64)
    x[2, 3] = bad
    with pytest.raises(InvalidInputError, match=r"1 non-finite entry .* first at index \(2, 3\)"):
        check_finite("x", x)


def test_infinities_of_both_signs_are_reported() -> None:
    x = torch.zeros(6, dtype=torch.float64)
    x[1], x[4] = math.inf, -math.inf
    with pytest.raises(InvalidInputError, match=r"2 non-finite entries .* first at index \(1,\)"):
        check_finite("x", x)
