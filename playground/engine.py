"""The TensorFlow side of a training job: the compiled model, its input pipeline, evaluation and ``fit``.

Why it is fast (see bench/training.py): the training set is a repeated, seeded ``tf.data`` pipeline, one epoch is
one ``steps_per_execution`` call of Keras, and train/test loss and metrics come from one compiled function on the
full sets instead of Keras's ``validation_data`` (which rebuilds an evaluation loop every epoch).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import keras
import numpy as np
import tensorflow as tf

from playground.data import Dataset
from playground.model import compiled_model, dense_layers, make_loss
from playground.spec import RunSpec

if TYPE_CHECKING:
    from playground.training import TrainingJob

# fit() is given this many epochs; the job's own (live) epoch limit stops it earlier.
MAX_EPOCHS = 100_000


def steps_per_epoch(train_count: int, batch_size: int) -> int:
    return max(1, math.ceil(train_count / batch_size))


def training_pipeline(dataset: Dataset, batch_size: int, seed: int) -> tf.data.Dataset:
    """Shuffled (seeded, reshuffled every epoch), batched and repeated: epoch boundaries stay aligned."""
    count = len(dataset.x_train)
    pipeline = tf.data.Dataset.from_tensor_slices((dataset.x_train, dataset.y_train))
    pipeline = pipeline.shuffle(count, seed=seed, reshuffle_each_iteration=True).batch(batch_size).repeat()
    # One private thread and no autotuning: on a 2-core machine shared by several jobs, tf.data's own thread
    # pool competes with the training step itself (measured in bench/training.py).
    options = tf.data.Options()
    options.threading.private_threadpool_size = 1
    options.threading.max_intra_op_parallelism = 1
    options.autotune.enabled = False
    return pipeline.prefetch(2).with_options(options)


class Engine:
    """Builds the model for a spec and runs ``Model.fit`` on behalf of a :class:`TrainingJob`."""

    def __init__(self, spec: RunSpec, dataset: Dataset, probe_inputs: np.ndarray | None = None):
        self.spec = spec
        self.dataset = dataset
        self.steps = steps_per_epoch(len(dataset.x_train), spec.batch_size)
        self.model = compiled_model(spec, dataset.input_count, dataset.output_units, steps_per_execution=self.steps)
        self.pipeline = training_pipeline(dataset, spec.batch_size, spec.seed)
        self._learning_rate = spec.learning_rate
        self._tensors = [tf.constant(array) for array in
                         (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)]
        self._evaluate = self._make_evaluator()
        self._dense = dense_layers(self.model)
        self._probe_inputs = None if probe_inputs is None else tf.constant(probe_inputs, dtype=tf.float32)
        self._probe = None
        if probe_inputs is not None:
            probe_model = keras.Model(self.model.inputs, [layer.output for layer in self._dense])
            self._probe = tf.function(lambda x: probe_model(x, training=False))

    def _make_evaluator(self):
        model, spec = self.model, self.spec
        loss_fn = make_loss(spec)
        if spec.problem == "multiclass":
            def metric(y, p):
                return tf.reduce_mean(keras.metrics.sparse_categorical_accuracy(y, p))
        elif spec.problem == "binary":
            def metric(y, p):
                return tf.reduce_mean(keras.metrics.binary_accuracy(y, p))
        else:
            r2_train, r2_test = keras.metrics.R2Score(), keras.metrics.R2Score()

            def metric(y, p, score=None):
                score.reset_state()
                score.update_state(y, p)
                return score.result()

        name = "accuracy" if spec.is_classification else "r2"

        @tf.function(jit_compile=True)
        def evaluate(x_train, y_train, x_test, y_test):
            p_train = model(x_train, training=False)
            p_test = model(x_test, training=False)
            if spec.is_classification:
                m_train, m_test = metric(y_train, p_train), metric(y_test, p_test)
            else:
                m_train, m_test = metric(y_train, p_train, r2_train), metric(y_test, p_test, r2_test)
            return tf.stack([loss_fn(y_train, p_train), loss_fn(y_test, p_test), m_train, m_test])

        def run() -> dict[str, float]:
            loss, test_loss, value, test_value = evaluate(*self._tensors).numpy().tolist()
            return {"loss": loss, "test_loss": test_loss, name: value, f"test_{name}": test_value}

        return run

    def evaluate(self) -> dict[str, float]:
        """Loss (without the regularisation penalty, as TensorFlow Playground shows it) and metric, both sets."""
        return self._evaluate()

    def weights(self) -> tuple[np.ndarray, ...]:
        """Kernel and bias of every Dense layer, in order: (W1, b1, W2, b2, ...), copied."""
        return tuple(_frozen(variable.numpy()) for layer in self._dense for variable in (layer.kernel, layer.bias))

    def probe(self) -> tuple[np.ndarray, ...] | None:
        """Each Dense layer's output (after its activation) on the probe inputs."""
        if self._probe is None:
            return None
        return tuple(_frozen(np.asarray(output)) for output in self._probe(self._probe_inputs))

    def set_learning_rate(self, rate: float) -> None:
        if rate != self._learning_rate:
            self.model.optimizer.learning_rate.assign(rate)
            self._learning_rate = rate

    def fit(self, job: TrainingJob) -> None:
        callbacks: list[keras.callbacks.Callback] = [_PublishEachEpoch(job, self)]
        if self.spec.patience > 0:
            callbacks.append(keras.callbacks.EarlyStopping(monitor="test_loss", mode="min",
                                                           patience=self.spec.patience))
        self.model.fit(self.pipeline, epochs=MAX_EPOCHS, steps_per_epoch=self.steps, verbose=0,
                       callbacks=callbacks, shuffle=False)  # the pipeline shuffles, seeded


def _frozen(array: np.ndarray) -> np.ndarray:
    """A read-only copy: snapshots share it, so nobody may write to it."""
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


class _PublishEachEpoch(keras.callbacks.Callback):
    """Publishes each epoch's results to the job and carries out its controls (pause, stop, rate)."""

    def __init__(self, job: TrainingJob, engine: Engine):
        super().__init__()
        self.job = job
        self.engine = engine

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        results = self.engine.evaluate()
        logs["test_loss"] = results["test_loss"]  # for EarlyStopping, which runs after this callback
        fit_loss = float(logs.get("loss", 0.0))
        if not self.job.on_epoch_end(epoch + 1, results, self.engine, fit_loss):
            self.model.stop_training = True
