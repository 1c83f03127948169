"""What the ``ntk`` command is given: its flags, the ``--data`` inputs and the model, each checked
before any expensive work. A bad value raises one :class:`InvalidInputError` naming the flag or
argument, the value and the fix."""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ntkcheck.data import sphere
from ntkcheck.errors import InvalidInputError
from ntkcheck.models.activations import ACTIVATIONS
from ntkcheck.models.mlp import MLP
from ntkcheck.parallel import check_engine
from ntkcheck.validation import check_finite, check_memory, check_positive_int, open_npy

# The built-in MLP's flags and their defaults (None in the parser, so that giving one with a
# module:attr model is an error, not silently ignored).
MLP_DEFAULTS = {"width": 1024, "depth": 2, "activation": "relu", "seed": 0}
# --out, --scheduler and --workers configure --blocks; alone they would be ignored.
_BLOCKS_ONLY = ("out", "scheduler", "workers")
DEFAULT_OUT = Path("ntk.npy")


@dataclass(frozen=True)
class DataSource:
    """The ``--data`` inputs, known by shape before they are generated or read.

    ``head(k)`` gives the first k rows (the first k points of the full set) and ``load()`` all
    of them, as float64 tensors.
    """

    shape: tuple[int, ...]
    head: Callable[[int], torch.Tensor]
    load: Callable[[], torch.Tensor]


def check_flags(args: argparse.Namespace) -> None:
    """Flags that are wrong whatever the data and model: values out of range, or flags that
    do not apply to the chosen path (they would be silently ignored)."""
    if args.blocks is not None:
        check_positive_int("--blocks", args.blocks, "Pass rows per tile, e.g. --blocks 4096.")
        check_engine(args.scheduler or "inline", args.workers, ("--scheduler", "--workers"))
    else:
        given = " ".join(f"--{flag}" for flag in _BLOCKS_ONLY if getattr(args, flag) is not None)
        if given:
            raise InvalidInputError(
                f"{given} only applies with --blocks, which is not given. Add --blocks B (rows "
                f"per tile, e.g. --blocks 4096) or drop {given}."
            )
    given = " ".join(f"--{flag}" for flag in MLP_DEFAULTS if getattr(args, flag) is not None)
    if args.model != "mlp" and given:
        raise InvalidInputError(
            f"{given} only applies to the built-in mlp, not to {args.model!r}. Drop {given}, "
            "or set it where your model is built."
        )
    for flag, example in (("width", "--width 1024"), ("depth", "--depth 2")):
        if getattr(args, flag) is not None:
            check_positive_int(f"--{flag}", getattr(args, flag), f"Pass e.g. {example}.")
    if args.activation is not None and args.activation not in ACTIVATIONS:
        raise InvalidInputError(
            f"`--activation` must be one of {', '.join(sorted(ACTIVATIONS))}, got "
            f"{args.activation!r}."
        )


def data_source(spec: str) -> DataSource:
    """``sphere:N,D[,SEED]`` (points on S^{D−1}, see :func:`ntkcheck.data.sphere_points`) or a
    ``.npy`` file (N, ...) of real numbers, read lazily."""
    if spec.startswith("sphere:"):
        return _sphere(spec)
    path = Path(spec)
    if path.suffix != ".npy" or not path.is_file():
        raise InvalidInputError(
            f"`--data` must be an existing .npy file or sphere:N,D[,SEED], got {spec!r}"
            f"{' (no such file)' if path.suffix == '.npy' else ''}. E.g. --data sphere:200,8."
        )
    array = open_npy(
        "--data", path, "Save the inputs with numpy.save(path, x) for a real array x (N, ...)."
    )
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise InvalidInputError(
            f"`--data` {spec!r} holds {array.dtype} values; the inputs must be real numbers. "
            "Save them as float64."
        )
    if array.ndim < 2 or array.shape[0] == 0:
        raise InvalidInputError(
            f"`--data` {spec!r} has shape {array.shape}; inputs are (N, ...) with N >= 1 rows. "
            "For N scalar inputs save x.reshape(-1, 1)."
        )

    def rows(k: int | None) -> torch.Tensor:
        x = torch.as_tensor(np.array(array[:k], dtype=np.float64))
        check_finite("--data", x, f"Clean or drop those rows of {spec}.")
        return x

    return DataSource(tuple(array.shape), rows, lambda: rows(None))


def _sphere(spec: str) -> DataSource:
    try:
        parts = [int(v) for v in spec.split(":", 1)[1].split(",")]
    except ValueError:
        parts = []
    if len(parts) not in (2, 3):
        raise InvalidInputError(
            f"`--data sphere:N,D[,SEED]` takes 2 or 3 integers, got {spec!r}. E.g. "
            "--data sphere:200,8 (200 points on the unit sphere of R^8, seed 0)."
        )
    n, d, seed = (*parts, 0)[:3]
    for label, value, low in (("N", n, 1), ("D", d, 1), ("SEED", seed, 0)):
        if value < low:
            raise InvalidInputError(
                f"`--data sphere:N,D[,SEED]` needs {label} >= {low}, got {label} = {value} in "
                f"{spec!r}. E.g. --data sphere:200,8."
            )
    return DataSource((n, d), lambda k: sphere.sphere_points(min(k, n), d, seed),
                      lambda: sphere.sphere_points(n, d, seed))  # fmt: skip


