"""One docs page per registered claim, generated from the claim record and the last report.

Used by the mkdocs hook (``docs/hooks.py``) at build time, so the pages never drift from the
registry: statement, source, status, the bounds (LaTeX where they are formulas), assumptions,
constants, the foil, the exact command that reproduces the check, its figure and its last
measured numbers. Text from claims is escaped, so a statement such as "α² ≈ E[φ'(g)²](1 − √m)²"
or "|f − y|" renders as written.
"""

from __future__ import annotations

import re
from typing import Any

from ntkcheck.claims.verdict import Verdict

STATUS_MEANING = {
    "paper": "the statement is the paper's own (abstract, figures or code)",
    "lineage": "the bound is the standard form from the work the paper builds on; free "
    "constants are explicit, named parameters",
    "derived": "follows exactly from the model's definition; checked to rounding",
}
OUTCOME_BADGE = {"pass": "PASS", "fail": "FAIL", "vacuous": "VACUOUS", "error": "ERROR"}


def text(s: str) -> str:
    """Claim text for Markdown: brackets, emphasis and HTML characters taken literally."""
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", s)


def cell(s: str) -> str:
    """Text for a table cell: as :func:`text`, on one line."""
    return text(" ".join(s.split()))


def claim_page(claim: Any, verdict: Verdict | None, figure: str | None) -> str:
    """Markdown of one claim's page. ``figure``: site-relative path of its PNG, if any."""
    lines = [
        f"# `{claim.id}`",
        "",
        f"**Status: {claim.status}** — {STATUS_MEANING[claim.status]}.  ",
        f"**Source:** {text(claim.source.cite())}.",
        "",
        f"> {text(claim.statement)}",
        "",
        "## Bounds",
        "",
        "| requirement | relation | range of the quantity | gates the verdict |",
        "|---|---|---|---|",
    ]
    for r in claim.requirements:
        gate = "report-only" if r.report_only else "yes"
        span = "—" if r.range is None else f"[{r.range[0]:g}, {r.range[1]:g}]"
        lines.append(f"| {cell(r.description)} | ${r.latex()}$ | {span} | {gate} |")
    if claim.assumptions:
        import sympy as sp

        lines += [
            "",
            "**Assumptions:** " + ", ".join(f"${sp.latex(a)}$" for a in claim.assumptions),
        ]
    if claim.constants:
        consts = ", ".join(f"`{k}` = {v:g}" for k, v in claim.constants.items())
        lines += ["", f"**Named constants:** {consts}"]
    foil = ", ".join(f"`{k}={v}`" for k, v in claim.foil.setting.items())
    lines += [
        "",
        f"**Foil** (the check must fail under it): {text(claim.foil.description)}"
        + (f" (setting {foil})" if foil else " (a perturbation of the measured values)")
        + ".",
        "",
        "## Reproduce",
        "",
        "```bash",
        f"ntkcheck verify {claim.id}",
        f"ntkcheck verify {claim.id} --quick   # seconds",
        f"ntkcheck verify {claim.id} --foil    # must FAIL",
        "```",
        "",
        "Settings:",
        "",
        "| field | type | quick | default | full |",
        "|---|---|---|---|---|",
    ]
    sizes = {s: claim.setting(s) for s in ("quick", "default", "full")}
    for key, field in claim.fields.items():
        vals = [cell(field.format(sizes[s][key])) for s in ("quick", "default", "full")]
        lines.append(f"| `{key}` | {cell(field.type_name)} | " + " | ".join(vals) + " |")
    lines += ["", "## Last measurement", ""]
    lines += _measurement(verdict)
    if figure:
        lines += ["", f"![{claim.id}]({figure})"]
    if claim.known_failure:
        lines += ["", '!!! warning "Known failure"', f"    {text(claim.known_failure)}"]
    if claim.notes:
        lines += ["", "## Notes", "", text(claim.notes)]
    return "\n".join(lines) + "\n"


def _measurement(verdict: Verdict | None) -> list[str]:
    if verdict is None:
        return ["Not measured yet: run the command above (or `ntkcheck verify`)."]
    lines = [
        f"**{OUTCOME_BADGE[verdict.outcome]}** (margin {verdict.margin:+.3g}, "
        f"{verdict.seconds:.1f} s, torch {verdict.versions.get('torch', '?')}); "
        f"reproduce with `{verdict.command}`.",
        "",
        "| requirement | measured | relation | bound | margin | tightness | outcome |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in verdict.requirements:
        m, b = r.headline()
        lines.append(
            f"| {cell(r.name)} | {cell(m)} | {cell(r.relation)} | {cell(b)} | "
            f"{r.margin:+.3g} | {r.tightness:.3g} | {r.tag()} |"
        )
    if verdict.error:
        lines += ["", f"Error: {text(verdict.reason())}"]
    return lines


def index_page(claims: list[Any], verdicts: dict[str, Verdict]) -> str:
    """The claims overview: one row per claim with paper, status, last outcome and statement."""
    lines = ["# Claims", "", "| claim | status | last verdict | statement |", "|---|---|---|---|"]
    for c in claims:
        v = verdicts.get(c.id)
        outcome = OUTCOME_BADGE[v.outcome] if v else "not run"
        lines.append(f"| [`{c.id}`]({c.id}.md) | {c.status} | {outcome} | {cell(c.statement)} |")
    return "\n".join(lines) + "\n"
