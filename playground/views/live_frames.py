"""The moving half of the Playground page's live views, as compact messages for the browser: what changed in a
run's snapshot since a connection's last message (``LiveFrames.next_message``), drawn on the page's scene
(``live_scene``) by the live component.

One ``LiveFrames`` per session. The page's script thread sets its context at each page run (``set_context``:
one immutable object, replaced at once); the live channel calls ``next_message(cursor)`` when the context's job
or the context itself changed (``watch``), up to 30 times a second per open page (15 while a training worker
sends two ticks' states a batch: then a message carries the earlier state as a frame of its own), and twice a
second besides, so a message that finds nothing new costs a snapshot and a few comparisons. The weights and the
neuron and output grids it sends are the training worker's encodings of them when they are of the network the
page draws (``DrawnParts.key``) as the worker draws them; otherwise they are encoded here, once per snapshot
object (``is``), with their JSON text (``JsonDict``), and shared by every connection of the session.

The encodings of the arrays: ``live_encoding``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from playground.training.snapshot import Snapshot, Status
from playground.views.curves import METRIC_LABELS
from playground.views.live_encoding import (
    DrawnParts,
    Frames,
    HistoryColumns,
    JsonDict,
    added_columns,
    drawn_parts,
)

STATUS_TEXT = {
    Status.IDLE: "Ready: press Play to train, or Step for one epoch.",
    Status.STARTING: "Starting: building the Keras model…",
    Status.RUNNING: "Training…",
    Status.PAUSED: "Paused.",
    Status.FINISHED: "Finished",
    Status.STOPPED: "Stopped.",
}
TRAINING = (Status.STARTING, Status.RUNNING)
ALERTED = (Status.DIVERGED, Status.FAILED)  # no status line: the alert says it
NOTE_SECONDS = 1.0  # the load note is asked for at most this often


def training(snapshot: Snapshot) -> bool:
    return snapshot.status in TRAINING


def status_text(snapshot: Snapshot) -> str:
    status = snapshot.status
    if status == Status.RUNNING and snapshot.epochs_per_second:
        return f"Training… {snapshot.epochs_per_second:,.0f} epochs/s"
    if status == Status.FINISHED:
        return f"Finished: {snapshot.message}."
    return STATUS_TEXT.get(status, str(status))


def format_metric(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1%}" if metric == "accuracy" else f"{value:.3f}"


def outputs_caught_up(snapshot: Snapshot) -> bool:
    """Whether the snapshot's outputs (probe, test split) are of its last epoch, or never will be."""
    return snapshot.probe_epoch >= snapshot.epoch or not snapshot.history or snapshot.status == Status.FAILED


def alert(snapshot: Snapshot) -> list[str] | None:
    """[kind, text] of the page's alert: a diverged or failed run, or a loss that bounces."""
    if snapshot.status == Status.DIVERGED:
        return ["error", f"Diverged. {snapshot.message[0].upper()}{snapshot.message[1:]}."]
    if snapshot.status == Status.FAILED:
        return ["error", f"Training failed: {snapshot.message}. Press Reset to try again."]
    if snapshot.warning:
        return ["warning", snapshot.warning]
    return None


def status_block(snapshot: Snapshot, note: str = "") -> dict:
    """The texts above the views, ready to show: the epoch, the losses and metric, the status line (none for a
    diverged or failed run: its alert says it), the alert and the server's load note."""
    last, metric = snapshot.last, snapshot.metric
    values = [
        ["Train loss", "–" if last is None else f"{last['loss']:.4f}"],
        ["Test loss", "–" if last is None else f"{last['test_loss']:.4f}"],
        [f"Test {METRIC_LABELS[metric]}", format_metric(metric, None if last is None else last[f"test_{metric}"])],
    ]
    line = "" if snapshot.status in ALERTED else status_text(snapshot)
    return {"epoch": f"{snapshot.epoch:,}", "metrics": values, "line": line, "alert": alert(snapshot),
            "note": note, "training": training(snapshot)}


