"""Command line: ``ntkcheck list | verify | explore | plot | record | status | ntk | demo |
bench``.

``verify`` checks registered claims (in parallel, served from and written to the results
store) and writes the JSON report and one figure per claim (``--foil``: under their foils);
``explore`` searches a claim's space for a failing setting; ``status`` shows the store;
``ntk`` prints a model's certified eNTK spectrum; ``demo`` runs the eNTK → analytic NTK check;
``bench`` times the eNTK methods against the torch.func tutorial's two methods.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ntkcheck.cli import claims, kernels
from ntkcheck.errors import NTKCheckError

__all__ = ["main"]


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
    _add_size(ver)
    ver.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting field (repeatable)",
    )
    ver.add_argument("--seeds", type=int, help="shorthand for --set seeds=N")
    _add_device(ver)
    ver.add_argument("--out", type=Path, default=Path("results"), help="report and figures")
    ver.add_argument("--json", type=Path, help="report path (default OUT/report.json)")
    ver.add_argument("--plots", type=Path, help="figure folder (default OUT/figures)")
    ver.add_argument("--no-plots", action="store_true", help="skip the figures")
    ver.add_argument("--store", type=Path, help="results store (default OUT/ntkcheck.sqlite)")
    ver.add_argument("--fresh", action="store_true", help="recompute stored results")
    ver.add_argument("--scheduler", help="'inline', 'processes' or a Dask tcp://HOST:PORT")
    ver.add_argument("--workers", type=int, help="local worker processes (default: cores)")
    ver.add_argument(
        "--foil",
        action="store_true",
        help="check each claim under its foil (a perturbation under which it must fail); exit "
        "code 0 exactly when every one fails",
    )
    ver.add_argument(
        "--outside-assumptions",
        action="store_true",
        help="measure settings that violate a claim's assumptions instead of refusing them",
    )
    ver.add_argument(
        "--allow-known",
        action="store_true",
        help="exit 0 when every failing claim is a registered known failure (still reported)",
    )

    exp = sub.add_parser(
        "explore",
        help="search a claim's space for a failing setting (exit 1 if one is inside its "
        "assumptions)",
    )
    exp.add_argument("claim", help="claim id")
    exp.add_argument("--budget", type=float, default=240.0, help="seconds to search (default 240)")
    exp.add_argument(
        "--outside-assumptions",
        action="store_true",
        help="search the wider space with the claim's assumptions dropped",
    )
    exp.add_argument(
        "--example-seconds",
        type=float,
        help="skip settings estimated to take longer (default: budget/8)",
    )
    exp.add_argument(
        "--size",
        choices=("quick", "default"),
        default="quick",
        help="the base setting the space varies (default quick)",
    )
    _add_device(exp)
    exp.add_argument("--out", type=Path, default=Path("results"), help="record, figure, store")
    exp.add_argument(
        "--json", type=Path, help="record path (default: beside the store, explore/ID.json)"
    )
    exp.add_argument("--store", type=Path, help="results store (default OUT/ntkcheck.sqlite)")

    pl = sub.add_parser("plot", help="the standard figure of one claim")
    pl.add_argument("claim", help="claim id")
    _add_size(pl)
    _add_device(pl)
    pl.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="sweep a list-valued setting, e.g. --sweep widths=64,256,1024",
    )
    pl.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    pl.add_argument("--out", type=Path, default=Path("results"))
    pl.add_argument("--store", type=Path, help="results store (default OUT/ntkcheck.sqlite)")
    pl.add_argument("--fresh", action="store_true", help="recompute a stored result")

    rec = sub.add_parser(
        "record",
        help="the recorded run shipped with the docs: every claim at the default size into "
        "docs/evidence (report, SVG figures, explored regions, provenance)",
    )
    rec.add_argument("targets", nargs="*", help="claim ids or prefixes; all if none")
    rec.add_argument("--out", type=Path, default=Path("docs/evidence"), help="record folder")
    rec.add_argument(
        "--store",
        type=Path,
        default=Path("results/ntkcheck.sqlite"),
        help="results store serving what is already measured (not part of the record)",
    )
    rec.add_argument("--fresh", action="store_true", help="recompute stored results")
    rec.add_argument("--scheduler", help="'inline', 'processes' or a Dask tcp://HOST:PORT")
    rec.add_argument("--workers", type=int, help="local worker processes (default: cores)")

    st = sub.add_parser("status", help="what the results store holds: done, failed, pending")
    st.add_argument("targets", nargs="*", help="claim ids or prefixes; all if none")
    _add_size(st)
    st.add_argument("--out", type=Path, default=Path("results"))
    st.add_argument("--store", type=Path, help="results store (default OUT/ntkcheck.sqlite)")
    st.add_argument("--csv", type=Path, help="export every stored row to this CSV file")
    st.add_argument("--parquet", type=Path, help="export to Parquet (needs pyarrow)")
    st.add_argument("--scheduler", help="Dask scheduler address, to show its dashboard link")

    ntk = sub.add_parser("ntk", help="eNTK spectrum of a model: certified λ_min, λ_max, κ")
    ntk.add_argument(
        "model",
        help="'mlp' (built in), or module:attr naming an nn.Module or a "
        "zero-argument factory returning one; the current directory is importable "
        "(as with python -m), so mymodels:net finds ./mymodels.py",
    )
    _add_device(ntk)
    ntk.add_argument(
        "--data", required=True, help="inputs: a .npy file (N, ...), or sphere:N,D[,SEED]"
    )
    ntk.add_argument("--width", type=int, help="built-in MLP width (default 1024)")
    ntk.add_argument("--depth", type=int, help="built-in MLP hidden layers (default 2)")
    ntk.add_argument("--activation", help="built-in MLP activation (default relu)")
    ntk.add_argument("--seed", type=int, help="built-in MLP initialization seed (default 0)")
    ntk.add_argument(
        "--method",
        default="auto",
        choices=("auto", "structured", "jacobian", "ntk_vp"),
        help="eNTK method (default auto)",
    )
    ntk.add_argument("--blocks", type=int, help="assemble tile by tile with this block size")
    ntk.add_argument("--out", type=Path, help="--blocks: the .npy file (default ntk.npy)")
    ntk.add_argument("--scheduler", help="--blocks: 'inline', 'processes' or tcp://HOST:PORT")
    ntk.add_argument("--workers", type=int, help="--blocks: local worker processes")

    demo = sub.add_parser("demo", help="eNTK vs analytic NTK and certified λ_min over widths")
    demo.add_argument("--out", type=Path, default=Path("results"), help="output folder")
    demo.add_argument("--widths", default="256,1024,4096", help="comma-separated widths")
    demo.add_argument("--seeds", type=int, default=5, help="initializations per width")
    demo.add_argument("--quick", action="store_true", help="widths 64,256 and 2 seeds")

    bench = sub.add_parser("bench", help="time the eNTK methods against the tutorial baselines")
    bench.add_argument("--full", action="store_true", help="the whole grid (hours)")
    bench.add_argument("--timeout", type=float, default=300.0, help="seconds per case")
    bench.add_argument("--quick", action="store_true", help="one small case (smoke test)")
    bench.add_argument(
        "--case",
        action="append",
        default=[],
        metavar="W,D,N,O",
        help="time this case: width, depth, N, outputs (repeatable)",
    )

    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    commands = {
        "list": claims.list_claims,
        "verify": claims.verify,
        "status": claims.status,
        "plot": claims.plot_claim,
        "explore": claims.explore_claim,
        "record": claims.record,
        "ntk": kernels.ntk,
        "demo": kernels.demo,
        "bench": kernels.bench,
    }
    try:
        return commands[args.command](args)
    except NTKCheckError as err:  # the user's input or environment; anything else is our bug
        message = err.args[0] if err.args else str(err)
        print(f"ntkcheck {args.command}: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"ntkcheck {args.command}: interrupted; every result that finished is kept in the "
            "results store, and the same command resumes from there.",
            file=sys.stderr,
        )
        return 130


def _add_device(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--device",
        default="cpu",
        help="cpu (default), cuda or cuda:N: where models, data and kernels live (float64)",
    )


def _add_size(parser: argparse.ArgumentParser) -> None:
    """--quick (seconds, the test suite's size) or --full (minutes, for plots); default between."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_const", dest="size", const="quick")
    group.add_argument("--full", action="store_const", dest="size", const="full")
    parser.set_defaults(size="default")