def build_model(args: argparse.Namespace, input_shape: tuple[int, ...]) -> nn.Module:
    """The built-in MLP, or the nn.Module named by ``module:attr`` (or made by a zero-argument
    factory), in float64."""
    if args.model == "mlp":
        return _mlp(args, input_shape)
    if ":" not in args.model:
        raise InvalidInputError(
            f"MODEL is 'mlp' or module:attr, got {args.model!r}. E.g. `ntkcheck ntk "
            "mymodels:net` for `net` in mymodels.py in the current directory."
        )
    module_name, attr = args.model.split(":", 1)
    if not module_name or not attr or not attr.isidentifier():
        raise InvalidInputError(
            f"MODEL {args.model!r} must be module:attr with both parts, e.g. mymodels:net."
        )
    obj = getattr(_import(args.model, module_name), attr, _MISSING)
    if obj is _MISSING:
        raise InvalidInputError(f"MODEL {args.model!r}: {_no_attribute(module_name, attr)}")
    model = obj if isinstance(obj, nn.Module) else _call_factory(args.model, obj)
    return model.double()


_MISSING = object()


def _mlp(args: argparse.Namespace, input_shape: tuple[int, ...]) -> nn.Module:
    if len(input_shape) != 1:
        raise InvalidInputError(
            f"the built-in mlp takes inputs (N, d), but --data has rows of shape {input_shape}. "
            "Save them flattened, x.reshape(len(x), -1), or pass a module:attr model."
        )
    settings = {k: v if getattr(args, k) is None else getattr(args, k)
                for k, v in MLP_DEFAULTS.items()}  # fmt: skip
    width, depth, d = settings["width"], settings["depth"], input_shape[0]
    params = d * width + (depth - 1) * width * width + width
    # The weights and the normal draws they are copied from.
    check_memory(
        f"The built-in mlp with --width {width} --depth {depth} ({params} parameters)",
        16.0 * params,
        None,
        "Pass a smaller --width or --depth.",
    )
    return MLP(d, width, depth, activation=settings["activation"], seed=settings["seed"])


@contextmanager
def importable_cwd() -> Iterator[None]:
    """The current directory first on ``sys.path`` for the block, as ``python -m`` puts it (and
    spawned worker processes inherit it), so that ``module:attr`` finds ./module.py."""
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        yield
    finally:
        if added and cwd in sys.path:
            sys.path.remove(cwd)


def _import(spec: str, module_name: str):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name == module_name or module_name.startswith(f"{err.name}."):
            raise InvalidInputError(
                f"MODEL {spec!r}: no module {module_name!r} in the current directory "
                f"({os.getcwd()}) or on sys.path. Run from the folder that holds "
                f"{module_name.replace('.', '/')}.py, or add its folder to PYTHONPATH."
            ) from None
        raise InvalidInputError(
            f"MODEL {spec!r}: importing {module_name} failed, it needs the missing module "
            f"{err.name!r}. Install it in this environment."
        ) from None
    except Exception as err:  # the user's module failed while running: show where, in one line
        raise InvalidInputError(
            f"MODEL {spec!r}: importing {module_name} raised {_where(err)}. Fix the module "
            "(try `python -c 'import " + module_name + "'`)."
        ) from None


def _no_attribute(module_name: str, attr: str) -> str:
    module = sys.modules[module_name]
    candidates = sorted(
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and (isinstance(value, nn.Module) or _is_module_class(value))
    )
    where = getattr(module, "__file__", None) or module_name
    if not candidates:
        return (
            f"{where} has no attribute {attr!r}, and no nn.Module at all. Define the model "
            f"there, e.g. {attr} = nn.Sequential(...), or name the module that does."
        )
    return (
        f"{where} has no attribute {attr!r}; its nn.Modules and nn.Module classes: "
        f"{', '.join(candidates)}. Pass one of them as module:attr."
    )


def _is_module_class(value: object) -> bool:
    return inspect.isclass(value) and issubclass(value, nn.Module)


def _call_factory(spec: str, obj: object) -> nn.Module:
    if not callable(obj):
        raise InvalidInputError(
            f"MODEL {spec!r} is an object of type {type(obj).__name__}, not an nn.Module or a "
            "zero-argument factory returning one. Name the module (or the function building "
            "it) instead."
        )
    try:
        required = [
            name
            for name, p in inspect.signature(obj).parameters.items()
            if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
    except (TypeError, ValueError):  # builtins without a signature: just call them
        required = []
    if required:
        raise InvalidInputError(
            f"MODEL {spec!r} needs arguments ({', '.join(required)}); the ntk command calls it "
            "with none. Add a zero-argument factory, e.g. `def net(): return "
            f"{getattr(obj, '__name__', 'Model')}(...)`, and pass that."
        )
    try:
        model = obj()
    except Exception as err:  # the user's factory failed: show where, in one line
        raise InvalidInputError(f"MODEL {spec!r}: calling it raised {_where(err)}.") from None
    if not isinstance(model, nn.Module):
        raise InvalidInputError(
            f"MODEL {spec!r}: calling it returned an object of type {type(model).__name__}, "
            "not an nn.Module. Return the network itself."
        )
    return model


def _where(err: BaseException) -> str:
    """'ValueError: bad width (mymodels.py, line 12)': the exception and its innermost frame."""
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    frame = f" ({Path(tb.tb_frame.f_code.co_filename).name}, line {tb.tb_lineno})" if tb else ""
    # A SyntaxError's message already names its file and line.
    return f"{type(err).__name__}: {err}{'' if isinstance(err, SyntaxError) else frame}"
