"""Evaluation metrics against hand-computed and scikit-learn values, and the evaluation figures' contents.

NumPy arrays stand in for the model's outputs, so no TensorFlow is needed.
"""

import numpy as np
import pytest
from sklearn import metrics

from playground.data.points import Dataset
from playground.data.tables import TabularDataset
from playground.training.evaluation import METRIC_NAMES, evaluate, mean_baseline_r2
from playground.views.confusion_svg import blues, confusion_svg
from playground.views.curves import MAX_POINTS
from playground.views.evaluation_figures import (
    MAX_BARS,
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    attribution_figure,
    history_figure,
    prediction_figure,
    residual_figure,
)


def make(problem, y_test, y_train=None, class_count=2, cls=Dataset, **extra):
    """A dataset whose inputs do not matter: only the labels are evaluated."""
    y_train = y_test if y_train is None else y_train
    return cls(
        x_train=np.zeros((len(y_train), 2), np.float32), y_train=y_train,
        x_test=np.zeros((len(y_test), 2), np.float32), y_test=y_test,
        problem=problem, feature_names=("a", "b"), class_count=class_count, **extra,
    )


def binary(labels):
    return np.asarray(labels, np.float32).reshape(-1, 1)


def regression(values):
    return np.asarray(values, np.float32).reshape(-1, 1)


BINARY_LABELS = [0, 0, 1, 1, 1, 0]
BINARY_PROBABILITIES = np.array([[0.1], [0.6], [0.8], [0.4], [0.9], [0.2]])  # predicts 0 1 1 0 1 0


def test_binary_metrics_match_hand_computed_values():
    result = evaluate(make("binary", binary(BINARY_LABELS)), BINARY_PROBABILITIES)
    assert list(result.metrics) == ["accuracy", "precision", "recall", "f1", "roc_auc"]
    assert result.message == ""
    assert result.y_pred.tolist() == [0, 1, 1, 0, 1, 0]
    assert result.y_true.tolist() == BINARY_LABELS
    assert result.metrics["accuracy"] == pytest.approx(4 / 6)
    # Each class: 2 of the 3 points predicted as it are right, and 2 of its 3 points are found.
    assert result.metrics["precision"] == pytest.approx(2 / 3)
    assert result.metrics["recall"] == pytest.approx(2 / 3)
    assert result.metrics["f1"] == pytest.approx(2 / 3)
    # Positive scores {0.8, 0.4, 0.9} beat negative {0.1, 0.6, 0.2} in 3 + 2 + 3 of 9 pairs.
    assert result.metrics["roc_auc"] == pytest.approx(8 / 9)
    assert result.confusion.tolist() == [[2, 1], [1, 2]]
    np.testing.assert_allclose(result.scores, BINARY_PROBABILITIES[:, 0])
    assert result.class_names == ("0", "1")


def test_binary_threshold_is_one_half_as_in_keras():
    import keras

    outputs = np.array([[0.49], [0.5], [0.51]])
    result = evaluate(make("binary", binary([0, 0, 1])), outputs)
    assert result.y_pred.tolist() == [0, 0, 1]
    assert result.metrics["accuracy"] == 1.0
    keras_accuracy = float(np.mean(keras.metrics.binary_accuracy(np.array([[0.0], [0.0], [1.0]]), outputs)))
    assert keras_accuracy == result.metrics["accuracy"]


def test_one_class_test_split_has_no_roc_auc_and_does_not_raise():
    result = evaluate(make("binary", binary([1, 1, 1])), np.array([[0.9], [0.2], [0.7]]))
    assert "roc_auc" not in result.metrics
    assert result.metrics["accuracy"] == pytest.approx(2 / 3)
    assert result.confusion.tolist() == [[0, 0], [1, 2]]  # class 0 keeps its (empty) row and column


MULTI_LABELS = np.array([0, 1, 2, 2, 1, 0, 2], np.int32)
MULTI_OUTPUTS = np.array([
    [0.8, 0.1, 0.1, 0.0],  # 0 -> 0
    [0.2, 0.7, 0.1, 0.0],  # 1 -> 1
    [0.1, 0.6, 0.3, 0.0],  # 2 -> 1
    [0.1, 0.1, 0.8, 0.0],  # 2 -> 2
    [0.5, 0.3, 0.2, 0.0],  # 1 -> 0
    [0.1, 0.1, 0.2, 0.6],  # 0 -> 3
    [0.0, 0.1, 0.9, 0.0],  # 2 -> 2
])


