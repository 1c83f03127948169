"""Figures come from records alone: a dedicated layout per Figure kind, the requirement chart
otherwise, and a spec that does not fit its verdict is reported, never drawn wrong."""

from __future__ import annotations

import numpy as np
import pytest
from _toy import toy_claim

from ntkcheck.claims import Figure, Requirement, Seed, Verdict, check
from ntkcheck.plot import (
    FigureDataError,
    claim_figure,
    close,
    figure_kind,
    figure_kinds,
    figure_spec,
)
from ntkcheck.results import read_record, write_record

WIDTHS = np.array([64.0, 256.0, 1024.0])


def _claim(figure, measure):
    return toy_claim(
        id="test.toy.slope",
        status="lineage",
        statement="The distance decays like m^(-1/2).",
        requirements=(Requirement("slope", "in", (-0.75, -0.25), "log-log slope"),),
        measure=measure,
        figure=figure,
    )


def _decay(*, seed: Seed = 0) -> dict:
    rng = np.random.default_rng(seed)
    distance = WIDTHS[:, None] ** -0.5 * np.exp(0.05 * rng.standard_normal((3, 4)))
    slope = np.polyfit(np.log(WIDTHS), np.log(distance.mean(1)), 1)[0]
    return {"widths": WIDTHS, "distance": distance, "slope": slope}


LOGLOG = Figure("loglog_slope", y=("distance",), x="widths", bound="slope")


def test_the_standard_kinds_are_registered_and_a_plugin_can_add_one():
    assert {"lambda_min_vs_width", "loglog_slope", "loss_envelope", "flow_nll"} <= set(
        figure_kinds()
    )

    @figure_kind("test_single_panel")
    def single(verdict, spec):
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        ax.plot(verdict.measured[spec.y[0]].mean(axis=1))
        return fig

    fig = claim_figure(check(_claim(Figure("test_single_panel", y=("distance",)), _decay)),
                       strict=True)  # fmt: skip
    assert len(fig.axes[0].lines) == 1
    close(fig)
    with pytest.raises(ValueError, match="already registered"):
        figure_kind("test_single_panel")(lambda verdict, spec: None)
    with pytest.raises(FigureDataError, match="registered kinds"):
        claim_figure(check(_claim(Figure("pie_chart", y=("distance",)), _decay)), strict=True)


def test_loglog_figure_draws_data_fit_and_window(tmp_path):
    verdict = check(_claim(LOGLOG, _decay))
    fig = claim_figure(verdict, tmp_path / "toy.claim", strict=True)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("fit: slope -0.5") for label in labels), labels
    assert any("claimed slopes [-0.75, -0.25]" in label for label in labels), labels
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert "test.toy.slope" in fig._suptitle.get_text() and "PASS" in fig._suptitle.get_text()
    close(fig)
    assert (tmp_path / "toy.claim.png").stat().st_size > 0
    assert (tmp_path / "toy.claim.svg").stat().st_size > 0


def test_spec_survives_the_record_round_trip(tmp_path):
    verdict = check(_claim(LOGLOG, _decay))
    back = Verdict.from_dict(read_record(write_record(verdict.to_dict(), tmp_path / "v.json")))
    assert figure_spec(back) == LOGLOG
    close(claim_figure(back, strict=True))


def test_a_spec_naming_a_missing_array_raises_when_strict_and_falls_back_otherwise():
    verdict = check(_claim(Figure("loglog_slope", y=("nonexistent",), x="widths"), _decay))
    with pytest.raises(FigureDataError, match="nonexistent"):
        claim_figure(verdict, strict=True)
    with pytest.warns(UserWarning, match="requirement chart instead"):
        close(claim_figure(verdict))


def test_shape_mismatch_is_an_error_not_a_wrong_picture():
    def wrong(*, seed: Seed = 0) -> dict:
        return {**_decay(seed=seed), "distance": np.ones((5, 4))}

    with pytest.raises(FigureDataError, match=r"\(5, 4\)"):
        claim_figure(check(_claim(LOGLOG, wrong)), strict=True)


def test_claims_without_a_spec_get_the_requirement_chart():
    fig = claim_figure(check(_claim(None, _decay)), strict=True)
    assert fig.axes[0].get_title(loc="left").startswith("slope")
    close(fig)


def test_spec_validation_says_what_to_write():
    with pytest.raises(TypeError, match=r"y=\('a',\)"):
        Figure("loglog_slope", y="a")
    with pytest.raises(ValueError, match="one per y key"):
        Figure("flow_nll", y=("a", "b"), x=("s",))
