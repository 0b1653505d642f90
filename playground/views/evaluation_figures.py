"""Figures of a model's evaluation: regression predictions and residuals, the training history in two panels, and
per-feature attributions (Plotly). The confusion matrix is an SVG (``confusion_svg``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from playground.training.evaluation import Evaluation
from playground.views.curves import (
    METRIC_LABELS,
    MIN_EPOCH_RANGE,
    TEST_COLOR,
    TRAIN_COLOR,
    _thinned,
    history_arrays,
)

POSITIVE_COLOR, NEGATIVE_COLOR = "#0877bd", "#f59322"  # the playground's blue and orange
MAX_BARS = 20  # attribution bars shown; the smallest features beyond them share one "other" bar
_AXIS = {"showline": True, "linecolor": "#ccc", "gridcolor": "#eee", "zeroline": False, "automargin": True}


def _layout(height: int, **extra) -> dict:
    return {
        "height": height, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "template": "none",
        "plot_bgcolor": "white", "paper_bgcolor": "white", "font": {"size": 11}, **extra,
    }


def _title(text: str) -> dict:
    return {"text": text, "standoff": 4}


def _regression_only(evaluation: Evaluation) -> tuple[np.ndarray, np.ndarray]:
    if evaluation.problem != "regression":
        raise ValueError(f"predictions are drawn for regression, not {evaluation.problem}")
    return np.asarray(evaluation.y_true, dtype=float), np.asarray(evaluation.y_pred, dtype=float)


def _finite_span(*arrays: np.ndarray) -> list[float]:
    values = np.concatenate([np.ravel(array) for array in arrays])
    values = values[np.isfinite(values)]
    return [float(values.min()), float(values.max())] if len(values) else [0.0, 1.0]


def _scatter_with_guide(x, y, guide_x, guide_y, guide_name: str, x_title: str, y_title: str, hover: str,
                        height: int) -> go.Figure:
    """Test points over a dashed guide line (the diagonal, or zero), as the two regression plots draw them."""
    traces = [
        {"type": "scatter", "x": guide_x, "y": guide_y, "mode": "lines", "name": guide_name, "hoverinfo": "skip",
         "line": {"color": "#999", "width": 1, "dash": "dash"}},
        {"type": "scatter", "x": x, "y": y, "mode": "markers", "name": "test points",
         "marker": {"color": TEST_COLOR, "size": 5, "opacity": 0.7}, "hovertemplate": hover},
    ]
    layout = _layout(height, showlegend=False, xaxis={**_AXIS, "title": _title(x_title)},
                     yaxis={**_AXIS, "title": _title(y_title)})
    return go.Figure({"data": traces, "layout": layout})


def prediction_figure(evaluation: Evaluation, height: int = 320) -> go.Figure:
    """Predicted against actual values on the test split; perfect predictions lie on the dashed y = x line."""
    actual, predicted = _regression_only(evaluation)
    span = _finite_span(actual, predicted)
    return _scatter_with_guide(actual, predicted, span, span, "y = x", "actual", "predicted",
                               "actual %{x:.3g}<br>predicted %{y:.3g}<extra></extra>", height)


def residual_figure(evaluation: Evaluation, height: int = 320) -> go.Figure:
    """Residuals (actual - predicted) against the prediction; a pattern around the zero line is a missed trend."""
    actual, predicted = _regression_only(evaluation)
    return _scatter_with_guide(predicted, actual - predicted, _finite_span(predicted), [0.0, 0.0], "zero",
                               "predicted", "residual (actual − predicted)",
                               "predicted %{x:.3g}<br>residual %{y:.3g}<extra></extra>", height)


def history_figure(history: Sequence[dict[str, float]], metric: str, height: int = 320) -> go.Figure:
    """Loss (solid, left axis) and the metric (dotted, right axis) per epoch: training on the left panel,
    the test split on the right, as the Keras tutorials draw ``history.history``."""
    from plotly.subplots import make_subplots

    label = METRIC_LABELS.get(metric, metric)
    columns = history_arrays(history, ["epoch", "loss", "test_loss", metric, f"test_{metric}"])
    shown = _thinned(len(history))
    epochs = columns["epoch"][shown]
    has_metric = any(metric in record for record in history)
    figure = make_subplots(rows=1, cols=2, specs=[[{"secondary_y": True}, {"secondary_y": True}]],
                           subplot_titles=("Training", "Validation (test split)"), horizontal_spacing=0.14)
    for col, prefix, name, color in ((1, "", "train", TRAIN_COLOR), (2, "test_", "test", TEST_COLOR)):
        figure.add_trace({"type": "scatter", "x": epochs, "y": columns[f"{prefix}loss"][shown], "mode": "lines",
                          "name": f"{name} loss", "line": {"color": color, "width": 2}},
                         row=1, col=col, secondary_y=False)
        if has_metric:
            figure.add_trace({"type": "scatter", "x": epochs, "y": columns[f"{prefix}{metric}"][shown],
                              "mode": "lines", "name": f"{name} {label}",
                              "line": {"color": color, "width": 1.5, "dash": "dot"}},
                             row=1, col=col, secondary_y=True)
    metric_axis = {"range": [0, 1.02], "tickformat": ".0%", "tickvals": [0, 0.25, 0.5, 0.75, 1.0]} if metric == "accuracy" else {}
    # At least MIN_EPOCH_RANGE epochs wide, so that Plotly's ticks stay whole epochs after a step or two.
    figure.update_xaxes(**_AXIS, title=_title("epoch"), rangemode="tozero",
                        autorangeoptions={"include": [0, MIN_EPOCH_RANGE]})
    figure.update_yaxes(**_AXIS, title=_title("loss"), secondary_y=False)
    figure.update_yaxes(**_AXIS, title=_title(label), showgrid=False, secondary_y=True, **metric_axis)
    # The panels share their scales, so a gap between training and test loss reads at a glance.
    figure.update_layout(
        _layout(height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, uirevision="history",
                legend={"orientation": "h", "y": -0.25, "x": 0, "font": {"size": 10}}),
        yaxis3={"matches": "y"}, yaxis4={"matches": "y2"},
    )
    return figure


def _capped(names: Sequence[str], values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Names and values sorted by size, largest first; past MAX_BARS, the smallest are summed into one bar."""
    order = np.argsort(-np.abs(values), kind="stable")
    names, values = [str(names[index]) for index in order], values[order]
    if len(values) <= MAX_BARS:
        return names, values
    kept = MAX_BARS - 1
    rest = len(values) - kept
    return names[:kept] + [f"other {rest} features"], np.append(values[:kept], values[kept:].sum())


def attribution_figure(names: Sequence[str], values: Sequence[float], height: int | None = None) -> go.Figure:
    """Per-feature contributions as horizontal bars, largest in size at the top; blue adds, orange takes away."""
    values = np.asarray(values, dtype=float).ravel()
    if len(names) != len(values):
        raise ValueError(f"{len(names)} names for {len(values)} values")
    bar_names, bar_values = _capped(names, np.nan_to_num(values))
    trace = {
        "type": "bar", "orientation": "h", "x": bar_values, "y": bar_names,
        "marker": {"color": [POSITIVE_COLOR if value >= 0 else NEGATIVE_COLOR for value in bar_values]},
        "hovertemplate": "%{y}: %{x:.3g}<extra></extra>",
    }
    layout = _layout(
        height if height is not None else 60 + 22 * max(len(bar_values), 1), showlegend=False,
        xaxis={**_AXIS, "title": _title("contribution"), "zeroline": True, "zerolinecolor": "#999"},
        # Category order follows the data; reversed puts the first (largest) bar at the top.
        yaxis={**_AXIS, "autorange": "reversed", "showgrid": False, "type": "category"},
        bargap=0.25,
    )
    return go.Figure({"data": [trace], "layout": layout})
