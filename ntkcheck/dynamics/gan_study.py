"""Train one width-multiplied GAN and record its sample-quality history (plain data).

The reduced-scale version of the width study of Balaji et al. (their Figure 1: DCGAN FID falls
as the width k grows). Losses: non-saturating (Goodfellow et al. 2014) or WGAN-GP
(Gulrajani et al. 2017, penalty weight 10). Adam with betas (0.5, 0.999) for the
non-saturating loss (DCGAN's setting) and (0.5, 0.9) for WGAN-GP, as
:class:`~ntkcheck.dynamics.flat_adam.FlatAdam` (torch.optim.Adam's numbers bit for bit, fewer
operations per step: these models are small, so a step's time is mostly per-operation cost).

Reproducibility: every random draw (initialization, data batches, latent codes, the fixed
evaluation codes, the gradient-penalty mixing) comes from ``torch.Generator`` objects seeded
from ``seed`` through ``numpy.random.SeedSequence``; no global RNG state is read or written.
On CPU, runs with the same seed and thread count are bitwise identical.

References: Balaji et al. 2021, arXiv 2104.05605; Goodfellow et al. 2014, arXiv 1406.2661;
Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", arXiv 1704.00028.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ntkcheck.data.gan import RING_STD, load_digits_images, ring_modes, ring_sampler
from ntkcheck.device import CPU, to_default
from ntkcheck.dynamics.flat_adam import FlatAdam
from ntkcheck.dynamics.gan_config import GANConfig
from ntkcheck.metrics import (
    PCAFeatures,
    frechet_distance,
    gaussian_statistics,
    ring_quality,
)
from ntkcheck.models.gan.networks import dcgan, mlp_gan
from ntkcheck.threads import blas_threads, torch_threads


@dataclass
class GANHistory:
    """What one run measured. Losses are per step; metrics are per evaluation (``eval_steps``).

    ``metrics`` keys — ring: ``modes_covered`` (VEEGAN: ≥ 1 high-quality sample nearest to the
    mode), ``modes_covered_1pct`` (stricter, ntkcheck's choice: ≥ 1% of the evaluation samples,
    so stray samples do not count) and ``high_quality_fraction``; digits: ``fd_pca20`` and
    ``fd_pixels``. ``mode_counts`` (ring only): high-quality samples per mode at each
    evaluation, for other coverage thresholds. ``final_samples``: generated samples at the last
    evaluation. ``diverged_at``: the 1-based step whose loss was non-finite (``diverged_loss``
    holds it; the loss lists stop at the step before), else None.
    """

    config: dict[str, Any]
    eval_steps: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    mode_counts: list[tuple[int, ...]] = field(default_factory=list)
    diverged_at: int | None = None
    diverged_loss: float | None = None
    seconds: float = 0.0
    final_samples: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.final_samples is not None:
            out["final_samples"] = self.final_samples.tolist()
        return out


def train_gan(
    dataset: Literal["ring", "digits"] = "ring", k: int = 1, **options: Any
) -> GANHistory:
    """Train a GAN of width multiplier ``k`` on ``dataset``; see :class:`GANConfig` for options.

    Defaults (``DATASET_DEFAULTS``): ring — 3000 steps, lr 1e-3, batch 128, latent dimension 2,
    2500 evaluation samples (VEEGAN's count); digits — 2000 steps, lr 5e-4, batch 64, latent
    dimension 16, 1797 evaluation samples (as many as real digits). Metrics are computed at
    step 0, every ``eval_every`` steps and at the end. If a loss becomes non-finite
    the run stops, warns with the step and the value, and returns the history so far with
    ``diverged_at`` set.

    torch's intra-op thread count and numpy's BLAS thread count (the digits metrics) are
    process-wide: both are set to ``num_threads`` for the run and restored after (default 1: the
    fastest for these small models, ~10× faster than 2 threads on a loaded 2-core machine, and
    independent of the core count). Run several trainings in processes, not Python threads.
    """
    config = GANConfig.for_dataset(dataset, k, **options)
    with torch_threads(config.num_threads), blas_threads(config.num_threads):
        return _train(config)


_Net = Callable[[torch.Tensor], torch.Tensor]


def _train(config: GANConfig) -> GANHistory:
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(config.seed).spawn(4)]
    data_rng, noise_rng, eval_rng = (torch.Generator().manual_seed(s) for s in seeds[1:])
    dtype = torch.float64 if config.dtype == "float64" else torch.float32
    sample_real, evaluate, data_dim, out_act = _task(config, data_rng, dtype)
    if config.arch == "dcgan":
        g_module, d_module = dcgan(config.latent_dim, config.k, seeds[0], dtype=dtype)
    else:
        g_module, d_module = mlp_gan(
            data_dim, config.latent_dim, config.k, seeds[0], out_activation=out_act, dtype=dtype
        )
    g, d = _layer_by_layer(g_module), _layer_by_layer(d_module)
    opt_g = FlatAdam(g_module.parameters(), lr=config.lr, betas=config.betas)
    opt_d = FlatAdam(d_module.parameters(), lr=config.lr, betas=config.betas)
    # fixed evaluation codes: metric changes over training reflect G, not resampling noise
    z_eval = to_default(
        torch.randn(config.n_eval, config.latent_dim, generator=eval_rng, dtype=dtype, device=CPU)
    )
    history = GANHistory(config=asdict(config))
    device = torch.get_default_device()  # where the batches go (resolved once, not per draw)
    start = time.perf_counter()

    def record(step: int) -> None:
        with torch.no_grad():
            samples = g(z_eval).numpy(force=True).astype(np.float64)
        history.eval_steps.append(step)
        metrics, counts = evaluate(samples)
        for name, value in metrics.items():
            history.metrics.setdefault(name, []).append(value)
        if counts is not None:
            history.mode_counts.append(counts)
        history.final_samples = samples

    def latent() -> torch.Tensor:
        return torch.randn(
            config.batch_size, config.latent_dim, generator=noise_rng, dtype=dtype, device=CPU
        ).to(device)

    record(0)
    for step in range(1, config.steps + 1):
        for _ in range(config.d_steps):
            real = sample_real(config.batch_size)
            with torch.no_grad():
                fake = g(latent())
            d_loss = _discriminator_loss(config, d, real, fake, noise_rng)
            d_value = d_loss.item()
            if _diverged(history, step, "discriminator", d_value):
                break
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
        if history.diverged_at is not None:
            break
        g_loss = _generator_loss(config, d, g(latent()))
        g_value = g_loss.item()
        if _diverged(history, step, "generator", g_value):
            break
        opt_g.zero_grad()
        # Into G's parameters only: D's gradients of this loss would be discarded (the next D
        # step starts from none), and G's are the same bits without them.
        g_loss.backward(inputs=opt_g.params)
        opt_g.step()
        history.d_loss.append(d_value)
        history.g_loss.append(g_value)
        if step % config.eval_every == 0 or step == config.steps:
            record(step)
    history.seconds = time.perf_counter() - start
    return history


def _layer_by_layer(model: nn.Sequential) -> _Net:
    """``model``'s forward as each layer's ``forward`` in turn: the same operations without
    nn.Module.__call__'s hook dispatch per layer (~10% of a training step at width 16; the
    models are built in :func:`_train`, without hooks)."""
    forwards = [layer.forward for layer in model]

    def forward(x: torch.Tensor) -> torch.Tensor:
        for layer in forwards:
            x = layer(x)
        return x

    return forward


def _diverged(history: GANHistory, step: int, which: str, value: float) -> bool:
    if math.isfinite(value):
        return False
    history.diverged_at, history.diverged_loss = step, value
    warnings.warn(
        f"GAN training diverged at step {step}: the {which} loss is {value}. The history up to "
        f"step {step - 1} is returned (diverged_at={step}). Lower the learning rate "
        f"(lr={history.config['lr']}).",
        RuntimeWarning,
        stacklevel=3,
    )
    return True


def _discriminator_loss(
    config: GANConfig, d: _Net, real: torch.Tensor, fake: torch.Tensor, rng: torch.Generator
) -> torch.Tensor:
    """NS: −log σ(D(x)) − log(1 − σ(D(G(z)))); WGAN-GP: D(G(z)) − D(x) + λ(‖∇D(x̂)‖ − 1)²."""
    if config.loss == "ns":
        return F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()
    eps = torch.rand(real.shape[0], 1, generator=rng, dtype=real.dtype, device=CPU).to(real.device)
    mixed = (eps * real + (1.0 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(d(mixed).sum(), mixed, create_graph=True)
    penalty = ((grad.norm(dim=1) - 1.0) ** 2).mean()
    return d(fake).mean() - d(real).mean() + config.gp_weight * penalty


def _generator_loss(config: GANConfig, d: _Net, fake: torch.Tensor) -> torch.Tensor:
    """NS: −log σ(D(G(z))); WGAN-GP: −D(G(z))."""
    if config.loss == "ns":
        return F.softplus(-d(fake)).mean()
    return -d(fake).mean()


_Evaluation = tuple[dict[str, float], tuple[int, ...] | None]  # metrics, ring mode counts
_Task = tuple[
    Callable[[int], torch.Tensor], Callable[[np.ndarray], _Evaluation], int, nn.Module | None
]


def _task(config: GANConfig, rng: torch.Generator, dtype: torch.dtype) -> _Task:
    """(real-batch sampler, metrics of generated samples, data dimension, G's output map)."""
    if config.dataset == "ring":
        modes = ring_modes()
        sample_real = ring_sampler(rng, dtype=dtype)

        def evaluate(samples: np.ndarray) -> _Evaluation:
            q = ring_quality(samples, modes, RING_STD)
            metrics = {
                "modes_covered": float(q.modes_covered),
                "modes_covered_1pct": float(sum(c >= 0.01 * len(samples) for c in q.counts)),
                "high_quality_fraction": q.high_quality_fraction,
            }
            return metrics, q.counts

        return sample_real, evaluate, 2, None

    images = load_digits_images(dtype)
    pixels = images.numpy(force=True).astype(np.float64)
    pca = PCAFeatures.fit(pixels, n_components=20)
    real_pca, real_pix = gaussian_statistics(pca(pixels)), gaussian_statistics(pixels)

    def sample_digits(n: int) -> torch.Tensor:
        return images[
            torch.randint(images.shape[0], (n,), generator=rng, device=CPU).to(images.device)
        ]

    def evaluate_digits(samples: np.ndarray) -> _Evaluation:
        metrics = {
            "fd_pca20": frechet_distance(*gaussian_statistics(pca(samples)), *real_pca),
            "fd_pixels": frechet_distance(*gaussian_statistics(samples), *real_pix),
        }
        return metrics, None

    return sample_digits, evaluate_digits, 64, nn.Tanh()
