"""The moving half of the Playground page's live views, as compact messages for the browser: what changed in a
run's snapshot since a connection's last message (``LiveFrames.next_message``), drawn on the page's scene
(``live_scene``) by the live component.

One ``LiveFrames`` per session. The page's script thread sets its context at each page run (``set_context``:
one immutable object, replaced at once); the live channel's thread calls ``next_message(cursor)`` up to 30 times
a second per open page, so a message that finds nothing new costs a snapshot and a few comparisons, and what it
encodes (weights, neuron and output grids) is encoded once per snapshot object (``is``), with its JSON text
(``JsonDict``), and shared by every connection of the session.

Encodings: arrays are base64 strings of little-endian typed arrays: float32 for the drawn links' weights (layout
order) and the nodes' biases (layout order, NaN for inputs); uint8 levels for the grids, the indices into the
scene's palette that ``boundary.scale_levels`` gives (the output view: ``output_view.output_picture_uri``'s
pixels; each drawn hidden neuron: its ``boundary.thumbnail_rows`` as levels), and for classes
the winning class and its confidence (0-255) of ``boundary.class_colors``. New history records are
``[epoch, loss, test_loss, metric, test_metric]`` with None for NaN; a whole history (a full message) is those
five columns as float32 (``HistoryColumns``).
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from playground.training.snapshot import Snapshot, Status
from playground.views.boundary import (
    BOUNDED_ACTIVATIONS,
    PALETTE_LEVELS,
    THUMBNAIL_CELLS,
    levels_into,
    neuron_scales,
    thumbnail_rows,
    to_colour_range,
    undecided_output,
)
from playground.views.curves import METRIC_LABELS
from playground.views.live_scene import (
    GRID_RESOLUTION,
    hidden_samples,
    link_blocks,
)
from playground.views.network_layout import NetworkLayout, weights_fit

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


def b64(array: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


class JsonDict(dict):
    """A part of a message whose values are ints, None or base64 texts, and its compact JSON (as ``json.dumps``
    writes it), made once: ``live_channel.encode`` sends the text as it is. json.dumps scans every character of
    a text for one to escape, and base64 has none: for a new probe's grids, that scan was a fifth of a message's
    cost."""

    __slots__ = ("json",)

    def __init__(self, fields: dict):
        super().__init__(fields)
        pieces = []  # joined once: a message's long texts are copied once more, not at every step
        for key, value in fields.items():
            pieces += (',"' if pieces else '{"', key, '":')
            pieces += ('"', value, '"') if isinstance(value, str) else ("null" if value is None else str(int(value)),)
        self.json = "".join((*pieces, "}")) if pieces else "{}"


def _number(value) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def history_rows(history: Sequence[dict], start: int, metric: str) -> list[list]:
    keys = ("epoch", "loss", "test_loss", metric, f"test_{metric}")
    return [[_number(record.get(key)) for key in keys] for record in history[start:]]


class HistoryColumns:
    """A run's history as a (5, n) float32 array (``history_rows``' columns, NaN for a missing value), grown by
    the records added since the last call and encoded once per length: a full message of a long run costs a
    base64 of 20 bytes an epoch, not a JSON list. Replaced as a whole, so threads never see it half-grown."""

    def __init__(self):
        self._state: tuple = ("", "", 0, np.empty((5, 0), dtype=np.float32), None)  # job, metric, n, data, encoded

    def encoded(self, job_id: str, history: Sequence[dict], metric: str) -> dict:
        job, known_metric, known, data, encoded = self._state
        if job != job_id or known_metric != metric or len(history) < known or (
                known and history[known - 1].get("epoch") != data[0, known - 1]):
            known, data, encoded = 0, np.empty((5, 0), dtype=np.float32), None
        if len(history) == known and encoded is not None:
            return encoded
        if len(history) > data.shape[1]:
            grown = np.empty((5, max(2 * data.shape[1], len(history), 256)), dtype=np.float32)
            grown[:, :known] = data[:, :known]
            data = grown
        keys = ("epoch", "loss", "test_loss", metric, f"test_{metric}")
        for index in range(known, len(history)):
            record = history[index]
            data[:, index] = [math.nan if record.get(key) is None else record[key] for key in keys]
        length = len(history)
        encoded = JsonDict({"length": length, "data": b64(data[:, :length], "<f4")})  # rows: epoch, loss, ...
        self._state = (job_id, metric, length, data, encoded)
        return encoded


# ---- grids -----------------------------------------------------------------------------------------------------
def output_levels(output: np.ndarray, problem: str, *, discretize: bool = False) -> np.ndarray:
    """The output on the grid as uint8: palette levels for binary and regression (the pixels of
    ``output_picture_uri``); for classes the winning class then its confidence level (2 bytes a cell)."""
    output = np.asarray(output)
    if problem == "multiclass":
        probabilities = np.nan_to_num(output.astype(np.float64))
        winners = np.argmax(probabilities, axis=1)
        count = probabilities.shape[1]
        if discretize or count < 2:
            confidence = np.full(len(probabilities), 255.0)
        else:
            chance = 1.0 / count
            confidence = np.clip((probabilities.max(axis=1) - chance) / (1.0 - chance), 0.0, 1.0) * 255 + 0.5
        return np.concatenate([winners.astype(np.uint8), confidence.astype(np.uint8)])
    first = output.reshape(len(output), -1)[:, 0]
    if discretize:
        return np.where(first >= (0.5 if problem == "binary" else 0.0), PALETTE_LEVELS - 1, 0).astype(np.uint8)
    half = (PALETTE_LEVELS - 1) / 2
    scale, offset = (2 * half, 0.5) if problem == "binary" else (half, half + 0.5)
    return levels_into(first.astype(np.float32), scale, offset)


@dataclass(frozen=True)
class NeuronTiles:
    """Where the drawn hidden neurons' thumbnails are in the hidden layers' ``thumbnail_rows``, raveled and
    concatenated: one take gathers every tile, and one division scales each run of layers of one unbounded
    activation (for layers of a few neurons, NumPy calls per layer cost more than the arithmetic)."""

    cells: np.ndarray  # (drawn neurons, THUMBNAIL_CELLS²): each tile's cells, tiles in tile order
    layer_lengths: list[int]  # each hidden layer's raveled thumbnail rows (another network's probe differs)
    scaled: tuple[tuple[slice, str | None], ...]  # the tiles of unbounded activations (scaled per neuron)

    @classmethod
    def of(cls, samples: Sequence[tuple[int, np.ndarray]], layer_sizes: Sequence[int],
           activations: Sequence[str]) -> NeuronTiles:
        """From ``live_scene.hidden_samples`` (per hidden layer, 1-based: its tiles' cells in the layer's rows)."""
        lengths = [THUMBNAIL_CELLS * THUMBNAIL_CELLS * units for units in layer_sizes[1:-1]]
        starts = np.cumsum([0, *lengths])
        cells, runs, row = [], [], 0  # runs: [first tile, end, activation] of the tiles scaled together
        for layer, flat in samples:
            cells.append(flat + starts[layer - 1])
            activation = activations[layer - 1] if layer - 1 < len(activations) else None
            if activation not in BOUNDED_ACTIVATIONS:
                if runs and runs[-1][1:] == [row, activation]:  # right after tiles of the same activation
                    runs[-1][1] = row + len(flat)
                else:
                    runs.append([row, row + len(flat), activation])
            row += len(flat)
        scaled = tuple((slice(first, end), activation) for first, end, activation in runs)
        return cls(np.concatenate(cells), lengths, scaled)


def neuron_levels(hidden_probe: Sequence[np.ndarray], tiles: NeuronTiles) -> np.ndarray | None:
    """Each drawn hidden neuron's sampled grid as palette levels, one row per neuron in tile order (as
    ``LiveDiagram.sprite``: bounded activations as they are, the others scaled per neuron); None when the
    hidden layers are not the tiles' network."""
    rows = [thumbnail_rows(layer).ravel() for layer in hidden_probe]
    if [len(layer) for layer in rows] != tiles.layer_lengths:
        return None
    block = np.concatenate(rows)[tiles.cells]  # a new array: scaled and levelled in place
    for tile_rows, activation in tiles.scaled:
        block[tile_rows] /= neuron_scales(block[tile_rows].T, activation)[:, None]
    half = (PALETTE_LEVELS - 1) / 2
    return levels_into(block.astype(np.float32, copy=False), half, half + 0.5)


