"""The TensorFlow side of one training job: its data pipeline, its state on a shared compiled trainer
(``trainers.py``), its evaluation, probes and ``fit``.

Keras ``Model.fit`` drives the epochs and callbacks; each of its steps is a whole epoch (see trainers.py for why
that is fast). The pipeline yields the training set once per epoch in an order that depends only on the seed
and the epoch, so a run's history does not depend on how its epochs were split into turns.
"""

from __future__ import annotations

from typing import Protocol

import keras
import numpy as np
import tensorflow as tf

from playground.data.points import Dataset
from playground.spec import RunSpec
from playground.training.trainers import TrainerCache, forget_trainer


class EpochListener(Protocol):
    """Who the engine reports to after each epoch (the training job), as Keras's ``fit`` reports to a callback:
    the engine knows this method only, not its owner."""

    def on_epoch_end(self, epoch: int, results: dict[str, float], engine: Engine, fit_loss: float) -> bool:
        """Take the epoch's results; return False to stop training."""

# fit() is given this many epochs; the job's own (live) epoch limit stops it earlier.
MAX_EPOCHS = 100_000


def epoch_pipeline(dataset: Dataset, seed: int) -> tf.data.Dataset:
    """One element per epoch: the training set in a new order (seeded: the same seed, the same orders) and the
    full train and test sets for the evaluation, as ``EpochTrainer`` takes them."""
    x_train, y_train, x_test, y_test = (tf.constant(array) for array in
                                        (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test))
    count = len(dataset.x_train)

    def shuffled(epoch):
        order = tf.random.experimental.stateless_shuffle(tf.range(count), seed=tf.stack([seed, epoch]))
        return (tf.gather(x_train, order), x_train, x_test), (tf.gather(y_train, order), y_train, y_test)

    options = tf.data.Options()
    # One private thread and no autotuning: on a 2-core machine the pipeline must not compete with training.
    options.threading.private_threadpool_size = 1
    options.autotune.enabled = False
    return tf.data.Dataset.range(MAX_EPOCHS + 1).map(shuffled).prefetch(1).with_options(options)


class Engine:
    """One job's side of a trainer: builds (or borrows) the trainer for a spec and runs ``Model.fit``,
    reporting each epoch to an :class:`EpochListener`.

    With a shared ``trainers`` cache the trainer may be lent to other jobs between turns: call :meth:`enter`
    at the start of each turn (it loads this job's state if another job used the trainer meanwhile). Without
    one, the engine has a trainer of its own and ``enter`` does nothing.
    """

    def __init__(self, spec: RunSpec, dataset: Dataset, trainers: TrainerCache | None = None):
        self.spec = spec
        self.dataset = dataset
        self.shared = trainers is not None
        self.state: list[np.ndarray] | None = None  # this job's variables while another job uses the trainer
        cache = trainers if trainers is not None else TrainerCache(capacity=0)
        self.trainer, fresh = cache.checkout(spec, dataset, self)
        if not fresh:
            self.state = self.trainer.initial_state(spec)
        self.trainer.occupy(self)
        self._data = tuple(tf.constant(array) for array in
                           (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test))
        self.result_names = ("loss", "test_loss", spec.metric, f"test_{spec.metric}")
        self.pipeline = epoch_pipeline(dataset, spec.seed)
        self._learning_rate = spec.learning_rate
        self._early_stop = _EarlyStopWhenPatient(spec.patience)

    @property
    def model(self) -> keras.Model:
        """The Keras network (holding this job's weights while the job occupies the trainer)."""
        return self.trainer.network

    def enter(self) -> None:
        """This job's turn begins: its state goes into the trainer (if another job's is there)."""
        self.trainer.occupy(self)

    def finish(self, *, keep: bool) -> None:
        """The job's training is over. ``keep``: its model stays for exports and probes until :meth:`close`;
        otherwise the job lets go of the trainer now. TensorFlow's tracing leftovers of a trainer of its own
        are freed either way (tf_leaks.py); a shared trainer's stay for the next job of its architecture."""
        if not self.shared:
            forget_trainer(self.trainer)
        if not keep:
            self.close()

    def close(self) -> None:
        """The job is gone: the trainer no longer counts it as a user (an unused one may be evicted)."""
        self.trainer.users.discard(self)

    def results(self, values) -> dict[str, float]:
        return dict(zip(self.result_names, np.asarray(values).tolist(), strict=True))

    def evaluate(self) -> dict[str, float]:
        """The full-set losses and metrics now (epoch 0, eager, so the first point appears without a compile;
        later epochs get them from the training call)."""
        return self.results(self.trainer.evaluation(*self._data))

    def weights(self) -> tuple[np.ndarray, ...]:
        """Kernel and bias of every Dense layer, in order: (W1, b1, W2, b2, ...), copied."""
        return tuple(_frozen(variable.numpy()) for layer in self.trainer.dense
                     for variable in (layer.kernel, layer.bias))

    def probe(self, inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        """Each Dense layer's output (after its activation) on the probe inputs."""
        outputs = self.trainer.probe(tf.constant(inputs, dtype=tf.float32))
        if not isinstance(outputs, list | tuple):  # a network without hidden layers has one output only
            outputs = [outputs]
        return tuple(_frozen(np.asarray(output)) for output in outputs)

    def test_outputs(self) -> np.ndarray:
        """The network's outputs on the test split (for the evaluation views)."""
        return _frozen(np.asarray(self.trainer.outputs(self._data[2])))

    def set_learning_rate(self, rate: float) -> None:
        if rate != self._learning_rate:
            self.trainer.fit_model.optimizer.learning_rate.assign(rate)
            self._learning_rate = rate

    def set_patience(self, patience: int) -> None:
        """Early-stop patience, live (0: off); the epochs waited so far still count."""
        self._early_stop.patience = int(patience)

    def fit(self, listener: EpochListener) -> None:
        callbacks: list[keras.callbacks.Callback] = [_PublishEachEpoch(listener, self), self._early_stop]
        fit_model = self.trainer.fit_model
        try:
            fit_model.fit(self.pipeline, epochs=MAX_EPOCHS, steps_per_epoch=1, verbose=0, callbacks=callbacks,
                          shuffle=False)  # the pipeline shuffles, seeded
        finally:
            fit_model.stop_training = False  # the trainer's next job starts afresh

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


class _OneEpoch:
    def on_epoch_end(self, epoch: int, results: dict[str, float], engine: Engine, fit_loss: float) -> bool:
        return False


def warm_up(spec: RunSpec, dataset: Dataset, trainers: TrainerCache, probe_inputs: np.ndarray | None = None) -> bool:
    """Build and compile the trainer of ``spec`` ahead of its first Play, if ``trainers`` has none: one
    throwaway epoch traces and compiles the training step, and the evaluation and probes are traced too. A job
    that comes later finds the trainer built and starts from its seeded initial weights (the throwaway epoch
    leaves nothing behind: the trainer is no longer fresh, so every job loads its own state). Call it holding
    the worker's turn. Returns whether it built one."""
    if trainers.has(spec, dataset):
        return False
    engine = Engine(spec, dataset, trainers)
    try:
        engine.evaluate()
        engine.fit(_OneEpoch())
        if probe_inputs is not None:
            engine.probe(probe_inputs)
        engine.test_outputs()
    finally:
        engine.close()
    return True
