"""Width-multiplied generator/discriminator pairs for the GAN width study.

* MLP GAN: G and D have two hidden layers of width 16k (G: ReLU, D: LeakyReLU(0.2)).
* DCGAN-style GAN for 1×8×8 images with c = 8k channels (k multiplies every conv layer):
  G: z → Dense → (2c, 4, 4) → ConvTranspose(4, stride 2) → (c, 8, 8) → Conv 3×3 → (1, 8, 8);
  D: (1, 8, 8) → Conv(4, stride 2) → (c, 4, 4) → Conv(4, stride 2) → (2c, 2, 2) → Dense → 1.
  No BatchNorm, so every output depends on its own input only.

Both G and D map flat rows: G ``(N, latent_dim) -> (N, data_dim)``, D ``(N, data_dim) -> (N,)``
(images are 64-vectors in row-major order). Initialization is LeCun-normal
(N(0, 1/fan_in), zero biases) from a private seeded generator; dense layers are
:class:`~ntkcheck.models.layers.Dense` in standard parameterization.

References: Balaji et al. 2021, arXiv 2104.05605 (width study, Figure 1); Radford et al. 2016,
"DCGAN", arXiv 1511.06434.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ntkcheck.device import CPU
from ntkcheck.models.layers import Dense
from ntkcheck.validation import check_positive_int

MLP_WIDTH_PER_K = 16
DCGAN_CHANNELS_PER_K = 8


def _init_(module: nn.Module, generator: torch.Generator) -> None:
    """LeCun-normal weights N(0, 1/fan_in), zero biases, in module order (deterministic)."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, Dense):
                fan_in = layer.in_features
            elif isinstance(layer, nn.ConvTranspose2d):
                # each output pixel sums in·kh·kw/stride² taps
                kh, kw = layer.kernel_size
                fan_in = layer.in_channels * kh * kw / (layer.stride[0] * layer.stride[1])
            elif isinstance(layer, nn.Conv2d):
                kh, kw = layer.kernel_size
                fan_in = layer.in_channels * kh * kw
            else:
                continue
            w = torch.randn(
                layer.weight.shape, generator=generator, dtype=layer.weight.dtype, device=CPU
            )
            layer.weight.copy_(w / math.sqrt(fan_in))
            if layer.bias is not None:
                layer.bias.zero_()


class _Squeeze(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.squeeze(-1)


def mlp_gan(
    data_dim: int,
    latent_dim: int,
    k: int,
    seed: int,
    *,
    out_activation: nn.Module | None = None,
    dtype: torch.dtype = torch.float32,
) -> tuple[nn.Sequential, nn.Sequential]:
    """(G, D) with two hidden layers of width 16k each; ``out_activation`` ends G (e.g. Tanh)."""
    check_positive_int("k", k, "Pass the width multiplier, e.g. k=1 (width 16).")
    check_positive_int("data_dim", data_dim, "Pass the data dimension, e.g. 2 for the ring.")
    check_positive_int("latent_dim", latent_dim, "Pass the latent dimension, e.g. 16.")
    w = MLP_WIDTH_PER_K * k
    gen_layers: list[nn.Module] = [
        Dense(latent_dim, w, dtype=dtype),
        nn.ReLU(),
        Dense(w, w, dtype=dtype),
        nn.ReLU(),
        Dense(w, data_dim, dtype=dtype),
    ]
    if out_activation is not None:
        gen_layers.append(out_activation)
    g = nn.Sequential(*gen_layers)
    d = nn.Sequential(
        Dense(data_dim, w, dtype=dtype),
        nn.LeakyReLU(0.2),
        Dense(w, w, dtype=dtype),
        nn.LeakyReLU(0.2),
        Dense(w, 1, dtype=dtype),
        _Squeeze(),
    )
    rng = torch.Generator().manual_seed(int(seed))
    _init_(g, rng)
    _init_(d, rng)
    return g, d


def dcgan(
    latent_dim: int, k: int, seed: int, *, dtype: torch.dtype = torch.float32
) -> tuple[nn.Sequential, nn.Sequential]:
    """(G, D) DCGAN-style pair for 8×8 single-channel images, c = 8k channels; G ends in tanh."""
    check_positive_int("k", k, "Pass the width multiplier, e.g. k=1 (8 channels).")
    check_positive_int("latent_dim", latent_dim, "Pass the latent dimension, e.g. 16.")
    c = DCGAN_CHANNELS_PER_K * k
    # torch's conv constructors draw a default init from the global RNG; fork it so building a
    # model leaves the caller's RNG stream untouched (the weights are overwritten by _init_).
    with torch.random.fork_rng(devices=[]):
        g, d = _dcgan_layers(latent_dim, c, dtype)
    rng = torch.Generator().manual_seed(int(seed))
    _init_(g, rng)
    _init_(d, rng)
    return g, d


def _dcgan_layers(
    latent_dim: int, c: int, dtype: torch.dtype
) -> tuple[nn.Sequential, nn.Sequential]:
    g = nn.Sequential(
        Dense(latent_dim, 2 * c * 16, dtype=dtype),
        nn.ReLU(),
        nn.Unflatten(1, (2 * c, 4, 4)),
        nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1, dtype=dtype),
        nn.ReLU(),
        nn.Conv2d(c, 1, 3, padding=1, dtype=dtype),
        nn.Tanh(),
        nn.Flatten(),
    )
    d = nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)),
        nn.Conv2d(1, c, 4, stride=2, padding=1, dtype=dtype),
        nn.LeakyReLU(0.2),
        nn.Conv2d(c, 2 * c, 4, stride=2, padding=1, dtype=dtype),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        Dense(2 * c * 4, 1, dtype=dtype),
        _Squeeze(),
    )
    return g, d
