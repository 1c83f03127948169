"""Settings of one GAN width-study run, validated at construction.

References: Balaji et al. 2021, arXiv 2104.05605 (width study); the defaults are those of the
claim ``balaji.overparam.quality`` (ring: 3000 steps, lr 1e-3; digits: 2000 steps, lr 5e-4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from ntkcheck.errors import InvalidInputError
from ntkcheck.validation import check_positive_int

DATASET_DEFAULTS: dict[str, dict[str, Any]] = {
    "ring": {"steps": 3000, "lr": 1e-3, "batch_size": 128, "latent_dim": 2, "n_eval": 2500},
    "digits": {"steps": 2000, "lr": 5e-4, "batch_size": 64, "latent_dim": 16, "n_eval": 1797},
}
_CHOICES = {
    "dataset": ("ring", "digits"),
    "arch": ("mlp", "dcgan"),
    "loss": ("ns", "wgan-gp"),
    "dtype": ("float32", "float64"),
}


@dataclass(frozen=True)
class GANConfig:
    """One run: data set, width multiplier k (MLP width 16k, DCGAN channels 8k), loss, Adam.

    Field defaults are the ring's; :meth:`for_dataset` applies each data set's defaults.
    ``d_steps`` discriminator updates per generator update (Gulrajani et al. use 5 with
    WGAN-GP); ``gp_weight`` is the WGAN-GP penalty λ; ``adam_betas`` None means (0.5, 0.999)
    for the non-saturating loss and (0.5, 0.9) for WGAN-GP. ``float32`` is the default: this is
    a sample-quality experiment, not a rounding-level identity. ``num_threads``: see
    :func:`~ntkcheck.dynamics.gan_study.train_gan`.
    """

    dataset: str = "ring"
    k: int = 1
    arch: str = "mlp"
    loss: str = "ns"
    steps: int = 3000
    lr: float = 1e-3
    batch_size: int = 128
    latent_dim: int = 2
    d_steps: int = 1
    gp_weight: float = 10.0
    eval_every: int = 250
    n_eval: int = 2500
    seed: int = 0
    dtype: str = "float32"
    num_threads: int = 1
    adam_betas: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                raise InvalidInputError(
                    f"`{name}` must be one of {allowed}, got {getattr(self, name)!r}."
                )
        if self.arch == "dcgan" and self.dataset != "digits":
            raise InvalidInputError(
                f"arch='dcgan' is built for 8×8 images, got dataset={self.dataset!r}. "
                "Pass dataset='digits', or arch='mlp' for the ring."
            )
        check_positive_int("k", self.k, "Pass the width multiplier, e.g. k=1, 2, 4 or 8.")
        check_positive_int("steps", self.steps, "Pass the number of training steps, e.g. 3000.")
        check_positive_int("batch_size", self.batch_size, "Pass e.g. batch_size=256.")
        check_positive_int("latent_dim", self.latent_dim, "Pass e.g. latent_dim=16.")
        check_positive_int("d_steps", self.d_steps, "Pass e.g. d_steps=1 (5 for WGAN-GP).")
        check_positive_int("eval_every", self.eval_every, "Pass e.g. eval_every=250.")
        check_positive_int("n_eval", self.n_eval, "Pass e.g. n_eval=2500.")
        check_positive_int("num_threads", self.num_threads, "Pass e.g. num_threads=1.")
        if self.n_eval < 2:
            raise InvalidInputError(
                f"`n_eval` must be >= 2 (a covariance needs two samples), got {self.n_eval}."
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise InvalidInputError(f"`seed` must be an integer >= 0, got {self.seed!r}.")
        betas = self.adam_betas
        if betas is not None and not (
            len(betas) == 2 and all(isinstance(b, (int, float)) and 0 <= b < 1 for b in betas)
        ):
            raise InvalidInputError(
                f"`adam_betas` must be two numbers in [0, 1), got {betas!r}. "
                "Pass e.g. adam_betas=(0.5, 0.999), or None for the loss's default."
            )
        for name in ("lr", "gp_weight"):
            value = getattr(self, name)
            low_ok = value > 0 if name == "lr" else value >= 0
            if not (isinstance(value, (int, float)) and math.isfinite(value) and low_ok):
                bound = "> 0" if name == "lr" else ">= 0"
                raise InvalidInputError(
                    f"`{name}` must be a finite number {bound}, got {value!r}. "
                    + ("Pass e.g. lr=1e-3." if name == "lr" else "Pass e.g. gp_weight=10.0.")
                )

    @property
    def betas(self) -> tuple[float, float]:
        """Adam's betas: ``adam_betas`` if given, else (0.5, 0.999) for NS, (0.5, 0.9) for GP."""
        if self.adam_betas is not None:
            return self.adam_betas
        return (0.5, 0.9) if self.loss == "wgan-gp" else (0.5, 0.999)

    @classmethod
    def for_dataset(cls, dataset: str, k: int = 1, **options: Any) -> GANConfig:
        """The data set's defaults (``DATASET_DEFAULTS``) overridden by ``options``."""
        if dataset not in DATASET_DEFAULTS:
            raise InvalidInputError(
                f"`dataset` must be one of {tuple(DATASET_DEFAULTS)}, got {dataset!r}."
            )
        known = {f.name for f in fields(cls)} - {"dataset", "k"}
        unknown = sorted(set(options) - known)
        if unknown:
            raise InvalidInputError(
                f"Unknown option(s) {unknown} for train_gan; valid options: {sorted(known)}."
            )
        return cls(dataset=dataset, k=k, **{**DATASET_DEFAULTS[dataset], **options})
