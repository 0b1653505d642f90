"""Real tables as data: scikit-learn's bundled data sets and uploaded CSV files, made into a ``Dataset``.

Reading and preparing user data never raises: every problem comes back as a plain message for the page, and
a ``None`` table or data set when the data cannot be used. Notes about what was changed (renamed headers,
dropped rows, filled values) come back as messages next to a usable result.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from playground.data import Dataset
from playground.options import PROBLEMS

MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_CSV_ROWS = 100_000
MAX_CLASSES = 20  # more distinct target values than this make a numeric target a regression one
MAX_ONE_HOT_CATEGORIES = 10  # text feature columns with up to this many values become one-hot columns
MIN_ROWS = 10  # fewer complete rows than this cannot be split into useful train and test parts
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-", "missing"})
# A text column whose values are nearly all numbers is numeric with a few typos, not a category.
MOSTLY_NUMERIC_SHARE = 0.95
# Files that people upload by mistake, by their first bytes.
MAGIC_BYTES = {
    b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook is one)", b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
}


@dataclass(frozen=True, eq=False)  # eq=False: a DataFrame has no single truth value to compare or hash
class Table:
    """A table of named columns, one of which is the suggested target."""

    frame: pd.DataFrame  # feature columns and the target column; numbers are float64, text is object
    target: str  # the suggested target column (the last column of a CSV file)
    problem: str  # "binary", "multiclass" or "regression", detected from the target
    class_names: tuple[str, ...] = ()  # target classes in class-index order; empty for regression
    images: np.ndarray | None = None  # (n, 8, 8) pixel images for the digits table
    name: str = ""


@dataclass(frozen=True)
class TabularDataset(Dataset):
    """A ``Dataset`` made from a table: it knows its target and the names of its classes."""

    target: str = ""
    class_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Builtin:
    title: str
    loader: str  # function of sklearn.datasets
    target: str  # name given to the target column


# Data sets that ship inside scikit-learn, so they load without a download.
BUILTIN_TABLES = {
    "iris": Builtin("Iris flowers (3 species)", "load_iris", "species"),
    "wine": Builtin("Wine cultivars (3 classes)", "load_wine", "cultivar"),
    "breast_cancer": Builtin("Breast cancer diagnosis (benign or malignant)", "load_breast_cancer", "diagnosis"),
    "digits": Builtin("Handwritten digits (8x8 images)", "load_digits", "digit"),
    "diabetes": Builtin("Diabetes progression after one year (regression)", "load_diabetes", "progression"),
}


def load_builtin(name: str) -> Table:
    """One of ``BUILTIN_TABLES`` as a table; class targets are categorical in scikit-learn's class order."""
    import sklearn.datasets

    builtin = BUILTIN_TABLES[name]
    options = {"scaled": False} if name == "diabetes" else {}  # raw units: prepare() standardises anyway
    bunch = getattr(sklearn.datasets, builtin.loader)(**options)
    feature_names = [str(column) for column in bunch.feature_names]
    frame = pd.DataFrame(np.asarray(bunch.data, dtype=np.float64), columns=feature_names)
    if "target_names" in bunch:
        class_names = tuple(str(value) for value in bunch.target_names)
        frame[builtin.target] = pd.Categorical.from_codes(bunch.target, categories=list(class_names))
    else:
        class_names = ()
        frame[builtin.target] = np.asarray(bunch.target, dtype=np.float64)
    images = np.asarray(bunch.images) if "images" in bunch else None
    return Table(frame, builtin.target, detect_problem(frame[builtin.target]), class_names, images, name)


def detect_problem(target: pd.Series) -> str:
    """Binary for two values, multi-class for text or a few whole numbers, otherwise regression."""
    values = target.dropna()
    distinct = values.nunique()
    if distinct <= 2:
        return "binary"
    if not _is_number_column(values):
        return "multiclass"
    numbers = values.to_numpy(dtype=np.float64)
    whole = bool(np.all(numbers == np.round(numbers)))
    return "multiclass" if whole and distinct <= MAX_CLASSES else "regression"


