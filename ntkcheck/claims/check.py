"""``check(claim, setting) -> Verdict``: measure a claim on a setting and judge it.

The setting is checked against the claim's schema and assumptions before anything runs; an
exception inside the measurement gives outcome "error" with the traceback, never a pass.
``foil=True`` checks the claim under its foil (the perturbation under which it must fail).
"""

from __future__ import annotations

import dataclasses
import shlex
import time
import traceback
from collections.abc import Mapping
from typing import Any

from ntkcheck.claims.assumptions import inside_assumptions, violated_assumptions
from ntkcheck.claims.claim import SIZES, Claim
from ntkcheck.claims.judge import judge
from ntkcheck.claims.schema import SettingError
from ntkcheck.claims.verdict import Verdict
from ntkcheck.claims.version import code_version
from ntkcheck.device import on_device, resolve_device
from ntkcheck.provenance import versions


def check(
    claim: Claim | str,
    setting: Mapping[str, Any] | None = None,
    *,
    size: str = "default",
    device: str = "cpu",
    foil: bool = False,
    outside_assumptions: bool = False,
    shared: Verdict | None = None,
) -> Verdict:
    """Measure ``claim`` (a Claim or a registered id) at ``size`` with ``setting`` overrides and
    judge every requirement.

    ``device``: where the measurement's models and data live ("cpu", "cuda", "cuda:N"; seeded
    draws are identical on every device, float64 throughout). ``foil``: apply the claim's foil,
    whose setting overrides may leave the claim's assumptions (that is their point).
    ``outside_assumptions``: measure a setting that violates the claim's assumptions instead of
    refusing it (to see what happens there); ``extras["inside_assumptions"]`` records which.
    ``shared``: a verdict of another claim with the same measurement function at the same
    setting and device: its measured values are judged instead of measuring again (claims that
    read different statistics of one sweep); ``extras["measured_by"]`` names it.
    Raises :class:`~ntkcheck.claims.schema.SettingError` for an invalid setting or one that
    violates the claim's assumptions, and :class:`~ntkcheck.errors.DeviceError` for an
    unavailable device.
    """
    claim = _resolve(claim)
    overrides = dict(setting or {})
    if foil:
        overrides.update(claim.foil.setting)
    full = claim.setting(size, **overrides)
    unmet = violated_assumptions(claim, full)
    if unmet and not outside_assumptions and not (foil and claim.foil.setting):
        raise SettingError(
            f"{claim.id}: the setting violates the assumption {unmet[0]}; the claim does not "
            f"apply there. Change {_fields_of(claim, unmet[0])}, or pass --outside-assumptions "
            "(outside_assumptions=True) to measure it anyway."
        )
    target = resolve_device(device)
    base = claim.setting(size, **claim.foil.setting) if foil else claim.setting(size)
    start = time.perf_counter()
    error = ""
    if shared is not None and not _shares(claim, shared, full, str(target), foil):
        raise ValueError(
            f"{claim.id}: the shared verdict of {shared.claim_id} is not of the "
            "same measurement, setting and device."
        )
    try:
        if shared is not None:
            measured, error = (
                dict(shared.measured),
                shared.error if shared.outcome == "error" else "",
            )
        else:
            with on_device(target):
                measured = dict(claim.measure(**full))
        if foil and claim.foil.measured is not None:
            measured = dict(claim.foil.measured(measured))
    except Exception as err:  # noqa: BLE001 - reported in the verdict, never swallowed silently
        measured, error = {}, "".join(traceback.format_exception(err))
    if error:
        outcome, margin, results = "error", float("-inf"), []
    else:
        outcome, margin, results, error = judge(claim, full, measured)
    return Verdict(
        claim_id=claim.id,
        status=claim.status,
        statement=claim.statement,
        source=claim.source.cite(),
        setting=full,
        outcome=outcome,
        margin=margin,
        requirements=results,
        measured=measured,
        seconds=time.perf_counter() - start,
        versions=versions(),
        command=reproduce_command(
            claim, size, full, base, str(target), foil=foil, outside=bool(unmet) and not foil
        ),
        code_version=code_version(claim),
        error=error,
        foil=claim.foil.description if foil else "",
        extras={
            "figure": None if claim.figure is None else claim.figure.to_dict(),
            "device": str(target),
            "inside_assumptions": inside_assumptions(claim, full),
            "measurement": measurement_key(claim, full, str(target)),
            **({"measured_by": shared.claim_id} if shared is not None else {}),
        },
    )


def measurement_key(claim: Claim, setting: Mapping[str, Any], device: str) -> str:
    """Claims with equal keys measure the same thing: one measurement serves them all."""
    fn = claim.measure
    return repr((fn.__module__, fn.__qualname__, sorted(setting.items()), device))


def _shares(
    claim: Claim, shared: Verdict, setting: Mapping[str, Any], device: str, foil: bool
) -> bool:
    key = measurement_key(claim, setting, device)
    return not foil and not shared.foil and shared.extras.get("measurement") == key


def foiled(claim: Claim, verdict: Verdict, size: str = "default") -> Verdict:
    """The verdict of ``claim`` under a *measured* foil, judged on the measurement of an
    unfoiled ``verdict`` (no re-measurement). Setting foils need :func:`check` with foil=True."""
    if claim.foil.measured is None:
        raise ValueError(f"{claim.id}: its foil re-measures a setting; use check(foil=True).")
    if verdict.foil or verdict.outcome == "error":
        raise ValueError(f"{claim.id}: foil a clean, measured verdict (got {verdict.outcome}).")
    measured = dict(claim.foil.measured(dict(verdict.measured)))
    outcome, margin, results, error = judge(claim, verdict.setting, measured)
    device = verdict.extras.get("device", "cpu")
    return dataclasses.replace(
        verdict,
        outcome=outcome,
        margin=margin,
        requirements=results,
        measured=measured,
        error=error,
        foil=claim.foil.description,
        cached=False,
        command=reproduce_command(
            claim, size, verdict.setting, claim.setting(size), device, foil=True
        ),
    )


def reproduce_command(
    claim: Claim,
    size: str,
    setting: Mapping[str, Any],
    base: Mapping[str, Any],
    device: str = "cpu",
    *,
    foil: bool = False,
    outside: bool = False,
) -> str:
    """The ``ntkcheck verify`` command that re-runs exactly this setting (fields that differ
    from ``base``, the size's own setting, are passed with ``--set``; ``outside``: the setting
    violates the claim's assumptions)."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}.")
    flags = {"quick": " --quick", "full": " --full"}.get(size, "")
    flags += " --foil" if foil else ""
    flags += " --outside-assumptions" if outside else ""
    flags += "" if device == "cpu" else f" --device {device}"
    sets = "".join(
        f" --set {shlex.quote(f'{k}={claim.fields[k].format(v)}')}"
        for k, v in setting.items()
        if v != base.get(k)
    )
    return f"ntkcheck verify {claim.id}{flags}{sets}"


def _fields_of(claim: Claim, assumption: Any) -> str:
    return ", ".join(sorted(s.name for s in assumption.free_symbols if s.name in claim.fields))


def _resolve(claim: Claim | str) -> Claim:
    if isinstance(claim, str):
        from ntkcheck.claims.plugins import get_claim

        return get_claim(claim)
    return claim
