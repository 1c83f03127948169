"""Lazy re-exports: a package's public names are imported on first use, so importing the
package (e.g. for the pytest plugin, or ``ntkcheck list --help``) does not import torch."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``exports`` maps each public name to the
    module that defines it (a name equal to that module's last component is the submodule
    itself). A resolved name is cached in ``namespace``, the package's globals."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        source = importlib.import_module(exports[name])
        value = source if exports[name] == f"{package}.{name}" else getattr(source, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
