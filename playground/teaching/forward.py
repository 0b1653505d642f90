"""A forward pass worked neuron by neuron, with every activation computed by Keras itself.

The network is a plain dataclass (weights as (inputs, units) matrices, like ``keras.layers.Dense``'s kernel), so
the page can edit it number by number. ``forward_trace`` records each neuron's weighted sum and output;
``latex_for`` writes one step out with its numbers; ``keras_forward`` runs the same network as a Keras model,
which is how the tests (and the page) show the hand-worked numbers are Keras's numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np

from playground.training.model import activation_function
from playground.views.diagram_svg import diagram_svg
from playground.views.network_layout import layout_network

WORKED_EXAMPLE_INPUTS = (2.0, 3.0)
# The tutorials' example: hidden node_0 = (1, 1), node_1 = (-1, 1) (h0 and h1 on the page); output weights
# (2, -1); zero biases.
WORKED_EXAMPLE_HIDDEN_WEIGHTS = ((1.0, -1.0), (1.0, 1.0))  # (inputs, units): column j is node_j's weights
WORKED_EXAMPLE_OUTPUT_WEIGHTS = ((2.0,), (-1.0,))
# Inputs (3, 2) make node_1's sum -1, so a ReLU there changes the output: the variant where ReLU matters.
RELU_MATTERS_INPUTS = (3.0, 2.0)


@dataclass(frozen=True)
class Layer:
    """One dense layer: ``weights[i, j]`` links input i to unit j; ``activation`` names a Keras activation."""

    weights: np.ndarray
    biases: np.ndarray
    activation: str = "linear"

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", np.array(self.weights, dtype=np.float64, ndmin=2))
        object.__setattr__(self, "biases", np.array(self.biases, dtype=np.float64, ndmin=1))
        if self.biases.shape != (self.weights.shape[1],):
            raise ValueError(f"{self.weights.shape[1]} units need {self.weights.shape[1]} biases, "
                             f"not {self.biases.shape[0]}")

    @property
    def input_size(self) -> int:
        return self.weights.shape[0]

    @property
    def units(self) -> int:
        return self.weights.shape[1]


@dataclass(frozen=True)
class Network:
    """Dense layers in order; each layer's input size is the previous layer's unit count."""

    layers: tuple[Layer, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers:
            raise ValueError("a network needs at least one layer")
        for index, (before, after) in enumerate(zip(self.layers, self.layers[1:], strict=False), start=1):
            if after.input_size != before.units:
                raise ValueError(f"layer {index + 1} takes {after.input_size} inputs, but layer {index} "
                                 f"has {before.units} units")

    @property
    def input_size(self) -> int:
        return self.layers[0].input_size

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Units per column of the drawing, the inputs first: (2, 2, 1) for the worked example."""
        return (self.input_size, *(layer.units for layer in self.layers))


def worked_example(hidden_activation: str = "linear", output_activation: str = "linear") -> Network:
    """The tutorials' 2-2-1 network: with inputs (2, 3) the hidden values are 5 and 1 and the output is 9."""
    return Network((Layer(WORKED_EXAMPLE_HIDDEN_WEIGHTS, (0.0, 0.0), hidden_activation),
                    Layer(WORKED_EXAMPLE_OUTPUT_WEIGHTS, (0.0,), output_activation)))


def starting_weight(layer: int, source: int, unit: int, layer_count: int) -> float:
    """The worked example's weight where it has one (first layer and output layer), else a small alternating
    value, so a grown network still computes something visible."""
    table = (WORKED_EXAMPLE_OUTPUT_WEIGHTS if layer == layer_count - 1
             else WORKED_EXAMPLE_HIDDEN_WEIGHTS if layer == 0 else ())
    if source < len(table) and unit < len(table[0]):
        return table[source][unit]
    return 0.5 if (source + unit) % 2 == 0 else -0.5


def activate(name: str, pre_activation: np.ndarray) -> np.ndarray:
    """Keras's own activation (``playground.training.model.activation_function``) applied in float64."""
    tensor = keras.ops.convert_to_tensor(np.asarray(pre_activation, dtype=np.float64), dtype="float64")
    return np.asarray(keras.ops.convert_to_numpy(activation_function(name)(tensor)), dtype=np.float64)


@dataclass(frozen=True)
class NeuronStep:
    """One neuron's computation: output = activation(Σ inputs · weights + bias)."""

    layer: int  # index into Network.layers: 0 is the first layer after the inputs
    unit: int
    inputs: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    weighted_sum: float
    activation: str
    output: float
    is_output_layer: bool = False
    hidden_layer_count: int = 1