def _is_number_column(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _sorted_classes(target: pd.Series) -> list:
    if isinstance(target.dtype, pd.CategoricalDtype):
        present = set(target.dropna().unique())
        return [value for value in target.cat.categories if value in present]
    return sorted(target.dropna().unique())


def _class_name(value) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


# ---- CSV ------------------------------------------------------------------------------------------------------


def _refuse_non_csv(data: bytes, max_bytes: int) -> str | None:
    if not data.strip():
        return "The file is empty."
    if len(data) > max_bytes:
        return (f"The file is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:g} MB "
                f"(MAX_CSV_BYTES). Upload a sample of the rows.")
    for magic, kind in MAGIC_BYTES.items():
        if data.startswith(magic):
            return f"This is not a CSV file: it looks like {kind}. Save the table as CSV and upload that."
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in data[:SNIFF_BYTES]:
        return "This is not a CSV file: it holds binary data (NUL bytes). Save the table as CSV text."
    start = data[:200].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html", b"<?xml")):
        return ("This is not a CSV file: it is a web page (HTML/XML). Download the raw CSV instead of the page "
                "that shows it.")
    return None


def _decode(data: bytes) -> tuple[str, str | None]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), None
    try:
        return data.decode("utf-8-sig"), None  # also plain UTF-8; drops Excel's byte-order mark
    except UnicodeDecodeError:
        return data.decode("latin-1"), "The file is not UTF-8; it was read as Latin-1, so accents may look wrong."


def _sniff_delimiter(text: str) -> str:
    sample = text[:SNIFF_BYTES]
    if len(text) > SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # a cut-off last line would confuse the sniffer
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _column_names(first_row: list[str], messages: list[str]) -> tuple[list[str], bool]:
    """The header (renamed where empty or repeated) and whether the first row is one; notes go to messages."""
    if any(_is_number(cell.strip()) for cell in first_row):
        names = [f"column_{index + 1}" for index in range(len(first_row))]
        messages.append(f"The first row holds numbers, so it was read as data, not a header; the columns are "
                        f"named column_1 to column_{len(first_row)}.")
        return names, False
    names, seen = [], set()
    for index, cell in enumerate(first_row):
        name = cell.strip()
        if not name:
            name = f"column_{index + 1}"
            messages.append(f"Column {index + 1} has no name in the header; it is called '{name}'.")
        if name in seen:
            base, copy = name, 2
            while f"{base}_{copy}" in seen:
                copy += 1
            name = f"{base}_{copy}"
            messages.append(f"The header names '{base}' more than once; the repeat is called '{name}'.")
        seen.add(name)
        names.append(name)
    return names, True


def _coerce(name: str, values: list[str], decimal_comma: bool, messages: list[str]) -> pd.Series:
    raw = pd.Series(values, dtype=object).str.strip()
    raw = raw.mask(raw.str.lower().isin(MISSING_TOKENS))
    present = raw.dropna()
    if present.empty:
        return pd.Series(np.nan, index=raw.index, name=name)
    text = present.str.replace(",", ".", regex=False) if decimal_comma else present
    numbers = pd.to_numeric(text, errors="coerce")
    failed = numbers.isna()
    if failed.mean() > 1 - MOSTLY_NUMERIC_SHARE:
        return raw.rename(name)
    if failed.any():
        examples = ", ".join(repr(value) for value in present[failed].unique()[:3])
        messages.append(f"{failed.sum()} values of column '{name}' are not numbers ({examples}); "
                        f"they count as missing.")
    return numbers.reindex(raw.index).astype(np.float64).rename(name)