@dataclass(frozen=True)
class Context:
    """What a page run tells the frames: where snapshots come from and how to encode them for its scene."""

    snapshot_source: Callable[[], Snapshot | None]
    scene_id: str
    layout: NetworkLayout
    layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]  # the hidden layers'
    problem: str
    discretize: bool = False
    output_units: int = 1
    colour_reference: np.ndarray | None = None  # a table's regression targets: the output is drawn on their range
    drawable: bool = True  # the output view has a plane to draw
    training: bool = False  # the page shows the run as training (its Pause button)
    note_source: Callable[[Snapshot], str] | None = None
    link_index: np.ndarray | None = None  # each drawn link's weight in ``flat_weights``, in layout order
    bias_index: np.ndarray | None = None  # each node's bias there, in layout order (an input's: the NaN)
    tiles: NeuronTiles | None = None  # the drawn hidden neurons' thumbnails (None without hidden nodes)


TRAILING_NAN = np.full(1, np.nan, dtype=np.float32)


def flat_weights(weights: Sequence[np.ndarray]) -> np.ndarray:
    """The kernels and biases (W1, b1, ..., W_out, b_out) raveled, one after the other, then a NaN."""
    return np.concatenate([*(np.asarray(array).ravel() for array in weights), TRAILING_NAN])


