"""How the live views' arrays travel to the browser: base64 typed arrays, their JSON text made once
(``JsonDict``), and a message's JSON (``encode``). ``live_frames`` decides what a message holds; this module
encodes its parts.

Arrays are base64 strings of little-endian typed arrays: float32 for the drawn links' weights (layout order) and
the nodes' biases (layout order, NaN for inputs); uint8 levels for the grids, the indices into the scene's palette
that ``boundary.scale_levels`` gives (the output view: ``output_view.output_picture_uri``'s pixels; each drawn
hidden neuron: its ``boundary.thumbnail_rows`` as levels), and for classes the winning class and its confidence
(0-255) of ``boundary.class_colors``. History records are five float32 columns (``HistoryColumns``): epoch, loss,
test_loss, metric, test_metric, NaN for a missing value; the whole history in a full message, the new records
in the others.
"""

from __future__ import annotations

import binascii
import hashlib
import json
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
    to_colour_range,
    undecided_output,
)
from playground.views.live_scene import GRID_RESOLUTION, hidden_samples, layout_of, link_blocks
from playground.views.network_layout import NetworkLayout, weights_fit


def b64(array: np.ndarray, dtype: str) -> str:
    # binascii's, which base64.b64encode wraps in a Python call: this runs a few times per live message.
    return binascii.b2a_base64(np.ascontiguousarray(array, dtype=dtype).tobytes(), newline=False).decode("ascii")


class JsonDict(dict):
    """A part of a message whose values are ints, None or base64 texts, and its compact JSON (as ``json.dumps``
    writes it), made once: ``encode`` writes the text as it is. json.dumps scans every character of
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

    def __reduce__(self):
        # A training worker's encodings cross the pipe once, as fields: the text (a join) is made again on the
        # other side rather than sent beside them (a probe's grids would cross twice: ~20 KB more a batch).
        return JsonDict, (dict(self),)


class Frames(tuple):
    """Messages within a message (the frames a page draws before it), each written by ``encode``."""

    __slots__ = ()

    @property
    def json(self) -> str:
        return "[" + ",".join(map(encode, self)) + "]"


# ---- a message's JSON ------------------------------------------------------------------------------------------
_JSON = json.JSONEncoder(separators=(",", ":"), allow_nan=False)  # one for all: json.dumps makes one a call
_KEYS: dict[str, str] = {}  # the JSON of each key of a JsonDict part, with its colon (a handful of names)
_WRITTEN = (JsonDict, Frames)  # the parts that write their own JSON


def encode(message: dict) -> str:
    """Compact JSON; a NaN or infinite number (a diverged loss) becomes null, which the browser can parse. The
    parts that carry their JSON (``JsonDict``: the frames' arrays as base64; ``Frames``) are written as they are,
    last."""
    written = {key: value.json for key, value in message.items() if isinstance(value, _WRITTEN)}
    if not written:
        return _compact(message)
    rest = _compact({key: value for key, value in message.items() if key not in written})
    pieces = ["{" if rest == "{}" else rest[:-1] + ","]
    for key, text in written.items():
        pieces += (_KEYS.get(key) or _KEYS.setdefault(key, _JSON.encode(key) + ":"), text, ",")
    pieces[-1] = "}"  # in place of the last part's comma
    return "".join(pieces)  # the long texts copied once


def _compact(message: dict) -> str:
    try:
        return _JSON.encode(message)
    except ValueError:
        return _JSON.encode(_finite(message))


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


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
    # A new array in single precision (a worker's probe is in half), scaled and levelled in place.
    block = np.concatenate(rows)[tiles.cells].astype(np.float32, copy=False)
    for tile_rows, activation in tiles.scaled:
        block[tile_rows] /= neuron_scales(block[tile_rows].T, activation)[:, None]
    half = (PALETTE_LEVELS - 1) / 2
    return levels_into(block, half, half + 0.5)


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


# ---- what of a network the live views draw ---------------------------------------------------------------------
@dataclass(frozen=True)
class DrawnParts:
    """What of one network the live views draw: each drawn link's weight and each node's bias in ``flat_weights``
    (layout order), and the drawn hidden neurons' thumbnails. Its ``key`` is the same for two networks only when
    all of that is: a training worker encodes its job's weights and probes for the page's live channel (with its
    job's parts), and the page sends them when its own parts have the same key, instead of encoding them again
    (in the web process, whose time a class of 30 pages shares)."""

    layer_sizes: tuple[int, ...]
    problem: str
    link_index: np.ndarray
    bias_index: np.ndarray
    tiles: NeuronTiles | None  # None without hidden nodes
    key: str

    @classmethod
    def of(cls, layout: NetworkLayout, layer_sizes: Sequence[int], activations: Sequence[str],
           problem: str) -> DrawnParts:
        link_index, bias_index = weight_indices(layout, layer_sizes)
        samples = hidden_samples(layout)
        tiles = NeuronTiles.of(samples, layer_sizes, activations) if samples else None
        digest = hashlib.blake2b(digest_size=12)
        for array in (link_index, bias_index, tiles.cells if tiles else np.empty(0)):
            digest.update(np.ascontiguousarray(array, dtype=np.int64).tobytes() + b"|")
        digest.update(repr((tuple(layer_sizes), problem, tiles and (tiles.layer_lengths, tiles.scaled))).encode())
        return cls(tuple(layer_sizes), problem, link_index, bias_index, tiles, digest.hexdigest())

    def weights_part(self, weights: Sequence[np.ndarray] | None, epoch: int) -> JsonDict:
        """The drawn links' weights and the nodes' biases (None when ``weights`` are another network's)."""
        if weights is None or not weights_fit(self.layer_sizes, weights):
            links = biases = None
        else:
            flat = flat_weights(weights)
            links, biases = b64(flat[self.link_index], "<f4"), b64(flat[self.bias_index], "<f4")
        return JsonDict({"epoch": epoch, "links": links, "biases": biases})

    def grids_part(self, probe: Sequence[np.ndarray] | None, epoch: int, *, drawable: bool = True,
                   discretize: bool = False, colour_reference: np.ndarray | None = None) -> JsonDict:
        """The output's levels (``output_levels``; an undecided output without a probe of this network; none
        when the page has no plane to draw) and the drawn neurons' (``neuron_levels``). A training worker makes
        them with the options' defaults, which is what a page shows unless discretized or on a table's range."""
        fits = probe is not None and len(probe) == len(self.layer_sizes) - 1 and len(probe[-1]) == GRID_RESOLUTION ** 2
        fields: dict = {"epoch": epoch, "output": None, "neurons": None}
        if drawable:
            output = probe[-1] if fits else undecided_output(self.problem, self.layer_sizes[-1], GRID_RESOLUTION)
            if fits and colour_reference is not None:
                output = to_colour_range(output, colour_reference)
            fields["output"] = b64(output_levels(output, self.problem, discretize=discretize), "u1")
        neurons = neuron_levels(probe[:-1], self.tiles) if fits and self.tiles else None
        if neurons is not None:
            fields["neurons"] = b64(neurons, "u1")
        return JsonDict(fields)


def drawn_parts(spec, dataset) -> DrawnParts:
    """The parts of a run's network that a page of it draws (a page's ``LiveFrames.set_context`` and its training
    worker both make them here)."""
    sizes = (dataset.input_count, *spec.layers, dataset.output_units)
    return DrawnParts.of(layout_of(spec, dataset), sizes, spec.activations, spec.problem)
