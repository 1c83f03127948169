"""Benchmark of the empirical-NTK methods against the torch.func tutorial's two methods.

Every case runs in a fresh subprocess so its peak resident memory is its own. Times are
ratios against baselines measured in the same run (these machines are noisy): the tutorial's
Jacobian contraction and NTK-vector products (re-implemented here), and the "floor" — the two
Gram products per dense layer, (A Aᵀ) and (G Gᵀ), that the structured formula cannot avoid.

References: PyTorch tutorial "Neural Tangent Kernels" (torch.func), methods 1 and 2.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import torch
from torch.func import functional_call, jacrev, jvp, vjp, vmap

from ntkcheck.kernels.empirical import empirical_ntk, plan_ntk
from ntkcheck.kernels.structured import structured_features
from ntkcheck.models.functional import functionalize
from ntkcheck.models.mlp import MLP
from ntkcheck.validation import available_memory_bytes

INPUT_DIM = 8  # inputs of every benchmark MLP: unit vectors in R^8
CANDIDATES = ("auto", "structured", "jacobian", "ntk_vp", "tutorial_jacobian", "tutorial_ntk_vp")


@dataclass(frozen=True)
class Case:
    width: int
    depth: int
    n: int
    outputs: int


@dataclass(frozen=True)
class Timing:
    case: Case
    method: str
    seconds: float | None  # None: skipped (memory estimate over budget or time cap)
    peak_mib: float | None
    note: str = ""


def tutorial_jacobian_contraction(model: torch.nn.Module, x1, x2) -> torch.Tensor:
    """Tutorial method 1: vmap(jacrev) per-example Jacobians, then einsum over parameters."""
    params = {k: v.detach() for k, v in model.named_parameters()}

    def fnet_single(p, x):
        return functional_call(model, p, (x.unsqueeze(0),)).reshape(-1)

    jac1 = vmap(jacrev(fnet_single), (None, 0))(params, x1)
    jac1 = [j.flatten(2) for j in jac1.values()]
    jac2 = vmap(jacrev(fnet_single), (None, 0))(params, x2)
    jac2 = [j.flatten(2) for j in jac2.values()]
    return torch.stack([torch.einsum("Naf,Mbf->NMab", a, b) for a, b in zip(jac1, jac2)]).sum(0)


def tutorial_ntk_vector_products(model: torch.nn.Module, x1, x2) -> torch.Tensor:
    """Tutorial method 2: vmap over pairs of vjp (x1) followed by jvp (x2), one pair at a time."""
    params = {k: v.detach() for k, v in model.named_parameters()}

    def fnet_single(p, x):
        return functional_call(model, p, (x.unsqueeze(0),)).reshape(-1)

    def get_ntk(a, b):
        def f1(p):
            return fnet_single(p, a)

        def f2(p):
            return fnet_single(p, b)

        out, vjp_fn = vjp(f1, params)

        def get_ntk_slice(vec):
            vjps = vjp_fn(vec)
            _, jvps = jvp(f2, (params,), vjps)
            return jvps

        basis = torch.eye(out.numel(), dtype=out.dtype, device=out.device).view(out.numel(), -1)
        return vmap(get_ntk_slice)(basis)

    result = vmap(vmap(get_ntk, (None, 0)), (0, None))(x1, x2)
    return result


def gram_floor(model: torch.nn.Module, x: torch.Tensor) -> Callable[[], None]:
    """The two Gram products per dense layer on precomputed features (the practical floor).

    Sized like the full kernel the benchmark computes: G is (N·O, out), so with O outputs the
    signal product has O² entries per pair of examples, as ``mode="full"`` needs.
    """
    fm = functionalize(model)
    cov = plan_ntk(model, x[:8]).coverage
    feats = structured_features(fm, cov, x)

    def run() -> None:
        for use in feats.uses:
            g = use.g.reshape(-1, use.g.shape[-1])
            _ = g @ g.T
            for _, _, a in use.terms:
                if a is not None:
                    _ = a.reshape(-1, a.shape[-1]) @ a.reshape(-1, a.shape[-1]).T

    return run


def _layers(case: Case) -> list[tuple[int, int]]:
    """(in, out) of the benchmark MLP's dense layers (no biases: bias_std = 0)."""
    sizes = [INPUT_DIM] + [case.width] * case.depth + [case.outputs]
    return list(zip(sizes[:-1], sizes[1:]))


def _memory_estimate(case: Case, method: str) -> float:
    p = sum(i * j for i, j in _layers(case))
    o, n = case.outputs, case.n
    if method in ("tutorial_jacobian", "jacobian"):
        return 8.0 * (2 * n * o * p + n * n * o * o * 2)
    if method == "tutorial_ntk_vp":
        return 8.0 * n * n * o * (p / 8 + case.width * case.depth)
    return 8.0 * (n * n * o * o * 3 + n * o * case.width * case.depth * 4)


