"""The web process's handle on a job training in a worker process (``workers.py``): a mirror of the job's state
that the worker's updates fill (``_apply``, on the server's event loop or a worker's reader thread) and that
``snapshot()`` reads, with :class:`TrainingJob`'s API, whose controls go to the worker as messages."""

from __future__ import annotations

import numpy as np

from playground.data.points import Dataset
from playground.spec import RunSpec
from playground.training.job_api import PUBLISHED, JobApi
from playground.training.snapshot import Snapshot, Status

SNAPSHOT_STATE = (*PUBLISHED, "epochs_per_second")  # what of the mirror a snapshot copies
WORKER_DIED = ("the training worker process stopped unexpectedly (killed, or out of memory); the server started "
               "a new one: press Reset to train again")


class RemoteJob(JobApi):
    """The web process's handle on a job training in a worker (see the module's notes and ``workers.py``'s)."""

    def __init__(self, worker, spec: RunSpec, dataset: Dataset, probe_inputs, job_id: str):
        """``worker``: the pool's worker that trains it (``workers._Worker``: ``send``, ``pool``, ``jobs``)."""
        super().__init__(spec, dataset, probe_inputs, job_id)
        self.worker = worker
        self._started = False
        self._calls = 0  # controls sent; a status the worker published before it took the last one is stale
        self._state = {"status": Status.IDLE, "message": "", "history": [], "learning_rate": spec.learning_rate,
                       "epoch_limit": spec.epochs, "warning": "", "epochs_per_second": 0.0, "weights": None,
                       "weights_epoch": -1, "probe": None, "probe_epoch": -1, "test_outputs": None,
                       "weights_encoded": None, "grids_encoded": None}
        # The history's columns for the live views, and how many are filled (History.columns).
        self._columns: tuple[np.ndarray | None, int] = (np.empty((5, 0), dtype=np.float32), 0)
        self._staged: Snapshot | None = None  # see staged_snapshot

    # ---- controls: sent to the worker; the status a page reads at once is set here too ---------------------
    def _call(self, method: str, *args, **options) -> None:
        with self._condition:
            self._calls += 1
            number = self._calls
        if not self.worker.send(("call", self.id, method, args, options, number)):
            self._fail(WORKER_DIED)

    def _set_status_locked(self, status: Status) -> None:
        if not self._state["status"].is_over:
            self._state["status"] = status
            self._condition.notify_all()

    def start(self, *, paused: bool = False) -> None:
        with self._condition:
            if not self._started:
                self._started = True
                self._set_status_locked(Status.STARTING)
            elif self._state["status"] == Status.PAUSED:
                self._set_status_locked(Status.RUNNING)
        self._call("start", paused=paused)

    def pause(self) -> None:
        self._call("pause")

    def resume(self) -> None:
        with self._condition:
            if self._state["status"] == Status.PAUSED:
                self._set_status_locked(Status.RUNNING)
        self._call("resume")

    def step(self, epochs: int = 1) -> None:
        with self._condition:
            if self._state["status"].is_over:
                return
            if not self._started:
                self._started = True
                self._set_status_locked(Status.STARTING)
            elif self._state["status"] == Status.PAUSED:
                self._set_status_locked(Status.RUNNING)
        self._call("step", epochs)

    def stop(self) -> None:
        with self._condition:
            if not self._started and not self._state["status"].is_over:
                self._state["message"] = "stopped before it started"
                self._set_status_locked(Status.STOPPED)
        self._call("stop")

    def close(self) -> None:
        """Stop the job and free it in its worker (the registry dropped it)."""
        self.stop()
        self.worker.send(("drop", self.id))
        self.worker.jobs.pop(self.id, None)
        with self._condition:
            self._set_status_locked(Status.STOPPED)
            self._state["message"] = self._state["message"] or "stopped"

    def join(self, timeout: float | None = None) -> bool:
        if not self._started:
            return True
        return self.wait_until(lambda snapshot: snapshot.status.is_over, timeout=timeout or 1e9)

    def set_learning_rate(self, learning_rate: float) -> None:
        with self._condition:
            self._state["learning_rate"] = float(learning_rate)
        self._call("set_learning_rate", float(learning_rate))

    def set_epoch_limit(self, epochs: int) -> None:
        with self._condition:
            self._state["epoch_limit"] = int(epochs)
        self._call("set_epoch_limit", int(epochs))

    def set_patience(self, patience: int) -> None:
        self._call("set_patience", int(patience))

    def set_probe_inputs(self, inputs: np.ndarray) -> None:
        self.probe_inputs = inputs
        if not self.worker.send(("probe_inputs", self.id, inputs)):
            self._fail(WORKER_DIED)

    # ---- reading ------------------------------------------------------------------------------------------
    @property
    def has_model(self) -> bool:
        with self._condition:
            return self._started and self._state["weights"] is not None and self._state["status"] != Status.STOPPED

    def model_file(self) -> bytes | None:
        return self.worker.pool.request(self.worker, self.id, "model_file")

    def _published_locked(self) -> dict:
        return {name: self._state[name] for name in SNAPSHOT_STATE}

    def staged_snapshot(self) -> Snapshot | None:
        """The state after the worker's last staged update (``worker_process.stageable``), None before any. Right
        after its batch, a tick older than the current state: the live channel then sends it first, for the page
        to draw a tick before the other (later, the channel's cursor is past it). Not a poll of the job."""
        return self._staged

    # ---- from the worker ----------------------------------------------------------------------------------
    def _apply(self, update: dict) -> None:
        """Take a worker's update into the mirror (on the pool's loop, or in the worker's reader thread)."""
        with self._condition:
            state = self._state
            for name, value in update.items():
                if name == "history":
                    state["history"].extend(value)
                    self._keep_columns_locked(update.get("history_columns"), len(value))
                elif name == "history_columns":
                    pass  # with its records
                elif name == "status":
                    # A failed worker's or a closed job's end stays; a status from before the worker took the
                    # page's last control (Play right after a pause) would undo what the page just set.
                    if not state["status"].is_over and update.get("calls", 0) >= self._calls:
                        state["status"] = Status(value)
                elif name == "test_outputs":
                    state[name] = _frozen(value)
                elif name not in ("id", "calls", "staged"):  # weights, probe: PackedArrays, read-only, as they came
                    state[name] = value
            if update.get("staged"):
                self._staged = self._snapshot()
            self._condition.notify_all()

    def _keep_columns_locked(self, added: np.ndarray | None, count: int) -> None:
        """Append the columns of ``count`` new records (``History.columns``); without them, the job keeps none
        from then on. Grown into a new array: the snapshots taken before keep reading the old one."""
        columns, filled = self._columns
        if columns is None or added is None or added.shape != (5, count):
            self._columns = (None, 0)
            return
        if filled + count > columns.shape[1]:
            grown = np.empty((5, max(2 * columns.shape[1], filled + count, 256)), dtype=np.float32)
            grown[:, :filled] = columns[:, :filled]
            columns = grown
        columns[:, filled:filled + count] = added
        self._columns = (columns, filled + count)

    def _history_columns_locked(self) -> np.ndarray | None:
        columns, filled = self._columns
        return columns if columns is not None and filled == len(self._state["history"]) else None

    def _fail(self, message: str) -> None:
        with self._condition:
            if self._state["status"].is_active or self._state["status"] == Status.IDLE:
                self._state["status"] = Status.FAILED
                self._state["message"] = message
            self._condition.notify_all()


def _frozen(array) -> np.ndarray:
    array = np.asarray(array)
    array.setflags(write=False)
    return array