def test_multiclass_metrics_and_confusion():
    result = evaluate(make("multiclass", MULTI_LABELS, class_count=4), MULTI_OUTPUTS)
    predicted = [0, 1, 1, 2, 0, 3, 2]
    assert result.y_pred.tolist() == predicted
    assert list(result.metrics) == ["accuracy", "precision", "recall", "f1"]
    assert result.metrics["accuracy"] == pytest.approx(4 / 7)
    for key, score in (("precision", metrics.precision_score), ("recall", metrics.recall_score),
                       ("f1", metrics.f1_score)):
        expected = score(MULTI_LABELS, predicted, average="macro", zero_division=0)
        assert result.metrics[key] == pytest.approx(expected)
    # Class 3 never occurs in the test split, yet has its row; rows are true classes, columns predictions.
    assert result.confusion.tolist() == [[1, 0, 0, 1], [1, 1, 0, 0], [0, 1, 2, 0], [0, 0, 0, 0]]
    assert result.confusion.sum() == len(MULTI_LABELS)
    assert result.scores.shape == (7, 4)
    assert result.class_names == ("0", "1", "2", "3")


def test_tabular_class_names_are_used():
    dataset = make("multiclass", MULTI_LABELS, class_count=4, cls=TabularDataset,
                   class_names=("ant", "bee", "cat", "dog"))
    result = evaluate(dataset, MULTI_OUTPUTS)
    assert result.class_names == ("ant", "bee", "cat", "dog")
    cells = confusion_cells(confusion_svg(result))
    assert [hover.split(",")[0] for hover, _, _, _ in cells[::4]] == ["true ant", "true bee", "true cat", "true dog"]
    assert [hover.split(", ")[1].split(":")[0] for hover, _, _, _ in cells[:4]] == [
        "predicted ant", "predicted bee", "predicted cat", "predicted dog"]


def test_regression_metrics_match_hand_computed_values():
    actual, predicted = [1, 2, 3, 4], [1.5, 2, 2, 5]
    result = evaluate(make("regression", regression(actual), class_count=0), regression(predicted))
    assert list(result.metrics) == ["mae", "rmse", "r2"]
    assert result.metrics["mae"] == pytest.approx(0.625)  # |errors| 0.5, 0, 1, 1
    assert result.metrics["rmse"] == pytest.approx(0.75)  # sqrt((0.25 + 0 + 1 + 1) / 4)
    assert result.metrics["r2"] == pytest.approx(1 - 2.25 / 5)  # squared errors 2.25, spread about 2.5 is 5
    assert result.scores is None and result.confusion is None and result.class_names == ()
    np.testing.assert_allclose(result.y_pred, predicted)


def test_mean_baseline_r2_is_zero_for_the_test_mean_and_negative_otherwise():
    y_test = regression([1, 2, 3, 4])
    same_mean = make("regression", y_test, y_train=regression([2, 3]), class_count=0)
    assert mean_baseline_r2(same_mean) == pytest.approx(0.0)
    shifted = make("regression", y_test, y_train=regression([3, 4]), class_count=0)
    # Off by 1 at every one of 4 points, against a spread of 5: R² = 1 - 4 / 5.
    assert mean_baseline_r2(shifted) == pytest.approx(-0.8)
    # A model that predicts the training mean scores exactly the baseline.
    result = evaluate(shifted, np.full((4, 1), 3.5))
    assert result.metrics["r2"] == pytest.approx(mean_baseline_r2(shifted))


@pytest.mark.parametrize("problem, outputs", [
    ("binary", np.array([[0.2], [np.nan], [0.9]])),
    ("multiclass", np.array([[0.2, 0.8], [np.nan, np.nan], [0.5, 0.5]])),
    ("regression", np.array([[1.0], [np.inf], [2.0]])),
])
def test_non_finite_outputs_give_a_message_not_an_exception(problem, outputs):
    labels = np.array([0, 1, 1], np.int32) if problem == "multiclass" else binary([0, 1, 1])
    result = evaluate(make(problem, labels, class_count=0 if problem == "regression" else 2), outputs)
    assert result.metrics == {}
    assert "not finite" in result.message
    assert result.confusion is None


def test_metric_names_cover_every_metric_key():
    keys = set(evaluate(make("binary", binary(BINARY_LABELS)), BINARY_PROBABILITIES).metrics)
    keys |= set(evaluate(make("regression", regression([1, 2, 3]), class_count=0), regression([1, 2, 2])).metrics)
    assert keys == set(METRIC_NAMES)


# ---- Figures --------------------------------------------------------------------------------------------------


def confusion_cells(svg: str) -> list[tuple[str, int, float, float]]:
    """Each cell of a confusion SVG as (hover text, the count written in it, its x, its y), in document order."""
    import xml.etree.ElementTree as ElementTree

    namespace = "{http://www.w3.org/2000/svg}"
    root = ElementTree.fromstring(svg)
    return [(group.find(f"{namespace}title").text, int(group.find(f"{namespace}text").text),
             float(group.find(f"{namespace}rect").get("x")), float(group.find(f"{namespace}rect").get("y")))
            for group in root.iter(f"{namespace}g")]


