"""Where the network diagram's nodes, links, ellipses and titles go (pure NumPy), and how links are styled.

Shared by the drawings: Matplotlib and Plotly in ``diagram.py``, SVG for the live page in ``diagram_svg.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from playground.options import FEATURES
from playground.spec import RunSpec
from playground.views.colors import BLUE, ORANGE

LAYER_SPACING = 3.6  # distance between layers, in node slots (a slot is the distance of two nodes)
NODE_RADIUS = 0.3  # in node slots
ELLIPSIS = "⋮"
# (fill, edge) of the nodes: pale, so that the blue of positive links stands out against them.
GREEN, LIGHT_BLUE = ("#b5deb0", "#2e8b3e"), ("#bcdcf2", "#2c6e9e")
NODE_COLORS = {"input": GREEN, "hidden": LIGHT_BLUE, "output": GREEN}
NO_WEIGHT_COLOR = "#b4b8bb"
MIN_LINK_WIDTH, MAX_LINK_WIDTH, NO_WEIGHT_WIDTH = 0.3, 4.0, 0.6  # points
SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class Node:
    layer: int
    unit: int
    x: float
    y: float
    kind: str  # "input", "hidden" or "output"
    name: str  # "X₁" for inputs, else Keras' layer name and unit: "hidden_1[2]", "output[0]"
    label: str  # written beside the node: feature name, output label, "" for hidden units
    bias: float | None  # None for inputs and before there are weights


@dataclass(frozen=True)
class Link:
    source: Node
    target: Node
    weight: float | None  # kernel[source.unit, target.unit] of the target's layer; None before training


@dataclass(frozen=True)
class Layer:
    index: int
    name: str  # "inputs", "hidden_1", ..., "output" (the Keras layer names of playground.training.model)
    units: int
    activation: str | None  # None for the inputs
    title: str  # "tanh(Σ n[X·w]+b) = 4 out", "inputs = 2"
    x: float
    top: float  # y of the column's highest node
    drawn_units: tuple[int, ...]  # all units, or the first and last max_nodes // 2 of a large layer


@dataclass(frozen=True)
class NetworkLayout:
    """Where every node, link, ellipsis and layer title goes. Node slots are 1 apart; y grows upwards."""

    layers: tuple[Layer, ...]
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    ellipses: tuple[tuple[float, float], ...]  # (x, y) of each "⋮" standing for the units left out
    title_y: float  # all layer titles sit on this line, above the tallest column

    @property
    def titles(self) -> tuple[str, ...]:
        return tuple(layer.title for layer in self.layers)

    @property
    def has_weights(self) -> bool:
        return any(link.weight is not None for link in self.links)

    @property
    def max_abs_weight(self) -> float:
        """The largest |w| among the drawn links (0 without weights): the widest link."""
        return max((abs(link.weight) for link in self.links if link.weight is not None), default=0.0)

    @property
    def bottom(self) -> float:
        return min(node.y for node in self.nodes)


def _drawn_units(units: int, max_nodes: int) -> tuple[int, ...]:
    if units <= max_nodes:
        return tuple(range(units))
    half = max_nodes // 2
    return tuple(range(half)) + tuple(range(units - half, units))


def weights_fit(layer_sizes: Sequence[int], weights: Sequence[np.ndarray] | None) -> bool:
    """True when weights are (W1, b1, ..., W_out, b_out) of exactly these layer sizes (or None).

    A page can check this before drawing: just after a reset the last snapshot may still hold the old network.
    """
    if weights is None:
        return True
    if len(weights) != 2 * (len(layer_sizes) - 1):
        return False
    pairs = enumerate(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))
    return all(np.shape(weights[2 * index]) == (units_in, units_out)
               and np.shape(weights[2 * index + 1]) == (units_out,) for index, (units_in, units_out) in pairs)


def layout_network(layer_sizes: Sequence[int], activations: Sequence[str],
                   weights: Sequence[np.ndarray] | None = None, input_labels: Sequence[str] | None = None,
                   output_labels: Sequence[str] | None = None, max_nodes: int = 10) -> NetworkLayout:
    """Place a dense network: layer_sizes = [inputs, hidden units..., outputs], an activation per Dense layer.

    weights is ``Snapshot.weights``: (W1, b1, ..., W_out, b_out), W_k of shape (units_in, units_out), or None.
    A layer with more than max_nodes units shows its first and last max_nodes // 2 units around a "⋮".
    """
    layer_sizes = [int(units) for units in layer_sizes]
    if len(layer_sizes) < 2 or min(layer_sizes) < 1:
        raise ValueError(f"layer_sizes needs inputs and outputs, each at least 1 unit; got {layer_sizes}")
    if len(activations) != len(layer_sizes) - 1:
        raise ValueError(f"{len(activations)} activations for {len(layer_sizes) - 1} Dense layers")
    if max_nodes < 2:
        raise ValueError(f"max_nodes must be at least 2; got {max_nodes}")
    if not weights_fit(layer_sizes, weights):
        shapes = [np.shape(array) for array in weights]
        raise ValueError(f"weights of shapes {shapes} do not fit the layer sizes {layer_sizes}")
    if not input_labels:
        input_labels = [f"X{unit + 1}".translate(SUBSCRIPT_DIGITS) for unit in range(layer_sizes[0])]
    if output_labels is None:
        output_labels = ["ŷ"] if layer_sizes[-1] == 1 else [
            f"ŷ{unit + 1}".translate(SUBSCRIPT_DIGITS) for unit in range(layer_sizes[-1])]
    for labels, units, what in ((input_labels, layer_sizes[0], "input"),
                                (output_labels, layer_sizes[-1], "output")):
        if len(labels) != units:
            raise ValueError(f"{len(labels)} {what} labels for {units} {what} units")

    last = len(layer_sizes) - 1
    names = ["inputs", *(f"hidden_{index}" for index in range(1, last)), "output"]
    drawn = [_drawn_units(units, max_nodes) for units in layer_sizes]
    slot_counts = [len(units) + (len(units) < size) for units, size in zip(drawn, layer_sizes, strict=True)]
    layers, nodes, ellipses, columns = [], [], [], []
    for index, (units, drawn_units, slots) in enumerate(zip(layer_sizes, drawn, slot_counts, strict=True)):
        x, top = index * LAYER_SPACING, (slots - 1) / 2
        half = len(drawn_units) // 2
        truncated = len(drawn_units) < units
        if truncated:
            ellipses.append((x, top - half))
        kind = "input" if index == 0 else "output" if index == last else "hidden"
        column = []
        for position, unit in enumerate(drawn_units):
            # The ellipsis takes the middle slot of a truncated column.
            y = top - position - (truncated and position >= half)
            bias = float(weights[2 * index - 1][unit]) if weights is not None and index > 0 else None
            name = input_labels[unit] if kind == "input" else f"{names[index]}[{unit}]"
            label = input_labels[unit] if kind == "input" else output_labels[unit] if kind == "output" else ""
            column.append(Node(index, unit, x, y, kind, name, label, bias))
        nodes.extend(column)
        columns.append(column)
        activation = None if index == 0 else activations[index - 1]
        title = f"inputs = {units}" if index == 0 else f"{activation}(Σ n[X·w]+b) = {units} out"
        layers.append(Layer(index, names[index], units, activation, title, x, top, drawn_units))

    links = []
    for index in range(last):
        kernel = None if weights is None else np.asarray(weights[2 * index])
        links.extend(Link(source, target, None if kernel is None else float(kernel[source.unit, target.unit]))
                     for source in columns[index] for target in columns[index + 1])
    title_y = max(slot_counts) / 2 + 0.6
    return NetworkLayout(tuple(layers), tuple(nodes), tuple(links), tuple(ellipses), title_y)


def layout_for_spec(spec: RunSpec, weights: Sequence[np.ndarray] | None = None,
                    input_labels: Sequence[str] | None = None, output_units: int | None = None,
                    output_labels: Sequence[str] | None = None, max_nodes: int = 10) -> NetworkLayout:
    """The layout of a spec's network; output_units defaults to the classes of a multi-class problem or 1;
    input_labels to the spec's 2-D features (a table's network passes its column names)."""
    if output_units is None:
        output_units = spec.classes if spec.problem == "multiclass" else 1
    if output_labels is None and output_units > 1:
        output_labels = [f"class {index}" for index in range(output_units)]
    input_labels = input_labels or [FEATURES[feature] for feature in spec.features]
    layer_sizes = [len(input_labels), *spec.layers, output_units]  # a table's inputs are its columns
    activations = [*spec.activations, spec.output_activation]
    return layout_network(layer_sizes, activations, weights, input_labels, output_labels, max_nodes)


def link_styles(layout: NetworkLayout) -> tuple[list[str], np.ndarray]:
    """Colour and width in points of each link, in layout order: blue w >= 0, orange w < 0, width by |w|."""
    if not layout.has_weights:
        return [NO_WEIGHT_COLOR] * len(layout.links), np.full(len(layout.links), NO_WEIGHT_WIDTH)
    weights = np.array([link.weight for link in layout.links], dtype=float)
    largest = layout.max_abs_weight
    share = np.abs(weights) / largest if largest > 0 else np.zeros_like(weights)
    # Linear in |w| like TensorFlow Playground, with a floor so that tiny weights stay visible.
    widths = MIN_LINK_WIDTH + (MAX_LINK_WIDTH - MIN_LINK_WIDTH) * share
    return [BLUE if weight >= 0 else ORANGE for weight in weights], widths
