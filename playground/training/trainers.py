"""Compiled Keras trainers, one per architecture, shared by the jobs that train that architecture.

A class opening the same link trains thirty copies of one network. Building and compiling a trainer (tracing
``fit``'s step and compiling it with XLA) costs about 1-1.5 s of CPU and ~8 MB that TensorFlow never frees, so
a worker builds one :class:`Trainer` per architecture (:func:`trainer_key`) and lends it to every job of that
architecture in turn (``turns.py``). Each job keeps its own state (the network's variables and the optimizer's)
as NumPy arrays; when a job takes its turn on a trainer another job used last, the trainer saves the other
job's state and loads this one's (:meth:`Trainer.occupy`): a few small assignments, no tracing, no compiling.
A new job starts from the same seeded initial weights a fresh build of its spec would have, so a reused trainer
gives the identical history (tests/test_trainers.py).

How it is fast (bench/training.py): Keras ``Model.fit`` drives the epochs and callbacks as usual, but each of
its steps is a whole epoch: :class:`EpochTrainer` runs Keras's own ``train_step`` on each mini-batch of the
shuffled training set inside one XLA-compiled call, and evaluates the full train and test sets in the same
call. The data arrive as the step's inputs (never captured as constants), so one compiled step serves any data
of the same shapes.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

import keras
import numpy as np
import tensorflow as tf

from playground.data.points import Dataset
from playground.spec import RunSpec
from playground.training.model import build_model, dense_layers, make_loss, make_optimizer

DEFAULT_CAPACITY = 8  # trainers a worker keeps for reuse (beyond those its jobs are using)


def trainer_key(spec: RunSpec, dataset: Dataset) -> tuple:
    """What a compiled training step depends on: the same key, the same step (weights and optimizer state are
    assigned, not compiled in). The initialiser and the seed are not in it; the regularisation rate is, as
    Keras builds it into the loss."""
    regularization = (spec.regularization, float(spec.regularization_rate)) if spec.regularization != "none" else ()
    return (tuple(spec.layers), tuple(spec.activations), tuple(float(rate) for rate in spec.dropout_rates),
            spec.output_activation, regularization, spec.optimizer, spec.resolved_loss, spec.problem,
            int(spec.batch_size), dataset.input_count, dataset.output_units, len(dataset.x_train),
            len(dataset.x_test))


class EpochTrainer(keras.Model):
    """Trains ``network`` one epoch per ``fit`` step: each step gets the whole training set, shuffled, applies
    Keras's standard ``train_step`` to its mini-batches in order (the last one may be smaller), then evaluates.

    A step's data are ``((x_epoch, x_train, x_test), (y_epoch, y_train, y_test))``: the epoch's shuffled
    training set, and the full sets for the evaluation. The network stays a plain functional model (for views
    and export); this wrapper only owns the optimizer and the loss, and shares the network's weights.
    """

    def __init__(self, network: keras.Model, batch_size: int, train_count: int, evaluation, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.batch_size = batch_size
        self.full_batches, self.last_batch = divmod(train_count, batch_size)
        self.evaluation = evaluation  # TF ops giving the full-set losses and metrics after the epoch
        self.traces = 0  # how often TensorFlow traced the step (a Python side effect runs only when tracing)

    def call(self, inputs, training=False):
        return self.network(inputs, training=training)

    def train_step(self, data):
        self.traces += 1
        (x, x_train, x_test), (y, y_train, y_test) = data
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
        # Evaluating in the same compiled call saves a second call into TensorFlow every epoch.
        logs["evaluation"] = self.evaluation(x_train, y_train, x_test, y_test)
        return logs


def make_evaluation(network: keras.Model, spec: RunSpec):
    """TF ops: loss (without the regularisation penalty, as TensorFlow Playground shows it) and the headline
    metric (keras.metrics) on the full train and test sets: [loss, test_loss, metric, test_metric]."""
    loss_fn = make_loss(spec)
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

    def evaluation(x_train, y_train, x_test, y_test):
        p_train = network(x_train, training=False)
        p_test = network(x_test, training=False)
        return tf.stack([loss_fn(y_train, p_train), loss_fn(y_test, p_test),
                         metric(y_train, p_train, 0), metric(y_test, p_test, 1)])

    return evaluation


class Trainer:
    """The compiled parts of one architecture: the network, its :class:`EpochTrainer` and optimizer, and the
    compiled probe. Only the job whose state is loaded (:meth:`occupy`) may use it, in its turn."""

    def __init__(self, spec: RunSpec, dataset: Dataset):
        self.key = trainer_key(spec, dataset)
        self.input_count, self.output_units = dataset.input_count, dataset.output_units
        self.network = build_model(spec, dataset.input_count, dataset.output_units)
        self.evaluation = make_evaluation(self.network, spec)
        self.fit_model = EpochTrainer(self.network, spec.batch_size, len(dataset.x_train), self.evaluation,
                                      name="trainer")
        # XLA fuses the many tiny ops of a small network and the mini-batch loop into one call. Not with dropout:
        # XLA on CPU draws TensorFlow's default ("auto_select") random numbers ~35x slower than plain TensorFlow
        # (64 ms against 1.8 ms for 898x128 uniforms), which made an epoch of digits take 2.5 s instead of 0.1 s.
        jit = not any(rate > 0 for rate in spec.dropout_rates)
        self.fit_model.compile(optimizer=make_optimizer(spec), loss=make_loss(spec), jit_compile=jit)
        optimizer = self.fit_model.optimizer
        # The network shares the optimizer, so a saved .keras file holds the training state too.
        self.network.compile(optimizer=optimizer, loss=make_loss(spec))
        optimizer.build(self.fit_model.trainable_variables)  # its variables exist from now on: a job's state
        self.variables = [*self.network.variables, *optimizer.variables]
        self._rate_index = next(index for index, variable in enumerate(self.variables)
                                if variable is optimizer.learning_rate)
        self._pristine_optimizer = [variable.numpy() for variable in optimizer.variables]
        self.dense = dense_layers(self.network)
        probe_model = keras.Model(self.network.inputs, [layer.output for layer in self.dense])
        # One trace for any probe of this width (the page may switch the plane it probes).
        self.probe = tf.function(lambda x: probe_model(x, training=False),
                                 input_signature=[tf.TensorSpec([None, dataset.input_count], tf.float32)])
        self.outputs = tf.function(lambda x: self.network(x, training=False),
                                   input_signature=[tf.TensorSpec([None, dataset.input_count], tf.float32)])
        self._occupant: weakref.ref | None = None
        self.users: weakref.WeakSet = weakref.WeakSet()  # the engines (jobs) that train on this trainer

    @property
    def traces(self) -> int:
        return self.fit_model.traces

    def initial_state(self, spec: RunSpec) -> list[np.ndarray]:
        """A new job's state: the seeded initial weights a fresh build of ``spec`` gets (built, not compiled,
        to be exact), the optimizer as new, at the spec's learning rate."""
        template = build_model(spec, self.input_count, self.output_units)
        state = [variable.numpy() for variable in template.variables] + [array.copy()
                                                                         for array in self._pristine_optimizer]
        if len(state) != len(self.variables):
            raise ValueError("the spec does not fit this trainer")
        state[self._rate_index] = np.asarray(spec.learning_rate, dtype=state[self._rate_index].dtype)
        return state

    def read_state(self) -> list[np.ndarray]:
        return [variable.numpy() for variable in self.variables]

    def occupy(self, engine) -> None:
        """Load ``engine``'s state unless it is loaded already, saving the state of the job that used the
        trainer last (if it still exists)."""
        occupant = self._occupant() if self._occupant is not None else None
        if occupant is engine:
            return
        if occupant is not None:
            occupant.state = self.read_state()
        if engine.state is not None:
            for variable, value in zip(self.variables, engine.state, strict=True):
                variable.assign(value)
            engine.state = None  # the trainer holds it now
        self._occupant = weakref.ref(engine)

    def is_occupied_by(self, engine) -> bool:
        return self._occupant is not None and self._occupant() is engine


