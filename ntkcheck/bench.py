"""Benchmark of the empirical-NTK methods: MLPs against the torch.func tutorial's two methods,
the claims' models (flows, GAN generator) against their direct closed forms.

Every (case, method) runs in a fresh subprocess so its peak resident memory is its own. Times are
ratios against baselines measured in the same run (these machines are noisy): for MLPs the
tutorial's Jacobian contraction and NTK-vector products and the "floor", the two Gram products
per dense layer that the structured formula cannot avoid (:mod:`ntkcheck.bench_baselines`); for
the claims' models the closed-form Jacobian Gram J Jᵀ (:mod:`ntkcheck.bench_models`).

References: PyTorch tutorial "Neural Tangent Kernels" (torch.func), methods 1 and 2.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import torch

from ntkcheck.bench_baselines import (
    gram_floor,
    tutorial_jacobian_contraction,
    tutorial_ntk_vector_products,
)
from ntkcheck.bench_models import ModelCase, build
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.models.mlp import MLP
from ntkcheck.validation import available_memory_bytes

INPUT_DIM = 8  # inputs of every benchmark MLP: unit vectors in R^8
CANDIDATES = ("auto", "structured", "jacobian", "ntk_vp", "tutorial_jacobian", "tutorial_ntk_vp")
MODEL_METHODS = ("auto", "jacobian")  # a claim model: ours, and the generic path it used to take


@dataclass(frozen=True)
class Case:
    width: int
    depth: int
    n: int
    outputs: int


@dataclass(frozen=True)
class Timing:
    case: Case | ModelCase
    method: str
    seconds: float | None  # None: skipped (memory estimate over budget or time cap)
    peak_mib: float | None
    note: str = ""


def _layers(case: Case) -> list[tuple[int, int]]:
    """(in, out) of the benchmark MLP's dense layers (no biases: bias_std = 0)."""
    sizes = [INPUT_DIM] + [case.width] * case.depth + [case.outputs]
    return list(zip(sizes[:-1], sizes[1:]))


def _memory_estimate(case: Case | ModelCase, method: str) -> float:
    if isinstance(case, ModelCase):
        return 0.0  # the claims' sizes: well under a GiB
    p = sum(i * j for i, j in _layers(case))
    o, n = case.outputs, case.n
    if method in ("tutorial_jacobian", "jacobian"):
        return 8.0 * (2 * n * o * p + n * n * o * o * 2)
    if method == "tutorial_ntk_vp":
        return 8.0 * n * n * o * (p / 8 + case.width * case.depth)
    return 8.0 * (n * n * o * o * 3 + n * o * case.width * case.depth * 4)


def _run_case(case: Case | ModelCase, method: str) -> dict:
    """Worker body: build the model and data, time one method, report its peak RSS growth.

    Steady state: the method first runs once on 16 of the points (torch start-up and the
    per-architecture caches, e.g. the structured path's coverage probe), then the timed call
    on all N (repeated while the calls total under 3 s; the fastest counts).
    ``warmup_seconds`` records that first call. The peak is the resident-set high water mark
    of the timed calls alone (reset before them), minus the resident set before them.
    """
    make = _model_runner(case, method) if isinstance(case, ModelCase) else _mlp_runner(case, method)
    start = time.perf_counter()
    make(16)()
    warmup = time.perf_counter() - start
    run = make(None)
    rss0 = _reset_peak_mib()
    times: list[float] = []
    # Short calls are repeated (the fastest counts): on a shared machine one call is noise.
    while not times or (sum(times) < _REPEAT_SECONDS and len(times) < 10):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    peak = _status_mib("VmHWM")
    return {"seconds": min(times), "peak_mib": max(peak - rss0, 0.0), "warmup_seconds": warmup}


_REPEAT_SECONDS = 3.0


