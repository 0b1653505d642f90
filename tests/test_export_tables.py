"""The exported Keras script for tables: scikit-learn's tables and CSV files give ``sources.load_data``'s arrays
and ``model.build_model``'s initial weights."""

import ast
import importlib.util
import pathlib
import re
import subprocess
import sys

import keras
import numpy as np
import pytest
from csv_samples import pima_csv
from test_export import assert_same_model, imported_modules

from playground.data.csv_reading import read_csv
from playground.data.sources import load_data
from playground.export import keras_script
from playground.spec import RunSpec
from playground.training.model import build_model

PROJECT = pathlib.Path(__file__).resolve().parents[1]
TABLE_IMPORTS = {"argparse", "os", "keras", "numpy", "pandas", "sklearn.datasets", "sklearn.model_selection"}

# URL keys -> values; together they use each table problem, an ordered column subset, a wrapped column list with a
# constant column (digits' pixel_0_0 is always 0), dropout, a weight penalty and three initialisers.
DIGIT_PIXELS = ",".join(f"pixel_{row}_{column}" for row in range(8) for column in range(0, 8, 2))
BUILTIN_CASES = {
    "breast_cancer": {"dataset": "breast_cancer", "layers": "6", "activation": "relu", "train": "70", "dseed": "3"},
    "breast_cancer_multiclass": {"dataset": "breast_cancer", "problem": "multiclass", "init": "he_normal"},
    "iris_columns": {"dataset": "iris", "columns": "petal width (cm),sepal length (cm)", "dropout": "0.2",
                     "reg": "l2", "regrate": "0.01"},
    "diabetes": {"dataset": "diabetes", "layers": "8,4", "activation": "relu", "init": "playground", "train": "80"},
    "digits": {"dataset": "digits", "columns": DIGIT_PIXELS, "layers": "16", "optimizer": "adam", "dseed": "7"},
}


def spec_of(query) -> RunSpec:
    parsed = RunSpec.from_query(query)
    assert parsed.ok, parsed.messages
    return parsed.spec


def write_csv(path: pathlib.Path, header: list[str], rows: list[list[str]]) -> pathlib.Path:
    path.write_text("\n".join(",".join(row) for row in [header] + rows) + "\n", encoding="utf-8")
    return path


def missing_values_csv(path: pathlib.Path) -> pathlib.Path:
    """Numbers with missing cells spelled several ways, a stray word, rows without a target, a spaced header."""
    rng = np.random.default_rng(11)
    rows = []
    for index in range(90):
        height, weight, age = rng.normal(170, 10), rng.normal(70, 12), rng.integers(18, 80)
        y = 0.3 * height - 0.2 * weight + rng.normal(0, 5)
        rows.append([repr(height), f"{weight:.3f}", str(age), f"{y:.5g}"])
        if index % 9 == 2:
            rows[-1][index % 3] = ["", "NA", "?", "n/a", "-", "missing"][index % 6]
    rows[5][1], rows[40][3], rows[41][3] = "oops", "", "NA"  # a stray word in a number column; no target twice
    return write_csv(path, ["height", "weight", " age ", "y"], rows)


def text_target_csv(path: pathlib.Path) -> pathlib.Path:
    rng = np.random.default_rng(12)
    rows = [[f"{value:.4f}" for value in rng.normal(0, 1, 3)] + [str(rng.choice(["dog", "cat", "bird"]))]
            for _ in range(75)]
    return write_csv(path, ["x1", "x2", "x3", "animal"], rows)


def text_feature_csv(path: pathlib.Path) -> pathlib.Path:
    """A 2-valued text feature (with two missing cells) before the numbers, and a yes/no target in between."""
    rng = np.random.default_rng(13)
    rows = [[str(rng.choice(["f", "m"])), f"{rng.uniform(0, 9):.2f}", str(rng.choice(["no", "yes"])),
             f"{rng.normal(5, 2):.3f}"] for _ in range(60)]
    rows[3][0] = rows[17][0] = ""
    return write_csv(path, ["sex", "x1", "label", "x2"], rows)


# name -> (file maker, URL keys and values, uploaded file name)
CSV_CASES = {
    "clean_numeric": (lambda path: (path.write_bytes(pima_csv(150)), path)[1], {"train": "60"}, "pima.csv"),
    "missing_drop": (missing_values_csv, {"problem": "regression", "missing": "drop"}, "people.csv"),
    "missing_impute": (missing_values_csv, {"problem": "regression", "missing": "impute", "dseed": "4"},
                       "people.csv"),
    "text_target": (text_target_csv, {"problem": "multiclass", "layers": "5"}, "animals.csv"),
    "text_feature_impute": (text_feature_csv, {"target": "label", "missing": "impute"}, "survey.csv"),
    "text_feature_drop": (text_feature_csv, {"target": "label", "columns": "x2,sex"}, "survey.csv"),
}


def csv_case(name: str, directory: pathlib.Path):
    """The case's file (written to directory), spec and table as the app reads it."""
    make, query, file_name = CSV_CASES[name]
    path = make(directory / file_name)
    table, messages = read_csv(path.read_bytes())
    assert table is not None, messages
    return path, spec_of({"dataset": "csv", **query}), table


