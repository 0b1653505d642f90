"""Backpropagation by hand against tf.GradientTape and keras.optimizers.SGD, and against the tutorial's formulas."""

import itertools

import numpy as np
import pytest

from playground.teaching import backprop, backprop_keras
from playground.teaching.forward import Layer, Network

TOLERANCE = 1e-6
X, Y = backprop.DEFAULT_INPUTS, backprop.DEFAULT_TARGET


def random_network(seed: int, sizes=(3, 4, 3, 1), output_activation: str = "sigmoid") -> Network:
    rng = np.random.default_rng(seed)
    names = list(backprop.ACTIVATIONS)
    hidden = [str(rng.choice(names)) for _ in sizes[2:]]
    return Network(tuple(
        Layer(rng.normal(size=(fan_in, fan_out)), rng.normal(scale=0.5, size=fan_out), activation)
        for fan_in, fan_out, activation in zip(sizes[:-1], sizes[1:], [*hidden, output_activation], strict=True)))


def test_the_tutorials_numpy_formulas_give_the_traces_numbers():
    trace = backprop.backprop_trace(backprop.default_network(), X, Y, "squared_error", 0.5)
    # The tutorial's code, line for line, on the default example.
    x, target, learnrate = np.array(X), Y, 0.5
    weights_input_hidden = np.array([[0.5, -0.6], [0.1, -0.2]])
    weights_hidden_output = np.array([0.1, -0.3])
    hidden_layer_output = 1 / (1 + np.exp(-np.dot(x, weights_input_hidden)))
    output = 1 / (1 + np.exp(-np.dot(hidden_layer_output, weights_hidden_output)))
    error = target - output
    output_error_term = error * output * (1 - output)
    hidden_error_term = np.dot(output_error_term, weights_hidden_output) * hidden_layer_output * (
        1 - hidden_layer_output)
    delta_w_h_o = learnrate * output_error_term * hidden_layer_output
    delta_w_i_h = learnrate * hidden_error_term * x[:, None]

    np.testing.assert_allclose(trace.outputs[0], hidden_layer_output, rtol=1e-14)
    np.testing.assert_allclose(trace.prediction, [output], rtol=1e-14)
    np.testing.assert_allclose(trace.error_terms[1], [output_error_term], rtol=1e-14)
    np.testing.assert_allclose(trace.error_terms[0], hidden_error_term, rtol=1e-14)
    np.testing.assert_allclose(trace.updated.layers[1].weights[:, 0] - weights_hidden_output, delta_w_h_o,
                               rtol=1e-12)
    np.testing.assert_allclose(trace.updated.layers[0].weights - weights_input_hidden, delta_w_i_h, rtol=1e-12)
    assert trace.loss == pytest.approx(0.5 * error**2, rel=1e-14)


def test_gradient_is_minus_error_term_times_input():
    trace = backprop.backprop_trace(backprop.default_network(), X, Y)
    for step in backprop.parameter_steps(trace):
        assert step.gradient == pytest.approx(-step.error_term * step.input_value, rel=1e-15)
        assert step.step == pytest.approx(trace.learning_rate * step.error_term * step.input_value, rel=1e-15)
    assert len(backprop.parameter_steps(trace)) == 2 * 2 + 2 + 2 + 1  # every weight and bias once


@pytest.mark.parametrize(("loss_name", "hidden", "output"), [
    *itertools.product(["squared_error"], backprop.ACTIVATIONS, ["sigmoid", "tanh", "linear", "relu"]),
    *itertools.product(["binary_crossentropy"], backprop.ACTIVATIONS, ["sigmoid"]),
])
def test_gradients_equal_gradient_tape(loss_name, hidden, output):
    network = backprop.default_network(hidden, output)
    inputs, target = (0.9, -0.4), 0.3  # the relu output is positive here, so it has a gradient
    network = Network((network.layers[0], Layer([[0.8], [0.6]], [0.1], output)))
    trace = backprop.backprop_trace(network, inputs, target, loss_name)
    difference = backprop_keras.compare(trace, backprop_keras.keras_gradients(network, inputs, target, loss_name))
    assert difference < TOLERANCE


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("loss_name", list(backprop.LOSSES))
def test_random_3_4_3_1_networks_equal_gradient_tape(seed, loss_name):
    network = random_network(seed)
    rng = np.random.default_rng(100 + seed)
    inputs, target = rng.normal(size=3), rng.uniform()
    trace = backprop.backprop_trace(network, inputs, target, loss_name)
    assert backprop_keras.compare(trace, backprop_keras.keras_gradients(network, inputs, target, loss_name)) < TOLERANCE


