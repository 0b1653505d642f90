import keras
import numpy as np
import pytest

from playground.data.tables import load_builtin, prepare
from playground.spec import RunSpec
from playground.teaching.explain import (
    explained_output,
    integrated_gradients,
    load_weights,
    model_from_weights,
    output_gradients,
)
from playground.training.model import build_model, dense_layers


def _weights_of(model: keras.Model) -> tuple[np.ndarray, ...]:
    """As ``Engine.weights()`` publishes them: (W1, b1, W2, b2, ...)."""
    return tuple(variable.numpy() for layer in dense_layers(model) for variable in (layer.kernel, layer.bias))


@pytest.fixture(scope="module")
def iris():
    table = load_builtin("iris")
    dataset, _ = prepare(table, table.target, seed=1)
    return dataset


@pytest.fixture(scope="module")
def iris_model(iris):
    """A small tanh network with weights scaled up, so its outputs bend noticeably between data points."""
    spec = RunSpec.from_query("layers=8&activation=tanh&problem=multiclass").spec
    model = build_model(spec, iris.input_count, iris.output_units)
    return load_weights(model, [3.0 * array for array in _weights_of(model)])


def test_linear_model_attributions_are_weight_times_distance():
    spec = RunSpec.from_query("layers=&problem=regression&dataset=plane").spec
    assert spec.layers == () and spec.problem == "regression"
    model = build_model(spec, input_count=3, output_units=1)
    kernel = np.array([[0.5], [-2.0], [1.25]], np.float32)
    load_weights(model, (kernel, np.array([0.3], np.float32)))
    x, baseline = np.array([1.0, 2.0, -3.0]), np.array([0.5, -1.0, 0.25])
    for base in (None, baseline):
        attribution = integrated_gradients(model, x, baseline=base, steps=16)
        start = np.zeros(3) if base is None else base
        assert np.allclose(attribution.values, kernel[:, 0] * (x - start), atol=1e-5)
        assert attribution.prediction == pytest.approx(float(x @ kernel[:, 0]) + 0.3, abs=1e-5)
        assert attribution.baseline_prediction == pytest.approx(float(start @ kernel[:, 0]) + 0.3, abs=1e-5)
        assert attribution.completeness_gap < 1e-5


def test_nonlinear_attributions_add_up_to_the_change_in_prediction(iris, iris_model):
    probabilities = np.asarray(iris_model(iris.x_test[:6], training=False))
    for row, outputs in zip(iris.x_test[:6], probabilities, strict=True):
        index = explained_output("multiclass", outputs)
        attribution = integrated_gradients(iris_model, row, output_index=index, steps=128)
        change = attribution.prediction - attribution.baseline_prediction
        assert attribution.prediction == pytest.approx(float(outputs[index]), abs=1e-5)
        assert attribution.values.shape == (iris.input_count,)
        assert attribution.completeness_gap < 1e-2 * abs(change) + 1e-3


def test_few_steps_leave_a_larger_gap_than_many(iris, iris_model):
    row = iris.x_test[0] * 2.0
    coarse = integrated_gradients(iris_model, row, output_index=0, steps=2)
    fine = integrated_gradients(iris_model, row, output_index=0, steps=256)
    # The model is nonlinear enough for a coarse integral to miss, and refining the integral closes the gap.
    assert coarse.completeness_gap > 1e-3
    assert fine.completeness_gap < coarse.completeness_gap / 10
    assert fine.prediction == pytest.approx(coarse.prediction, abs=1e-6)


def test_the_integral_converges_like_the_trapezoidal_rule(iris, iris_model):
    # Halving the interval quarters the trapezoidal rule's error (a left or right Riemann sum only halves it).
    def total_gap(steps: int) -> float:
        return sum(integrated_gradients(iris_model, row, steps=steps).completeness_gap for row in iris.x_test[:5])

    assert total_gap(16) / total_gap(32) > 3.2


def test_gradients_agree_with_finite_differences(iris, iris_model):
    points = iris.x_test[:4].astype(np.float64)
    for index in range(iris.output_units):
        outputs, gradients = output_gradients(iris_model, points, index)
        assert outputs.shape == (4,) and gradients.shape == (4, iris.input_count)
        step = 1e-2
        for feature in range(iris.input_count):
            shift = np.zeros(iris.input_count)
            shift[feature] = step
            above = np.asarray(iris_model(points + shift, training=False))[:, index]
            below = np.asarray(iris_model(points - shift, training=False))[:, index]
            assert np.allclose(gradients[:, feature], (above - below) / (2 * step), atol=2e-3)


def test_model_from_weights_reproduces_the_outputs(iris):
    spec = RunSpec.from_query("layers=6,3&activation=relu,tanh&dropout=0.3&problem=multiclass&seed=7").spec
    original = build_model(spec, iris.input_count, iris.output_units)
    other_seed = RunSpec.from_query("layers=6,3&activation=relu,tanh&dropout=0.3&problem=multiclass&seed=8").spec
    rebuilt = model_from_weights(other_seed, iris.input_count, iris.output_units, _weights_of(original))
    fresh = build_model(other_seed, iris.input_count, iris.output_units)
    expected = np.asarray(original(iris.x_test, training=False))
    assert np.allclose(np.asarray(rebuilt(iris.x_test, training=False)), expected, atol=1e-6)
    assert not np.allclose(np.asarray(fresh(iris.x_test, training=False)), expected, atol=1e-3)
    # Reusing a model: loading the weights again onto the fresh model gives the same outputs too.
    load_weights(fresh, _weights_of(original))
    assert np.allclose(np.asarray(fresh(iris.x_test, training=False)), expected, atol=1e-6)


def test_wrong_weights_are_refused(iris):
    spec = RunSpec.from_query("layers=4&problem=multiclass").spec
    model = build_model(spec, iris.input_count, iris.output_units)
    weights = _weights_of(model)
    with pytest.raises(ValueError, match="Dense layers"):
        load_weights(model, weights[:-2])
    with pytest.raises(ValueError):
        load_weights(model, (weights[0][:2],) + weights[1:])  # a kernel for 2 inputs, not 4


def test_explained_output_is_the_predicted_class_for_multiclass_only():
    assert explained_output("multiclass", np.array([0.1, 0.7, 0.2])) == 1
    assert explained_output("multiclass", np.array([[0.5, 0.1, 0.4]])) == 0
    assert explained_output("binary", np.array([0.9])) == 0
    assert explained_output("regression", np.array([-3.0])) == 0


def test_bad_arguments_are_refused(iris, iris_model):
    with pytest.raises(ValueError, match="output_index"):
        integrated_gradients(iris_model, iris.x_test[0], output_index=3)
    with pytest.raises(ValueError, match="inputs"):
        integrated_gradients(iris_model, iris.x_test[0][:2])
    with pytest.raises(ValueError, match="steps"):
        integrated_gradients(iris_model, iris.x_test[0], steps=0)
