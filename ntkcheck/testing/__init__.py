"""Assertions for a researcher's own test suite: a paper's bound in CI in three lines.

    from ntkcheck.testing import assert_claim
    def test_my_wide_net_is_in_the_ntk_regime():
        assert_claim("terjek.lambda_min.limit")

``claim_contract("mypaper")`` gives a paper package the contract test of all its claims. The
pytest plugin (``ntkcheck.testing.plugin``, auto-loaded through the ``pytest11`` entry point)
adds the ``ntkcheck_claim`` marker and the ``ntk_claim`` fixture. Names load lazily, so the
plugin does not import torch until a claim is checked.
"""

from ntkcheck import _lazy

_EXPORTS = {
    "assert_claim": "ntkcheck.testing.assertions",
    "assert_lambda_min_positive": "ntkcheck.testing.assertions",
    "assert_lazy": "ntkcheck.testing.assertions",
    "claim_contract": "ntkcheck.testing.contract",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = _lazy.lazy_exports(__name__, globals(), _EXPORTS)
