"""Fair turns on one process's CPU: the jobs of a worker train one at a time, each for a short time slice while
others wait, in first-come order. A job that is paused, finished or stopped is in no queue and costs nothing.

Why turns rather than threads training at once: many jobs of the same architecture share one compiled Keras
trainer (``trainers.py``), so only one of them may be inside it at a time; and one job at a time per core is
also what the CPU does best (threads contending for one core and the GIL made 8 sessions stall).
"""

from __future__ import annotations

import threading
import time
from collections import deque

DEFAULT_SLICE_SECONDS = 0.05  # a job trains this long before it lets the next waiting one in


class Turnstile:
    """One holder at a time; the others wait in a queue. ``should_yield`` tells the holder when its slice is
    over and someone is waiting. Thread-safe."""

    def __init__(self, slice_seconds: float = DEFAULT_SLICE_SECONDS):
        self.slice_seconds = slice_seconds
        self._condition = threading.Condition()
        self._queue: deque = deque()
        self._holder = None
        self._turn_started = 0.0

    def acquire(self, who) -> None:
        with self._condition:
            self._queue.append(who)
            while self._holder is not None or self._queue[0] is not who:
                self._condition.wait()
            self._queue.popleft()
            self._holder = who
            self._turn_started = time.monotonic()

    def release(self, who) -> None:
        with self._condition:
            if self._holder is who:
                self._holder = None
                self._condition.notify_all()

    def should_yield(self, who) -> bool:
        """Whether ``who`` (the holder) has had its slice and another job waits for a turn."""
        with self._condition:
            return (self._holder is who and bool(self._queue)
                    and time.monotonic() - self._turn_started >= self.slice_seconds)

    def take_turn(self, who) -> bool:
        """Let a waiting job in when the holder's slice is over, then wait for the next turn. Returns whether
        the holder gave its turn away (its model state may have been swapped out meanwhile)."""
        if not self.should_yield(who):
            return False
        self.release(who)
        self.acquire(who)
        return True

    def waiting(self) -> int:
        with self._condition:
            return len(self._queue)

    def holds(self, who) -> bool:
        with self._condition:
            return self._holder is who


class FreeRunning:
    """No turns: every job trains whenever its thread runs (one job in a notebook or the CLI)."""

    def acquire(self, who) -> None:
        pass

    def release(self, who) -> None:
        pass

    def should_yield(self, who) -> bool:
        return False

    def take_turn(self, who) -> bool:
        return False

    def waiting(self) -> int:
        return 0

    def holds(self, who) -> bool:
        return True
