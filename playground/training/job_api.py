"""What a training job offers the pages, the registry, the CLI and notebooks wherever it trains: the half of the
API that :class:`~playground.training.job.TrainingJob` (training in this process) and
:class:`~playground.training.remote_job.RemoteJob` (the web process's handle on a job in a worker) share.

A job keeps its state behind ``self._condition``; :class:`JobApi` copies it out as a :class:`Snapshot`, waits
on it, tells its listeners when it changed (the live channel waits for that rather than polling), and hands a
spec's live options to the job's own setters.
"""

from __future__ import annotations

import threading
import time
import uuid

import numpy as np

from playground.data.points import Dataset
from playground.options import LIVE_OPTIONS
from playground.spec import RunSpec
from playground.training.snapshot import History, Snapshot, Status

# The state a job publishes under the names of the Snapshot's fields (with epochs_per_second, which each kind of
# job has its own way of knowing).
PUBLISHED = ("status", "message", "history", "learning_rate", "epoch_limit", "weights", "weights_epoch", "probe",
             "probe_epoch", "test_outputs", "warning", "weights_encoded", "grids_encoded")


def checked_dataset(spec: RunSpec, dataset: Dataset | None) -> Dataset:
    """The data a job of ``spec`` trains on: ``dataset``, or the spec's own loaded when None; a ValueError when
    the spec is invalid or its data cannot be loaded."""
    problems = spec.validate()
    if problems:
        raise ValueError("invalid spec: " + "; ".join(problems))
    if dataset is None:
        from playground.data.sources import load_data

        loaded = load_data(spec)
        if loaded.dataset is None:
            raise ValueError("; ".join(loaded.messages))
        dataset = loaded.dataset
    return dataset


class AnnouncingCondition(threading.Condition):
    """A condition whose ``notify_all`` (every change of a job's state) also calls its listeners: callables that
    take no argument, return at once and take no lock (they run under the job's)."""

    def __init__(self):
        super().__init__()
        self.listeners: tuple = ()

    def notify_all(self) -> None:
        super().notify_all()
        for listener in self.listeners:
            listener()


class JobApi:
    """The shared half of a job. A subclass provides ``_published_locked()`` (its state, see PUBLISHED) and the
    setters that LIVE_SETTERS names."""

    # How a running job takes on each live option of the table (options.LIVE_OPTIONS): the name of its setter.
    LIVE_SETTERS = {"learning_rate": "set_learning_rate", "epochs": "set_epoch_limit", "patience": "set_patience"}

    def __init__(self, spec: RunSpec, dataset: Dataset, probe_inputs: np.ndarray | None, job_id: str | None):
        self.spec = spec
        self.metric = spec.metric  # read at every snapshot
        self.id = job_id or uuid.uuid4().hex[:12]
        self.dataset = dataset
        self.probe_inputs = probe_inputs
        self.last_polled = time.monotonic()
        self._condition = AnnouncingCondition()

    def apply_live_changes(self, spec: RunSpec) -> None:
        """Take on every live option of ``spec`` (those that continue a run without a reset)."""
        for name in LIVE_OPTIONS:
            getattr(self, self.LIVE_SETTERS[name])(getattr(spec, name))

    def add_listener(self, listener) -> None:
        """Call ``listener()`` after each change of the job's state, from the thread that made it (see
        AnnouncingCondition)."""
        with self._condition:
            self._condition.listeners = (*self._condition.listeners, listener)

    def remove_listener(self, listener) -> None:
        with self._condition:
            self._condition.listeners = tuple(item for item in self._condition.listeners if item is not listener)

    def touch(self) -> None:
        self.last_polled = time.monotonic()

    def _published_locked(self) -> dict:
        """The fields of PUBLISHED and epochs_per_second, read under ``self._condition``."""
        raise NotImplementedError

    def _history_columns_locked(self) -> np.ndarray | None:
        """The history as ``History.columns`` reads them, when this kind of job keeps them."""
        return None

    @property
    def status(self) -> Status:
        with self._condition:
            return self._published_locked()["status"]

    def snapshot(self) -> Snapshot:
        """A copy of the current state (also counts as a poll for the registry)."""
        self.last_polled = time.monotonic()  # touch(), without a call: the live channel takes 30 a second
        return self._snapshot()

    def _snapshot(self) -> Snapshot:
        """``snapshot()`` without counting as a poll."""
        with self._condition:
            published = self._published_locked()
            # Read in place, not copied.
            published["history"] = history = History(published["history"], self._history_columns_locked())
        published.update(epoch=len(history) - 1 if history else 0, metric=self.metric, job_id=self.id)
        return Snapshot.of(published)

    def wait_until(self, predicate, timeout: float = 30.0) -> bool:
        """Block until ``predicate(snapshot)`` holds or the timeout passes (for tests, CLI and notebooks)."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                if predicate(self.snapshot()):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(min(remaining, 0.5))
