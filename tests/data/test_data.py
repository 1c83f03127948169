"""Data of the flow experiments (laws and supports of the generators, split, preprocessing) and
of the GAN width study."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from ntkcheck.data import (
    BallScaling,
    ZScore,
    checkerboard,
    load_digits_images,
    mog1d,
    mog5d,
    ring_modes,
    sample_ring,
    smooth_target,
    sphere_points,
    three_bumps,
    train_test_split,
)
from ntkcheck.data.gan import ring_sampler
from ntkcheck.errors import InvalidInputError
from ntkcheck.metrics import ring_quality

F64 = torch.float64
GENERATORS = {"mog1d": (mog1d, 1), "three_bumps": (three_bumps, 1),
              "checkerboard": (checkerboard, 2), "mog5d": (mog5d, 5)}  # fmt: skip
N = 40000  # moments below hold to ≈ 4 standard errors at this size


@given(name=st.sampled_from(sorted(GENERATORS)), n=st.integers(1, 50), seed=st.integers(0, 2**32))
def test_generators_are_seeded_float64(name: str, n: int, seed: int) -> None:
    generate, d = GENERATORS[name]
    x = generate(n, seed)
    assert x.shape == (n, d) and x.dtype == F64
    assert torch.equal(x, generate(n, seed))


def test_generators_differ_across_seeds() -> None:
    for generate, _ in GENERATORS.values():
        assert not torch.equal(generate(10, 0), generate(10, 1))


def test_mog1d_law() -> None:
    x = mog1d(N, seed=0)[:, 0]
    assert abs(float(x.mean())) < 0.06
    assert float(x.std()) == pytest.approx(math.sqrt(1 + 2.5**2), rel=0.02)
    assert float((x > 0).double().mean()) == pytest.approx(0.5, abs=0.01)
    right = x[x > 0]  # the right component, truncated at 0 (both leaks are ≈ 0.6% of its mass)
    assert float(right.mean()) == pytest.approx(2.5, abs=0.05)


def test_three_bumps_law_and_support() -> None:
    x = three_bumps(N, seed=0)[:, 0]
    assert bool(((x > -1) & (x < 1)).all())
    parts = [x[x < -0.5], x[(x > -0.4) & (x < 0.4)], x[x > 0.5]]
    assert sum(len(p) for p in parts) == N  # bumps on (−1, −0.52), (−0.38, 0.38), (0.52, 1)
    for part, weight, center, sd in zip(parts, (0.25, 0.5, 0.25), (-0.76, 0, 0.76),
                                        (0.24 / 5**0.5, 0.38 / 3, 0.24 / 5**0.5)):  # fmt: skip
        assert len(part) / N == pytest.approx(weight, abs=0.01)
        assert float(part.mean()) == pytest.approx(center, abs=0.005)
        assert float(part.std()) == pytest.approx(sd, rel=0.03)


def test_checkerboard_fills_only_even_cells() -> None:
    x = checkerboard(N, seed=0)
    assert bool(((x >= 0) & (x < 4)).all())
    cell = x.floor().long()
    assert bool(((cell[:, 0] + cell[:, 1]) % 2 == 0).all())
    counts = torch.bincount(cell[:, 0] * 4 + cell[:, 1], minlength=16)
    filled = [4 * i + j for i in range(4) for j in range(4) if (i + j) % 2 == 0]
    assert len(filled) == 8
    torch.testing.assert_close(counts[filled].double() / N, torch.full((8,), 1 / 8, dtype=F64),
                               rtol=0, atol=0.01)  # fmt: skip


def test_mog5d_components() -> None:
    x = mog5d(N, seed=0)
    centers = torch.cat([torch.eye(5, dtype=F64), -torch.eye(5, dtype=F64)])
    nearest = torch.cdist(x, centers).argmin(1)
    counts = torch.bincount(nearest, minlength=10).double() / N
    torch.testing.assert_close(counts, torch.full((10,), 0.1, dtype=F64), rtol=0, atol=0.01)
    residual = x - centers[nearest]
    assert float(residual.std()) == pytest.approx(0.22, rel=0.03)
    assert float(x.std(0).mean()) == pytest.approx(math.sqrt(0.2 + 0.22**2), rel=0.02)


# --- split and preprocessing -------------------------------------------------------------------


def test_split_is_a_seeded_partition() -> None:
    x = torch.arange(50, dtype=F64).reshape(-1, 1)
    train, test = train_test_split(x, seed=3)
    assert train.shape == (45, 1) and test.shape == (5, 1)
    assert sorted(torch.cat([train, test])[:, 0].tolist()) == list(range(50))
    again = train_test_split(x, seed=3)
    assert torch.equal(train, again[0]) and torch.equal(test, again[1])
    assert not torch.equal(test, train_test_split(x, seed=4)[1])


def test_zscore_is_fit_on_train_and_applied_to_test() -> None:
    train, test = train_test_split(mog1d(500, seed=0), seed=0)
    zscore = ZScore.fit(train)
    scaled = zscore(train)
    assert abs(float(scaled.mean())) < 1e-12
    assert float(scaled.std(correction=0)) == pytest.approx(1, abs=1e-12)
    torch.testing.assert_close(zscore(test), (test - train.mean(0)) / train.std(0, correction=0))


def test_ball_scaling_uses_one_scale_and_no_centering() -> None:
    train, test = train_test_split(checkerboard(300, seed=0) + 1.0, seed=0)
    scaling = BallScaling.fit(train)
    assert float(torch.linalg.vector_norm(scaling(train), dim=1).max()) == pytest.approx(0.5)
    torch.testing.assert_close(scaling(test), test * scaling.scale, rtol=0, atol=0)
    assert float(scaling(train).mean()) > 0.2  # not centered: the data stay off the origin


def test_data_errors() -> None:
    with pytest.raises(InvalidInputError, match="`n` must be an integer >= 1, got 0"):
        mog1d(0, seed=0)
    with pytest.raises(InvalidInputError, match="`seed` must be an integer"):
        checkerboard(10, seed=None)
    with pytest.raises(InvalidInputError, match="N >= 1 examples"):
        ZScore.fit(torch.zeros(0, 1, dtype=F64))
    with pytest.raises(InvalidInputError, match="has 1 point.*at least 2"):
        BallScaling.fit(torch.ones(1, 1, dtype=F64))
    with pytest.raises(InvalidInputError, match="non-finite"):
        train_test_split(torch.tensor([[0.0], [float("nan")], [1.0]], dtype=F64), seed=0)
    with pytest.raises(InvalidInputError, match=r"shape \(N, d\).*reshape\(-1, 1\)"):
        ZScore.fit(torch.zeros(5, dtype=F64))
    with pytest.raises(InvalidInputError, match="leaves 0 test.*N >= 10"):
        train_test_split(torch.zeros(5, 1, dtype=F64), seed=0)
    with pytest.raises(InvalidInputError, match="Coordinate 1 of `x` is constant"):
        ZScore.fit(torch.tensor([[0.0, 1.0], [1.0, 1.0]], dtype=F64))
    with pytest.raises(InvalidInputError, match="`test_fraction` must be a number in"):
        train_test_split(torch.zeros(20, 1, dtype=F64), seed=0, test_fraction=1.5)


_X = torch.randn(20, 2, dtype=F64, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: sphere_points(5, 3, None), r"`seed` must be an integer >= 0, got None"),
        (lambda: sphere_points(5, 3, -1), r"`seed` must be an integer >= 0, got -1"),
        (lambda: sphere_points(5, 3, 1.5), r"`seed` must be an integer >= 0, got 1\.5"),
        (lambda: sphere_points(5, 3, 0, max_tries=1.5), r"`max_tries` must be an integer >= 1"),
        (lambda: sphere_points(5, 3, 0, max_tries=0), r"`max_tries` must be an integer >= 1"),
        (lambda: sphere_points(5, 3, 0, min_angle_deg="5"), r"`min_angle_deg` must be a number"),
        (lambda: smooth_target(torch.ones(3, dtype=F64)), r"`x` must have shape \(n, d\)"),
        (lambda: smooth_target([[1.0, 2.0]]), r"`x` must be a torch\.Tensor"),
        (lambda: smooth_target(_X, math.nan), r"`frequency` must be a finite number, got nan"),
        (lambda: mog1d(5, -1), r"`seed` must be an integer >= 0, got -1"),
        (lambda: train_test_split(_X, -1), r"`seed` must be an integer >= 0, got -1"),
        (lambda: train_test_split(_X, 0, test_fraction="0.1"), r"`test_fraction` must be a"),
        (lambda: BallScaling.fit(_X, radius=math.inf), r"`radius` must be a finite number > 0"),
        (lambda: BallScaling.fit(_X, radius="1"), r"`radius` must be a finite number > 0"),
        (lambda: ZScore.fit(_X[:, :1])(_X), r"`x` has d = 2 coordinates but this ZScore was fit"),
    ],
)
def test_bad_arguments_are_refused_not_cast_or_broadcast(call, match) -> None:
    with pytest.raises(InvalidInputError, match=match):
        call()


def test_zscore_applies_to_a_single_point() -> None:
    zscore = ZScore.fit(_X)
    torch.testing.assert_close(zscore(_X[:1]), zscore(_X)[:1])


def test_legacy_shuffle_is_the_reference_read_dataset() -> None:
    """Whole-file z-score, np.random.seed(seed); np.random.shuffle(data), first 10% test."""
    raw = checkerboard(250, seed=1)
    data = raw.numpy().copy()
    data = (data - data.mean(axis=0)) / data.std(axis=0)
    np.random.seed(18)  # noqa: NPY002 - the reference code is the oracle
    np.random.shuffle(data)  # noqa: NPY002
    expected_train, expected_test = data[25:], data[:25]
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    train, test = train_test_split(ZScore.fit(raw)(raw), 18, shuffle="legacy")
    np.testing.assert_allclose(train.numpy(), expected_train, rtol=0, atol=1e-14)
    np.testing.assert_allclose(test.numpy(), expected_test, rtol=0, atol=1e-14)
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002 - global RNG untouched
    with pytest.raises(InvalidInputError, match="`shuffle` must be 'default' or 'legacy'"):
        train_test_split(raw, 0, shuffle="numpy")


def test_gan_data_sets():
    x = sample_ring(4000, torch.Generator().manual_seed(0))
    q = ring_quality(x, ring_modes(), 0.02)
    assert q.modes_covered == 8 and q.high_quality_fraction > 0.98
    digits = load_digits_images()
    assert digits.shape == (1797, 64)
    assert float(digits.min()) == -1.0 and float(digits.max()) == 1.0


def test_ring_sampler_keeps_the_draws_of_sample_ring():
    """Successive batches of ring_sampler (centres built once) are sample_ring's formula:
    a mode index, then 2-D noise, per batch from the same generator."""
    sample = ring_sampler(torch.Generator().manual_seed(7))
    reference = torch.Generator().manual_seed(7)
    centres = torch.as_tensor(ring_modes(), dtype=torch.float32)
    for n in (5, 128, 3):
        which = torch.randint(8, (n,), generator=reference)
        noise = torch.randn(n, 2, generator=reference)
        assert torch.equal(sample(n), centres[which] + 0.02 * noise)
