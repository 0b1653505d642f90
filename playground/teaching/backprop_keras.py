"""The backpropagation trace checked against Keras: the same network as a Keras model, its gradients from
``tf.GradientTape``, and one ``keras.optimizers.SGD`` step (see ``backprop.py`` for the hand-worked side)."""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from playground.teaching.backprop import DEFAULT_LEARNING_RATE, BackpropTrace, backprop_trace
from playground.teaching.forward import Layer, Network, keras_model

RELATIVE_FLOOR = 1e-8  # gradients smaller than this compare absolutely: two zeros are equal, not 0/0


def keras_loss(loss_name: str, target: tf.Tensor, output: tf.Tensor) -> tf.Tensor:
    """Our losses through ``keras.losses``: half of MeanSquaredError, and BinaryCrossentropy as it is.

    float64, because a Keras loss otherwise casts to float32 and blurs the comparison to about 1e-7.
    """
    if loss_name == "squared_error":
        return 0.5 * keras.losses.MeanSquaredError(dtype="float64")(target, output)
    if loss_name == "binary_crossentropy":
        return keras.losses.BinaryCrossentropy(dtype="float64")(target, output)
    raise ValueError(f"Unknown loss {loss_name!r}")


def _keras_setup(network: Network, inputs: Sequence[float], target: Sequence[float] | float):
    model = keras_model(network, dtype="float64")
    x = tf.constant(np.asarray(inputs, dtype=np.float64).reshape(1, -1))
    y = tf.constant(np.asarray(target, dtype=np.float64).reshape(1, -1))
    return model, x, y


def _tape_gradients(model: keras.Model, x: tf.Tensor, y: tf.Tensor, loss_name: str) -> list[tf.Tensor]:
    with tf.GradientTape() as tape:
        loss = keras_loss(loss_name, y, model(x, training=False)[-1])
    gradients = tape.gradient(loss, model.trainable_variables)
    return [tf.zeros_like(variable) if gradient is None else gradient
            for gradient, variable in zip(gradients, model.trainable_variables, strict=True)]


def keras_gradients(network: Network, inputs: Sequence[float], target: Sequence[float] | float,
                    loss_name: str = "squared_error") -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(weight gradients, bias gradients) per layer, from ``tf.GradientTape`` on the equivalent Keras model."""
    model, x, y = _keras_setup(network, inputs, target)
    gradients = [np.asarray(gradient) for gradient in _tape_gradients(model, x, y, loss_name)]
    return gradients[0::2], gradients[1::2]  # each Dense holds (kernel, bias), in layer order


def relative_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    """max |a − b| / max(|a|, |b|, RELATIVE_FLOOR) over all entries."""
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    scale = np.maximum(np.maximum(np.abs(ours), np.abs(theirs)), RELATIVE_FLOOR)
    return float(np.max(np.abs(ours - theirs) / scale, initial=0.0))


def compare(trace: BackpropTrace, keras_grads: tuple[list[np.ndarray], list[np.ndarray]]) -> float:
    """The largest relative difference between the trace's gradients and Keras's, over every weight and bias."""
    weight_gradients, bias_gradients = keras_grads
    pairs = [*zip(trace.weight_gradients, weight_gradients, strict=True),
             *zip(trace.bias_gradients, bias_gradients, strict=True)]
    return max(relative_difference(ours, theirs) for ours, theirs in pairs)


def keras_sgd_step(network: Network, inputs: Sequence[float], target: Sequence[float] | float,
                   loss_name: str, learning_rate: float) -> Network:
    """The network after ``keras.optimizers.SGD(learning_rate)`` applies one step of the tape's gradients."""
    model, x, y = _keras_setup(network, inputs, target)
    gradients = _tape_gradients(model, x, y, loss_name)
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
    values = [np.asarray(variable) for variable in model.trainable_variables]
    return Network(tuple(Layer(weights, biases, layer.activation)
                         for weights, biases, layer in zip(values[0::2], values[1::2], network.layers, strict=True)))


def sgd_step_matches_keras(network: Network, inputs: Sequence[float], target: Sequence[float] | float,
                           loss_name: str = "squared_error", learning_rate: float = DEFAULT_LEARNING_RATE,
                           tolerance: float = 1e-9) -> bool:
    """Whether the trace's updated weights equal what Keras's SGD optimizer makes of the same model."""
    ours = backprop_trace(network, inputs, target, loss_name, learning_rate).updated
    theirs = keras_sgd_step(network, inputs, target, loss_name, learning_rate)
    return all(relative_difference(a.weights, b.weights) <= tolerance
               and relative_difference(a.biases, b.biases) <= tolerance
               for a, b in zip(ours.layers, theirs.layers, strict=True))
