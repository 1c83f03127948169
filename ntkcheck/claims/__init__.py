"""The claim layer: a paper's claims as data, checked against measurements.

A :class:`Claim` states a bound (:class:`Requirement`), where it comes from (:class:`Source`),
the measurement that tests it (whose keyword signature is the setting schema), and the
:class:`Foil` under which it must fail. :func:`check` measures and judges it into a
:class:`Verdict` (pass, fail, vacuous or error). Papers register their claims through the
``ntkcheck.claims`` entry point (:mod:`ntkcheck.claims.plugins`); this package never imports a
paper. Names are imported on first use, so that ``ntkcheck list`` can read a cached
listing (:mod:`ntkcheck.claims.listing`) without importing torch.
"""

from ntkcheck import _lazy

_EXPORTS = {
    "inside_assumptions": "ntkcheck.claims.assumptions",
    "violated_assumptions": "ntkcheck.claims.assumptions",
    "check": "ntkcheck.claims.check",
    "foiled": "ntkcheck.claims.check",
    "reproduce_command": "ntkcheck.claims.check",
    "Claim": "ntkcheck.claims.claim",
    "Finding": "ntkcheck.claims.claim",
    "Foil": "ntkcheck.claims.claim",
    "Requirement": "ntkcheck.claims.claim",
    "Source": "ntkcheck.claims.claim",
    "Exploration": "ntkcheck.claims.explore",
    "explore": "ntkcheck.claims.explore",
    "region": "ntkcheck.claims.explore",
    "Figure": "ntkcheck.claims.figure",
    "grid": "ntkcheck.claims.grid",
    "ENTRY_POINT_GROUP": "ntkcheck.claims.plugins",
    "get_claim": "ntkcheck.claims.plugins",
    "load_problems": "ntkcheck.claims.plugins",
    "registry": "ntkcheck.claims.plugins",
    "reload": "ntkcheck.claims.plugins",
    "select": "ntkcheck.claims.plugins",
    "Count": "ntkcheck.claims.schema",
    "Counts": "ntkcheck.claims.schema",
    "Positive": "ntkcheck.claims.schema",
    "Positives": "ntkcheck.claims.schema",
    "Range": "ntkcheck.claims.schema",
    "Seed": "ntkcheck.claims.schema",
    "Choice": "ntkcheck.claims.space",
    "Floats": "ntkcheck.claims.space",
    "Ints": "ntkcheck.claims.space",
    "Space": "ntkcheck.claims.space",
    "Sweep": "ntkcheck.claims.space",
    "RequirementResult": "ntkcheck.claims.verdict",
    "Verdict": "ntkcheck.claims.verdict",
    "code_version": "ntkcheck.claims.version",
    "ClaimDefinitionError": "ntkcheck.errors",
    "PluginWarning": "ntkcheck.errors",
    "SettingError": "ntkcheck.errors",
    "UnknownClaimError": "ntkcheck.errors",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = _lazy.lazy_exports(__name__, globals(), _EXPORTS)
