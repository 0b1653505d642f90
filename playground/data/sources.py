"""Where a spec's data comes from: generated 2-D points, a table that ships with scikit-learn, or a CSV file.

``load_data`` never raises on bad data: a data set that cannot be made comes back as ``None`` with messages
saying why and what to do. So does one over this server's limits (``options.MAX_DATA_VALUES``), or one on which
the spec's network would be over ``options.MAX_PARAMETERS``: a table's columns decide the network's inputs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from playground import rules
from playground.data.points import Dataset, make_dataset
from playground.data.tables import BUILTIN_TABLES, Table, load_builtin, prepare
from playground.options import OPTIONS
from playground.spec import RunSpec

DATA_FIELDS = tuple(option.name for option in OPTIONS if option.data)
NO_CSV_MESSAGE = ("This run reads a CSV file, and none is loaded: upload the file (the link keeps the settings, "
                  "not the data).")


@dataclass(frozen=True)
class DataResult:
    """A spec's data set (None when it cannot be made), the messages about it, and the table it came from."""

    dataset: Dataset | None
    messages: tuple[str, ...] = ()
    table: Table | None = None
    over_limit: str = ""  # why the data, or the spec's network on it, is over this server's limits (also in messages)


@functools.lru_cache(maxsize=len(BUILTIN_TABLES))
def builtin_table(name: str) -> Table:
    """A scikit-learn table, loaded once per process (tables are immutable, so sessions share them)."""
    return load_builtin(name)


def data_key(spec: RunSpec) -> tuple:
    """What identifies a spec's data: equal keys (with the same CSV table), equal data sets."""
    return tuple(getattr(spec, name) for name in DATA_FIELDS)


def table_of(dataset: str, csv_table: Table | None = None) -> Table | None:
    """The table behind a data set name: ``csv_table`` for "csv", scikit-learn's for the others (None for
    2-D points)."""
    if dataset == "csv":
        return csv_table
    return builtin_table(dataset) if dataset in BUILTIN_TABLES else None


def load_data(spec: RunSpec, csv_table: Table | None = None) -> DataResult:
    """The spec's train/test data: generated points, a built-in table, or ``csv_table`` (dataset "csv");
    refused when it is over this server's limits, or the spec's network on it is."""
    return within_limits(spec, prepared_data(spec, csv_table))


def within_limits(spec: RunSpec, loaded: DataResult) -> DataResult:
    """``loaded`` itself when its data and the spec's network on that data keep this server's limits; otherwise
    refused: no data set, and a message that says what the limit is, what was asked and how to get under it.

    Cheap, so a caller that keeps the prepared data while the network changes (the page) checks on every use."""
    dataset = loaded.dataset
    if dataset is None:
        return loaded
    rows = len(dataset.x_train) + len(dataset.x_test)
    too_much = rules.too_much_data(rows, dataset.input_count)
    too_many = rules.too_many_parameters(dataset.input_count, spec.layers, dataset.output_units)
    if too_much:
        problem = _sentence(too_much)
    elif too_many:
        columns = ", or fewer feature columns" if spec.is_table else ""
        problem = (f"{_sentence(too_many)} Use fewer or smaller hidden layers{columns} (the data has "
                   f"{dataset.input_count:,} inputs).")
    else:
        return loaded
    return DataResult(None, (*loaded.messages, problem), loaded.table, over_limit=problem)


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def prepared_data(spec: RunSpec, csv_table: Table | None = None) -> DataResult:
    """The spec's data as its data settings make it, before the server's limits are checked."""
    if not spec.is_table:
        return DataResult(make_dataset(spec))
    table = table_of(spec.dataset, csv_table)
    if table is None:
        return DataResult(None, (NO_CSV_MESSAGE,))
    dataset, messages = prepare(table, spec.target or table.target, list(spec.columns) or None,
                                missing=spec.missing, problem=spec.problem, train_share=spec.train_share / 100,
                                seed=spec.data_seed)
    return DataResult(dataset, tuple(messages), table)
