"""The code version of a claim: what a stored verdict was computed with.

``<ntkcheck version>+<12 hex digits>`` hashing the claim's declaration (requirements, sizes,
assumptions, constants, foil) together with the source of every ``.py`` file in the claim's
paper folder (the folder of the module that defines its measurement; a top-level module's own
file). Editing a bound or a
measurement therefore retires the stored verdicts of that paper's claims; a change of the
library underneath is covered by the ntkcheck version.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Claim imports sympy; the cached claim listing hashes sources without it
    from ntkcheck.claims.claim import Claim


def paper_sources(claim: Claim) -> Path | None:
    """What the claim's measurement code is: the folder of the module that defines it (its
    paper package), or that module's file alone when it is a top-level module (whose folder
    may be site-packages); None if it has no file (e.g. defined at a prompt)."""
    fn = inspect.unwrap(claim.measure)
    try:
        path = Path(inspect.getfile(fn)).resolve()
    except (TypeError, OSError):
        return None
    if not path.is_file():
        return None
    module = sys.modules.get(getattr(fn, "__module__", "") or "")
    top_level = "." not in getattr(fn, "__module__", ".") and not hasattr(module, "__path__")
    return path if top_level else path.parent


def code_version(claim: Claim) -> str:
    """``<ntkcheck version>+<hash of the declaration and the paper folder's code>``."""
    digest = hashlib.sha256(canonical_json(declaration(claim)).encode())
    sources = paper_sources(claim)
    if sources is not None:
        add_sources(digest, sources)
    return f"{metadata.version('ntkcheck')}+{digest.hexdigest()[:12]}"


def add_sources(digest: Any, sources: Path) -> None:
    """Feed the ``.py`` files of ``sources`` (a folder: every one below it, sorted, skipping
    ``__pycache__``; a file: itself) into the hashlib ``digest``, each as its relative path
    then its bytes."""
    if sources.is_file():
        files, root = [sources], sources.parent
    else:
        files, root = sorted(sources.rglob("*.py")), sources
    for path in files:
        if "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())


def declaration(claim: Claim) -> dict[str, Any]:
    """The claim's declared data (no functions), as compared by :func:`code_version`."""
    return {
        "id": claim.id,
        "status": claim.status,
        "requirements": [
            [
                r.name,
                r.quantity,
                r.relation,
                [str(p) for p in r.parts()],
                r.tolerance,
                r.report_only,
                r.range,
                list(r.where),
            ]
            for r in claim.requirements
        ],
        "assumptions": [str(a) for a in claim.assumptions],
        "sizes": {size: claim.setting(size) for size in ("quick", "default", "full")},
        "constants": dict(claim.constants),
        "foil": [claim.foil.description, dict(claim.foil.setting)],
    }


def canonical_json(value: Any) -> str:
    """Deterministic JSON of a declaration or setting, for hashing: sorted keys, tuples as lists,
    numpy/torch values as their Python numbers or lists, anything else (sympy) as its text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_plain)


def _plain(x: Any) -> Any:
    return x.tolist() if hasattr(x, "tolist") else str(x)
