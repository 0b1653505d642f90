r"""Backpropagation by hand for a small dense network, one training example, checked against Keras.

Each activation and each loss carries its derivative next to its forward definition (after micrograd). The
sign convention is the tutorials': the *error term* of a unit is δ = −∂L/∂z (z its weighted sum), so

    output error term  δ_o = −∂L/∂o · f'(z_o)             = (y − o) · o(1 − o) for sigmoid and ½(y − o)²
    hidden error term  δ_h = (Σ_k δ_k · w_hk) · f'(z_h)   = (δ_o · w_ho) · h(1 − h) for sigmoid
    gradient           ∂L/∂w = −δ · input,   ∂L/∂b = −δ
    weight step        Δw = learning rate · δ · input  (= −learning rate · ∂L/∂w: plain gradient descent)

Both losses average over the output units as Keras does; with one output, squared error is ½(y − o)² (half of
``keras.losses.MeanSquaredError``, so the ½ cancels the 2 of the derivative) and binary cross-entropy is
−[y log o + (1 − y) log(1 − o)] (``keras.losses.BinaryCrossentropy``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from string import Template

import numpy as np
import plotly.graph_objects as go

from playground.teaching.forward import Layer, Network, NeuronStep, latex_number
from playground.teaching.forward import neuron_symbol as _neuron_symbol


# ---- activations: forward and derivative side by side -------------------------------------------------------
@dataclass(frozen=True)
class Activation:
    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]  # f'(z) from z and a = f(z)
    derivative_latex: Template  # f'(z) written with $z and $a


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the same function as 1 / (1 + e^−z), without overflow


ACTIVATIONS: dict[str, Activation] = {
    activation.name: activation for activation in (
        Activation("sigmoid", _sigmoid, lambda z, a: a * (1.0 - a), Template("$a(1 - $a)")),
        Activation("tanh", np.tanh, lambda z, a: 1.0 - a**2, Template("1 - $a^2")),
        # ReLU's derivative at exactly 0 is taken as 0, as TensorFlow does.
        Activation("relu", lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(np.float64),
                   Template("[$z > 0]")),
        Activation("linear", lambda z: z, lambda z, a: np.ones_like(z), Template("1")),
        Activation("softplus", lambda z: np.logaddexp(0.0, z), lambda z, a: _sigmoid(z), Template(r"\sigma($z)")),
    )
}


# ---- losses: value and derivative side by side ---------------------------------------------------------------
@dataclass(frozen=True)
class Loss:
    name: str
    label: str
    value: Callable[[np.ndarray, np.ndarray], float]  # L(y, o), averaged over the output units
    gradient: Callable[[np.ndarray, np.ndarray], np.ndarray]  # ∂L/∂o
    latex: Template  # L written with $y and $o, for one output unit
    error_latex: Template  # −∂L/∂o with $y and $o, for one output unit


def _binary_crossentropy(y: np.ndarray, o: np.ndarray) -> float:
    return float(np.mean(-(y * np.log(o) + (1.0 - y) * np.log(1.0 - o))))


LOSSES: dict[str, Loss] = {
    loss.name: loss for loss in (
        Loss("squared_error", "Squared error ½(y − o)²",
             lambda y, o: float(np.mean(0.5 * (y - o) ** 2)),
             lambda y, o: (o - y) / y.size,
             Template(r"\tfrac{1}{2}($y - $o)^2"), Template("($y - $o)")),
        Loss("binary_crossentropy", "Binary cross-entropy",
             _binary_crossentropy,
             lambda y, o: (o - y) / (o * (1.0 - o)) / y.size,
             Template(r"-[$y \log $o + (1 - $y) \log(1 - $o)]"), Template(r"\frac{$y - $o}{$o(1 - $o)}")),
    )
}


# ---- the tutorial's default example ----------------------------------------------------------------------------
DEFAULT_INPUTS = (0.5, -0.2)
DEFAULT_TARGET = 0.6
DEFAULT_LEARNING_RATE = 0.5


def default_network(hidden_activation: str = "sigmoid", output_activation: str = "sigmoid") -> Network:
    """2 inputs, 2 sigmoid hidden units, 1 sigmoid output: the tutorial's weights, without its third input."""
    return Network((Layer(((0.5, -0.6), (0.1, -0.2)), (0.0, 0.0), hidden_activation),
                    Layer(((0.1,), (-0.3,)), (0.0,), output_activation)))


