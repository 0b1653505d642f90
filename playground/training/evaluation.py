"""Test-split evaluation of a trained model: the usual scikit-learn metrics (the classification ones computed
here from the confusion matrix, as scikit-learn defines them), the confusion matrix, predictions.

The model itself is not needed here: callers pass its outputs on ``dataset.x_test`` (sigmoid probabilities for
binary, softmax rows for multi-class, values for regression), so this module stays fast to test and free of
TensorFlow. Nothing here raises on a diverged model: non-finite outputs give an ``Evaluation`` with a message.
"""

from __future__ import annotations

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


def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray, class_count: int) -> np.ndarray:
    """(k, k) counts, rows = true class, columns = predicted class, every class's row and column kept (even
    one missing from the test split): ``sklearn.metrics.confusion_matrix(..., labels=range(k))``."""
    flat = y_true.astype(np.int64) * class_count + y_pred.astype(np.int64)
    return np.bincount(flat, minlength=class_count * class_count).reshape(class_count, class_count)


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """The area under the ROC curve of a binary problem, as the rank statistic (Mann-Whitney U over both
    classes' sizes; tied scores share their mean rank, which is the ROC curve's trapezoids)."""
    order = np.argsort(scores, kind="mergesort")
    ordered = scores[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # where each run of equal scores begins
    ends = np.r_[starts[1:], len(ordered)]
    mean_ranks = (starts + ends + 1) / 2.0  # ranks from 1
    ranks = np.empty(len(scores))
    ranks[order] = np.repeat(mean_ranks, ends - starts)
    positive = y_true == 1
    positives, negatives = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _classification_metrics(confusion: np.ndarray, y_true: np.ndarray, scores: np.ndarray | None,
                            binary: bool) -> dict[str, float]:
    """scikit-learn's accuracy, macro precision, recall and F1 (over the classes present in either array,
    zero_division=0) and ROC AUC, from the confusion matrix in NumPy: sklearn's own checks and label handling
    cost ten times the arithmetic, and a page refreshes this every few seconds while training, per session
    (tests compare every figure with sklearn.metrics)."""
    true_counts, predicted_counts = confusion.sum(axis=1), confusion.sum(axis=0)
    present = (true_counts + predicted_counts) > 0
    hits = np.diag(confusion)[present].astype(np.float64)
    true_counts, predicted_counts = true_counts[present], predicted_counts[present]

    def share(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)

    results = {"accuracy": float(np.trace(confusion) / confusion.sum()),
               "precision": float(share(hits, predicted_counts).mean()),
               "recall": float(share(hits, true_counts).mean()),
               "f1": float(share(2 * hits, (true_counts + predicted_counts).astype(np.float64)).mean())}
    if binary and len(np.unique(y_true)) == 2:  # ROC AUC is undefined when the test split holds one class
        results["roc_auc"] = roc_auc(y_true, scores)
    return results


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

    y_pred, scores = _predictions(problem, outputs)
    if problem == "regression":
        import sklearn

        # The arrays are ours and checked above: scikit-learn's own checks of its parameters and for NaN were
        # most of the cost of an evaluation here (a page refreshes it every few seconds while training).
        with sklearn.config_context(skip_parameter_validation=True, assume_finite=True):
            return Evaluation(problem, _regression_metrics(y_true, y_pred), y_true, y_pred, None, None, names)
    confusion = confusion_counts(y_true, y_pred, dataset.class_count)
    metrics = _classification_metrics(confusion, y_true, scores, binary=problem == "binary")
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
