"""A process-wide registry of training jobs: pages hold only a job id; jobs whose page is gone are stopped and
dropped, so that their thread, model and data are freed.

How a job's page counts as gone, soonest first:

- its owner (the session that created it) has been gone for ``owner_grace`` seconds, as the liveness check
  given to the registry says (the app passes Streamlit's "is this session connected"). The grace lets a page
  that reconnects after a network blip keep its run; a reload is a new session, so its old job goes.
- nothing has polled it for ``idle_timeout`` seconds: the fallback for jobs without an owner (notebooks, CLI)
  or without a liveness check.

An owned job that runs unwatched (no poll for ``unwatched_timeout`` seconds, while its page refreshes it 5
times a second) is paused, not dropped: its session is alive (another page of the app, or a throttled
background tab), so the run is kept for when its page comes back, but it stops taking CPU from the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from playground.options import MAX_TRAINING_PER_BROWSER, MAX_TRAINING_RUNS
from playground.spec import RunSpec
from playground.training.job import Status, TrainingJob

DEFAULT_IDLE_TIMEOUT = 120.0  # seconds without a poll before any job is stopped and dropped
DEFAULT_OWNER_GRACE = 10.0  # seconds an owner may be gone (a network blip) before its jobs are dropped
DEFAULT_UNWATCHED_TIMEOUT = 15.0  # seconds a running owned job may go unpolled before it is paused
DEFAULT_REAP_INTERVAL = 1.0

_LOG = logging.getLogger(__name__)


class JobRegistry:
    """Owns the jobs of every session in the process. Thread-safe.

    ``is_owner_alive(owner) -> bool`` tells whether a job's owner is still there; it is called from the reaper
    thread, and an exception counts as "alive" (a job is never dropped on a failed check).
    """

    def __init__(self, idle_timeout: float = DEFAULT_IDLE_TIMEOUT, reap_interval: float = DEFAULT_REAP_INTERVAL,
                 *, is_owner_alive: Callable[[str], bool] | None = None, owner_grace: float = DEFAULT_OWNER_GRACE,
                 unwatched_timeout: float = DEFAULT_UNWATCHED_TIMEOUT,
                 count_sessions: Callable[[], int | None] | None = None,
                 pool=None,
                 max_training: int = MAX_TRAINING_RUNS, max_training_per_browser: int = MAX_TRAINING_PER_BROWSER):
        self.idle_timeout = idle_timeout
        self.count_sessions = count_sessions  # the server's open sessions, for the operators' status line
        # Where jobs train: in this process's threads by default; a served app passes its WorkerPool.
        self.pool = pool
        self.job_factory = pool.create_job if pool is not None else TrainingJob
        self.max_training = max_training
        self.max_training_per_browser = max_training_per_browser
        self._browsers: dict[str, str] = {}  # job id -> the browser its session runs in, when known
        self.reap_interval = reap_interval
        self.is_owner_alive = is_owner_alive
        self.owner_grace = owner_grace
        self.unwatched_timeout = unwatched_timeout
        self._jobs: dict[str, TrainingJob] = {}
        self._owners: dict[str, str] = {}  # job id -> owner, for owned jobs only
        self._gone_since: dict[str, float] = {}  # job id -> when its owner was first seen gone
        self._lock = threading.Lock()
        self._reaper: threading.Thread | None = None
        self._closed = threading.Event()

    def create(self, spec: RunSpec, *, owner: str | None = None, browser: str | None = None,
               **job_options) -> TrainingJob:
        """A new (idle) job; ``owner`` is whoever polls it (the app: a Streamlit session id), ``browser`` the
        browser that session runs in (all its tabs), for the cap on runs per browser."""
        job = self.job_factory(spec, **job_options)
        with self._lock:
            self._jobs[job.id] = job
            if owner is not None:
                self._owners[job.id] = owner
            if browser:
                self._browsers[job.id] = browser
            if self._reaper is None:
                self._reaper = threading.Thread(target=self._reap_forever, name="job-reaper", daemon=True)
                self._reaper.start()
        _LOG.info("job %s created%s", job.id, f" for session {owner}" if owner else "")
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

    def refusal_to_train(self, job: TrainingJob) -> str | None:
        """Why ``job`` may not start training now (the server's or its browser's cap on runs training at once),
        or None when it may."""
        with self._lock:
            others = [(job_id, other) for job_id, other in self._jobs.items() if other is not job]
            browser = self._browsers.get(job.id)
            browsers = dict(self._browsers)
        training = [job_id for job_id, other in others if other.status in (Status.STARTING, Status.RUNNING)]
        if len(training) >= self.max_training:
            return (f"This server is training {len(training)} runs, its limit: press Play again in a moment, "
                    "when one of them has finished or been paused.")
        mine = [job_id for job_id in training if browser and browsers.get(job_id) == browser]
        if len(mine) >= self.max_training_per_browser:
            return (f"This browser is already training {len(mine)} runs in other tabs, the limit for one browser: "
                    "pause one of them (or close its tab), then press Play here again.")
        return None

    def training_count(self) -> int:
        """Runs training on this server now (for the page's 'the server is busy' note)."""
        with self._lock:
            jobs = list(self._jobs.values())
        return sum(job.status in (Status.STARTING, Status.RUNNING) for job in jobs)

    @property
    def cores(self) -> int:
        """How many runs can train at the same time (the workers; 1 for threads sharing this process)."""
        return len(self.pool) if self.pool is not None else 1

    def preload(self) -> None:
        """Get TensorFlow ready ahead of the first Play: imported in this process when jobs train here (the
        workers import it themselves when they start)."""
        if self.pool is None:
            from playground.training.process import preload_engine

            preload_engine()

    def discard(self, job_id: str | None) -> None:
        """Stop a job and forget it (Reset, or a new spec that needs a new job)."""
        self._drop({job_id: "discarded (reset or new settings)"} if job_id else {})

    def reap(self, now: float | None = None) -> list[str]:
        """Drop the jobs whose page is gone and pause owned jobs that run unwatched (see the module's notes);
        returns the ids dropped."""
        now = time.monotonic() if now is None else now
        with self._lock:
            owners = dict(self._owners)
        alive = {}  # one check per owner per pass, outside the lock: the check may take its time
        if self.is_owner_alive is not None:
            alive = {owner: self._check_owner(owner) for owner in set(owners.values())}
        gone: dict[str, str] = {}
        unwatched: list[tuple[TrainingJob, float]] = []
        with self._lock:
            for job_id in [job_id for job_id in self._gone_since if job_id not in self._jobs]:
                del self._gone_since[job_id]  # dropped meanwhile
            for job_id, job in self._jobs.items():
                owner = owners.get(job_id)
                if alive.get(owner, True):
                    self._gone_since.pop(job_id, None)
                else:
                    away = now - self._gone_since.setdefault(job_id, now)
                    if away >= self.owner_grace:
                        gone[job_id] = f"its page closed (session {owner} gone for {away:.0f} s)"
                        continue
                unpolled = now - job.last_polled
                if unpolled > self.idle_timeout:
                    gone[job_id] = f"not polled for {unpolled:.0f} s"
                elif owner is not None and unpolled > self.unwatched_timeout:
                    unwatched.append((job, unpolled))
        for job, unpolled in unwatched:
            if job.status == Status.RUNNING:
                job.pause()
                _LOG.info("job %s paused: running unwatched (not polled for %.0f s)", job.id, unpolled)
        return self._drop(gone)

    def _check_owner(self, owner: str) -> bool:
        try:
            return bool(self.is_owner_alive(owner))
        except Exception:  # noqa: BLE001 - a broken check must not kill live runs, nor the reaper
            _LOG.exception("the liveness check failed for session %s; its jobs are kept", owner)
            return True

    def _drop(self, reasons: dict[str, str]) -> list[str]:
        with self._lock:
            jobs = {job_id: self._jobs.pop(job_id) for job_id in reasons if job_id in self._jobs}
            for job_id in reasons:
                self._owners.pop(job_id, None)
                self._browsers.pop(job_id, None)
                self._gone_since.pop(job_id, None)
        for job_id, job in jobs.items():
            job.close()  # its thread ends at the next epoch boundary and lets go of the model (TrainingJob._run)
            _LOG.info("job %s stopped and dropped: %s", job_id, reasons[job_id])
        return list(jobs)

    def status(self) -> dict[str, int | None]:
        """What an operator wants to know of this server: open sessions (None when unknown), sessions with a
        job, jobs, and jobs training now (each a training thread)."""
        with self._lock:
            jobs, owners = list(self._jobs.values()), set(self._owners.values())
        sessions = None
        if self.count_sessions is not None:
            try:
                sessions = self.count_sessions()
            except Exception:  # noqa: BLE001 - a status line must never break the reaper
                sessions = None
        return {"sessions": sessions, "sessions_with_jobs": len(owners), "jobs": len(jobs),
                "training": sum(job.status in (Status.STARTING, Status.RUNNING) for job in jobs)}

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
            ids = list(self._jobs)
        self._drop(dict.fromkeys(ids, "the registry closed"))

    def _reap_forever(self) -> None:
        last_status = None
        while not self._closed.wait(self.reap_interval):
            try:
                self.reap()
                status = self.status()
                if status != last_status:  # one line per change: the replica's load, for its operators
                    _LOG.info("status: %s", " ".join(f"{key}={value}" for key, value in status.items()))
                    last_status = status
            except Exception:  # noqa: BLE001 - the reaper must outlive one bad pass
                _LOG.exception("reaping failed")
