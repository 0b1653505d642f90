"""The table of run options: one row per option drives defaults, validation, the URL, JSON and the widgets.

Modelled on TensorFlow Playground's ``State.PROPS``: adding an option means adding one row here (and using the
new field where it matters, e.g. in ``model.py``); each row says everything about its option: label, help,
bounds, default, URL key, control (widget, group, step, presets), whether it decides the data, whether it applies
to 2-D points or tables, and whether a running job takes it on live. A choice option's choices are rows of their
own (``choices.py``: label and Keras code). Parsing never raises on user input; it returns messages.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from typing import Any

from playground.choices import (
    ACTIVATION_CHOICES,
    INITIALIZER_CHOICES,
    LOSS_CHOICES,
    OPTIMIZER_CHOICES,
    REGULARIZATION_CHOICES,
    Choice,
    labelled,
)

PROBLEMS = ("binary", "multiclass", "regression")
PROBLEM_LABELS = {"binary": "Binary classification", "multiclass": "Multi-class classification",
                  "regression": "Regression"}

# Datasets of TensorFlow Playground (plus moons and checkerboard), by the problem they belong to.
CLASSIFICATION_DATASETS = ("circle", "xor", "gauss", "spiral", "moons", "checkerboard")
REGRESSION_DATASETS = ("plane", "multi_gauss")
POINT_DATASETS = CLASSIFICATION_DATASETS + REGRESSION_DATASETS
# Tables: scikit-learn's bundled data sets and an uploaded CSV file, with the problem types each can be.
TABLE_PROBLEMS = {
    "iris": ("multiclass",), "wine": ("multiclass",), "breast_cancer": ("binary", "multiclass"),
    "digits": ("multiclass",), "diabetes": ("regression",), "csv": PROBLEMS,
}
TABLE_DATASETS = tuple(TABLE_PROBLEMS)
DATASETS = POINT_DATASETS + TABLE_DATASETS
MISSING_VALUES = ("drop", "impute")
MAX_TEXT = 200  # characters of a column name

# Input features computed from the two raw coordinates (URL spelling -> display label).
FEATURES = {
    "x1": "X₁", "x2": "X₂", "x1sq": "X₁²", "x2sq": "X₂²", "x1x2": "X₁X₂", "sinx1": "sin(X₁)", "sinx2": "sin(X₂)",
}

ACTIVATIONS = tuple(ACTIVATION_CHOICES)
INITIALIZERS = tuple(INITIALIZER_CHOICES)
LOSSES = tuple(LOSS_CHOICES)

# TensorFlow Playground's learning-rate menu; any value in the bounds can be typed too.
LEARNING_RATE_PRESETS = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATE_PRESETS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


def format_number(value: float) -> str:
    """Shortest faithful text for a number in a URL or message: 0.03, 1e-05, 10."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    return repr(float(value))


