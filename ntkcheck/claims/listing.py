"""The claim listing (id, paper, status, statement of every registered claim) without importing
the papers when nothing changed.

Loading the registry imports every paper package and with it torch, scipy and sympy (≈ 3 s);
``ntkcheck list`` only needs the declarations' text. The listing is cached as JSON (data, never
code) under the user's cache folder, keyed by a fingerprint of what it is built from: the
``ntkcheck.claims`` entry points, the installed versions of their distributions, and the
contents of every source file of each plugin's package folder and of the claim layer itself.
Any edit, install or removal changes the key and the registry is loaded again. A listing
with plugin problems (a plugin that failed to import, a duplicate id) is never cached: the
problem may lie outside the fingerprinted files (a missing dependency), and its warning must
be shown every time until it is fixed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from ntkcheck.claims import plugins
from ntkcheck.claims.version import add_sources

_FORMAT = 1
_CLAIMS_PACKAGE = Path(__file__).resolve().parent


def cache_path() -> Path:
    """``$XDG_CACHE_HOME/ntkcheck/claims-listing.json`` (``~/.cache`` when unset)."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "ntkcheck" / "claims-listing.json"


def fingerprint() -> str | None:
    """Hash of the entry points, their distributions' versions and every ``.py`` file of each
    plugin's package folder (a top-level single-module plugin: that file) and of
    :mod:`ntkcheck.claims`; None when a plugin's folder cannot
    be located without importing it (then nothing is cached)."""
    digest = hashlib.sha256(f"ntkcheck-listing-{_FORMAT}".encode())
    sources = {_CLAIMS_PACKAGE}
    for ep in sorted(plugins.entry_points(group=plugins.ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = ep.dist
        version = f"{dist.name}=={dist.version}" if dist is not None else "?"
        digest.update(f"{ep.name}={ep.value} [{version}]\n".encode())
        try:
            spec = importlib.util.find_spec(ep.value.split(":")[0])
        except (ImportError, ValueError):
            return None
        if spec is None or spec.origin is None:
            return None
        origin = Path(spec.origin).resolve()
        top_level = spec.submodule_search_locations is None and "." not in spec.name
        # a top-level module's folder is site-packages, not a paper: only its own file
        sources.add(origin if top_level else origin.parent)
    for source in sorted(sources):
        digest.update(str(source).encode())
        add_sources(digest, source)
    return digest.hexdigest()


def _rows(claims: Any) -> list[dict[str, str]]:
    return [
        {"id": c.id, "paper": c.paper, "status": c.status, "statement": c.statement} for c in claims
    ]


def _read(path: Path, key: str) -> list[dict[str, str]] | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != key:
        return None
    rows = record.get("claims")
    fields = {"id", "paper", "status", "statement"}
    if not isinstance(rows, list) or not all(
        isinstance(r, dict) and set(r) == fields and all(isinstance(v, str) for v in r.values())
        for r in rows
    ):
        return None
    return rows


def claim_listing() -> tuple[list[dict[str, str]], tuple[str, ...]]:
    """Rows ``{"id", "paper", "status", "statement"}`` of every registered claim in registry
    order, and the plugin load problems (warnings to show). Served from the cache when its
    fingerprint matches; otherwise the registry is loaded and, if it loaded cleanly, cached."""
    key = fingerprint()
    path = cache_path()
    if key is not None:
        rows = _read(path, key)
        if rows is not None:
            return rows, ()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", plugins.PluginWarning)
        rows = _rows(plugins.select())
    problems = plugins.load_problems()
    if key is not None and not problems:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"key": key, "claims": rows}))
            tmp.replace(path)
        except OSError:
            pass  # a cache that cannot be written only costs the next call its speed
    return rows, problems
