"""What a training job publishes: its status, and immutable snapshots of its state for the pages to draw."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
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


class History(Sequence):
    """The first ``length`` records of a job's history list, read in place: the list only grows (a reset is
    another job), so what a snapshot saw never changes under it. A snapshot used to copy the list, which cost a
    long run's page more at every poll of the live channel (30 a second) the longer it trained. Slices are
    tuples; pickled, it is a tuple."""

    __slots__ = ("_records", "_length", "_columns")

    def __init__(self, records: list | tuple = (), columns: np.ndarray | None = None):
        self._records = records
        self._length = len(records)
        self._columns = columns  # see ``columns``; at least ``length`` of them filled

    def columns(self, start: int = 0) -> np.ndarray | None:
        """The records from ``start`` on as float32 columns (epoch, loss, test_loss, metric, test_metric; NaN
        for a missing value), when the job keeps them (a training worker makes them with the records, for the
        live views), else None."""
        return None if self._columns is None else self._columns[:, start:self._length]

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if step > 0:
                return tuple(self._records[start:stop:step])
            return tuple(self._records[position] for position in range(start, stop, step))
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("history index out of range")
        return self._records[index]

    def __iter__(self):
        return itertools.islice(self._records, self._length)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(other) == self._length and all(
            mine == theirs for mine, theirs in zip(self, other, strict=True))

    def __reduce__(self):
        return tuple, (tuple(self),)

    def __repr__(self) -> str:
        return f"History({list(self)!r})"


class PackedArrays(Sequence):
    """A few arrays in one bytes buffer, as a training worker sends its weights and probes: unpickled as one bytes
    object and a small tuple, and made into read-only arrays only when first read. On a page drawn by the live
    channel the web process sends the worker's encodings of them and rarely reads them at all; unpickling each
    array (11 an update) was a quarter of its work per message. Slices are tuples, as for ``History``."""

    __slots__ = ("_buffer", "_layout", "_arrays")

    def __init__(self, arrays: Sequence[np.ndarray]):
        arrays = [np.asarray(array) for array in arrays]
        self._buffer = b"".join(array.tobytes() for array in arrays)
        self._layout = tuple((array.dtype.str, array.shape) for array in arrays)
        self._arrays = None

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays (views of the buffer, read-only), made once; two threads may both make them, alike."""
        if self._arrays is None:
            arrays, offset = [], 0
            for dtype, shape in self._layout:
                dtype, count = np.dtype(dtype), math.prod(shape)
                arrays.append(np.frombuffer(self._buffer, dtype, count, offset).reshape(shape))
                offset += count * dtype.itemsize
            self._arrays = tuple(arrays)
        return self._arrays

    def __len__(self) -> int:
        return len(self._layout)

    def __getitem__(self, index):
        return self.arrays()[index]

    def __iter__(self):
        return iter(self.arrays())

    def __reduce__(self):
        return _unpacked, (self._buffer, self._layout)

    def __repr__(self) -> str:
        return f"PackedArrays({list(self.arrays())!r})"


def _unpacked(buffer: bytes, layout: tuple) -> PackedArrays:
    packed = PackedArrays.__new__(PackedArrays)
    packed._buffer, packed._layout, packed._arrays = buffer, layout, None
    return packed


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of a job's state at one moment."""

    status: Status
    message: str
    epoch: int  # completed epochs (0 before training)
    history: Sequence[dict[str, float]]  # one record per epoch from 0 (epoch, loss, test_loss, metric, ...)
    metric: str  # "accuracy" or "r2"
    learning_rate: float
    epoch_limit: int
    # Dense kernels and biases in layer order, as of weights_epoch (a tuple, or from a worker PackedArrays)
    weights: Sequence[np.ndarray] | None
    weights_epoch: int
    # Each Dense layer's output on the probe inputs, as of probe_epoch (from a training worker: PackedArrays in
    # half precision, the hidden layers' at the thumbnail cells only).
    probe: Sequence[np.ndarray] | None
    probe_epoch: int
    epochs_per_second: float
    job_id: str = ""
    test_outputs: np.ndarray | None = None  # the network's outputs on the test split, as of probe_epoch
    warning: str = ""  # a sentence when the loss bounces or stays far above its best (learning rate too high)
    # The live views' encodings of the weights and the probe that a training worker made with them, for the
    # network it trains (``worker_process.changes``): (``DrawnParts.key``, JsonDict); None for a job in this
    # process.
    weights_encoded: tuple | None = None
    grids_encoded: tuple | None = None

    @classmethod
    def of(cls, fields: dict) -> Snapshot:
        """The snapshot of ``fields``, which name every field (``JobApi.snapshot``), made without the dataclass'
        ``__init__``: a frozen dataclass sets each of its 17 fields through ``object.__setattr__``, and the live
        channel takes a snapshot at each of its messages (30 a second per page)."""
        snapshot = object.__new__(cls)
        snapshot.__dict__.update(fields)
        return snapshot

    @property
    def last(self) -> dict[str, float] | None:
        return self.history[-1] if self.history else None
