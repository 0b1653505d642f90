"""A process-wide registry of training jobs: pages hold only a job id; unpolled jobs are stopped and freed."""

from __future__ import annotations

import threading
import time

from playground.spec import RunSpec
from playground.training import TrainingJob

DEFAULT_IDLE_TIMEOUT = 120.0  # seconds without a poll before a job is stopped and dropped


class JobRegistry:
    """Owns the jobs of every session in the process. Thread-safe."""

    def __init__(self, idle_timeout: float = DEFAULT_IDLE_TIMEOUT, reap_interval: float = 5.0):
        self.idle_timeout = idle_timeout
        self.reap_interval = reap_interval
        self._jobs: dict[str, TrainingJob] = {}
        self._lock = threading.Lock()
        self._reaper: threading.Thread | None = None
        self._closed = threading.Event()

    def create(self, spec: RunSpec, **job_options) -> TrainingJob:
        job = TrainingJob(spec, **job_options)
        with self._lock:
            self._jobs[job.id] = job
            if self._reaper is None:
                self._reaper = threading.Thread(target=self._reap_forever, name="job-reaper", daemon=True)
                self._reaper.start()
        return job

    def get(self, job_id: str | None) -> TrainingJob | None:
        """The job with this id (counts as a poll), or None when it is unknown or was reaped."""
        if not job_id:
            return None
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            job.touch()
        return job

    def discard(self, job_id: str | None) -> None:
        """Stop a job and forget it (Reset, or a new spec that needs a new job)."""
        with self._lock:
            job = self._jobs.pop(job_id, None) if job_id else None
        if job is not None:
            job.stop()

    def reap(self, now: float | None = None) -> list[str]:
        """Stop and drop every job not polled within the idle timeout; returns their ids."""
        now = time.monotonic() if now is None else now
        with self._lock:
            stale = [job_id for job_id, job in self._jobs.items() if now - job.last_polled > self.idle_timeout]
            jobs = [self._jobs.pop(job_id) for job_id in stale]
        for job in jobs:
            job.stop()
        return stale

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._jobs)

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)

    def close(self) -> None:
        """Stop every job and the reaper (tests; the app's registry lives as long as the process)."""
        self._closed.set()
        with self._lock:
            jobs, self._jobs = list(self._jobs.values()), {}
        for job in jobs:
            job.stop()

    def _reap_forever(self) -> None:
        while not self._closed.wait(self.reap_interval):
            self.reap()