class TrainerCache:
    """The trainers of one process by :func:`trainer_key`. Trainers in use stay; of the others, the most
    recently used ``capacity`` are kept for the next job of their architecture. Thread-safe."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        self.capacity = capacity
        self._trainers: OrderedDict[tuple, Trainer] = OrderedDict()
        self._lock = threading.Lock()
        self.built = 0  # trainers built (compilations) since the cache was made

    def checkout(self, spec: RunSpec, dataset: Dataset, engine) -> tuple[Trainer, bool]:
        """The trainer for ``spec`` and whether it was built for this job (then ``engine`` occupies it with
        the trainer's own, freshly initialised, weights)."""
        key = trainer_key(spec, dataset)
        with self._lock:
            trainer = self._trainers.get(key)
            if trainer is not None:
                self._trainers.move_to_end(key)
                trainer.users.add(engine)
                return trainer, False
        trainer = Trainer(spec, dataset)  # outside the lock: building takes a while
        trainer.users.add(engine)
        with self._lock:
            self.built += 1
            self._trainers.setdefault(key, trainer)  # two jobs built one at once: the first is kept for reuse
            self._trainers.move_to_end(key)
            self._evict_locked()
        return trainer, True

    def has(self, spec: RunSpec, dataset: Dataset) -> bool:
        with self._lock:
            return trainer_key(spec, dataset) in self._trainers

    def _evict_locked(self) -> None:
        idle = [key for key, trainer in self._trainers.items() if not len(trainer.users)]
        for key in idle[:max(0, len(idle) - self.capacity)]:
            trainer = self._trainers.pop(key)
            forget_trainer(trainer)

    def __len__(self) -> int:
        with self._lock:
            return len(self._trainers)

    def trace_count(self) -> int:
        with self._lock:
            return sum(trainer.traces for trainer in self._trainers.values())


def forget_trainer(trainer: Trainer) -> None:
    """Let TensorFlow free a trainer nobody will train on again (see tf_leaks.py)."""
    from playground.training.tf_leaks import forget_custom_gradients

    forget_custom_gradients(trainer.fit_model.variables)
