import ast
import csv
import importlib.util
import io
import math
import pathlib
import re
import subprocess
import sys

import keras
import numpy as np
import pytest

from playground.data.points import make_dataset
from playground.export import history_csv, keras_script, load_model_bytes, model_bytes, spec_json
from playground.options import ACTIVATIONS, INITIALIZERS, POINT_DATASETS
from playground.spec import RunSpec
from playground.training.model import build_model, compiled_model

PROJECT = pathlib.Path(__file__).resolve().parents[1]

# The scripts that are run for real. Each run pays TensorFlow's import (6-30 s, by the machine's load), so
# only the default spec's run is in the quick suite.
RUN_QUERIES = [
    "",
    "dataset=spiral&features=x1,x2,x1x2,sinx1&layers=8,8&activation=relu,tanh&dropout=0.1,0&reg=l2&regrate=0.001"
    "&optimizer=adam&lr=0.01",
    "dataset=plane&layers=3&activation=linear",
    "problem=multiclass&dataset=spiral&classes=3&layers=16&optimizer=rmsprop",
    "init=playground&layers=none&activation=binary_step",
]
RUN_CASES = [pytest.param(query, marks=pytest.mark.slow) if query else query for query in RUN_QUERIES]
# Built in-process and compared with model.build_model: together they use every initialiser and activation.
MODEL_QUERIES = RUN_QUERIES + [
    "init=zeros&layers=3&dataset=moons&patience=5",
    "init=he_normal&layers=5,5,5,5,5,5&activation=linear,sigmoid,relu,leaky_relu,elu,selu&dropout=0.3",
    "init=lecun_normal&layers=5,5,5,5,5,5&activation=softplus,softsign,gelu,swish,mish,binary_step",
    "init=glorot_normal&dataset=multi_gauss&loss=huber&reg=l1&regrate=0.01&optimizer=momentum",
    "init=he_uniform&problem=multiclass&dataset=circle&classes=4&optimizer=adagrad",
]
SCRIPT_IMPORTS = {"argparse", "os", "keras", "numpy", "sklearn.datasets"}


def spec_of(query: str) -> RunSpec:
    parsed = RunSpec.from_query(query)
    assert parsed.ok, parsed.messages
    return parsed.spec


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module)
    return modules


@pytest.fixture
def exported():
    """Runs a spec's script as a module (main() is not called) and returns its namespace."""
    # The script registers its own binary_step under Playground's name; put the library's back afterwards.
    saved = dict(keras.saving.get_custom_objects())

    def load(spec: RunSpec) -> dict:
        namespace = {"__name__": "exported_script"}
        exec(compile(keras_script(spec), "exported_script.py", "exec"), namespace)
        return namespace

    yield load
    keras.saving.get_custom_objects().clear()
    keras.saving.get_custom_objects().update(saved)


# ---- the script's text -------------------------------------------------------------------------------------
@pytest.mark.parametrize("query", MODEL_QUERIES)
def test_script_compiles_imports_no_playground_and_names_the_run(query):
    spec = spec_of(query)
    source = keras_script(spec)
    compile(source, "exported_script.py", "exec")
    assert imported_modules(source) <= SCRIPT_IMPORTS
    assert "playground" not in " ".join(imported_modules(source))
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring.startswith(f"Exported from Playground: {spec.describe()}.")
    assert spec.to_query() in [line.strip() for line in docstring.splitlines()]
    assert f"EPOCHS = {spec.epochs}\n" in source


