"""Activation values and derivatives as Keras computes them, against the closed forms; softmax."""

import math

import keras
import numpy as np
import pytest

from playground.options import ACTIVATIONS
from playground.teaching import activations

# A grid that avoids 0 exactly: ReLU-like kinks have no derivative there, and frameworks pick a side.
GRID = np.concatenate([np.linspace(-6.0, -0.01, 60), np.linspace(0.01, 6.0, 60)])
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
ERF = np.vectorize(math.erf)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softplus(x):
    return np.log1p(np.exp(x))


def normal_cdf(x):
    return 0.5 * (1.0 + ERF(x / math.sqrt(2.0)))


def normal_pdf(x):
    return np.exp(-(x**2) / 2.0) / math.sqrt(2.0 * math.pi)


# name -> (f(x), f'(x)) in closed form, in float64.
CLOSED_FORMS = {
    "linear": (lambda x: x, lambda x: np.ones_like(x)),
    "sigmoid": (sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "relu": (lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    "leaky_relu": (lambda x: np.where(x > 0, x, 0.2 * x), lambda x: np.where(x > 0, 1.0, 0.2)),
    "elu": (lambda x: np.where(x > 0, x, np.expm1(x)), lambda x: np.where(x > 0, 1.0, np.exp(x))),
    "selu": (lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
             lambda x: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(x))),
    "softplus": (softplus, sigmoid),
    "softsign": (lambda x: x / (1 + np.abs(x)), lambda x: 1 / (1 + np.abs(x)) ** 2),
    "gelu": (lambda x: x * normal_cdf(x), lambda x: normal_cdf(x) + x * normal_pdf(x)),
    "swish": (lambda x: x * sigmoid(x), lambda x: sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x))),
    "mish": (lambda x: x * np.tanh(softplus(x)),
             lambda x: np.tanh(softplus(x)) + x * sigmoid(x) * (1 - np.tanh(softplus(x)) ** 2)),
    "binary_step": (lambda x: (x >= 0).astype(float), lambda x: np.zeros_like(x)),
}


def test_every_playground_activation_has_a_closed_form_here_and_a_card_on_the_page():
    assert set(CLOSED_FORMS) == set(ACTIVATIONS)
    assert set(activations.ACTIVATION_INFO) == set(ACTIVATIONS)
    assert set(activations.ACTIVATION_COLORS) == set(ACTIVATIONS)
    assert len(set(activations.ACTIVATION_COLORS.values())) == len(ACTIVATIONS)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_values_and_derivatives_match_the_closed_forms(name):
    values, derivatives = activations.values_and_derivatives(name, GRID)
    function, derivative = CLOSED_FORMS[name]
    assert values.shape == derivatives.shape == GRID.shape
    np.testing.assert_allclose(values, function(GRID), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(derivatives, derivative(GRID), rtol=1e-4, atol=1e-5)


def test_binary_step_passes_no_gradient_even_at_zero_and_far_out():
    inputs = np.array([-1e30, -3.0, -1e-6, 0.0, 1e-6, 3.0, 1e30])
    values, derivatives = activations.values_and_derivatives("binary_step", inputs)
    np.testing.assert_array_equal(values, [0, 0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(derivatives, np.zeros_like(inputs))


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="unknown activation"):
        activations.values_and_derivatives("softmax", GRID)


@pytest.mark.parametrize("temperature", [0.1, 1.0, 3.0])
def test_softmax_sums_to_one_and_is_keras_softmax_of_the_scaled_vector(temperature):
    vector = np.array([2.0, 1.0, 0.1, -3.0])
    probabilities = activations.softmax(vector, temperature)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-6)
    expected = np.asarray(keras.activations.softmax(np.array([vector / temperature], dtype=np.float32)))[0]
    np.testing.assert_allclose(probabilities, expected, rtol=1e-6)
    exponentials = np.exp(vector / temperature)
    np.testing.assert_allclose(probabilities, exponentials / exponentials.sum(), rtol=1e-5)


def test_softmax_temperature_sharpens_and_flattens():
    vector = np.array([2.0, 1.0, 0.1])
    cold, hot = activations.softmax(vector, 0.1), activations.softmax(vector, 5.0)
    assert cold[0] > 0.99
    assert hot.max() - hot.min() < 0.2
    with pytest.raises(ValueError, match="temperature"):
        activations.softmax(vector, 0.0)


@pytest.mark.parametrize(("text", "expected"), [("2, 1, 0.1", [2.0, 1.0, 0.1]), ("3 -1;4", [3.0, -1.0, 4.0]),
                                                ("5", [5.0])])
def test_parse_vector_reads_numbers(text, expected):
    vector, problem = activations.parse_vector(text)
    assert problem is None
    np.testing.assert_array_equal(vector, expected)


@pytest.mark.parametrize(("text", "words"), [("", "Type a few"), ("1, x", "'x' is not a number"),
                                             ("1, nan", "out of range"), ("1e9", "out of range"),
                                             (", ".join(["1"] * 13), "at most 12")])
def test_parse_vector_explains_bad_input(text, words):
    vector, problem = activations.parse_vector(text)
    assert vector is None and words in problem


def test_figures_have_a_value_and_a_derivative_trace_per_activation():
    inputs = activations.input_grid(-3, 3, 61)
    figure = activations.activation_figure(["relu", "binary_step"], inputs)
    assert [trace.name for trace in figure.data] == ["ReLU", "ReLU′ (derivative)", "Binary step",
                                                     "Binary step′ (derivative)"]
    assert len(activations.activation_figure(["relu"], inputs, show_derivatives=False).data) == 1
    bars = activations.softmax_figure([1.0, 2.0], activations.softmax([1.0, 2.0])).data[0]
    assert list(bars.text) == ["26.9%", "73.1%"]
    with pytest.raises(ValueError):
        activations.input_grid(1, 1)
