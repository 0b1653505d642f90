"""A control hidden by the link (`<key>_hide=true`, the instructor's feature) keeps the link's value."""

import pathlib

import pytest
from streamlit.testing.v1 import AppTest

from playground.spec import RunSpec

APP = str(pathlib.Path(__file__).parent.parent / "app.py")
LINK = {"dataset": "xor", "layers": "4,4", "activation": "relu", "lr": "0.01", "seed": "7", "epochs": "50"}


def open_app(query: dict[str, str]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def test_editing_a_spec_with_some_fields_keeps_the_others():
    base = RunSpec.from_query("dataset=xor&layers=4,4&activation=relu,sigmoid&lr=0.01&seed=7").spec
    parsed = RunSpec.from_values({"noise": 10}, base=base)
    assert parsed.ok and parsed.spec == base.replace(noise=10)
    # A new layer count with the activations left out: they follow it silently, new layers copy the last.
    parsed = RunSpec.from_values({"layers": [4, 4, 3]}, base=base)
    assert parsed.ok and parsed.spec.activations == ("relu", "sigmoid", "sigmoid")
    assert parsed.spec.learning_rate == 0.01 and parsed.spec.seed == 7
    # Without a base, left-out fields are the defaults, as before.
    assert RunSpec.from_values({"noise": 10}).spec.learning_rate == 0.03


@pytest.mark.parametrize("hidden", [
    ("lr",), ("activation",), ("seed",), ("layers",), ("dataset",), ("epochs",),
    ("lr", "activation", "seed", "layers", "dataset", "epochs"),
])
def test_hidden_controls_keep_the_links_values_and_the_link_round_trips(hidden):
    expected = RunSpec.from_query(LINK).spec
    app = open_app(LINK | {f"{key}_hide": "true" for key in hidden})
    assert app.session_state["controller"].spec == expected
    written = {key: value for key, value in app.query_params.items()}
    assert all(written[f"{key}_hide"] == "true" for key in hidden)
    parsed = RunSpec.from_query(written)
    assert parsed.ok and parsed.spec == expected and parsed.hidden
    # A change in a visible control keeps the hidden values too.
    app.slider(key="w_noise").set_value(10).run()
    assert app.session_state["controller"].spec == expected.replace(noise=10)


def test_a_hidden_activation_follows_a_new_layer_count():
    app = open_app(LINK | {"activation_hide": "true"})
    app.number_input(key="w_layer_count").set_value(3).run()
    spec = app.session_state["controller"].spec
    assert spec.layers == (4, 4, 4) and spec.activations == ("relu", "relu", "relu")
    assert not app.info  # no message about a wrong number of activations