@dataclass(frozen=True)
class Context:
    """What a page run tells the frames: where snapshots come from and how to encode them for its scene."""

    snapshot_source: Callable[[], Snapshot | None]
    scene_id: str
    parts: DrawnParts  # what of the network the views draw (its layer sizes, links, neurons and problem)
    discretize: bool = False
    colour_reference: np.ndarray | None = None  # a table's regression targets: the output is drawn on their range
    drawable: bool = True  # the output view has a plane to draw
    training: bool = False  # the page shows the run as training (its Pause button)
    note_source: Callable[[Snapshot], str] | None = None
    changes: object | None = None  # what calls listeners when the snapshots change (the job: JobApi.add_listener)
    staged_source: Callable[[], Snapshot | None] | None = None  # the job's staged state (RemoteJob.staged_snapshot)

    @property
    def default_grids(self) -> bool:
        """Whether the grids are drawn as a training worker encodes them (``DrawnParts.grids_part``' defaults)."""
        return self.drawable and not self.discretize and self.colour_reference is None


class _Encoded:
    """One encoding and the object (``is``) and key it was made from; replaced as a whole (thread-safe reads)."""

    def __init__(self):
        self.entry: tuple = (None, None, None)

    def get(self, source, key):
        found, found_key, value = self.entry
        return value if found is source and found_key == key else None

    def put(self, source, key, value):
        self.entry = (source, key, value)
        return value


