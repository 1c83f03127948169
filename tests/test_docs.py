"""Docs cannot rot: the site builds in strict mode, and every command and Python snippet shown
in README.md and docs/*.md runs (ntkcheck commands at quick size)."""

from __future__ import annotations

import dataclasses
import html
import inspect
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ntkcheck.claims import code_version, get_claim, registry
from ntkcheck.cli import main
from ntkcheck.report import read_report

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _blocks(lang: str) -> list[tuple[str, str]]:
    out = []
    for page in PAGES:
        for block in re.findall(rf"```{lang}\n(.+?)\n```", page.read_text(), flags=re.S):
            out.append((str(page.relative_to(ROOT)), block))
    return out


def _ntkcheck_commands() -> list[tuple[str, list[str]]]:
    cmds = []
    for page, block in _blocks("bash"):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("ntkcheck "):
                cmds.append((page, shlex.split(line)[1:]))
    return cmds


@pytest.mark.parametrize(("page", "args"), _ntkcheck_commands(), ids=lambda a: str(a))
def test_every_ntkcheck_command_in_the_docs_runs(page, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if args[0] in ("verify", "demo") and "--quick" not in args:
        args = [*args, "--quick"]
    if "--budget" in args:  # explore: the documented budget, shortened (run, not search)
        args[args.index("--budget") + 1] = "10"
    if args[0] == "record":  # one fast claim into a scratch folder, not the whole main job
        args = [
            *args,
            "du2019.gram.init",
            "--out",
            str(tmp_path / "ev"),
            "--store",
            str(tmp_path / "s.sqlite"),
        ]
    assert main(args) == 0, f"{page}: ntkcheck {' '.join(args)}"


def _pages_with_python() -> list[str]:
    return sorted({page for page, _ in _blocks("python")})


@pytest.mark.parametrize("page", _pages_with_python())
def test_every_python_snippet_in_the_docs_runs(page, tmp_path, monkeypatch):
    """A page's snippets run in order in one namespace (later ones build on earlier ones, as a
    reader would type them); zero-argument test functions they define are called too."""
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block_page, code in _blocks("python"):
        if block_page == page:
            exec(compile(code, f"<{page}>", "exec"), namespace)  # noqa: S102 - our own docs
    for name, value in namespace.items():
        if name.startswith("test_") and callable(value) and not inspect.signature(value).parameters:
            value()


def test_setup_commands_are_the_readme_ones():
    readme = [b for p, b in _blocks("bash") if p == "README.md"]
    for page, block in _blocks("bash"):
        for line in block.splitlines():
            if "pip install" in line:
                assert any(line in r for r in readme) or "torch==2.13.0" in line, (page, line)


EVIDENCE = ROOT / "docs" / "evidence"


def _repository_claims() -> list:
    """The claims whose measurement code lives in this repository (the built-in papers and the
    example package): the recorded run must cover them."""
    from ntkcheck.claims.version import paper_sources

    return [c for c in registry().values() if (paper_sources(c) or Path("/")).is_relative_to(ROOT)]


def test_the_recorded_run_is_complete_and_current():
    """docs/evidence holds a verdict and a figure for every claim of this repository, measured by
    the code on this commit: a changed claim makes this fail until the record is regenerated."""
    report = EVIDENCE / "report.json"
    assert report.exists(), "No recorded run in docs/evidence. Regenerate it: ntkcheck record"
    recorded = {v.claim_id: v for v in read_report(report)}
    problems = []
    for claim in _repository_claims():
        verdict = recorded.get(claim.id)
        if verdict is None:
            problems.append(f"{claim.id}: not recorded")
        elif verdict.code_version != code_version(claim):
            problems.append(
                f"{claim.id}: stale (recorded {verdict.code_version}, code {code_version(claim)})"
            )
        elif not (EVIDENCE / "figures" / f"{claim.id}.svg").exists():
            problems.append(f"{claim.id}: no figure")
    assert not problems, "\n".join(problems) + "\nRegenerate the record: ntkcheck record"


def test_a_stale_record_is_said_plainly_and_not_shown_as_current():
    from ntkcheck.docs_pages import claim_page

    claim = get_claim("du2019.gram.init")
    verdict = next(v for v in read_report(EVIDENCE / "report.json") if v.claim_id == claim.id)
    current = claim_page(claim, verdict, f"{claim.id}.svg")
    assert "Provenance:" in current and "| requirement | measured" in current
    old = claim_page(claim, dataclasses.replace(verdict, code_version="0.0.1+old"), "x.svg")
    assert "Stale" in old and "ntkcheck record" in old
    assert "| requirement | measured" not in old and "x.svg" not in old


@pytest.mark.skipif(
    shutil.which("mkdocs") is None and not (Path(sys.executable).parent / "mkdocs").exists(),
    reason="mkdocs not installed (pip install -e '.[docs]')",
)
def test_docs_build_strict_with_the_evidence_on_every_claim_page(tmp_path):
    """The site builds from the recorded run without measuring anything: every claim page has
    its figure, its numbers against the bounds and a provenance line; statements render intact."""
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).parent / "mkdocs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("NTKCHECK_RESULTS", None)
    done = subprocess.run(
        [mkdocs, "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    site = tmp_path / "site" / "claims"
    for claim in _repository_claims():
        page = html.unescape((site / claim.id / "index.html").read_text())
        assert f'src="../{claim.id}.svg"' in page, claim.id
        assert "Provenance:" in page and "tightness" in page, claim.id
    # Statements render intact: brackets are not links, "|" does not split a table cell.
    sigma = (site / "balaji.sigma_min.init" / "index.html").read_text()
    assert "α² ≈ E[φ'(g)²](1 − √(m/k))²" in html.unescape(sigma)
    index = html.unescape((site / "index.html").read_text())
    generalization = get_claim("terjek.generalization").statement
    assert generalization in re.sub(r"<[^>]+>", "", index)
