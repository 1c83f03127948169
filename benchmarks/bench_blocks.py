"""Large-N eNTK: one process vs tiles on a Dask LocalCluster, wall time and peak memory.

The kernel Θ(x, x) of N points on the unit sphere S^7 for ``MLP(8, 1024, 3, seed=0)`` (float64):
``empirical_ntk(..., block_size=B)`` in this process, against
``assemble_ntk_blocks(..., scheduler=<LocalCluster(n_workers=2, threads_per_worker=1)>)`` writing
a memory-mapped .npy file. Each variant runs in a fresh Python process so its peak resident
memory (``ru_maxrss``) is its own; Dask workers report theirs through ``Client.run``. The client's
peak includes the pages of the memory-mapped kernel it wrote.

    python benchmarks/bench_blocks.py                 # N = 8192, B = 1024 (minutes on 2 cores)
    python benchmarks/bench_blocks.py --n 1024 --block-size 256   # a quick look
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

TOLERANCE = 1e-10


def _peak_mib() -> float:
    """This process's peak resident memory (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _problem(n: int, device: str) -> tuple[torch.nn.Module, torch.Tensor]:
    from ntkcheck.models import MLP

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, 8, generator=gen, dtype=torch.float64)
    x = x / x.norm(dim=1, keepdim=True)
    return MLP(8, 1024, 3, seed=0).to(device), x.to(device)


def _in_process(n: int, block: int, out: Path, device: str) -> dict:
    from ntkcheck.kernels.empirical import empirical_ntk

    model, x = _problem(n, device)
    start = time.perf_counter()
    kernel = empirical_ntk(model, x, mode="trace", block_size=block)
    wall = time.perf_counter() - start
    np.save(out, kernel.cpu().numpy())
    return {"wall": wall, "main_mib": _peak_mib(), "workers_mib": []}


def _cluster(n: int, block: int, out: Path, device: str) -> dict:
    from dask.distributed import Client, LocalCluster

    from ntkcheck.kernels.blocks import assemble_ntk_blocks

    model, x = _problem(n, device)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        # Workers import torch and ntkcheck before the clock starts, as this process has.
        client.run(importlib.import_module, "ntkcheck.kernels.blocks")
        start = time.perf_counter()
        assemble_ntk_blocks(
            model, x, block_size=block, out=out, scheduler=cluster.scheduler_address
        )
        wall = time.perf_counter() - start
        workers = sorted(client.run(_peak_mib).values())
    return {"wall": wall, "main_mib": _peak_mib(), "workers_mib": workers}


VARIANTS = {"in-process": _in_process, "LocalCluster 2x1": _cluster}


def _relative_difference(a_path: Path, b_path: Path, rows: int = 1024) -> tuple[float, float]:
    """(max |A - B| / max |A|, ||A - B||_F / ||A||_F), streamed over row blocks."""
    a, b = np.load(a_path, mmap_mode="r"), np.load(b_path, mmap_mode="r")
    max_diff = max_a = sq_diff = sq_a = 0.0
    for s in range(0, a.shape[0], rows):
        da, db = np.asarray(a[s : s + rows]), np.asarray(b[s : s + rows])
        max_diff = max(max_diff, float(np.abs(da - db).max()))
        max_a = max(max_a, float(np.abs(da).max()))
        sq_diff += float(((da - db) ** 2).sum())
        sq_a += float((da**2).sum())
    return max_diff / max_a, (sq_diff / sq_a) ** 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8192, help="points")
    parser.add_argument("--block-size", type=int, default=1024, help="rows per tile")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", type=Path, help="folder for the kernels (default: a temp dir)")
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:  # child process: run one variant, print its numbers as JSON
        out = args.out / f"{args.variant.split()[0]}.npy"
        print(json.dumps(VARIANTS[args.variant](args.n, args.block_size, out, args.device)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        results = {}
        for name in VARIANTS:
            child = [sys.executable, __file__, "--variant", name, "--out", str(folder)]
            child += ["--n", str(args.n), "--block-size", str(args.block_size)]
            run = subprocess.run(child + ["--device", args.device], capture_output=True, text=True)
            if run.returncode:
                sys.stderr.write(run.stderr)
                return run.returncode
            results[name] = json.loads(run.stdout.strip().splitlines()[-1])
        rel_max, rel_fro = _relative_difference(
            folder / "in-process.npy", folder / "LocalCluster.npy"
        )
    print(f"eNTK trace kernel, N = {args.n}, MLP(8, 1024, 3), float64, block {args.block_size}, "
          f"device {args.device}")  # fmt: skip
    print(f"{'variant':<18}{'wall [s]':>10}{'peak main [MiB]':>17}{'peak workers [MiB]':>20}")
    for name, r in results.items():
        workers = " + ".join(f"{w:.0f}" for w in r["workers_mib"]) or "-"
        print(f"{name:<18}{r['wall']:>10.1f}{r['main_mib']:>17.0f}{workers:>20}")
    ok = max(rel_max, rel_fro) <= TOLERANCE
    print(f"agreement: max|ΔK|/max|K| = {rel_max:.2e}, ‖ΔK‖_F/‖K‖_F = {rel_fro:.2e} "
          f"({'OK' if ok else 'FAILED'}: tolerance {TOLERANCE:g})")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
