"""The choices of the choice options, one row each: the label the controls show and, for the Keras parts
(optimiser, loss, initialiser, activation, regulariser), the Keras code that builds it.

The code is spelled once. The exported script writes it with its own names (``LEARNING_RATE``, a layer's seed
expression); the app evaluates the very same text with the run's numbers (``model.keras_object``), so the two
cannot drift apart. Adding an optimiser or an activation is one row here (the README's "Adding an option").
Like ``options.py``, this module imports neither Keras nor TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Choice:
    """One choice of a choice option."""

    name: str  # the value in the spec, the URL and JSON
    label: str  # what the controls show
    code: str = ""  # Keras code with {placeholders} filled by the caller; "" when nothing is built
    bias_code: str = ""  # initialisers: the code of the bias initialiser ("" for Keras's zeros)
    bounded: bool = False  # activations: outputs within [-1, 1] (neuron pictures need no rescaling)

    def spelled(self, **values: str) -> str:
        """The code with its placeholders filled by code text (``learning_rate="LEARNING_RATE"``)."""
        return self.code.format(**values)


def rows(*choices: Choice) -> dict[str, Choice]:
    return {choice.name: choice for choice in choices}


def labelled(names: tuple[str, ...], labels: dict[str, str] | None = None) -> dict[str, Choice]:
    """Rows that are only names and labels (data sets, features, ...): the label defaults to the name."""
    labels = labels or {}
    return rows(*(Choice(name, labels.get(name, name.replace("_", " "))) for name in names))


OPTIMIZER_CHOICES = rows(
    Choice("sgd", "SGD", "keras.optimizers.SGD(learning_rate={learning_rate})"),
    Choice("momentum", "SGD + momentum", "keras.optimizers.SGD(learning_rate={learning_rate}, momentum=0.9)"),
    Choice("adam", "Adam", "keras.optimizers.Adam(learning_rate={learning_rate})"),
    Choice("rmsprop", "RMSprop", "keras.optimizers.RMSprop(learning_rate={learning_rate})"),
    Choice("adagrad", "Adagrad", "keras.optimizers.Adagrad(learning_rate={learning_rate})"),
)

LOSS_CHOICES = rows(
    Choice("auto", "auto (from the problem)"),  # resolved by the spec to one of the others
    Choice("mse", "mean squared error", "keras.losses.MeanSquaredError()"),
    Choice("mae", "mean absolute error", "keras.losses.MeanAbsoluteError()"),
    Choice("huber", "Huber", "keras.losses.Huber()"),
    Choice("binary_crossentropy", "binary cross-entropy", "keras.losses.BinaryCrossentropy()"),
    Choice("sparse_categorical_crossentropy", "sparse categorical cross-entropy",
           "keras.losses.SparseCategoricalCrossentropy()"),
)

# Keras's own activations by name; binary_step is Playground's (model.binary_step, copied into exported scripts).
ACTIVATION_CHOICES = rows(
    *(Choice(name, name.replace("_", " "), f'"{name}"', bounded=name in ("sigmoid", "tanh", "softsign"))
      for name in ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus", "softsign", "gelu",
                   "swish", "mish")),
    Choice("binary_step", "binary step", "binary_step", bounded=True),
)
# The output layer's activations (by problem type, not a choice of the user's).
OUTPUT_ACTIVATION_CHOICES = rows(*(ACTIVATION_CHOICES[name] for name in ("sigmoid", "linear")),
                                 Choice("softmax", "softmax", '"softmax"'))

INITIALIZER_CHOICES = rows(
    Choice("glorot_uniform", "glorot uniform", "keras.initializers.GlorotUniform(seed={seed})"),
    Choice("glorot_normal", "glorot normal", "keras.initializers.GlorotNormal(seed={seed})"),
    Choice("he_uniform", "he uniform", "keras.initializers.HeUniform(seed={seed})"),
    Choice("he_normal", "he normal", "keras.initializers.HeNormal(seed={seed})"),
    Choice("lecun_normal", "lecun normal", "keras.initializers.LecunNormal(seed={seed})"),
    # TensorFlow Playground's: weights U(-0.5, 0.5), biases 0.1.
    Choice("playground", "playground U(-0.5, 0.5)", "keras.initializers.RandomUniform(-0.5, 0.5, seed={seed})",
           bias_code="keras.initializers.Constant(0.1)"),
    Choice("zeros", "zeros", "keras.initializers.Zeros()"),
)

REGULARIZATION_CHOICES = rows(
    Choice("none", "none"),
    Choice("l1", "L1", "keras.regularizers.L1({rate})"),
    Choice("l2", "L2", "keras.regularizers.L2({rate})"),
)
