"""Sample-quality metrics: Fréchet distance and ring mode coverage."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from ntkcheck.data import load_digits_images, ring_modes
from ntkcheck.errors import InvalidInputError
from ntkcheck.metrics import (
    PCAFeatures,
    frechet_distance,
    frechet_distance_from_samples,
    ring_quality,
)


def test_frechet_distance_to_itself_and_shifted():
    x = np.random.default_rng(0).normal(size=(500, 6))
    assert abs(frechet_distance_from_samples(x, x)) < 1e-9
    shift = np.full(6, 0.5)
    assert frechet_distance_from_samples(x, x + shift) == pytest.approx(6 * 0.25, rel=1e-9)
    assert frechet_distance_from_samples(x, 2 * x) > 1.0


def test_frechet_distance_closed_forms():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.diag([1.0, 4.0, 9.0]), np.diag([4.0, 1.0, 0.25])
    expected = 5.0 + (1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 0.5) ** 2
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-12)
    # general covariances: tr √(Σ1Σ2) = Σ √λ(Σ1^{1/2} Σ2 Σ1^{1/2}) (a symmetric PSD oracle)
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    s1, s2 = a @ a.T, b @ b.T
    r1 = scipy.linalg.sqrtm(s1).real
    oracle = np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.linalg.eigvalsh(r1 @ s2 @ r1)).sum()
    assert frechet_distance(np.zeros(5), s1, np.zeros(5), s2) == pytest.approx(oracle, rel=1e-9)


def test_frechet_distance_singular_covariances():
    digits = load_digits_images().numpy()  # border pixels are constant: singular covariance
    assert abs(frechet_distance_from_samples(digits, digits)) < 1e-6
    half = frechet_distance_from_samples(digits[::2], digits[1::2])
    assert 0 < half < frechet_distance_from_samples(digits, np.clip(digits + 0.5, -1, 1))
    pca = PCAFeatures.fit(digits, n_components=20)
    assert pca(digits).shape == (1797, 20)
    assert abs(frechet_distance_from_samples(pca(digits), pca(digits))) < 1e-9


def test_ring_quality_hand_made_samples():
    modes = ring_modes(8, 2.0)
    std = 0.02
    samples = np.concatenate(
        [
            modes[0] + [[0.0, 0.0], [0.01, 0.0], [0.0, -0.05]],  # 3 high quality at mode 0
            modes[[3]] + [[0.059, 0.0]],  # just inside 3σ = 0.06 of mode 3
            modes[[5]] + [[0.061, 0.0]],  # just outside: low quality, mode 5 not captured
            [[0.0, 0.0]],  # the centre: far from every mode
        ]
    )
    q = ring_quality(samples, modes, std)
    assert q.counts == (3, 0, 0, 1, 0, 0, 0, 0)
    assert q.modes_covered == 2
    assert q.high_quality_fraction == pytest.approx(4 / 6)
    assert ring_quality(samples, modes, std, min_count=2).modes_covered == 1


def test_errors_name_the_argument():
    x = np.zeros((10, 3))
    with pytest.raises(InvalidInputError, match=r"Shapes do not match: mu1 \(3,\)"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(InvalidInputError, match=r"`y` has 1 non-finite entries"):
        frechet_distance_from_samples(x, np.where(np.arange(30).reshape(10, 3) == 4, np.nan, x))
    with pytest.raises(InvalidInputError, match=r"`x` must be a numeric \(N, D\) array"):
        frechet_distance_from_samples(np.zeros(5), x)
    with pytest.raises(InvalidInputError, match=r"`n_components`=20 exceeds min\(N, D\) = 3"):
        PCAFeatures.fit(x, n_components=20)
    with pytest.raises(InvalidInputError, match=r"`std` and `n_std` must be finite and > 0"):
        ring_quality(np.zeros((4, 2)), ring_modes(), std=0.0)
    with pytest.raises(InvalidInputError, match=r"`samples` are 3-D but `modes` are 2-D"):
        ring_quality(np.zeros((4, 3)), ring_modes(), std=0.02)
