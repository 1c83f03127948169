"""Docs cannot rot: the site builds in strict mode, and every command and Python snippet shown
in README.md and docs/*.md runs (ntkcheck commands at quick size)."""

from __future__ import annotations

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

from ntkcheck.claims import get_claim
from ntkcheck.cli import main

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


@pytest.mark.skipif(
    shutil.which("mkdocs") is None and not (Path(sys.executable).parent / "mkdocs").exists(),
    reason="mkdocs not installed (pip install -e '.[docs]')",
)
def test_docs_build_strict(tmp_path):
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).parent / "mkdocs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NTKCHECK_RESULTS": str(tmp_path)}
    done = subprocess.run([mkdocs, "build", "--strict", "-d", str(tmp_path / "site")], cwd=ROOT,
                          env=env, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    site = tmp_path / "site" / "claims"
    # Statements render intact: brackets are not links, "|" does not split a table cell.
    sigma = (site / "balaji.sigma_min.init" / "index.html").read_text()
    assert "α² ≈ E[φ'(g)²](1 − √(m/k))²" in html.unescape(sigma)
    index = html.unescape((site / "index.html").read_text())
    generalization = get_claim("terjek.generalization").statement
    assert generalization in re.sub(r"<[^>]+>", "", index)
    assert "du2019.gd.linear_rate" in index  # the example plugin's claims are documented too
