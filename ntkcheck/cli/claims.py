"""Claim commands: list, verify, status, plot."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import warnings
from pathlib import Path
from typing import Any


def _plugins() -> Any:
    """The loaded claims plugins (:mod:`ntkcheck.claims.plugins`), with load problems printed
    once as warnings on stderr."""
    from ntkcheck.claims import plugins

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", plugins.PluginWarning)
        plugins.registry()
    for problem in plugins.load_problems():
        print(f"warning: {problem}", file=sys.stderr)
    return plugins


def list_claims(args: argparse.Namespace) -> int:
    from ntkcheck.claims.listing import claim_listing

    rows, problems = claim_listing()
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    rows = [
        r
        for r in rows
        if (args.paper is None or r["paper"] == args.paper)
        and (args.status is None or r["status"] == args.status)
    ]
    width = max((len(r["id"]) for r in rows), default=10)
    for r in rows:
        print(f"{r['id']:<{width}}  {r['status']:<8}  {r['statement']}")
    print(f"{len(rows)} claims")
    return 0


def parse_overrides(pairs: list[str], claim: Any) -> dict[str, Any]:
    """``["key=value", ...]`` parsed and checked with the claim's setting schema."""
    from ntkcheck.claims.schema import SettingError

    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise SettingError(f"--set takes KEY=VALUE, got {pair!r}.")
        key, raw = pair.split("=", 1)
        if key not in claim.fields:
            raise SettingError(
                f"{claim.id}: unknown setting key {key!r}; valid keys: {sorted(claim.fields)}."
            )
        out[key] = claim.fields[key].parse(raw, claim.id)
    return out


def _overrides_for(claim: Any, pairs: list[str], claims: list[Any]) -> dict[str, Any]:
    """Typed overrides for one claim. A key some selected claims lack applies to the others;
    a key no selected claim has is an error listing the valid keys."""
    from ntkcheck.claims.schema import SettingError

    for pair in pairs:
        key = pair.split("=", 1)[0]
        if not any(key in c.fields for c in claims):
            valid = sorted({k for c in claims for k in c.fields})
            raise SettingError(f"unknown setting key {key!r}; valid keys: {valid}.")
    return parse_overrides([p for p in pairs if p.split("=", 1)[0] in claim.fields], claim)


def _tasks(args: argparse.Namespace, claims: list[Any], device: str, foil: bool) -> list[Any]:
    """One task per claim, every setting checked (schema and assumptions) before any runs."""
    from ntkcheck.claims.assumptions import violated_assumptions
    from ntkcheck.claims.schema import SettingError
    from ntkcheck.sweep import Task

    pairs = list(args.set) + ([f"seeds={args.seeds}"] if args.seeds is not None else [])
    tasks = []
    for c in claims:
        overrides = _overrides_for(c, pairs, claims)
        setting = c.setting(args.size, **overrides)
        unmet = [] if foil and c.foil.setting else violated_assumptions(c, setting)
        if unmet and not args.outside_assumptions:
            raise SettingError(
                f"{c.id}: the setting violates the assumption {unmet[0]}; the claim does not "
                "apply there (--outside-assumptions measures it anyway)."
            )
        tasks.append(Task(c.id, args.size, overrides, device, foil, args.outside_assumptions))
    return tasks


def verify(args: argparse.Namespace) -> int:
    from ntkcheck import report
    from ntkcheck.device import resolve_device
    from ntkcheck.sweep import sweep

    claims = _plugins().select(args.targets)
    device = str(resolve_device(args.device))
    tasks = _tasks(args, claims, device, args.foil)
    scheduler = args.scheduler or ("inline" if len(tasks) == 1 else None)
    store = args.store or args.out / "ntkcheck.sqlite"
    figures = None if args.no_plots else args.plots or args.out / "figures"
    done = 0

    def progress(result: Any) -> None:
        nonlocal done
        done += 1
        v = result.verdict
        how = "stored" if result.cached else f"{v.seconds:.1f} s"
        if "measured_by" in v.extras and not result.cached:
            how = f"measured with {v.extras['measured_by']}"
        why = f": {v.reason()}" if v.outcome != "pass" else ""
        print(f"[{done}/{len(tasks)}] {v.claim_id} {v.outcome.upper()} ({how}){why}", flush=True)
        if figures is not None:  # drawn while the workers measure the other claims
            _figure(v, figures, getattr(args, "formats", None))

    results = sweep(
        tasks, store, fresh=args.fresh, scheduler=scheduler, workers=args.workers, progress=progress
    )
    verdicts = [r.verdict for r in results]
    print()
    print(report.table(verdicts))
    print(report.LEGEND)
    cached = sum(r.cached for r in results)
    if cached:
        print(f"{cached} of {len(results)} served from {store} (--fresh recomputes)")
    command = shlex.join(["ntkcheck", *args.argv])
    explored = _explored(claims, store)
    for line in report.explored_lines(explored):
        print(line)
    path = report.write_report(
        verdicts, args.json or args.out / "report.json", command, args.size, explored
    )
    print(f"report: {path}")
    if figures is not None:
        print(f"figures: {figures}")
    if args.foil:
        return _foil_exit(verdicts)
    return _exit(verdicts, claims, args.allow_known)


