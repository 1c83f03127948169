"""mkdocs hook: generate one page per registered claim (and the claims index) at build time,
with the last measurements from ``results/report.json`` when a report exists."""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.structure.files import File, Files

from ntkcheck.claims import registry
from ntkcheck.docs_pages import claim_page, index_page
from ntkcheck.report import read_report


def on_files(files: Files, config) -> Files:
    results = Path(os.environ.get("NTKCHECK_RESULTS", "results"))
    verdicts = {}
    if (results / "report.json").exists():
        verdicts = {v.claim_id: v for v in read_report(results / "report.json")}
    claims = list(registry().values())
    files.append(File.generated(config, "claims/index.md", content=index_page(claims, verdicts)))
    for claim in claims:
        png = results / "figures" / f"{claim.id}.png"
        figure = None
        if png.exists():
            files.append(File.generated(config, f"claims/{claim.id}.png", content=png.read_bytes()))
            figure = f"{claim.id}.png"
        page = claim_page(claim, verdicts.get(claim.id), figure)
        files.append(File.generated(config, f"claims/{claim.id}.md", content=page))
    return files
