"""Step-size regimes: the per-mode blocks of GDA's map and the regime statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntkcheck.dynamics import spectral_radius
from ntkcheck.proofs.balaji.linear import gda_transition, iterate_rate, linear_generator
from ntkcheck.proofs.balaji.regimes import mode_roots, regime_statistics


def test_linear_gda_map_blocks_and_rate():
    gen = linear_generator(4, 9, seed=0)
    eta, mu = 0.5, 0.3 / float(torch.linalg.eigvalsh(gen.A @ gen.A.T)[-1])
    M = gda_transition(gen, eta, mu)
    assert M.shape == (8, 8)
    roots = mode_roots(gen, eta, mu)
    np.testing.assert_allclose(roots["empirical"], roots["formula"], atol=1e-12)
    rho = float(spectral_radius(roots["kappa"], eta, mu).max())
    x0 = np.random.default_rng(0).standard_normal(8)
    assert iterate_rate(M, x0)["rate"] == pytest.approx(rho, rel=1e-6)


def test_regime_statistics_flag_a_wrong_divergence():
    mu_beta = np.array([0.5, 2.0])
    fitted = np.array([[[0.9], [0.95]]])  # (etas, mu_betas, seeds): μβ² = 2 did not diverge
    out = regime_statistics(
        {"fitted": fitted, "predicted": np.full((1, 2, 1), 0.9), "mu_beta": mu_beta}
    )
    np.testing.assert_array_equal(out["divergence_mismatches"], [[[0.0], [1.0]]])
    assert out["rate_error"].shape == (1, 1, 1) and out["rate_error"][0, 0, 0] == 0.0
    np.testing.assert_array_equal(out["mu_beta_convergent"], [0.5])
