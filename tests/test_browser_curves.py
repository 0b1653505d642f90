"""Browser test: the loss chart's tick labels as Plotly.js draws them (issue 9a), without the app."""

import pytest

from playground.views.curves import loss_figure

pytestmark = pytest.mark.slow


def _ticks(browser, figure) -> dict[str, list[float]]:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        page.set_content(figure.to_html(include_plotlyjs=True, full_html=True))
        page.wait_for_selector(".xtick text")
        return {axis: [float(text.replace("\u2212", "-")) for text in
                       page.eval_on_selector_all(f".{axis}tick text", "nodes => nodes.map(n => n.textContent)")]
                for axis in ("x", "y")}
    finally:
        page.close()


@pytest.mark.parametrize("width", [400, 1200])
def test_one_epoch_is_drawn_on_whole_epoch_ticks(browser, width):
    history = [{"epoch": 1, "loss": 0.7, "test_loss": 0.72, "accuracy": 0.5, "test_accuracy": 0.5}]
    figure = loss_figure(history, "accuracy")
    figure.update_layout(width=width)
    ticks = _ticks(browser, figure)
    assert ticks["x"] and all(tick == int(tick) for tick in ticks["x"])


def test_the_empty_chart_runs_from_loss_0_to_1(browser):
    ticks = _ticks(browser, loss_figure([], "accuracy"))
    assert min(ticks["y"]) == 0 and max(ticks["y"]) == 1
    assert all(tick == int(tick) for tick in ticks["x"])
