"""Gradient descent on a cost surface you can see: the squared error of y = w·x + b over (w, b).

A small data set (generated from a seed) fixes the surface; real Keras optimisers (SGD, SGD with momentum,
Adam) then step two ``keras.Variable``s down it, each gradient taken by ``tf.GradientTape``. Each path is
returned as a list of (w, b, loss), with whether it diverged. The inputs lie in [0, 2] rather than around 0
on purpose: w and b are then correlated, the valley is long and narrow, and plain SGD zig-zags across it,
which is what momentum and Adam are for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np
import plotly.graph_objects as go
import tensorflow as tf

from playground.views.colors import BLUE, ORANGE

OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "SGD + momentum 0.9", "adam": "Adam"}
OPTIMIZER_COLORS = {"sgd": ORANGE, "momentum": "#2ca02c", "adam": BLUE}
MAX_STEPS = 500


@dataclass(frozen=True)
class FitData:
    """Points (x, y) from y = true_weight·x + true_bias + noise: the data whose squared error is the surface."""

    x: np.ndarray
    y: np.ndarray
    true_weight: float
    true_bias: float


@dataclass(frozen=True)
class View:
    """The (w, b) window drawn; paths that leave it are clipped at its edge."""

    weight_range: tuple[float, float] = (-3.0, 5.0)
    bias_range: tuple[float, float] = (-4.0, 4.0)


@dataclass(frozen=True)
class DescentPath:
    """One optimiser's walk: the start and each step's (w, b, loss), and whether (and how) it diverged."""

    optimizer: str
    learning_rate: float
    points: list[tuple[float, float, float]]
    steps_requested: int
    diverged: bool
    overflowed: bool  # the loss became infinite (or NaN) and the walk stopped there

    @property
    def label(self) -> str:
        return OPTIMIZER_LABELS[self.optimizer]

    @property
    def losses(self) -> np.ndarray:
        return np.array([loss for _, _, loss in self.points])

    @property
    def final_loss(self) -> float:
        return self.points[-1][2]

    @property
    def loss_change(self) -> float:
        """Final loss minus starting loss: negative when the walk went downhill."""
        return self.final_loss - self.points[0][2]

    @property
    def overshot(self) -> bool:
        """The loss went up on at least one step: the step jumped past the valley floor."""
        return bool(np.any(np.diff(self.losses) > 0))

    @property
    def message(self) -> str | None:
        """A sentence for the student when the walk went wrong; None when the loss came down."""
        first = self.points[0][2]
        if self.overflowed:
            return (f"{self.label} diverged: the loss grew from {first:.3g} to infinity at step "
                    f"{len(self.points)} of {self.steps_requested} (learning rate {self.learning_rate:g} is "
                    "too large; each step lands further up the other side of the valley).")
        if self.diverged:
            return (f"{self.label} diverged: the loss grew from {first:.3g} to {self.final_loss:.3g} in "
                    f"{self.steps_requested} steps (learning rate {self.learning_rate:g} is too large).")
        return None


def make_data(seed: int = 0, count: int = 24, true_weight: float = 1.5, true_bias: float = -0.5,
              noise: float = 0.3) -> FitData:
    """``count`` points with x uniform in [0, 2] and y = true_weight·x + true_bias + Gaussian noise."""
    generator = np.random.default_rng(seed)
    x = generator.uniform(0.0, 2.0, count)
    y = true_weight * x + true_bias + generator.normal(0.0, noise, count)
    return FitData(x=x, y=y, true_weight=true_weight, true_bias=true_bias)


def loss_at(data: FitData, weight, bias) -> np.ndarray:
    """Mean squared error of y = w·x + b at one (w, b) or at arrays of them (broadcast), in float64."""
    weight = np.asarray(weight, dtype=float)[..., np.newaxis]
    bias = np.asarray(bias, dtype=float)[..., np.newaxis]
    return np.mean((weight * data.x + bias - data.y) ** 2, axis=-1)


def best_fit(data: FitData) -> tuple[float, float, float]:
    """The surface's lowest point (w*, b*, loss*) by least squares."""
    design = np.column_stack([data.x, np.ones_like(data.x)])
    (weight, bias), *_ = np.linalg.lstsq(design, data.y, rcond=None)
    return float(weight), float(bias), float(loss_at(data, weight, bias))


