"""Assertions for a researcher's own test suite: a paper's bound in CI in three lines.

    from ntkcheck.testing import assert_claim
    def test_my_wide_net_is_in_the_ntk_regime():
        assert_claim("terjek.lambda_min.limit")

The pytest plugin (``ntkcheck.testing.plugin``, auto-loaded through the ``pytest11`` entry point)
adds the ``ntkcheck_claim`` marker and the ``ntk_claim`` fixture.
"""

from ntkcheck.testing.assertions import (
    assert_claim,
    assert_lambda_min_positive,
    assert_lazy,
)

__all__ = ["assert_claim", "assert_lambda_min_positive", "assert_lazy"]
