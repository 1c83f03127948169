"""The shared model draw and GDA run: determinism, independent streams, recorded residuals."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntkcheck.proofs.balaji.common import balaji_problem, gda_run
from ntkcheck.threads import torch_threads


def test_problem_is_deterministic_and_seeds_share_no_draws():
    a, b = balaji_problem(20, 3), balaji_problem(20, 3)
    assert torch.equal(a.W0, b.W0) and torch.equal(a.z, b.z)
    assert torch.equal(a.game.x_bar, b.game.x_bar)
    assert a.W0.shape == (20, 5) and a.z.shape == (1, 5) and a.game.x_bar.shape == (10,)
    # consecutive seeds must not reuse a stream (e.g. z of seed s = first row of W of seed s+1)
    nxt = balaji_problem(20, 4)
    first_row = nxt.W0[0] / nxt.W0[0].norm()
    assert not torch.allclose(a.z[0], first_row)


def test_torch_threads_restores_the_thread_count():
    before = torch.get_num_threads()
    with torch_threads():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_gda_run_records_every_residual_deterministically():
    p = balaji_problem(40, 1)
    a, b = gda_run(p, steps=30, track_spectrum=True), gda_run(p, steps=30, track_spectrum=True)
    assert a.residuals.shape == (31,)
    np.testing.assert_array_equal(a.residuals, b.residuals)
    assert a.residuals[0] == pytest.approx(float(p.game.residual(p.W0).norm()), rel=1e-15)
    assert a.trajectory.observables["sigma_min"].shape == (31,)
    assert a.trajectory.observables["sigma_min"][0] == pytest.approx(a.alpha0, rel=1e-12)
    assert a.mu == pytest.approx(0.1 / a.beta0**2)


def test_tracked_spectrum_is_singular_values_at_each_step():
    p = balaji_problem(40, 2)
    run = gda_run(p, steps=5, track_spectrum=True)
    obs = run.trajectory.observables
    assert (obs["sigma_min"][0], obs["sigma_max"][0]) == (run.alpha0, run.beta0)
    assert obs["sigma_min"].shape == obs["sigma_max"].shape == (6,)