# ---- the trace -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackpropTrace:
    """Everything one backward pass computes, per layer (index 0 is the first layer after the inputs)."""

    network: Network
    inputs: np.ndarray
    target: np.ndarray
    loss_name: str
    learning_rate: float
    layer_inputs: list[np.ndarray]  # what each layer receives: the inputs, then each hidden layer's outputs
    weighted_sums: list[np.ndarray]  # z
    outputs: list[np.ndarray]  # a = f(z)
    loss: float
    loss_gradient: np.ndarray  # ∂L/∂o
    derivatives: list[np.ndarray]  # f'(z)
    upstream: list[np.ndarray]  # −∂L/∂a: −∂L/∂o for the outputs, Σ_k δ_k w_jk for hidden units
    error_terms: list[np.ndarray]  # δ = upstream · f'(z) = −∂L/∂z
    weight_gradients: list[np.ndarray]  # ∂L/∂W = −input ⊗ δ, shaped like the weights
    bias_gradients: list[np.ndarray]  # ∂L/∂b = −δ
    updated: Network  # weights after one step: W + learning rate · input ⊗ δ

    @property
    def prediction(self) -> np.ndarray:
        return self.outputs[-1]


def _check(network: Network, inputs: np.ndarray, target: np.ndarray, loss_name: str) -> None:
    if loss_name not in LOSSES:
        raise ValueError(f"Unknown loss {loss_name!r}: choose one of {', '.join(LOSSES)}.")
    for index, layer in enumerate(network.layers, start=1):
        if layer.activation not in ACTIVATIONS:
            raise ValueError(f"Layer {index}: backpropagation here supports {', '.join(ACTIVATIONS)}, "
                             f"not {layer.activation!r}.")
    if inputs.shape != (network.input_size,):
        raise ValueError(f"The network takes {network.input_size} inputs, not {inputs.size}.")
    if target.shape != (network.layers[-1].units,):
        raise ValueError(f"The network has {network.layers[-1].units} outputs, but {target.size} targets.")
    if loss_name == "binary_crossentropy" and not np.all((target >= 0) & (target <= 1)):
        raise ValueError("Binary cross-entropy needs targets between 0 and 1.")