class LiveFrames:
    """One session's frames. ``set_context`` from the page, ``next_message`` from the live channel."""

    def __init__(self):
        self._context: Context | None = None
        self._weights, self._grids = _Encoded(), _Encoded()
        self._columns = HistoryColumns()
        self._noted = (-math.inf, "")  # when the load note was last asked for, and what it said
        self._watchers: tuple = ()  # the listeners of the session's channels (``watch``)
        self._watch_lock = threading.Lock()

    @property
    def context(self) -> Context | None:
        return self._context

    def set_context(self, snapshot_source: Callable[[], Snapshot | None], spec, dataset, scene: dict, *,
                    plane=None, training: bool = False, note_source: Callable[[Snapshot], str] | None = None,
                    changes=None) -> None:
        """The page's run: the source of snapshots, the spec and data it draws, and its scene (``build_scene``,
        whose ``scene_id`` and discretize option the frames follow). ``changes``: the job whose snapshots these
        are, which tells the watchers when they change (without it, watchers hear of new contexts only)."""
        reference = dataset.labels_train() if spec.problem == "regression" and not dataset.is_2d else None
        context = Context(
            snapshot_source=snapshot_source, scene_id=scene["scene_id"], parts=drawn_parts(spec, dataset),
            discretize=bool(scene.get("discretize")), colour_reference=reference,
            drawable=dataset.is_2d or plane is not None, training=training, note_source=note_source,
            changes=changes, staged_source=getattr(changes, "staged_snapshot", None))
        with self._watch_lock:
            old = self._context.changes if self._context is not None else None
            self._context = context
            if old is not changes:
                for listener in self._watchers:
                    if old is not None:
                        old.remove_listener(listener)
                    if changes is not None:
                        changes.add_listener(listener)
            watchers = self._watchers
        for listener in watchers:  # the page's run may show something else
            listener()

    def watch(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` (from any thread; it must return at once) whenever ``next_message`` may have news:
        the context's job changed, or the page set another context."""
        with self._watch_lock:
            self._watchers = (*self._watchers, listener)
            changes = self._context.changes if self._context is not None else None
            if changes is not None:
                changes.add_listener(listener)

    def unwatch(self, listener: Callable[[], None]) -> None:
        with self._watch_lock:
            self._watchers = tuple(item for item in self._watchers if item is not listener)
            changes = self._context.changes if self._context is not None else None
            if changes is not None:
                changes.remove_listener(listener)

    # ---- encodings (a worker's, or made here once per snapshot object) ----------------------------------------
    def _weights_message(self, context: Context, weights, epoch: int, encoded: tuple | None) -> JsonDict:
        if encoded is not None and encoded[0] == context.parts.key:
            return encoded[1]  # the training worker's, for this network
        key = (context.parts.key, epoch)
        found = self._weights.get(weights, key)
        if found is None:
            found = self._weights.put(weights, key, context.parts.weights_part(weights, epoch))
        return found

    def _grids_message(self, context: Context, probe, epoch: int, encoded: tuple | None) -> JsonDict:
        if encoded is not None and encoded[0] == context.parts.key and context.default_grids:
            return encoded[1]
        key = (context.parts.key, context.discretize, id(context.colour_reference), context.drawable, epoch)
        found = self._grids.get(probe, key)
        if found is None:
            found = self._grids.put(probe, key, context.parts.grids_part(
                probe, epoch, drawable=context.drawable, discretize=context.discretize,
                colour_reference=context.colour_reference))
        return found

    def _note(self, context: Context, snapshot: Snapshot) -> str:
        """The server's load note for a running run, asked for at most once a second (it counts the server's
        training runs: every session's channel asking 30 times a second would add up)."""
        if context.note_source is None or snapshot.status != Status.RUNNING:
            return ""
        now = time.monotonic()
        asked, note = self._noted
        if now - asked >= NOTE_SECONDS:
            note = context.note_source(snapshot)
            self._noted = (now, note)
        return note

    # ---- messages -------------------------------------------------------------------------------------------
    def next_message(self, cursor: dict) -> dict | None:
        """What is new since ``cursor`` (what this connection last got; updated in place): a full message when
        the cursor is empty or of another scene or job, else only what changed; None when nothing did. When the
        job has a staged state (``RemoteJob.staged_snapshot``) between the cursor and its current one, the
        message first carries what is new up to it, as a frame of its own (``earlier``), which the page draws a
        tick before the rest."""
        context = self._context
        if context is None:
            return None
        snapshot = context.snapshot_source()
        if snapshot is None:
            return None
        earlier = None
        if context.staged_source is not None and cursor.get("n") and cursor.get("scene") == context.scene_id:
            staged = context.staged_source()
            # Only between what this connection has and the current state (once sent, the cursor is past it).
            if (staged is not None and staged.job_id == cursor.get("job")
                    and cursor["n"] < len(staged.history) < len(snapshot.history)):
                earlier = self._frame(context, staged, cursor)
        message = self._frame(context, snapshot, cursor)
        if earlier is None or message is None:
            return message or earlier
        message["earlier"] = Frames((earlier,))
        return message

    def _frame(self, context: Context, snapshot: Snapshot, cursor: dict) -> dict | None:
        """What of ``snapshot`` is new since ``cursor`` (updated in place), or None."""
        message: dict = {}
        if cursor.get("scene") != context.scene_id or cursor.get("job") != snapshot.job_id:
            cursor.clear()
            cursor.update(scene=context.scene_id, job=snapshot.job_id)
            message["full"] = True
        note = self._note(context, snapshot)
        status = status_block(snapshot, note)
        if context.training and not status["training"] and outputs_caught_up(snapshot):
            status["ended"] = f"{snapshot.job_id}:{snapshot.epoch}"
        if status != cursor.get("status"):
            cursor["status"] = message["status"] = status
        history = snapshot.history
        count, known = len(history), cursor.get("n", 0)
        # A run's history only grows (a reset is another job): the last epoch sent tells a new run apart.
        if known and (count < known or history[known - 1].get("epoch") != cursor.get("last")):
            known = 0
            message["reset_history"] = True
        if count > known or message.get("full"):
            if known == 0:  # the whole history: float32 columns (a long run's rows would be megabytes of JSON)
                message["reset_history"] = True
                message["history_columns"] = self._columns.encoded(snapshot.job_id, history, snapshot.metric)
            else:
                message["history_added"] = added_columns(history, known, snapshot.metric)
            cursor["n"], cursor["last"] = count, history[count - 1].get("epoch") if count else None
        if snapshot.weights is not cursor.get("weights", False):
            cursor["weights"] = snapshot.weights
            message["weights"] = self._weights_message(context, snapshot.weights, snapshot.weights_epoch,
                                                       snapshot.weights_encoded)
        if snapshot.probe is not cursor.get("probe", False):
            cursor["probe"] = snapshot.probe
            message["grids"] = self._grids_message(context, snapshot.probe, snapshot.probe_epoch,
                                                   snapshot.grids_encoded)
        if not message:
            return None
        message["scene_id"], message["job_id"] = context.scene_id, snapshot.job_id
        return message
