"""The registry is the ``ntkcheck.claims`` entry point: built-in papers load through it, a
broken plugin is skipped with a warning naming it, duplicate ids are refused."""

from __future__ import annotations

import sys
import types
from importlib.metadata import EntryPoint

import pytest
from _toy import toy_claim

import ntkcheck.claims.plugins as plugins
from ntkcheck.claims import PluginWarning, Requirement, registry
from ntkcheck.claims.check import check
from ntkcheck.cli import main

_REQS = (Requirement("value", "<=", 1.0, "value"),)


def _measure(*, seed: int = 0) -> dict:
    return {"value": 0.5}


@pytest.fixture
def fake_plugins(monkeypatch):
    """Entry points: a good paper, a broken one, one without CLAIMS, and a duplicate."""
    good = types.ModuleType("goodpaper")
    good.CLAIMS = (toy_claim(id="goodpaper.toy.claim", measure=_measure, requirements=_REQS),)
    monkeypatch.setitem(sys.modules, "goodpaper", good)
    monkeypatch.setitem(sys.modules, "emptypaper", types.ModuleType("emptypaper"))
    group = plugins.ENTRY_POINT_GROUP
    points = [
        EntryPoint("good", "goodpaper", group),
        EntryPoint("broken", "no_such_module_for_ntkcheck", group),
        EntryPoint("empty", "emptypaper", group),
        EntryPoint("twice", "goodpaper:CLAIMS", group),
    ]
    monkeypatch.setattr(plugins, "entry_points", lambda group: points)
    plugins.reload()
    yield
    plugins.reload()


def test_a_broken_plugin_warns_by_name_and_the_others_load(fake_plugins):
    with pytest.warns(PluginWarning) as caught:
        claims = registry()
    messages = " ".join(str(w.message) for w in caught)
    assert list(claims) == ["goodpaper.toy.claim"]
    assert "'broken'" in messages and "no_such_module_for_ntkcheck" in messages
    assert "'empty'" in messages and "no CLAIMS" in messages
    assert "'twice'" in messages and "already registered" in messages
    assert check("goodpaper.toy.claim").outcome == "pass"


def test_list_prints_the_warning_and_succeeds(fake_plugins, capsys):
    assert main(["list"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith("goodpaper.toy.claim ")
    assert "warning: the claims plugin 'broken'" in err


def test_the_built_in_papers_register_through_the_entry_point():
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group=plugins.ENTRY_POINT_GROUP)}
    for paper in ("terjek", "balaji", "shah"):
        assert names[paper] == f"ntkcheck.proofs.{paper}"
        assert any(c.paper == paper for c in registry().values())
