"""Kernel commands: ntk (a model's eNTK spectrum), demo (eNTK → analytic NTK), bench."""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path

from tqdm import tqdm

from ntkcheck.errors import InvalidInputError


def ntk(args: argparse.Namespace) -> int:

    from ntkcheck.device import resolve_device
    from ntkcheck.kernels.empirical import empirical_ntk, plan_ntk
    from ntkcheck.spectrum import lambda_max, lambda_min, lambda_min_npy

    device = resolve_device(args.device)
    x = _load_inputs(args.data).to(device)
    model = _load_model(args, x.shape[1:]).to(device)
    n = x.shape[0]
    if args.blocks:
        from ntkcheck.kernels.blocks import assemble_ntk_blocks

        start = time.perf_counter()
        assemble_ntk_blocks(model, x, block_size=args.blocks, out=args.out,
                            scheduler=args.scheduler, workers=args.workers)  # fmt: skip
        assembled = time.perf_counter() - start
        interval = lambda_min_npy(args.out, certify=True)
        spectral = time.perf_counter() - start - assembled
        print(f"Θ assembled in {args.blocks}-row tiles into {args.out} (N = {n}) in "
              f"{assembled:.1f} s")  # fmt: skip
        print(f"λ_min(Θ) ∈ [{interval.lo:.6g}, {interval.hi:.6g}]  (K = Θ/n: divide by {n}; "
              f"certified in {spectral:.1f} s)")  # fmt: skip
        return 0
    plan = plan_ntk(model, x)
    theta = empirical_ntk(model, x, mode="trace", method=args.method)
    K = theta / n
    interval, top = lambda_min(K, certify=True), lambda_max(K)
    kappa = top / interval.hi if interval.hi > 0 else float("inf")
    print(f"N = {n}, method = {args.method if args.method != 'auto' else plan.method} "
          f"({plan.reason}); kernel K = Θ/n, trace over outputs")  # fmt: skip
    print(
        f"λ_min(K) ∈ [{interval.lo:.6g}, {interval.hi:.6g}]   λ_max(K) = {top:.6g}   "
        f"κ(K) ≈ {kappa:.4g}"
    )
    print(f"λ_min(Θ) ≈ {n * interval.hi:.6g}   tr(K)/n = {float(K.diagonal().sum()) / n:.6g}")
    return 0


def _load_inputs(spec: str):
    import numpy as np
    import torch

    if spec.startswith("sphere:"):
        from ntkcheck.data.sphere import sphere_points

        parts = [int(v) for v in spec.split(":", 1)[1].split(",")]
        if len(parts) not in (2, 3):
            raise InvalidInputError(
                f"--data sphere:N,D[,SEED] takes 2 or 3 integers, got {spec!r}."
            )
        return sphere_points(parts[0], parts[1], parts[2] if len(parts) == 3 else 0)
    path = Path(spec)
    if path.suffix != ".npy" or not path.exists():
        raise InvalidInputError(
            f"--data must be an existing .npy file or sphere:N,D[,SEED]; got {spec!r}."
        )
    return torch.as_tensor(np.load(path, allow_pickle=False), dtype=torch.float64)


def _load_model(args: argparse.Namespace, input_shape):
    import importlib

    from torch import nn

    from ntkcheck.models.mlp import MLP

    if args.model == "mlp":
        if len(input_shape) != 1:
            raise InvalidInputError(
                f"the built-in MLP takes (N, d) inputs, got (N, {input_shape})."
            )
        return MLP(input_shape[0], args.width, args.depth, activation=args.activation,
                   seed=args.seed)  # fmt: skip
    if ":" not in args.model:
        raise InvalidInputError(f"MODEL is 'mlp' or module:attr, got {args.model!r}.")
    module_name, attr = args.model.split(":", 1)
    obj = getattr(importlib.import_module(module_name), attr)
    model = obj if isinstance(obj, nn.Module) else obj()
    if not isinstance(model, nn.Module):
        raise InvalidInputError(f"{args.model} gave a {type(model).__name__}, not an nn.Module.")
    return model.double()


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

    try:
        width, depth, n, outputs = (int(v) for v in spec.split(","))
    except ValueError:
        raise InvalidInputError(
            f"--case takes WIDTH,DEPTH,N,OUTPUTS (four integers), got {spec!r}."
        ) from None
    return Case(width, depth, n, outputs)
