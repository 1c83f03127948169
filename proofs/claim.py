"""A claim of a paper as data: statement, sympy bound(s), assumptions, measurement, source.

A :class:`Claim` validates itself on construction: every free symbol of its bounds and
assumptions must be a setting field, a named constant or a measured quantity, so no constant
hides in a bound. ``ntkcheck.check.check(claim, setting)`` turns it into a Verdict; tests, CLI,
plots and docs pages are all generated from the registry of claims.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp

from ntkcheck.plot.spec import Figure

Status = Literal["paper", "lineage", "derived"]
Relation = Literal["<=", ">=", "<", ">", "==", "in"]
SIZES = ("quick", "default", "full")
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class ClaimDefinitionError(ValueError):
    """A claim's own definition is inconsistent (unknown symbol, missing size, bad id...)."""


@dataclass(frozen=True)
class Source:
    """Where the claim comes from: paper, arXiv id and the theorem / figure / section."""

    paper: str
    arxiv: str
    locator: str
    lineage: str = ""  # for status "lineage": the work whose standard form is used

    def cite(self) -> str:
        base = f"{self.paper}, {self.locator} (arXiv:{self.arxiv})"
        return f"{base}; bound form from {self.lineage}" if self.lineage else base


@dataclass(frozen=True)
class Requirement:
    """One "must hold" item: ``measured[name] <relation> bound``.

    ``bound`` is a sympy expression (or ``sp.Interval`` for relation "in") in setting fields,
    constants and measured quantities; arrays in the values make it an elementwise check ("for
    all t"). ``tolerance`` is relative, for "==" only. ``report_only`` items are computed and
    reported but do not decide the verdict.
    """

    name: str
    relation: Relation
    bound: sp.Basic
    description: str
    tolerance: float = 0.0
    report_only: bool = False

    def symbols(self) -> set[str]:
        return {s.name for s in self.bound.free_symbols}


@dataclass(frozen=True)
class Claim:
    """A paper's claim, checkable by ``ntkcheck.check``.

    Attributes:
        id: ``<paper>.<topic>[.<slug>]``, lower snake case.
        source, status: where it comes from and how literal the bound is ("paper": the
            paper's own statement; "lineage": the standard form from cited prior work, free
            constants named; "derived": an identity of the model's definition).
        statement: one sentence.
        requirements: the relations that must hold; the first is the headline bound.
        measure: ``measure(setting) -> dict`` of measured quantities (plain floats/arrays),
            composed of a few library calls.
        measured: names ``measure`` returns that bounds or requirements refer to.
        sizes: "quick" (tests: seconds), "default" (< ~60 s), "full" (plots: minutes).
        assumptions: sympy relations over the setting that must hold for the claim to apply.
        constants: named constants of lineage bounds (never hidden in an expression).
        settings: hypothesis strategy factory of valid settings around the quick size.
        figure: the standard figure the result feeds: an ``ntkcheck.plot.Figure`` naming which
            measured arrays play which role; None: the requirement chart.
        notes: calibration notes and reasons for any window changed from claims.md.
        known_failure: non-empty when the claim fails on its default setting: the finding, with
            its numbers. The claim stays registered and is reported as failing; the contract
            test expects the failure (strictly, so a fix is noticed).
    """

    id: str
    source: Source
    status: Status
    statement: str
    requirements: tuple[Requirement, ...]
    measure: Callable[[Mapping[str, Any]], Mapping[str, Any]]
    measured: tuple[str, ...]
    sizes: Mapping[str, Mapping[str, Any]]
    assumptions: tuple[sp.Basic, ...] = ()
    constants: Mapping[str, float] = field(default_factory=dict)
    settings: Callable[[], Any] | None = None
    figure: Figure | None = None
    notes: str = ""
    known_failure: str = ""

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ClaimDefinitionError(
                f"Claim id {self.id!r} must look like '<paper>.<topic>.<slug>' (lower snake)."
            )
        if self.status not in ("paper", "lineage", "derived"):
            raise ClaimDefinitionError(
                f"{self.id}: status must be 'paper', 'lineage' or 'derived', got {self.status!r}."
            )
        if not self.requirements:
            raise ClaimDefinitionError(f"{self.id}: a claim needs at least one requirement.")
        if all(r.report_only for r in self.requirements):
            raise ClaimDefinitionError(f"{self.id}: at least one requirement must gate.")
        missing = [s for s in SIZES if s not in self.sizes]
        if missing:
            raise ClaimDefinitionError(f"{self.id}: sizes {missing} missing; give {SIZES}.")
        keys = set(self.sizes["default"])
        for size in SIZES:
            if set(self.sizes[size]) != keys:
                raise ClaimDefinitionError(
                    f"{self.id}: size {size!r} has fields {sorted(self.sizes[size])}, "
                    f"default has {sorted(keys)}; every size sets the same fields."
                )
        known = keys | set(self.constants) | set(self.measured)
        for r in self.requirements:
            if r.name not in self.measured:
                raise ClaimDefinitionError(
                    f"{self.id}: requirement {r.name!r} is not in `measured` {self.measured}."
                )
            if r.relation not in ("<=", ">=", "<", ">", "==", "in"):
                raise ClaimDefinitionError(f"{self.id}: unknown relation {r.relation!r}.")
            if (r.relation == "in") != isinstance(r.bound, sp.Interval):
                raise ClaimDefinitionError(
                    f"{self.id}: relation 'in' goes with an sp.Interval bound and only it."
                )
            unknown = r.symbols() - known
            if unknown:
                raise ClaimDefinitionError(
                    f"{self.id}: bound of {r.name!r} uses {sorted(unknown)}, which are neither "
                    f"setting fields {sorted(keys)}, constants {sorted(self.constants)} nor "
                    f"measured {list(self.measured)}."
                )
        for a in self.assumptions:
            unknown = {s.name for s in a.free_symbols} - keys - set(self.constants)
            if unknown:
                raise ClaimDefinitionError(
                    f"{self.id}: assumption {a} uses {sorted(unknown)}: not setting fields."
                )

    @property
    def paper(self) -> str:
        return self.id.split(".")[0]

    @property
    def bound(self) -> sp.Basic:
        """The headline bound (first requirement)."""
        return self.requirements[0].bound

    def latex(self) -> str:
        """The headline relation in LaTeX, e.g. ``L_t \\le (1 - \\eta\\lambda_0/2)^t L_0``."""
        r = self.requirements[0]
        lhs = sp.latex(sp.Symbol(r.name))
        rel = {"<=": r"\le", ">=": r"\ge", "<": "<", ">": ">", "==": "=", "in": r"\in"}
        return f"{lhs} {rel[r.relation]} {sp.latex(r.bound)}"

    def setting(self, size: str = "default", **overrides: Any) -> dict[str, Any]:
        """The setting of ``size`` with ``overrides``; unknown keys list the valid ones."""
        if size not in SIZES:
            raise ValueError(f"size must be one of {SIZES}, got {size!r}.")
        base = dict(self.sizes[size])
        unknown = sorted(set(overrides) - set(base))
        if unknown:
            raise KeyError(
                f"{self.id}: unknown setting keys {unknown}; valid keys: {sorted(base)}."
            )
        base.update(overrides)
        return base