def sgd_stability_limit(data: FitData) -> float:
    """The largest learning rate at which plain gradient descent still converges: 2 / λ_max.

    λ_max is the largest eigenvalue of the loss's Hessian, 2·[[mean x², mean x], [mean x, 1]] (the surface is a
    quadratic bowl, so the Hessian is the same everywhere): the curvature of the steepest direction.
    """
    hessian = 2.0 * np.array([[np.mean(data.x**2), np.mean(data.x)], [np.mean(data.x), 1.0]])
    return float(2.0 / np.linalg.eigvalsh(hessian).max())


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """A fresh Keras optimiser (its slots start empty): 'sgd', 'momentum' (SGD, momentum 0.9) or 'adam'."""
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate)
    if name == "momentum":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=learning_rate)
    raise ValueError(f"unknown optimizer {name!r}; expected one of: {', '.join(OPTIMIZER_LABELS)}")


def descent_path(data: FitData, optimizer: str, start: tuple[float, float], learning_rate: float,
                 steps: int) -> DescentPath:
    """Walk ``steps`` optimiser steps from ``start`` = (w, b); stops early if the loss overflows.

    It counts as diverged when the loss overflowed or ended above where it started.
    """
    if not (math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning rate must be a positive number, not {learning_rate}")
    if not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be between 0 and {MAX_STEPS}, not {steps}")
    if not all(math.isfinite(value) for value in start):
        raise ValueError(f"start must be two finite numbers, not {start}")
    keras_optimizer = make_optimizer(optimizer, learning_rate)
    weight = keras.Variable(float(start[0]), dtype="float32", name="w")
    bias = keras.Variable(float(start[1]), dtype="float32", name="b")
    x = tf.constant(data.x, dtype=tf.float32)
    y = tf.constant(data.y, dtype=tf.float32)

    def loss_and_gradients():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(weight * x + bias - y))
        return float(loss), tape.gradient(loss, [weight, bias])

    loss, gradients = loss_and_gradients()
    points = [(float(start[0]), float(start[1]), loss)]
    overflowed = False
    for _ in range(steps):
        keras_optimizer.apply_gradients(zip(gradients, [weight, bias], strict=True))
        loss, gradients = loss_and_gradients()
        point = (float(weight.numpy()), float(bias.numpy()), loss)
        if not all(math.isfinite(value) for value in point):
            overflowed = True
            break
        points.append(point)
    diverged = overflowed or points[-1][2] > points[0][2]
    return DescentPath(optimizer=optimizer, learning_rate=float(learning_rate), points=points,
                       steps_requested=steps, diverged=diverged, overflowed=overflowed)


def compare_optimizers(data: FitData, start: tuple[float, float], learning_rate: float, steps: int,
                       optimizers=tuple(OPTIMIZER_LABELS)) -> list[DescentPath]:
    """The same start, learning rate and step count for each optimiser."""
    return [descent_path(data, name, start, learning_rate, steps) for name in optimizers]


def loss_surface(data: FitData, view: View = View(), resolution: int = 81):
    """(weights, biases, losses): two axes and the loss on their grid, losses[i, j] at (weights[j], biases[i])."""
    weights = np.linspace(*view.weight_range, resolution)
    biases = np.linspace(*view.bias_range, resolution)
    losses = loss_at(data, weights[np.newaxis, :], biases[:, np.newaxis])
    return weights, biases, losses


# ---- figures ----------------------------------------------------------------------------------------------
_AXIS = {"showline": True, "linecolor": "#ccc", "gridcolor": "#eee", "zeroline": False}
_LAYOUT = {"template": "none", "plot_bgcolor": "white", "paper_bgcolor": "white", "font": {"size": 12},
           "margin": {"l": 10, "r": 10, "t": 40, "b": 10}}


def _clipped(values, bounds: tuple[float, float]) -> np.ndarray:
    """Coordinates held within a generous margin of the view: a diverging path reaches 1e30 and beyond, which
    would only stretch the drawing; Plotly clips the rest at the view's edge."""
    low, high = bounds
    margin = 5 * (high - low)
    return np.clip(np.asarray(values, dtype=float), low - margin, high + margin)


