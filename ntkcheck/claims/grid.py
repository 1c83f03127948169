"""One helper for the sweeps behind most claims: a run at every point of a grid (widths ×
depths × … × seeds), its results stacked into arrays whose last axis is the seed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np


def grid(
    run: Callable[..., Mapping[str, Any]], *, seeds: int, **axes: Sequence[Any]
) -> dict[str, Any]:
    """``run(**point, replicate=s)`` at every point of the product of ``axes`` (in the order
    given, the last varying fastest) and every replicate ``s = 0 … seeds − 1``.

    ``run`` derives its own seed from the point and the replicate (each paper keeps its seeding
    convention). Every run returns the same keys. A key whose values are numbers, or arrays of
    one shape, becomes an array of shape ``(len(axis_1), …, len(axis_k), seeds, *value_shape)``;
    a nested mapping is stacked key by key; values of different shapes (loss curves of
    different lengths) become nested lists in the same order. Each axis is returned too under
    its own name (numbers as a float array, names as strings), and ``replicate`` =
    0 … seeds − 1: coordinates for a requirement's ``where``.

    Example: ``grid(lambda width, replicate: {"loss": train(width, replicate)}, seeds=5,
    width=(64, 256))["loss"]`` has shape (2, 5).
    """
    if seeds < 1:
        raise ValueError(f"`seeds` must be >= 1, got {seeds}. Pass the number of replicates.")
    shape = (*(len(v) for v in axes.values()), seeds)
    results = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        point = {name: values[i] for (name, values), i in zip(axes.items(), index)}
        results[index] = dict(run(**point, replicate=index[-1]))
    stacked = _stack(results)
    coordinates = {name: _coordinates(values) for name, values in axes.items()}
    return {**coordinates, "replicate": np.arange(seeds), **stacked}


def _coordinates(values: Sequence[Any]) -> np.ndarray:
    """An axis as a float array (numbers) or as it is (e.g. activation names)."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return np.asarray(values)


def _stack(results: np.ndarray) -> dict[str, Any]:
    flat = results.reshape(-1)
    keys = list(flat[0])
    for r in flat[1:]:
        if list(r) != keys:
            raise ValueError(f"grid runs returned different keys: {keys} and {list(r)}.")
    out: dict[str, Any] = {}
    for key in keys:
        values = [r[key] for r in flat]
        if all(isinstance(v, Mapping) for v in values):
            out[key] = _stack(_objects(results.shape, [dict(v) for v in values]))
            continue
        arrays = [np.asarray(v) for v in values]
        if all(a.shape == arrays[0].shape and a.dtype != object for a in arrays):
            out[key] = np.stack(arrays).reshape(results.shape + arrays[0].shape)
        else:
            out[key] = _objects(results.shape, arrays).tolist()
    return out


def _objects(shape: tuple[int, ...], items: list[Any]) -> np.ndarray:
    arr = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):  # one by one: equal-length arrays must stay objects
        arr[i] = item
    return arr.reshape(shape)
