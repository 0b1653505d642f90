"""The rules that a run spec's fields must keep between each other, each written once.

A rule looks at the fields (a dict of field name -> value) and, when they break it, returns a :class:`Fix`: what
is wrong, the changes that mend it and what the mending did. ``RunSpec`` uses the same rules to repair user input
(applying the changes, reporting "problem; what was done") and to validate a spec built directly (reporting the
problem only), so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from playground import options as option_table  # the limits are read when checked (tests may change them)
from playground.options import CLASSIFICATION_DATASETS, OPTIONS_BY_NAME, REGRESSION_DATASETS, TABLE_PROBLEMS

# Losses each problem type accepts ("auto" is always fine).
LOSSES_BY_PROBLEM = {
    "binary": ("auto", "binary_crossentropy", "mse", "mae", "huber"),
    "multiclass": ("auto", "sparse_categorical_crossentropy"),
    "regression": ("auto", "mse", "mae", "huber"),
}
PER_LAYER_FIELDS = ("activations", "dropout_rates")


@dataclass(frozen=True)
class Fix:
    problem: str  # what is wrong, as a message
    changes: dict[str, Any] = field(default_factory=dict)  # the field values that mend it
    done: str = ""  # what mending did, for the message ("problem set to binary")
    routine: bool = False  # user input may ask for it (one activation for every layer): repaired silently

    @property
    def message(self) -> str:
        return f"{self.problem}; {self.done}" if self.done else self.problem


def target_only_for_csv(values: dict[str, Any]) -> Fix | None:
    if values["target"] and values["dataset"] != "csv":
        return Fix("the target column applies to CSV files only", {"target": ""}, "ignored")
    return None


def problem_fits_table(values: dict[str, Any]) -> Fix | None:
    """A table's target decides which problems make sense (a CSV file's can be any of them)."""
    dataset, problem = values["dataset"], values["problem"]
    allowed = TABLE_PROBLEMS.get(dataset)
    if allowed is not None and problem not in allowed:
        return Fix(f"data set {dataset!r} cannot be a {problem} problem", {"problem": allowed[0]},
                   f"problem set to {allowed[0]}")
    return None


def problem_fits_points(values: dict[str, Any]) -> Fix | None:
    dataset, problem = values["dataset"], values["problem"]
    if problem == "regression" and dataset in CLASSIFICATION_DATASETS:
        return Fix(f"data set {dataset!r} is for classification, not regression", {"problem": "binary"},
                   "problem set to binary")
    if problem != "regression" and dataset in REGRESSION_DATASETS:
        return Fix(f"data set {dataset!r} is for regression, not {problem} classification",
                   {"problem": "regression"}, "problem set to regression")
    return None


def loss_fits_problem(values: dict[str, Any]) -> Fix | None:
    loss, problem = values["loss"], values["problem"]
    if loss not in LOSSES_BY_PROBLEM[problem]:
        return Fix(f"loss {loss!r} does not fit a {problem} problem", {"loss": "auto"}, "using 'auto'")
    return None


# ---- The limits of one server (``options.MAX_PARAMETERS``, ``options.MAX_DATA_VALUES``) ---------------------------


def parameter_count(inputs: int, layers: Sequence[int], outputs: int) -> int:
    """Trainable parameters of the dense network inputs -> layers -> outputs: each layer's weights (one per
    input and unit) and biases (one per unit). Dropout and regularisation add none."""
    widths = (inputs, *layers, outputs)
    return sum(before * units + units for before, units in zip(widths, widths[1:], strict=False))


def too_many_parameters(inputs: int, layers: Sequence[int], outputs: int) -> str | None:
    """What is wrong when the network is over this server's parameter limit (None when it is within)."""
    count, limit = parameter_count(inputs, layers, outputs), option_table.MAX_PARAMETERS
    if count <= limit:
        return None
    shape = "-".join(str(width) for width in (inputs, *layers, outputs))
    return (f"a {shape} network has {count:,} trainable parameters (weights and biases) and this server's limit "
            f"is {limit:,} (PLAYGROUND_MAX_PARAMETERS)")


def too_much_data(rows: int, inputs: int) -> str | None:
    """What is wrong when a data set of ``rows`` rows (training and test) of ``inputs`` inputs is over this
    server's limit on data values (None when it is within), and how to get under it."""
    limit = option_table.MAX_DATA_VALUES
    if rows * inputs <= limit:
        return None
    return (f"the data has {rows:,} rows x {inputs:,} inputs = {rows * inputs:,} values and this server's limit is "
            f"{limit:,} (PLAYGROUND_MAX_DATA_VALUES): choose fewer feature columns, or use a sample of at most "
            f"{limit // inputs:,} rows")


def network_fits_limit(values: dict[str, Any]) -> Fix | None:
    """2-D points: the spec alone decides the network (one input per feature), so a network over the parameter
    limit is refused here and the default hidden layers used. A table's network is checked when its data is
    loaded (``data.sources.load_data``): its columns decide the inputs."""
    if values["dataset"] in TABLE_PROBLEMS:
        return None
    outputs = values["classes"] if values["problem"] == "multiclass" else 1
    too_many = too_many_parameters(len(values["features"]), values["layers"], outputs)
    if too_many is None:
        return None
    layers = OPTIONS_BY_NAME["layers"]
    count = len(layers.default)
    changes = {"layers": layers.default, **{name: _per_layer(name, values[name], count) for name in PER_LAYER_FIELDS}}
    return Fix(f"hidden layers {layers.format_text(values['layers'])} are too large: {too_many}; use fewer or "
               f"smaller hidden layers", changes, f"using the default {layers.format_text(layers.default)}")


def _per_layer(name: str, given: Sequence[Any], count: int) -> tuple:
    """A per-layer list made ``count`` long: cut, or grown with its last value (the default when empty)."""
    given = tuple(given)
    fill = given[-1] if given else OPTIONS_BY_NAME[name].default[0]
    return (given + (fill,) * count)[:count]


def one_value_per_layer(name: str) -> Callable[[dict[str, Any]], Fix | None]:
    """The rule for a per-layer list (activations, dropout rates): one value per hidden layer. One value for
    all layers is routine; another count is cut, or grown with the last value."""
    option = OPTIONS_BY_NAME[name]

    def rule(values: dict[str, Any]) -> Fix | None:
        count, given = len(values["layers"]), tuple(values[name])
        if len(given) == count:
            return None
        fixed = _per_layer(name, given, count)
        return Fix(f"{option.noun} has {len(given)} value(s) for {count} hidden layer(s)", {name: fixed},
                   f"using {option.format_text(fixed)}", routine=len(given) == 1 or count == 0)

    rule.__name__ = f"one_{name}_value_per_layer"
    return rule


RULES: tuple[Callable[[dict[str, Any]], Fix | None], ...] = (
    target_only_for_csv, problem_fits_table, problem_fits_points, loss_fits_problem, network_fits_limit,
    *(one_value_per_layer(name) for name in PER_LAYER_FIELDS),
)


def repair(values: dict[str, Any]) -> list[str]:
    """Mend ``values`` in place, rule after rule; returns the messages of the fixes that were not routine."""
    messages = []
    for rule in RULES:
        fix = rule(values)
        if fix is not None:
            values.update(fix.changes)
            if not fix.routine:
                messages.append(fix.message)
    return messages


def problems(values: dict[str, Any]) -> list[str]:
    """What every rule finds wrong with ``values`` (nothing is changed)."""
    return [fix.problem for fix in (rule(values) for rule in RULES) if fix is not None]
