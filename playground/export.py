"""Exports of a run: a standalone Keras script, the history as CSV, the spec as JSON and the trained model.

The script is ``templates/keras_script.py.tmpl`` filled in from the spec, with the data code of
``points_data.py.tmpl`` or (for tables) ``table_data.py.tmpl`` and a ``read_*.py.tmpl``. It reuses the very source
of the data generator, the feature code, the table preparation's helpers, the CSV cell reading and the seed formula
(read from ``data/points.py``, ``data/tables.py``, ``data/csv_reading.py`` and ``training/model.py``), so it
rebuilds the same arrays and the same initial weights; the tests run it.
Writing it needs neither Keras nor TensorFlow: only ``model_bytes`` and ``load_model_bytes`` import them.
"""

from __future__ import annotations

import ast
import csv
import importlib.resources
import importlib.util
import io
import json
import numbers
import pathlib
import re
import string
import tempfile
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from playground.choices import (
    ACTIVATION_CHOICES,
    INITIALIZER_CHOICES,
    LOSS_CHOICES,
    OPTIMIZER_CHOICES,
    OUTPUT_ACTIVATION_CHOICES,
    REGULARIZATION_CHOICES,
)
from playground.data.points import GENERATORS
from playground.data.tables import BUILTIN_TABLES
from playground.options import TABLE_PROBLEMS
from playground.spec import RunSpec

if TYPE_CHECKING:
    import keras

_METRICS = {"binary": 'BinaryAccuracy(name="accuracy")',
            "multiclass": 'SparseCategoricalAccuracy(name="accuracy")', "regression": 'R2Score(name="r2")'}
_TARGETS = {
    "binary": "targets = labels.reshape(-1, 1).astype(np.float32)  # one column of 0/1 for the sigmoid output",
    "multiclass": "targets = labels.astype(np.int32)  # class indices, for the sparse categorical loss",
    "regression": "targets = labels.reshape(-1, 1).astype(np.float32)  # one column of values in about [-1, 1]",
}
_INDENT = " " * 4


# ---- the standalone script ---------------------------------------------------------------------------------
def keras_script(spec: RunSpec, csv_name: str = "") -> str:
    """A standalone Python script (numpy and Keras; pandas and scikit-learn for tables) that trains the spec's
    network on the spec's data.

    ``python script.py --epochs 2`` trains with plain ``model.fit`` and prints the test loss and metric. Its
    ``load_data()`` and ``build_model()`` can be used on their own: they give ``sources.load_data(spec)``'s
    arrays and ``model.build_model(spec, ...)``'s initial weights. A table's ``build_model`` takes the input
    count and output units; a CSV run's script reads the file given by ``--csv`` (default ``csv_name``, the
    uploaded file's name) and its ``load_data`` takes the path.
    """
    problems = spec.validate()
    if problems:
        raise ValueError("cannot export an invalid run spec: " + "; ".join(problems))
    model_parts = ["_KERNEL", "layer_seed"] + (["binary_step"] if "binary_step" in spec.activations else [])
    seed_code, seed_names = _definitions("playground.training.model", model_parts)
    parts = {"data_note": "", "imports": "", "arguments": "", "load_arguments": "", "model_arguments": "",
             "usage": f"Usage: python <this script> [--epochs N]   (default: {spec.epochs}, the run's epoch limit)"}
    data_parts, data_names = _table_parts(spec, csv_name) if spec.is_table else _point_parts(spec)
    parts.update(data_parts)
    renames = {name: name.lstrip("_") for name in data_names + seed_names if name.startswith("_")}
    metric = spec.metric
    callbacks = ""
    if spec.patience > 0:  # as the app's EarlyStopping on the test loss (val_loss adds any weight penalty)
        callbacks = '\n        callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE)],'
    return _template("keras_script.py.tmpl").substitute(
        description=spec.describe(),
        query=spec.to_query(),
        epochs=spec.epochs,
        settings="\n".join(parts.pop("settings") + _training_settings(spec)),
        seed_code=_public_names(seed_code, renames),
        data_section=_public_names(parts.pop("data_section"), renames),
        build_model=_build_model(spec),
        optimizer=OPTIMIZER_CHOICES[spec.optimizer].spelled(learning_rate="LEARNING_RATE"),
        loss=LOSS_CHOICES[spec.resolved_loss].spelled(),
        metric_class=_METRICS[spec.problem],
        metric=metric,
        callbacks=callbacks,
        **parts,
    )


