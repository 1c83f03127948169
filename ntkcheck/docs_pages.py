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
from ntkcheck.claims.version import code_version

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
    recorded: dict[str, Any] | None = None,
) -> str:
    """Markdown of one claim's page.

    ``verdict``: its recorded measurement (None: not recorded); ``figure``: page-relative path of
    its figure; ``region``: :func:`ntkcheck.claims.region` (where the claim has been checked,
    and its counterexamples); ``explored_figure``: the explored-region figure; ``recorded``: the
    record's provenance (``created``, ``command``, ``versions``). A recorded verdict whose code
    version is not the claim's current one is shown as stale, not as current.
    """
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
    lines += ["", "## Recorded measurement", ""]
    stale = verdict is not None and verdict.code_version != code_version(claim)
    lines += _measurement(claim, verdict, stale, recorded)
    if figure and not stale:
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


REGENERATE = "ntkcheck record"


def _measurement(
    claim: Any, verdict: Verdict | None, stale: bool, recorded: dict[str, Any] | None
) -> list[str]:
    if verdict is None:
        return [
            f"No recorded measurement: `{REGENERATE}` records every claim at the default size "
            f"(or run `ntkcheck verify {claim.id}`)."
        ]
    if stale:
        return [
            '!!! warning "Stale: the recorded measurement is of older code"',
            f"    It was recorded with code version `{verdict.code_version}`; the claim's "
            f"declaration or measurement code is now `{code_version(claim)}`, so its numbers "
            f"are not shown. Regenerate the record with `{REGENERATE}`.",
        ]
    badge = OUTCOME_BADGE[verdict.outcome]
    kind = {"pass": "success", "fail": "failure", "vacuous": "note", "error": "bug"}
    lines = [
        f'!!! {kind[verdict.outcome]} "{badge}"',
        f"    {text(verdict.reason()) or 'Every gating requirement holds.'} Margin "
        f"{verdict.margin:+.3g}; measured in {verdict.seconds:.1f} s; reproduce with "
        f"`{verdict.command}`.",
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
    lines += ["", provenance(verdict, recorded)]
    return lines


def provenance(verdict: Verdict, recorded: dict[str, Any] | None) -> str:
    """One line: when, where and with which code and libraries the verdict was measured."""
    v = verdict.versions
    libs = ", ".join(f"{k} {v[k]}" for k in ("torch", "numpy", "scipy", "sympy") if k in v)
    seeds = ", ".join(
        f"{k} = {verdict.setting[k]}" for k in ("seed", "seeds") if k in verdict.setting
    )
    when = f"recorded {recorded['created'][:10]} by `{recorded['command']}`" if recorded else ""
    parts = [
        when,
        f"{v.get('platform', '?')} ({v.get('machine', '?')})",
        f"Python {v.get('python', '?')}",
        libs,
        f"code version `{verdict.code_version}`",
        seeds,
        f"device {verdict.extras.get('device', 'cpu')}",
    ]
    return "*Provenance:* " + "; ".join(p for p in parts if p) + "."


def _region(claim: Any, region: dict[str, Any] | None, figure: str | None) -> list[str]:
    lines = ["", "## Where it was checked", ""]
    if claim.space is not None:
        axes = ", ".join(f"`{name}`" for name in claim.space.axes)
        lines.append(
            f"The theorem's space varies {axes} (and the seed); explore it with "
            f"`ntkcheck explore {claim.id}` (add `--outside-assumptions` to drop "
            "its assumptions)."
        )
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
    """The claims overview: one row per claim with its status, its recorded outcome as a badge
    (or "stale" / "not recorded") and its statement."""
    lines = [
        "# Claims",
        "",
        f"Outcomes are those of the recorded run (`{REGENERATE}`); each page shows the numbers, "
        "the figure and their provenance.",
        "",
        "| claim | status | recorded outcome | statement |",
        "|---|---|---|---|",
    ]
    for c in claims:
        v = verdicts.get(c.id)
        if v is None:
            outcome = "not recorded"
        elif v.code_version != code_version(c):
            outcome = "stale"
        else:
            outcome = f"**{OUTCOME_BADGE[v.outcome]}**" + (
                " (known failure)" if c.known_failure else ""
            )
        lines.append(f"| [`{c.id}`]({c.id}.md) | {c.status} | {outcome} | {cell(c.statement)} |")
    return "\n".join(lines) + "\n"
