"""Training out of the web process: a pool of worker processes (``worker_process.py``), each training many jobs
in fair turns on shared compiled trainers; :class:`~playground.training.remote_job.RemoteJob` is the web process's
handle on one of them.

The web process only reads snapshots: the worker's updates (new history records, weights, probes) go into each
RemoteJob's mirror of the job's state, and ``snapshot()`` copies the mirror, so a page refresh never waits for a
worker. A served app reads the updates on the server's event loop (``WorkerPool(loop=...)``), where the live
channels that send them on run too: one wake-up per batch, no thread handing the GIL back and forth; without a
loop (tests, notebooks, the CLI) a reader thread per worker reads them.

A RemoteJob has :class:`TrainingJob`'s API (start, pause, resume, step, stop, live options, snapshot, wait_until,
model_file), so pages and the registry do not know where a job trains. A worker that dies (killed, out of memory)
fails its jobs with a message the page shows, and a new worker takes its place.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import logging
import multiprocessing
import os
import threading
import time
import uuid
from concurrent.futures import Future

import numpy as np

from playground.data.points import Dataset
from playground.spec import RunSpec
from playground.training.job_api import checked_dataset
from playground.training.pipe_frames import PipeFrames, write_message
from playground.training.remote_job import WORKER_DIED, RemoteJob
from playground.training.turns import DEFAULT_SLICE_SECONDS

_LOG = logging.getLogger(__name__)
WORKERS_VARIABLE = "PLAYGROUND_WORKERS"
# The most one read on the server's loop takes from a worker's pipe, as much as the pipe holds (a batch: ~20 KB a
# tick of a job, two ticks while a few run; a larger one takes two reads or more).
READ_BYTES = 1 << 16


def worker_count() -> int:
    """Worker processes for a served app: ``PLAYGROUND_WORKERS`` (0: train in the web process), else one per
    core."""
    value = os.environ.get(WORKERS_VARIABLE, "").strip()
    if value:
        try:
            return max(0, int(value))
        except ValueError:
            _LOG.warning("%s=%r is not a whole number; using one worker per core", WORKERS_VARIABLE, value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class _Worker:
    """One worker process, its end of the pipe, and what reads it: the pool's event loop, or a thread."""

    def __init__(self, pool: WorkerPool, index: int):
        self.pool = pool
        self.index = index
        self.jobs: dict[str, RemoteJob] = {}
        context = multiprocessing.get_context("spawn")  # no fork of a threaded process that holds TensorFlow
        self.connection, child = context.Pipe(duplex=True)
        from playground.training import worker_process

        self.process = context.Process(target=worker_process.serve, name=f"playground-worker-{index}",
                                       args=(child, index, pool.slice_seconds, pool.trainer_capacity), daemon=True)
        self.process.start()
        child.close()
        self.ready = threading.Event()
        self._send_lock = threading.Lock()
        self.alive = True
        self.reader = None
        if not self._read_on(pool.loop):
            self.reader = threading.Thread(target=self._read_forever, name=f"worker-{index}-reader", daemon=True)
            self.reader.start()

    def send(self, message) -> bool:
        try:
            with self._send_lock:
                write_message(self.connection.fileno(), message)
            return True
        except (BrokenPipeError, EOFError, OSError):
            return False  # the reader sees the end and fails the jobs

    def _read_forever(self) -> None:
        while True:
            try:
                message = self.connection.recv()
            except (EOFError, OSError):
                break
            except Exception:  # noqa: BLE001 - a message that cannot be read is the end of this worker
                _LOG.exception("worker %d sent a message that cannot be read", self.index)
                break
            self._take(message)
        self._ended()

    def _take(self, message: tuple) -> None:
        try:
            self._take_one(message)
        except Exception:  # noqa: BLE001 - one update that cannot be applied must not cost the others
            _LOG.exception("worker %d: a %r message could not be taken", self.index, message[0])

    def _take_one(self, message: tuple) -> None:
        kind = message[0]
        if kind == "updates":
            for update in message[1]:
                job = self.jobs.get(update["id"])
                if job is not None:
                    job._apply(update)
        elif kind == "reply":
            self.pool._reply(*message[1:])
        elif kind == "ready":
            self.ready.set()

    def _ended(self) -> None:
        self.alive = False
        self.pool._worker_died(self)

    # ---- reading on the server's event loop -----------------------------------------------------------------
    def _read_on(self, loop: asyncio.AbstractEventLoop | None) -> bool:
        """Read the pipe on ``loop`` (from its next iteration); False when there is no open loop to read on."""
        if loop is None or loop.is_closed():
            return False
        self._frames = PipeFrames()
        self._fd = self.connection.fileno()  # read at every batch
        try:
            loop.call_soon_threadsafe(loop.add_reader, self._fd, self._on_readable, loop)
        except RuntimeError:  # closed meanwhile
            return False
        return True

    def _on_readable(self, loop: asyncio.AbstractEventLoop) -> None:
        """What the worker wrote: one read, which never blocks (the loop saw the pipe readable), and the messages
        it completes. A batch is one write, so one read most often takes it whole."""
        fd = self._fd
        try:
            data = os.read(fd, READ_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        try:
            messages = self._frames.feed(data) if data else None
        except Exception:  # noqa: BLE001 - a message that cannot be read is the end of this worker
            _LOG.exception("worker %d sent a message that cannot be read", self.index)
            messages = None
        if messages is None:  # the pipe closed (the worker is gone), or it cannot be read any more
            loop.remove_reader(fd)
            # Not on the loop: replacing the worker waits for its process and starts another.
            threading.Thread(target=self._ended, name=f"worker-{self.index}-ended", daemon=True).start()
            return
        for message in messages:
            self._take(message)

    def active_jobs(self) -> int:
        return sum(1 for job in list(self.jobs.values()) if not job.status.is_over)


class WorkerPool:
    """Worker processes that train the jobs of every session of this server. ``loop``: the server's event loop,
    to read the workers' updates on (see the module's notes)."""

    def __init__(self, workers: int | None = None, *, slice_seconds: float = DEFAULT_SLICE_SECONDS,
                 trainer_capacity: int | None = None, loop: asyncio.AbstractEventLoop | None = None):
        self.loop = loop
        self.slice_seconds = slice_seconds
        self.trainer_capacity = trainer_capacity
        self._lock = threading.Lock()
        self._closed = False
        self._requests: dict[int, Future] = {}
        self._requests_lock = threading.Lock()  # not the pool's: a reply on the server's loop never waits on it
        self._request_ids = itertools.count(1)
        self.workers = [_Worker(self, index) for index in range(workers or worker_count())]
        self.replaced = 0  # workers that died and were replaced
        # At exit, before multiprocessing ends the daemon workers: their end is then no death to recover from.
        atexit.register(self.close)

    def __len__(self) -> int:
        return len(self.workers)

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Whether every worker has imported TensorFlow and waits for jobs."""
        deadline = time.monotonic() + timeout
        return all(worker.ready.wait(max(0.0, deadline - time.monotonic())) for worker in list(self.workers))

    def create_job(self, spec: RunSpec, dataset: Dataset | None = None, *, probe_inputs: np.ndarray | None = None,
                   weights_interval: float = 0.1, probe_interval: float = 0.2,
                   job_id: str | None = None) -> RemoteJob:
        """A new (idle) job on the worker with the fewest unfinished jobs."""
        dataset = checked_dataset(spec, dataset)
        with self._lock:
            worker = min(self.workers, key=lambda candidate: (not candidate.alive, candidate.active_jobs()))
            if not worker.alive:
                raise RuntimeError("no training worker is running on this server: see its log")
            job = RemoteJob(worker, spec, dataset, probe_inputs, job_id or uuid.uuid4().hex[:12])
            worker.jobs[job.id] = job
        if not worker.send(("create", job.id, spec.to_json(), dataset, probe_inputs, weights_interval,
                            probe_interval)):
            job._fail(WORKER_DIED)
        return job

    def request(self, worker: _Worker, job_id: str, what: str, timeout: float = 120.0):
        """Ask a worker for something about a job (a model file) and wait for the answer."""
        future: Future = Future()
        with self._requests_lock:
            request_id = next(self._request_ids)
            self._requests[request_id] = future
        if not worker.send(("request", request_id, job_id, what)):
            self._reply(request_id, None, "the training worker is gone")
        return future.result(timeout)

    def _reply(self, request_id: int, value, error: str) -> None:
        with self._requests_lock:
            future = self._requests.pop(request_id, None)
        if future is not None:
            if error:
                future.set_exception(RuntimeError(error))
            else:
                future.set_result(value)

    def _worker_died(self, worker: _Worker) -> None:
        # Its process ends (it is killed if its pipe could not be read while it ran), its pipe closes.
        worker.process.join(5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(5)
        with contextlib.suppress(OSError):
            worker.connection.close()
        with self._lock:
            if not worker.ready.is_set() and worker in self.workers:
                # It never started: a new one would fail the same way, over and over.
                _LOG.error("training worker %d (pid %s) failed to start (exit code %s); not replaced",
                           worker.index, worker.process.pid, worker.process.exitcode)
            elif not self._closed and worker in self.workers:
                _LOG.error("training worker %d (pid %s) ended with exit code %s; %d job(s) failed; starting a new "
                           "one", worker.index, worker.process.pid, worker.process.exitcode, len(worker.jobs))
                self.workers[self.workers.index(worker)] = _Worker(self, worker.index)
                self.replaced += 1
        for job in list(worker.jobs.values()):
            job._fail(WORKER_DIED)

    def status(self) -> dict[str, int]:
        workers = list(self.workers)
        return {"workers": sum(worker.alive for worker in workers),
                "worker_jobs": sum(len(worker.jobs) for worker in workers)}

    def pids(self) -> list[int]:
        return [worker.process.pid for worker in list(self.workers)]

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self.workers)
        atexit.unregister(self.close)
        for worker in workers:
            worker.send(("exit",))
        for worker in workers:
            worker.process.join(15)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(5)