def test_several_outputs_average_the_loss_like_keras():
    network = random_network(7, sizes=(2, 3, 2))
    inputs, target = (0.3, -0.8), (0.2, 0.9)
    for loss_name in backprop.LOSSES:
        trace = backprop.backprop_trace(network, inputs, target, loss_name)
        assert backprop_keras.compare(trace, backprop_keras.keras_gradients(network, inputs, target, loss_name)) < TOLERANCE


@pytest.mark.parametrize("loss_name", list(backprop.LOSSES))
def test_one_update_equals_keras_sgd(loss_name):
    assert backprop_keras.sgd_step_matches_keras(backprop.default_network(), X, Y, loss_name, learning_rate=0.5)
    assert backprop_keras.sgd_step_matches_keras(random_network(3), (0.1, 0.2, -0.3), 0.7, loss_name, 0.1)


def test_steps_reduce_the_loss():
    trace = backprop.backprop_trace(backprop.default_network(), X, Y)
    losses = [trace.loss]
    for _ in range(5):
        trace = backprop.backprop_trace(trace.updated, X, Y)
        losses.append(trace.loss)
    assert all(after < before for before, after in zip(losses, losses[1:], strict=False))


def test_latex_fills_in_the_numbers():
    trace = backprop.backprop_trace(backprop.default_network(), X, Y)
    assert backprop.latex_loss(trace).startswith(r"L = \tfrac{1}{2}(y_{0} - o_{0})^2 = \tfrac{1}{2}(0.6 - 0.4813)^2")
    assert backprop.latex_error_term(trace, 1, 0) == (
        r"\delta_{o_{0}} = (y_{0} - o_{0}) \cdot o_{0}(1 - o_{0}) = (0.6 - 0.4813) \cdot 0.4813(1 - 0.4813) "
        r"= 0.02964")
    assert r"(\delta_{o_{0}} w^{(2)}_{1,0}) \cdot h_{1}(1 - h_{1}) = (0.02964 \cdot (-0.3))" in (
        backprop.latex_error_term(trace, 0, 1))
    first = backprop.parameter_steps(trace)[0]
    assert backprop.latex_gradient(trace, first) == (
        r"\frac{\partial L}{\partial w^{(1)}_{0,0}} = -\delta_{h_{0}} \cdot x_{0} = -0.0007312 \cdot 0.5 "
        r"= -0.0003656")
    assert backprop.latex_update(trace, first).endswith(r"w^{(1)}_{0,0} \leftarrow 0.5 + 0.0001828 = 0.5002")


def test_bad_inputs_raise_a_sentence():
    network = backprop.default_network()
    with pytest.raises(ValueError, match="targets between 0 and 1"):
        backprop.backprop_trace(network, X, 1.5, "binary_crossentropy")
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        backprop.backprop_trace(backprop.default_network(output_activation="linear"), (-50, 50), 0.5,
                                "binary_crossentropy")
    with pytest.raises(ValueError, match="supports"):
        backprop.backprop_trace(backprop.default_network("gelu"), X, Y)
    with pytest.raises(ValueError, match="takes 2 inputs"):
        backprop.backprop_trace(network, (1, 2, 3), Y)


@pytest.mark.parametrize("losses", [[0.00704631], [0.00704631, 0.00639947], [0.0], [0.7 * 0.97 ** i for i in range(40)]])
def test_the_loss_chart_labels_whole_steps_and_losses_without_trailing_zeros(losses):
    figure = backprop.loss_history_figure(losses)
    (line,) = figure.data
    assert list(line.y) == losses and list(line.x) == list(range(len(losses)))
    # d3's "~g": at most six significant digits, trailing zeros dropped (Streamlit's chart wrote "0.000000").
    assert figure.layout.yaxis.tickformat == "~g"
    # Whole steps: integer labels, and at least 10 steps on the axis so that Plotly puts no tick between two.
    assert figure.layout.xaxis.tickformat == "d"
    assert max(figure.layout.xaxis.autorangeoptions.include) >= 10
