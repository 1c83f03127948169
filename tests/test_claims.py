"""ONE contract test over the whole registry (built-in papers and any installed plugin): every
claim holds at its quick size on settings drawn by hypothesis, fails under its foil, and draws
its figure; plus the checks that the suite can fail."""

from __future__ import annotations

from ntkcheck.claims import check, get_claim
from ntkcheck.testing import claim_contract

test_contract = claim_contract()


def test_the_suite_can_fail_a_kernel_scaled_by_half(monkeypatch):
    """A deliberately broken library, not a declared foil: every empirical kernel halved at its
    source. The claims that compare the kernel with its analytic limit must then fail."""
    import ntkcheck.kernels.empirical as empirical

    assemble = empirical._assemble
    monkeypatch.setattr(empirical, "_assemble", lambda *a, **k: 0.5 * assemble(*a, **k))
    verdict = check(get_claim("terjek.lambda_min.limit"), size="quick")
    assert verdict.outcome == "fail", verdict.summary()