def _template(name: str) -> string.Template:
    return string.Template((importlib.resources.files("playground") / "templates" / name).read_text("utf-8"))


def _point_parts(spec: RunSpec) -> tuple[dict[str, Any], list[str]]:
    """The script template's data parts for 2-D points, and the names the copied code defines."""
    generator = GENERATORS[spec.dataset].__name__
    data_code, data_names = _definitions("playground.data.points", [generator, "feature_matrix"])
    data_section = _template("points_data.py.tmpl").substitute(
        data_code=data_code,
        dataset=spec.dataset,
        generator=generator,
        classes="CLASSES" if spec.is_classification else "2",  # the regression generators take no class count
        targets=_TARGETS[spec.problem],
    )
    features = ", ".join(f'"{name}"' for name in spec.features) + ("," if len(spec.features) == 1 else "")
    settings = [f"# The data: {spec.samples} points of the {spec.dataset} data set.",
                f"SAMPLES = {spec.samples}",
                f"NOISE_PERCENT = {spec.noise}"]
    if spec.is_classification:
        settings.append(f"CLASSES = {spec.classes if spec.problem == 'multiclass' else 2}")
    settings += [f"DATA_SEED = {spec.data_seed}  # seeds the generator and the train/test split",
                 f"TRAIN_SHARE = {spec.train_share}  # percent of the points used for training",
                 f"FEATURES = ({features})  # the network's inputs, as functions of a point (x1, x2)"]
    needs = "numpy, scikit-learn and Keras" if spec.dataset == "moons" else "numpy and Keras"
    return {"data_section": data_section.rstrip("\n"), "settings": settings, "needs": needs}, data_names


def _table_parts(spec: RunSpec, csv_name: str) -> tuple[dict[str, Any], list[str]]:
    """The script template's data parts for a table (built in or CSV), and the names the copied code defines."""
    helpers, data_names = _definitions("playground.data.tables", ["_encode_target", "_numeric_features"])
    imports = ["import pandas as pd  # noqa: E402", "import sklearn.datasets  # noqa: E402",
               "from sklearn.model_selection import train_test_split  # noqa: E402"]
    parts = {"needs": "numpy, pandas, scikit-learn and Keras"}
    if spec.dataset == "csv":
        coerce_code, coerce_names = _definitions("playground.data.csv_reading", ["_coerce"])
        data_names += coerce_names
        read_table = _template("read_csv.py.tmpl").substitute(coerce_code=coerce_code)
        settings = ["# The data: the rows of a CSV file.",
                    f"CSV_FILE = {_literal(csv_name or 'data.csv')}  # read when --csv is not given",
                    f'TARGET = {_literal(spec.target)}  # the column to predict ("": the last column)']
        imports.remove("import sklearn.datasets  # noqa: E402")
        parts["usage"] = (f"Usage: python <this script> [--csv FILE] [--epochs N]\n(defaults: CSV_FILE below, "
                          f"the file given to the app, and {spec.epochs} epochs, the run's epoch limit)")
        parts["data_note"] = ("\nThat holds for the CSV file too, as long as pandas reads it as the app did "
                              "(see read_table).")
        parts["arguments"] = (f'{_INDENT}parser.add_argument("--csv", default=CSV_FILE, metavar="FILE",\n'
                              f'{_INDENT * 5}help="the CSV file to read (default %(default)s)")\n')
        parts["load_arguments"], what, path_parameter = "args.csv", "The CSV file at path", "path=CSV_FILE"
    else:
        builtin = BUILTIN_TABLES[spec.dataset]
        if TABLE_PROBLEMS[spec.dataset] == ("regression",):
            target_line = f"frame[{_literal(builtin.target)}] = np.asarray(bunch.target, dtype=np.float64)"
        else:
            target_line = (f"classes = [str(name) for name in bunch.target_names]  # in scikit-learn's order, "
                           f"as in the app\n{_INDENT}frame[{_literal(builtin.target)}] = "
                           f"pd.Categorical.from_codes(bunch.target, categories=classes)")
        read_table = _template("read_builtin.py.tmpl").substitute(
            name=spec.dataset, target=builtin.target, loader=builtin.loader,
            loader_options="scaled=False" if spec.dataset == "diabetes" else "",  # as tables.load_builtin
            target_line=target_line)
        settings = [f"# The data: scikit-learn's {spec.dataset} table ({builtin.title}).",
                    f"TARGET = {_literal(spec.target or builtin.target)}  # the column to predict"]
        what, path_parameter = f"scikit-learn's {spec.dataset} table", ""
    settings += ["# The feature columns, in this order (none named: every column but the target).",
                 _tuple_line("COLUMNS", [_literal(column) for column in spec.columns]),
                 f'MISSING = "{spec.missing}"  # rows missing a feature value: "drop" them, or "impute" training '
                 f"medians",
                 f'PROBLEM = "{spec.problem}"',
                 f"DATA_SEED = {spec.data_seed}  # seeds the train/test split",
                 f"TRAIN_SHARE = {spec.train_share}  # percent of the rows used for training"]
    data_section = _template("table_data.py.tmpl").substitute(
        helpers=helpers, read_table=read_table.rstrip("\n"), what=what, path_parameter=path_parameter,
        path_argument=path_parameter.partition("=")[0])
    units = "int(max(y_train.max(), y_test.max())) + 1" if spec.problem == "multiclass" else "1"
    parts |= {"data_section": data_section.rstrip("\n"), "settings": settings, "imports": "\n".join(imports) + "\n",
              "model_arguments": f"x_train.shape[1], {units}"}  # main() passes the class count the labels show
    return parts, data_names


