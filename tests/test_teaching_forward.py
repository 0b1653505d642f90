"""The forward pass worked by hand: the tutorials' numbers, the written-out sums, and Keras's own outputs."""

import re

import numpy as np
import pytest

from playground.options import ACTIVATIONS
from playground.teaching import forward
from playground.views.diagram_svg import HIGHLIGHT_EDGE, HIGHLIGHT_FILL


def outputs(network: forward.Network, inputs) -> list[list[float]]:
    return [layer.tolist() for layer in forward.layer_outputs(forward.forward_trace(network, inputs))]


def test_worked_example_gives_hidden_5_and_1_and_output_9():
    assert outputs(forward.worked_example(), forward.WORKED_EXAMPLE_INPUTS) == [[5.0, 1.0], [9.0]]


def test_relu_keeps_the_worked_example_and_changes_the_variant():
    relu = forward.worked_example("relu")
    assert outputs(relu, (2, 3)) == [[5.0, 1.0], [9.0]]  # both sums are positive: ReLU changes nothing
    # (3, 2): node_1's sum is -1, ReLU makes it 0, so the output is 5·2 + 0·(-1) = 10 instead of 11.
    assert outputs(forward.worked_example(), forward.RELU_MATTERS_INPUTS) == [[5.0, -1.0], [11.0]]
    assert outputs(relu, forward.RELU_MATTERS_INPUTS) == [[5.0, 0.0], [10.0]]


def test_the_relu_buttons_tooltip_names_the_unit_as_the_page_does_with_kerass_numbers():
    # The page calls the hidden units h0, h1 (widgets and formulas); the tooltip said node_1, the tutorials' name.
    linear = forward.keras_forward(forward.worked_example(), forward.RELU_MATTERS_INPUTS)[0]
    relu = forward.keras_forward(forward.worked_example("relu"), forward.RELU_MATTERS_INPUTS)[0]
    (unit,) = np.flatnonzero(linear < 0)
    assert forward.hidden_unit_name(unit) == "h1" and (linear[unit], relu[unit]) == (-1.0, 0.0)
    assert forward.relu_matters_note() == "h1's sum is 3·(−1) + 2·1 = −1, which ReLU turns into 0."


def test_plain_numbers_use_a_true_minus_and_wrap_negatives_inside_a_sum():
    assert [forward.plain_number(value) for value in (5.0, -1.0, -0.0, 0.73105858, 1.2e-5)] == [
        "5", "−1", "0", "0.7311", "1.2e−05"]
    assert forward.plain_number(-1.0, wrap_negative=True) == "(−1)"


def test_each_step_records_its_inputs_weights_and_sum():
    steps = forward.forward_trace(forward.worked_example("relu"), (3, 2))
    assert [(step.layer, step.unit) for step in steps] == [(0, 0), (0, 1), (1, 0)]
    second = steps[1]
    assert (second.inputs, second.weights, second.bias) == ((3.0, 2.0), (-1.0, 1.0), 0.0)
    assert (second.weighted_sum, second.activation, second.output) == (-1.0, "relu", 0.0)
    assert steps[2].inputs == (5.0, 0.0) and steps[2].is_output_layer


def test_latex_writes_out_the_sum_with_its_numbers():
    steps = forward.forward_trace(forward.worked_example("relu"), (2, 3))
    assert forward.latex_for(steps[0]) == r"h_{0} = \mathrm{relu}(2 \cdot 1 + 3 \cdot 1 + 0) = \mathrm{relu}(5) = 5"
    assert forward.latex_for(steps[1]) == (r"h_{1} = \mathrm{relu}(2 \cdot (-1) + 3 \cdot 1 + 0) "
                                           r"= \mathrm{relu}(1) = 1")
    assert forward.latex_for(steps[2]) == r"o_{0} = 5 \cdot 2 + 1 \cdot (-1) + 0 = 9"  # linear: no function


