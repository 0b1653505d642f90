"""The run spec: one declarative, immutable description of a run (data, network, training, seed).

Its fields come from the option table in ``options.py``. Reading user input (a URL query string, JSON, widget
values) never raises: bad or unknown values are replaced by defaults and reported as messages.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from playground import rules
from playground.options import (
    LIVE_OPTIONS,
    OPTIONS,
    OPTIONS_BY_KEY,
    OPTIONS_BY_NAME,
    REGRESSION_DATASETS,
    TABLE_PROBLEMS,
    format_number,
)

AUTO_LOSS = {"binary": "binary_crossentropy", "multiclass": "sparse_categorical_crossentropy",
             "regression": "mse"}
OUTPUT_ACTIVATION = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}
HIDE_SUFFIX = "_hide"


def metric_of(problem: str) -> str:
    """The headline metric of a problem type: "accuracy" for classification, "r2" (R²) for regression."""
    return "r2" if problem == "regression" else "accuracy"


# URL keys that belong to the page's view, not to the run (e.g. presentation mode); passed through untouched.
VIEW_KEYS = frozenset({"present"})
FALLBACK_SEPARATOR = "; using "



def _lists_to_tuples(self) -> None:
    # Keep a spec hashable and comparable however its lists were given (JSON and widgets give lists).
    for option in OPTIONS:
        value = getattr(self, option.name)
        if option.is_list and isinstance(value, list):
            object.__setattr__(self, option.name, tuple(value))


_RunSpecFields = dataclasses.make_dataclass(
    "_RunSpecFields",
    [(option.name, Any, dataclasses.field(default=option.default)) for option in OPTIONS],
    frozen=True,
    namespace={"__post_init__": _lists_to_tuples},
)


@dataclass(frozen=True)
class Parsed:
    """What reading user input gives: a valid spec, the messages about what was ignored, hidden controls."""

    spec: RunSpec
    messages: tuple[str, ...] = ()  # what was wrong and what was used instead, for the page's warning
    hidden: frozenset[str] = frozenset()  # option names whose controls the page should hide
    view: tuple[tuple[str, str], ...] = ()  # the VIEW_KEYS given, as (key, value)

    @property
    def ok(self) -> bool:
        return not self.messages

    @property
    def problems(self) -> tuple[str, ...]:
        """The messages without the fallback that was used (for strict callers such as the CLI)."""
        return tuple(message.split(FALLBACK_SEPARATOR)[0] for message in self.messages)


class RunSpec(_RunSpecFields):
    """A run: every field is an option of ``OPTIONS`` (see there for bounds, defaults and URL keys)."""

    # ---- construction from user input ---------------------------------------------------------------------
    @classmethod
    def from_values(cls, values: Mapping[str, Any], base: RunSpec | None = None) -> Parsed:
        """Build from Python values keyed by field name (JSON, widgets). Bad values -> defaults + messages.

        Fields not in ``values`` come from ``base`` when given (the spec the values edit: a control the page does
        not show, such as one hidden by the link, keeps its value), else from the option table's defaults."""
        messages: list[str] = []
        checked: dict[str, Any] = {} if base is None else base.carried_over(values)
        for name, value in values.items():
            option = OPTIONS_BY_NAME.get(name)
            if option is None:
                messages.append(f"unknown setting {name!r} ignored")
                continue
            result, problem = option.check(value)
            if problem:
                messages.append(f"{problem}{FALLBACK_SEPARATOR}the default {option.format_text(option.default)}")
            else:
                checked[name] = result
        spec, fixes = cls._consistent(checked)
        return Parsed(spec, tuple(messages + fixes))

    @classmethod
    def from_query(cls, query: str | Mapping[str, Any]) -> Parsed:
        """Build from a URL query string (``dataset=spiral&layers=8,8,4``) or a mapping of its keys."""
        pairs = _query_pairs(query)
        messages: list[str] = []
        checked: dict[str, Any] = {}
        hidden: set[str] = set()
        view: list[tuple[str, str]] = []
        for key, text in pairs:
            if key in VIEW_KEYS:
                view.append((key, text))
                continue
            if key.endswith(HIDE_SUFFIX) and key.removesuffix(HIDE_SUFFIX) in OPTIONS_BY_KEY:
                if text.strip().lower() in ("true", "1", "yes", ""):
                    hidden.add(OPTIONS_BY_KEY[key.removesuffix(HIDE_SUFFIX)].name)
                continue
            option = OPTIONS_BY_KEY.get(key)
            if option is None:
                messages.append(f"unknown parameter {key!r} ignored")
                continue
            value, problem = option.parse_text(text)
            if problem:
                messages.append(f"{problem}{FALLBACK_SEPARATOR}the default {option.format_text(option.default)}")
            else:
                checked[option.name] = value
        spec, fixes = cls._consistent(checked)
        return Parsed(spec, tuple(messages + fixes), frozenset(hidden), tuple(view))

    @classmethod
    def from_json(cls, text: str) -> Parsed:
        try:
            values = json.loads(text)
        except (json.JSONDecodeError, TypeError) as error:
            return Parsed(cls(), (f"the spec is not valid JSON ({error}); using the defaults",))
        if not isinstance(values, dict):
            return Parsed(cls(), ("the spec JSON must be an object; using the defaults",))
        return cls.from_values(values)

    @classmethod
    def _consistent(cls, values: dict[str, Any]) -> tuple[RunSpec, list[str]]:
        """Fill defaults and make the fields agree with each other (``rules.py``), saying what was changed."""
        values = dict(values)
        dataset = values.setdefault("dataset", OPTIONS_BY_NAME["dataset"].default)
        if "problem" not in values:  # not given: the data set implies it
            allowed = TABLE_PROBLEMS.get(dataset)
            values["problem"] = allowed[0] if allowed else (
                "regression" if dataset in REGRESSION_DATASETS else "binary")
        for name in rules.PER_LAYER_FIELDS:  # not given: the default's value for every layer
            values.setdefault(name, OPTIONS_BY_NAME[name].default[:1])
        values = {option.name: values.get(option.name, option.default) for option in OPTIONS}
        values["layers"] = tuple(values["layers"])
        messages = rules.repair(values)
        return cls(**values), messages

    def carried_over(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """This spec's fields that ``values`` leaves out, to edit a spec with some fields only; per-layer lists
        follow a new layer count silently (new layers copy the last, as ``replace`` does)."""
        kept = {name: value for name, value in self.to_values().items() if name not in values}
        layers = values.get("layers")
        if isinstance(layers, list | tuple):
            for name in rules.PER_LAYER_FIELDS:
                if name in kept:
                    kept[name] = _resize(tuple(kept[name]), len(layers), OPTIONS_BY_NAME[name].default[0])
        return kept

    # ---- serialisation ------------------------------------------------------------------------------------
    def to_values(self) -> dict[str, Any]:
        """Field name -> JSON-ready value, in table order."""
        return {option.name: option.to_json_value(getattr(self, option.name)) for option in OPTIONS}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_values(), indent=indent)

    def to_query_dict(self) -> dict[str, str]:
        """URL key -> text for every option (links stay stable even if defaults change later)."""
        return {option.key: option.format_text(getattr(self, option.name)) for option in OPTIONS}

    def to_query(self) -> str:
        return urllib.parse.urlencode(self.to_query_dict(), safe=",")

    # ---- checks -------------------------------------------------------------------------------------------
    def validate(self) -> list[str]:
        """Every problem with this spec as a clear message (empty when valid). Never raises."""
        messages = [problem for option in OPTIONS if (problem := option.check(getattr(self, option.name))[1])]
        return messages or rules.problems(self.to_values())

    # ---- derived facts ------------------------------------------------------------------------------------
    @property
    def hidden_layers(self) -> list[tuple[int, str, float]]:
        """(units, activation, dropout rate) per hidden layer."""
        return list(zip(self.layers, self.activations, self.dropout_rates, strict=True))

    @property
    def resolved_loss(self) -> str:
        return AUTO_LOSS[self.problem] if self.loss == "auto" else self.loss

    @property
    def output_activation(self) -> str:
        return OUTPUT_ACTIVATION[self.problem]

    @property
    def is_table(self) -> bool:
        """Tabular data (a scikit-learn table or a CSV file) rather than 2-D points."""
        return self.dataset in TABLE_PROBLEMS

    @property
    def is_classification(self) -> bool:
        return self.problem != "regression"

    @property
    def metric(self) -> str:
        """The headline metric beside the loss: "accuracy" for classification, "r2" (R²) for regression."""
        return metric_of(self.problem)

    def replace(self, **changes: Any) -> RunSpec:
        """A copy with changes; per-layer lists follow a changed layer count (new layers copy the last)."""
        unknown = sorted(set(changes) - set(OPTIONS_BY_NAME))
        if unknown:  # as dataclasses.replace: a misspelt option must not be dropped silently
            raise TypeError(f"RunSpec has no option {', '.join(unknown)}")
        return RunSpec._consistent(self.carried_over(changes) | changes)[0]

    def needs_reset(self, other: RunSpec) -> bool:
        """True when going from self to other changes more than the options a running job takes on live."""
        return any(getattr(self, option.name) != getattr(other, option.name)
                   for option in OPTIONS if option.name not in LIVE_OPTIONS)

    def describe(self) -> str:
        """One line for logs and titles: 'circle, 2-4-2-1 tanh, sgd lr 0.03, batch 10, seed 1'."""
        inputs = "n" if self.is_table else len(self.features)
        shape = "-".join(str(units) for units in (inputs, *self.layers))
        activations = "/".join(dict.fromkeys(self.activations)) or "no hidden"
        return (f"{self.dataset}, {shape} {activations}, {self.optimizer} lr {format_number(self.learning_rate)},"
                f" batch {self.batch_size}, seed {self.seed}")


def _resize(values: tuple, count: int, fill: Any) -> tuple:
    if len(values) >= count:
        return values[:count]
    last = values[-1] if values else fill
    return values + (last,) * (count - len(values))


def _query_pairs(query: str | Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    if isinstance(query, str):
        return urllib.parse.parse_qsl(query.lstrip("?#"), keep_blank_values=True)
    pairs = []
    for key, value in query.items():
        # st.query_params gives the last value of a repeated key; lists are taken whole, last one wins.
        if isinstance(value, list | tuple):
            value = value[-1] if value else ""
        pairs.append((str(key), value if isinstance(value, str) else format_number(value)))
    return pairs