def _tuple_line(name: str, items: list[str], width: int = 110) -> str:
    """``NAME = (item, ...)``, wrapped over several lines when it is longer than width."""
    line = f"{name} = ({', '.join(items)}{',' if len(items) == 1 else ''})"
    if len(line) <= width:
        return line
    rows = [""]
    for item in items:
        if rows[-1] and len(_INDENT + rows[-1] + item) + 2 > width:
            rows.append("")
        rows[-1] += f"{item}, "
    return "\n".join([f"{name} = ("] + [_INDENT + row.rstrip() for row in rows] + [")"])


def _literal(text: str) -> str:
    """A Python string literal of text, in double quotes (JSON's escapes are Python's too)."""
    return json.dumps(text, ensure_ascii=not text.isprintable())


def _training_settings(spec: RunSpec) -> list[str]:
    lines = ["",
             "# The network and its training.",
             f"SEED = {spec.seed}  # seeds the initial weights, dropout and the batch order",
             f"LEARNING_RATE = {float(spec.learning_rate)!r}",
             f"BATCH_SIZE = {spec.batch_size}",
             f"EPOCHS = {spec.epochs}"]
    if spec.patience > 0:
        lines.append(f"PATIENCE = {spec.patience}  # stop when the test loss has not improved for this many epochs")
    return lines


def _build_model(spec: RunSpec) -> str:
    inputs, outputs = ("input_count", "output_units") if spec.is_table else (
        "len(FEATURES)", "CLASSES" if spec.problem == "multiclass" else "1")
    lines = [f"def build_model({inputs}, {outputs}):" if spec.is_table else "def build_model():",
             f'{_INDENT}"""Dense layers named hidden_1, hidden_2, ... and output, as Playground builds them."""',
             f'{_INDENT}inputs = keras.Input(shape=({inputs},), name="inputs")']
    if _has_penalty(spec):
        penalty = REGULARIZATION_CHOICES[spec.regularization].spelled(rate=repr(float(spec.regularization_rate)))
        lines.append(f"{_INDENT}regularizer = {penalty}")
    previous = "inputs"
    for index, (units, activation, dropout_rate) in enumerate(spec.hidden_layers, start=1):
        lines += _dense_call(spec, index, str(units), ACTIVATION_CHOICES[activation].spelled(), f'"hidden_{index}"',
                             previous)
        previous = "x"
        if dropout_rate > 0:
            lines.append(f"{_INDENT}x = keras.layers.Dropout({float(dropout_rate)!r}, "
                         f'seed=layer_seed(SEED, {index}, DROPOUT), name="dropout_{index}")(x)')
    output_activation = OUTPUT_ACTIVATION_CHOICES[spec.output_activation].spelled()
    lines += _dense_call(spec, len(spec.layers) + 1, outputs, output_activation, '"output"', previous,
                         target="outputs")
    lines.append(f'{_INDENT}return keras.Model(inputs, outputs, name="playground")')
    return "\n".join(lines)