def backprop_trace(network: Network, inputs: Sequence[float], target: Sequence[float] | float,
                   loss_name: str = "squared_error", learning_rate: float = DEFAULT_LEARNING_RATE) -> BackpropTrace:
    """Forward pass, loss, error terms from the output back, gradients and one gradient-descent step.

    Raises ValueError with a sentence for the user when the inputs cannot be worked through.
    """
    x = np.asarray(inputs, dtype=np.float64).reshape(-1)
    y = np.asarray(target, dtype=np.float64).reshape(-1)
    _check(network, x, y, loss_name)
    loss = LOSSES[loss_name]

    layer_inputs, sums, outputs, derivatives = [], [], [], []
    values = x
    for layer in network.layers:
        activation = ACTIVATIONS[layer.activation]
        z = values @ layer.weights + layer.biases
        a = activation.forward(z)
        layer_inputs.append(values)
        sums.append(z)
        outputs.append(a)
        derivatives.append(activation.derivative(z, a))
        values = a
    o = outputs[-1]
    if not np.all(np.isfinite(o)):
        raise ValueError("The output overflows: make the inputs or weights smaller.")
    if loss_name == "binary_crossentropy" and not np.all((o > 0) & (o < 1)):
        raise ValueError("Binary cross-entropy needs outputs strictly between 0 and 1: use a sigmoid output "
                         "(and weights small enough that it does not round to exactly 0 or 1).")

    loss_gradient = loss.gradient(y, o)
    count = len(network.layers)
    upstream: list[np.ndarray] = [np.empty(0)] * count
    error_terms: list[np.ndarray] = [np.empty(0)] * count
    upstream[-1] = -loss_gradient
    for index in reversed(range(count)):
        if index < count - 1:
            upstream[index] = network.layers[index + 1].weights @ error_terms[index + 1]
        error_terms[index] = upstream[index] * derivatives[index]
    weight_gradients = [-np.outer(layer_inputs[index], error_terms[index]) for index in range(count)]
    bias_gradients = [-error_terms[index] for index in range(count)]
    updated = Network(tuple(
        Layer(layer.weights - learning_rate * weight_gradient, layer.biases - learning_rate * bias_gradient,
              layer.activation)
        for layer, weight_gradient, bias_gradient in zip(network.layers, weight_gradients, bias_gradients,
                                                         strict=True)))
    return BackpropTrace(network=network, inputs=x, target=y, loss_name=loss_name,
                         learning_rate=float(learning_rate), layer_inputs=layer_inputs, weighted_sums=sums,
                         outputs=outputs, loss=loss.value(y, o), loss_gradient=loss_gradient,
                         derivatives=derivatives, upstream=upstream, error_terms=error_terms,
                         weight_gradients=weight_gradients, bias_gradients=bias_gradients, updated=updated)


# ---- writing it out --------------------------------------------------------------------------------------------
def unit_symbol(trace: BackpropTrace, layer: int, unit: int) -> str:
    return _neuron_symbol(layer, unit, is_output_layer=layer == len(trace.network.layers) - 1,
                          hidden_layer_count=len(trace.network.layers) - 1)


def input_symbol(trace: BackpropTrace, layer: int, source: int) -> str:
    """What feeds ``layer`` at position ``source``: x_i for the first layer, the previous layer's units after."""
    return f"x_{{{source}}}" if layer == 0 else unit_symbol(trace, layer - 1, source)


def weight_symbol(trace: BackpropTrace, layer: int, source: int | None, unit: int) -> str:
    """w^{(1)}_{0,1} links input 0 to unit 1 of layer 1; b^{(1)}_{1} is that unit's bias."""
    if source is None:
        return f"b^{{({layer + 1})}}_{{{unit}}}"
    return f"w^{{({layer + 1})}}_{{{source},{unit}}}"


def neuron_steps(trace: BackpropTrace) -> list[NeuronStep]:
    """The trace's forward pass in the forward page's terms, so ``forward.latex_for`` can write it out."""
    last = len(trace.network.layers) - 1
    return [NeuronStep(layer=index, unit=unit, inputs=tuple(trace.layer_inputs[index].tolist()),
                       weights=tuple(layer.weights[:, unit].tolist()), bias=float(layer.biases[unit]),
                       weighted_sum=float(trace.weighted_sums[index][unit]), activation=layer.activation,
                       output=float(trace.outputs[index][unit]), is_output_layer=index == last,
                       hidden_layer_count=last)
            for index, layer in enumerate(trace.network.layers) for unit in range(layer.units)]


def latex_loss(trace: BackpropTrace) -> str:
    r"""``L = \tfrac{1}{2}(y - o_0)^2 = \tfrac{1}{2}(0.6 - 0.4875)^2 = 0.006328``."""
    loss = LOSSES[trace.loss_name]
    last = len(trace.network.layers) - 1
    symbols = [loss.latex.substitute(y=f"y_{{{k}}}", o=unit_symbol(trace, last, k)) for k in range(trace.target.size)]
    numbers = [loss.latex.substitute(y=latex_number(y, wrap_negative=True), o=latex_number(o, wrap_negative=True))
               for y, o in zip(trace.target, trace.prediction, strict=True)]
    if trace.target.size == 1:
        return f"L = {symbols[0]} = {numbers[0]} = {latex_number(trace.loss)}"
    mean = rf"\tfrac{{1}}{{{trace.target.size}}}"
    return (f"L = {mean}[{' + '.join(symbols)}] = {mean}[{' + '.join(numbers)}] "
            f"= {latex_number(trace.loss)}")