@dataclass(frozen=True)
class Option:
    """One run option: its field, URL key, type, bounds, default and the words the UI shows."""

    name: str  # field of RunSpec (and key in JSON)
    key: str  # short URL key
    label: str  # shown in widgets and messages
    kind: str  # "int", "float", "choice", "text", and lists of them: "int_list", "choice_list", ...
    default: Any
    help: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    min_items: int = 0  # list options
    max_items: int = 64
    broadcast: bool = False  # a list option given one value applies it to every layer
    unique: bool = False  # a list option whose repeated values are dropped (a feature counts once)
    data: bool = False  # decides the data set (a change in any other option keeps the same data)
    live: bool = False  # a running job takes a change on without a reset (TensorFlow Playground: the rate)
    applies: str = "all"  # "points" (generated 2-D data) or "tables" only: the control shows for those only
    group: str = ""  # the controls' group ("Data", "Network", "Training")
    widget: str = ""  # how the control looks: "select", "pills", "slider", "number", "presets", "layers",
    # "per_layer" (drawn by the layers editor), "column" (a table's column), "columns"; "" = derived from kind
    step: float | None = None  # a slider's or number box's step
    presets: tuple[float, ...] = ()  # the values a "presets" control offers (any other may be typed)
    rows: dict[str, Choice] = field(default_factory=dict)  # the choices' rows (label, Keras code)

    def __post_init__(self) -> None:
        if self.rows and not self.choices:
            object.__setattr__(self, "choices", tuple(self.rows))

    def choice_label(self, choice: Any) -> str:
        """What the controls show for one of the choices."""
        row = self.rows.get(choice)
        return row.label if row is not None else str(choice).replace("_", " ")

    @property
    def control(self) -> str:
        """The widget of this option's control (``widget``, or the usual one for its kind and range)."""
        if self.widget:
            return self.widget
        if self.kind == "choice":
            return "select"
        if self.kind == "choice_list":
            return "pills"
        if self.kind == "int" and self.maximum - self.minimum <= 100:
            return "slider"
        return "number"

    @property
    def noun(self) -> str:
        """The label as it reads inside a sentence: 'learning rate'."""
        return self.label[0].lower() + self.label[1:]

    @property
    def is_list(self) -> bool:
        return self.kind.endswith("_list")

    @property
    def item_kind(self) -> str:
        return self.kind.removesuffix("_list")

    # ---- parsing text (URL) -------------------------------------------------------------------------------
    def parse_text(self, text: str) -> tuple[Any, str | None]:
        """Parse a URL value. Returns (value, None) or (None, message)."""
        text = text.strip()
        if not self.is_list:
            return self._parse_item(text)
        if text.lower() in ("", "none"):
            items: list[str] = []
        else:
            # Numbers and choices may be separated by ';' too; column names only by ','.
            items = (text if self.item_kind == "text" else text.replace(";", ",")).split(",")
        values = []
        for item in items:
            value, problem = self._parse_item(item.strip())
            if problem:
                return None, problem
            values.append(value)
        return self.check(tuple(values))

    def _parse_item(self, text: str) -> tuple[Any, str | None]:
        kind = self.item_kind
        if kind == "choice":
            value = text.lower().replace("-", "_")
            return self._check_item(value)
        if kind == "text":
            return self._check_item(text)
        try:
            number = float(text)
        except ValueError:
            return None, f"{self.noun} {text!r} is not a number"
        if kind == "int":
            if not number.is_integer():
                return None, f"{self.noun} {text!r} is not a whole number"
            return self._check_item(int(number))
        return self._check_item(number)

    # ---- checking values (JSON, notebooks, widgets) -------------------------------------------------------
    def check(self, value: Any) -> tuple[Any, str | None]:
        """Check (and lightly coerce) a Python value. Returns (value, None) or (None, message)."""
        if not self.is_list:
            return self._check_item(value)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            value = [] if self.item_kind == "text" and value == "" else [value]
        if not isinstance(value, list | tuple):
            return None, f"{self.noun} must be a list, not {value!r}"
        if len(value) < self.min_items:
            return None, f"{self.noun} needs at least {self.min_items} value(s)"
        if len(value) > self.max_items:
            return None, f"{self.noun} has {len(value)} values; the maximum is {self.max_items}"
        checked = []
        for item in value:
            item_value, problem = self._check_item(item)
            if problem:
                return None, problem
            checked.append(item_value)
        if self.unique:
            checked = list(dict.fromkeys(checked))
        return tuple(checked), None

    def _check_item(self, value: Any) -> tuple[Any, str | None]:
        kind = self.item_kind
        if kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                return None, f"{self.noun} {value!r} is not one of: {', '.join(self.choices)}"
            return value, None
        if kind == "text":
            if not isinstance(value, str):
                return None, f"{self.noun} {value!r} is not text"
            if len(value) > MAX_TEXT or not value.isprintable():
                return None, f"{self.noun} must be printable text of at most {MAX_TEXT} characters"
            if self.is_list and (not value.strip() or "," in value):
                return None, f"{self.noun} {value!r}: names in this list cannot be empty or hold a comma"
            return value, None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, f"{self.noun} {value!r} is not a number"
        if not math.isfinite(value):
            return None, f"{self.noun} {value!r} is not a finite number"
        if kind == "int":
            if not float(value).is_integer():
                return None, f"{self.noun} {format_number(value)} is not a whole number"
            value = int(value)
        else:
            value = float(value)
        if self.minimum is not None and value < self.minimum:
            return None, f"{self.noun} {format_number(value)} is below the minimum {format_number(self.minimum)}"
        if self.maximum is not None and value > self.maximum:
            return None, f"{self.noun} {format_number(value)} is above the maximum {format_number(self.maximum)}"
        return value, None

    # ---- formatting ---------------------------------------------------------------------------------------
    def format_text(self, value: Any) -> str:
        if not self.is_list:
            return value if isinstance(value, str) else format_number(value)
        if len(value) == 0:
            return "none"
        if self.broadcast and len(set(value)) == 1:
            value = value[:1]
        return ",".join(item if isinstance(item, str) else format_number(item) for item in value)

    def to_json_value(self, value: Any) -> Any:
        return list(value) if self.is_list else value


MAX_HIDDEN_LAYERS = 8
MAX_UNITS = 256


