"""The claim layer: a paper's claims as data, checked against measurements.

A :class:`Claim` states a bound (:class:`Requirement`), where it comes from (:class:`Source`),
the measurement that tests it (whose keyword signature is the setting schema), and the
:class:`Foil` under which it must fail. :func:`check` measures and judges it into a
:class:`Verdict` (pass, fail, vacuous or error). Papers register their claims through the
``ntkcheck.claims`` entry point (:mod:`ntkcheck.claims.plugins`); this package never imports a
paper.
"""

# Declaring a claim
# Checking it, and exploring its space
from ntkcheck.claims.check import (
    check,
    foiled,
    inside_assumptions,
    reproduce_command,
    violated_assumptions,
)
from ntkcheck.claims.claim import Claim, Finding, Foil, Requirement, Source
from ntkcheck.claims.explore import Exploration, explore, region
from ntkcheck.claims.figure import Figure
from ntkcheck.claims.grid import grid

# The registry
from ntkcheck.claims.plugins import (
    ENTRY_POINT_GROUP,
    get_claim,
    load_problems,
    registry,
    reload,
    select,
)
from ntkcheck.claims.schema import Count, Counts, Positive, Positives, Range, Seed
from ntkcheck.claims.space import Choice, Floats, Ints, Space, Sweep
from ntkcheck.claims.verdict import RequirementResult, Verdict
from ntkcheck.claims.version import code_version

# Errors
from ntkcheck.errors import (
    ClaimDefinitionError,
    PluginWarning,
    SettingError,
    UnknownClaimError,
)

__all__ = [
    "Choice",
    "Claim",
    "ClaimDefinitionError",
    "Count",
    "Counts",
    "ENTRY_POINT_GROUP",
    "Exploration",
    "Figure",
    "Finding",
    "Floats",
    "Foil",
    "Ints",
    "PluginWarning",
    "Positive",
    "Positives",
    "Range",
    "Requirement",
    "RequirementResult",
    "Seed",
    "SettingError",
    "Source",
    "Space",
    "Sweep",
    "UnknownClaimError",
    "Verdict",
    "check",
    "code_version",
    "explore",
    "foiled",
    "get_claim",
    "grid",
    "inside_assumptions",
    "load_problems",
    "region",
    "registry",
    "reload",
    "reproduce_command",
    "select",
    "violated_assumptions",
]
