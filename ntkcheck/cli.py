"""Command line: ``ntkcheck demo | bench``.

``demo`` runs the package's main correctness check (eNTK → analytic NTK, certified λ_min) and
writes a JSON report, its arrays and the figures; ``bench`` times the eNTK methods against the
torch.func tutorial's two methods.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tqdm import tqdm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ntkcheck", description="Executable checks of overparameterized-learning theory."
    )
    sub = parser.add_subparsers(dest="command", required=True)

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
    if args.command == "demo":
        return _demo(args)
    return _bench(args)


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
    command = "ntkcheck demo " + (
        "--quick" if args.quick else f"--widths {args.widths} --seeds {args.seeds}"
    )
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
