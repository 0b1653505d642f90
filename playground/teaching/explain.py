"""Explain one prediction with integrated gradients (Sundararajan, Taly and Yan, 2017).

Each feature's attribution is ``(x_i - baseline_i)`` times the average gradient of the explained output along
the straight path from the baseline to ``x``. The attributions add up to ``f(x) - f(baseline)`` (completeness),
up to the error of the numerical integral, which ``Attribution.completeness_gap`` reports.

The default baseline is all zeros, which for standardised tabular features is the training mean: "how does
this row's prediction differ from that of an average row, and which features account for it?"

TensorFlow is imported inside the functions: importing it takes seconds, and the page must not wait for it
before its first paint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras

    from playground.spec import RunSpec


@dataclass(frozen=True)
class Attribution:
    """Integrated-gradients attributions of one prediction."""

    values: np.ndarray  # (n_inputs,) each feature's contribution to prediction - baseline_prediction
    prediction: float  # the explained output at x
    baseline_prediction: float  # the explained output at the baseline

    @property
    def completeness_gap(self) -> float:
        """How far the attributions miss adding up to the change in prediction (integration error)."""
        return abs(float(np.sum(self.values)) - (self.prediction - self.baseline_prediction))


def output_gradients(model: keras.Model, points: np.ndarray, output_index: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The model's output ``output_index`` at each row of ``points`` (n,) and its gradient there (n, n_inputs).

    One batched model call; rows do not interact (no batch statistics, and dropout is off with
    ``training=False``), so the gradient of the batch's sum is every row's own gradient.
    """
    import tensorflow as tf

    points = tf.convert_to_tensor(np.asarray(points, dtype=np.float32))
    output_units = int(model.outputs[0].shape[-1])
    if not 0 <= output_index < output_units:
        raise ValueError(f"output_index {output_index} is outside the model's {output_units} output(s)")
    with tf.GradientTape() as tape:
        tape.watch(points)
        chosen = model(points, training=False)[:, output_index]
    gradients = tape.gradient(chosen, points)
    return chosen.numpy().astype(np.float64), gradients.numpy().astype(np.float64)


def integrated_gradients(model: keras.Model, x: np.ndarray, baseline: np.ndarray | None = None,
                         output_index: int = 0, steps: int = 64) -> Attribution:
    """Integrated gradients of output ``output_index`` at the input row ``x``.

    The path integral uses the trapezoidal rule over ``steps`` equal intervals (``steps + 1`` points, all
    evaluated in one model call).
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, not {steps}")
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    baseline = np.zeros_like(x) if baseline is None else np.asarray(baseline, dtype=np.float64).reshape(-1)
    input_count = int(model.inputs[0].shape[-1])
    if x.size != input_count or baseline.size != input_count:
        raise ValueError(f"the model takes {input_count} inputs; x has {x.size} and the baseline {baseline.size}")
    alphas = np.linspace(0.0, 1.0, steps + 1)
    path = baseline[None, :] + alphas[:, None] * (x - baseline)[None, :]
    path[0], path[-1] = baseline, x  # exact end points, so the predictions are those at baseline and x
    outputs, gradients = output_gradients(model, path, output_index)
    # Trapezoidal rule: the mean of the two ends of each interval, averaged over the intervals.
    average_gradient = (gradients[:-1] + gradients[1:]).sum(axis=0) / (2 * steps)
    return Attribution(values=(x - baseline) * average_gradient, prediction=float(outputs[-1]),
                       baseline_prediction=float(outputs[0]))


def explained_output(problem: str, outputs_row: np.ndarray) -> int:
    """Which output to explain: the single one for binary and regression, the predicted class for multi-class."""
    if problem == "multiclass":
        return int(np.argmax(np.asarray(outputs_row).reshape(-1)))
    return 0


def load_weights(model: keras.Model, weights: Sequence[np.ndarray]) -> keras.Model:
    """Set the Dense layers' kernels and biases from a flat (W1, b1, W2, b2, ...) tuple, as
    ``Engine.weights()`` publishes them; returns the model. Reusing one model across snapshots avoids
    rebuilding a Keras graph for every epoch."""
    from playground.training.model import dense_layers

    layers = dense_layers(model)
    if len(weights) != 2 * len(layers):
        raise ValueError(f"the model has {len(layers)} Dense layers, so it needs {2 * len(layers)} arrays "
                         f"(kernel and bias of each), not {len(weights)}")
    for index, layer in enumerate(layers):
        # set_weights checks the shapes and raises ValueError when they differ.
        layer.set_weights([np.asarray(weights[2 * index]), np.asarray(weights[2 * index + 1])])
    return model


def model_from_weights(spec: RunSpec, input_count: int, output_units: int,
                       weights: Sequence[np.ndarray]) -> keras.Model:
    """The spec's model with the given weights (a training snapshot) in place of its initial ones."""
    from playground.training.model import build_model

    return load_weights(build_model(spec, input_count, output_units), weights)
