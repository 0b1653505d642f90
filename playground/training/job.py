"""Training jobs: Keras ``Model.fit`` in a background thread, publishing a snapshot every epoch.

The thread owns the model. Everything the UI reads goes through a lock-protected state and comes out as an
immutable :class:`Snapshot` (copies, never lists the thread is appending to). Controls (pause, resume, step,
stop, learning rate, epoch limit) are requests the thread takes up at the next epoch boundary.

Alone (a notebook, the CLI) a job trains freely on a trainer of its own. In a worker process (``workers.py``)
its jobs share compiled trainers (``trainers.py``) and take fair turns (``turns.py``): a job trains only while it
holds the worker's turnstile, gives its turn away when its slice is over and another job waits, and holds no
turn while paused.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from playground.data.points import Dataset
from playground.spec import RunSpec
from playground.training import process
from playground.training.job_api import PUBLISHED, JobApi, checked_dataset
from playground.training.loss_watch import CHECK_EVERY, loss_warning, lower_learning_rate
from playground.training.snapshot import Snapshot, Status
from playground.training.turns import FreeRunning

_LOG = logging.getLogger(__name__)


@dataclass
class _State:
    status: Status = Status.IDLE
    message: str = ""
    history: list[dict[str, float]] = field(default_factory=list)
    weights: tuple[np.ndarray, ...] | None = None
    weights_epoch: int = -1
    probe: tuple[np.ndarray, ...] | None = None
    probe_epoch: int = -1
    test_outputs: np.ndarray | None = None  # the network's outputs on the test split, as of probe_epoch
    weights_encoded: tuple | None = None  # a worker's publisher makes them for the web process; never here
    grids_encoded: tuple | None = None
    epochs_budget: int | None = None  # epochs left before pausing (Step); None = run freely
    pause_requested: bool = False
    stop_requested: bool = False
    learning_rate: float = 0.0
    epoch_limit: int = 0
    patience: int = 0
    rate_window: list[float] = field(default_factory=list)  # recent epoch end times, for epochs/s
    warning: str = ""  # the loss bounces at this learning rate (loss_watch)


DIVERGENCE_HINT = ("the learning rate {rate} is probably too high for this problem: lower it (try {lower}) "
                   "and press Reset")


class TrainingJob(JobApi):
    """One run of a spec: build the model, then ``fit`` in a background thread, under the UI's control."""

    def __init__(self, spec: RunSpec, dataset: Dataset | None = None, *, probe_inputs: np.ndarray | None = None,
                 weights_interval: float = 0.1, probe_interval: float = 0.2, job_id: str | None = None,
                 trainers=None, turns=None):
        super().__init__(spec, checked_dataset(spec, dataset), probe_inputs, job_id)
        self.weights_interval = weights_interval
        self.probe_interval = probe_interval
        self._state = _State(learning_rate=spec.learning_rate, epoch_limit=spec.epochs, patience=spec.patience)
        self._thread: threading.Thread | None = None
        self.model = None  # set by the thread; read it only once the job is paused or over
        self._weights_time = 0.0
        self._probe_time = 0.0
        self._engine = None  # set by the thread once the model exists
        self._trainers = trainers  # a worker's shared TrainerCache (None: a trainer of its own)
        self._turns = turns if turns is not None else FreeRunning()  # a worker's Turnstile

    # ---- controls -----------------------------------------------------------------------------------------
    def start(self, *, paused: bool = False) -> None:
        """Start training (or, with paused=True, build the model, record epoch 0 and wait)."""
        with self._condition:
            if self._thread is not None:
                if self._state.status == Status.PAUSED:
                    self._resume_locked()
                return
            self._state.status = Status.STARTING
            self._state.pause_requested = paused
            self._start_thread()

    def _start_thread(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"training-{self.id}", daemon=True)
        process.track(self)
        self._thread.start()

    def pause(self) -> None:
        with self._condition:
            if self._state.status.is_active:
                self._state.pause_requested = True
                self._state.epochs_budget = None
                self._condition.notify_all()

    def resume(self) -> None:
        with self._condition:
            self._resume_locked()

    def _resume_locked(self) -> None:
        if self._state.status.is_active:
            self._state.pause_requested = False
            self._state.epochs_budget = None
            self._mark_running_locked()
            self._condition.notify_all()

    def _mark_running_locked(self) -> None:
        # Say "running" at once, not when the thread wakes: a page that reads the status right after pressing
        # Play or Step must see it running, or it would not refresh while the epoch trains.
        if self._state.status == Status.PAUSED:
            self._state.status = Status.RUNNING

    def step(self, epochs: int = 1) -> None:
        """Train exactly ``epochs`` more epochs, then pause (starts the job if it was idle)."""
        with self._condition:
            if self._state.status.is_over:
                return
            self._state.epochs_budget = epochs
            self._state.pause_requested = False
            self._mark_running_locked()
            if self._thread is None:
                self._state.status = Status.STARTING
                self._start_thread()
            self._condition.notify_all()

    def stop(self) -> None:
        with self._condition:
            self._state.stop_requested = True
            if self._thread is None and not self._state.status.is_over:
                self._state.status = Status.STOPPED
                self._state.message = "stopped before it started"
            self._condition.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True when it has (or never started)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def set_learning_rate(self, learning_rate: float) -> None:
        """Takes effect at the next epoch, without a reset."""
        with self._condition:
            self._state.learning_rate = float(learning_rate)
            self._condition.notify_all()

    def set_epoch_limit(self, epochs: int) -> None:
        with self._condition:
            self._state.epoch_limit = int(epochs)
            self._condition.notify_all()

    def set_patience(self, patience: int) -> None:
        """Early-stop patience (0: off); takes effect at the next epoch, without a reset."""
        with self._condition:
            self._state.patience = int(patience)
            self._condition.notify_all()

    # ---- reading ------------------------------------------------------------------------------------------
    def _published_locked(self) -> dict:
        state = self._state
        times = state.rate_window
        rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
        return {name: getattr(state, name) for name in PUBLISHED} | {"epochs_per_second": rate}

    def fingerprint(self) -> tuple:
        """Cheap to take, and different whenever a snapshot would be: a worker sends a job's changes only when
        it has some (a paused or finished job costs nothing)."""
        with self._condition:
            state = self._state
            return (state.status, state.message, len(state.history), state.weights_epoch, id(state.probe),
                    id(state.test_outputs), state.learning_rate, state.epoch_limit, state.warning)

    # ---- the thread ---------------------------------------------------------------------------------------
    def _run(self) -> None:
        _LOG.info("job %s: training thread started", self.id)
        try:
            self._train()
        finally:
            self._release()

    def _release(self) -> None:
        """The thread is over: let go of what only training needed, and of everything once stopped (a stopped
        job is being thrown away; one that ended on its own keeps its model for exports)."""
        self._turns.release(self)
        engine = self._engine
        with self._condition:
            status, epoch = self._state.status, max(len(self._state.history) - 1, 0)
            if status == Status.STOPPED:
                self._engine = self.model = None
        if engine is not None:
            engine.finish(keep=status != Status.STOPPED)
        _LOG.info("job %s: training thread ended, %s after %d epochs", self.id, status, epoch)

    def _train(self) -> None:
        try:
            from playground.training.engine import Engine

            self._turns.acquire(self)
            engine = Engine(self.spec, self.dataset, self._trainers)
            self.model = engine.model
            self._engine = engine
            self._publish(0, engine.evaluate(), engine, force=True)
            with self._condition:
                if self._state.stop_requested:
                    self._finish(Status.STOPPED, "stopped")
                    return
                if self._state.status == Status.STARTING:
                    self._state.status = Status.RUNNING
            if not self._wait_while_paused(engine):
                self._finish(Status.STOPPED, "stopped")
                return
            engine.fit(self)
            # The last epoch's weights and outputs first: a page that sees the run over redraws it once, and
            # must then see its last epoch (it showed "after epoch 1" at epoch 60 otherwise).
            self._publish_weights(engine, len(self._state.history) - 1, force=True)
            with self._condition:
                if self._state.status in (Status.RUNNING, Status.PAUSED, Status.STARTING):
                    if self._state.stop_requested:
                        self._finish(Status.STOPPED, "stopped")
                    else:
                        epoch = len(self._state.history) - 1
                        reason = ("early stop: the test loss stopped improving"
                                  if epoch < self._state.epoch_limit else "reached the epoch limit")
                        self._finish(Status.FINISHED, f"{reason} after {epoch:,} epochs")
        except Exception as error:  # noqa: BLE001 - any failure must reach the UI, not die with the thread
            with self._condition:
                self._finish(Status.FAILED, f"{type(error).__name__}: {error}")

    def _finish(self, status: Status, message: str) -> None:
        with self._condition:
            self._state.status = status
            self._state.message = message
            self._condition.notify_all()

    # Called by the engine's Keras callback at the end of every epoch; returns False to stop training.
    def on_epoch_end(self, epoch: int, results: dict[str, float], engine, fit_loss: float = 0.0) -> bool:
        losses = (results["loss"], results["test_loss"], fit_loss)
        with self._condition:
            state = self._state
            last = (epoch >= state.epoch_limit or state.pause_requested or state.stop_requested
                    or (state.epochs_budget is not None and state.epochs_budget <= 1))
        self._publish(epoch, results, engine, force=last)  # a run that pauses or ends here shows this epoch
        if not all(math.isfinite(value) for value in losses):
            with self._condition:
                rate = self._state.learning_rate
                lower = f"{lower_learning_rate(rate):g}"
                bad = "NaN" if any(math.isnan(value) for value in losses) else "infinite"
                message = (f"the loss became {bad} at epoch {epoch:,}: "
                           + DIVERGENCE_HINT.format(rate=f"{rate:g}", lower=lower))
                if self.spec.regularization != "none" and self.spec.regularization_rate >= 1:
                    message += ", or lower the regularisation rate"
                self._state.warning = ""  # the divergence message says it all
                self._finish(Status.DIVERGED, message)
            return False
        with self._condition:
            state = self._state
            if epoch % CHECK_EVERY == 0:
                state.warning = loss_warning(state.history, state.learning_rate)
            if epoch >= state.epoch_limit:
                return False
            if state.epochs_budget is not None:
                state.epochs_budget -= 1
                if state.epochs_budget <= 0:
                    state.epochs_budget = None
                    state.pause_requested = True
        if self._turns.take_turn(self):
            engine.enter()
        return self._wait_while_paused(engine)

    def _wait_while_paused(self, engine) -> bool:
        """Block while paused; apply live changes; return False when a stop was requested."""
        state = self._state
        with self._condition:
            pausing = state.pause_requested and not state.stop_requested
        if pausing:
            # Weights first, so a page that sees "paused" also sees the weights of the paused epoch.
            self._publish_weights(engine, len(state.history) - 1, force=True)
        with self._condition:
            if state.pause_requested and not state.stop_requested:
                state.status = Status.PAUSED
                state.rate_window.clear()
                self._condition.notify_all()
                self._turns.release(self)  # a paused job holds no turn
                while state.pause_requested and not state.stop_requested:
                    self._condition.wait()
                paused = True
            else:
                paused = False
        if paused:
            self._turns.acquire(self)  # outside the lock: the wait for a turn may be long
            engine.enter()
        with self._condition:
            if state.stop_requested:
                return False
            state.status = Status.RUNNING
            rate, patience = state.learning_rate, state.patience
            self._condition.notify_all()
        engine.set_learning_rate(rate)
        engine.set_patience(patience)
        return True

    def _publish(self, epoch: int, results: dict[str, float] | None, engine, force: bool = False) -> None:
        """The epoch's record (None: it is out already), and (at most every interval, unless forced) its weights
        in the same step, then its probe outputs: a page that sees the epoch of a pause or the end also sees its
        weights."""
        now = time.monotonic()
        weights = None
        if force or now - self._weights_time >= self.weights_interval:
            weights, self._weights_time = engine.weights(), now
        with self._condition:
            if results is not None:
                self._state.history.append({"epoch": epoch, **results, "learning_rate": self._state.learning_rate})
                window = self._state.rate_window
                window.append(now)
                if len(window) > 50:
                    del window[0]
            if weights is not None:
                self._state.weights, self._state.weights_epoch = weights, epoch
        if force or now - self._probe_time >= self.probe_interval:
            self._probe_time = now
            self._publish_probe(engine, epoch)
        with self._condition:
            self._condition.notify_all()

    def _publish_weights(self, engine, epoch: int, force: bool = False) -> None:
        """Copy weights (and probe outputs) out of the model, at most every interval unless forced."""
        self._publish(epoch, None, engine, force)

    def _publish_probe(self, engine, epoch: int) -> None:
        inputs = self.probe_inputs
        probe = engine.probe(inputs) if inputs is not None else None
        outputs = engine.test_outputs()
        with self._condition:
            if self.probe_inputs is inputs:  # else the page switched planes meanwhile and published its own
                self._state.probe, self._state.probe_epoch = probe, epoch
            self._state.test_outputs = outputs

    def set_probe_inputs(self, inputs: np.ndarray) -> None:
        """Probe other inputs from now on (the page switched the plane it draws). A paused or finished job
        probes them at once, in the caller's thread: its model is not training, so reading it is safe."""
        with self._condition:
            self.probe_inputs = inputs
            self._probe_time = 0.0
            engine, status = self._engine, self._state.status
            epoch = len(self._state.history) - 1
        if engine is not None and (status == Status.PAUSED or status.is_over) and status != Status.FAILED:
            self.with_model(lambda: self._publish_probe(engine, epoch))

    def with_model(self, task):
        """Run ``task`` in this thread with the job's model loaded (a paused or finished job: a turn of its
        own on a shared trainer); returns what it returns."""
        engine = self._engine
        if engine is None:
            return None
        token = object()  # not the job itself: its own thread may be waiting for a turn too
        self._turns.acquire(token)
        try:
            engine.enter()
            return task()
        finally:
            self._turns.release(token)

    def model_file(self) -> bytes | None:
        """The trained model as a .keras file (None before the model exists); for a paused or finished job."""
        from playground import export

        return self.with_model(lambda: export.model_bytes(self._engine.model))

    @property
    def has_model(self) -> bool:
        return self._engine is not None

    def close(self) -> None:
        """Stop the job and let go of its model for good (the registry drops a job its page no longer has).
        A thread still training lets go itself when it ends, at its next epoch boundary."""
        self.stop()
        thread = self._thread
        if thread is None or not thread.is_alive():
            engine, self._engine, self.model = self._engine, None, None
            if engine is not None:
                engine.close()


def run_to_end(spec: RunSpec, epochs: int | None = None, dataset: Dataset | None = None,
               timeout: float | None = None) -> tuple[TrainingJob, Snapshot]:
    """Train a spec in the background thread and wait for the end (the CLI and notebooks use this)."""
    if epochs is not None:
        spec = spec.replace(epochs=epochs)
    job = TrainingJob(spec, dataset)
    job.start()
    job.join(timeout)
    return job, job.snapshot()
