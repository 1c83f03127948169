"""The record of one training run (:func:`~ntkcheck.dynamics.loop.train`): MLP, flow or GAN.

A :class:`Trajectory` is plain data: numpy arrays indexed by the recorded steps plus JSON
metadata. It serializes to ``<name>.json`` with its arrays in the sibling ``<name>.npz``
(``np.savez``, read back with ``allow_pickle=False``); the round trip is exact.

References: Jacot et al. 2018; Lee et al. 2019, "Wide neural networks of any depth evolve as
linear models under gradient descent"; Chizat et al. 2019, "On lazy training in differentiable
programming".
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ntkcheck.errors import InvalidInputError

# Arrays, keyed by field name, with their dtype; None-valued ones are simply not tracked.
_ARRAYS = {
    "steps": np.int64,
    "loss": np.float64,
    "step_loss": np.float64,
    "distance": np.float64,
    "relative_distance": np.float64,
    "kernel_drift": np.float64,
    "kernel_drift_op": np.float64,
    "lambda_min_K": np.float64,
    "kernel_init": np.float64,
    "kernel_final": np.float64,
    "lin_loss": np.float64,
    "lin_gap": np.float64,
    "lin_gap_abs": np.float64,
    "output_change": np.float64,
    "lin_output_change": np.float64,
}
_ARRAY_DICTS = ("layer_distance", "layer_distance_op", "observables")
_META = ("layer_norm0", "layer_norm0_op", "kernel_n", "config", "settings", "seed", "versions")
# Instrument columns with one value per run (the loop keeps the latest), not per checkpoint.
PER_RUN = frozenset({"layer_norm0", "layer_norm0_op", "kernel_init", "kernel_final", "kernel_n"})


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Quantities recorded at steps ``steps`` (R of them, always 0 and the last one reached).

    Fields an instrument fills are None when it was not used: the distances
    (:func:`~ntkcheck.dynamics.instruments.track_distance`), the kernel
    (:func:`~ntkcheck.dynamics.instruments.track_kernel`), the linearized model
    (:func:`~ntkcheck.dynamics.instruments.track_linearized`) and ``observables``
    (:func:`~ntkcheck.dynamics.instruments.observe`).

    Attributes:
        steps: (R,) recorded step indices t (θ_t is the parameter after t updates).
        loss: (R,) objective at θ_t on the full data (MSE: (1/2n)‖f(θ_t, X) − y‖²).
        step_loss: (S,) the loss each executed update computed at θ_t on its own batch
            (= ``loss`` at every t for full-batch GD; the minibatch loss for SGD).
        distance: (R,) ‖θ_t − θ_0‖₂ over all tracked tensors.
        relative_distance: (R,) ‖θ_t − θ_0‖ / ‖θ_0‖ (0/0 := 0, x/0 := inf).
        layer_distance: per tensor, (R,) ‖ΔW‖_F. layer_norm0: per tensor, ‖W_0‖_F.
        layer_distance_op: per 2-D tensor, (R,) ‖ΔW‖₂ (operator norm). layer_norm0_op: ‖W_0‖₂.
        kernel_drift, kernel_drift_op: (R,) ‖K_t − K_0‖/‖K_0‖ in Frobenius and operator norm
            (scale-free, so identical for Θ and K = Θ/n), or None when not tracked.
        lambda_min_K: (R,) λ_min(K_t) of the **normalized** kernel K = Θ/``kernel_n``
            (λ_min(Θ) = kernel_n · λ_min(K)); for a kernel function (GDA's J Jᵀ), λ_min of
            whatever matrix it returns (``kernel_n`` None).
        kernel_init, kernel_final: K at the first and the last recorded step, (N, N).
        lin_loss: (R,) loss of the linearized model f^lin trained alongside.
        lin_gap: (R,) ‖f_t − f_t^lin‖ / ‖f_t − f_0‖ on the gap inputs (0/0 := 0).
        lin_gap_abs, output_change, lin_output_change: (R,) ‖f_t − f_t^lin‖, ‖f_t − f_0‖ and
            ‖f_t^lin − f_0‖ (for other normalizations of the gap).
        observables: per name, (R,) a caller's scalar function of θ_t.
        diverged_at: (step, loss) when training stopped on divergence, else None.
        config: the caller's description of the run (JSON data). settings: the rule's and the
            loop's arguments. seed: the rule's seed. versions: python/numpy/torch/ntkcheck.
    """

    steps: np.ndarray
    loss: np.ndarray
    step_loss: np.ndarray
    distance: np.ndarray | None = None
    relative_distance: np.ndarray | None = None
    layer_distance: dict[str, np.ndarray] | None = None
    layer_norm0: dict[str, float] | None = None
    layer_distance_op: dict[str, np.ndarray] | None = None
    layer_norm0_op: dict[str, float] | None = None
    kernel_drift: np.ndarray | None = None
    kernel_drift_op: np.ndarray | None = None
    lambda_min_K: np.ndarray | None = None
    kernel_init: np.ndarray | None = None
    kernel_final: np.ndarray | None = None
    kernel_n: int | None = None
    lin_loss: np.ndarray | None = None
    lin_gap: np.ndarray | None = None
    lin_gap_abs: np.ndarray | None = None
    output_change: np.ndarray | None = None
    lin_output_change: np.ndarray | None = None
    observables: dict[str, np.ndarray] | None = None
    diverged_at: tuple[int, float] | None = None
    config: dict[str, Any] | None = None
    settings: dict[str, Any] | None = None
    seed: int | None = None
    versions: dict[str, str] | None = None

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    def steps_to(self, threshold: float) -> int | None:
        """The first step t whose loss is ≤ ``threshold``, or None if no step reached it.

        Reads the loss of every executed update (``step_loss``: exact for full-batch GD and
        GDA, the batch loss for SGD), then the last checkpoint's.
        """
        losses = np.append(self.step_loss, self.loss[-1])
        hits = np.flatnonzero(losses <= threshold)
        if hits.size == 0:
            return None
        return int(hits[0]) if hits[0] < self.step_loss.size else int(self.steps[-1])

    def layer_relative(self, name: str, norm: Literal["fro", "op"] = "fro") -> np.ndarray:
        """(R,) ‖W_t − W_0‖ / ‖W_0‖ of one tensor in the Frobenius or operator norm."""
        dist, norm0 = (
            (self.layer_distance or {}, self.layer_norm0 or {})
            if norm == "fro"
            else (self.layer_distance_op or {}, self.layer_norm0_op or {})
        )
        if norm not in ("fro", "op") or name not in dist:
            raise InvalidInputError(
                f"No {norm!r} distance recorded for {name!r}; norm must be 'fro' or 'op' and "
                f"the name one of {sorted(dist)} (operator norms exist for 2-D tensors only, "
                "with track_distance(operator_norms=True))."
            )
        return ratio(dist[name], norm0[name])

    def group_distance(self, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(absolute, relative) distance of a group of tensors, e.g. a layer's weight and bias.

        ‖Δ(W, b)‖ = √(Σ ‖ΔW_k‖_F²) and its ratio to √(Σ ‖W_k(0)‖_F²), each (R,).
        """
        recorded = self.layer_distance or {}
        unknown = [k for k in names if k not in recorded]
        if unknown or not names:
            raise InvalidInputError(
                f"`names` must be a non-empty list of recorded tensors; unknown {unknown}, "
                f"valid {sorted(recorded)} (record them with track_distance())."
            )
        dist = np.sqrt(sum(self.layer_distance[k] ** 2 for k in names))
        return dist, ratio(dist, math.sqrt(sum(self.layer_norm0[k] ** 2 for k in names)))

    def to_dict(self) -> dict[str, Any]:
        """Plain Python data (lists, dicts, floats, ints); :meth:`from_dict` inverts it exactly."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value = value.tolist()
            elif f.name in _ARRAY_DICTS and value is not None:
                value = {k: v.tolist() for k, v in value.items()}
            elif f.name == "diverged_at" and value is not None:
                value = [int(value[0]), float(value[1])]
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trajectory:
        """Inverse of :meth:`to_dict`."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            value = data.get(f.name)
            if value is not None and f.name in _ARRAYS:
                value = np.asarray(value, dtype=_ARRAYS[f.name])
            elif value is not None and f.name in _ARRAY_DICTS:
                value = {k: np.asarray(v, dtype=np.float64) for k, v in value.items()}
            elif value is not None and f.name == "diverged_at":
                value = (int(value[0]), float(value[1]))
            kwargs[f.name] = value
        return cls(**kwargs)

    def to_json(self, path: str | Path) -> Path:
        """Write ``path`` (metadata, standard JSON) and ``path`` with suffix .npz (arrays).

        Returns the path of the .npz file. Nothing is pickled.
        """
        path = Path(path)
        npz = path.with_suffix(".npz")
        arrays: dict[str, np.ndarray] = {}
        meta: dict[str, Any] = {"format": "ntkcheck.Trajectory/1", "arrays": npz.name}
        for name in _ARRAYS:
            value = getattr(self, name)
            if value is not None:
                arrays[name] = value
        for name in _ARRAY_DICTS:
            value = getattr(self, name)
            meta[name] = None if value is None else list(value)
            for i, v in enumerate((value or {}).values()):
                arrays[f"{name}.{i}"] = v
        for name in _META:
            meta[name] = getattr(self, name)
        if self.diverged_at is not None:
            # JSON has no NaN/inf; a diverged loss often is one, so it is stored as text.
            meta["diverged_at"] = [int(self.diverged_at[0]), repr(float(self.diverged_at[1]))]
        np.savez(npz, **arrays)
        path.write_text(json.dumps(meta, indent=1, allow_nan=False))
        return npz

    @classmethod
    def from_json(cls, path: str | Path) -> Trajectory:
        """Read a trajectory written by :meth:`to_json` (arrays loaded without pickle)."""
        path = Path(path)
        meta = json.loads(path.read_text())
        if meta.get("format") != "ntkcheck.Trajectory/1":
            raise InvalidInputError(
                f"{path} is not an ntkcheck trajectory (format {meta.get('format')!r}); "
                "pass a .json file written by Trajectory.to_json."
            )
        with np.load(path.with_name(meta["arrays"]), allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        kwargs: dict[str, Any] = {name: arrays.get(name) for name in _ARRAYS}
        for name in _ARRAY_DICTS:
            names = meta[name]
            kwargs[name] = (
                None if names is None else {k: arrays[f"{name}.{i}"] for i, k in enumerate(names)}
            )
        for name in _META:
            kwargs[name] = meta[name]
        div = meta.get("diverged_at")
        kwargs["diverged_at"] = None if div is None else (int(div[0]), float(div[1]))
        return cls(**kwargs)


def ratio(num: np.ndarray | float, den: float) -> np.ndarray:
    """num / den elementwise, with 0/0 := 0 (nothing moved) and x/0 := inf."""
    num = np.asarray(num, dtype=np.float64)
    if den > 0:
        return num / den
    return np.where(num == 0, 0.0, np.inf)
