"""Tiled kernels on disk equal empirical_ntk; λ_min from the file equals the dense one."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from ntkcheck import validation
from ntkcheck.errors import InvalidInputError, StorageError
from ntkcheck.kernels import blocks
from ntkcheck.kernels.blocks import assemble_ntk_blocks
from ntkcheck.kernels.empirical import empirical_ntk
from ntkcheck.models import MLP
from ntkcheck.spectrum import lambda_min, lambda_min_npy, lanczos, memmap_operator

N = 13


def _problem(out_features: int = 1, device: str = "cpu"):
    model = MLP(3, 16, 2, out_features, seed=0).to(device)
    x = torch.randn(N, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    return model, x.to(device)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


@pytest.mark.parametrize("block_size", [4, 5, 13, 20])
def test_blocks_equal_empirical_ntk_in_process(tmp_path, block_size):
    model, x = _problem()
    kernel = assemble_ntk_blocks(model, x, block_size=block_size, out=tmp_path / "k.npy")
    assert isinstance(kernel, np.memmap) and kernel.dtype == np.float64
    np.testing.assert_allclose(kernel, empirical_ntk(model, x, mode="trace"), rtol=1e-12)
    np.testing.assert_array_equal(kernel, kernel.T)
    assert [p.name for p in tmp_path.iterdir()] == ["k.npy"]  # no .partial left behind


def test_blocks_on_a_dask_cluster(tmp_path, cluster):
    model, x = _problem()
    kernel = assemble_ntk_blocks(
        model, x, block_size=5, out=tmp_path / "k.npy", scheduler=cluster.scheduler_address
    )
    np.testing.assert_allclose(kernel, empirical_ntk(model, x, mode="trace"), rtol=1e-12)


def test_full_mode_mirrors_the_output_axes(tmp_path):
    model, x = _problem(out_features=2)
    kernel = assemble_ntk_blocks(model, x, block_size=4, out=tmp_path / "k.npy", mode="full")
    assert kernel.shape == (N, N, 2, 2)
    np.testing.assert_allclose(kernel, empirical_ntk(model, x, mode="full"), rtol=1e-12)


def test_memmap_lambda_min_equals_dense(tmp_path):
    model, x = _problem()
    path = tmp_path / "k.npy"
    dense = empirical_ntk(model, x, mode="trace")
    assemble_ntk_blocks(model, x, block_size=6, out=path)
    want = lambda_min(dense)
    assert lambda_min(memmap_operator(path, block_rows=4)) == pytest.approx(want, rel=1e-10)
    assert lambda_min_npy(path) == pytest.approx(want, rel=1e-12)
    assert lambda_min_npy(path, memory_budget=1, block_rows=5) == pytest.approx(want, rel=1e-10)


def test_memmap_operator_through_lanczos(tmp_path, monkeypatch):
    """Six copies of the matrix exceed the memory, so lambda_min runs Lanczos on the streamed
    products (no materializing)."""
    monkeypatch.setattr(validation, "available_memory_bytes", lambda: 2**27)
    monkeypatch.setattr(lanczos, "materialize", None)  # calling it would fail the test
    n = 2100
    values = np.linspace(1.0, 2.0, n)
    values[0], values[-1] = 0.25, 4.0  # gaps at both ends: Lanczos converges in few steps
    u = np.random.default_rng(0).standard_normal(n)
    u /= np.linalg.norm(u)
    du = values * u
    # Q diag(values) Q with the Householder reflection Q = I - 2 u uᵀ: eigenvalues `values`.
    matrix = (
        np.diag(values) - 2 * np.outer(u, du) - 2 * np.outer(du, u) + 4 * (u @ du) * np.outer(u, u)
    )
    np.save(tmp_path / "k.npy", (matrix + matrix.T) / 2)
    got = lambda_min(memmap_operator(tmp_path / "k.npy", block_rows=512))
    assert got == pytest.approx(0.25, rel=1e-9)


def test_bad_arguments_name_the_fix(tmp_path):
    model, x = _problem()
    with pytest.raises(InvalidInputError, match="block_size"):
        assemble_ntk_blocks(model, x, block_size=0, out=tmp_path / "k.npy")
    np.save(tmp_path / "v.npy", np.ones(3))
    with pytest.raises(InvalidInputError, match=r"square floating \(N, N\)"):
        memmap_operator(tmp_path / "v.npy")


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"workers": 0}, "`workers` must be an integer >= 1"),
        ({"scheduler": "threads"}, "`scheduler` must be 'inline', 'processes'"),
        ({"scheduler": "tcp://h:1", "workers": 2}, "`workers` applies to local processes"),
        ({"out": "missing/k.npy"}, "folder that does not exist"),
        ({"out": "."}, "is a folder"),
    ],
)
def test_bad_options_are_refused_before_any_tile(tmp_path, monkeypatch, options, match):
    model, x = _problem()
    monkeypatch.chdir(tmp_path)
    inner = blocks.empirical_ntk

    def probe_only(model, x1, *args, **kwargs):
        assert x1.shape[0] == 1, "a tile ran before the options were checked"
        return inner(model, x1, *args, **kwargs)

    monkeypatch.setattr(blocks, "empirical_ntk", probe_only)
    with pytest.raises(InvalidInputError, match=match):
        assemble_ntk_blocks(model, x, **{"block_size": 4, "out": "k.npy", **options})


def test_a_kernel_larger_than_the_free_disk_is_refused(tmp_path, monkeypatch):
    model, x = _problem()
    usage = shutil.disk_usage(tmp_path)._replace(free=8 * N * N - 1)
    monkeypatch.setattr(validation.shutil, "disk_usage", lambda _: usage)
    with pytest.raises(StorageError, match=r"`out` = .* would hold 1\.\d+ KiB.*larger disk"):
        assemble_ntk_blocks(model, x, block_size=4, out=tmp_path / "k.npy")
    assert not list(tmp_path.iterdir())


def test_method_reaches_every_tile(tmp_path, monkeypatch):
    model, x = _problem()
    methods = []
    inner = blocks.empirical_ntk
    monkeypatch.setattr(
        blocks, "empirical_ntk", lambda *a, **k: methods.append(k["method"]) or inner(*a, **k)
    )
    kernel = assemble_ntk_blocks(model, x, block_size=5, out=tmp_path / "k.npy", method="ntk_vp")
    assert set(methods) == {"ntk_vp"} and len(methods) == 1 + 6
    np.testing.assert_allclose(kernel, empirical_ntk(model, x, mode="trace"), rtol=1e-12)


@pytest.mark.parametrize("name", ["missing.npy", "text.npy", "."])
def test_unreadable_kernel_files_are_named(tmp_path, name):
    (tmp_path / "text.npy").write_text("not an array")
    with pytest.raises(InvalidInputError, match=r"`path` .* is not a readable \.npy array"):
        lambda_min_npy(tmp_path / name)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"memory_budget": -1}, "`memory_budget` must be a number of bytes > 0, got -1"),
        ({"memory_budget": float("nan")}, "`memory_budget` must be"),
        ({"block_rows": 0}, "`block_rows` must be an integer >= 1"),
        ({"seed": -1}, "`seed` must be an integer >= 0"),
    ],
)
def test_lambda_min_npy_checks_its_options_first(tmp_path, options, match):
    np.save(tmp_path / "k.npy", np.eye(3))
    with pytest.raises(InvalidInputError, match=match):
        lambda_min_npy(tmp_path / "k.npy", **options)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_blocks_on_cuda(tmp_path):
    model, x = _problem(device="cuda")
    kernel = assemble_ntk_blocks(model, x, block_size=5, out=tmp_path / "k.npy")
    want = empirical_ntk(model, x, mode="trace").cpu().numpy()
    np.testing.assert_allclose(kernel, want, rtol=1e-12)
