"""The loss curve: train and test loss, with accuracy or R² on a second axis (Plotly)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

METRIC_LABELS = {"accuracy": "accuracy", "r2": "R²"}
SHORT_LABELS = {"accuracy": "acc."}
MAX_POINTS = 500  # longer histories are thinned for drawing (every k-th epoch, always the last)
TRAIN_COLOR, TEST_COLOR = "#333333", "#0877bd"
# The epoch axis always reaches this far: Plotly puts at most 10 ticks on an axis and rounds their spacing up, so
# a range of 10 or more never gets a tick between two epochs (one Step alone would be labelled 0, 0.5, 1).
MIN_EPOCH_RANGE = 10


def smooth(values: Sequence[float], weight: float) -> np.ndarray:
    """Exponential moving average (TensorBoard's smoothing); weight 0 returns the values unchanged."""
    values = np.asarray(values, dtype=float)
    if weight <= 0 or len(values) == 0:
        return values
    smoothed = np.empty_like(values)
    last = values[0]
    for index, value in enumerate(values):
        last = last * weight + (1 - weight) * value if np.isfinite(value) else last
        smoothed[index] = last
    return smoothed


def history_arrays(history: Sequence[dict[str, float]], keys: Sequence[str]) -> dict[str, np.ndarray]:
    """Columns of the history as float arrays (missing values are NaN)."""
    return {key: np.fromiter((record.get(key, np.nan) for record in history), float, len(history))
            for key in keys}


def _thinned(length: int) -> np.ndarray:
    if length <= MAX_POINTS:
        return np.arange(length)
    step = int(np.ceil(length / MAX_POINTS))
    indices = np.arange(0, length, step)
    return indices if indices[-1] == length - 1 else np.append(indices, length - 1)


def loss_figure(history: Sequence[dict[str, float]], metric: str, *, log_scale: bool = False,
                smoothing: float = 0.0, show_metric: bool = True, height: int = 260) -> go.Figure:
    """Train/test loss against epochs; the metric (dotted) on the right axis.

    Traces are plain dicts of NumPy arrays: this figure is rebuilt 4 times a second while training, and
    Plotly's per-property validation of graph objects would cost more than everything else on the page.
    """
    label = METRIC_LABELS.get(metric, metric)
    columns = history_arrays(history, ["epoch", "loss", "test_loss", metric, f"test_{metric}"])
    shown = _thinned(len(history))
    epochs = columns["epoch"][shown]
    traces = [
        {"type": "scatter", "x": epochs, "y": smooth(columns[key], smoothing)[shown], "name": name,
         "mode": "lines", "line": {"color": color, "width": 2}}
        for key, name, color in (("loss", "train loss", TRAIN_COLOR), ("test_loss", "test loss", TEST_COLOR))
    ]
    if show_metric and history and metric in history[0]:
        traces += [
            {"type": "scatter", "x": epochs, "y": smooth(columns[key], smoothing)[shown], "name": name,
             "mode": "lines", "yaxis": "y2", "line": {"color": color, "width": 1.5, "dash": "dot"}}
            for key, name, color in ((metric, f"train {SHORT_LABELS.get(metric, label)}", TRAIN_COLOR),
                                     (f"test_{metric}", f"test {SHORT_LABELS.get(metric, label)}", TEST_COLOR))
        ]
    axis = {"showline": True, "linecolor": "#ccc", "gridcolor": "#eee", "zeroline": False}
    has_loss = bool(np.isfinite(columns["loss"]).any() or np.isfinite(columns["test_loss"]).any())
    # Autorange ignores autorangeoptions when there is no data at all (and shows loss -1 to 4), so the empty
    # chart gets fixed ranges: loss 0 to 1, or 0.1 to 1 on a log axis (ranged in powers of ten); once data
    # arrives, autorange is said explicitly so that a chart updated in place drops the fixed range.
    loss_range = {"autorange": True} if has_loss else {"range": [-1, 0] if log_scale else [0, 1]}
    layout = {
        "height": height, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "uirevision": "loss",
        "template": "none", "plot_bgcolor": "white", "paper_bgcolor": "white", "font": {"size": 11},
        "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "font": {"size": 10},
                   "entrywidth": 0.5, "entrywidthmode": "fraction"},
        "xaxis": {**axis, "title": {"text": "epoch", "standoff": 4}, "rangemode": "tozero", "automargin": True,
                  "autorangeoptions": {"include": [0, MIN_EPOCH_RANGE]},
                  **({"autorange": True} if has_loss else {"range": [0, MIN_EPOCH_RANGE]})},
        "yaxis": {**axis, "title": {"text": "loss", "standoff": 4}, "type": "log" if log_scale else "linear",
                  "automargin": True, **loss_range},
        "yaxis2": {**axis, "title": {"text": label, "standoff": 4}, "overlaying": "y", "side": "right",
                   "showgrid": False, "automargin": True,
                   **({"range": [0, 1.02], "tickformat": ".0%", "tickvals": [0, 0.25, 0.5, 0.75, 1.0]}
                      if metric == "accuracy" else {})},
    }
    return go.Figure({"data": traces, "layout": layout})


RUN_COLORS = ("#0877bd", "#f59322", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")


def overlay_figure(runs, key: str = "test_loss", *, log_scale: bool = False, height: int = 300) -> go.Figure:
    """One column of several runs' histories (e.g. test loss) against epochs, one line per run."""
    traces = []
    for index, run in enumerate(runs):
        columns = history_arrays(run.history, ["epoch", key])
        shown = _thinned(len(run.history))
        traces.append({"type": "scatter", "x": columns["epoch"][shown], "y": columns[key][shown], "name": run.label,
                       "mode": "lines", "line": {"color": RUN_COLORS[index % len(RUN_COLORS)], "width": 2}})
    axis = {"showline": True, "linecolor": "#ccc", "gridcolor": "#eee", "zeroline": False}
    label = key.replace("test_", "test ").replace("r2", "R²").replace("_", " ")
    layout = {"height": height, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "template": "none",
              "plot_bgcolor": "white", "paper_bgcolor": "white", "font": {"size": 11},
              "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
              "xaxis": {**axis, "title": {"text": "epoch"}, "rangemode": "tozero", "automargin": True,
                        "autorangeoptions": {"include": [0, MIN_EPOCH_RANGE]}},
              "yaxis": {**axis, "title": {"text": label}, "type": "log" if log_scale else "linear",
                        "automargin": True}}
    return go.Figure({"data": traces, "layout": layout})
