"""pytest plugin: ``@pytest.mark.ntkcheck_claim("id", size="quick", **setting)`` checks a claim
when the test runs; the test fails with measured vs bound when the claim does not pass (an
unknown id or setting fails it too), whether or not it requests the ``ntk_claim`` fixture,
which gives the test the Verdict.

Loading the plugin imports only pytest: ntkcheck (and torch) load when a marked test runs.
"""

from __future__ import annotations

from typing import Any

import pytest

_RESULT = pytest.StashKey[Any]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ntkcheck_claim(claim_id, size='quick', **setting): check an ntkcheck claim; the test "
        "fails with measured vs bound when it does not pass.",
    )


def _result(item: pytest.Item, marker: pytest.Mark) -> Any:
    """The marker's Verdict, or the exception checking it raised (computed once per test)."""
    if _RESULT not in item.stash:
        from ntkcheck.claims.check import check

        if len(marker.args) != 1:
            item.stash[_RESULT] = TypeError(
                f"ntkcheck_claim takes one claim id, got {marker.args!r}: "
                '@pytest.mark.ntkcheck_claim("terjek.lambda_min.limit", seed=1).'
            )
            return item.stash[_RESULT]
        kwargs = dict(marker.kwargs)
        size = kwargs.pop("size", "quick")
        try:
            item.stash[_RESULT] = check(marker.args[0], kwargs, size=size)
        except Exception as err:  # noqa: BLE001 - raised again when the test is called
            item.stash[_RESULT] = err
    return item.stash[_RESULT]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    marker = item.get_closest_marker("ntkcheck_claim")
    if marker is None:
        return
    result = _result(item, marker)
    if isinstance(result, Exception):
        raise result
    if not result.passed:
        detail = f"\n{result.error}" if result.error else ""
        raise AssertionError(f"{result.summary()}{detail}\nreproduce: {result.command}")


@pytest.fixture
def ntk_claim(request: pytest.FixtureRequest) -> Any:
    """The Verdict of the test's ``ntkcheck_claim`` marker (the test fails first if it does not
    pass), or, without a marker, the ``assert_claim`` function."""
    marker = request.node.get_closest_marker("ntkcheck_claim")
    if marker is None:
        from ntkcheck.testing.assertions import assert_claim

        return assert_claim
    result = _result(request.node, marker)
    return None if isinstance(result, Exception) else result