def surface_figure(data: FitData, paths: list[DescentPath], view: View = View(), *,
                   height: int = 520) -> go.Figure:
    """Contours of log₁₀(loss) over (w, b), the lowest point, and each optimiser's path as dots and lines."""
    weights, biases, losses = loss_surface(data, view)
    best_weight, best_bias, _ = best_fit(data)
    # The loss spans orders of magnitude; log contours show the valley floor as well as the walls.
    traces = [{"type": "contour", "x": weights, "y": biases, "z": np.log10(losses), "colorscale": "Greys",
               "reversescale": True, "opacity": 0.75, "ncontours": 24, "showscale": True,
               "colorbar": {"title": {"text": "log₁₀ loss"}, "thickness": 12},
               "customdata": losses, "hovertemplate": "w=%{x:.2f}<br>b=%{y:.2f}<br>loss=%{customdata:.3g}"
                                                      "<extra></extra>"},
              {"type": "scatter", "x": [best_weight], "y": [best_bias], "mode": "markers", "name": "minimum",
               "marker": {"symbol": "star", "size": 14, "color": "#d62728"}}]
    for path in paths:
        points = np.array(path.points)
        traces.append({"type": "scatter", "x": _clipped(points[:, 0], view.weight_range),
                       "y": _clipped(points[:, 1], view.bias_range), "mode": "lines+markers", "name": path.label,
                       "customdata": points, "line": {"color": OPTIMIZER_COLORS[path.optimizer], "width": 2},
                       "marker": {"size": 5},
                       "hovertemplate": f"{path.label}<br>w=%{{customdata[0]:.3g}}<br>b=%{{customdata[1]:.3g}}"
                                        "<br>loss=%{customdata[2]:.3g}<extra></extra>"})
    if paths:
        start_weight, start_bias, _ = paths[0].points[0]
        traces.append({"type": "scatter", "x": [start_weight], "y": [start_bias], "mode": "markers",
                       "name": "start", "marker": {"symbol": "circle-open", "size": 14, "color": "black",
                                                   "line": {"width": 2}}})
    layout = {**_LAYOUT, "height": height,
              "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
              "xaxis": {**_AXIS, "title": {"text": "weight w"}, "range": list(view.weight_range)},
              "yaxis": {**_AXIS, "title": {"text": "bias b"}, "range": list(view.bias_range)}}
    return go.Figure({"data": traces, "layout": layout})


def loss_curve_figure(paths: list[DescentPath], *, log_scale: bool = True, height: int = 320) -> go.Figure:
    """The loss after each step for each optimiser (step 0 is the start)."""
    traces = [{"type": "scatter", "x": np.arange(len(path.points)), "y": path.losses, "mode": "lines",
               "name": path.label, "line": {"color": OPTIMIZER_COLORS[path.optimizer], "width": 2}}
              for path in paths]
    layout = {**_LAYOUT, "height": height,
              "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
              "xaxis": {**_AXIS, "title": {"text": "step"}, "rangemode": "tozero"},
              "yaxis": {**_AXIS, "title": {"text": "loss"}, "type": "log" if log_scale else "linear"}}
    return go.Figure({"data": traces, "layout": layout})


def data_figure(data: FitData, paths: list[DescentPath], *, height: int = 320) -> go.Figure:
    """The data points and the line each optimiser ended on."""
    line_x = np.array([data.x.min(), data.x.max()])
    traces = [{"type": "scatter", "x": data.x, "y": data.y, "mode": "markers", "name": "data",
               "marker": {"color": "#333333", "size": 7}}]
    for path in paths:
        weight, bias, _ = path.points[-1]
        traces.append({"type": "scatter", "x": line_x, "y": weight * line_x + bias, "mode": "lines",
                       "name": f"{path.label}: y = {weight:.2f}·x {bias:+.2f}",
                       "line": {"color": OPTIMIZER_COLORS[path.optimizer], "width": 2}})
    y_low, y_high = data.y.min(), data.y.max()
    pad = 0.5 * (y_high - y_low)
    layout = {**_LAYOUT, "height": height,
              "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
              "xaxis": {**_AXIS, "title": {"text": "x"}},
              "yaxis": {**_AXIS, "title": {"text": "y"}, "range": [y_low - pad, y_high + pad]}}
    return go.Figure({"data": traces, "layout": layout})
