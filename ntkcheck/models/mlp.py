"""Fully connected network in NTK, standard or µP parameterization.

References: Jacot et al. 2018 and neural-tangents ``stax.Dense(parameterization="ntk")`` (NTK);
Yang & Hu 2021, "Feature Learning in Infinite-Width Neural Networks", Table 3 (µP).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

from ntkcheck.device import CPU
from ntkcheck.errors import InvalidInputError
from ntkcheck.models.activations import Activation, get_activation
from ntkcheck.models.layers import Dense
from ntkcheck.validation import check_positive_int

Parameterization = Literal["ntk", "standard", "mup"]


class MLP(nn.Module):
    """``depth`` hidden layers of ``width`` units, then a linear read-out.

    With fan-in ``n_in`` of each layer (d for the first, m = ``width`` after), σ_w =
    ``weight_std`` and σ_b = ``bias_std``, the trainable entries and the forward multipliers are:

    ===============  ==========================  ==================  ==================
    parameterization trainable entries ~ N(0, ·) weight multiplier   bias multiplier
    ===============  ==========================  ==================  ==================
    ``"ntk"``        W: 1, b: 1                  σ_w / √n_in         σ_b
    ``"standard"``   W: σ_w²/n_in, b: σ_b²       1                   1
    ``"mup"``        see below                   see below           see below
    ===============  ==========================  ==================  ==================

    NTK: ``h¹ = σ_w W¹ x/√d + σ_b b¹``, ``h^{l+1} = σ_w W^{l+1} φ(h^l)/√m + σ_b b^{l+1}``,
    ``f = h^{L+1}`` — identical to neural-tangents ``stax.Dense(W_std=σ_w, b_std=σ_b,
    parameterization="ntk")``, so the eNTK converges to :func:`ntkcheck.analytic_ntk` as m → ∞.

    µP, in the abc-form of Yang & Hu (2021) Table 3 with W = m^{-a} w, w ~ N(0, σ²·m^{-2b}) and a
    width-independent SGD learning rate (c = 0):
    input layer a = -1/2, b = 1/2 (multiplier √m, w ~ N(0, σ_w²/(d·m)), bias likewise with σ_b);
    hidden layers a = 0, b = 1/2 (multiplier 1, w ~ N(0, σ_w²/m)); output layer a = 1/2, b = 1/2
    (multiplier 1/√m, w ~ N(0, σ_w²/m); its bias has multiplier 1, b ~ N(0, σ_b²)).
    Hidden pre-activations at init match the NTK parameterization in distribution; the output
    is O(m^{-1/2}) at init, and features move by Θ(1) during training (µP's defining property).

    Args:
        in_features: input dimension d. width: hidden width m. depth: number of hidden layers L.
        out_features: outputs O; the model returns (N, O), or (N,) when O = 1 and
            ``squeeze_output`` is True.
        activation: "relu", "abs", "erf", "tanh", ... or a callable.
        seed: seeds a private generator for the initialization (no global RNG state).
    """

    def __init__(
        self,
        in_features: int,
        width: int,
        depth: int,
        out_features: int = 1,
        activation: str | Activation = "relu",
        parameterization: Parameterization = "ntk",
        weight_std: float = 1.0,
        bias_std: float = 0.0,
        seed: int | None = None,
        *,
        bias: bool | None = None,
        squeeze_output: bool = True,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        check_positive_int("in_features", in_features, "Pass the input dimension, e.g. 8.")
        check_positive_int("width", width, "Pass the hidden-layer width, e.g. width=512.")
        check_positive_int("depth", depth, "Pass the number of hidden layers, e.g. depth=2.")
        check_positive_int("out_features", out_features, "Pass the output count, e.g. 1.")
        if parameterization not in ("ntk", "standard", "mup"):
            raise InvalidInputError(
                f"`parameterization` must be 'ntk', 'standard' or 'mup', got {parameterization!r}."
            )
        if not (_is_real(weight_std) and math.isfinite(weight_std) and weight_std > 0):
            raise InvalidInputError(
                f"`weight_std` must be a finite number > 0, got {weight_std!r}. Pass σ_w, e.g. "
                "weight_std=math.sqrt(2) for ReLU at the edge of chaos."
            )
        if not (_is_real(bias_std) and math.isfinite(bias_std) and bias_std >= 0):
            raise InvalidInputError(
                f"`bias_std` must be a finite number >= 0, got {bias_std!r}. Pass 0 for no bias."
            )
        self.in_features, self.width, self.depth = in_features, width, depth
        self.out_features = out_features
        self.parameterization = parameterization
        self.weight_std, self.bias_std = float(weight_std), float(bias_std)
        self.activation_name = activation if isinstance(activation, str) else "callable"
        self.phi = get_activation(activation)
        self.squeeze_output = squeeze_output
        use_bias = bias_std > 0 if bias is None else bias

        sizes = [in_features] + [width] * depth + [out_features]
        gen = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        # Seeded draws are made on the CPU: one seed, one initialization on every device.
        draw_on = CPU if gen is not None else None
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            kind = "input" if i == 0 else ("output" if i == depth else "hidden")
            w_std, w_mult, b_std, b_mult = self._scales(kind, n_in)
            layer = Dense(
                n_in,
                n_out,
                bias=use_bias,
                weight_multiplier=w_mult,
                bias_multiplier=b_mult,
                dtype=dtype,
            )
            with torch.no_grad():
                for param, std in ((layer.weight, w_std), (layer.bias, b_std)):
                    if param is not None:
                        _draw_normal_(param, std, gen, draw_on)
            layers.append(layer)
        self.layers = nn.ModuleList(layers)

    def _scales(self, kind: str, n_in: int) -> tuple[float, float, float, float]:
        """(init std of W, weight multiplier, init std of b, bias multiplier) of one layer."""
        sw, sb, m = self.weight_std, self.bias_std, self.width
        if self.parameterization == "ntk":
            return 1.0, sw / math.sqrt(n_in), 1.0, sb
        if self.parameterization == "standard":
            return sw / math.sqrt(n_in), 1.0, sb, 1.0
        if kind == "input":
            return sw / math.sqrt(n_in * m), math.sqrt(m), sb / math.sqrt(m), math.sqrt(m)
        if kind == "hidden":
            return sw / math.sqrt(m), 1.0, sb, 1.0
        return sw / math.sqrt(m), 1.0 / math.sqrt(m), sb, 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, in_features) -> (N,) if out_features == 1 (and squeeze_output) else (N, O)."""
        h = x
        for layer in self.layers[:-1]:
            h = self.phi(layer(h))
        out = self.layers[-1](h)
        return out.squeeze(-1) if (self.squeeze_output and self.out_features == 1) else out


def _is_real(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _draw_normal_(
    param: torch.Tensor, std: float, gen: torch.Generator | None, device: torch.device | None
) -> None:
    """param ← std · randn(param.shape) from ``gen`` on ``device``; drawn straight into the
    parameter when it lives there (no temporaries: at width 2048 initialization is most of a
    λ_min sample), else drawn there and copied (same values)."""
    if device is None or param.device == torch.device(device):
        param.normal_(generator=gen).mul_(std)  # randn is empty().normal_(): same draws
    else:
        param.copy_(std * torch.randn(param.shape, generator=gen, dtype=param.dtype, device=device))
