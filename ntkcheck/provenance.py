"""What a stored result needs to be reproduced exactly: library versions and platform."""

from __future__ import annotations

import platform
import sys
from importlib import metadata


def versions() -> dict[str, str]:
    """Versions of Python, ntkcheck and the numerical stack, plus the platform."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in ("ntkcheck", "torch", "numpy", "scipy", "sympy", "hypothesis"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out
