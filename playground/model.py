"""Keras models built from a run spec, seeded per layer (nothing here touches a process-global seed)."""

from __future__ import annotations

import keras

from playground.spec import RunSpec

# Distinct seeds per layer and purpose, all derived from the run seed.
_KERNEL, _BIAS, _DROPOUT = 0, 1, 2


def layer_seed(seed: int, layer_index: int, purpose: int) -> int:
    return (seed * 1009 + layer_index * 7 + purpose) % (2**31 - 1)


@keras.saving.register_keras_serializable(package="playground", name="binary_step")
def binary_step(x):
    """1 where x >= 0, else 0. Its derivative is 0 everywhere (undefined at 0), so nothing before it learns.

    The ``0 * tanh(x)`` term keeps the graph connected so Keras sees a zero gradient rather than none
    (tanh, unlike x itself, cannot turn an infinite input into NaN).
    """
    step = keras.ops.cast(keras.ops.greater_equal(x, 0), x.dtype)
    return keras.ops.stop_gradient(step) + 0.0 * keras.ops.tanh(x)


def activation_function(name: str):
    """The Keras activation for one of ``options.ACTIVATIONS``."""
    if name == "binary_step":
        return binary_step
    return keras.activations.get(name)


def _initializers(spec: RunSpec, layer_index: int):
    seed = layer_seed(spec.seed, layer_index, _KERNEL)
    if spec.initializer == "playground":
        # TensorFlow Playground: weights U(-0.5, 0.5), biases 0.1.
        return keras.initializers.RandomUniform(-0.5, 0.5, seed=seed), keras.initializers.Constant(0.1)
    if spec.initializer == "zeros":
        return keras.initializers.Zeros(), keras.initializers.Zeros()
    kernel = keras.initializers.get({"class_name": spec.initializer, "config": {"seed": seed}})
    return kernel, keras.initializers.Zeros()


def _regularizer(spec: RunSpec):
    if spec.regularization == "l1" and spec.regularization_rate > 0:
        return keras.regularizers.L1(spec.regularization_rate)
    if spec.regularization == "l2" and spec.regularization_rate > 0:
        return keras.regularizers.L2(spec.regularization_rate)
    return None


def build_model(spec: RunSpec, input_count: int, output_units: int) -> keras.Model:
    """The functional Keras model of a spec: Dense hidden layers (with optional Dropout) and the output layer.

    Dense layers are named hidden_1, hidden_2, ... and output, so views can find them by name.
    """
    inputs = keras.Input(shape=(input_count,), name="inputs")
    x = inputs
    regularizer = _regularizer(spec)
    for index, (units, activation, dropout_rate) in enumerate(spec.hidden_layers, start=1):
        kernel, bias = _initializers(spec, index)
        x = keras.layers.Dense(units, activation=activation_function(activation), kernel_initializer=kernel,
                               bias_initializer=bias, kernel_regularizer=regularizer, name=f"hidden_{index}")(x)
        if dropout_rate > 0:
            x = keras.layers.Dropout(dropout_rate, seed=layer_seed(spec.seed, index, _DROPOUT),
                                     name=f"dropout_{index}")(x)
    kernel, bias = _initializers(spec, len(spec.layers) + 1)
    outputs = keras.layers.Dense(output_units, activation=spec.output_activation, kernel_initializer=kernel,
                                 bias_initializer=bias, kernel_regularizer=regularizer, name="output")(x)
    return keras.Model(inputs, outputs, name="playground")


def dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    """The model's Dense layers in order (hidden ones, then the output)."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def make_optimizer(spec: RunSpec) -> keras.optimizers.Optimizer:
    rate = spec.learning_rate
    if spec.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=rate)
    if spec.optimizer == "momentum":
        return keras.optimizers.SGD(learning_rate=rate, momentum=0.9)
    if spec.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=rate)
    if spec.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=rate)
    if spec.optimizer == "adagrad":
        return keras.optimizers.Adagrad(learning_rate=rate)
    raise ValueError(f"unknown optimizer {spec.optimizer!r}")


def make_loss(spec: RunSpec) -> keras.losses.Loss:
    return {
        "binary_crossentropy": keras.losses.BinaryCrossentropy,
        "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
        "mse": keras.losses.MeanSquaredError,
        "mae": keras.losses.MeanAbsoluteError,
        "huber": keras.losses.Huber,
    }[spec.resolved_loss]()


def metric_name(spec: RunSpec) -> str:
    """The headline metric shown beside the loss: accuracy for classification, R² for regression."""
    return "accuracy" if spec.is_classification else "r2"


def compiled_model(spec: RunSpec, input_count: int, output_units: int) -> keras.Model:
    """Build and compile with the spec's optimizer and loss (for notebooks and exports; training jobs wrap
    the model in ``engine.EpochTrainer``)."""
    model = build_model(spec, input_count, output_units)
    model.compile(optimizer=make_optimizer(spec), loss=make_loss(spec))
    return model
