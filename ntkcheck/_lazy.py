"""Lazy re-exports: a package's public names are imported on first use, so importing the
package (e.g. for the pytest plugin, or ``ntkcheck list``) does not import torch."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any


class _Package(types.ModuleType):
    """A package whose public functions keep their names when a submodule of the same name
    is imported (the import system sets ``package.check = <module check>``; an eager
    ``from .check import check`` would have overwritten it, a lazy export must refuse it)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in self.__dict__.get("_functions", ()):
            return
        super().__setattr__(name, value)


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``exports`` maps each public name to the
    module that defines it. A name equal to that module's last component is the submodule
    itself, unless that module defines the name too (``ntkcheck.claims.check`` exports the
    function ``check``). A resolved name is cached in ``namespace``, the package's globals."""
    namespace["_functions"] = frozenset(
        name for name, module in exports.items() if module == f"{package}.{name}"
    )

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        source = importlib.import_module(exports[name])
        if exports[name] == f"{package}.{name}":
            value = getattr(source, name, source)  # the function check of module check, or it
        else:
            value = getattr(source, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    sys.modules[package].__class__ = _Package
    return __getattr__, __dir__