# ---- Limits of one server ---------------------------------------------------------------------------------------
# A class shares one server, and a link can ask for anything the table allows (8 layers of 256 units on 64
# inputs are nearly 480,000 weights). These two caps bound one run's size, whatever the link or the file; operators
# set them with environment variables. ``rules.py`` reports a run over them, ``data/sources.py`` refuses its data.
def _limit_from_environment(variable: str, default: int, floor: int) -> int:
    """A positive whole number from the environment (``default`` when unset or not a number), at least ``floor``
    so that the default settings always fit."""
    text = os.environ.get(variable, "").strip().replace("_", "").replace(",", "")
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        logging.getLogger(__name__).warning("%s=%r is not a whole number; using %d", variable, text, default)
        return default
    if value < floor:
        logging.getLogger(__name__).warning("%s=%d is below %d, the smallest that the default settings need; "
                                            "using %d", variable, value, floor, floor)
    return max(value, floor)


# Trainable parameters (weights and biases) of the whole network, input and output layers included. 50,000 is
# over 100 times TensorFlow Playground's largest network, 5 times the digits network of the README (64-128-10,
# 9,610) and fits e.g. 64-128-128-10 (26,122) on digits or 2-256-128-1 (33,793) on 2-D points; 8 layers of 256
# units (over 460,000) do not. Values below 1,000 are raised to 1,000: the default 4,2 network fits every 2-D data
# set and built-in table.
MAX_PARAMETERS = _limit_from_environment("PLAYGROUND_MAX_PARAMETERS", 50_000, floor=1_000)
# Values of the data set: rows (training and test) x the inputs the network reads (after one-hot encoding).
# 1,000,000 values are 4 MB per float32 copy (a session holds a few: the table in float64, its split, a
# worker's copy), so a class of 30 at the limit needs well under a gigabyte of data. Every built-in table fits
# (digits, the largest, is 1,797 x 64 = 115,008), and so does a CSV file at the row limit with 10 inputs. Values
# below 35,000 are raised to 35,000: the largest 2-D data set the options allow (5,000 points x 7 features) fits.
MAX_DATA_VALUES = _limit_from_environment("PLAYGROUND_MAX_DATA_VALUES", 1_000_000, floor=35_000)
# Runs training at once on this server (the others wait for Play): twice a class of 30, whose runs share the
# server's CPU in fair turns (bench/load.py); more would only make every run slower.
MAX_TRAINING_RUNS = _limit_from_environment("PLAYGROUND_MAX_TRAINING_RUNS", 64, floor=1)
# Runs one browser trains at once, over all its tabs (a tab is a session; a loop opening tabs must not take the
# whole server).
MAX_TRAINING_PER_BROWSER = _limit_from_environment("PLAYGROUND_MAX_TRAINING_PER_BROWSER", 3, floor=1)

DATASET_LABELS = {"multi_gauss": "multi-gauss", "iris": "iris (table)", "wine": "wine (table)",
                  "breast_cancer": "breast cancer (table)", "digits": "digits 8x8 (table)",
                  "diabetes": "diabetes (table)", "csv": "your CSV file"}