def read_csv(data: bytes, *, max_bytes: int = MAX_CSV_BYTES,
             max_rows: int = MAX_CSV_ROWS) -> tuple[Table | None, list[str]]:
    """A table from CSV bytes, and messages: why it was refused (table None) or what was changed."""
    refusal = _refuse_non_csv(data, max_bytes)
    if refusal:
        return None, [refusal]
    text, note = _decode(data)
    messages = [note] if note else []
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    rows, ragged, names, expected = [], [], None, 0
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank lines carry nothing
            if names is None:
                names, has_header = _column_names(row, messages)
                expected = len(names)
                if len(names) < 2:
                    return None, [f"The file has only one column ('{names[0]}'). A table needs feature columns "
                                  f"and a target column, separated by commas, semicolons, tabs or '|'."]
                if has_header:
                    continue
            if len(row) != expected:
                ragged.append(f"line {reader.line_num} has {len(row)} fields")
                if len(ragged) >= 3:
                    break
                continue
            if len(rows) >= max_rows:
                return None, [f"The file has more than {max_rows:,} data rows; the limit is {max_rows:,} "
                              f"(MAX_CSV_ROWS). Upload a sample of the rows."]
            rows.append(row)
    except csv.Error as error:
        return None, [f"The file could not be read as CSV near line {reader.line_num}: {error}."]
    if ragged:
        return None, [f"Rows must all have {expected} fields like the first row, but {'; '.join(ragged)}."]
    if names is None:
        return None, ["The file is empty."]
    if not rows:
        return None, ["The file has a header but no data rows."]
    columns = {name: _coerce(name, [row[index] for row in rows], delimiter != ",", messages)
               for index, name in enumerate(names)}
    empty = [name for name, column in columns.items() if column.isna().all()]
    for name in empty:
        messages.append(f"Column '{name}' has no values (all missing), so it was left out.")
        del columns[name]
    if len(columns) < 2:
        return None, messages + ["Fewer than two columns have values; a table needs features and a target."]
    frame = pd.DataFrame(columns)
    target = frame.columns[-1]
    problem = detect_problem(frame[target])
    classes = () if problem == "regression" else tuple(_class_name(v) for v in _sorted_classes(frame[target]))
    return Table(frame, target, problem, classes), messages


# ---- From a table to a Dataset ------------------------------------------------------------------------------


def _encode_target(target: pd.Series, problem: str) -> tuple[np.ndarray | None, tuple[str, ...], str | None]:
    """Targets shaped for the problem, class names, and an error message when the target does not fit it."""
    name = target.name
    if problem == "regression":
        if not _is_number_column(target):
            return None, (), f"The target '{name}' is not numeric, so it cannot be a regression target."
        return target.to_numpy(dtype=np.float32).reshape(-1, 1), (), None
    classes = _sorted_classes(target)
    names = tuple(_class_name(value) for value in classes)
    if len(classes) < 2:
        return None, names, (f"The target '{name}' has a single class ({', '.join(names) or 'none'}); a classifier "
                             f"needs at least two.")
    if problem == "binary" and len(classes) != 2:
        return None, names, (f"The target '{name}' has {len(classes)} classes; binary classification needs "
                             f"exactly two.")
    if len(classes) > MAX_CLASSES:
        return None, names, (f"The target '{name}' has {len(classes)} distinct values; classification allows at "
                             f"most {MAX_CLASSES} classes. A numeric target can be a regression target.")
    codes = target.astype(object).map({value: index for index, value in enumerate(classes)}).to_numpy()
    if problem == "binary":
        return codes.astype(np.float32).reshape(-1, 1), names, None
    return codes.astype(np.int32), names, None


def _numeric_features(features: pd.DataFrame) -> tuple[pd.DataFrame | None, list[str]]:
    """Text columns one-hot encoded when they have few values; refused (frame None) when they have many."""
    text_columns = [column for column in features.columns if not _is_number_column(features[column])]
    many = [column for column in text_columns if features[column].nunique() > MAX_ONE_HOT_CATEGORIES]
    if many:
        listed = ", ".join(f"'{column}'" for column in many)
        return None, [f"Feature columns {listed} are text with more than {MAX_ONE_HOT_CATEGORIES} different "
                      f"values; leave them out of the features."]
    notes = []
    if text_columns:
        listed = ", ".join(f"'{column}'" for column in text_columns)
        notes.append(f"Text feature columns {listed} became one 0/1 column per value (one-hot encoding).")
    encoded = pd.get_dummies(features, columns=text_columns, prefix_sep="=", dtype=np.float64)
    return encoded.astype(np.float64), notes


