"""pytest plugin: ``@pytest.mark.ntkcheck_claim("id", **setting)`` checks a claim before the
test body runs (the test receives the Verdict through the ``ntk_claim`` fixture)."""

from __future__ import annotations

from typing import Any

import pytest

from ntkcheck.check import Verdict
from ntkcheck.testing.assertions import assert_claim


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ntkcheck_claim(claim_id, size='quick', **setting): check an ntkcheck claim; the test "
        "fails with measured vs bound when it does not hold.",
    )


@pytest.fixture
def ntk_claim(request: pytest.FixtureRequest) -> Verdict | Any:
    """The Verdict of the test's ``ntkcheck_claim`` marker, or the ``assert_claim`` function."""
    marker = request.node.get_closest_marker("ntkcheck_claim")
    if marker is None:
        return assert_claim
    (claim_id,) = marker.args
    return assert_claim(claim_id, **marker.kwargs)