def weight_indices(layout: NetworkLayout, layer_sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Where each drawn link's weight (``live_scene.link_blocks``) and each node's bias are in
    ``flat_weights``, in layout order; an input node has no bias: its index is the trailing NaN's."""
    sizes = [size for units_in, units_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
             for size in (units_in * units_out, units_out)]
    starts = np.cumsum([0, *sizes])  # kernel i starts at starts[2i], its bias at starts[2i + 1]; the NaN last
    links = np.concatenate([starts[2 * index] + flat for index, flat in enumerate(link_blocks(layout))])
    biases = np.array([starts[2 * node.layer - 1] + node.unit if node.layer else starts[-1]
                       for node in layout.nodes])
    return links, biases


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

    @property
    def context(self) -> Context | None:
        return self._context

    def set_context(self, snapshot_source: Callable[[], Snapshot | None], spec, dataset, scene: dict, *,
                    plane=None, training: bool = False, note_source: Callable[[Snapshot], str] | None = None) -> None:
        """The page's run: the source of snapshots, the spec and data it draws, and its scene (``build_scene``,
        whose ``scene_id`` and discretize option the frames follow)."""
        from playground.views.live_scene import layout_of

        layout = layout_of(spec, dataset)
        sizes = (dataset.input_count, *spec.layers, dataset.output_units)
        link_index, bias_index = weight_indices(layout, sizes)
        samples = hidden_samples(layout)
        reference = dataset.labels_train() if spec.problem == "regression" and not dataset.is_2d else None
        self._context = Context(
            snapshot_source=snapshot_source, scene_id=scene["scene_id"], layout=layout, layer_sizes=sizes,
            activations=tuple(spec.activations), problem=spec.problem, discretize=bool(scene.get("discretize")),
            output_units=dataset.output_units, colour_reference=reference,
            drawable=dataset.is_2d or plane is not None, training=training, note_source=note_source,
            link_index=link_index, bias_index=bias_index,
            tiles=NeuronTiles.of(samples, sizes, spec.activations) if samples else None)

    # ---- encodings (cached per snapshot object) -------------------------------------------------------------
    def _weights_message(self, context: Context, weights, epoch: int) -> JsonDict:
        key = (context.layer_sizes, epoch)
        found = self._weights.get(weights, key)
        if found is None:
            if weights is None or not weights_fit(context.layer_sizes, weights):
                links = biases = None
            else:
                flat = flat_weights(weights)
                links, biases = b64(flat[context.link_index], "<f4"), b64(flat[context.bias_index], "<f4")
            found = self._weights.put(weights, key, JsonDict({"epoch": epoch, "links": links, "biases": biases}))
        return found

    def _grids_message(self, context: Context, probe, epoch: int) -> JsonDict:
        key = (context.layer_sizes, context.problem, context.discretize, context.activations,
               id(context.colour_reference), context.drawable, epoch)
        found = self._grids.get(probe, key)
        if found is None:
            found = self._grids.put(probe, key, JsonDict({"epoch": epoch, **self._encode_grids(context, probe)}))
        return found

    @staticmethod
    def _encode_grids(context: Context, probe) -> dict:
        cells = GRID_RESOLUTION * GRID_RESOLUTION
        fits = probe is not None and len(probe) == len(context.layer_sizes) - 1 and len(probe[-1]) == cells
        message: dict = {"output": None, "neurons": None}
        if context.drawable:
            output = probe[-1] if fits else undecided_output(context.problem, context.output_units, GRID_RESOLUTION)
            if fits and context.colour_reference is not None:
                output = to_colour_range(output, context.colour_reference)
            message["output"] = b64(output_levels(output, context.problem, discretize=context.discretize), "u1")
        levels = neuron_levels(probe[:-1], context.tiles) if fits and context.tiles else None
        if levels is not None:
            message["neurons"] = b64(levels, "u1")
        return message

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
        the cursor is empty or of another scene or job, else only what changed; None when nothing did."""
        context = self._context
        if context is None:
            return None
        snapshot = context.snapshot_source()
        if snapshot is None:
            return None
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
        known = cursor.get("n", 0)
        # A run's history only grows (a reset is another job): the last epoch sent tells a new run apart.
        if known and (len(history) < known or history[known - 1].get("epoch") != cursor.get("last")):
            known = 0
            message["reset_history"] = True
        if len(history) > known or message.get("full"):
            if known == 0:  # the whole history: float32 columns (a long run's rows would be megabytes of JSON)
                message["reset_history"] = True
                message["history_columns"] = self._columns.encoded(snapshot.job_id, history, snapshot.metric)
            else:
                message["history"] = history_rows(history, known, snapshot.metric)
            cursor["n"], cursor["last"] = len(history), history[-1].get("epoch") if history else None
        if snapshot.weights is not cursor.get("weights", False):
            cursor["weights"] = snapshot.weights
            message["weights"] = self._weights_message(context, snapshot.weights, snapshot.weights_epoch)
        if snapshot.probe is not cursor.get("probe", False):
            cursor["probe"] = snapshot.probe
            message["grids"] = self._grids_message(context, snapshot.probe, snapshot.probe_epoch)
        if not message:
            return None
        message["scene_id"], message["job_id"] = context.scene_id, snapshot.job_id
        return message