def _derivative_latex(trace: BackpropTrace, layer: int, unit: int) -> tuple[str, str]:
    """f'(z) for one unit, with symbols and with numbers."""
    template = ACTIVATIONS[trace.network.layers[layer].activation].derivative_latex
    symbol = template.substitute(a=unit_symbol(trace, layer, unit), z=f"z_{{{unit_symbol(trace, layer, unit)}}}")
    numbers = template.substitute(a=latex_number(trace.outputs[layer][unit], wrap_negative=True),
                                  z=latex_number(trace.weighted_sums[layer][unit], wrap_negative=True))
    return symbol, numbers


def latex_error_term(trace: BackpropTrace, layer: int, unit: int) -> str:
    r"""``\delta_{o_0} = (y_0 - o_0) \cdot o_0(1 - o_0) = (0.6 - 0.49) \cdot 0.49(1 - 0.49) = 0.028`` at the
    output; ``\delta_{h_0} = (\delta_{o_0} w^{(2)}_{0,0}) \cdot h_0(1 - h_0) = ...`` in a hidden layer."""
    last = len(trace.network.layers) - 1
    derivative_symbol, derivative_numbers = _derivative_latex(trace, layer, unit)
    if layer == last:
        template = LOSSES[trace.loss_name].error_latex
        o = trace.prediction[unit]
        upstream_symbol = template.substitute(y=f"y_{{{unit}}}", o=unit_symbol(trace, layer, unit))
        upstream_numbers = template.substitute(y=latex_number(trace.target[unit], wrap_negative=True),
                                               o=latex_number(o, wrap_negative=True))
        if trace.target.size > 1:  # the loss averages over the outputs
            scale = rf"\tfrac{{1}}{{{trace.target.size}}}"
            upstream_symbol, upstream_numbers = scale + upstream_symbol, scale + upstream_numbers
    else:
        following = trace.network.layers[layer + 1]
        upstream_symbol = "(" + " + ".join(
            rf"\delta_{{{unit_symbol(trace, layer + 1, k)}}} {weight_symbol(trace, layer + 1, unit, k)}"
            for k in range(following.units)) + ")"
        upstream_numbers = "(" + " + ".join(
            rf"{latex_number(trace.error_terms[layer + 1][k], wrap_negative=k > 0)} \cdot "
            rf"{latex_number(following.weights[unit, k], wrap_negative=True)}"
            for k in range(following.units)) + ")"
    return (rf"\delta_{{{unit_symbol(trace, layer, unit)}}} = {upstream_symbol} \cdot {derivative_symbol} "
            rf"= {upstream_numbers} \cdot {derivative_numbers} = {latex_number(trace.error_terms[layer][unit])}")


@dataclass(frozen=True)
class ParameterStep:
    """One weight's (or bias's) gradient as its chain-rule product, and its update."""

    layer: int
    source: int | None  # the input position; None for the bias, whose "input" is 1
    unit: int
    value: float
    error_term: float
    input_value: float
    gradient: float  # −error_term · input_value
    step: float  # learning rate · error_term · input_value
    new_value: float


def parameter_steps(trace: BackpropTrace) -> list[ParameterStep]:
    """Every weight, then every bias, layer by layer from the inputs."""
    steps = []
    for index, layer in enumerate(trace.network.layers):
        for unit in range(layer.units):
            delta = float(trace.error_terms[index][unit])
            sources = [(source, float(trace.layer_inputs[index][source]), float(layer.weights[source, unit]),
                        float(trace.weight_gradients[index][source, unit])) for source in range(layer.input_size)]
            sources.append((None, 1.0, float(layer.biases[unit]), float(trace.bias_gradients[index][unit])))
            for source, input_value, value, gradient in sources:
                step = -trace.learning_rate * gradient
                steps.append(ParameterStep(layer=index, source=source, unit=unit, value=value, error_term=delta,
                                           input_value=input_value, gradient=gradient, step=step,
                                           new_value=value + step))
    return steps


