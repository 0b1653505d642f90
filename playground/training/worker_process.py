"""The inside of one training worker process (``workers.py`` starts it): it holds :class:`TrainingJob` objects
that share compiled trainers and take fair turns, does what the web process asks, and sends back what changed.

Messages from the web process (tuples, over a duplex pipe):
``("create", job_id, spec_json, dataset, probe_inputs, weights_interval, probe_interval)``,
``("call", job_id, method, args, options, number)`` for the job's controls (numbered per job), ``("probe_inputs", job_id, inputs)``,
``("request", request_id, job_id, "model_file")``, ``("drop", job_id)`` and ``("exit",)``.
To the web process: ``("updates", [update, ...])`` every ``publish_interval`` seconds (``PUBLISH_INTERVALS``),
one update (a dict) per job whose state changed, holding only what changed: new history records with their
float32 columns, weights, probes in half precision, both as ``PackedArrays``, with the live channel's encodings
of them for the job's own network (what the live views send, made here rather than in the web process). While a
few jobs run, a tick of progress waits for the next one and goes first in its batch, marked ``"staged"``
(``stageable``). And ``("reply", request_id, value, error)``. When the pipe closes (the web process ended) the
worker exits.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import numpy as np

from playground.spec import RunSpec
from playground.training.pipe_frames import write_message
from playground.training.snapshot import PackedArrays
from playground.views.boundary import thumbnail_rows
from playground.views.live_encoding import DrawnParts, drawn_parts, history_columns

# Seconds between two ticks of updates: 1/30 for a worker with a run or three (a page draws up to 30 states a
# second; the live channel sends a message per batch, and at this pace a batch holds two ticks: ``stageable``),
# 0.01 more per running job, at most 0.1 (a busy worker's runs change less often each, and the web process takes
# every batch).
PUBLISH_INTERVALS = (1 / 30, 0.01, 0.1)
# A new job left idle this long gets its trainer built and compiled ahead of its first Play (when the worker has
# none for its architecture): the student who settles on a network finds it ready. Not at once: a student
# dragging a slider through five networks should not compile all five.
WARM_AFTER_SECONDS = 1.0
# A worker's budget of probes a second (a probe: the output over the view's grid and each neuron's, ~4 ms on the
# default network), shared by its running jobs: one student's views change 20 times a second (the live channel
# draws up to 30), fifteen students' about once or twice, and probing never takes much of the worker's time.
PROBES_PER_SECOND = 20.0
# Each running job gets a turn at least this often while turns stay at least MIN_SLICE_SECONDS long (the pool's
# slice, 50 ms, is the longest): with 15 runs on a worker, turns of 27 ms instead of 50 let each page see its run
# move 2-3 times a second instead of 1.3 (a turn costs a swap of the job's variables, about a millisecond).
TURN_CYCLE_SECONDS = 0.4
MIN_SLICE_SECONDS = 0.02
MIN_PROBE_INTERVAL = 0.05
WORKER_NICENESS = 10  # lower CPU priority than the web process (see serve)
CONTROLS = frozenset({"start", "pause", "resume", "step", "stop", "set_learning_rate", "set_epoch_limit",
                      "set_patience"})

_LOG = logging.getLogger("playground.worker")


def serve(connection, index: int, slice_seconds: float, trainer_capacity: int | None) -> None:
    """The worker's main loop (the target of its process)."""
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s worker {index} %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # The web process decides when a worker ends (it closes the pipe, or dies): a Ctrl-C or SIGTERM sent to the
    # whole process group stops the server, whose exit then ends its workers, with no "worker died" in between.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Training is background work: the web process, which answers the pages, gets the CPU first.
    os.nice(WORKER_NICENESS)
    _one_thread_per_operation()
    Worker(connection, index, slice_seconds, trainer_capacity).run()