def _mlp_runner(case: Case, method: str) -> Callable[[int | None], Callable[[], object]]:
    model = MLP(INPUT_DIM, case.width, case.depth, case.outputs, seed=0)
    x = torch.randn(
        case.n, INPUT_DIM, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    x = x / x.norm(dim=1, keepdim=True)

    def make(rows: int | None) -> Callable[[], object]:
        xs = x[:rows]
        if method == "floor":
            return gram_floor(model, xs)
        if method == "tutorial_jacobian":
            return lambda: tutorial_jacobian_contraction(model, xs, xs)
        if method == "tutorial_ntk_vp":
            return lambda: tutorial_ntk_vector_products(model, xs, xs)
        return lambda: empirical_ntk(model, xs, method=method)

    return make


def _model_runner(case: ModelCase, method: str) -> Callable[[int | None], Callable[[], object]]:
    def make(rows: int | None) -> Callable[[], object]:
        # The warm-up builds the same model on at most 16 points (1 for a set of latent codes).
        problem = build(
            case if rows is None else ModelCase(case.model, case.width, min(rows, case.n))
        )
        if method == "floor":
            return problem.floor
        return lambda: empirical_ntk(
            problem.module, problem.x, method=method, params=problem.params
        )

    return make


def _reset_peak_mib() -> float:
    """Reset the resident-set high water mark to the current resident set (Linux
    /proc/self/clear_refs); returns the current resident set in MiB."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass  # the high water mark then covers the warm-up too: a peak of 0 means "no growth"
    return _status_mib("VmRSS")


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"/proc/self/status has no {field}")


def time_case(case: Case | ModelCase, method: str, timeout: float) -> Timing:
    """Run one (case, method) in a subprocess, skipping what would not fit in memory."""
    need = _memory_estimate(case, method)
    if need > 0.6 * available_memory_bytes():
        return Timing(case, method, None, None, f"skipped: needs ~{need / 2**30:.0f} GiB")
    spec = json.dumps([type(case).__name__, asdict(case), method])
    cmd = [sys.executable, "-m", "ntkcheck.bench", spec]
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


def methods_of(case: Case | ModelCase) -> tuple[str, ...]:
    """The methods timed on ``case``: its floor first."""
    return ("floor", *(MODEL_METHODS if isinstance(case, ModelCase) else CANDIDATES))


def run_benchmark(
    cases: Iterable[Case | ModelCase],
    timeout: float = 300.0,
    progress: Callable[[str], None] | None = None,
) -> list[Timing]:
    timings = []
    for case in cases:
        for method in methods_of(case):
            if progress is not None:
                progress(f"{case} {method}")
            timings.append(time_case(case, method, timeout))
    return timings


def format_table(timings: list[Timing]) -> str:
    """One row per case, MLPs then the claims' models: seconds of each method and the ratios
    the targets are stated in."""
    by_case: dict[Case | ModelCase, dict[str, Timing]] = {}
    for t in timings:
        by_case.setdefault(t.case, {})[t.method] = t
    mlps = {c: r for c, r in by_case.items() if isinstance(c, Case)}
    models = {c: r for c, r in by_case.items() if isinstance(c, ModelCase)}
    tables = [_mlp_table(mlps)] if mlps else []
    tables += [_model_table(models)] if models else []
    notes = sorted({f"{t.method}: {t.note}" for t in timings if t.note})
    steady = (
        "steady-state seconds: each method first ran once on 16 points in its subprocess "
        "(then fastest of the calls made in 3 s, at most 10); "
        "peak: resident-set growth during the timed call; attainable: the auto/floor that the "
        "forward and backward passes alone impose; model floors: the closed-form J Jᵀ"
    )
    return "\n\n".join([*tables, "\n".join([steady, *(["notes:", *notes] if notes else [])])])


def _mlp_table(by_case: dict) -> str:
    methods = [m for m in ("floor", *CANDIDATES) if any(m in r for r in by_case.values())]
    head = ["width", "depth", "N", "O", *[f"{m} [s]" for m in methods], "auto peak [MiB]",
            "tut_jac/auto", "auto/floor", "attainable"]  # fmt: skip
    rows = [head]
    for case, r in by_case.items():
        auto = r.get("auto")
        rows.append(
            [
                str(case.width), str(case.depth), str(case.n), str(case.outputs),
                *[_seconds(r.get(m)) for m in methods],
                _peak(auto),
                _ratio(r.get("tutorial_jacobian"), auto),
                _ratio(auto, r.get("floor")),
                f"{attainable_ratio(case):.2f}",
            ]
        )  # fmt: skip
    return _aligned(rows)


def _model_table(by_case: dict) -> str:
    methods = [m for m in ("floor", *MODEL_METHODS) if any(m in r for r in by_case.values())]
    head = ["model", "width", "N", *[f"{m} [s]" for m in methods], "auto peak [MiB]",
            "auto/floor", "jacobian/auto"]  # fmt: skip
    rows = [head]
    for case, r in by_case.items():
        auto = r.get("auto")
        rows.append(
            [case.model, str(case.width), str(case.n), *[_seconds(r.get(m)) for m in methods],
             _peak(auto), _ratio(auto, r.get("floor")), _ratio(r.get("jacobian"), auto)]
        )  # fmt: skip
    return _aligned(rows)


def _aligned(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows)


def _peak(t: Timing | None) -> str:
    return "—" if t is None or t.peak_mib is None else f"{t.peak_mib:.3g}"


def _seconds(t: Timing | None) -> str:
    return "—" if t is None or t.seconds is None else f"{t.seconds:.3g}"


def _ratio(a: Timing | None, b: Timing | None) -> str:
    if a is None or b is None or a.seconds is None or b.seconds is None:
        return "—"
    return f"{a.seconds / b.seconds:.3g}"


if __name__ == "__main__":
    kind, case_dict, method_name = json.loads(sys.argv[1])
    case_type = {"Case": Case, "ModelCase": ModelCase}[kind]
    print(json.dumps(_run_case(case_type(**case_dict), method_name)))
