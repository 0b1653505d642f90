"""The limits of one server: the network's trainable parameters and the data's values (options.MAX_PARAMETERS,
options.MAX_DATA_VALUES), from the rule through RunSpec, load_data, the controller, the page and the CLI."""

import os
import subprocess
import sys

import pytest
from csv_samples import pima_csv
from test_page_playground import open_app, url_spec

from playground import options, rules
from playground.cli import main
from playground.controller import PlaygroundController
from playground.data.csv_reading import read_csv
from playground.data.points import make_dataset
from playground.data.sources import builtin_table, load_data
from playground.data.tables import BUILTIN_TABLES
from playground.options import FEATURES, OPTIONS_BY_NAME
from playground.spec import RunSpec

DEFAULT_LAYERS = OPTIONS_BY_NAME["layers"].default


@pytest.fixture
def max_parameters(monkeypatch):
    """Set this server's parameter limit for one test."""
    return lambda limit: monkeypatch.setattr(options, "MAX_PARAMETERS", limit)


@pytest.fixture
def max_data_values(monkeypatch):
    return lambda limit: monkeypatch.setattr(options, "MAX_DATA_VALUES", limit)


# ---- the counts and the rule ---------------------------------------------------------------------------------


def test_parameter_count_is_weights_and_biases_of_every_dense_layer():
    assert rules.parameter_count(2, (4, 2), 1) == (2 * 4 + 4) + (4 * 2 + 2) + (2 * 1 + 1) == 25
    assert rules.parameter_count(64, (128,), 10) == 9_610  # the README's digits network
    assert rules.parameter_count(3, (), 1) == 4  # no hidden layer: one weight per input and a bias


def test_parameter_count_agrees_with_keras():
    from playground.training.model import build_model

    for layers, inputs, outputs in (((4, 2), 2, 1), ((16, 8, 3), 7, 5), ((), 30, 1)):
        spec = RunSpec(layers=layers, activations=("relu",) * len(layers), dropout_rates=(0.2,) * len(layers))
        assert build_model(spec, inputs, outputs).count_params() == rules.parameter_count(inputs, layers, outputs)


def test_at_the_parameter_limit_passes_and_one_over_fails_with_what_to_do(max_parameters):
    count = rules.parameter_count(2, (256, 128), 1)
    assert count == 33_793
    max_parameters(count)
    assert rules.too_many_parameters(2, (256, 128), 1) is None
    max_parameters(count - 1)
    assert rules.too_many_parameters(2, (256, 128), 1) == (
        "a 2-256-128-1 network has 33,793 trainable parameters (weights and biases) and this server's limit is "
        "33,792 (PLAYGROUND_MAX_PARAMETERS)")


def test_a_spec_over_the_limit_does_not_validate(max_parameters):
    spec = RunSpec(layers=(256, 128), activations=("relu", "relu"), dropout_rates=(0.0, 0.0))
    max_parameters(33_793)
    assert spec.validate() == []
    max_parameters(33_792)
    (problem,) = spec.validate()
    assert problem.startswith("hidden layers 256,128 are too large: a 2-256-128-1 network has 33,793 trainable")
    assert problem.endswith("use fewer or smaller hidden layers")


def test_the_output_units_and_input_features_count():
    # 7 features in, 8 classes out (multi-class spiral): 7*64+64 + 64*8+8 = 1,032.
    spec = RunSpec.from_query("dataset=spiral&problem=multiclass&classes=8&layers=64&features="
                              + ",".join(FEATURES)).spec
    assert rules.parameter_count(len(spec.features), spec.layers, spec.classes) == 1_032
    dataset = make_dataset(spec)
    assert (dataset.input_count, dataset.output_units) == (7, 8)


def test_the_default_limits_allow_every_data_set_with_sensible_networks():
    assert options.MAX_PARAMETERS == 50_000 and options.MAX_DATA_VALUES == 1_000_000
    for query in ("layers=8,8,8,8,8,8&features=" + ",".join(FEATURES),  # TensorFlow Playground's largest, and more
                  "dataset=spiral&layers=256,128", "dataset=spiral&problem=multiclass&classes=8&layers=128,128,64"):
        parsed = RunSpec.from_query(query)
        assert parsed.ok, parsed.messages
    for name in BUILTIN_TABLES:  # a tutorial's 64-64 network, or 128 units in one layer, on every table
        for layers in ("64,64", "128"):
            loaded = load_data(RunSpec.from_query(f"dataset={name}&layers={layers}").spec)
            assert loaded.dataset is not None and not loaded.over_limit, (name, loaded.messages)


