"""mkdocs hook: generate one page per registered claim (and the claims index) at build time,
with the last measurements from ``results/report.json``, and where each claim was checked from
the results store ``results/ntkcheck.sqlite``, when they exist (``NTKCHECK_RESULTS`` names
another folder)."""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.structure.files import File, Files

from ntkcheck.claims import region, registry
from ntkcheck.docs_pages import claim_page, index_page
from ntkcheck.report import read_report
from ntkcheck.store import ResultStore


def on_files(files: Files, config) -> Files:
    results = Path(os.environ.get("NTKCHECK_RESULTS", "results"))
    verdicts = {}
    if (results / "report.json").exists():
        verdicts = {v.claim_id: v for v in read_report(results / "report.json")}
    claims = list(registry().values())
    store = results / "ntkcheck.sqlite"
    regions = {}
    if store.exists():
        with ResultStore(store, readonly=True) as opened:
            regions = {c.id: region(c, opened) for c in claims}
    files.append(File.generated(config, "claims/index.md", content=index_page(claims, verdicts)))
    for claim in claims:
        figure = _copy(files, config, results / "figures" / f"{claim.id}.png")
        explored = _copy(files, config, results / "explore" / f"{claim.id}.png") or _copy(
            files, config, results / "explore" / f"{claim.id}.wider.png"
        )
        page = claim_page(claim, verdicts.get(claim.id), figure, regions.get(claim.id), explored)
        files.append(File.generated(config, f"claims/{claim.id}.md", content=page))
    return files


def _copy(files: Files, config, png: Path) -> str | None:
    """Add ``png`` to the site next to the claim pages; its page-relative name, or None."""
    if not png.exists():
        return None
    files.append(File.generated(config, f"claims/{png.name}", content=png.read_bytes()))
    return png.name
