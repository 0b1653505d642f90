"""Matplotlib figures for export (course notes, slides): white background, sized to be legible in print.

Built on ``matplotlib.figure.Figure`` directly, never pyplot: no global state, no GUI backend touched.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from playground.data.points import DOMAIN
from playground.views import boundary, colors
from playground.views.curves import METRIC_LABELS

TRAIN_LINE_COLOR = "#333333"
FONT_SIZE = 10
LEGEND_FILL = "#9a9a9a"  # a neutral point colour for the train/test legend


def _series(history: Sequence[dict[str, float]], key: str) -> np.ndarray | None:
    """One column of the history as floats (missing entries NaN), or None when no record has it."""
    if not any(key in record for record in history):
        return None
    return np.array([record.get(key, np.nan) for record in history], dtype=float)


def loss_curve_figure(history: Sequence[dict[str, float]], metric: str, *, log_scale: bool = False,
                      title: str | None = None, figsize: tuple[float, float] = (6.0, 3.6)) -> Figure:
    """Train and test loss on the left axis, the metric (accuracy or R²) on a twin right axis, against epochs.

    As the live chart (``curves.loss_figure``): train dark, test blue; loss solid, the metric dotted.
    """
    figure = Figure(figsize=figsize, layout="constrained", facecolor="white")
    loss_axes = figure.add_subplot()
    metric_axes = loss_axes.twinx()
    epochs = _series(history, "epoch")
    epochs = epochs if epochs is not None else np.arange(len(history), dtype=float)
    label = METRIC_LABELS.get(metric, metric)
    lines = (
        (loss_axes, "loss", "train loss", TRAIN_LINE_COLOR, "-"),
        (loss_axes, "test_loss", "test loss", colors.BLUE, "-"),
        (metric_axes, metric, f"train {label}", TRAIN_LINE_COLOR, ":"),
        (metric_axes, f"test_{metric}", f"test {label}", colors.BLUE, ":"),
    )
    metric_series = []
    for axes, key, name, color, style in lines:
        values = _series(history, key)
        if values is not None:
            if axes is metric_axes:
                metric_series.append(values)
            axes.plot(epochs, values, color=color, linestyle=style, linewidth=1.8, label=name)
    loss_axes.set_xlabel("epoch", fontsize=FONT_SIZE)
    loss_axes.set_ylabel("loss", fontsize=FONT_SIZE)
    metric_axes.set_ylabel(label, fontsize=FONT_SIZE)
    if log_scale:
        loss_axes.set_yscale("log")
    if metric == "accuracy":
        metric_axes.set_ylim(0.0, 1.02)
    elif metric == "r2":
        # R² of an untrained network can be far below 0 and would flatten the rest; below -1 is cut off.
        finite = [values[np.isfinite(values)] for values in metric_series]
        lowest = min((float(values.min()) for values in finite if len(values)), default=0.0)
        metric_axes.set_ylim(max(lowest, -1.0) - 0.02, 1.02)
    loss_axes.set_xlim(left=0)
    loss_axes.grid(True, color="#e5e5e5", linewidth=0.8)
    if title:
        loss_axes.set_title(title, fontsize=FONT_SIZE + 1)
    handles = loss_axes.get_lines() + metric_axes.get_lines()
    if handles:
        # Above the axes: the falling loss and the rising metric leave no corner free inside them.
        figure.legend(handles=handles, loc="outside upper center", ncols=len(handles), frameon=False,
                      fontsize=FONT_SIZE - 1)
    return figure


def boundary_png_figure(output: np.ndarray, problem: str, points_train: np.ndarray, labels_train: np.ndarray,
                        points_test: np.ndarray | None = None, labels_test: np.ndarray | None = None, *,
                        discretize: bool = False, resolution: int = 100, title: str | None = None,
                        figsize: tuple[float, float] = (4.5, 4.5)) -> Figure:
    """The decision boundary for export: the output on the grid, the points on top (test points when given).

    Same colours as the live view (``boundary.output_image``): training points outlined in white, test points
    in dark grey.
    """
    figure = Figure(figsize=figsize, layout="constrained", facecolor="white")
    axes = figure.add_subplot()
    image = boundary.output_image(np.asarray(output), problem, discretize=discretize, resolution=resolution)
    axes.imshow(image, extent=(DOMAIN[0], DOMAIN[1], DOMAIN[0], DOMAIN[1]), origin="upper",
                interpolation="nearest" if discretize else "bilinear")
    point_sets = [(points_train, labels_train, boundary.TRAIN_OUTLINE, "train")]
    if points_test is not None and labels_test is not None and len(points_test):
        point_sets.append((points_test, labels_test, boundary.TEST_OUTLINE, "test"))
    for points, labels, outline, name in point_sets:
        points = np.asarray(points)
        fills = boundary.point_rgb(labels, problem) / 255.0
        axes.scatter(points[:, 0], points[:, 1], c=fills, s=18, edgecolors=outline, linewidths=0.7,
                     label=name)
    axes.set_xlim(DOMAIN)
    axes.set_ylim(DOMAIN)
    axes.set_aspect("equal")
    axes.set_xticks([-6, -3, 0, 3, 6])
    axes.set_yticks([-6, -3, 0, 3, 6])
    axes.set_xlabel("X₁", fontsize=FONT_SIZE)
    axes.set_ylabel("X₂", fontsize=FONT_SIZE)
    if len(point_sets) > 1:
        # Swatches show the outline (what tells train from test), on a grey frame where a white outline shows.
        handles = [Line2D([], [], linestyle="none", marker="o", markersize=6, markerfacecolor=LEGEND_FILL,
                          markeredgecolor=outline, markeredgewidth=1.2, label=name)
                   for _, _, outline, name in point_sets]
        axes.legend(handles=handles, loc="upper right", fontsize=FONT_SIZE - 2, facecolor=colors.GREY,
                    framealpha=0.9)
    if title:
        axes.set_title(title, fontsize=FONT_SIZE + 1)
    return figure


def figure_png(figure: Figure, dpi: int = 300) -> bytes:
    """The figure as PNG bytes (for st.download_button or a file)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()