def test_the_limits_floors_keep_the_defaults_valid():
    """Below these floors an operator's limit is raised: the default network fits every 2-D data set and
    built-in table, and the largest 2-D data set fits the data limit."""
    widest = len(FEATURES)
    classes = int(OPTIONS_BY_NAME["classes"].maximum)
    assert rules.parameter_count(widest, DEFAULT_LAYERS, classes) <= 1_000
    for name in BUILTIN_TABLES:
        table = builtin_table(name)
        inputs, outputs = table.frame.shape[1] - 1, max(1, len(table.class_names))
        assert rules.parameter_count(inputs, DEFAULT_LAYERS, outputs) <= 1_000, name
    assert int(OPTIONS_BY_NAME["samples"].maximum) * widest <= 35_000


@pytest.mark.parametrize(("value", "expected"), [
    ("2000", (2_000, 35_000)), ("120,000", (120_000, 35_000)), ("lots", (50_000, 35_000)), ("10", (1_000, 35_000)),
])
def test_operators_set_the_limits_in_the_environment(value, expected):
    code = "from playground import options; print(options.MAX_PARAMETERS, options.MAX_DATA_VALUES)"
    environment = dict(os.environ, PLAYGROUND_MAX_PARAMETERS=value, PLAYGROUND_MAX_DATA_VALUES="5")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env=environment)
    assert result.returncode == 0, result.stderr
    assert tuple(int(number) for number in result.stdout.split()) == expected


# ---- a link over the limit ----------------------------------------------------------------------------------


def test_a_url_over_the_limit_gets_one_message_and_the_default_layers():
    parsed = RunSpec.from_query("dataset=spiral&layers=256,256,256&activation=relu,tanh,relu&dropout=0.1&seed=7")
    assert parsed.messages == (
        "hidden layers 256,256,256 are too large: a 2-256-256-256-1 network has 132,609 trainable parameters "
        "(weights and biases) and this server's limit is 50,000 (PLAYGROUND_MAX_PARAMETERS); use fewer or smaller "
        "hidden layers; using the default 4,2",)
    spec = parsed.spec
    assert spec.layers == DEFAULT_LAYERS and spec.activations == ("relu", "tanh")
    assert spec.dropout_rates == (0.1, 0.1) and spec.dataset == "spiral" and spec.seed == 7
    assert spec.validate() == []


def test_a_url_at_the_limit_is_kept(max_parameters):
    max_parameters(rules.parameter_count(3, (100, 100), 1))
    parsed = RunSpec.from_query("features=x1,x2,x1x2&layers=100,100")
    assert parsed.ok and parsed.spec.layers == (100, 100)
    assert not RunSpec.from_query("features=x1,x2,x1x2,x1sq&layers=100,100").ok  # one more input: over


def test_widgets_over_the_limit_are_repaired_the_same_way():
    parsed = RunSpec.from_values({"layers": [256, 256], "activations": ["relu", "relu"],
                                  "dropout_rates": [0.0, 0.0]})
    assert parsed.spec.layers == DEFAULT_LAYERS and len(parsed.messages) == 1
    assert "a 2-256-256-1 network has 66,817 trainable parameters" in parsed.messages[0]


# ---- a table over the limits (its columns decide the inputs) ------------------------------------------------


def test_a_table_network_over_the_limit_is_refused_when_its_data_is_loaded(max_parameters):
    spec = RunSpec.from_query("dataset=digits&layers=256,256").spec
    assert spec.layers == (256, 256) and spec.validate() == []  # the spec alone cannot know digits has 64 inputs
    loaded = load_data(spec)
    assert loaded.dataset is None and loaded.table is not None
    assert loaded.over_limit == (
        "A 64-256-256-10 network has 85,002 trainable parameters (weights and biases) and this server's limit is "
        "50,000 (PLAYGROUND_MAX_PARAMETERS). Use fewer or smaller hidden layers, or fewer feature columns (the "
        "data has 64 inputs).")
    assert loaded.over_limit in loaded.messages
    iris = RunSpec.from_query("dataset=iris&layers=8").spec  # 4*8+8 + 8*3+3 = 67
    max_parameters(67)
    assert load_data(iris).dataset is not None
    max_parameters(66)
    assert "A 4-8-3 network has 67 trainable parameters" in load_data(iris).over_limit


