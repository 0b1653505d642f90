"""The loss curve: train and test loss, with accuracy or R² on a second axis (Plotly)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

METRIC_LABELS = {"accuracy": "accuracy", "r2": "R²"}


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


def loss_figure(history: Sequence[dict[str, float]], metric: str, *, log_scale: bool = False,
                smoothing: float = 0.0, show_metric: bool = True, height: int = 260) -> go.Figure:
    """Train/test loss against epochs; the metric (dotted) on the right axis."""
    epochs = [record["epoch"] for record in history]
    figure = go.Figure()
    for key, name, color in (("loss", "train loss", "#333333"), ("test_loss", "test loss", "#0877bd")):
        figure.add_trace(go.Scatter(x=epochs, y=smooth([record[key] for record in history], smoothing),
                                    name=name, mode="lines", line={"color": color, "width": 2}))
    if show_metric and history and metric in history[0]:
        label = METRIC_LABELS.get(metric, metric)
        for key, name, color in ((metric, f"train {label}", "#333333"), (f"test_{metric}", f"test {label}",
                                                                          "#0877bd")):
            figure.add_trace(go.Scatter(x=epochs, y=smooth([record[key] for record in history], smoothing),
                                        name=name, mode="lines", yaxis="y2",
                                        line={"color": color, "width": 1.5, "dash": "dot"}))
    figure.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, uirevision="loss", template="none",
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "font": {"size": 10},
                "entrywidth": 0.5, "entrywidthmode": "fraction"},
        xaxis={"title": {"text": "epoch", "standoff": 4}, "rangemode": "tozero"},
        yaxis={"title": {"text": "loss", "standoff": 4}, "type": "log" if log_scale else "linear"},
        yaxis2={"title": {"text": METRIC_LABELS.get(metric, metric), "standoff": 4}, "overlaying": "y",
                "side": "right", "showgrid": False, "tickmode": "auto",
                "range": [0, 1.02] if metric == "accuracy" else None,
                "tickformat": ".0%" if metric == "accuracy" else None},
        plot_bgcolor="white", paper_bgcolor="white", font={"size": 11},
    )
    figure.update_xaxes(showline=True, linecolor="#ccc", gridcolor="#eee")
    figure.update_yaxes(showline=True, linecolor="#ccc", gridcolor="#eee")
    return figure