def latex_gradient(trace: BackpropTrace, step: ParameterStep) -> str:
    r"""``\frac{\partial L}{\partial w} = -\delta_{h_0} \cdot x_0 = -(0.01) \cdot 0.5 = -0.005``."""
    name = weight_symbol(trace, step.layer, step.source, step.unit)
    delta = rf"\delta_{{{unit_symbol(trace, step.layer, step.unit)}}}"
    if step.source is None:
        return (rf"\frac{{\partial L}}{{\partial {name}}} = -{delta} = "
                rf"-{latex_number(step.error_term, wrap_negative=True)} = {latex_number(step.gradient)}")
    source = input_symbol(trace, step.layer, step.source)
    return (rf"\frac{{\partial L}}{{\partial {name}}} = -{delta} \cdot {source} = "
            rf"-{latex_number(step.error_term, wrap_negative=True)} \cdot "
            rf"{latex_number(step.input_value, wrap_negative=True)} = {latex_number(step.gradient)}")


def latex_update(trace: BackpropTrace, step: ParameterStep) -> str:
    r"""``\Delta w = \eta \, \delta \, x = 0.5 \cdot 0.01 \cdot 0.5 = 0.0025, \quad w \leftarrow 0.5 + 0.0025``."""
    name = weight_symbol(trace, step.layer, step.source, step.unit)
    delta = rf"\delta_{{{unit_symbol(trace, step.layer, step.unit)}}}"
    rate = latex_number(trace.learning_rate)
    if step.source is None:
        product = rf"\eta \, {delta} = {rate} \cdot {latex_number(step.error_term, wrap_negative=True)}"
    else:
        product = (rf"\eta \, {delta} \, {input_symbol(trace, step.layer, step.source)} = {rate} \cdot "
                   rf"{latex_number(step.error_term, wrap_negative=True)} \cdot "
                   rf"{latex_number(step.input_value, wrap_negative=True)}")
    return (rf"\Delta {name} = {product} = {latex_number(step.step)}, \quad {name} \leftarrow "
            rf"{latex_number(step.value)} + {latex_number(step.step, wrap_negative=True)} "
            rf"= {latex_number(step.new_value)}")


# ---- the loss, step by step ----------------------------------------------------------------------------------
MIN_STEP_RANGE = 10  # as the live loss chart's epochs: Plotly's automatic ticks on 10 or more steps are whole


def loss_history_figure(losses: Sequence[float], *, height: int = 220) -> go.Figure:
    """The example's loss after each "Next step" (step 0 is the loss before any update)."""
    trace = {"type": "scatter", "x": np.arange(len(losses)), "y": np.asarray(losses, dtype=float),
             "mode": "lines+markers", "name": "loss", "line": {"color": "#0877bd", "width": 2},
             "marker": {"size": 5}, "cliponaxis": False, "hovertemplate": "step %{x}: loss %{y:.6g}<extra></extra>"}
    axis = {"showline": True, "linecolor": "#ccc", "gridcolor": "#eee", "zeroline": False, "automargin": True}
    layout = {"template": "none", "plot_bgcolor": "white", "paper_bgcolor": "white", "font": {"size": 12},
              "height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "showlegend": False,
              "xaxis": {**axis, "title": {"text": "step"}, "rangemode": "tozero", "tickformat": "d",
                        "autorangeoptions": {"include": [0, MIN_STEP_RANGE]}},
              # Six significant digits at most, trailing zeros dropped: "0", "0.002", never "0.000000".
              "yaxis": {**axis, "title": {"text": "loss"}, "rangemode": "tozero", "tickformat": "~g"}}
    return go.Figure({"data": [trace], "layout": layout})