def forward_trace(network: Network, inputs: Sequence[float]) -> list[NeuronStep]:
    """Every neuron's step, layer by layer, unit by unit (the order the page steps through them)."""
    values = np.asarray(inputs, dtype=np.float64).reshape(-1)
    if values.shape[0] != network.input_size:
        raise ValueError(f"the network takes {network.input_size} inputs, not {values.shape[0]}")
    steps: list[NeuronStep] = []
    last = len(network.layers) - 1
    for index, layer in enumerate(network.layers):
        sums = values @ layer.weights + layer.biases
        outputs = activate(layer.activation, sums)
        for unit in range(layer.units):
            steps.append(NeuronStep(layer=index, unit=unit, inputs=tuple(values.tolist()),
                                    weights=tuple(layer.weights[:, unit].tolist()), bias=float(layer.biases[unit]),
                                    weighted_sum=float(sums[unit]), activation=layer.activation,
                                    output=float(outputs[unit]), is_output_layer=index == last,
                                    hidden_layer_count=last))
        values = outputs
    return steps


def layer_outputs(steps: Sequence[NeuronStep]) -> list[np.ndarray]:
    """Each layer's outputs gathered from a trace: [hidden values, ..., output values]."""
    layers: dict[int, list[float]] = {}
    for step in steps:
        layers.setdefault(step.layer, []).append(step.output)
    return [np.array(layers[index]) for index in sorted(layers)]


def next_layer_position(steps: Sequence[NeuronStep], shown: int) -> int:
    """How many steps are shown after "Next layer": the rest of the layer being computed, or the whole next
    layer when the current one is complete."""
    if shown >= len(steps):
        return len(steps)
    layer = steps[shown].layer
    return max(index for index, step in enumerate(steps) if step.layer == layer) + 1


# ---- writing it out ---------------------------------------------------------------------------------------------
def latex_number(value: float, *, wrap_negative: bool = False) -> str:
    """Up to 4 significant digits, integers without a decimal point: 5, -1, 0.7311, 1.2e-05."""
    text = f"{value:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    if text == "-0":
        text = "0"
    return f"({text})" if wrap_negative and text.startswith("-") else text


def plain_number(value: float, *, wrap_negative: bool = False) -> str:
    """As ``latex_number``, for plain text (tooltips): 5, −1, (−1) inside a sum, 1.2e−05."""
    text = f"{value:.4g}".replace("-", "−")
    text = "0" if text == "−0" else text
    return f"({text})" if wrap_negative and text.startswith("−") else text


def hidden_unit_name(unit: int) -> str:
    """A hidden unit as the page's widgets and text call it: h0, h1 (h_0, h_1 in the formulas)."""
    return f"h{unit}"


def relu_matters_note() -> str:
    """Why ReLU changes the output for RELU_MATTERS_INPUTS, with the sum's numbers:
    "h1's sum is 3·(−1) + 2·1 = −1, which ReLU turns into 0." (the tutorials call that unit node_1)."""
    steps = forward_trace(worked_example("relu"), RELU_MATTERS_INPUTS)
    step = next(step for step in steps if not step.is_output_layer and step.weighted_sum < 0)
    terms = " + ".join(f"{plain_number(value, wrap_negative=position > 0)}·{plain_number(weight, wrap_negative=True)}"
                       for position, (value, weight) in enumerate(zip(step.inputs, step.weights, strict=True)))
    return (f"{hidden_unit_name(step.unit)}'s sum is {terms} = {plain_number(step.weighted_sum)}, "
            f"which ReLU turns into {plain_number(step.output)}.")


def markdown_math(latex: str) -> str:
    r"""A formula for ``st.markdown``: inline math, which KaTeX breaks after top-level relations, operators and
    ``\allowbreak`` when the column is too narrow. st.latex's display math never breaks: a trained network's
    long sums were cut off at the column's edge. ``\displaystyle`` keeps fractions and sums full size."""
    return f"$\\displaystyle {latex}$"


def latex_function(name: str) -> str:
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def neuron_symbol(layer: int, unit: int, *, is_output_layer: bool, hidden_layer_count: int) -> str:
    """h_0 for the hidden units of a one-hidden-layer net, h^{(2)}_0 in deeper ones, o_0 for the outputs."""
    if is_output_layer:
        return f"o_{{{unit}}}"
    return f"h_{{{unit}}}" if hidden_layer_count == 1 else f"h^{{({layer + 1})}}_{{{unit}}}"


