"""Test-split evaluation of a trained model: the usual scikit-learn metrics, the confusion matrix, predictions.

The model itself is not needed here: callers pass its outputs on ``dataset.x_test`` (sigmoid probabilities for
binary, softmax rows for multi-class, values for regression), so this module stays fast to test and free of
TensorFlow. Nothing here raises on a diverged model: non-finite outputs give an ``Evaluation`` with a message.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from playground.data.points import Dataset

METRIC_NAMES = {
    "accuracy": "Accuracy", "precision": "Precision (macro)", "recall": "Recall (macro)", "f1": "F1 (macro)",
    "roc_auc": "ROC AUC", "mae": "MAE", "rmse": "RMSE", "r2": "R²",
}
NOT_FINITE_MESSAGE = "The model's outputs are not finite (NaN or infinity): training diverged, so there is nothing to evaluate."
EMPTY_TEST_MESSAGE = "The test split is empty, so there is nothing to evaluate."


@dataclass(frozen=True)
class Evaluation:
    """Metrics and per-point results of one model on the test split."""

    problem: str  # "binary", "multiclass" or "regression"
    metrics: dict[str, float]  # keys of METRIC_NAMES, in display order; empty when there is a message
    y_true: np.ndarray  # flat: class index, or target value for regression
    y_pred: np.ndarray  # flat: predicted class index, or predicted value for regression
    scores: np.ndarray | None  # binary: P(class 1), flat; multi-class: (n, k) probabilities; regression: None
    confusion: np.ndarray | None  # (k, k) counts, rows = true class, columns = predicted class
    class_names: tuple[str, ...]  # empty for regression
    message: str = ""  # why there are no metrics (diverged model, empty test split)


def _predictions(problem: str, outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Flat predictions and the scores kept for curves: the outputs reshaped for each kind of problem."""
    if problem == "binary":
        scores = outputs.reshape(len(outputs), -1)[:, 0]
        # Class 1 above one half, as keras.metrics.binary_accuracy counts it (so the two accuracies agree).
        return (scores > 0.5).astype(np.int64), scores
    if problem == "multiclass":
        scores = outputs.reshape(len(outputs), -1)
        return np.argmax(scores, axis=1).astype(np.int64), scores
    return outputs.reshape(len(outputs), -1)[:, 0], None


def _classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, scores: np.ndarray | None,
                            binary: bool) -> dict[str, float]:
    from sklearn import metrics

    # Macro averages over the classes present in either array; zero_division=0 keeps a never-predicted
    # class from raising a warning per rerun of the page. One call for the three (what precision_score,
    # recall_score and f1_score each compute in full).
    precision, recall, f1, _ = metrics.precision_recall_fscore_support(y_true, y_pred, average="macro",
                                                                       zero_division=0)
    results = {"accuracy": metrics.accuracy_score(y_true, y_pred), "precision": precision, "recall": recall,
               "f1": f1}
    if binary and len(np.unique(y_true)) == 2:  # ROC AUC is undefined when the test split holds one class
        results["roc_auc"] = metrics.roc_auc_score(y_true, scores)
    return {key: float(value) for key, value in results.items()}


def _regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    from sklearn import metrics

    results = {
        "mae": metrics.mean_absolute_error(y_true, y_pred),
        "rmse": float(np.sqrt(metrics.mean_squared_error(y_true, y_pred))),
    }
    if len(y_true) >= 2:  # R² needs a spread of targets; sklearn warns and returns NaN for one point
        results["r2"] = metrics.r2_score(y_true, y_pred)
    return {key: float(value) for key, value in results.items()}


def evaluate(dataset: Dataset, outputs: np.ndarray) -> Evaluation:
    """Test-split metrics of a model whose outputs on ``dataset.x_test`` are ``outputs``."""
    problem = dataset.problem
    outputs = np.asarray(outputs, dtype=np.float64)
    labels = dataset.labels_test()
    y_true = labels.astype(np.float64) if problem == "regression" else labels.astype(np.int64)
    names = dataset.class_labels
    if len(outputs) != len(y_true):
        raise ValueError(f"{len(outputs)} outputs for {len(y_true)} test points")

    def without_metrics(message: str) -> Evaluation:
        return Evaluation(problem, {}, y_true, np.full(len(y_true), np.nan), None, None, names, message)

    if len(y_true) == 0:
        return without_metrics(EMPTY_TEST_MESSAGE)
    if not np.all(np.isfinite(outputs)):
        return without_metrics(NOT_FINITE_MESSAGE)

    import sklearn

    y_pred, scores = _predictions(problem, outputs)
    # The arrays are ours and checked above: scikit-learn's own checks of its parameters and for NaN were most of
    # the cost of an evaluation here (a page refreshes it every few seconds while training, per session).
    with sklearn.config_context(skip_parameter_validation=True, assume_finite=True):
        if problem == "regression":
            return Evaluation(problem, _regression_metrics(y_true, y_pred), y_true, y_pred, None, None, names)

        from sklearn.metrics import confusion_matrix

        with warnings.catch_warnings():  # e.g. a one-class test split: the metrics are still defined
            warnings.simplefilter("ignore")
            metrics = _classification_metrics(y_true, y_pred, scores, binary=problem == "binary")
        # labels= keeps every class's row and column, even for classes missing from the test split.
        confusion = confusion_matrix(y_true, y_pred, labels=np.arange(dataset.class_count))
    return Evaluation(problem, metrics, y_true, y_pred, scores, confusion, names)


def mean_baseline_r2(dataset: Dataset) -> float:
    """Test-split R² of always predicting the training mean: the bar a regression model has to clear.

    It is 0 when the training and test means agree and negative otherwise; NaN with fewer than two test points.
    """
    from sklearn.metrics import r2_score

    y_test = dataset.labels_test().astype(np.float64)
    if len(y_test) < 2:
        return float("nan")
    baseline = np.full(len(y_test), float(np.mean(dataset.labels_train())))
    return float(r2_score(y_test, baseline))
