"""``ntkcheck list`` from a cached listing: the same rows as the registry, without importing the
papers (or torch) while nothing changed, rebuilt after any edit, never cached with problems."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint

import pytest

import ntkcheck.claims.plugins as plugins
from ntkcheck.claims.listing import cache_path, claim_listing, fingerprint
from ntkcheck.cli import main

PAPER = textwrap.dedent(
    """
    from _toy import toy_claim
    from ntkcheck.claims import Requirement

    def _measure(*, seed: int = 0) -> dict:
        return {{"value": 0.5}}

    CLAIMS = (
        toy_claim(
            id="diskpaper.toy.claim",
            statement="{statement}",
            measure=_measure,
            requirements=(Requirement("value", "<=", 1.0, "value"),),
        ),
    )
    """
)


@pytest.fixture
def disk_paper(tmp_path, monkeypatch):
    """A paper package on disk, the only registered plugin."""
    package = tmp_path / "diskpaper"
    package.mkdir()
    (package / "__init__.py").write_text(PAPER.format(statement="First statement."))
    monkeypatch.syspath_prepend(str(tmp_path))
    points = [EntryPoint("disk", "diskpaper", plugins.ENTRY_POINT_GROUP)]
    monkeypatch.setattr(plugins, "entry_points", lambda group: points)
    plugins.reload()
    yield package
    sys.modules.pop("diskpaper", None)
    plugins.reload()


def _no_registry(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the registry was loaded although the cached listing is current")

    monkeypatch.setattr(plugins, "select", refuse)


def test_the_listing_is_cached_and_served_while_nothing_changed(disk_paper, monkeypatch):
    rows, problems = claim_listing()
    assert problems == ()
    assert rows == [
        {"id": "diskpaper.toy.claim", "paper": "diskpaper", "status": "derived",
         "statement": "First statement."}
    ]  # fmt: skip
    assert json.loads(cache_path().read_text())["key"] == fingerprint()
    _no_registry(monkeypatch)
    assert claim_listing() == (rows, ())


def test_an_edited_paper_file_rebuilds_the_listing(disk_paper, monkeypatch):
    claim_listing()
    before = fingerprint()
    (disk_paper / "__init__.py").write_text(PAPER.format(statement="Second statement."))
    sys.modules.pop("diskpaper", None)
    plugins.reload()
    assert fingerprint() != before
    rows, _ = claim_listing()
    assert rows[0]["statement"] == "Second statement."


def test_a_single_module_plugin_fingerprints_its_file_not_its_folder(tmp_path, monkeypatch):
    """A top-level module's folder is site-packages: the fingerprint hashes the module itself,
    so the rest of that folder neither costs time nor invalidates the listing."""
    (tmp_path / "onefile.py").write_text(PAPER.format(statement="One file."))
    (tmp_path / "unrelated.py").write_text("x = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "onefile", raising=False)
    points = [EntryPoint("one", "onefile", plugins.ENTRY_POINT_GROUP)]
    monkeypatch.setattr(plugins, "entry_points", lambda group: points)
    before = fingerprint()
    (tmp_path / "unrelated.py").write_text("x = 2\n")
    assert fingerprint() == before
    (tmp_path / "onefile.py").write_text(PAPER.format(statement="Edited."))
    assert fingerprint() != before


def test_a_damaged_cache_is_rebuilt(disk_paper):
    cache_path().parent.mkdir(parents=True, exist_ok=True)
    for damaged in ("{not json", json.dumps({"key": fingerprint(), "claims": [{"id": 1}]})):
        cache_path().write_text(damaged)
        rows, _ = claim_listing()
        assert rows[0]["id"] == "diskpaper.toy.claim"


def test_a_listing_with_a_broken_plugin_is_never_cached(disk_paper, monkeypatch, capsys):
    """The broken plugin's folder is fingerprinted like any other, but its problem (here a
    missing dependency) lies outside it: the warning must show on every call until fixed."""
    broken = disk_paper.parent / "brokenpaper"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise ImportError('brokenpaper needs scikit-learn')\n")
    points = [
        EntryPoint("broken", "brokenpaper", plugins.ENTRY_POINT_GROUP),
        EntryPoint("disk", "diskpaper", plugins.ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(plugins, "entry_points", lambda group: points)
    plugins.reload()
    assert fingerprint() is not None
    for _ in range(2):
        assert main(["list"]) == 0
        out, err = capsys.readouterr()
        assert out.startswith("diskpaper.toy.claim ")
        assert "warning: the claims plugin 'broken'" in err and "scikit-learn" in err
        assert not cache_path().exists()
        plugins.reload()


def test_the_installed_papers_list_without_importing_torch(tmp_path):
    """Two ``ntkcheck list`` runs: the second reads the cache and imports neither torch nor a
    paper, and prints the same listing."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    code = (
        "import sys; from ntkcheck.cli import main; main(['list']); "
        "loaded = [m for m in ('torch', 'sympy', 'ntkcheck.proofs.terjek') if m in sys.modules]; "
        "print('loaded:', loaded)"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    first, second = (r.stdout.splitlines() for r in runs)
    assert first[-1] != "loaded: []"
    assert second[-1] == "loaded: []"
    assert first[:-1] == second[:-1] and first[-2].endswith(" claims")
