"""GDA on the mean-matching game: the fitted rate, the k < m floor, the envelope's statistic."""

from __future__ import annotations

import numpy as np
import pytest

from ntkcheck.proofs.balaji.gda import (
    convergence_statistics,
    envelope_statistics,
    fitted_rate,
    measure_floor,
    slower_decay,
)


def test_fitted_rate_recovers_a_geometric_sequence():
    residuals = 3.0 * 0.9 ** np.arange(400)
    assert fitted_rate(residuals) == pytest.approx(0.9, rel=1e-12)
    assert np.isnan(fitted_rate(np.ones(10)))  # never enters the window


def test_slower_decay_takes_the_fifth_root_of_the_rate():
    measured = {
        "residuals": 3.0 * 0.9 ** np.arange(400)[None],
        "mu": np.ones(1),
        "alpha": np.ones(1),
    }
    slow = slower_decay(measured, convergence_statistics)
    assert slow["rate"][0] == pytest.approx(0.9**0.2, rel=1e-12)
    assert slow["residuals"][0, 0] == 3.0


def test_envelope_constant_of_an_exact_geometric_decay_is_one():
    res = 2.0 * 0.95 ** np.arange(300)
    out = envelope_statistics({"residuals": res[None], "rho_star": np.array([0.95])})
    assert out["C_max"][0] == pytest.approx(1.0, rel=1e-12)


def test_underparameterized_residual_never_goes_below_the_unreachable_part():
    out = measure_floor(k=3, steps=200, seeds=1)
    assert out["residuals"].shape == (1, 201)
    assert out["min_ratio"][0] >= 1 - 1e-12
