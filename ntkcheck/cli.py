"""Command line: ``ntkcheck list | verify | demo | bench``.

``verify`` checks registered claims and writes the JSON report and one figure per claim;
``demo`` runs the package's main correctness check (eNTK → analytic NTK, certified λ_min);
``bench`` times the eNTK methods against the torch.func tutorial's two methods.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from tqdm import tqdm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ntkcheck", description="Executable checks of overparameterized-learning theory."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    lst = sub.add_parser("list", help="the registered claims")
    lst.add_argument("--paper", help="only this paper (terjek, balaji, shah, ...)")
    lst.add_argument("--status", choices=("paper", "lineage", "derived"))

    ver = sub.add_parser("verify", help="check claims; exit code 1 if any fails")
    ver.add_argument("targets", nargs="*", help="claim ids or prefixes (paper, topic); all if none")
    size = ver.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_const", dest="size", const="quick")
    size.add_argument("--full", action="store_const", dest="size", const="full")
    ver.set_defaults(size="default")
    ver.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting field (repeatable)",
    )
    ver.add_argument("--seeds", type=int, help="shorthand for --set seeds=N")
    ver.add_argument("--out", type=Path, default=Path("results"), help="report and figures")
    ver.add_argument("--json", type=Path, help="report path (default OUT/report.json)")
    ver.add_argument("--plots", type=Path, help="figure folder (default OUT/figures)")
    ver.add_argument("--no-plots", action="store_true", help="skip the figures")

    demo = sub.add_parser("demo", help="eNTK vs analytic NTK and certified λ_min over widths")
    demo.add_argument("--out", type=Path, default=Path("results"), help="output folder")
    demo.add_argument("--widths", default="256,1024,4096", help="comma-separated widths")
    demo.add_argument("--seeds", type=int, default=5, help="initializations per width")
    demo.add_argument("--quick", action="store_true", help="widths 64,256 and 2 seeds")

    bench = sub.add_parser("bench", help="time the eNTK methods against the tutorial baselines")
    bench.add_argument("--full", action="store_true", help="the whole grid (hours)")
    bench.add_argument("--timeout", type=float, default=300.0, help="seconds per case")
    bench.add_argument("--quick", action="store_true", help="one small case (smoke test)")

    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"list": _list, "verify": _verify, "demo": _demo, "bench": _bench}
    try:
        return commands[args.command](args)
    except (KeyError, ValueError) as err:
        message = err.args[0] if err.args else str(err)
        print(f"ntkcheck {args.command}: {message}", file=sys.stderr)
        return 2


def _list(args: argparse.Namespace) -> int:
    from proofs import registry

    claims = [
        c for c in registry().values()
        if (args.paper is None or c.paper == args.paper)
        and (args.status is None or c.status == args.status)
    ]  # fmt: skip
    width = max((len(c.id) for c in claims), default=10)
    for c in claims:
        print(f"{c.id:<{width}}  {c.status:<8}  {c.statement}")
    print(f"{len(claims)} claims")
    return 0


def parse_overrides(pairs: list[str], defaults: dict) -> dict:
    """``["key=value", ...]`` typed like the claim's default setting fields."""
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"--set takes KEY=VALUE, got {pair!r}.")
        key, raw = pair.split("=", 1)
        if key not in defaults:
            raise KeyError(f"unknown setting key {key!r}; valid keys: {sorted(defaults)}.")
        out[key] = _typed(raw, defaults[key], key)
    return out


def _typed(raw: str, like: object, key: str) -> object:
    if isinstance(like, bool):
        if raw.lower() not in ("true", "false", "1", "0"):
            raise ValueError(f"{key} is a boolean; pass true or false, got {raw!r}.")
        return raw.lower() in ("true", "1")
    if isinstance(like, (tuple, list)):
        kind = type(like[0]) if like else float
        return tuple(_typed(v, kind(), key) for v in raw.split(",") if v)
    try:
        return type(like)(raw) if isinstance(like, (int, float)) else raw
    except ValueError:
        raise ValueError(f"{key} must be a {type(like).__name__}, got {raw!r}.") from None


def _verify(args: argparse.Namespace) -> int:
    from ntkcheck import report
    from ntkcheck.check import check
    from proofs import select

    claims = select(args.targets)
    verdicts = []
    bar = tqdm(claims, desc="verify", unit="claim", disable=None)
    for claim in bar:
        bar.set_postfix_str(claim.id)
        pairs = list(args.set) + ([f"seeds={args.seeds}"] if args.seeds is not None else [])
        overrides = parse_overrides(pairs, dict(claim.sizes[args.size]))
        verdicts.append(check(claim, overrides, size=args.size))
    print(report.table(verdicts))
    command = shlex.join(["ntkcheck", *args.argv])
    path = report.write_report(verdicts, args.json or args.out / "report.json", command, args.size)
    print(f"report: {path}")
    if not args.no_plots:
        from ntkcheck import plot

        folder = args.plots or args.out / "figures"
        for v in verdicts:
            plot.close(plot.claim_figure(v, folder / v.claim_id))
        print(f"figures: {folder}")
    failed = [v.claim_id for v in verdicts if not v.passed]
    summary = f"{len(verdicts) - len(failed)} passed, {len(failed)} failed"
    print(summary + (f" ({', '.join(failed)})" if failed else ""))
    return 1 if failed else 0


def _demo(args: argparse.Namespace) -> int:
    from ntkcheck import plot
    from ntkcheck.experiments.kernel_convergence import kernel_convergence
    from ntkcheck.provenance import versions
    from ntkcheck.results import write_record

    widths = (64, 256) if args.quick else tuple(int(w) for w in args.widths.split(","))
    seeds = 2 if args.quick else args.seeds
    start = time.perf_counter()
    with tqdm(total=len(widths) * seeds, desc="eNTK vs analytic NTK", disable=None) as bar:
        result = kernel_convergence(widths, seeds, progress=bar.update)
    result["versions"] = versions()
    result["seconds"] = time.perf_counter() - start
    command = shlex.join(["ntkcheck", *args.argv])
    result["command"] = command
    out: Path = args.out
    report = write_record(result, out / "demo.json")
    figures = plot.kernel_gap_vs_width(result, out / "demo_gap") + plot.lambda_min_vs_width(
        result, out / "demo_lambda_min"
    )
    print(
        f"{'width':>6} {'gap (mean)':>11} {'λ_min(K) mean':>14}   λ_min(K∞) = "
        f"{result['lambda_min_inf']:.6g}"
    )
    for i, w in enumerate(result["widths"]):
        lam = 0.5 * (result["lambda_min_lo"][i] + result["lambda_min_hi"][i]).mean()
        print(f"{w:>6} {result['gap'][i].mean():>11.4f} {lam:>14.6g}")
    lo, hi = result["gap_slope_ci"]
    print(f"gap ~ m^{result['gap_slope']:.3f}  (90% CI [{lo:.3f}, {hi:.3f}]; theory −1/2)")
    print(f"report: {report}  figures: {', '.join(str(f) for f in figures)}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from ntkcheck.bench import Case, default_cases, format_table, run_benchmark

    cases = [Case(64, 2, 64, 1)] if args.quick else default_cases(args.full)
    bar = tqdm(total=len(cases) * 7, desc="bench", disable=None)

    def progress(label: str) -> None:
        bar.set_postfix_str(label)
        bar.update()

    timings = run_benchmark(cases, timeout=args.timeout, progress=progress)
    bar.close()
    print(format_table(timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