def test_the_confusion_matrix_writes_the_counts_with_class_0_at_the_top():
    result = evaluate(make("multiclass", MULTI_LABELS, class_count=4), MULTI_OUTPUTS)
    svg = confusion_svg(result)
    cells = confusion_cells(svg)
    assert [count for _, count, _, _ in cells] == result.confusion.ravel().tolist()  # row after row
    for index, (hover, count, _, _) in enumerate(cells):
        true, predicted = divmod(index, 4)
        assert hover == f"true {true}, predicted {predicted}: {count}"
    xs, ys = [x for _, _, x, _ in cells[:4]], [y for _, _, _, y in cells[::4]]
    assert xs == sorted(xs) and ys == sorted(ys)  # predicted left to right, true top to bottom
    assert ">predicted</text>" in svg and ">true</text>" in svg


def test_the_confusion_colours_darken_with_the_count():
    shades = [blues(share) for share in np.linspace(0, 1, 9)]
    assert shades[0] == "#f7fbff" and shades[4] == "#6baed6" and shades[-1] == "#08306b"
    brightness = [sum(int(shade[i:i + 2], 16) for i in (1, 3, 5)) for shade in shades]
    assert brightness == sorted(brightness, reverse=True)


def test_the_confusion_matrix_refuses_regression():
    result = evaluate(make("regression", regression([1, 2, 3]), class_count=0), regression([1, 2, 2]))
    with pytest.raises(ValueError):
        confusion_svg(result)


def regression_result():
    return evaluate(make("regression", regression([1, 2, 3, 4]), class_count=0), regression([1.5, 2, 2, 5]))


def test_prediction_figure_has_the_dashed_diagonal_and_the_points():
    figure = prediction_figure(regression_result())
    diagonal, points = figure.data
    assert diagonal.line.dash == "dash"
    assert list(diagonal.x) == list(diagonal.y) == [1.0, 5.0]  # y = x across all values
    np.testing.assert_allclose(points.x, [1, 2, 3, 4])
    np.testing.assert_allclose(points.y, [1.5, 2, 2, 5])


def test_residual_figure_plots_actual_minus_predicted_with_a_zero_line():
    figure = residual_figure(regression_result())
    zero, points = figure.data
    assert list(zero.y) == [0.0, 0.0] and list(zero.x) == [1.5, 5.0]
    np.testing.assert_allclose(points.x, [1.5, 2, 2, 5])
    np.testing.assert_allclose(points.y, [-0.5, 0, 1, -1])


def test_evaluation_is_frozen():
    with pytest.raises(AttributeError):
        regression_result().message = "changed"  # type: ignore[misc]


HISTORY = [
    {"epoch": 1, "loss": 0.9, "test_loss": 1.0, "accuracy": 0.5, "test_accuracy": 0.4},
    {"epoch": 2, "loss": 0.6, "test_loss": float("nan"), "accuracy": 0.7, "test_accuracy": 0.6},
    {"epoch": 3, "loss": 0.4, "test_loss": 0.5, "accuracy": 0.8, "test_accuracy": float("nan")},
]


def trace_named(figure, name):
    (trace,) = [trace for trace in figure.data if trace.name == name]
    return trace


def test_history_figure_puts_training_left_and_test_right_with_the_metric_on_second_axes():
    figure = history_figure(HISTORY, "accuracy")
    assert len(figure.data) == 4
    expected = {
        "train loss": ([0.9, 0.6, 0.4], "x", "y"), "train accuracy": ([0.5, 0.7, 0.8], "x", "y2"),
        "test loss": ([1.0, np.nan, 0.5], "x2", "y3"), "test accuracy": ([0.4, 0.6, np.nan], "x2", "y4"),
    }
    for name, (values, xaxis, yaxis) in expected.items():
        trace = trace_named(figure, name)
        np.testing.assert_allclose(np.asarray(trace.y, float), values)  # NaN compares equal to NaN here
        np.testing.assert_allclose(np.asarray(trace.x, float), [1, 2, 3])
        assert (trace.xaxis, trace.yaxis) == (xaxis, yaxis)
    assert trace_named(figure, "test accuracy").line.dash == "dot"
    titles = [annotation.text for annotation in figure.layout.annotations]
    assert titles == ["Training", "Validation (test split)"]


def test_history_figure_without_the_metric_draws_the_losses_only():
    records = [{"epoch": epoch, "loss": 1 / epoch, "test_loss": 2 / epoch} for epoch in range(1, 4)]
    figure = history_figure(records, "r2")
    assert sorted(trace.name for trace in figure.data) == ["test loss", "train loss"]