def _dense_call(spec: RunSpec, index: int, units: str, activation: str, name: str, previous: str,
                target: str = "x") -> list[str]:
    """The lines of one Dense layer, mirroring model._initializers and model._regularizer."""
    row = INITIALIZER_CHOICES[spec.initializer]
    arguments = [units, f"activation={activation}",
                 f"kernel_initializer={row.spelled(seed=f'layer_seed(SEED, {index}, KERNEL)')}"]
    if row.bias_code:
        arguments.append(f"bias_initializer={row.bias_code}")
    if _has_penalty(spec):
        arguments.append("kernel_regularizer=regularizer")
    arguments.append(f"name={name}")
    inner = _INDENT * 2
    return ([f"{_INDENT}{target} = keras.layers.Dense("] + [f"{inner}{argument}," for argument in arguments]
            + [f"{_INDENT})({previous})"])


def _has_penalty(spec: RunSpec) -> bool:
    """Whether the model gets a kernel regulariser (model._regularizer's condition)."""
    return spec.regularization != "none" and spec.regularization_rate > 0


def _definitions(module: str, names: list[str]) -> tuple[str, list[str]]:
    """The source of a module's top-level definitions of names, and of the module-level names they use.

    Returns the code (in file order, decorators included) and every name it defines. Read from the file,
    so that exporting does not import the module (``model.py`` would import Keras).
    """
    source = pathlib.Path(importlib.util.find_spec(module).origin).read_text(encoding="utf-8")
    statements = {}
    for node in ast.parse(source).body:
        for defined in _defined_names(node):
            statements[defined] = node
    wanted, pending = [], list(names)
    while pending:
        node = statements[pending.pop()]
        if node in wanted:
            continue
        wanted.append(node)
        used = {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}
        pending += sorted(used & statements.keys())
    wanted.sort(key=lambda node: node.lineno)
    lines = source.splitlines()
    code = "\n\n\n".join("\n".join(lines[_first_line(node) - 1:node.end_lineno]) for node in wanted)
    return code, [name for node in wanted for name in _defined_names(node)]


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [child.id for target in node.targets for child in ast.walk(target) if isinstance(child, ast.Name)]
    return []


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [decorator.lineno for decorator in decorators])


def _public_names(code: str, renames: dict[str, str]) -> str:
    """Private module names (_circle, _KERNEL) read better without the underscore in a script of their own."""
    for old, new in renames.items():
        code = re.sub(rf"(?<![\w.]){re.escape(old)}\b", new, code)
    return code


# ---- history, spec and model -------------------------------------------------------------------------------
def history_csv(history: Iterable[Mapping[str, Any]]) -> str:
    """CSV text of per-epoch records: a header of every key (first seen first), then one row per record.

    A record without a key leaves its cell empty; NaN and infinities are written "nan", "inf" and "-inf".
    No records give an empty string.
    """
    records = list(history)
    columns = list(dict.fromkeys(key for record in records for key in record))
    if not columns:
        return ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_csv_cell(record.get(column)) for column in columns])
    return buffer.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):  # NumPy scalars too, whose repr would be "np.float32(0.5)"
        return repr(float(value))  # shortest text that reads back to the same float; "nan", "inf", "-inf"
    return str(value)


def spec_json(spec: RunSpec) -> str:
    """The spec as JSON (what ``RunSpec.from_json`` reads back)."""
    return spec.to_json()


def model_bytes(model: keras.Model) -> bytes:
    """The model in Keras's native ``.keras`` format (architecture, weights and optimiser state).

    Save a model that is not training at the time (a paused or finished job's), or the weights may be torn.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        # An untrained model's optimiser has no slot variables yet, and loading it would warn about the count.
        optimizer.build(model.trainable_variables)
    with tempfile.TemporaryDirectory() as directory:
        path = pathlib.Path(directory) / "model.keras"
        model.save(path)
        return path.read_bytes()


def load_model_bytes(data: bytes) -> keras.Model:
    """A model from ``model_bytes``, loaded with Keras's safe mode on (no arbitrary code is run)."""
    import keras

    import playground.training.model  # noqa: F401 (registers the binary_step activation for deserialisation)

    with tempfile.TemporaryDirectory() as directory:
        path = pathlib.Path(directory) / "model.keras"
        path.write_bytes(data)
        return keras.saving.load_model(path, safe_mode=True)
