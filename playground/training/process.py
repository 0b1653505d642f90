"""What a process that trains jobs in threads needs once: TensorFlow imported ahead of the first Play, and every
live job stopped and joined at exit."""

from __future__ import annotations

import atexit
import threading
import time
import weakref

# Jobs whose thread was started; at exit they are stopped and joined, because a daemon thread still inside
# TensorFlow when the interpreter shuts down aborts the process ("terminate called ...", exit status 134).
_LIVE_JOBS: weakref.WeakSet = weakref.WeakSet()
EXIT_JOIN_SECONDS = 15.0


@atexit.register
def _stop_live_jobs() -> None:
    jobs = list(_LIVE_JOBS)
    for job in jobs:
        job.stop()
    deadline = time.monotonic() + EXIT_JOIN_SECONDS
    for job in jobs:
        job.join(max(0.0, deadline - time.monotonic()))
    if _preload_thread is not None:
        _preload_thread.join(max(0.0, deadline - time.monotonic()))


_preload_lock = threading.Lock()
_preload_thread: threading.Thread | None = None


def preload_engine() -> None:
    """Import TensorFlow and Keras in a background thread (once per process), so that the first Play of a
    page that has already painted does not wait 3-6 s for the import."""
    global _preload_thread
    with _preload_lock:
        if _preload_thread is None:
            _preload_thread = threading.Thread(target=lambda: __import__("playground.training.engine"),
                                               name="preload", daemon=True)
            _preload_thread.start()


def track(job) -> None:
    """A job whose thread has started: stopped and joined at exit."""
    _LIVE_JOBS.add(job)
