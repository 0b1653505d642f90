"""AppTest: the Playground page's controls, URL round trip and transport, without a browser."""

import pathlib
import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from playground.spec import RunSpec
from tests.test_page_teaching_a import formulas as page_formulas

APP = str(pathlib.Path(__file__).parent.parent / "app.py")


def open_app(query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def epoch(app: AppTest) -> int:
    """The number in the page's 'Epoch 1,234' counter."""
    text = next(item.value for item in app.markdown if "pg-epoch" in item.value)
    return int(re.search(r"Epoch <b>([\d,]+)</b>", text).group(1).replace(",", ""))


def wait_for_first_epoch(app: AppTest, seconds: float) -> None:
    """Rerun the page until its counter shows epoch 1 (after Step), or the time is up."""
    deadline = time.monotonic() + seconds
    while epoch(app) != 1 and time.monotonic() < deadline:
        time.sleep(0.5)
        app.run()


def status_line(app: AppTest) -> str:
    """The captions, and the status line the live views write under the epoch counter ("Paused.", ...)."""
    lines = [match for item in app.markdown for match in re.findall(r"class='pg-caption pg-status-line'>(.*?)</p>",
                                                                        item.value)]
    return " ".join([*lines, *(item.value for item in app.caption)])


def url_spec(app: AppTest) -> RunSpec:
    parsed = RunSpec.from_query({key: value for key, value in app.query_params.items()})
    assert parsed.ok, parsed.messages
    return parsed.spec


def test_opens_with_tensorflow_playground_defaults_and_writes_the_url():
    app = open_app()
    assert epoch(app) == 0
    assert not app.warning
    assert url_spec(app) == RunSpec()


def test_a_shared_url_sets_the_controls():
    app = open_app({"dataset": "spiral", "layers": "8,8,4", "activation": "relu", "lr": "0.1", "seed": "7"})
    assert app.selectbox(key="w_dataset").value == "spiral"
    assert app.number_input(key="w_layer_count").value == 3
    assert [app.number_input(key=f"w_units_{i}").value for i in range(3)] == [8, 8, 4]
    assert app.selectbox(key="w_activation_2").value == "relu"
    assert app.selectbox(key="w_learning_rate").value == "0.1"
    spec = url_spec(app)
    assert spec.layers == (8, 8, 4) and spec.seed == 7 and spec.learning_rate == 0.1


def test_bad_url_parameters_give_one_warning_and_defaults():
    app = open_app({"lr": "50", "layers": "4,x", "colour": "red", "dataset": "spiral"})
    assert len(app.warning) == 1
    text = app.warning[0].value
    assert "learning rate 50 is above the maximum 10" in text and "unknown parameter 'colour'" in text
    assert "hidden layers 'x' is not a number" in text
    spec = url_spec(app)
    assert spec.dataset == "spiral" and spec.learning_rate == 0.03 and spec.layers == (4, 2)


def test_changing_controls_updates_the_url():
    app = open_app()
    app.selectbox(key="w_dataset").set_value("xor").run()
    app.number_input(key="w_layer_count").set_value(3).run()
    app.number_input(key="w_units_2").set_value(5).run()
    app.selectbox(key="w_activation_0").set_value("relu").run()
    assert not app.exception
    spec = url_spec(app)
    assert spec.dataset == "xor" and spec.layers == (4, 2, 5) and spec.activations == ("relu", "tanh", "tanh")


def test_a_typed_learning_rate_is_coerced_and_a_bad_one_reported():
    # AppTest cannot type into a selectbox that accepts new options; the browser test types one. Here: the
    # path a typed value takes from the widget to the spec.
    from playground.options import OPTIONS_BY_NAME
    from playground.ui.controls import _coerce

    option = OPTIONS_BY_NAME["learning_rate"]
    assert RunSpec.from_values({"learning_rate": _coerce(option, "0.005")}).spec.learning_rate == 0.005
    parsed = RunSpec.from_values({"learning_rate": _coerce(option, "fast")})
    assert parsed.messages == ("learning rate 'fast' is not a number; using the default 0.03",)


def test_hide_parameters_hide_controls():
    app = open_app({"lr_hide": "true", "dataset_hide": "true"})
    keys = {widget.key for widget in app.selectbox}
    assert "w_learning_rate" not in keys and "w_dataset" not in keys and "w_optimizer" in keys
    assert app.query_params["lr_hide"] == "true"


@pytest.mark.slow
def test_step_trains_exactly_one_epoch_and_reset_returns_to_zero():
    app = open_app({"samples": "100"})
    app.button(key="step").click().run()
    wait_for_first_epoch(app, 60)
    assert epoch(app) == 1
    time.sleep(1)
    app.run()
    assert epoch(app) == 1 and "Paused." in status_line(app)
    app.button(key="reset").click().run()
    assert epoch(app) == 0 and "Ready" in status_line(app)


def test_presentation_mode_from_the_url_and_the_exports_are_offered():
    app = open_app({"present": "true"})
    assert app.toggle(key="present").value is True
    assert app.query_params["present"] == "true"
    # "Share and export" is filled only when opened (its code block's JavaScript stays off the first paint).
    assert not app.get("download_button") and not app.code
    app.session_state["share_panel"] = True  # as a click on it does
    app.run()
    assert any(block.value.startswith("http") for block in app.code)  # the share link
    labels = {button.label for button in app.get("download_button")}
    assert {"Diagram PNG", "Diagram SVG", "Loss curve PNG", "Boundary PNG", "History CSV", "Spec JSON",
            "Model .keras", "Keras script"} <= labels


def test_a_binary_step_network_explains_its_zero_gradient():
    app = open_app({"activation": "binary_step"})
    assert any("zero derivative" in caption.value for caption in app.caption)


@pytest.mark.slow
@pytest.mark.parametrize("query", [
    {"problem": "multiclass", "dataset": "spiral", "classes": "3", "layers": "8,8", "samples": "150"},
    {"dataset": "multi_gauss", "layers": "6", "activation": "relu", "samples": "150"},
    {"layers": "none", "activation": "binary_step", "samples": "100"},
    {"layers": "64,3", "features": "x1,x2,x1x2,sinx1", "samples": "100"},
])
def test_every_problem_type_trains_and_draws_without_an_exception(query):
    app = open_app(query)
    app.button(key="step").click().run()
    wait_for_first_epoch(app, 90)
    assert epoch(app) == 1
    assert not app.exception, [exception.value for exception in app.exception]
    # The diagram's links carry the weights of epoch 1 (the first kernel's first and last entries).
    (diagram,) = [item.value for item in app.markdown if "aria-label=\"network diagram\"" in item.value]
    snapshot = app.session_state["controller"].snapshot()
    assert snapshot.weights_epoch == 1
    kernel = snapshot.weights[0]
    for weight in (kernel[0, 0], kernel[-1, -1]):
        assert f"w = {weight:.4f}</title>" in diagram


@pytest.mark.slow
def test_the_forward_page_steps_through_the_network_trained_on_the_playground():
    app = open_app({"layers": "3,2", "samples": "100", "features": "x1,x2,x1x2"})
    app.switch_page("app_pages/forward.py").run()
    app.segmented_control(key="forward_source").set_value("My trained network").run()
    assert any("Train a network on the **Playground** page first" in item.value for item in app.info)
    app.switch_page("app_pages/playground_page.py").run()
    app.button(key="step").click().run()
    wait_for_first_epoch(app, 90)
    app.switch_page("app_pages/forward.py").run()
    app.segmented_control(key="forward_source").set_value("My trained network").run()
    app.number_input(key="forward_sample").set_value(7).run()
    assert not app.exception, [exception.value for exception in app.exception]
    formulas = page_formulas(app)
    assert formulas[0].startswith(r"o_{0} = \mathrm{sigmoid}(")  # the chosen neuron, written out in full
    assert any(formula.startswith(r"h^{(1)} = \mathrm{tanh}(W^{(1)} x + b^{(1)}) = [") for formula in formulas)
    assert any("same values" in item.value for item in app.caption)


def test_a_bouncing_loss_shows_its_warning_under_the_status_line(monkeypatch):
    import dataclasses

    from playground.training.job import TrainingJob

    text = ("The loss is bouncing up and down instead of settling: the learning rate 10 is probably too high "
            "(each step jumps past the valley floor). Lower it (try 0.3); if the loss then stays high, press "
            "Reset too.")
    original = TrainingJob.snapshot
    # The page draws whatever its job publishes: a snapshot carrying the warning stands for 40 bouncing epochs.
    monkeypatch.setattr(TrainingJob, "snapshot", lambda job: dataclasses.replace(original(job), warning=text))
    app = open_app({"lr": "10"})
    assert [item.value for item in app.warning] == [text]
