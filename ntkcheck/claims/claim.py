"""A claim of a paper as data: statement, bounds, assumptions, measurement, foil, source.

A :class:`Claim` validates itself when it is built: its setting fields come from the keyword
signature of its ``measure`` function (see :mod:`ntkcheck.claims.schema`), every size is a valid
setting, every free symbol of a bound or an assumption is a setting field, a named constant or a
measured quantity (so no constant hides in a bound), and requirement names are unique.
:func:`ntkcheck.check` turns a claim into a :class:`~ntkcheck.claims.verdict.Verdict`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp

from ntkcheck.claims.assumptions import inside_assumptions, violated_assumptions
from ntkcheck.claims.figure import Figure
from ntkcheck.claims.schema import Field, coerce_setting, schema_of
from ntkcheck.claims.space import Space
from ntkcheck.errors import ClaimDefinitionError

Status = Literal["paper", "lineage", "derived"]
Relation = Literal["<=", ">=", "<", ">", "==", "in"]
RELATIONS = ("<=", ">=", "<", ">", "==", "in")
SIZES = ("quick", "default", "full")
Measured = Mapping[str, Any]
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class Source:
    """Where the claim comes from: paper, arXiv id, the theorem / figure / section, and for
    status "lineage" the work whose standard form of the bound is used."""

    paper: str
    arxiv: str
    locator: str
    lineage: str = ""

    def at(self, locator: str, lineage: str = "") -> Source:
        """The same paper at another place (and lineage)."""
        return dataclasses.replace(self, locator=locator, lineage=lineage)

    def cite(self) -> str:
        base = f"{self.paper}, {self.locator} (arXiv:{self.arxiv})"
        return f"{base}; bound form from {self.lineage}" if self.lineage else base


Bound = float | tuple[Any, Any] | sp.Basic | str


@dataclass(frozen=True)
class Requirement:
    """One "must hold" item: ``measured[quantity] <relation> bound``.

    ``bound``: a number; for relation "in" a window ``(lo, hi)``; a sympy expression where the
    bound is a formula of setting fields, named constants and measured quantities (shown as
    LaTeX in the docs); a string names one such symbol. Arrays make the check elementwise ("for
    all t"). ``tolerance`` is relative, for "==" only.

    ``name``: unique within the claim (default: the quantity). ``range``: the interval the
    quantity can take at all, e.g. (0, 1) for a fraction; a bound that cannot be violated within
    it makes the requirement *vacuous* rather than passed. ``where``: keys of measured arrays or
    setting fields that locate the quantity's worst element, one per axis in order (1-D, of
    that axis's length: e.g. ("depths", "widths") for a (depths, widths) array) or each of the
    quantity's own shape (e.g. ("width", "seed", "t") for runs flattened into one axis).
    ``report_only`` items are reported but do not decide the verdict.
    """

    quantity: str
    relation: Relation
    bound: Bound
    description: str
    tolerance: float = 0.0
    report_only: bool = False
    range: tuple[float, float] | None = None
    where: tuple[str, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "name", self.name or self.quantity)
        if self.relation not in RELATIONS:
            raise ClaimDefinitionError(
                f"Requirement {self.name!r}: relation {self.relation!r} is not one of {RELATIONS}."
            )
        if self.relation == "in":
            if not (isinstance(self.bound, tuple) and len(self.bound) == 2):
                raise ClaimDefinitionError(
                    f"Requirement {self.name!r}: relation 'in' takes a window (lo, hi), got "
                    f"{self.bound!r}."
                )
            set_(self, "bound", tuple(_bound_part(b, self.name) for b in self.bound))
        else:
            set_(self, "bound", _bound_part(self.bound, self.name))
        if isinstance(self.where, str):
            set_(self, "where", (self.where,))
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ClaimDefinitionError(
                f"Requirement {self.name!r}: range must be (lo, hi) with lo < hi, got {self.range}."
            )

    def parts(self) -> tuple[Any, ...]:
        """The bound's parts: (lo, hi) for a window, else (bound,)."""
        return self.bound if self.relation == "in" else (self.bound,)

    def symbols(self) -> set[str]:
        """Names of the free symbols of the bound."""
        return {s.name for p in self.parts() if isinstance(p, sp.Basic) for s in p.free_symbols}

    def latex(self) -> str:
        """The relation in LaTeX, e.g. ``L_{t} \\le L_{0} \\left(1 - ...\\right)^{t}``."""
        lhs = sp.latex(sp.Symbol(self.quantity))
        if self.relation == "in":
            lo, hi = (_latex(p) for p in self.bound)
            return rf"{lhs} \in [{lo}, {hi}]"
        rel = {"<=": r"\le", ">=": r"\ge", "<": "<", ">": ">", "==": "="}[self.relation]
        return f"{lhs} {rel} {_latex(self.bound)}"


def _bound_part(b: Any, name: str) -> float | sp.Basic:
    if isinstance(b, str):
        return sp.Symbol(b)
    if isinstance(b, sp.Basic):
        return float(b) if b.is_number else b
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        return float(b)
    raise ClaimDefinitionError(
        f"Requirement {name!r}: a bound is a number, a (lo, hi) window, a sympy expression or a "
        f"symbol name, got {b!r} ({type(b).__name__})."
    )


def _latex(b: float | sp.Basic) -> str:
    if isinstance(b, float):
        text = f"{b:g}"
        if "e" in text:
            mant, exp = text.split("e")
            text = (f"{mant} \\cdot " if mant != "1" else "") + f"10^{{{int(exp)}}}"
        return text
    return sp.latex(b)


@dataclass(frozen=True)
class Foil:
    """A declared perturbation under which the claim must fail: proof that its check can fail.

    Either ``setting``, overrides that take the measurement outside the claim's scope (a
    generator narrower than its target, random labels, a step size beyond 2/λ_max), which are
    re-measured; or ``measured``, a function that perturbs the measured values the way a wrong
    measurement would (a halved kernel, a loss decaying five times slower, an off-by-1e-6
    Jacobian) and returns the perturbed mapping. ``description`` says which, in a few words.
    """

    description: str
    setting: Mapping[str, Any] = field(default_factory=dict)
    measured: Callable[[Measured], Measured] | None = None

    def __post_init__(self) -> None:
        if bool(self.setting) == (self.measured is not None):
            raise ClaimDefinitionError(
                f"Foil {self.description!r}: give exactly one of `setting` (overrides re-measured "
                "outside the claim's scope) or `measured` (a perturbation of the measured values)."
            )


@dataclass(frozen=True)
class Finding:
    """A setting inside the claim's assumptions where it fails, found by exploring its space:
    registered with its numbers, shown on the claim's page, and replayed by the contract test
    (it must still fail; a fix is noticed). ``setting``: overrides of the quick size."""

    setting: Mapping[str, Any]
    note: str


@dataclass(frozen=True)
class Claim:
    """A paper's claim, checkable by :func:`ntkcheck.check`.

    Attributes:
        id: ``<paper>.<topic>[.<slug>]``, lower snake case.
        source, status: where it comes from and how literal the bound is ("paper": the paper's
            own statement; "lineage": the standard form from cited prior work, free constants
            named; "derived": an identity of the model's definition).
        statement: one sentence.
        requirements: the relations that must hold; the first is the headline bound.
        measure: ``measure(**setting) -> dict`` of measured quantities (numbers and arrays). Its
            keyword signature is the setting schema: annotated fields with default values.
        foil: the perturbation under which the claim must fail.
        sizes: per-size overrides of the measure's defaults: "quick" (tests: seconds) and "full"
            (plots: minutes) are required, "default" (< ~60 s) is optional.
        assumptions: sympy relations over setting fields and constants that must hold for the
            claim to apply.
        constants: named constants of lineage bounds (never hidden in an expression).
        space: the :class:`~ntkcheck.claims.space.Space` the theorem is stated for (how its
            setting fields may vary inside its assumptions and, ``wider``, outside them; what a
            draw costs); None: only the seed varies.
        figure: the standard figure the result feeds (None: the requirement chart).
        notes: calibration notes, numbers, and reasons for any window changed from the paper.
        known_failure: non-empty when the claim fails on its default setting: the finding with
            its numbers. It stays registered and is reported as failing.
        findings: settings inside its assumptions where the claim fails (:class:`Finding`).
    """

    id: str
    source: Source
    status: Status
    statement: str
    requirements: tuple[Requirement, ...]
    measure: Callable[..., Measured]
    foil: Foil
    sizes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    assumptions: tuple[sp.Basic, ...] = ()
    constants: Mapping[str, float] = field(default_factory=dict)
    space: Space | None = None
    figure: Figure | None = None
    notes: str = ""
    known_failure: str = ""
    findings: tuple[Finding, ...] = ()
    fields: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def fail(message: str) -> ClaimDefinitionError:
            return ClaimDefinitionError(f"{self.id}: {message}")

        if not _ID.match(self.id):
            raise ClaimDefinitionError(
                f"Claim id {self.id!r} must look like '<paper>.<topic>.<slug>' (lower snake case)."
            )
        if self.status not in ("paper", "lineage", "derived"):
            raise fail(f"status must be 'paper', 'lineage' or 'derived', got {self.status!r}.")
        if not isinstance(self.foil, Foil):
            raise fail("every claim needs a Foil: a perturbation under which it must fail.")
        object.__setattr__(self, "requirements", tuple(self.requirements))
        object.__setattr__(self, "assumptions", tuple(self.assumptions))
        if not self.requirements or all(r.report_only for r in self.requirements):
            raise fail("a claim needs at least one requirement that gates the verdict.")
        names = [r.name for r in self.requirements]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise fail(
                f"requirement names {twice} are used twice; give each a unique name= "
                "(two requirements on one quantity need different names)."
            )
        fields = schema_of(self.measure, self.id)
        object.__setattr__(self, "fields", fields)
        unknown_sizes = sorted(set(self.sizes) - set(SIZES))
        missing = [s for s in ("quick", "full") if s not in self.sizes]
        if unknown_sizes or missing:
            raise fail(
                f"sizes must have 'quick' and 'full' (and may have 'default'), got "
                f"{sorted(self.sizes)}."
            )
        for size in SIZES:
            self.setting(size)  # every size is a valid setting
        clash = sorted(set(self.constants) & set(fields))
        if clash:
            raise fail(f"constants {clash} are also setting fields; rename one of them.")
        coerce_setting(fields, self.foil.setting, f"{self.id} foil")
        self._check_space(fields)
        given = set(fields) | set(self.constants)
        given |= {f"{name}_max" for name, f in fields.items() if f.is_tuple}
        for a in self.assumptions:
            unknown = {s.name for s in a.free_symbols} - given
            if unknown:
                raise fail(
                    f"assumption {a} uses {sorted(unknown)}: not setting fields or "
                    f"constants ({sorted(given)})."
                )
        self._check_sizes_inside()
        self._check_findings()

    def _check_space(self, fields: Mapping[str, Field]) -> None:
        if self.space is None:
            return
        if not isinstance(self.space, Space):
            raise ClaimDefinitionError(f"{self.id}: space must be an ntkcheck.claims.Space.")
        unknown = sorted(set(self.space.axes) - set(fields))
        if unknown or not set(self.space.plot) <= set(self.space.axes):
            raise ClaimDefinitionError(
                f"{self.id}: the space names {unknown or list(self.space.plot)}, which are not "
                f"setting fields (or not axes); setting fields: {sorted(fields)}."
            )
        for name, axis in self.space.axes.items():
            for value in axis.bounds():
                fields[name].coerce(value, f"{self.id} space")

    def _check_sizes_inside(self) -> None:
        """Every size of the claim lies inside its own assumptions and space."""
        for size in SIZES:
            setting = self.setting(size)
            unmet = violated_assumptions(self, setting)
            outside = [n for n, axis in (self.space.axes.items() if self.space else ())
                       if not axis.contains(setting[n])]  # fmt: skip
            if unmet or outside:
                raise ClaimDefinitionError(
                    f"{self.id}: its {size} setting lies outside its own "
                    + (f"assumption {unmet[0]}" if unmet else f"space (fields {outside})")
                    + "; widen the space or change the size."
                )

    def _check_findings(self) -> None:
        object.__setattr__(self, "findings", tuple(self.findings))
        for finding in self.findings:
            setting = self.setting("quick", **finding.setting)
            if not inside_assumptions(self, setting):
                raise ClaimDefinitionError(
                    f"{self.id}: the finding at {dict(finding.setting)} lies outside the claim's "
                    "assumptions or space; only counterexamples inside them are findings."
                )

    @property
    def paper(self) -> str:
        return self.id.split(".")[0]

    def measured_names(self) -> set[str]:
        """The measured quantities the requirements need (the rest of a bound's symbols are
        setting fields or constants)."""
        given = set(self.fields) | set(self.constants)
        names = {r.quantity for r in self.requirements} | {
            w for r in self.requirements for w in r.where
        }
        for r in self.requirements:
            names |= r.symbols() - given
        return names

    def latex(self) -> str:
        """The headline relation in LaTeX."""
        return self.requirements[0].latex()

    def setting(self, size: str = "default", **overrides: Any) -> dict[str, Any]:
        """The full setting of ``size`` with ``overrides``, every value checked against the
        schema (an unknown key lists the valid ones)."""
        if size not in SIZES:
            raise ValueError(f"size must be one of {SIZES}, got {size!r}.")
        values = {name: f.default for name, f in self.fields.items()}
        if size != "default":
            values.update(coerce_setting(self.fields, self.sizes.get("default", {}), self.id))
        values.update(coerce_setting(self.fields, self.sizes.get(size, {}), f"{self.id} ({size})"))
        values.update(coerce_setting(self.fields, overrides, self.id))
        return values
