"""Real tables as data: scikit-learn's bundled data sets and uploaded CSV files (read by
``csv_reading.read_csv``), made into a ``Dataset``.

Reading and preparing user data never raises: every problem comes back as a plain message for the page, and
a ``None`` table or data set when the data cannot be used. Notes about what was changed (renamed headers,
dropped rows, filled values) come back as messages next to a usable result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from playground.data.points import Dataset
from playground.options import PROBLEMS

MAX_CLASSES = 20  # more distinct target values than this make a numeric target a regression one
MAX_ONE_HOT_CATEGORIES = 10  # text feature columns with up to this many values become one-hot columns
MIN_ROWS = 10  # fewer complete rows than this cannot be split into useful train and test parts


@dataclass(frozen=True, eq=False)  # eq=False: a DataFrame has no single truth value to compare or hash
class Table:
    """A table of named columns, one of which is the suggested target."""

    frame: pd.DataFrame  # feature columns and the target column; numbers are float64, text is object
    target: str  # the suggested target column (the last column of a CSV file)
    problem: str  # "binary", "multiclass" or "regression", detected from the target
    class_names: tuple[str, ...] = ()  # target classes in class-index order; empty for regression
    images: np.ndarray | None = None  # (n, 8, 8) pixel images for the digits table
    name: str = ""
    # Faults of the file that reading had to repair (not UTF-8, empty or repeated header names, all-missing
    # columns): the page shows them as errors, the command line refuses the file unless told to go on.
    repairs: tuple[str, ...] = ()


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


def class_names(target: pd.Series) -> tuple[str, ...]:
    """The target's classes as text, in class-index order."""
    return tuple(_class_name(value) for value in _sorted_classes(target))


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
    names = dataset.class_labels
    train = np.bincount(dataset.labels_train().astype(np.int64), minlength=dataset.class_count)
    test = np.bincount(dataset.labels_test().astype(np.int64), minlength=dataset.class_count)
    return {name: (int(train[index]), int(test[index])) for index, name in enumerate(names)}
