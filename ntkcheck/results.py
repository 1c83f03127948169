"""Stored results are data, never code: JSON text plus numpy arrays in .npz form.

One encoding for every stored result (report files, the results store): every numpy array (or
tensor) inside a nested value becomes ``{"npz": key}`` with the array stored under that key,
tuples become ``{"tuple": [...]}`` (so settings such as ``widths=(64, 256)`` come back as
tuples), and non-finite floats ``{"float": "inf"}`` (JSON has none). Arrays are loaded with
``allow_pickle=False``, and object arrays are refused, so loading can never execute code.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

FORMAT = "ntkcheck.record/1"


def encode(value: Any) -> tuple[str, bytes]:
    """(JSON text, .npz bytes) of ``value``: numbers, strings, lists, tuples, str-keyed dicts
    and numeric arrays; anything else raises ``TypeError`` saying what to return instead."""
    arrays: dict[str, np.ndarray] = {}
    text = json.dumps(_encode(value, arrays, "value"), allow_nan=False)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return text, buffer.getvalue()


def decode(text: str, blob: bytes) -> Any:
    """Inverse of :func:`encode` (no pickle, no code execution)."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return _decode(json.loads(text), arrays)


def write_record(record: Mapping[str, Any], path: str | Path) -> Path:
    """Write ``record`` to ``path`` (.json) and its arrays next to it (.json → .npz; any other
    name gets .npz appended, since claim ids contain dots)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text, blob = encode(dict(record))
    npz = path.with_suffix(".npz") if path.suffix == ".json" else path.with_name(path.name + ".npz")
    npz.write_bytes(blob)
    body = {"format": FORMAT, "arrays": npz.name, "record": json.loads(text)}
    path.write_text(json.dumps(body, indent=1, allow_nan=False))
    return path


def read_record(path: str | Path) -> dict[str, Any]:
    """Read a record written by :func:`write_record`."""
    path = Path(path)
    body = json.loads(path.read_text())
    if body.get("format") != FORMAT:
        raise ValueError(
            f"{path} is not an ntkcheck record (format {body.get('format')!r}); pass a .json "
            "file written by ntkcheck.results.write_record."
        )
    blob = path.with_name(body["arrays"]).read_bytes()
    return decode(json.dumps(body["record"]), blob)


def _encode(x: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy(force=True)
    if isinstance(x, np.ndarray):
        if x.dtype.hasobject:
            raise TypeError(
                f"{where} is an object array, which cannot be stored without pickle. Return "
                "numeric arrays (e.g. np.asarray(values, dtype=float))."
            )
        key = f"a{len(arrays)}"
        arrays[key] = x
        return {"npz": key}
    if isinstance(x, dict):
        for k in x:
            if not isinstance(k, str):
                raise TypeError(f"{where} has the non-string key {k!r}; use string keys.")
        return {k: _encode(v, arrays, f"{where}[{k!r}]") for k, v in x.items()}
    if isinstance(x, tuple):
        return {"tuple": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(x)]}
    if isinstance(x, list):
        return [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(x)]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return {"float": repr(x)}
    if x is None or isinstance(x, (str, int, float)):
        return x
    raise TypeError(
        f"{where} is a {type(x).__name__}, which a stored result cannot hold. Use numbers, "
        "strings, lists, dicts or numeric numpy arrays."
    )


def _decode(x: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    if isinstance(x, dict):
        if set(x) == {"npz"}:
            return arrays[x["npz"]]
        if set(x) == {"tuple"}:
            return tuple(_decode(v, arrays) for v in x["tuple"])
        if set(x) == {"float"}:
            return float(x["float"])
        return {k: _decode(v, arrays) for k, v in x.items()}
    if isinstance(x, list):
        return [_decode(v, arrays) for v in x]
    return x
