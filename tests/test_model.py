import ast
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from playground.options import ACTIVATIONS
from playground.spec import RunSpec
from playground.training.model import binary_step, build_model, compiled_model, dense_layers


def test_layer_sizes_and_parameter_count_of_the_default_network():
    model = build_model(RunSpec(), input_count=2, output_units=1)
    assert [layer.units for layer in dense_layers(model)] == [4, 2, 1]
    assert [layer.name for layer in dense_layers(model)] == ["hidden_1", "hidden_2", "output"]
    assert model.count_params() == (2 * 4 + 4) + (4 * 2 + 2) + (2 * 1 + 1)


def test_multiclass_has_a_softmax_output_and_dropout_layers_appear():
    spec = RunSpec.from_query("problem=multiclass&dataset=spiral&classes=4&layers=16,8&dropout=0.2,0").spec
    model = build_model(spec, input_count=3, output_units=4)
    assert dense_layers(model)[-1].units == 4
    assert dense_layers(model)[-1].activation is keras.activations.softmax
    assert [layer.name for layer in model.layers if isinstance(layer, keras.layers.Dropout)] == ["dropout_1"]
    assert model.count_params() == (3 * 16 + 16) + (16 * 8 + 8) + (8 * 4 + 4)


def test_no_hidden_layer_is_a_perceptron():
    model = build_model(RunSpec(layers=(), activations=(), dropout_rates=()), input_count=2, output_units=1)
    assert [layer.units for layer in dense_layers(model)] == [1]


def test_same_seed_same_initial_weights_other_seed_other_weights():
    first = build_model(RunSpec(seed=3), 2, 1).get_weights()
    again = build_model(RunSpec(seed=3), 2, 1).get_weights()
    other = build_model(RunSpec(seed=4), 2, 1).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])
    # Layers get their own seeds: two equal-shaped layers do not start equal.
    twins = build_model(RunSpec(layers=(3, 3)), 3, 1)
    assert not np.array_equal(dense_layers(twins)[0].kernel, dense_layers(twins)[1].kernel)


def test_playground_initialiser_is_uniform_half_with_bias_0_1():
    model = build_model(RunSpec(initializer="playground", layers=(64,), activations=("tanh",),
                                dropout_rates=(0.0,)), 8, 1)
    kernel, bias = dense_layers(model)[0].get_weights()
    assert kernel.min() >= -0.5 and kernel.max() <= 0.5 and kernel.std() > 0.2
    assert np.allclose(bias, 0.1)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_builds_and_gives_finite_outputs(activation):
    spec = RunSpec(layers=(5,), activations=(activation,), dropout_rates=(0.0,))
    model = build_model(spec, 2, 1)
    outputs = model(np.linspace(-6, 6, 20, dtype=np.float32).reshape(10, 2), training=False)
    assert np.all(np.isfinite(outputs))


def test_binary_step_values_and_zero_gradient():
    x = tf.constant([-2.0, -0.1, 0.0, 0.5, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = binary_step(x)
    assert y.numpy().tolist() == [0, 0, 1, 1, 1]
    assert tape.gradient(y, x).numpy().tolist() == [0, 0, 0, 0, 0]


def test_regularisation_adds_a_penalty_and_optimisers_take_the_rate():
    spec = RunSpec.from_query("reg=l2&regrate=0.1&optimizer=adam&lr=0.003").spec
    model = compiled_model(spec, 2, 1)
    model(np.zeros((1, 2), dtype=np.float32))
    assert len(model.losses) == 3
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.003)
    momentum = compiled_model(RunSpec(optimizer="momentum"), 2, 1).optimizer
    assert isinstance(momentum, keras.optimizers.SGD) and momentum.momentum == 0.9


def forbidden_uses(source: str) -> list[str]:
    """Imports of streamlit and calls of a process-global seed in a module, read from its syntax tree."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"imports {module}" for module in modules if module.split(".")[0] == "streamlit"]
        elif isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            if called.endswith(("set_random_seed", "random.seed", "random.set_seed")):
                found.append(f"calls {called}")
    return found


def test_the_library_never_seeds_globally_nor_imports_streamlit():
    library = pathlib.Path(__file__).resolve().parents[1] / "playground"
    paths = [path for path in library.rglob("*.py") if "ui" not in path.relative_to(library).parts]
    assert len(paths) > 10
    assert {str(path.relative_to(library)): uses for path in paths if (uses := forbidden_uses(path.read_text()))} == {}


def test_the_check_finds_every_spelling():
    source = ("import streamlit as st\nfrom streamlit.runtime import x\nimport numpy as np\nnp.random.seed(1)\n"
              "keras.utils.set_random_seed(1)\ntf.random.set_seed(2)\nrng = np.random.default_rng(3)\n")
    assert forbidden_uses(source) == ["imports streamlit", "imports streamlit.runtime", "calls np.random.seed",
                                      "calls keras.utils.set_random_seed", "calls tf.random.set_seed"]
