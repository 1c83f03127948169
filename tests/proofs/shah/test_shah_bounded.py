"""The bounded-change exploration: the ball constraint and the CNF projection both hold."""

from __future__ import annotations

import numpy as np

from ntkcheck.proofs.shah.bounded import cnf_bounded_change


def test_bounded_change_stays_in_the_ball_and_keeps_the_projection():
    out = cnf_bounded_change((4, 8), (0.01, 10.0), 1, n=30, steps=5)
    assert out["best_nll"].shape == (2, 2, 1) and out["radius"].tolist() == [0.01, 10.0]
    assert np.all(out["distance"][:, 0] <= 0.01 + 1e-12)
    assert np.all(out["best_nll"] <= out["final_nll"])
