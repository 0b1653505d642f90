"""The TensorFlow side of a training job: the compiled model, its input pipeline, evaluation and ``fit``.

Why it is fast (see bench/training.py): Keras ``Model.fit`` drives the epochs and callbacks as usual, but each of
its steps is a whole epoch. The data pipeline yields the training set once per epoch, in a new seeded order,
and :class:`EpochTrainer` runs Keras's own ``train_step`` on each mini-batch of it inside one XLA-compiled
call, so Python and the executor are entered once per epoch instead of once per mini-batch (1.5-2.5x the
epochs per second of ``steps_per_execution=25`` on these small networks, measured in one process, alternating). Train/test loss and metrics come from
one compiled function on the full sets instead of Keras's ``validation_data``, which rebuilds an evaluation
loop every epoch.
"""

from __future__ import annotations

from typing import Protocol

import keras
import numpy as np
import tensorflow as tf

from playground.data.points import Dataset
from playground.spec import RunSpec
from playground.training.model import build_model, dense_layers, make_loss, make_optimizer


class EpochListener(Protocol):
    """Who the engine reports to after each epoch (the training job), as Keras's ``fit`` reports to a callback:
    the engine knows this method only, not its owner."""

    def on_epoch_end(self, epoch: int, results: dict[str, float], engine: Engine, fit_loss: float) -> bool:
        """Take the epoch's results; return False to stop training."""

# fit() is given this many epochs; the job's own (live) epoch limit stops it earlier.
MAX_EPOCHS = 100_000