def test_history_figure_thins_long_histories():
    records = [{"epoch": epoch, "loss": 1.0, "test_loss": 1.0, "r2": 0.5, "test_r2": 0.4}
               for epoch in range(1, 2001)]
    figure = history_figure(records, "r2")
    for trace in figure.data:
        assert len(trace.y) <= MAX_POINTS + 1
        assert trace.x[0] == 1 and trace.x[-1] == 2000  # first and last epochs kept


def test_attribution_figure_sorts_by_size_and_colours_by_sign():
    figure = attribution_figure(["a", "b", "c", "d"], [0.1, -0.5, 0.3, -0.05])
    bars = figure.data[0]
    assert list(bars.y) == ["b", "c", "a", "d"]
    np.testing.assert_allclose(bars.x, [-0.5, 0.3, 0.1, -0.05])
    assert list(bars.marker.color) == [NEGATIVE_COLOR, POSITIVE_COLOR, POSITIVE_COLOR, NEGATIVE_COLOR]
    assert figure.layout.yaxis.autorange == "reversed"  # first (largest) bar drawn at the top


def test_attribution_figure_caps_the_bars_and_sums_the_rest():
    values = np.arange(1, 31, dtype=float)  # 30 features; the 19 largest keep their bars
    names = [f"f{index}" for index in range(30)]
    bars = attribution_figure(names, values).data[0]
    assert len(bars.y) == MAX_BARS
    assert list(bars.y[:3]) == ["f29", "f28", "f27"]
    assert bars.y[-1] == "other 11 features"
    assert bars.x[-1] == pytest.approx(values[:11].sum())
    assert np.sum(bars.x) == pytest.approx(values.sum())


def test_the_history_epoch_axes_span_ten_epochs_at_least_so_ticks_stay_whole():
    figure = history_figure(HISTORY[:2], "accuracy")
    for axis in (figure.layout.xaxis, figure.layout.xaxis2):
        assert tuple(axis.autorangeoptions.include) == (0, 10)


@pytest.mark.parametrize("seed", range(12))
def test_classification_metrics_are_scikit_learns(seed):
    """The page's classification metrics are computed in NumPy from the confusion matrix (sklearn's checks cost
    ten times the arithmetic at every refresh): every figure equals sklearn.metrics', on binary and multi-class
    splits with ties among the scores, classes never predicted and classes missing from the test split."""
    rng = np.random.default_rng(seed)
    count = 2 if seed % 2 == 0 else int(rng.integers(3, 6))
    size = int(rng.integers(3, 60))
    labels = rng.integers(0, count - (seed % 3 == 0), size).astype(np.int64)  # every third: a class missing
    if count == 2:
        outputs = np.round(rng.random((size, 1)), 1)  # coarse scores: many ties
        problem = "binary"
    else:
        outputs = rng.dirichlet(np.full(count, 0.5), size)
        if seed % 4 == 1:
            outputs[:, count - 1] = 0.0  # a class the model never predicts
        problem = "multiclass"
    result = evaluate(make(problem, labels.astype(np.float32), class_count=count), outputs)
    predicted = result.y_pred
    precision, recall, f1, _ = metrics.precision_recall_fscore_support(labels, predicted, average="macro",
                                                                       zero_division=0)
    expected = {"accuracy": metrics.accuracy_score(labels, predicted), "precision": precision, "recall": recall,
                "f1": f1}
    if problem == "binary" and len(np.unique(labels)) == 2:
        expected["roc_auc"] = metrics.roc_auc_score(labels, outputs[:, 0])
    assert result.metrics.keys() == expected.keys()
    for name, value in expected.items():
        assert result.metrics[name] == pytest.approx(value, abs=1e-12), name
    np.testing.assert_array_equal(result.confusion, metrics.confusion_matrix(labels, predicted,
                                                                             labels=np.arange(count)))


def test_the_confusion_svg_is_built_once_per_matrix_and_shared():
    result = evaluate(make("binary", np.array(BINARY_LABELS, np.float32)), BINARY_PROBABILITIES)
    again = evaluate(make("binary", np.array(BINARY_LABELS, np.float32)), BINARY_PROBABILITIES * 0.99)
    svg = confusion_svg(result, 300)
    assert confusion_svg(again, 300) is svg  # the same counts: the same string, built once
    assert confusion_svg(result, 400) != svg
    flipped = evaluate(make("binary", np.array(BINARY_LABELS, np.float32)), 1 - BINARY_PROBABILITIES)
    assert confusion_svg(flipped, 300) != svg  # a prediction flipped: new counts
