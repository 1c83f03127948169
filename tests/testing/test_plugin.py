"""The pytest plugin, as a researcher uses it: a marker in their own test file."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_marker_and_fixture_in_a_users_suite(tmp_path):
    (tmp_path / "test_users_paper.py").write_text(
        textwrap.dedent(
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
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert "2 passed, 1 error" in done.stdout, done.stdout[-2000:]
    assert "valid keys" in done.stdout