def prepare(table: Table, target: str, features: list[str] | tuple[str, ...] | None = None,
            missing: str = "drop", problem: str | None = None, train_share: float = 0.8,
            seed: int = 1) -> tuple[TabularDataset | None, list[str]]:
    """A seeded train/test ``Dataset`` from a table, features standardised with training statistics only.

    ``missing="drop"`` drops rows with a missing feature; ``"impute"`` fills them with the training median.
    Rows without a target value are always dropped. ``problem`` overrides the detected problem type.
    """
    frame = table.frame
    if target not in frame.columns:
        return None, [f"There is no column '{target}' to predict."]
    chosen = [column for column in frame.columns if column != target] if features is None else list(features)
    unknown = [column for column in chosen if column not in frame.columns]
    if unknown:
        return None, [f"There are no columns {', '.join(repr(column) for column in unknown)}."]
    if target in chosen:
        return None, [f"The target '{target}' cannot be a feature as well."]
    if not chosen:
        return None, ["Choose at least one feature column."]
    if missing not in ("drop", "impute"):
        return None, [f"Missing values can be dropped or imputed, not '{missing}'."]
    if not 0 < train_share < 1:
        return None, [f"The training share must be between 0 and 1, not {train_share}."]
    if problem is not None and problem not in PROBLEMS:
        return None, [f"Unknown problem type '{problem}'; choose one of {', '.join(PROBLEMS)}."]

    messages: list[str] = []
    data = frame[chosen + [target]]
    no_target = data[target].isna()
    if no_target.any():
        messages.append(f"Dropped {no_target.sum()} rows without a value of the target '{target}'.")
        data = data[~no_target]
    incomplete = data[chosen].isna().any(axis=1)
    if missing == "drop" and incomplete.any():
        messages.append(f"Dropped {incomplete.sum()} of {len(data)} rows with missing feature values.")
        data = data[~incomplete]
    if len(data) < MIN_ROWS:
        return None, messages + [f"Only {len(data)} complete rows are left; at least {MIN_ROWS} are needed."]

    problem = problem or detect_problem(data[target])
    targets, class_names, error = _encode_target(data[target], problem)
    if error:
        return None, messages + [error]
    inputs, notes = _numeric_features(data[chosen])
    if inputs is None:
        return None, messages + notes
    messages += notes

    from sklearn.model_selection import train_test_split

    labels = targets.reshape(len(targets), -1)[:, 0]
    stratify = None
    if problem != "regression":
        if np.bincount(labels.astype(np.int64)).min() >= 2:
            stratify = labels
        else:
            messages.append("A class has a single row, so the split is random rather than stratified.")
    try:
        train_rows, test_rows = train_test_split(np.arange(len(data)), train_size=train_share, random_state=seed,
                                                 shuffle=True, stratify=stratify)
    except ValueError as split_error:
        return None, messages + [f"The rows cannot be split into training and test parts: {split_error}"]
    x_train, x_test = inputs.iloc[train_rows], inputs.iloc[test_rows]

    if missing == "impute" and incomplete.any():
        medians = x_train.median().fillna(0.0)  # a column with no training values gets 0, the mean after scaling
        messages.append(f"Filled {int(inputs.isna().sum().sum())} missing values in {incomplete.sum()} rows with "
                        f"the column medians of the training split.")
        x_train, x_test = x_train.fillna(medians), x_test.fillna(medians)
    means, deviations = x_train.mean(), x_train.std(ddof=0)
    constant = list(deviations.index[deviations == 0])
    if constant:
        messages.append(f"Columns {', '.join(repr(c) for c in constant)} are constant in the training split and "
                        f"carry no information.")
    deviations = deviations.replace(0.0, 1.0)  # a constant column stays at 0 instead of dividing by zero
    x_train, x_test = (x_train - means) / deviations, (x_test - means) / deviations

    dataset = TabularDataset(
        x_train=x_train.to_numpy(np.float32), y_train=targets[train_rows],
        x_test=x_test.to_numpy(np.float32), y_test=targets[test_rows],
        problem=problem, feature_names=tuple(str(column) for column in inputs.columns),
        class_count=0 if problem == "regression" else len(class_names),
        target=target, class_names=class_names,
    )
    return dataset, messages


def class_balance(dataset: Dataset) -> dict[str, tuple[int, int]]:
    """Rows per class as (train, test), by class name; empty for regression."""
    if dataset.problem == "regression":
        return {}
    names = getattr(dataset, "class_names", ()) or tuple(str(index) for index in range(dataset.class_count))
    train = np.bincount(dataset.labels_train().astype(np.int64), minlength=dataset.class_count)
    test = np.bincount(dataset.labels_test().astype(np.int64), minlength=dataset.class_count)
    return {name: (int(train[index]), int(test[index])) for index, name in enumerate(names)}