OPTIONS: tuple[Option, ...] = (
    # ---- Data ----
    Option("problem", "problem", "Problem type", "choice", "binary", data=True, group="Data",
           rows=labelled(PROBLEMS, PROBLEM_LABELS),
           help="What the network predicts: one of two classes, one of several, or a number."),
    Option("dataset", "dataset", "Data set", "choice", "circle", data=True, group="Data",
           rows=labelled(DATASETS, DATASET_LABELS),
           help="A 2-D data set (TensorFlow Playground's, plus moons and checkerboard), a table that ships with "
                "scikit-learn, or your own CSV file."),
    Option("target", "target", "Target column", "text", "", data=True, applies="tables", group="Data",
           widget="column", help="The CSV column to predict (empty: the last column)."),
    Option("columns", "columns", "Feature columns", "text_list", (), max_items=1000, unique=True, data=True,
           applies="tables", group="Data", widget="columns",
           help="The table's columns the network reads (none chosen: every column but the target)."),
    Option("missing", "missing", "Missing values", "choice", "drop", data=True, applies="tables", group="Data",
           rows=labelled(MISSING_VALUES, {"drop": "drop the rows", "impute": "impute the training median"}),
           help="Rows with a missing feature value are dropped, or the value is imputed with the training "
                "median."),
    Option("noise", "noise", "Noise", "int", 0, minimum=0, maximum=50, data=True, applies="points", group="Data",
           step=5, help="Noise in percent, as TensorFlow Playground's slider (0-50)."),
    Option("train_share", "train", "Training share", "int", 50, minimum=10, maximum=90, data=True, group="Data",
           step=10, help="Percentage of the points used for training; the rest is the test set."),
    Option("samples", "samples", "Number of points", "int", 500, minimum=20, maximum=5000, data=True,
           applies="points", group="Data", help="How many points the data set has (training and test together)."),
    Option("classes", "classes", "Classes", "int", 3, minimum=2, maximum=8, data=True, applies="points",
           group="Data", help="Number of classes for multi-class spiral and gauss data."),
    Option("data_seed", "dseed", "Data seed", "int", 1, minimum=0, maximum=2**31 - 1, data=True, group="Data",
           help="Seed of the data generator and of the train/test split."),
    Option("features", "features", "Input features", "choice_list", ("x1", "x2"), data=True, applies="points",
           group="Data", rows=labelled(tuple(FEATURES), FEATURES), min_items=1, max_items=len(FEATURES),
           unique=True, help="Which functions of the coordinates feed the network."),
    # ---- Network ----
    Option("layers", "layers", "Hidden layers", "int_list", (4, 2), minimum=1, maximum=MAX_UNITS,
           max_items=MAX_HIDDEN_LAYERS, group="Network", widget="layers",
           help="Units of each hidden layer, e.g. 4,2; 'none' for no hidden layer."),
    Option("activations", "activation", "Activation", "choice_list", ("tanh", "tanh"), rows=ACTIVATION_CHOICES,
           max_items=MAX_HIDDEN_LAYERS, broadcast=True, group="Network", widget="per_layer",
           help="Activation of the hidden layers: one for all, or one per layer."),
    Option("dropout_rates", "dropout", "Dropout rate", "float_list", (0.0, 0.0), minimum=0.0, maximum=0.9,
           max_items=MAX_HIDDEN_LAYERS, broadcast=True, group="Network", widget="per_layer", step=0.1,
           help="Fraction of a hidden layer's outputs dropped while training: one for all, or one per layer."),
    Option("regularization", "reg", "Regularisation", "choice", "none", rows=REGULARIZATION_CHOICES,
           group="Network", help="Penalty on the weights added to the loss."),
    Option("regularization_rate", "regrate", "Regularisation rate", "float", 0.0, minimum=0.0, maximum=10.0,
           group="Network", widget="presets", presets=REGULARIZATION_RATE_PRESETS,
           help="Strength of the weight penalty."),
    Option("initializer", "init", "Weight initialiser", "choice", "glorot_uniform", rows=INITIALIZER_CHOICES,
           group="Network", help="How the weights start; 'playground' is TensorFlow Playground's U(-0.5, 0.5)."),
    # ---- Training ----
    Option("optimizer", "optimizer", "Optimiser", "choice", "sgd", rows=OPTIMIZER_CHOICES, group="Training",
           help="The Keras optimiser; 'momentum' is SGD with momentum 0.9."),
    Option("learning_rate", "lr", "Learning rate", "float", 0.03, minimum=1e-5, maximum=10.0, live=True,
           group="Training", widget="presets", presets=LEARNING_RATE_PRESETS,
           help="Step size of the optimiser. Changing it does not reset the run."),
    Option("loss", "loss", "Loss", "choice", "auto", rows=LOSS_CHOICES, group="Training",
           help="'auto' picks binary cross-entropy, sparse categorical cross-entropy or mean squared error."),
    Option("batch_size", "batch", "Batch size", "int", 10, minimum=1, maximum=1024, group="Training", step=1,
           help="Examples per gradient step."),
    Option("epochs", "epochs", "Epoch limit", "int", 1000, minimum=1, maximum=100_000, live=True,
           group="Training", step=1, help="Training stops after this many epochs."),
    Option("patience", "patience", "Early-stop patience", "int", 0, minimum=0, maximum=10_000, live=True,
           group="Training", step=1, help="Stop when the test loss has not improved for this many epochs (0: off)."),
    Option("seed", "seed", "Seed", "int", 1, minimum=0, maximum=2**31 - 1, group="Training", step=1,
           help="Seed of the initial weights, dropout and batch order: same seed, same curve."),
)

OPTIONS_BY_NAME = {option.name: option for option in OPTIONS}
OPTIONS_BY_KEY = {option.key: option for option in OPTIONS}
LIVE_OPTIONS = frozenset(option.name for option in OPTIONS if option.live)
GROUPS = tuple(dict.fromkeys(option.group for option in OPTIONS))
