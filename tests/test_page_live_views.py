"""AppTest: the live views in one element, the view options outside the live fragment, the data points in the
page's style sheet, and the loss curve as SVG while training (Plotly's chart otherwise)."""

import base64
import re
import time

import pytest

from tests.test_page_playground import open_app, status_line


def points_svg(app) -> str:
    (sheet,) = [item.proto.body for item in app.get("html") if "pg-points { background-image" in item.proto.body]
    return base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", sheet).group(1)).decode()


def live_views(app) -> str:
    (views,) = [item.value for item in app.markdown if "class='pg-live'" in item.value]
    return views


def test_one_element_holds_the_status_and_every_view_and_the_options_stay_outside():
    app = open_app()
    views = live_views(app)
    for part in ("pg-status", "pg-status-line", "pg-network", "pg-output", "pg-boundary", "pg-points"):
        assert part in views, part
    assert "Epoch <b>0</b>" in views and "Ready: press Play" in views
    assert len(app.get("plotly_chart")) == 1 and "pg-curve" not in views  # not training: Plotly's chart
    assert {"show_test", "discretize", "log_scale"} <= {toggle.key for toggle in app.toggle}
    assert app.slider(key="smoothing").value == 0.0


def test_show_test_data_adds_the_test_points_to_the_style_sheet():
    app = open_app()
    assert 'stroke="#333333"' not in points_svg(app)
    app.toggle(key="show_test").set_value(True).run()
    assert 'stroke="#333333"' in points_svg(app)  # the test points' dark rings
    assert not app.exception


def test_a_table_draws_its_plane_with_a_legend_of_its_classes():
    app = open_app({"dataset": "iris"})
    assert "pg-boundary" in live_views(app) and "pg-class-legend" in live_views(app)
    assert "principal components" in live_views(app)  # the plane's caption
    assert 'stroke="#f59322"' in points_svg(app)  # the rows on the plane, in their classes' colours


@pytest.mark.slow
def test_while_training_the_loss_curve_is_svg_and_plotly_again_when_paused():
    app = open_app({"samples": "100", "epochs": "100000"})
    app.button(key="play").click().run()
    views = live_views(app)
    assert "class='pg-live'" in views and 'class="pg-curve"' in views and 'aria-label="loss curve"' in views
    assert not app.get("plotly_chart")
    app.button(key="pause").click().run()
    deadline = time.monotonic() + 90
    while "Paused." not in status_line(app) and time.monotonic() < deadline:  # a run still starting pauses after
        time.sleep(0.5)
        app.run()
    assert len(app.get("plotly_chart")) == 1 and 'class="pg-curve"' not in live_views(app)
    assert not app.exception