def _explored(claims: list[Any], store: Path) -> dict[str, Any]:
    """Where the results store has checked each claim (its explorations included)."""
    from ntkcheck.claims.explore import region
    from ntkcheck.store import ResultStore

    with ResultStore(store, readonly=True) as opened:
        return {c.id: region(c, opened) for c in claims}


def _figure(v: Any, folder: Path, formats: tuple[str, ...] | None = None) -> None:
    """Save the figure of verdict ``v`` in ``folder`` (PNG and SVG unless ``formats``)."""
    from ntkcheck import plot

    name = v.claim_id + (".foil" if v.foil else "")
    try:
        plot.save(plot.claim_figure(v), folder / name, formats=formats or ("png", "svg"))
    except Exception as err:  # noqa: BLE001 - one bad figure must not lose the report
        print(f"figure for {v.claim_id} failed: {type(err).__name__}: {err}", file=sys.stderr)


def _exit(verdicts: list[Any], claims: list[Any], allow_known: bool) -> int:
    """1 when a claim fails or errs (a registered known failure only without --allow-known);
    vacuous claims are reported, not failures."""
    from ntkcheck.claims.verdict import OUTCOMES

    counts = {o: [v.claim_id for v in verdicts if v.outcome == o] for o in OUTCOMES}
    known = {c.id for c in claims if c.known_failure}
    bad = counts["fail"] + counts["error"]
    unexpected = [i for i in bad if i not in known or not allow_known]
    words = {"pass": "passed", "fail": "failed", "vacuous": "vacuous", "error": "errors"}
    line = ", ".join(f"{len(ids)} {words[o]}" for o, ids in counts.items())
    not_passed = bad + counts["vacuous"]
    print(line + (f" (not passed: {', '.join(not_passed)})" if not_passed else ""))
    if bad and not unexpected:
        print(
            "every failure is a registered known failure (a documented finding); exit code 0 "
            "because of --allow-known"
        )
    return 1 if unexpected else 0


def _foil_exit(verdicts: list[Any]) -> int:
    """0 exactly when every claim fails under its foil (each check can fail)."""
    survivors = [v for v in verdicts if v.outcome != "fail"]
    for v in survivors:
        print(
            f"foil did not make {v.claim_id} fail: {v.outcome.upper()} under '{v.foil}'"
            + (f" ({v.reason()})" if v.reason() else "")
        )
    print(f"{len(verdicts) - len(survivors)} of {len(verdicts)} claims fail under their foil")
    return 1 if survivors else 0


def status(args: argparse.Namespace) -> int:
    path = args.store or args.out / "ntkcheck.sqlite"
    if not Path(path).exists():
        print(f"no results store at {path}; `ntkcheck verify` creates it.")
        return 0
    from ntkcheck.store import ResultStore, store_key

    claims = _plugins().select(args.targets)
    with ResultStore(path, readonly=True) as store:
        status = store.status([store_key(c, c.setting(args.size)) for c in claims])
        print(f"{path} ({args.size} size, {len(claims)} claims): {status.summary()}")
        for label, keys in (
            ("failed", status.failed),
            ("vacuous", status.vacuous),
            ("errors (re-run by the next verify)", status.errors),
            ("pending", status.pending),
        ):
            if keys:
                print(f"  {label}: {', '.join(k.claim_id for k in keys)}")
        for size in ("quick", "default", "full"):
            other = store.status([store_key(c, c.setting(size)) for c in claims])
            stored = len(claims) - len(other.pending)
            if size != args.size and stored:
                flag = {"quick": " --quick", "full": " --full"}.get(size, "")
                print(
                    f"  ({stored} of these claims are stored at the {size} size: "
                    f"ntkcheck status{flag})"
                )
        if args.csv:
            print(f"exported {store.export_csv(args.csv)}")
        if args.parquet:
            print(f"exported {store.export_parquet(args.parquet)}")
    scheduler = args.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if scheduler and "://" in scheduler:
        print(f"Dask scheduler {scheduler}: dashboard at http://{_host(scheduler)}:8787/status")
    return 0


def _host(address: str) -> str:
    return address.split("://", 1)[1].rsplit(":", 1)[0]


