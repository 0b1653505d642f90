"""Activation functions as Keras computes them: values, derivatives (by tf.GradientTape), softmax, and figures.

Everything is computed with the very functions the Playground's layers use (``model.activation_function``), so
the page shows what Keras computes, not a textbook re-implementation. The closed forms live in the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np
import plotly.graph_objects as go
import tensorflow as tf

from playground.options import ACTIVATIONS
from playground.training.model import activation_function
from playground.views.colors import CLASS_COLORS


@dataclass(frozen=True)
class ActivationInfo:
    """What the page says about one activation: its formula and derivative (LaTeX), range and typical use."""

    label: str
    formula: str
    derivative: str
    output_range: str
    usage: str


ACTIVATION_INFO: dict[str, ActivationInfo] = {
    "linear": ActivationInfo(
        "Linear", r"f(x) = x", r"f'(x) = 1", r"(-\infty, \infty)",
        "Output layer of a regression (predicting a number); in hidden layers it adds nothing, since a stack "
        "of linear layers is still linear."),
    "sigmoid": ActivationInfo(
        "Sigmoid", r"\sigma(x) = \frac{1}{1 + e^{-x}}", r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))", r"(0, 1)",
        "Output layer of a binary classification (a probability); in hidden layers it saturates and its "
        "derivative is at most 0.25, so deep stacks learn slowly."),
    "tanh": ActivationInfo(
        "Tanh", r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}", r"\tanh'(x) = 1 - \tanh^2(x)", r"(-1, 1)",
        "Hidden layers of small networks (TensorFlow Playground's default): zero-centred, but it saturates."),
    "relu": ActivationInfo(
        "ReLU", r"\mathrm{relu}(x) = \max(0, x)", r"\mathrm{relu}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0"
        r"\end{cases}", r"[0, \infty)",
        "The default for hidden layers: cheap, and it does not saturate for x > 0. Units stuck at x < 0 stop "
        "learning ('dead ReLU')."),
    "leaky_relu": ActivationInfo(
        "Leaky ReLU", r"f(x) = \begin{cases} x & x > 0 \\ 0.2\,x & x \le 0 \end{cases}",
        r"f'(x) = \begin{cases} 1 & x > 0 \\ 0.2 & x \le 0 \end{cases}", r"(-\infty, \infty)",
        "Hidden layers, when ReLU units die: the small negative slope (Keras's default 0.2) keeps a gradient."),
    "elu": ActivationInfo(
        "ELU", r"f(x) = \begin{cases} x & x > 0 \\ e^{x} - 1 & x \le 0 \end{cases}",
        r"f'(x) = \begin{cases} 1 & x > 0 \\ e^{x} & x \le 0 \end{cases}", r"(-1, \infty)",
        "Hidden layers: like ReLU, but smooth and with negative outputs, which keeps mean activations near 0."),
    "selu": ActivationInfo(
        "SELU", r"f(x) = \lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
        r"f'(x) = \lambda \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}"
        r"\quad \lambda \approx 1.0507,\ \alpha \approx 1.6733", r"(-\lambda\alpha, \infty) \approx (-1.76, \infty)",
        "Deep plain Dense stacks with lecun_normal initialisation: it keeps activations normalised by itself."),
    "softplus": ActivationInfo(
        "Softplus", r"f(x) = \ln(1 + e^{x})", r"f'(x) = \sigma(x)", r"(0, \infty)",
        "A smooth ReLU; also where a positive output is needed (a scale or a rate)."),
    "softsign": ActivationInfo(
        "Softsign", r"f(x) = \frac{x}{1 + |x|}", r"f'(x) = \frac{1}{(1 + |x|)^2}", r"(-1, 1)",
        "Like tanh but saturating more slowly (polynomially); rare in practice."),
    "gelu": ActivationInfo(
        "GELU", r"f(x) = x\,\Phi(x) = \frac{x}{2}\left(1 + \mathrm{erf}\frac{x}{\sqrt{2}}\right)",
        r"f'(x) = \Phi(x) + x\,\varphi(x)", r"[\approx -0.17, \infty)",
        "Hidden layers of Transformers (BERT, GPT): a smooth ReLU that lets small negative values through."),
    "swish": ActivationInfo(
        "Swish (SiLU)", r"f(x) = x\,\sigma(x)", r"f'(x) = \sigma(x) + x\,\sigma(x)\,(1 - \sigma(x))",
        r"[\approx -0.28, \infty)",
        "Hidden layers of deep image models (EfficientNet): smooth, non-monotonic, often a little better than ReLU."),
    "mish": ActivationInfo(
        "Mish", r"f(x) = x \tanh(\ln(1 + e^{x}))",
        r"f'(x) = \tanh(\mathrm{sp}(x)) + x\,\sigma(x)\,(1 - \tanh^2(\mathrm{sp}(x)))", r"[\approx -0.31, \infty)",
        "Hidden layers of some detection models (YOLOv4): close to swish."),
    "binary_step": ActivationInfo(
        "Binary step", r"f(x) = \begin{cases} 1 & x \ge 0 \\ 0 & x < 0 \end{cases}",
        r"f'(x) = 0 \quad (x \ne 0;\ \text{undefined at } 0)", r"\{0, 1\}",
        "The perceptron's threshold. Its derivative is 0 everywhere, so no gradient flows back through it: "
        "layers before it never learn by gradient descent. Historical, not for training."),
}

# Where each output activation belongs (the tutorials' cheat sheet).
OUTPUT_CHEAT_SHEET = (
    ("Binary classification (yes / no)", "sigmoid", "binary cross-entropy"),
    ("Several classes, one label each", "softmax", "categorical cross-entropy"),
    ("Several labels that can all be true", "sigmoid (one per label)", "binary cross-entropy"),
    ("Regression (any number)", "linear", "mean squared error"),
    ("Regression (positive number)", "softplus or relu", "mean squared error"),
    ("Hidden layers", "relu (or leaky relu, elu, gelu, swish; tanh in small nets)", "–"),
)

# One colour per activation, so an activation keeps its colour whichever others are overlaid.
PALETTE = CLASS_COLORS + ["#7f7f7f", "#637939", "#843c39"]
ACTIVATION_COLORS = {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(ACTIVATIONS)}

MAX_VECTOR_LENGTH = 12
MIN_TEMPERATURE = 0.01


def values_and_derivatives(name: str, inputs) -> tuple[np.ndarray, np.ndarray]:
    """The activation's values and derivatives at each input, as Keras computes them (float32).

    The derivative is taken by ``tf.GradientTape``: an activation is elementwise, so the gradient of the sum of
    outputs is each output's own derivative.
    """
    if name not in ACTIVATION_INFO:
        raise ValueError(f"unknown activation {name!r}; expected one of: {', '.join(ACTIVATIONS)}")
    points = tf.constant(np.asarray(inputs, dtype=np.float32))
    function = activation_function(name)
    with tf.GradientTape() as tape:
        tape.watch(points)
        outputs = function(points)
    derivatives = tape.gradient(outputs, points)
    if derivatives is None:  # an output that does not depend on its input at all
        derivatives = tf.zeros_like(points)
    return np.asarray(outputs), np.asarray(derivatives)


def input_grid(low: float = -5.0, high: float = 5.0, count: int = 401) -> np.ndarray:
    """Evenly spaced inputs for a plot; an odd count puts a point exactly on 0 for symmetric ranges."""
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ValueError(f"input range must be finite with low < high, not ({low}, {high})")
    return np.linspace(low, high, count)


def softmax(vector, temperature: float = 1.0) -> np.ndarray:
    """``keras.activations.softmax(vector / temperature)``: probabilities that sum to 1.

    A low temperature sharpens the distribution towards the largest entry; a high one flattens it.
    """
    if not math.isfinite(temperature) or temperature < MIN_TEMPERATURE:
        raise ValueError(f"temperature must be at least {MIN_TEMPERATURE}, not {temperature}")
    scaled = np.asarray(vector, dtype=np.float32) / np.float32(temperature)
    return np.asarray(keras.activations.softmax(tf.constant(scaled[np.newaxis, :]), axis=-1))[0]


def parse_vector(text: str) -> tuple[np.ndarray | None, str | None]:
    """Numbers separated by commas or spaces: (vector, None), or (None, a message for the user)."""
    parts = [part for part in text.replace(",", " ").replace(";", " ").split() if part]
    if not parts:
        return None, "Type a few numbers separated by commas, e.g. 2, 1, 0.1."
    if len(parts) > MAX_VECTOR_LENGTH:
        return None, f"That is {len(parts)} numbers; use at most {MAX_VECTOR_LENGTH}."
    values = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            return None, f"{part!r} is not a number. Type numbers separated by commas, e.g. 2, 1, 0.1."
        if not math.isfinite(value) or abs(value) > 1e4:
            return None, f"{part!r} is out of range: use numbers between -10000 and 10000."
        values.append(value)
    return np.array(values), None


# ---- figures ----------------------------------------------------------------------------------------------
_AXIS = {"showline": True, "linecolor": "#ccc", "gridcolor": "#eee", "zeroline": True, "zerolinecolor": "#bbb"}
_LAYOUT = {"template": "none", "plot_bgcolor": "white", "paper_bgcolor": "white", "font": {"size": 12},
           "margin": {"l": 10, "r": 10, "t": 40, "b": 10}}


def activation_figure(names, inputs, *, show_derivatives: bool = True, height: int = 420) -> go.Figure:
    """Each activation as a solid line and its derivative as a dashed line of the same colour."""
    traces = []
    for name in names:
        values, derivatives = values_and_derivatives(name, inputs)
        color, label = ACTIVATION_COLORS[name], ACTIVATION_INFO[name].label
        traces.append({"type": "scatter", "x": inputs, "y": values, "name": label, "mode": "lines",
                       "legendgroup": name, "line": {"color": color, "width": 2.5}})
        if show_derivatives:
            traces.append({"type": "scatter", "x": inputs, "y": derivatives, "name": f"{label}′ (derivative)",
                           "mode": "lines", "legendgroup": name, "line": {"color": color, "width": 1.5,
                                                                          "dash": "dash"}})
    layout = {**_LAYOUT, "height": height,
              "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
              "xaxis": {**_AXIS, "title": {"text": "x (the unit's weighted sum)"}},
              "yaxis": {**_AXIS, "title": {"text": "f(x), f′(x)"}}}
    return go.Figure({"data": traces, "layout": layout})


def softmax_figure(vector, probabilities, *, height: int = 320) -> go.Figure:
    """The softmax of each entry as a bar, labelled with its input value and probability."""
    labels = [f"v{index + 1} = {value:g}" for index, value in enumerate(vector)]
    bars = {"type": "bar", "x": labels, "y": probabilities, "marker": {"color": CLASS_COLORS[1]},
            "text": [f"{probability:.1%}" for probability in probabilities], "textposition": "outside",
            "name": "softmax"}
    layout = {**_LAYOUT, "height": height, "showlegend": False,
              "xaxis": {**_AXIS, "title": {"text": "entry of v"}},
              "yaxis": {**_AXIS, "title": {"text": "probability"}, "range": [0, 1.12], "tickformat": ".0%"}}
    return go.Figure({"data": [bars], "layout": layout})