@pytest.fixture
def exported():
    """Runs a spec's script as a module (main() is not called) and returns its namespace."""
    saved = dict(keras.saving.get_custom_objects())

    def load(spec: RunSpec, csv_name: str = "") -> dict:
        namespace = {"__name__": "exported_script"}
        exec(compile(keras_script(spec, csv_name=csv_name), "exported_script.py", "exec"), namespace)
        return namespace

    yield load
    keras.saving.get_custom_objects().clear()
    keras.saving.get_custom_objects().update(saved)


def assert_same_data_and_model(namespace: dict, spec: RunSpec, table, *arguments) -> None:
    (x_train, y_train), (x_test, y_test) = namespace["load_data"](*arguments)
    expected = load_data(spec, table).dataset
    assert expected is not None
    pairs = [(x_train, expected.x_train), (y_train, expected.y_train), (x_test, expected.x_test),
             (y_test, expected.y_test)]
    for got, want in pairs:
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want)  # bit for bit (no NaN is left to compare unequal)
    if spec.problem == "multiclass":  # what the script's main() gives build_model as the output units
        assert int(max(y_train.max(), y_test.max())) + 1 == expected.output_units

    script_model = namespace["build_model"](expected.input_count, expected.output_units)
    assert_same_model(script_model, build_model(spec, expected.input_count, expected.output_units),
                      expected.x_test[:50])


# ---- the script's data and model equal Playground's --------------------------------------------------------
@pytest.mark.parametrize("case", BUILTIN_CASES)
def test_builtin_table_script_gives_load_data_and_build_model(case, exported):
    spec = spec_of(BUILTIN_CASES[case])
    assert_same_data_and_model(exported(spec), spec, None)


@pytest.mark.parametrize("case", CSV_CASES)
def test_csv_script_gives_load_data_and_build_model(case, exported, tmp_path):
    path, spec, table = csv_case(case, tmp_path)
    assert_same_data_and_model(exported(spec, csv_name=path.name), spec, table, str(path))


def test_the_csv_cases_have_what_they_are_named_for(tmp_path):
    """Guards the comparisons above against files that lost their point (say, no missing value left)."""
    _, spec, table = csv_case("missing_drop", tmp_path)
    messages = " ".join(load_data(spec, table).messages)
    assert "Dropped 2 rows without a value" in messages and "rows with missing feature values" in messages
    assert "age" in table.frame.columns and table.frame["weight"].dtype == np.float64
    _, spec, table = csv_case("missing_impute", tmp_path)
    assert "Filled" in " ".join(load_data(spec, table).messages)
    _, spec, table = csv_case("text_target", tmp_path)
    assert load_data(spec, table).dataset.class_names == ("bird", "cat", "dog")
    _, spec, table = csv_case("text_feature_impute", tmp_path)
    assert load_data(spec, table).dataset.feature_names == ("x1", "x2", "sex=f", "sex=m")


# ---- the script's text -------------------------------------------------------------------------------------
def table_sources(tmp_path: pathlib.Path) -> list[str]:
    sources = [keras_script(spec_of(query)) for query in BUILTIN_CASES.values()]
    for case in CSV_CASES:
        path, spec, _ = csv_case(case, tmp_path)
        sources.append(keras_script(spec, csv_name=path.name))
    return sources


def test_table_scripts_import_no_playground_and_name_the_run(tmp_path):
    for source in table_sources(tmp_path):
        assert imported_modules(source) <= TABLE_IMPORTS
        docstring = ast.get_docstring(ast.parse(source))
        assert docstring.startswith("Exported from Playground: ") and "&dataset=" in docstring


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")
def test_table_scripts_pass_the_projects_linter(tmp_path):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    for index, source in enumerate(table_sources(tmp_path)):
        (scripts / f"script_{index}.py").write_text(source, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--config", str(PROJECT / "pyproject.toml"),
                             "--no-cache", str(scripts)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_csv_name_and_column_names_are_safe_literals():
    spec = spec_of({"dataset": "csv", "target": 'the "answer" \\ 42', "columns": "größe,it's"})
    source = keras_script(spec, csv_name='my "data"\\file\n.csv')
    values = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(source).body
              if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
              and node.targets[0].id in ("CSV_FILE", "TARGET", "COLUMNS")}
    assert values == {"CSV_FILE": 'my "data"\\file\n.csv', "TARGET": 'the "answer" \\ 42',
                      "COLUMNS": ("größe", "it's")}
    assert 'CSV_FILE = "data.csv"' in keras_script(spec)  # no uploaded file's name: a placeholder


def test_writing_a_table_script_does_not_import_keras():
    code = ("import sys; from playground.export import keras_script; from playground.spec import RunSpec; "
            "keras_script(RunSpec(dataset='csv')); keras_script(RunSpec(dataset='iris', problem='multiclass')); "
            "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# ---- the script runs -----------------------------------------------------------------------------------------
def test_csv_script_trains_on_the_file_given(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    path, spec, _ = csv_case("text_target", data)
    script = tmp_path / "exported_script.py"
    script.write_text(keras_script(spec, csv_name=path.name), encoding="utf-8")
    assert f'CSV_FILE = "{path.name}"' in script.read_text(encoding="utf-8")
    result = subprocess.run([sys.executable, str(script), "--csv", str(path), "--epochs", "2"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Epoch 2/2" in result.stdout and "Epoch 3/" not in result.stdout
    final = re.search(r"^Test loss: (\S+)\nTest accuracy: (\S+)$", result.stdout, re.MULTILINE)
    assert final, result.stdout[-2000:]
    assert np.isfinite(float(final.group(1))) and 0 <= float(final.group(2)) <= 1
