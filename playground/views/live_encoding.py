"""How the live views' arrays travel to the browser: base64 typed arrays, and their JSON text made once
(``JsonDict``). ``live_frames`` decides what a message holds; this module encodes its parts.

Arrays are base64 strings of little-endian typed arrays: float32 for the drawn links' weights (layout order) and
the nodes' biases (layout order, NaN for inputs); uint8 levels for the grids, the indices into the scene's palette
that ``boundary.scale_levels`` gives (the output view: ``output_view.output_picture_uri``'s pixels; each drawn
hidden neuron: its ``boundary.thumbnail_rows`` as levels), and for classes the winning class and its confidence
(0-255) of ``boundary.class_colors``. History records are five float32 columns (``HistoryColumns``): epoch, loss,
test_loss, metric, test_metric, NaN for a missing value; the whole history in a full message, the new records
in the others.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from playground.training.snapshot import History
from playground.views.boundary import (
    BOUNDED_ACTIVATIONS,
    PALETTE_LEVELS,
    THUMBNAIL_CELLS,
    levels_into,
    neuron_scales,
    thumbnail_rows,
)
from playground.views.live_scene import link_blocks
from playground.views.network_layout import NetworkLayout


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


HISTORY_KEYS = ("epoch", "loss", "test_loss")  # then the metric and the test metric


class HistoryColumns:
    """A run's history as a (5, n) float32 array (epoch, loss, test_loss, metric, test_metric; NaN for a missing
    value), grown by the records added since the last call and encoded once per length: a full message of a long
    run costs a base64 of 20 bytes an epoch, not a JSON list. Replaced as a whole, so threads never see it
    half-grown."""

    def __init__(self):
        self._state: tuple = ("", "", 0, np.empty((5, 0), dtype=np.float32), None)  # job, metric, n, data, encoded

    def encoded(self, job_id: str, history: Sequence[dict], metric: str) -> JsonDict:
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
        length = len(history)
        data[:, known:length] = history_columns(history[known:], metric)
        encoded = JsonDict({"length": length, "data": b64(data[:, :length], "<f4")})  # rows: epoch, loss, ...
        self._state = (job_id, metric, length, data, encoded)
        return encoded


def history_columns(records: Sequence[dict], metric: str) -> np.ndarray:
    """Records as (5, n) float32 columns (``HistoryColumns``' rows)."""
    keys = (*HISTORY_KEYS, metric, f"test_{metric}")
    return np.array([[math.nan if record.get(key) is None else record[key] for record in records] for key in keys],
                    dtype=np.float32).reshape(5, len(records))


def added_columns(history: Sequence[dict], start: int, metric: str) -> JsonDict:
    """The records from ``start`` on as ``HistoryColumns.encoded`` writes a whole history: the columns the job
    keeps (``History.columns``: a training worker made them), or made here from the records."""
    columns = history.columns(start) if isinstance(history, History) else None
    if columns is None:
        columns = history_columns(history[start:], metric)
    return JsonDict({"length": columns.shape[1], "data": b64(columns, "<f4")})


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
    # A new array in single precision (a worker's probe is in half), scaled and levelled in place, as
    # ``probe_levels`` does.
    block = np.concatenate(rows)[tiles.cells].astype(np.float32, copy=False)
    for tile_rows, activation in tiles.scaled:
        block[tile_rows] /= neuron_scales(block[tile_rows].T, activation)[:, None]
    half = (PALETTE_LEVELS - 1) / 2
    return levels_into(block, half, half + 0.5)


@dataclass(frozen=True)
class ProbeLevels:
    """A probe as the live views' palette levels, made where the probe is made (a training worker: the web
    process then only picks and sends them, at up to 20 probes a second per page): the output as
    ``output_levels`` gives it (not discretized), and every hidden neuron's thumbnail as ``neuron_levels`` gives
    a drawn neuron's, in the layout ``NeuronTiles.cells`` indexes (each layer's ``thumbnail_rows`` raveled, the
    layers one after the other)."""

    output: np.ndarray
    hidden: np.ndarray
    hidden_lengths: tuple[int, ...]  # each hidden layer's part of ``hidden``


def probe_levels(probe: Sequence[np.ndarray], problem: str, activations: Sequence[str]) -> ProbeLevels:
    """The levels of a probe (hidden layers as full grids or as their ``thumbnail_rows``, then the output)."""
    *hidden, output = probe
    rows = []
    for index, layer in enumerate(hidden):
        values = np.array(thumbnail_rows(layer), dtype=np.float32)  # a copy, scaled and levelled in place
        activation = activations[index] if index < len(activations) else None
        if activation not in BOUNDED_ACTIVATIONS:
            values /= neuron_scales(values, activation)[None, :]
        rows.append(values.ravel())
    half = (PALETTE_LEVELS - 1) / 2
    levels = levels_into(np.concatenate(rows), half, half + 0.5) if rows else np.empty(0, dtype=np.uint8)
    return ProbeLevels(output_levels(output, problem), levels, tuple(len(layer) for layer in rows))


def picked_neuron_levels(levels: ProbeLevels, tiles: NeuronTiles) -> np.ndarray | None:
    """``neuron_levels`` from a probe's levels: the drawn neurons' rows; None when they are another network's."""
    if list(levels.hidden_lengths) != tiles.layer_lengths:
        return None
    return levels.hidden[tiles.cells]


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