def latex_for(step: NeuronStep) -> str:
    r"""``h_0 = \mathrm{relu}(2 \cdot 1 + 3 \cdot 1 + 0) = \mathrm{relu}(5) = 5``; a linear unit skips the
    function: ``o_0 = 5 \cdot 2 + 1 \cdot (-1) + 0 = 9``."""
    terms = [f"{latex_number(value, wrap_negative=position > 0)} \\cdot {latex_number(weight, wrap_negative=True)}"
             for position, (value, weight) in enumerate(zip(step.inputs, step.weights, strict=True))]
    bias = latex_number(step.bias)
    written = " + ".join(terms) + (f" - {bias[1:]}" if bias.startswith("-") else f" + {bias}")
    symbol = neuron_symbol(step.layer, step.unit, is_output_layer=step.is_output_layer,
                           hidden_layer_count=step.hidden_layer_count)
    if step.activation == "linear":
        return f"{symbol} = {written} = {latex_number(step.output)}"
    function = latex_function(step.activation)
    return (f"{symbol} = {function}({written}) = {function}({latex_number(step.weighted_sum)}) "
            f"= {latex_number(step.output)}")


# ---- the same network in Keras ------------------------------------------------------------------------------------
def keras_model(network: Network, dtype: str = "float64") -> keras.Model:
    """A functional Keras model whose Dense layers hold exactly the network's weights. float64 by default, so
    comparisons with the hand-worked numbers are not blurred by float32 rounding."""
    inputs = keras.Input(shape=(network.input_size,), dtype=dtype)
    outputs, values = [], inputs
    for layer in network.layers:
        dense = keras.layers.Dense(layer.units, activation=activation_function(layer.activation), dtype=dtype)
        values = dense(values)
        dense.set_weights([layer.weights, layer.biases])
        outputs.append(values)
    return keras.Model(inputs, outputs)


def keras_forward(network: Network, inputs: Sequence[float]) -> list[np.ndarray]:
    """Each layer's output as Keras computes it for one example: [hidden values, ..., output values]."""
    model = keras_model(network)
    batch = np.asarray(inputs, dtype=np.float64).reshape(1, -1)
    results = model(batch, training=False)
    return [np.asarray(keras.ops.convert_to_numpy(result))[0] for result in results]


# ---- drawing -----------------------------------------------------------------------------------------------------
DIAGRAM_SCALE = 70  # pixels per node slot: nodes large enough to hold a value


def network_svg(network: Network, *, labels: dict[tuple[int, int], str] | None = None,
                highlighted: tuple[int, int] | None = None, max_height: int = 300) -> str:
    """The net in the live page's drawing (links by weight, the tutorials' layer titles), keyed by (column, unit)
    with column 0 the inputs: ``labels`` are the values computed so far, written in the nodes; the
    ``highlighted`` neuron and its links are drawn in orange, each link with its weight."""
    weights = [array for layer in network.layers for array in (layer.weights, layer.biases)]
    layout = layout_network(network.layer_sizes, [layer.activation for layer in network.layers], weights,
                            input_labels=[f"x{index}" for index in range(network.input_size)],
                            output_labels=[f"o{unit}" for unit in range(network.layers[-1].units)])
    return diagram_svg(layout, max_height=max_height, values=labels, highlighted=highlighted, scale=DIAGRAM_SCALE)


# ---- a network trained on the Playground page -------------------------------------------------------------------
def network_from_weights(weights: Sequence[np.ndarray], activations: Sequence[str]) -> Network:
    """The Playground's trained network (``Snapshot.weights``: W1, b1, ..., W_out, b_out) as a Network; one
    activation per Dense layer, the output's last."""
    if len(weights) != 2 * len(activations):
        raise ValueError(f"{len(weights) // 2} layers of weights for {len(activations)} activations")
    return Network(tuple(Layer(weights[2 * index], weights[2 * index + 1], activation)
                         for index, activation in enumerate(activations)))


def latex_layer(steps: Sequence[NeuronStep], layer: int, max_values: int = 8) -> str:
    r"""A whole layer as a vector: ``h^{(1)} = \mathrm{tanh}(W^{(1)} x + b^{(1)}) = [0.12, -0.5, \ldots]``."""
    chosen = [step for step in steps if step.layer == layer]
    first = chosen[0]
    symbol = "o" if first.is_output_layer else ("h" if first.hidden_layer_count == 1 else f"h^{{({layer + 1})}}")
    source = "x" if layer == 0 else ("h" if first.hidden_layer_count == 1 else f"h^{{({layer})}}")
    affine = f"W^{{({layer + 1})}} {source} + b^{{({layer + 1})}}"
    values = r", \allowbreak ".join(latex_number(step.output) for step in chosen[:max_values])
    if len(chosen) > max_values:
        values += rf", \ldots \text{{ ({len(chosen)} values)}}"
    inner = affine if first.activation == "linear" else f"{latex_function(first.activation)}({affine})"
    return f"{symbol} = {inner} = [{values}]"
