"""The wheel holds every package: pyproject's explicit package list (proofs/ installs as
ntkcheck.proofs) names every folder with an __init__.py, and nothing else."""

from __future__ import annotations

from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed():
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    dirs = tool["package-dir"]
    found = set()
    for name, folder in dirs.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            if "__pycache__" not in rel and not (name == "ntkcheck" and rel[:1] == ("proofs",)):
                found.add(".".join((name, *rel)))
    assert set(tool["packages"]) == found
