"""Browser test: the loss charts' tick labels as Plotly.js draws them (issue 9a, 9d), without the app."""

import pytest

from playground.teaching.backprop import loss_history_figure
from playground.views.curves import loss_figure

pytestmark = pytest.mark.slow


def _tick_texts(browser, figure) -> dict[str, list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        page.set_content(figure.to_html(include_plotlyjs=True, full_html=True))
        page.wait_for_selector(".xtick text")
        return {axis: page.eval_on_selector_all(f".{axis}tick text", "nodes => nodes.map(n => n.textContent)")
                for axis in ("x", "y")}
    finally:
        page.close()


def _ticks(browser, figure) -> dict[str, list[float]]:
    return {axis: [float(text.replace("\u2212", "-")) for text in texts]
            for axis, texts in _tick_texts(browser, figure).items()}


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


@pytest.mark.parametrize("losses", [[0.00704631], [0.00704631, 0.00639947], [1e-7, 5e-8]])
def test_the_backprop_loss_chart_has_plain_tick_labels(browser, losses):
    texts = _tick_texts(browser, loss_history_figure(losses))
    assert texts["x"] and all(text.isdigit() for text in texts["x"])
    # No trailing zeros after a decimal point ("0.000000", "0.0020"), and no two labels alike.
    assert not [text for text in texts["y"] if "." in text and text.endswith("0")]
    assert texts["y"][0] == "0" and len(set(texts["y"])) == len(texts["y"])
