"""Widgets for the run options, generated from the option table: one widget per option, grouped as a user
expects. ``render_controls`` returns the values the user set; the spec is built from them by the library.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from playground.data.tables import Table, detect_problem
from playground.options import (
    CLASSIFICATION_DATASETS,
    GROUPS,
    MAX_HIDDEN_LAYERS,
    MAX_PARAMETERS,
    MAX_UNITS,
    OPTIONS,
    OPTIONS_BY_NAME,
    REGRESSION_DATASETS,
    TABLE_PROBLEMS,
    Option,
    format_number,
)
from playground.spec import Parsed, RunSpec
from playground.ui.dataset_picker import pick_dataset

KEY_PREFIX = "w_"
PENDING_SPEC = "pending_widget_spec"  # a spec to load into the widgets before they are drawn
ADJUSTMENTS = "spec_adjustments"  # messages about that spec, shown after the rerun that loads it


def widget_key(name: str, layer: int | None = None) -> str:
    return f"{KEY_PREFIX}{name}" if layer is None else f"{KEY_PREFIX}{name}_{layer}"


def _label(name: str, choice: Any) -> str:
    return OPTIONS_BY_NAME[name].choice_label(choice)


def widget_values(spec: RunSpec) -> dict[str, Any]:
    """The session-state value of every widget key for a spec (used to load a spec into the widgets)."""
    values: dict[str, Any] = {}
    for option in OPTIONS_BY_NAME.values():
        if option.control in ("layers", "per_layer"):
            continue
        value = getattr(spec, option.name)
        if option.control == "presets":
            value = format_number(value)
        elif option.is_list:
            value = list(value)
        values[widget_key(option.name)] = value
    values[widget_key("layer_count")] = len(spec.layers)
    for index, (units, activation, dropout_rate) in enumerate(spec.hidden_layers):
        values[widget_key("units", index)] = units
        values[widget_key("activation", index)] = activation
        values[widget_key("dropout", index)] = dropout_rate
    return values


def load_into_widgets(spec: RunSpec, overwrite: bool = False) -> None:
    """Put a spec's values into the widgets' state (all of them, or only those not yet set)."""
    for key, value in widget_values(spec).items():
        if overwrite or key not in st.session_state:
            st.session_state[key] = value


def _dataset_changed(previous: str, table_of: Callable[[str], Table | None]) -> None:
    """Each table has its own problem type (a CSV file's is detected); going back from a table to 2-D points
    starts from the points' own problem. Between 2-D data sets the chosen problem stays, as in TensorFlow
    Playground."""
    dataset = st.session_state[widget_key("dataset")]
    # Another table, other columns: the target (CSV only) and the feature choice start afresh.
    st.session_state[widget_key("target")] = ""
    st.session_state[widget_key("columns")] = []
    if dataset in TABLE_PROBLEMS:
        table = table_of(dataset)
        problem = table.problem if dataset == "csv" and table is not None else TABLE_PROBLEMS[dataset][0]
    elif previous in TABLE_PROBLEMS:
        problem = "regression" if dataset in REGRESSION_DATASETS else "binary"
    else:
        return
    st.session_state[widget_key("problem")] = problem


def _option_widget(option: Option, on_change: Callable | None = None, args: tuple = ()) -> Any:
    key = widget_key(option.name)
    control = option.control
    if control == "presets":
        presets = [format_number(value) for value in option.presets]
        current = st.session_state.get(key)
        if current is not None and current not in presets:
            presets.append(current)
        return st.selectbox(option.label, presets, key=key, help=option.help + " Type any other value too.",
                            accept_new_options=True)
    if control == "select":
        return st.selectbox(option.label, option.choices, key=key, help=option.help, on_change=on_change,
                            args=args, format_func=lambda choice, name=option.name: _label(name, choice))
    if control == "pills":
        return st.pills(option.label, option.choices, selection_mode="multi", key=key, help=option.help,
                        format_func=lambda choice, name=option.name: _label(name, choice))
    if control == "slider":
        return st.slider(option.label, int(option.minimum), int(option.maximum), key=key,
                         step=int(option.step or 1), help=option.help)
    if option.kind == "int":
        return st.number_input(option.label, int(option.minimum), int(option.maximum), step=int(option.step or 1),
                               key=key, help=option.help)
    return st.number_input(option.label, float(option.minimum), float(option.maximum), key=key, help=option.help,
                           step=option.step, format="%g")


# A first layer's units, activation and dropout rate: the option table's defaults for the first layer.
LAYER_DEFAULTS = tuple(OPTIONS_BY_NAME[name].default[0] for name in ("layers", "activations", "dropout_rates"))


def _layer_editor(hidden: frozenset[str]) -> dict[str, Any]:
    """Hidden layers: how many, and units, activation and dropout rate of each."""
    if "layers" in hidden:
        return {}
    count = st.number_input("Hidden layers", 0, MAX_HIDDEN_LAYERS, step=1, key=widget_key("layer_count"),
                            help=OPTIONS_BY_NAME["layers"].help.split(",")[0] + f" (0-{MAX_HIDDEN_LAYERS}). The "
                                 f"whole network may have up to {MAX_PARAMETERS:,} weights and biases on this server.")
    units, activations, dropout_rates = [], [], []
    for index in range(int(count)):
        # A new layer starts as a copy of the one before it (TensorFlow Playground's "+" button does the same).
        previous = (index - 1) if index else None
        for name, fallback in zip(("units", "activation", "dropout"), LAYER_DEFAULTS, strict=True):
            key = widget_key(name, index)
            if key not in st.session_state:
                st.session_state[key] = (st.session_state.get(widget_key(name, previous), fallback)
                                         if previous is not None else fallback)
        columns = st.columns([1.1, 1.6, 1.1], vertical_alignment="bottom")
        units.append(columns[0].number_input(f"Layer {index + 1} units", 1, MAX_UNITS, step=1,
                                             key=widget_key("units", index)))
        if "activations" not in hidden:
            option = OPTIONS_BY_NAME["activations"]
            activations.append(columns[1].selectbox(
                "activation", option.choices, key=widget_key("activation", index),
                format_func=lambda choice: _label("activations", choice), help=option.help))
        if "dropout_rates" not in hidden:
            option = OPTIONS_BY_NAME["dropout_rates"]
            dropout_rates.append(columns[2].number_input(
                "dropout", option.minimum, option.maximum, step=option.step, format="%g",
                key=widget_key("dropout", index), help=option.help))
    values: dict[str, Any] = {"layers": units}
    if "activations" not in hidden:
        values["activations"] = activations
    if "dropout_rates" not in hidden:
        values["dropout_rates"] = dropout_rates
    return values


def _dataset_previews(spec: RunSpec, table_of: Callable[[str], Table | None]) -> None:
    """Small pictures of the data sets that fit the problem type, as TensorFlow Playground shows them; a click
    on one picks it, as the menu below would."""
    names = REGRESSION_DATASETS if spec.problem == "regression" else CLASSIFICATION_DATASETS
    key = widget_key("dataset")

    def pick(name: str) -> None:
        previous = st.session_state.get(key, spec.dataset)
        st.session_state[key] = name
        _dataset_changed(previous, table_of)

    pick_dataset(names, tuple(_label("dataset", name) for name in names), st.session_state.get(key, spec.dataset),
                 key="dataset_picker", on_pick=pick)


def _next_data_seed() -> None:
    key = widget_key("data_seed")
    st.session_state[key] = (int(st.session_state.get(key, 0)) + 1) % int(OPTIONS_BY_NAME["data_seed"].maximum)


def _coerce(option: Option, value: Any) -> Any:
    """Widget value -> option value (typed learning rates arrive as text)."""
    if option.control == "presets" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value  # reported by the spec check
    return value


def read_spec(values: dict[str, Any]) -> Parsed:
    """The spec of the widget values. When the library had to adjust them (a bad typed value, a data set that
    needs another problem type), the widgets are reloaded with the adjusted spec and the page reruns once."""
    parsed = RunSpec.from_values(values)
    wanted = widget_values(parsed.spec)
    if any(key in st.session_state and st.session_state[key] != value for key, value in wanted.items()):
        st.session_state[PENDING_SPEC] = parsed.spec
        st.session_state[ADJUSTMENTS] = parsed.messages
        st.rerun()
    return Parsed(parsed.spec, tuple(st.session_state.pop(ADJUSTMENTS, ())) + parsed.messages)


def _applies(name: str, dataset: str, problem: str, table: Table | None) -> bool:
    """Whether an option's control is shown for the data set and problem now chosen (others keep their value,
    unseen)."""
    applies = OPTIONS_BY_NAME[name].applies
    if applies == "points":
        return dataset not in TABLE_PROBLEMS and (name != "classes" or problem == "multiclass")
    if applies == "tables":
        return dataset in TABLE_PROBLEMS and table is not None and (name != "target" or dataset == "csv")
    return True


def _target_changed(table: Table) -> None:
    """A new target column: detect its problem type (the user may override it) and drop it from the features."""
    target = st.session_state[widget_key("target")] or table.target
    if target in table.frame.columns:
        st.session_state[widget_key("problem")] = detect_problem(table.frame[target])
    columns = st.session_state.get(widget_key("columns"), [])
    st.session_state[widget_key("columns")] = [column for column in columns if column != target]


def _table_widget(option: Option, values: dict[str, Any], table: Table) -> Any:
    """Column choices come from the table (and keep any unknown names, so the user sees and removes them)."""
    key = widget_key(option.name)
    if option.name == "target":
        names = ["", *(str(column) for column in table.frame.columns)]
        if st.session_state.get(key) not in names:
            names.append(st.session_state[key])
        return st.selectbox(option.label, names, key=key, help=option.help, on_change=_target_changed,
                            args=(table,), format_func=lambda name: name or f"{table.target} (last column)")
    target = values.get("target") or table.target
    # Names the spec cannot carry (a comma, over 200 characters) are left out; "all columns" still uses them.
    names = [str(column) for column in table.frame.columns
             if column != target and option.check([str(column)])[1] is None]
    names += [name for name in st.session_state.get(key, []) if name not in names]
    return st.multiselect(option.label, names, key=key, help=option.help,
                          placeholder="all columns but the target")


def render_controls(spec: RunSpec, hidden: frozenset[str] = frozenset(),
                    table_of: Callable[[str], Table | None] = lambda dataset: None) -> dict[str, Any]:
    """Draw the controls (in the current container) and return the values of every option, keyed by field
    name: those set in the controls, and the spec's own for options without a control.
    ``table_of(dataset)`` gives a table data set's table (built-in or uploaded), whose columns the column
    choices offer."""
    pending = st.session_state.pop(PENDING_SPEC, None)
    if pending is not None:
        load_into_widgets(pending, overwrite=True)
    load_into_widgets(spec)
    values: dict[str, Any] = {}
    for group in GROUPS:
        shown = [option.name for option in OPTIONS
                 if option.group == group and option.control != "per_layer" and option.name not in hidden]
        if not shown:
            continue
        st.subheader(group, divider="gray")
        for name in shown:
            option = OPTIONS_BY_NAME[name]
            if option.control == "layers":
                values.update(_layer_editor(hidden))
                continue
            # Decided by the values chosen in this run (a data set just picked shows its own controls at once).
            dataset, problem = values.get("dataset", spec.dataset), values.get("problem", spec.problem)
            table = table_of(dataset)
            if not _applies(name, dataset, problem, table):
                continue
            if name == "dataset":
                _dataset_previews(spec, table_of)
                values[name] = _option_widget(option, _dataset_changed, (spec.dataset, table_of))
                continue
            if option.control in ("column", "columns"):
                values[name] = _table_widget(option, values, table)
                continue
            values[name] = _coerce(option, _option_widget(option))
            if name == "data_seed":
                st.button("Regenerate data", icon=":material/casino:", on_click=_next_data_seed,
                          key="regenerate", help="New points from the next data seed (resets the run).")
    # Options without a control now (hidden by the link, or not for this data) keep the spec's values.
    return spec.carried_over(values) | values
