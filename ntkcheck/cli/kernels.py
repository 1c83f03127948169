"""Kernel commands: ntk (a model's eNTK spectrum), demo (eNTK → analytic NTK), bench."""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path

from tqdm import tqdm


def ntk(args: argparse.Namespace) -> int:
    """Certified λ_min, λ_max and κ of a model's eNTK. Every flag, the data's shape and the
    kernel's memory (or, with --blocks, its file's disk space) are checked before the data are
    generated or read; the model is probed on 4 rows before the kernel is formed."""
    from ntkcheck.cli.ntk_inputs import importable_cwd

    with importable_cwd():
        return _ntk(args)


def _ntk(args: argparse.Namespace) -> int:
    from ntkcheck.cli.ntk_inputs import DEFAULT_OUT, build_model, check_flags, data_source
    from ntkcheck.device import resolve_device
    from ntkcheck.kernels.empirical import empirical_ntk, plan_ntk
    from ntkcheck.spectrum import lambda_min_npy, spectrum_summary
    from ntkcheck.spectrum.smallest import DENSE_COPIES
    from ntkcheck.validation import (
        check_memory,
        check_memory_budget,
        check_output_file,
        format_bytes,
    )

    check_flags(args)
    device = resolve_device(args.device)
    data = data_source(args.data)
    n = data.shape[0]
    kernel_bytes = 8.0 * n * n
    out = args.out or DEFAULT_OUT
    if args.blocks:
        check_output_file("--out", out, kernel_bytes)
    else:
        rows = _tile_rows(n, check_memory_budget(None))
        check_memory(
            f"Θ on N = {n} points and its dense spectrum ({DENSE_COPIES} copies of N×N float64)",
            DENSE_COPIES * kernel_bytes,
            None,
            f"Pass --blocks {rows} --out ntk.npy to assemble Θ tile by tile into that file "
            f"({format_bytes(kernel_bytes)} on disk) and stream its spectrum, or use fewer "
            "points.",
        )
    model = build_model(args, data.shape[1:]).to(device)
    # Model output, dtypes and --method on 4 rows, before the data are generated or read.
    empirical_ntk(model, data.head(4).to(device), mode="trace", method=args.method)
    x = data.load().to(device)
    if args.blocks:
        from ntkcheck.kernels.blocks import assemble_ntk_blocks

        start = time.perf_counter()
        assemble_ntk_blocks(model, x, block_size=args.blocks, out=out, method=args.method,
                            scheduler=args.scheduler, workers=args.workers)  # fmt: skip
        assembled = time.perf_counter() - start
        interval = lambda_min_npy(out, certify=True)
        spectral = time.perf_counter() - start - assembled
        print(f"Θ assembled in {args.blocks}-row tiles into {out} (N = {n}) in "
              f"{assembled:.1f} s")  # fmt: skip
        print(f"λ_min(Θ) ∈ [{interval.lo:.6g}, {interval.hi:.6g}]  (K = Θ/n: divide by {n}; "
              f"certified in {spectral:.1f} s)")  # fmt: skip
        return 0
    if args.method == "auto":
        plan = plan_ntk(model, x, mode="trace")
        method, reason = plan.method, plan.reason
    else:
        method, reason = args.method, "--method"
    K = empirical_ntk(model, x, mode="trace", method=method).div_(n)
    summary = spectrum_summary(K)
    interval, top = summary.lambda_min_interval, summary.lambda_max
    kappa = top / interval.hi if interval.hi > 0 else float("inf")
    print(f"N = {n}, method = {method} ({reason}); kernel K = Θ/n, trace over outputs")
    print(
        f"λ_min(K) ∈ [{interval.lo:.6g}, {interval.hi:.6g}]   λ_max(K) = {top:.6g}   "
        f"κ(K) ≈ {kappa:.4g}"
    )
    print(f"λ_min(Θ) ≈ {n * interval.hi:.6g}   tr(K)/n = {float(K.diagonal().sum()) / n:.6g}")
    return 0


def _tile_rows(n: int, budget: float) -> int:
    """Rows per tile to suggest for --blocks: a power of two up to 4096 (larger tiles save
    little) whose float64 tile takes at most 1/64 of the memory budget, leaving the rest to the
    eNTK method's working memory on it."""
    rows = 4096
    while rows > 1 and 8.0 * rows * rows > budget / 64:
        rows //= 2
    return min(rows, n)


def demo(args: argparse.Namespace) -> int:
    from ntkcheck import plot
    from ntkcheck.demo import kernel_convergence
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
    figures = plot.demo_kernel_gap_figure(result, out / "demo_gap") + plot.demo_lambda_min_figure(
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


def bench(args: argparse.Namespace) -> int:
    from ntkcheck.bench import Case, default_cases, format_table, run_benchmark

    if args.case:
        cases = [_case(spec) for spec in args.case]
    else:
        cases = [Case(64, 2, 64, 1)] if args.quick else default_cases(args.full)
    bar = tqdm(total=len(cases) * 7, desc="bench", disable=None)

    def progress(label: str) -> None:
        bar.set_postfix_str(label)
        bar.update()

    timings = run_benchmark(cases, timeout=args.timeout, progress=progress)
    bar.close()
    print(format_table(timings))
    return 0


def _case(spec: str):
    from ntkcheck.bench import Case
    from ntkcheck.errors import InvalidInputError

    try:
        width, depth, n, outputs = (int(v) for v in spec.split(","))
    except ValueError:
        raise InvalidInputError(
            f"--case takes WIDTH,DEPTH,N,OUTPUTS (four integers), got {spec!r}."
        ) from None
    return Case(width, depth, n, outputs)
