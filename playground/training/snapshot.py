"""What a training job publishes: its status, and immutable snapshots of its state for the pages to draw."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class Status(StrEnum):
    IDLE = "idle"  # created, not started
    STARTING = "starting"  # thread building the model
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"  # reached the epoch limit or stopped early on patience
    STOPPED = "stopped"  # stopped by the user (or the registry)
    DIVERGED = "diverged"  # the loss became NaN or infinite
    FAILED = "failed"  # an exception in the thread

    @property
    def is_active(self) -> bool:
        return self in (Status.STARTING, Status.RUNNING, Status.PAUSED)

    @property
    def is_over(self) -> bool:
        return self in (Status.FINISHED, Status.STOPPED, Status.DIVERGED, Status.FAILED)


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of a job's state at one moment."""

    status: Status
    message: str
    epoch: int  # completed epochs (0 before training)
    history: tuple[dict[str, float], ...]  # one record per epoch from 0: epoch, loss, test_loss, metric, ...
    metric: str  # "accuracy" or "r2"
    learning_rate: float
    epoch_limit: int
    weights: tuple[np.ndarray, ...] | None  # Dense kernels and biases in layer order, as of weights_epoch
    weights_epoch: int
    probe: tuple[np.ndarray, ...] | None  # each Dense layer's output on the probe inputs, as of probe_epoch
    probe_epoch: int
    epochs_per_second: float
    job_id: str = ""
    test_outputs: np.ndarray | None = None  # the network's outputs on the test split, as of probe_epoch
    warning: str = ""  # a sentence when the loss bounces or stays far above its best (learning rate too high)

    @property
    def last(self) -> dict[str, float] | None:
        return self.history[-1] if self.history else None
