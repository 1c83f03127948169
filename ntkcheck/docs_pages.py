"""One docs page per registered claim, generated from the claim record and the last report.

Used by the mkdocs hook (``docs/hooks.py``) at build time, so the pages never drift from the
registry: statement, source, status, the bound in LaTeX, assumptions, constants, the exact
command that reproduces the check, its figure and its last measured numbers.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ntkcheck.check import Verdict
from ntkcheck.report import headline

STATUS_MEANING = {
    "paper": "the statement is the paper's own (abstract, figures or code)",
    "lineage": "the bound is the standard form from the work the paper builds on; free "
    "constants are explicit, named parameters",
    "derived": "follows exactly from the model's definition; checked to rounding",
}


def claim_page(claim: Any, verdict: Verdict | None, figure: str | None) -> str:
    """Markdown of one claim's page. ``figure``: site-relative path of its PNG, if any."""
    rel = {"<=": r"\le", ">=": r"\ge", "<": "<", ">": ">", "==": "=", "in": r"\in"}
    lines = [
        f"# `{claim.id}`",
        "",
        f"**Status: {claim.status}** — {STATUS_MEANING[claim.status]}.  ",
        f"**Source:** {claim.source.cite()}.",
        "",
        f"> {claim.statement}",
        "",
        "## Bounds",
        "",
        "| requirement | relation | gates the verdict |",
        "|---|---|---|",
    ]
    for r in claim.requirements:
        math = f"{sp.latex(sp.Symbol(r.name))} {rel[r.relation]} {sp.latex(r.bound)}"
        gate = "report-only" if r.report_only else "yes"
        lines.append(f"| {r.description} | ${math}$ | {gate} |")
    if claim.assumptions:
        lines += [
            "",
            "**Assumptions:** " + ", ".join(f"${sp.latex(a)}$" for a in claim.assumptions),
        ]
    if claim.constants:
        consts = ", ".join(f"`{k}` = {v:g}" for k, v in claim.constants.items())
        lines += ["", f"**Named constants:** {consts}"]
    lines += [
        "",
        "## Reproduce",
        "",
        "```bash",
        f"ntkcheck verify {claim.id}",
        f"ntkcheck verify {claim.id} --quick   # seconds",
        "```",
        "",
        "Settings (default size):",
        "",
        "| field | quick | default | full |",
        "|---|---|---|---|",
    ]
    for key in claim.sizes["default"]:
        vals = [_cell(claim.sizes[s][key]) for s in ("quick", "default", "full")]
        lines.append(f"| `{key}` | " + " | ".join(vals) + " |")
    lines += ["", "## Last measurement", ""]
    if verdict is None:
        lines.append("Not measured yet: run the command above (or `ntkcheck verify`).")
    else:
        lines += [
            f"**{verdict.outcome.upper()}** (margin {verdict.margin:+.3g}, "
            f"{verdict.seconds:.1f} s, torch {verdict.versions.get('torch', '?')}); "
            f"reproduce with `{verdict.command}`.",
            "",
            "| requirement | measured | relation | bound | margin |",
            "|---|---|---|---|---|",
        ]
        for r in verdict.requirements:
            m, b = headline(r)
            tag = " (report-only)" if r.report_only else ""
            lines.append(f"| {r.name}{tag} | {m} | {r.relation} | {b} | {r.margin:+.3g} |")
    if figure:
        lines += ["", f"![{claim.id}]({figure})"]
    if claim.known_failure:
        lines += ["", '!!! warning "Known failure"', f"    {claim.known_failure}"]
    if claim.notes:
        lines += ["", "## Notes", "", claim.notes]
    return "\n".join(lines) + "\n"


def index_page(claims: list[Any], verdicts: dict[str, Verdict]) -> str:
    """The claims overview: one row per claim with status and last outcome."""
    lines = ["# Claims", "", "| claim | status | last verdict | statement |", "|---|---|---|---|"]
    for c in claims:
        v = verdicts.get(c.id)
        outcome = v.outcome.upper() if v else "not run"
        lines.append(f"| [`{c.id}`]({c.id}.md) | {c.status} | {outcome} | {c.statement} |")
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)
