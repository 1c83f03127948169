"""The GAN width study's training (train_gan) and its configuration."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ntkcheck.dynamics import GANConfig, train_gan
from ntkcheck.errors import InvalidInputError


@pytest.mark.parametrize(
    "dataset,options",
    [
        ("ring", {}),
        ("ring", {"loss": "wgan-gp", "d_steps": 2}),
        ("digits", {}),
        ("digits", {"arch": "dcgan"}),
        ("digits", {"arch": "dcgan", "loss": "wgan-gp"}),
    ],
)
def test_train_gan_runs_a_few_steps(dataset, options):
    h = train_gan(dataset, 1, steps=4, eval_every=2, n_eval=64, batch_size=16, **options)
    assert h.diverged_at is None
    assert len(h.d_loss) == len(h.g_loss) == 4
    assert all(math.isfinite(v) for v in h.d_loss + h.g_loss)
    assert h.eval_steps == [0, 2, 4]
    ring_keys = {"modes_covered", "modes_covered_1pct", "high_quality_fraction"}
    assert set(h.metrics) == (ring_keys if dataset == "ring" else {"fd_pca20", "fd_pixels"})
    assert len(h.mode_counts) == (3 if dataset == "ring" else 0)
    assert all(len(v) == 3 and all(math.isfinite(x) for x in v) for v in h.metrics.values())
    assert h.final_samples.shape == (64, 2 if dataset == "ring" else 64)
    assert h.to_dict()["config"]["k"] == 1


def test_train_gan_is_deterministic_and_restores_threads():
    threads = torch.get_num_threads()
    a = train_gan("ring", 2, steps=10, eval_every=5, n_eval=100, seed=3)
    b = train_gan("ring", 2, steps=10, eval_every=5, n_eval=100, seed=3)
    c = train_gan("ring", 2, steps=10, eval_every=5, n_eval=100, seed=4)
    assert a.d_loss == b.d_loss and a.g_loss == b.g_loss and a.metrics == b.metrics
    assert np.array_equal(a.final_samples, b.final_samples)
    assert a.d_loss != c.d_loss
    assert torch.get_num_threads() == threads


def test_train_gan_does_not_touch_global_rng():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train_gan("digits", 1, arch="dcgan", steps=2, eval_every=2, n_eval=16, batch_size=8)
    assert torch.equal(torch.rand(3), expected)


def test_train_gan_reports_divergence():
    with pytest.warns(RuntimeWarning, match=r"diverged at step \d+: the \w+ loss is (nan|inf)"):
        h = train_gan("ring", 1, lr=1e6, steps=50, eval_every=10, n_eval=50)
    assert h.diverged_at is not None and not math.isfinite(h.diverged_loss)
    assert len(h.d_loss) == h.diverged_at - 1
    assert h.to_dict()["diverged_at"] == h.diverged_at


def test_errors_name_the_option():
    with pytest.raises(InvalidInputError, match=r"`dataset` must be one of .* got 'mnist'"):
        train_gan("mnist")
    with pytest.raises(InvalidInputError, match=r"arch='dcgan' is built for 8×8 images"):
        train_gan("ring", 1, arch="dcgan")
    assert GANConfig() == GANConfig.for_dataset("ring")
    with pytest.raises(InvalidInputError, match=r"`lr` must be a finite number > 0, got -0.1"):
        GANConfig.for_dataset("ring", lr=-0.1)
    with pytest.raises(InvalidInputError, match=r"Unknown option\(s\) \['learning_rate'\]"):
        train_gan("ring", 1, learning_rate=1e-3)
    with pytest.raises(InvalidInputError, match=r"`loss` must be one of .* got 'hinge'"):
        GANConfig(loss="hinge")
    with pytest.raises(InvalidInputError, match=r"`adam_betas` must be two numbers in \[0, 1\)"):
        GANConfig(adam_betas=(0.5, 1.5))
    with pytest.raises(InvalidInputError, match=r"`k` must be an integer >= 1, got 0"):
        train_gan("ring", 0)


@pytest.mark.slow
def test_reduced_width_study_direction():
    """One seed of the claim's default sizes: wider is better on both data sets (≈ 20 s)."""
    ring = [train_gan("ring", k, seed=0) for k in (1, 8)]
    hq = [h.metrics["high_quality_fraction"][-1] for h in ring]
    assert hq[1] > hq[0]
    digits = [train_gan("digits", k, seed=0) for k in (1, 8)]
    fd = [h.metrics["fd_pca20"][-1] for h in digits]
    assert fd[1] < fd[0]