class EpochTrainer(keras.Model):
    """Trains ``network`` one epoch per ``fit`` step: each step gets the whole training set, shuffled, and
    applies Keras's standard ``train_step`` to its mini-batches in order (the last one may be smaller).

    The network itself stays a plain functional model (for views and export); this wrapper only owns the
    optimizer and the loss, and shares the network's weights.
    """

    def __init__(self, network: keras.Model, batch_size: int, train_count: int, evaluation=None, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.batch_size = batch_size
        self.full_batches, self.last_batch = divmod(train_count, batch_size)
        self.evaluation = evaluation  # TF ops giving the full-set losses and metrics after the epoch

    def call(self, inputs, training=False):
        return self.network(inputs, training=training)

    def train_step(self, data):
        x, y = data
        size = self.batch_size
        standard_step = super().train_step  # Keras's own step: forward, loss, gradients, optimizer update

        def one_batch(step):
            start = step * size
            standard_step((x[start:start + size], y[start:start + size]))
            return (step + 1,)

        # Keras does not let AutoGraph convert train_step, so the loop over mini-batches is spelled out.
        tf.while_loop(lambda step: step < self.full_batches, one_batch, (tf.constant(0),))
        if self.last_batch:
            start = self.full_batches * size
            standard_step((x[start:], y[start:]))
        logs = self.get_metrics_result()
        if self.evaluation is not None:
            # Evaluating in the same compiled call saves a second call into TensorFlow every epoch.
            logs["evaluation"] = self.evaluation()
        return logs


def epoch_pipeline(dataset: Dataset, seed: int) -> tf.data.Dataset:
    """The training set once per element, in a new order each epoch (seeded: the same seed, the same orders)."""
    x = tf.constant(dataset.x_train)
    y = tf.constant(dataset.y_train)
    count = len(dataset.x_train)

    def shuffled(epoch):
        order = tf.random.experimental.stateless_shuffle(tf.range(count), seed=tf.stack([seed, epoch]))
        return tf.gather(x, order), tf.gather(y, order)

    options = tf.data.Options()
    # One private thread and no autotuning: on a 2-core machine the pipeline must not compete with training.
    options.threading.private_threadpool_size = 1
    options.autotune.enabled = False
    return tf.data.Dataset.range(MAX_EPOCHS + 1).map(shuffled).prefetch(1).with_options(options)


class Engine:
    """Builds the model for a spec and runs ``Model.fit``, reporting each epoch to an :class:`EpochListener`."""

    def __init__(self, spec: RunSpec, dataset: Dataset):
        self.spec = spec
        self.dataset = dataset
        self.model = build_model(spec, dataset.input_count, dataset.output_units)
        self._tensors = [tf.constant(array) for array in
                         (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)]
        self.result_names = ("loss", "test_loss", spec.metric, f"test_{spec.metric}")
        evaluation = self._make_evaluation()
        self._evaluate = evaluation  # epoch 0 only: eager, so the first point appears without a compile
        self.trainer = EpochTrainer(self.model, spec.batch_size, len(dataset.x_train), evaluation, name="trainer")
        # XLA fuses the many tiny ops of a small network and the mini-batch loop into one call. Not with dropout:
        # XLA on CPU draws TensorFlow's default ("auto_select") random numbers ~35x slower than plain TensorFlow
        # (64 ms against 1.8 ms for 898x128 uniforms), which made an epoch of digits take 2.5 s instead of 0.1 s.
        jit = not any(rate > 0 for rate in spec.dropout_rates)
        self.trainer.compile(optimizer=make_optimizer(spec), loss=make_loss(spec), jit_compile=jit)
        # The network shares the optimizer, so a saved .keras file holds the training state too.
        self.model.compile(optimizer=self.trainer.optimizer, loss=make_loss(spec))
        self.pipeline = epoch_pipeline(dataset, spec.seed)
        self._learning_rate = spec.learning_rate
        self._early_stop = _EarlyStopWhenPatient(spec.patience)
        self._dense = dense_layers(self.model)
        probe_model = keras.Model(self.model.inputs, [layer.output for layer in self._dense])
        # One trace for any probe of this width (the page may switch the plane it probes).
        self._probe = tf.function(lambda x: probe_model(x, training=False),
                                  input_signature=[tf.TensorSpec([None, dataset.input_count], tf.float32)])
        self._test_outputs = tf.function(lambda: self.model(self._tensors[2], training=False))

    def _make_evaluation(self):
        """TF ops: loss (without the regularisation penalty, as TensorFlow Playground shows it) and the headline
        metric (keras.metrics) on the full train and test sets, stacked in ``self.result_names`` order."""
        model, spec = self.model, self.spec
        loss_fn = make_loss(spec)
        x_train, y_train, x_test, y_test = self._tensors
        if spec.is_classification:
            accuracy = (keras.metrics.sparse_categorical_accuracy if spec.problem == "multiclass"
                        else keras.metrics.binary_accuracy)
            scores = None
        else:
            scores = keras.metrics.R2Score(name="r2_train"), keras.metrics.R2Score(name="r2_test")

        def metric(y, prediction, index):
            if scores is None:
                return tf.reduce_mean(accuracy(y, prediction))
            scores[index].reset_state()
            scores[index].update_state(y, prediction)
            return scores[index].result()

        def evaluation():
            p_train = model(x_train, training=False)
            p_test = model(x_test, training=False)
            return tf.stack([loss_fn(y_train, p_train), loss_fn(y_test, p_test),
                             metric(y_train, p_train, 0), metric(y_test, p_test, 1)])

        return evaluation

    def results(self, values) -> dict[str, float]:
        return dict(zip(self.result_names, np.asarray(values).tolist(), strict=True))

    def evaluate(self) -> dict[str, float]:
        """The full-set losses and metrics now (epoch 0; later epochs get them from the training call)."""
        return self.results(self._evaluate())

    def weights(self) -> tuple[np.ndarray, ...]:
        """Kernel and bias of every Dense layer, in order: (W1, b1, W2, b2, ...), copied."""
        return tuple(_frozen(variable.numpy()) for layer in self._dense for variable in (layer.kernel, layer.bias))

    def probe(self, inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        """Each Dense layer's output (after its activation) on the probe inputs."""
        outputs = self._probe(tf.constant(inputs, dtype=tf.float32))
        if not isinstance(outputs, list | tuple):  # a network without hidden layers has one output only
            outputs = [outputs]
        return tuple(_frozen(np.asarray(output)) for output in outputs)

    def test_outputs(self) -> np.ndarray:
        """The network's outputs on the test split (for the evaluation views)."""
        return _frozen(np.asarray(self._test_outputs()))

    def set_learning_rate(self, rate: float) -> None:
        if rate != self._learning_rate:
            self.trainer.optimizer.learning_rate.assign(rate)
            self._learning_rate = rate

    def set_patience(self, patience: int) -> None:
        """Early-stop patience, live (0: off); the epochs waited so far still count."""
        self._early_stop.patience = int(patience)

    def fit(self, listener: EpochListener) -> None:
        callbacks: list[keras.callbacks.Callback] = [_PublishEachEpoch(listener, self), self._early_stop]
        self.trainer.fit(self.pipeline, epochs=MAX_EPOCHS, steps_per_epoch=1, verbose=0, callbacks=callbacks,
                         shuffle=False)  # the pipeline shuffles, seeded


def _frozen(array: np.ndarray) -> np.ndarray:
    """A read-only copy: snapshots share it, so nobody may write to it."""
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


class _EarlyStopWhenPatient(keras.callbacks.EarlyStopping):
    """Keras's EarlyStopping on the test loss, off while the patience is 0 (the patience is live)."""

    def __init__(self, patience: int):
        super().__init__(monitor="test_loss", mode="min", patience=patience)

    def on_epoch_end(self, epoch, logs=None):
        if self.patience > 0:
            super().on_epoch_end(epoch, logs)


class _PublishEachEpoch(keras.callbacks.Callback):
    """Reports each epoch's results to the listener (the job), which may stop training by answering False."""

    def __init__(self, listener: EpochListener, engine: Engine):
        super().__init__()
        self.listener = listener
        self.engine = engine

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        results = self.engine.results(logs.pop("evaluation"))
        logs["test_loss"] = results["test_loss"]  # for EarlyStopping, which runs after this callback
        fit_loss = float(logs.get("loss", 0.0))
        if not self.listener.on_epoch_end(epoch + 1, results, self.engine, fit_loss):
            self.model.stop_training = True
