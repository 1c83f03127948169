"""Critical step sizes and the transfer sweep."""

from __future__ import annotations

import numpy as np

from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.proofs.terjek.common import mlp, sphere_data
from ntkcheck.proofs.terjek.transfer import critical_lr, is_monotone, transfer_sweep


def test_critical_lr_brackets_two_over_lambda_max():
    x, y = sphere_data(8, 4, seed=0)

    def make():
        return mlp(4, 256, 1, seed=5)

    lam = float(np.linalg.eigvalsh(empirical_ntk(make(), x).numpy() / 8)[-1])
    assert is_monotone(make, x, y, 1.0 / lam, 60)
    assert not is_monotone(make, x, y, 4.0 / lam, 60)
    eta = critical_lr(make, x, y, lambda_max=lam, steps=100, iterations=4)
    assert 1.5 < eta * lam < 2.5


def test_transfer_sweep_shapes():
    out = transfer_sweep((32, 64), 2, 1, 6, 3, 0, steps_per_kappa=2)
    assert out["log_gap"].shape == out["loss_ratio"].shape == (2, 2)
    assert out["inf_curves"].shape == (2, 2, out["steps"] + 1)
