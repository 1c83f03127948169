"""The laziness slope of GDA's relative change in W against the width."""

from __future__ import annotations

import numpy as np
import pytest

from ntkcheck.proofs.balaji.lazy import lazy_statistics, not_lazy


def test_lazy_statistics_recover_a_power_law_and_the_foil_flattens_it():
    widths = np.array([160.0, 320.0, 640.0])
    rel = 2.0 * widths[:, None] ** -0.5 * np.array([[1.0, 1.1, 0.9]])
    stats = lazy_statistics(widths, rel)
    assert stats["slope"] == pytest.approx(-0.5, abs=1e-12)
    assert stats["slope_geometric"] == pytest.approx(-0.5, abs=1e-12)
    assert stats["slope_lo"] <= stats["slope"] <= stats["slope_hi"]
    flat = not_lazy({"width": widths, "relative_change": rel})
    assert flat["slope"] == pytest.approx(0.0, abs=1e-12)
