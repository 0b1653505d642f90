"""AppTest: the activation-function and gradient-descent pages, each run on its own, without a browser."""

import pathlib

from streamlit.testing.v1 import AppTest

PAGES = pathlib.Path(__file__).parent.parent / "app_pages"


def open_page(name: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / name), default_timeout=60)
    app.run()
    assert_no_exception(app)
    return app


def assert_no_exception(app: AppTest) -> None:
    assert not app.exception, [exception.value for exception in app.exception]


def test_activations_page_draws_the_defaults_and_a_card_each():
    app = open_page("activations.py")
    assert app.multiselect(key="picked_activations").value == ["sigmoid", "tanh", "relu"]
    assert len(app.get("plotly_chart")) == 2  # the activations and the softmax bars
    assert len(app.latex) == 2 * 3 + 1  # formula and derivative per card, and softmax's formula
    assert not app.warning


def test_activations_page_picks_binary_step_and_warns_it_cannot_learn():
    app = open_page("activations.py")
    app.multiselect(key="picked_activations").set_value(["binary_step", "gelu"]).run()
    assert_no_exception(app)
    assert any("cannot be trained" in warning.value for warning in app.warning)
    app.multiselect(key="picked_activations").set_value([]).run()
    assert_no_exception(app)
    assert any("Pick at least one" in info.value for info in app.info)


def test_activations_page_softmax_input_errors_are_messages():
    app = open_page("activations.py")
    app.text_input(key="softmax_vector").set_value("1, two, 3").run()
    assert_no_exception(app)
    assert any("'two' is not a number" in warning.value for warning in app.warning)
    app.text_input(key="softmax_vector").set_value("1 2 3 4").run()
    app.slider(key="temperature").set_value(0.01).run()
    assert_no_exception(app)
    assert not app.warning
    assert any("Sum of the probabilities: 1.0000" in caption.value for caption in app.caption)


def test_descent_page_defaults_converge_without_warnings():
    app = open_page("descent.py")
    assert len(app.get("plotly_chart")) == 3
    assert not app.warning
    assert len(app.metric) == 3


def test_descent_page_diverging_learning_rate_shows_a_warning_not_an_exception():
    app = open_page("descent.py")
    app.select_slider(key="descent_rate").set_value(3.0).run()
    assert_no_exception(app)
    warnings = " ".join(warning.value for warning in app.warning)
    assert "SGD diverged" in warnings and "clipped to the view" in warnings
    app.multiselect(key="descent_optimizers").set_value([]).run()
    assert_no_exception(app)
    assert any("Pick at least one optimiser" in info.value for info in app.info)