def test_a_table_over_the_data_limit_says_how_many_rows_would_fit(max_data_values):
    table, _ = read_csv(pima_csv(200))
    spec = RunSpec.from_query("dataset=csv&layers=8").spec
    max_data_values(200 * 8)
    assert load_data(spec, table).dataset is not None
    max_data_values(200 * 8 - 1)
    loaded = load_data(spec, table)
    assert loaded.dataset is None and loaded.over_limit == (
        "The data has 200 rows x 8 inputs = 1,600 values and this server's limit is 1,599 "
        "(PLAYGROUND_MAX_DATA_VALUES): choose fewer feature columns, or use a sample of at most 199 rows.")
    fewer = spec.replace(columns=("Glucose", "BMI", "Age"))
    assert load_data(fewer, table).dataset is not None


def test_the_controller_checks_the_network_on_every_change_without_preparing_the_data_again():
    from playground.training.registry import JobRegistry

    registry = JobRegistry()
    try:
        controller = PlaygroundController(registry, RunSpec.from_query("dataset=digits&layers=32").spec)
        within = controller.data()
        assert within.dataset is not None
        controller.change_spec(controller.spec.replace(layers=(256, 256)))
        over = controller.data()
        assert over.dataset is None and "85,002 trainable parameters" in over.over_limit
        with pytest.raises(ValueError, match="85,002 trainable parameters"):
            controller.job()
        assert controller.probe_inputs() is None and controller.plane() is None
        controller.change_spec(controller.spec.replace(layers=(64, 64)))
        assert controller.data() is within  # the same prepared data, not read again
        assert controller.job().dataset is within.dataset
    finally:
        registry.close()


# ---- the page ------------------------------------------------------------------------------------------------


def test_the_page_opened_with_a_network_over_the_limit_warns_and_uses_the_default_layers():
    app = open_app({"dataset": "spiral", "layers": "256,256,256,256", "activation": "relu"})
    assert len(app.warning) == 1
    text = app.warning[0].value
    assert "hidden layers 256,256,256,256 are too large" in text and "limit is 50,000" in text
    assert "using the default 4,2" in text
    assert url_spec(app).layers == DEFAULT_LAYERS and url_spec(app).dataset == "spiral"
    assert [app.number_input(key=f"w_units_{i}").value for i in range(2)] == [4, 2]
    assert [button for button in app.button if button.key == "play"]


def test_controls_over_the_limit_on_points_say_so_and_go_back_to_the_default_layers():
    app = open_app({"layers": "256,128"})  # 2-256-128-1: 33,793
    app.number_input(key="w_units_1").set_value(256).run()  # 2-256-256-1: 66,817
    assert not app.exception
    infos = " ".join(info.value for info in app.info)
    assert "a 2-256-256-1 network has 66,817 trainable parameters" in infos and "using the default 4,2" in infos
    assert url_spec(app).layers == DEFAULT_LAYERS
    assert [app.number_input(key=f"w_units_{i}").value for i in range(2)] == [4, 2]


def test_the_page_with_a_table_network_over_the_limit_explains_and_trains_nothing():
    app = open_app({"dataset": "digits", "layers": "256,256"})
    errors = " ".join(error.value for error in app.error)
    assert "Too large for this server" in errors and "A 64-256-256-10 network has 85,002 trainable" in errors
    assert "fewer feature columns" in errors
    assert not [button for button in app.button if button.key == "play"]
    assert url_spec(app).layers == (256, 256)  # the link keeps what was asked; the message says what to change
    app.number_input(key="w_units_1").set_value(32).run()  # 64-256-32-10: 25,194
    assert not app.exception and not app.error
    assert [button for button in app.button if button.key == "play"]


def test_the_page_with_a_csv_over_the_data_limit_explains_and_trains_nothing(max_data_values):
    from test_page_data import upload

    max_data_values(1_000)
    app = open_app({"dataset": "csv"})
    upload(app, pima_csv(200), "pima.csv")
    errors = " ".join(error.value for error in app.error)
    assert "Too large for this server" in errors and "200 rows x 8 inputs = 1,600 values" in errors
    assert "a sample of at most 125 rows" in errors
    assert not [button for button in app.button if button.key == "play"]


# ---- the command line ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "message"), [
    ("dataset=spiral&layers=256,256,256", "bad run spec: hidden layers 256,256,256 are too large: a "
                                          "2-256-256-256-1 network has 132,609 trainable parameters"),
    ("dataset=digits&layers=256,256", "A 64-256-256-10 network has 85,002 trainable parameters"),
])
def test_the_cli_refuses_a_run_over_the_limit_with_one_line(query, message, capsys):
    assert main(["train", query, "--epochs", "1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("playground: ") and message in line and "50,000" in line


def test_the_cli_over_the_limit_in_a_real_process_has_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "playground", "train", "layers=256,256,256,256", "--json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr and "limit is 50,000 (PLAYGROUND_MAX_PARAMETERS)" in result.stderr