def test_latex_numbers_and_negative_bias():
    assert forward.latex_number(0.73105857) == "0.7311"
    assert forward.latex_number(-1.0, wrap_negative=True) == "(-1)"
    assert forward.latex_number(1.5e-5) == r"1.5 \times 10^{-5}"
    step = forward.forward_trace(forward.Network((forward.Layer([[1.0]], [-0.5], "leaky_relu"),)), [2])[0]
    assert forward.latex_for(step) == (r"o_{0} = \mathrm{leaky\_relu}(2 \cdot 1 - 0.5) "
                                       r"= \mathrm{leaky\_relu}(1.5) = 1.5")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_equals_keras_model_outputs(activation):
    rng = np.random.default_rng(len(activation))
    network = forward.Network((
        forward.Layer(rng.normal(size=(3, 4)), rng.normal(size=4), activation),
        forward.Layer(rng.normal(size=(4, 2)), rng.normal(size=2), activation),
    ))
    inputs = rng.normal(size=3)
    ours = forward.layer_outputs(forward.forward_trace(network, inputs))
    theirs = forward.keras_forward(network, inputs)
    for mine, keras_values in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine, keras_values, rtol=1e-12, atol=1e-12)


def test_worked_example_equals_keras():
    for activation, inputs in (("linear", (2, 3)), ("relu", (3, 2))):
        network = forward.worked_example(activation)
        for ours, theirs in zip(outputs(network, inputs), forward.keras_forward(network, inputs), strict=True):
            np.testing.assert_array_equal(ours, theirs)


def test_next_layer_finishes_the_current_layer_then_takes_the_next():
    steps = forward.forward_trace(forward.worked_example(), (2, 3))
    assert [forward.next_layer_position(steps, shown) for shown in (1, 2, 3)] == [2, 3, 3]


def test_shapes_are_checked_with_messages():
    with pytest.raises(ValueError, match="takes 2 inputs"):
        forward.forward_trace(forward.worked_example(), (1, 2, 3))
    with pytest.raises(ValueError, match="layer 2 takes 3 inputs"):
        forward.Network((forward.Layer(np.ones((2, 2)), np.zeros(2)), forward.Layer(np.ones((3, 1)), [0.0])))


def test_diagram_highlights_the_neuron_being_computed():
    # The live page's drawing (one SVG renderer for every page), with values in the nodes.
    svg = forward.network_svg(forward.worked_example(), labels={(1, 0): "5"}, highlighted=(1, 1))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count(HIGHLIGHT_FILL) == 1  # one node
    assert svg.count(f'stroke="{HIGHLIGHT_EDGE}" stroke-width="3"') == 3  # its two links and itself
    weights = re.findall(rf'fill="{HIGHLIGHT_EDGE}" text-anchor="middle">([^<]*)</text>', svg)
    assert weights == ["-1", "1"]  # h1's weights from x0 and x1, written on its links
    assert ">5</text>" in svg
    assert "h&#95;1" not in svg and "hidden&#95;1[1], bias = 0.0000" in svg  # tooltips, as on the live page


def test_formulas_are_inline_math_that_can_break_even_inside_a_vector():
    # st.latex's display math never breaks a line: a trained network's long sums ran off the column (issue 9f).
    assert forward.markdown_math("o_{0} = 9") == r"$\displaystyle o_{0} = 9$"
    steps = forward.forward_trace(forward.worked_example(), forward.WORKED_EXAMPLE_INPUTS)
    assert forward.latex_layer(steps, 0).endswith(r"= [5, \allowbreak 1]")


def test_a_playground_snapshot_becomes_a_network_that_keras_agrees_with():
    from playground.spec import RunSpec
    from playground.training.model import build_model

    spec = RunSpec.from_query("layers=12,3&activation=relu,tanh&features=x1,x2,x1x2").spec
    model = build_model(spec, 3, 1)
    weights = tuple(model.get_weights())
    network = forward.network_from_weights(weights, (*spec.activations, spec.output_activation))
    inputs = [0.5, -1.5, 2.0]
    steps = forward.forward_trace(network, inputs)
    expected = model(np.array([inputs], dtype=np.float32), training=False).numpy()[0]
    assert np.allclose(forward.layer_outputs(steps)[-1], expected, atol=1e-5)
    vector = forward.latex_layer(steps, 0)
    assert vector.startswith(r"h^{(1)} = \mathrm{relu}(W^{(1)} x + b^{(1)}) = [") and r"\ldots" in vector
    assert "(12 values)" in vector