def test_the_options_table_is_covered_by_the_model_comparisons():
    specs = [spec_of(query) for query in MODEL_QUERIES]
    assert {spec.initializer for spec in specs} == set(INITIALIZERS)
    assert {activation for spec in specs for activation in spec.activations} == set(ACTIVATIONS)


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")
def test_scripts_pass_the_projects_linter(tmp_path):
    for index, query in enumerate(MODEL_QUERIES):
        (tmp_path / f"script_{index}.py").write_text(keras_script(spec_of(query)), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--config", str(PROJECT / "pyproject.toml"),
                             "--no-cache", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_writing_a_script_does_not_import_keras():
    code = ("import sys; from playground.export import keras_script; from playground.spec import RunSpec; "
            "keras_script(RunSpec()); assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_an_invalid_spec_is_refused():
    with pytest.raises(ValueError, match="invalid run spec"):
        keras_script(RunSpec(layers=(4,), activations=("tanh", "tanh"), dropout_rates=(0.0,)))


# ---- the script's data and model equal Playground's --------------------------------------------------------
DATA_QUERIES = [f"dataset={name}&noise=25&samples=137&train=70&dseed=5&features=x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2"
                for name in POINT_DATASETS] + [
    f"problem=multiclass&dataset={name}&classes=5&noise=10" for name in ("gauss", "spiral", "checkerboard")
] + ["problem=multiclass&dataset=circle&classes=4", "dataset=moons&features=sinx2&train=10&samples=20"]


@pytest.mark.parametrize("query", DATA_QUERIES)
def test_script_data_is_bit_identical_to_make_dataset(query, exported):
    spec = spec_of(query)
    (x_train, y_train), (x_test, y_test) = exported(spec)["load_data"]()
    expected = make_dataset(spec)
    pairs = [(x_train, expected.x_train), (y_train, expected.y_train), (x_test, expected.x_test),
             (y_test, expected.y_test)]
    for got, want in pairs:
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want)


@pytest.mark.parametrize("query", MODEL_QUERIES)
def test_script_model_starts_as_build_model(query, exported):
    spec = spec_of(query)
    dataset = make_dataset(spec)
    script_model = exported(spec)["build_model"]()
    assert_same_model(script_model, build_model(spec, dataset.input_count, dataset.output_units),
                      dataset.x_test[:50])


def assert_same_model(script_model, playground_model, inputs) -> None:
    """Same layer names, bit-identical weights, and (so activations and wiring agree too) the same outputs."""
    assert [layer.name for layer in script_model.layers] == [layer.name for layer in playground_model.layers]
    for got, want in zip(script_model.get_weights(), playground_model.get_weights(), strict=True):
        assert np.array_equal(got, want)
    assert np.allclose(script_model(inputs, training=False), playground_model(inputs, training=False),
                       rtol=1e-6, atol=1e-6)


# ---- the script runs -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("query", RUN_CASES)
def test_script_trains_for_the_epochs_given(query, tmp_path):
    script = tmp_path / "exported_script.py"
    script.write_text(keras_script(spec_of(query)), encoding="utf-8")
    result = subprocess.run([sys.executable, str(script), "--epochs", "2"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Epoch 2/2" in result.stdout and "Epoch 3/" not in result.stdout
    final = re.search(r"^Test loss: (\S+)\nTest (accuracy|r2): (\S+)$", result.stdout, re.MULTILINE)
    assert final, result.stdout[-2000:]
    float(final.group(1)), float(final.group(3))  # numbers ("nan" when the run diverged, as plane's does)


# ---- history, spec and model ---------------------------------------------------------------------------------
def test_history_csv_reads_back_with_the_union_of_keys():
    history = [
        {"epoch": 0, "loss": 0.75, "test_loss": 0.8, "accuracy": 0.5, "learning_rate": 0.03},
        {"epoch": 1, "loss": np.float32(0.25), "test_loss": float("nan"), "r2": -float("inf"),
         "learning_rate": 0.01},
        {"epoch": np.int64(2), "loss": float("inf"), "test_loss": 1 / 3},
    ]
    text = history_csv(history)
    assert text.splitlines()[0] == "epoch,loss,test_loss,accuracy,learning_rate,r2"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["epoch"] for row in rows] == ["0", "1", "2"]
    assert rows[1]["test_loss"] == "nan" and rows[1]["r2"] == "-inf" and rows[2]["loss"] == "inf"
    assert rows[0]["r2"] == "" and rows[2]["accuracy"] == ""
    assert float(rows[1]["loss"]) == float(np.float32(0.25)) and float(rows[2]["test_loss"]) == 1 / 3
    assert math.isnan(float(rows[1]["test_loss"]))
    assert history_csv([]) == ""


def test_spec_json_round_trips():
    spec = spec_of(RUN_QUERIES[1])
    assert RunSpec.from_json(spec_json(spec)).spec == spec


def test_model_bytes_round_trip_keeps_predictions_and_the_custom_activation(recwarn):
    spec = spec_of("init=playground&layers=6,3&activation=tanh,binary_step&optimizer=adam")
    model = compiled_model(spec, 2, 1)
    rng = np.random.default_rng(0)
    # Weights away from the seeded start (training would cost an XLA compilation of several seconds).
    model.set_weights([weight + rng.normal(0, 0.1, weight.shape) for weight in model.get_weights()])
    inputs = rng.uniform(-6, 6, (64, 2)).astype(np.float32)
    data = model_bytes(model)
    assert data[:2] == b"PK"  # a .keras file is a zip archive
    loaded = load_model_bytes(data)
    assert np.array_equal(loaded(inputs, training=False), model(inputs, training=False))
    assert isinstance(loaded.optimizer, keras.optimizers.Adam)
    assert not [warning for warning in recwarn if "Skipping variable loading" in str(warning.message)]