def _run_case(case: Case, method: str) -> dict:
    """Worker body: build the model and data, time one method, report peak RSS growth.

    Steady state: the method first runs once on 16 of the points (torch start-up and the
    per-architecture caches, e.g. the structured path's coverage probe), then the timed call
    on all N. ``warmup_seconds`` records that first call.
    """
    model = MLP(INPUT_DIM, case.width, case.depth, case.outputs, seed=0)
    x = torch.randn(
        case.n, INPUT_DIM, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    x = x / x.norm(dim=1, keepdim=True)

    def make(xs: torch.Tensor) -> Callable[[], object]:
        if method == "floor":
            return gram_floor(model, xs)
        if method == "tutorial_jacobian":
            return lambda: tutorial_jacobian_contraction(model, xs, xs)
        if method == "tutorial_ntk_vp":
            return lambda: tutorial_ntk_vector_products(model, xs, xs)
        return lambda: empirical_ntk(model, xs, method=method)

    start = time.perf_counter()
    make(x[:16])()
    warmup = time.perf_counter() - start
    run = make(x)
    rss0 = _current_rss_mib()
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"seconds": seconds, "peak_mib": max(peak - rss0, 0.0), "warmup_seconds": warmup}


def _current_rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def time_case(case: Case, method: str, timeout: float) -> Timing:
    """Run one (case, method) in a subprocess, skipping what would not fit in memory."""
    need = _memory_estimate(case, method)
    if need > 0.6 * available_memory_bytes():
        return Timing(case, method, None, None, f"skipped: needs ~{need / 2**30:.0f} GiB")
    cmd = [sys.executable, "-m", "ntkcheck.bench", json.dumps([asdict(case), method])]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return Timing(case, method, None, None, f"skipped: over {timeout:.0f} s")
    except subprocess.CalledProcessError as err:
        last = err.stderr.strip().splitlines()[-1:] or ["?"]
        return Timing(case, method, None, None, f"failed: {last[0][:80]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return Timing(case, method, result["seconds"], result["peak_mib"])


def default_cases(full: bool) -> list[Case]:
    if full:
        return [
            Case(w, d, n, o)
            for w in (512, 1024, 2048, 4096)
            for d in (2, 3)
            for n in (256, 512, 1024, 2048)
            for o in (1, 10)
        ]
    return [
        Case(512, 2, 256, 1),
        Case(1024, 2, 512, 1),
        Case(1024, 2, 512, 10),
        Case(2048, 3, 1024, 1),
        Case(4096, 2, 2048, 1),
        Case(1024, 3, 2048, 1),
        Case(512, 2, 2048, 1),
    ]


def attainable_ratio(case: Case) -> float:
    """The smallest auto/floor any exact method built on the structured formula can reach:
    1 + (forward + O backward passes) / (Gram products), counted in multiply-adds.

    Layers (in, out) = (8, w), (w, w)×(depth − 1), (w, O). The forward costs N·Σ in·out; each
    of the O backward passes N·Σ in·out over the layers after the first (gradients w.r.t. the
    layer outputs only); the floor's products N²O²·out (signals) + N²·in (inputs) per layer.
    With O = 1 and square hidden layers the passes cost ≈ w/N × the floor: the 1.5× target is
    out of reach unless N ≳ 2w.
    """
    layers = _layers(case)
    n, o = case.n, case.outputs
    forward = n * sum(i * j for i, j in layers)
    backward = o * n * sum(i * j for i, j in layers[1:])
    grams = sum(n * n * (o * o * j + i) for i, j in layers)
    return 1.0 + (forward + backward) / grams


def run_benchmark(
    cases: Iterable[Case],
    methods: Iterable[str] = CANDIDATES,
    timeout: float = 300.0,
    progress: Callable[[str], None] | None = None,
) -> list[Timing]:
    timings = []
    for case in cases:
        for method in ("floor", *methods):
            if progress is not None:
                progress(f"{case} {method}")
            timings.append(time_case(case, method, timeout))
    return timings


def format_table(timings: list[Timing]) -> str:
    """One row per case: seconds of each method and the ratios the targets are stated in."""
    by_case: dict[Case, dict[str, Timing]] = {}
    for t in timings:
        by_case.setdefault(t.case, {})[t.method] = t
    methods = [m for m in ("floor", *CANDIDATES) if any(m in r for r in by_case.values())]
    head = [
        "width",
        "depth",
        "N",
        "O",
        *[f"{m} [s]" for m in methods],
        "auto peak [MiB]",
        "tut_jac/auto",
        "auto/floor",
        "attainable",
    ]
    rows = [head]
    for case, r in by_case.items():
        auto = r.get("auto")
        peak = "—" if auto is None or auto.peak_mib is None else f"{auto.peak_mib:.0f}"
        rows.append(
            [
                str(case.width), str(case.depth), str(case.n), str(case.outputs),
                *[_seconds(r.get(m)) for m in methods],
                peak,
                _ratio(r.get("tutorial_jacobian"), auto),
                _ratio(auto, r.get("floor")),
                f"{attainable_ratio(case):.2f}",
            ]
        )  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows]
    notes = sorted({f"{t.method}: {t.note}" for t in timings if t.note})
    steady = (
        "steady-state seconds: each method first ran once on 16 points in its subprocess; "
        "attainable: the auto/floor that the forward and backward passes alone impose"
    )
    return "\n".join([*lines, "", steady, *(["notes:", *notes] if notes else [])])


def _seconds(t: Timing | None) -> str:
    return "—" if t is None or t.seconds is None else f"{t.seconds:.3g}"


def _ratio(a: Timing | None, b: Timing | None) -> str:
    if a is None or b is None or a.seconds is None or b.seconds is None:
        return "—"
    return f"{a.seconds / b.seconds:.3g}"


if __name__ == "__main__":
    case_dict, method_name = json.loads(sys.argv[1])
    print(json.dumps(_run_case(Case(**case_dict), method_name)))
