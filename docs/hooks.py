"""mkdocs hook: one page per registered claim (and the claims index), generated at build time
from the registry and the recorded run in ``docs/evidence`` (``ntkcheck record``; the folder
``NTKCHECK_RESULTS`` names another record, e.g. a ``verify --out`` folder): its report, figures,
explored regions and provenance. Nothing is measured during the build."""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.structure.files import File, Files

from ntkcheck.claims import registry
from ntkcheck.docs_pages import claim_page, index_page
from ntkcheck.report import read_report
from ntkcheck.results import read_record

EVIDENCE = Path(__file__).parent / "evidence"


def on_files(files: Files, config) -> Files:
    folder = Path(os.environ.get("NTKCHECK_RESULTS", EVIDENCE))
    report = folder / "report.json"
    verdicts, recorded, explored = {}, None, {}
    if report.exists():
        verdicts = {v.claim_id: v for v in read_report(report)}
        record = read_record(report)
        recorded = {k: record.get(k, "") for k in ("created", "command", "versions")}
        explored = record.get("explored", {})
    claims = list(registry().values())
    files.append(File.generated(config, "claims/index.md", content=index_page(claims, verdicts)))
    for claim in claims:
        figure = _copy(files, config, folder / "figures", claim.id)
        regions = folder / "explore"
        explored_figure = _copy(files, config, regions, claim.id, "explored-") or _copy(
            files, config, regions, f"{claim.id}.wider", "explored-"
        )
        page = claim_page(
            claim, verdicts.get(claim.id), figure, explored.get(claim.id), explored_figure, recorded
        )
        files.append(File.generated(config, f"claims/{claim.id}.md", content=page))
    return files


def _copy(files: Files, config, folder: Path, name: str, prefix: str = "") -> str | None:
    """The figure ``name`` (SVG, else PNG) of ``folder`` added next to the claim pages as
    ``prefix`` + its file name; that page-relative name, or None."""
    for suffix in (".svg", ".png"):
        path = folder / f"{name}{suffix}"
        if path.exists():
            target = prefix + path.name
            files.append(File.generated(config, f"claims/{target}", content=path.read_bytes()))
            return target
    return None
