"""The live loss chart's axes: a sensible empty chart, whole epochs only (issue 9a)."""

from types import SimpleNamespace

import pytest

from playground.views.curves import MIN_EPOCH_RANGE, loss_figure, overlay_figure


def _history(epochs: int) -> list[dict[str, float]]:
    return [{"epoch": epoch, "loss": 0.7 / epoch, "test_loss": 0.75 / epoch, "accuracy": 0.5, "test_accuracy": 0.5}
            for epoch in range(1, epochs + 1)]


@pytest.mark.parametrize(("log_scale", "loss_range"), [(False, (0, 1)), (True, (-1, 0))])
def test_the_empty_chart_shows_loss_0_to_1_over_the_first_epochs(log_scale, loss_range):
    layout = loss_figure([], "accuracy", log_scale=log_scale).layout
    # Plotly's own empty range is loss -1 to 4; on a log axis the range is in powers of ten (0.1 to 1).
    assert tuple(layout.yaxis.range) == loss_range
    assert tuple(layout.xaxis.range) == (0, MIN_EPOCH_RANGE)


@pytest.mark.parametrize("epochs", [1, 3, 40])
def test_the_epoch_axis_spans_at_least_ten_epochs_so_its_ticks_are_whole(epochs):
    # Plotly's automatic ticks are at most 10 per axis with the spacing rounded up (1, 2, 5 x 10^n), so a range
    # of 10 or more epochs never gets a tick between two epochs; after one Step the range was 0 to 1 (0.5 ticks).
    layout = loss_figure(_history(epochs), "accuracy").layout
    assert MIN_EPOCH_RANGE >= 10
    assert layout.xaxis.autorange is True and layout.xaxis.rangemode == "tozero"
    assert max(layout.xaxis.autorangeoptions.include) >= MIN_EPOCH_RANGE
    assert layout.xaxis.range is None and layout.xaxis.dtick is None
    assert layout.yaxis.autorange is True and layout.yaxis.range is None


def test_the_compared_runs_use_the_same_epoch_axis():
    run = SimpleNamespace(label="run 1", history=_history(1))
    layout = overlay_figure([run]).layout
    assert max(layout.xaxis.autorangeoptions.include) >= MIN_EPOCH_RANGE