def _one_thread_per_operation() -> None:
    """The workers are one per core already, and TensorFlow's own pool of a thread per core in each of them made
    them contend (two workers side by side trained 20 % fewer epochs). Only possible before TensorFlow starts
    (importing Keras starts it), so first thing in the worker."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
    except RuntimeError:  # started already: slower, not wrong
        _LOG.warning("TensorFlow started before its threads could be set; training with its defaults")


class Worker:
    def __init__(self, connection, index: int, slice_seconds: float, trainer_capacity: int | None):
        from playground.training.trainers import TrainerCache
        from playground.training.turns import Turnstile

        self.connection = connection
        self.index = index
        self.trainers = TrainerCache() if trainer_capacity is None else TrainerCache(trainer_capacity)
        self.turns = Turnstile(slice_seconds)
        self.longest_slice = slice_seconds
        self.jobs: dict = {}
        self._sent: dict[str, dict] = {}  # what the web process has of each job
        self._calls: dict[str, int] = {}  # the number of the last control each job took
        self._parts: dict[str, DrawnParts | None] = {}  # what a page of each job draws (made at the first update)
        self._lock = threading.Lock()  # jobs, _sent and _parts
        self._send_lock = threading.Lock()
        self._closed = threading.Event()

    def run(self) -> None:
        import playground.training.engine  # noqa: F401 - TensorFlow imported before the first job, not during it

        publisher = threading.Thread(target=self._publish_forever, name="publisher", daemon=True)
        publisher.start()
        self.send(("ready", os.getpid()))
        try:
            while True:
                try:
                    message = self.connection.recv()
                except (EOFError, OSError):
                    break  # the web process is gone
                if message[0] == "exit":
                    break
                try:
                    self.handle(message)
                except Exception:  # noqa: BLE001 - one bad message must not end the worker's other jobs
                    _LOG.exception("worker %d could not handle %s", self.index, message[0])
        finally:
            self._closed.set()
            with self._lock:
                jobs = list(self.jobs.values())
            for job in jobs:
                job.stop()
            for job in jobs:
                job.join(10)

    def handle(self, message: tuple) -> None:
        kind = message[0]
        if kind == "create":
            self._create(*message[1:])
        elif kind == "call":
            _, job_id, method, args, options, number = message
            job = self._job(job_id)
            if job is not None and method in CONTROLS:
                getattr(job, method)(*args, **options)
                with self._lock:
                    self._calls[job_id] = number
        elif kind == "probe_inputs":  # may wait for a turn (a paused job probes at once): not in this loop
            job = self._job(message[1])
            if job is not None:
                threading.Thread(target=job.set_probe_inputs, args=(message[2],), daemon=True).start()
        elif kind == "request":
            threading.Thread(target=self._answer, args=message[1:], daemon=True).start()
        elif kind == "drop":
            with self._lock:
                job = self.jobs.pop(message[1], None)
                self._sent.pop(message[1], None)
                self._calls.pop(message[1], None)
                self._parts.pop(message[1], None)
            if job is not None:
                job.close()

    def _create(self, job_id, spec_json, dataset, probe_inputs, weights_interval, probe_interval) -> None:
        from playground.spec import RunSpec
        from playground.training.job import TrainingJob

        spec = RunSpec.from_json(spec_json).spec
        job = TrainingJob(spec, dataset, probe_inputs=probe_inputs, weights_interval=weights_interval,
                          probe_interval=probe_interval, job_id=job_id, trainers=self.trainers, turns=self.turns)
        with self._lock:
            self.jobs[job_id] = job
            self._sent[job_id] = {}
        if not self.trainers.has(spec, job.dataset):
            timer = threading.Timer(WARM_AFTER_SECONDS, self._warm, args=(job_id,))
            timer.daemon = True
            timer.start()

    def _warm(self, job_id: str) -> None:
        """Compile the trainer of a job still idle (``engine.warm_up``), in a turn of its own like any job."""
        from playground.training.engine import warm_up
        from playground.training.snapshot import Status

        job = self._job(job_id)
        if job is None or job.status != Status.IDLE or self.trainers.has(job.spec, job.dataset):
            return
        token = object()
        self.turns.acquire(token)
        try:
            # Still idle? Play meanwhile builds the job's own trainer: a second build would only delay it.
            if self._job(job_id) is not None and job.status == Status.IDLE and not self._closed.is_set():
                warm_up(job.spec, job.dataset, self.trainers, job.probe_inputs)
        except Exception:  # noqa: BLE001 - the job builds its own trainer when it starts, and reports any error
            _LOG.exception("worker %d could not warm up job %s", self.index, job_id)
        finally:
            self.turns.release(token)

    def _job(self, job_id: str):
        with self._lock:
            return self.jobs.get(job_id)

    def _answer(self, request_id: int, job_id: str, what: str) -> None:
        job = self._job(job_id)
        value, error = None, ""
        try:
            if job is None:
                error = "the run is gone"
            elif what == "model_file":
                value = job.model_file()
            else:
                error = f"unknown request {what!r}"
        except Exception as exception:  # noqa: BLE001 - the page shows why
            error = f"{type(exception).__name__}: {exception}"
        self.send(("reply", request_id, value, error))

    def send(self, message) -> None:
        """``connection.send(message)`` in one piece (``pipe_frames``)."""
        with self._send_lock:
            write_message(self.connection.fileno(), message)

    def _publish_forever(self) -> None:
        interval = PUBLISH_INTERVALS[0]
        due = time.monotonic()
        staged: list[dict] = []  # the last tick's updates, sent with this one's (``stageable``)
        eager = True  # the last batch changed a status: the progress after it goes at once (Play's first epoch)
        # Due-paced: a tick every interval, not an interval after each tick's work (the live channel sends one
        # message per batch).
        while True:
            due += interval
            now = time.monotonic()
            if due < now:
                due = now
            if self._closed.wait(due - now):
                return
            try:
                interval = publish_interval(self.pace_probes())
                updates = self.updates()
                if not staged and not eager and interval <= PUBLISH_INTERVALS[0] and stageable(updates):
                    for update in updates:
                        update["staged"] = True
                    staged = updates
                    continue
                batch, staged = staged + updates, []
                if batch:
                    eager = any("status" in update for update in batch)
                    self.send(("updates", batch))
            except (BrokenPipeError, EOFError, OSError):
                return
            except Exception:  # noqa: BLE001 - the publisher must outlive one bad pass
                _LOG.exception("worker %d could not publish", self.index)
                time.sleep(0.5)

    def pace_probes(self) -> int:
        """Share the worker's probes a second among its running jobs (weights, cheaper, twice as often, but not
        more than the 20 a second of a job alone: each new weights is work in this worker, in the web process and
        in the live channel's message, and the links change no faster than the pictures the eye follows), shorten
        its turns when many run; returns how many run."""
        from playground.training.snapshot import Status

        with self._lock:
            jobs = list(self.jobs.values())
        running = [job for job in jobs if job.status == Status.RUNNING]
        interval = max(MIN_PROBE_INTERVAL, len(running) / PROBES_PER_SECOND)
        for job in running:
            job.probe_interval, job.weights_interval = interval, max(MIN_PROBE_INTERVAL, interval / 2)
        self.turns.slice_seconds = turn_slice(len(running), self.longest_slice)
        return len(running)

    def updates(self) -> list[dict]:
        with self._lock:
            jobs = list(self.jobs.items())
        updates = []
        for job_id, job in jobs:
            with self._lock:
                sent, calls = self._sent.get(job_id), self._calls.get(job_id, 0)
            fingerprint = (job.fingerprint(), calls)
            if sent is None or sent.get("fingerprint") == fingerprint:
                continue
            sent["fingerprint"] = fingerprint
            if sent.get("calls") != calls:
                # The web process takes no status from before its last control (RemoteJob._apply): once the
                # worker has taken a new one, send the status again, numbered, even if it did not change.
                sent.pop("status", None)
                sent["calls"] = calls
            # After reading `calls`: the snapshot reflects at least those.
            update = changes(job.snapshot(), sent, job.spec, self._drawn_parts(job_id, job))
            if update:
                update["id"], update["calls"] = job_id, calls
                updates.append(update)
        return updates

    def _drawn_parts(self, job_id: str, job) -> DrawnParts | None:
        if job_id in self._parts:
            return self._parts.get(job_id)  # None if dropped meanwhile
        try:
            parts = drawn_parts(job.spec, job.dataset)
        except Exception:  # noqa: BLE001 - the web process then encodes the views itself
            _LOG.exception("worker %d: no live encodings for job %s", self.index, job_id)
            parts = None
        with self._lock:
            if job_id in self.jobs:  # not dropped meanwhile (its entry would stay)
                self._parts[job_id] = parts
        return parts


def turn_slice(running: int, longest: float) -> float:
    return max(min(MIN_SLICE_SECONDS, longest), min(longest, TURN_CYCLE_SECONDS / max(1, running)))


def stageable(updates: list[dict]) -> bool:
    """Whether a tick's updates may wait for the next tick's, to go in one batch: only a run's progress (new
    epochs, weights, probes), never a change of status (Play, Pause, an end), which goes at once, as does the
    progress in the tick after it (the first epoch after Play: ``_publish_forever``). The web process
    then reads, and the live channel sends, one batch for two ticks' states, and the page draws both, a tick apart
    (``RemoteJob.staged_snapshot``): half the wake-ups and messages for as many pictures, one tick later."""
    return bool(updates) and not any("status" in update or "message" in update for update in updates)


def publish_interval(running: int) -> float:
    shortest, per_job, longest = PUBLISH_INTERVALS
    return min(longest, max(shortest, per_job * running))


PLAIN_FIELDS = ("status", "message", "learning_rate", "epoch_limit", "warning", "epochs_per_second")


def changes(snapshot, sent: dict, spec: RunSpec | None = None, parts: DrawnParts | None = None) -> dict:
    """What of ``snapshot`` the web process does not have yet (``sent`` remembers what it has); with the job's
    ``spec``, new records come with their ``history_columns``; with its ``parts``, new weights and probes come with
    the live channel's encodings of them (``weights_encoded``, ``grids_encoded``: (parts' key, JsonDict)), else
    with None there."""
    update = {}
    for name in PLAIN_FIELDS:
        value = getattr(snapshot, name)
        if sent.get(name) != value:
            update[name] = sent[name] = value
    count = sent.get("history", 0)
    if len(snapshot.history) > count:
        update["history"] = records = snapshot.history[count:]
        sent["history"] = len(snapshot.history)
        if spec is not None:  # the live views' columns of them (History.columns), made here
            update["history_columns"] = history_columns(records, spec.metric)
    if snapshot.weights is not None and sent.get("weights") is not snapshot.weights:
        sent["weights"] = snapshot.weights
        update["weights"], update["weights_epoch"] = PackedArrays(snapshot.weights), snapshot.weights_epoch
        update["weights_encoded"] = None if parts is None else (
            parts.key, parts.weights_part(snapshot.weights, snapshot.weights_epoch))
    if snapshot.probe is not None and sent.get("probe") is not snapshot.probe:
        sent["probe"] = snapshot.probe
        # Pictures only: half precision, and of the hidden layers only the neurons' thumbnail cells (the web
        # process draws nothing else of them; a 100x100 grid per neuron was most of the bytes through the pipe).
        *hidden, output = snapshot.probe
        probe = PackedArrays((*(np.asarray(thumbnail_rows(layer), dtype=np.float16) for layer in hidden),
                              np.asarray(output, dtype=np.float16)))
        update["probe"], update["probe_epoch"] = probe, snapshot.probe_epoch
        # Encoded from the numbers the web process gets: its own pictures of them (the fallback's) are alike.
        update["grids_encoded"] = None if parts is None else (parts.key, parts.grids_part(probe, snapshot.probe_epoch))
    if snapshot.test_outputs is not None and sent.get("test_outputs") is not snapshot.test_outputs:
        sent["test_outputs"] = snapshot.test_outputs
        update["test_outputs"] = snapshot.test_outputs
        update["probe_epoch"] = snapshot.probe_epoch
    return update
