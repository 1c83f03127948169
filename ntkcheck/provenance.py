"""What a stored result needs to be reproduced exactly: library versions, platform, machine."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata


def versions() -> dict[str, str]:
    """Versions of Python, ntkcheck and the numerical stack, plus the platform."""
    out = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    for pkg in ("ntkcheck", "torch", "numpy", "scipy", "sympy", "hypothesis"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out
