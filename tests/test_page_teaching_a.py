"""AppTest: the forward-pass and backpropagation pages, each run on its own (no app.py), without a browser."""

import base64
import json
import pathlib

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

# Importing the library first also settles which "playground" a page imports: the page's own folder comes
# first on sys.path (a page file named like the package would otherwise shadow it).
from playground.teaching import backprop, forward  # noqa: F401  (imports TensorFlow once, before any page runs)

PAGES = pathlib.Path(__file__).parent.parent / "app_pages"


def open_page(name: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60)
    app.run()
    assert_clean(app)
    return app


def assert_clean(app: AppTest) -> None:
    assert not app.exception, [exception.value for exception in app.exception]


def plotly_array(values) -> list:
    """A Plotly JSON array: a plain list, or NumPy's bytes as {"dtype", "bdata"} (base64)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


# Formulas are inline math (forward.markdown_math), which wraps in a narrow column; st.latex's never does.
MATH_OPEN, MATH_CLOSE = forward.markdown_math("·").split("·")


def formulas(app: AppTest) -> list[str]:
    assert not app.latex
    return [item.value.removeprefix(MATH_OPEN).removesuffix(MATH_CLOSE) for item in app.markdown
            if item.value.startswith(MATH_OPEN)]


@pytest.fixture(scope="module")
def forward_page() -> AppTest:
    return open_page("forward")


def test_forward_default_shows_the_worked_example(forward_page):
    assert formulas(forward_page) == [r"h_{0} = 2 \cdot 1 + 3 \cdot 1 + 0 = 5",
                                      r"h_{1} = 2 \cdot (-1) + 3 \cdot 1 + 0 = 1",
                                      r"o_{0} = 5 \cdot 2 + 1 \cdot (-1) + 0 = 9"]
    assert any(item.value == "**Hidden values:** 5, 1 · **Output:** 9" for item in forward_page.markdown)
    assert any("Keras model with these weights computes the same values" in item.value
               for item in forward_page.caption)


def test_forward_switching_activation_and_inputs_updates_every_value(forward_page):
    app = forward_page
    app.selectbox(key="forward_activation_0").select("relu").run()
    assert_clean(app)
    assert formulas(app)[0] == r"h_{0} = \mathrm{relu}(2 \cdot 1 + 3 \cdot 1 + 0) = \mathrm{relu}(5) = 5"
    assert formulas(app)[2].endswith("= 9")
    app.number_input(key="forward_input_0").set_value(3.0).run()
    app.number_input(key="forward_input_1").set_value(2.0).run()
    assert_clean(app)
    assert formulas(app)[1].endswith(r"= \mathrm{relu}(-1) = 0")
    assert formulas(app)[2] == r"o_{0} = 5 \cdot 2 + 0 \cdot (-1) + 0 = 10"
    app.selectbox(key="forward_activation_0").select("sigmoid").run()
    assert_clean(app)
    assert formulas(app)[1].endswith(r"= \mathrm{sigmoid}(-1) = 0.2689")


def test_forward_steps_neuron_by_neuron():
    app = open_page("forward")
    app.button(key="forward_start").click().run()
    assert len(formulas(app)) == 1
    assert "Neuron 1 of 3" in " ".join(item.value for item in app.markdown)
    assert 'fill="#ffd966"' in next(item.value for item in app.markdown if item.value.startswith("<svg"))
    app.button(key="forward_next_neuron").click().run()
    assert len(formulas(app)) == 2
    app.button(key="forward_next_layer").click().run()  # the hidden layer is complete: the output layer
    assert len(formulas(app)) == 3
    app.button(key="forward_start").click().run()
    app.button(key="forward_show_all").click().run()
    assert_clean(app)
    assert len(formulas(app)) == 3 and app.button(key="forward_next_neuron").disabled


def test_forward_example_buttons_and_a_wider_network():
    app = open_page("forward")
    # Tooltips name the hidden units as the page does (h1), not as the tutorials (node_1).
    assert app.button(key="forward_load_relu").help.startswith("h1's sum is")
    assert "h1" in [label.split()[-1] for label in (item.label for item in app.number_input)]
    app.button(key="forward_load_relu").click().run()
    assert formulas(app)[2].endswith("= 10")
    app.number_input(key="forward_hidden_units").set_value(3).run()
    app.number_input(key="forward_input_count").set_value(3).run()
    assert_clean(app)
    assert len(formulas(app)) == 4
    app.button(key="forward_load_example").click().run()
    assert_clean(app)
    assert formulas(app)[-1].endswith("= 9") and len(formulas(app)) == 3


def success_text(app: AppTest) -> str:
    return " ".join(item.value for item in app.success)


def test_backprop_default_shows_every_step_and_matches_keras():
    app = open_page("backprop")
    text = formulas(app)
    assert text[3].startswith(r"L = \tfrac{1}{2}(y_{0} - o_{0})^2")
    assert text[4].startswith(r"\delta_{o_{0}} = (y_{0} - o_{0}) \cdot o_{0}(1 - o_{0})")
    assert sum(item.startswith(r"\frac{\partial L}") for item in text) == 9
    assert "matches tf.GradientTape" in success_text(app)


def test_backprop_next_step_reduces_the_loss_and_still_matches():
    app = open_page("backprop")
    app.button(key="backprop_next_step").click().run()
    assert_clean(app)
    history = app.session_state["backprop_history"]
    assert len(history) == 2 and history[1] < history[0]
    app.button(key="backprop_ten_steps").click().run()
    history = app.session_state["backprop_history"]
    assert len(history) == 12 and all(b < a for a, b in zip(history, history[1:], strict=False))
    assert "matches tf.GradientTape" in success_text(app)
    # The loss chart draws these very losses (a Plotly figure from the library, issue 9d).
    (chart,) = app.get("plotly_chart")
    (line,) = json.loads(chart.proto.spec)["data"]
    assert plotly_array(line["y"]) == pytest.approx(history, rel=1e-12) and plotly_array(line["x"]) == list(range(12))
    assert any("Step **11**" in item.value for item in app.markdown)
    app.number_input(key="backprop_target").set_value(0.9).run()  # an edit by hand starts a new history
    assert len(app.session_state["backprop_history"]) == 1


@pytest.mark.parametrize(("widget", "value"), [
    ("backprop_hidden_activation", "relu"), ("backprop_hidden_activation", "tanh"),
    ("backprop_output_activation", "linear"), ("backprop_loss", "binary_crossentropy"),
])
def test_backprop_options_keep_matching_keras(widget, value):
    app = open_page("backprop")
    app.selectbox(key=widget).select(value).run()
    assert_clean(app)
    assert "matches tf.GradientTape" in success_text(app)


def test_backprop_bad_inputs_give_a_message_not_an_exception():
    app = open_page("backprop")
    app.selectbox(key="backprop_loss").select("binary_crossentropy").run()
    app.number_input(key="backprop_target").set_value(2.0).run()
    assert_clean(app)
    assert "targets between 0 and 1" in app.error[0].value


def test_backprop_diverging_steps_stop_with_a_message():
    app = open_page("backprop")
    app.selectbox(key="backprop_output_activation").select("linear").run()
    app.selectbox(key="backprop_hidden_activation").select("linear").run()
    app.number_input(key="backprop_learning_rate").set_value(10.0).run()
    for _ in range(3):
        app.button(key="backprop_ten_steps").click().run()
        assert_clean(app)
    assert any("Stopped" in item.value for item in app.warning)