def plot_claim(args: argparse.Namespace) -> int:
    """Run (or load from the store) one claim and write its figure."""
    from ntkcheck import plot
    from ntkcheck.device import resolve_device
    from ntkcheck.sweep import Task, sweep

    claim = _plugins().get_claim(args.claim)
    device = str(resolve_device(args.device))
    overrides = parse_overrides(list(args.set) + list(args.sweep), claim)
    store = args.store or args.out / "ntkcheck.sqlite"
    (result,) = sweep(
        [Task(claim.id, args.size, overrides, device)], store, fresh=args.fresh, scheduler="inline"
    )
    path = args.out / "figures" / claim.id
    plot.close(plot.claim_figure(result.verdict, path))
    print(result.verdict.summary())
    print(f"figure: {path}.png, {path}.svg" + (" (from the store)" if result.cached else ""))
    return 0


def explore_claim(args: argparse.Namespace) -> int:
    """Search a claim's space for a failing setting; write the JSON record and the figure."""
    import json

    from tqdm import tqdm

    from ntkcheck import plot
    from ntkcheck.claims.explore import explore
    from ntkcheck.device import resolve_device
    from ntkcheck.store import ResultStore

    claim = _plugins().get_claim(args.claim)
    device = str(resolve_device(args.device))
    store_path = args.store or args.out / "ntkcheck.sqlite"
    bar = tqdm(
        total=round(args.budget),
        unit="s",
        desc=f"explore {claim.id}",
        disable=None,
        bar_format="{desc}: {bar} {n_fmt}/{total_fmt} s {postfix}",
    )

    def progress(record: Any, elapsed: float) -> None:
        bar.n = min(round(elapsed), bar.total)
        found = (
            "counterexample found" if any(e["outcome"] == "fail" for e in record.examples) else ""
        )
        bar.set_postfix_str(
            f"{record.examples_run} examples, {record.distinct_settings} "
            f"settings, {max(0, args.budget - elapsed):.0f} s left {found}"
        )

    with ResultStore(store_path) as store:
        record = explore(
            claim,
            store,
            budget=args.budget,
            wider=args.outside_assumptions,
            size=args.size,
            example_seconds=args.example_seconds,
            device=device,
            progress=progress,
        )
    bar.close()
    folder = store_path.parent / "explore"  # beside the store whose verdicts it maps (record)
    name = claim.id + (".wider" if args.outside_assumptions else "")
    path = args.json or folder / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record.to_dict(), indent=1, default=_jsonable))
    figure = folder / name
    plot.save(plot.explored_region(json.loads(path.read_text())), figure)
    print(
        f"{claim.id}: {record.examples_run} examples ({record.measured_now} measured now), "
        f"{record.distinct_settings} distinct settings, {record.space}, {record.seconds:.0f} s"
    )
    for name_, (lo, hi) in ((k, (v[0], v[-1])) for k, v in record.ranges.items()):
        print(f"  {name_}: {lo} … {hi}")
    for error in record.errors[:3]:
        print(f"  error at {error['setting']}: {error['reason']}")
    if len(record.errors) > 3:
        print(f"  ... {len(record.errors) - 3} more errors (in the record)")
    if record.counterexample is None:
        print("no counterexample found")
    else:
        where = "INSIDE" if record.inside_assumptions else "outside"
        print(
            f"minimal counterexample, {where} the claim's assumptions: "
            f"{record.counterexample['reason']}\n  reproduce: {record.reproduce}"
        )
    print(f"record: {path}\nfigure: {figure}.png, {figure}.svg")
    return 1 if record.counterexample is not None and record.inside_assumptions else 0


def _jsonable(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):  # json writes tuples as arrays itself
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def record(args: argparse.Namespace) -> int:
    """The recorded run that ships with the docs: every registered claim at the default size,
    written to OUT (report.json/.npz with provenance, one SVG figure per claim, the explored
    regions of the store) for the claim pages. The results store serves what is already
    measured at the current code version (--fresh recomputes). Exit 1 if a claim errs."""
    import shutil

    out: Path = args.out
    for stale in ("figures", "explore"):
        shutil.rmtree(out / stale, ignore_errors=True)
    options = dict(
        size="default",
        set=[],
        seeds=None,
        device="cpu",
        json=None,
        plots=None,
        no_plots=False,
        foil=False,
        outside_assumptions=False,
        allow_known=True,
        formats=("svg",),
    )
    verify_args = argparse.Namespace(**{**vars(args), **options})
    code = verify(verify_args)
    explored = Path(args.store).parent / "explore"
    if explored.exists():
        (out / "explore").mkdir(parents=True, exist_ok=True)
        for path in explored.glob("*"):
            if path.suffix in (".json", ".svg"):
                shutil.copy2(path, out / "explore" / path.name)
    from ntkcheck.report import read_report

    errors = [v.claim_id for v in read_report(out / "report.json") if v.outcome == "error"]
    print(f"recorded in {out}" + (f"; errors: {', '.join(errors)}" if errors else ""))
    return 1 if errors or code not in (0, 1) else 0
