"""The pytest plugin, as a researcher uses it: a marker in their own test file. A marked test
never passes unchecked, with or without the fixture; loading the plugin does not import torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run_pytest(tmp_path, source: str) -> str:
    (tmp_path / "test_users_paper.py").write_text(textwrap.dedent(source))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    return done.stdout


def test_marker_and_fixture_in_a_users_suite(tmp_path):
    out = _run_pytest(
        tmp_path,
        """
        import pytest

        @pytest.mark.ntkcheck_claim("balaji.mean_matching")
        def test_bound_holds(ntk_claim):
            assert ntk_claim.passed and ntk_claim.claim_id == "balaji.mean_matching"

        def test_assert_function(ntk_claim):
            assert ntk_claim("balaji.saddle_point").passed

        @pytest.mark.ntkcheck_claim("balaji.mean_matching", widht=3)
        def test_bad_setting_fails_loudly(ntk_claim):
            pass
        """,
    )
    assert "1 failed, 2 passed" in out, out[-2000:]
    assert "valid keys" in out


def test_a_marked_test_never_passes_unchecked(tmp_path):
    """Unknown or failing claims fail the test whether or not it asks for the fixture."""
    out = _run_pytest(
        tmp_path,
        """
        import pytest

        @pytest.mark.ntkcheck_claim("no.such.claim")
        def test_unknown_without_fixture():
            pass

        @pytest.mark.ntkcheck_claim("no.such.claim")
        def test_unknown_with_fixture(ntk_claim):
            pass

        @pytest.mark.ntkcheck_claim("shah.unf.learns")
        def test_failing_claim_without_fixture():
            pass
        """,
    )
    assert "3 failed in" in out and " passed" not in out, out[-3000:]
    assert "No claim 'no.such.claim'" in out and "shah.unf.learns" in out


def test_loading_the_plugin_does_not_import_torch():
    code = (
        "import sys, ntkcheck.testing.plugin, ntkcheck, ntkcheck.testing; "
        "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)[:5]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
