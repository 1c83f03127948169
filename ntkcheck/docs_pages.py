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


def claim_page(
    claim: Any,
    verdict: Verdict | None,
    figure: str | None,
    region: dict[str, Any] | None = None,
    explored_figure: str | None = None,
) -> str:
    """Markdown of one claim's page. ``figure``: site-relative path of its PNG, if any;
    ``region``: :func:`ntkcheck.claims.region` of the results store (where the claim has been
    checked, and its counterexamples); ``explored_figure``: the explored-region figure."""
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
    lines += _region(claim, region, explored_figure)
    if claim.known_failure:
        lines += ["", '!!! warning "Known failure"', f"    {text(claim.known_failure)}"]
    for finding in claim.findings:
        from ntkcheck.claims.check import reproduce_command

        quick = claim.setting("quick")
        command = reproduce_command(claim, "quick", {**quick, **finding.setting}, quick)
        lines += [
            "",
            '!!! failure "Finding: it fails inside its assumptions"',
            f"    {text(finding.note)} Reproduce: `{command}`",
        ]
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


def _region(claim: Any, region: dict[str, Any] | None, figure: str | None) -> list[str]:
    lines = ["", "## Where it was checked", ""]
    if claim.space is not None:
        axes = ", ".join(f"`{name}`" for name in claim.space.axes)
        lines.append(f"The theorem's space varies {axes} (and the seed); explore it with "
                     f"`ntkcheck explore {claim.id}` (add `--outside-assumptions` to drop "
                     "its assumptions).")  # fmt: skip
    if not region or not region["settings"]:
        return [*lines, "", "No explored settings are recorded with this documentation."]
    counts = ", ".join(f"{n} {o}" for o, n in region["outcomes"].items() if n)
    lines += ["", f"**{region['settings']} settings** checked at this code version ({counts}):", ""]
    for name, span in region["ranges"].items():
        lines.append(f"- `{name}`: {cell(' … '.join(str(v) for v in (span[0], span[-1])))}")
    for found in region["counterexamples"]:
        where = "inside" if found["inside_assumptions"] else "outside"
        lines += [
            "",
            f'!!! {"failure" if where == "inside" else "note"} "Counterexample {where} the '
            f"claim's assumptions\"",
            f"    {text(found['reason'])}. Reproduce: `{found['reproduce']}`",
        ]
    if figure:
        lines += ["", f"![explored region of {claim.id}]({figure})"]
    return lines


def index_page(claims: list[Any], verdicts: dict[str, Verdict]) -> str:
    """The claims overview: one row per claim with paper, status, last outcome and statement."""
    lines = ["# Claims", "", "| claim | status | last verdict | statement |", "|---|---|---|---|"]
    for c in claims:
        v = verdicts.get(c.id)
        outcome = OUTCOME_BADGE[v.outcome] if v else "not run"
        lines.append(f"| [`{c.id}`]({c.id}.md) | {c.status} | {outcome} | {cell(c.statement)} |")
    return "\n".join(lines) + "\n"
