"""Stored results are data, never code: JSON metadata plus a sibling .npz for arrays.

``write_record`` replaces every numpy array (or tensor) inside a nested dict by a reference
``{"npz": key}`` and stores the array under that key; ``read_record`` loads it back with
``allow_pickle=False``. Non-finite floats are stored as strings ("inf", "nan") because JSON has
none, and restored on read.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

FORMAT = "ntkcheck.record/1"


def write_record(record: dict[str, Any], path: str | Path) -> Path:
    """Write ``record`` to ``path`` (.json) and its arrays to ``path`` with suffix .npz."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}

    def encode(x: Any, key: str) -> Any:
        if isinstance(x, torch.Tensor):
            x = x.detach().cpu().numpy()
        if isinstance(x, np.ndarray):
            arrays[key] = x
            return {"npz": key}
        if isinstance(x, dict):
            return {str(k): encode(v, f"{key}.{k}" if key else str(k)) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [encode(v, f"{key}.{i}") for i, v in enumerate(x)]
        if isinstance(x, (np.floating, np.integer, np.bool_)):
            x = x.item()
        if isinstance(x, float) and not math.isfinite(x):
            return {"float": repr(x)}
        return x

    body = {"format": FORMAT, "arrays": path.with_suffix(".npz").name, "record": encode(record, "")}
    np.savez(path.with_suffix(".npz"), **arrays)
    path.write_text(json.dumps(body, indent=1, allow_nan=False))
    return path


def read_record(path: str | Path) -> dict[str, Any]:
    """Read a record written by :func:`write_record` (no pickle, no code execution)."""
    path = Path(path)
    body = json.loads(path.read_text())
    if body.get("format") != FORMAT:
        raise ValueError(
            f"{path} is not an ntkcheck record (format {body.get('format')!r}); pass a .json "
            "file written by ntkcheck.results.write_record."
        )
    with np.load(path.with_name(body["arrays"]), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}

    def decode(x: Any) -> Any:
        if isinstance(x, dict):
            if set(x) == {"npz"}:
                return arrays[x["npz"]]
            if set(x) == {"float"}:
                return float(x["float"])
            return {k: decode(v) for k, v in x.items()}
        if isinstance(x, list):
            return [decode(v) for v in x]
        return x

    return decode(body["record"])
