"""Keras models built from a run spec, seeded per layer (nothing here touches a process-global seed)."""

from __future__ import annotations

import numbers

import keras

from playground.choices import (
    ACTIVATION_CHOICES,
    INITIALIZER_CHOICES,
    LOSS_CHOICES,
    OPTIMIZER_CHOICES,
    OUTPUT_ACTIVATION_CHOICES,
    REGULARIZATION_CHOICES,
)
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


def keras_object(code: str, **values: float | int):
    """Build a choice's Keras object from its code (``choices.py``), the placeholders filled with the run's
    numbers. The exported script writes the same code, so the app and the script build the same objects."""
    # Plain Python numbers: a NumPy scalar's repr ("np.int64(3)") is no code the namespace below can read.
    text = code.format(**{name: repr(int(value) if isinstance(value, numbers.Integral) else float(value))
                          for name, value in values.items()})
    # Our own table's code, with numbers only: nothing a user typed reaches this text.
    return eval(text, {"__builtins__": {}, "keras": keras, "binary_step": binary_step})  # noqa: S307


def activation_function(name: str):
    """The Keras activation for one of ``options.ACTIVATIONS`` (or an output activation)."""
    row = ACTIVATION_CHOICES.get(name) or OUTPUT_ACTIVATION_CHOICES[name]
    return keras.activations.get(keras_object(row.code))


def _initializers(spec: RunSpec, layer_index: int):
    row = INITIALIZER_CHOICES[spec.initializer]
    kernel = keras_object(row.code, seed=layer_seed(spec.seed, layer_index, _KERNEL))
    bias = keras_object(row.bias_code) if row.bias_code else keras.initializers.Zeros()
    return kernel, bias


def _regularizer(spec: RunSpec):
    row = REGULARIZATION_CHOICES[spec.regularization]
    if row.code and spec.regularization_rate > 0:
        return keras_object(row.code, rate=float(spec.regularization_rate))
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
    outputs = keras.layers.Dense(output_units, activation=activation_function(spec.output_activation),
                                 kernel_initializer=kernel, bias_initializer=bias, kernel_regularizer=regularizer,
                                 name="output")(x)
    return keras.Model(inputs, outputs, name="playground")


def dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    """The model's Dense layers in order (hidden ones, then the output)."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def make_optimizer(spec: RunSpec) -> keras.optimizers.Optimizer:
    return keras_object(OPTIMIZER_CHOICES[spec.optimizer].code, learning_rate=float(spec.learning_rate))


def make_loss(spec: RunSpec) -> keras.losses.Loss:
    return keras_object(LOSS_CHOICES[spec.resolved_loss].code)


def compiled_model(spec: RunSpec, input_count: int, output_units: int) -> keras.Model:
    """Build and compile with the spec's optimizer and loss (for notebooks and exports; training jobs wrap
    the model in ``engine.EpochTrainer``)."""
    model = build_model(spec, input_count, output_units)
    model.compile(optimizer=make_optimizer(spec), loss=make_loss(spec))
    return model
