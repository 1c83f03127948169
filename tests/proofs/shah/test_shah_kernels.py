"""The flows' eNTK sweeps at init: closed forms, determinism, shapes and foils."""

from __future__ import annotations

import numpy as np
import torch

from ntkcheck.models.flows import UNF
from ntkcheck.proofs.shah.kernels import (
    measure_logdet_kernel,
    measure_ntk_scale,
    unscaled_output,
    width_normalized,
)


def test_unf_ntk_trace_equals_its_closed_form_and_is_deterministic():
    out = measure_ntk_scale(widths=(50, 200), seeds=1, n_points=4, seed=3)
    again = measure_ntk_scale(widths=(50, 200), seeds=1, n_points=4, seed=3)
    np.testing.assert_allclose(out["trace"], again["trace"], rtol=1e-13)  # threads: 1 ulp
    assert out["trace"].shape == (2, 1) and out["trace_ratio"].shape == (1,)
    assert out["larger_width"].tolist() == [200.0]
    net = UNF(-0.5, 50, seed=3).nets[0]
    t = torch.linspace(-0.5, 0.5, 4, dtype=torch.float64)
    active = (net.hidden(t.reshape(-1, 1)) > 0).double()  # (n, m)
    a2 = net.output.weight[0].detach() ** 2
    closed = float((active @ a2 * (1 + t**2)).mean())  # tr Θ/n = mean_t Σ_r a_r² 1[·](1 + t²)
    assert abs(out["trace"][0, 0] - closed) < 1e-12 * closed
    foiled = width_normalized(out)  # Θ/m: the ratio drops by the width ratio 4
    np.testing.assert_allclose(foiled["trace_ratio"], out["trace_ratio"] / 4)


def test_cnf_kernel_shapes_and_the_unscaled_output_foil():
    out = measure_logdet_kernel(widths=(10, 40), seeds=2, n_points=3)
    assert out["trace_logdet"].shape == (2, 2) and out["logdet_ratio"].shape == (1,)
    assert out["map_spread"] >= 1.0 and np.all(out["trace_map_all"] > out["trace_map"])
    foiled = unscaled_output(out)
    assert foiled["logdet_ratio"] == out["logdet_ratio"]
    np.testing.assert_allclose(foiled["trace_map_mean"], out["trace_map_mean"] * [10, 40])
