"""The decision boundary, per-neuron thumbnails and data-set previews, in TensorFlow Playground's colours.

Grid outputs come in ``grid_points`` order: row by row from the top (y = +6) down, x from -6 to +6 within a
row. The RGB images here keep that order (row 0 at the top, as ``imshow``, the page's picture and the
thumbnails expect).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from playground.choices import ACTIVATION_CHOICES
from playground.data.points import DOMAIN, generate_points
from playground.options import REGRESSION_DATASETS
from playground.views import colors
from playground.views.diagram_svg import escape

LEVELS = 257  # colour-table size: odd so that 0 is exactly grey; finer than the eye can tell apart
PALETTE_LEVELS = 255  # the same scale as a PNG palette (at most 256 entries), still odd
TRAIN_OUTLINE = "#ffffff"
TEST_OUTLINE = "#333333"
PREVIEW_BACKGROUND = "#ffffff"
PROBE_GRID = 100  # the probe grid's side, as TensorFlow Playground's heatmap (controller.GRID_RESOLUTION)
THUMBNAIL_CELLS = 20  # each hidden neuron's picture: 20x20 cells sampled from the probe grid, drawn >= 40 px
# Hidden activations whose outputs lie in [-1, 1] already; the others are scaled per neuron (neuron_images).
BOUNDED_ACTIVATIONS = frozenset(name for name, choice in ACTIVATION_CHOICES.items() if choice.bounded)


def hex_to_rgb(color: str) -> np.ndarray:
    """'#0877bd' -> array([8, 119, 189]) as float, for blending."""
    color = color.lstrip("#")
    return np.array([int(color[index:index + 2], 16) for index in (0, 2, 4)], dtype=np.float64)


def rgb_to_hex(rgb: np.ndarray) -> list[str]:
    """(n, 3) uint8 -> ['#rrggbb', ...] (legend swatches)."""
    rows = np.asarray(rgb, dtype=np.uint8).tolist()
    return [f"#{red:02x}{green:02x}{blue:02x}" for red, green, blue in rows]


def _scale_table(levels: int = LEVELS) -> np.ndarray:
    # Level i stands for the value -1 + 2i/(levels - 1), interpolated in RGB as TensorFlow Playground's d3
    # scale does.
    values = np.linspace(-1.0, 1.0, levels)[:, None]
    orange, grey, blue = (hex_to_rgb(color) for color in (colors.ORANGE, colors.GREY, colors.BLUE))
    table = np.where(values < 0, grey + (orange - grey) * -values, grey + (blue - grey) * values)
    return np.rint(table).astype(np.uint8)


COLOR_TABLE = _scale_table()  # (LEVELS, 3) uint8
SCALE_PALETTE = _scale_table(PALETTE_LEVELS)  # (PALETTE_LEVELS, 3) uint8: scale_levels' colours
NEUTRAL_RGB = hex_to_rgb(colors.GREY)
CLASS_RGB = np.array([hex_to_rgb(color) for color in colors.CLASS_COLORS])


def colorize(values: np.ndarray) -> np.ndarray:
    """Values in [-1, 1] (any shape) -> uint8 RGB, shape values.shape + (3,); outside is clipped, NaN grey."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float32), nan=0.0, posinf=1.0, neginf=-1.0)
    levels = np.rint((np.clip(values, -1.0, 1.0) + 1.0) * ((LEVELS - 1) / 2)).astype(np.intp)
    return COLOR_TABLE[levels]


def scale_levels(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Values in [-1, 1] (any shape) -> uint8 indices into ``SCALE_PALETTE`` (a palette PNG's pixels): the
    colours ``colorize`` gives, to within one step of 255; outside is clipped, NaN grey. ``out``: a uint8 array
    of the values' shape to write into (the live views write straight into a PNG's rows)."""
    half = (PALETTE_LEVELS - 1) / 2
    return levels_into(np.array(values, dtype=np.float32), half, half + 0.5, out)


def levels_into(values: np.ndarray, scale: float, offset: float, out: np.ndarray | None = None) -> np.ndarray:
    """``values * scale + offset`` clipped to the palette's levels, NaN to the middle (grey), as uint8 into
    ``out`` (or a new array). Works in place on ``values``, a float array the caller owns: the live views call
    this at every refresh, and each NumPy call counts there."""
    top = PALETTE_LEVELS - 0.5
    values *= scale
    values += offset
    np.minimum(values, top, out=values)  # NaN stays NaN
    np.maximum(values, 0.0, out=values)
    if not np.isfinite(values.sum()):  # rare (a diverged network): no NaN may reach the cast
        values[np.isnan(values)] = (PALETTE_LEVELS - 1) / 2 + 0.5
    if out is None:
        return values.astype(np.uint8)
    out[...] = values  # float to uint8 truncates, rounding the +0.5 offset to the nearest level
    return out


def class_palette(class_count: int) -> np.ndarray:
    """(class_count, 3) float RGB; the class colours repeat if there are more classes than colours."""
    return CLASS_RGB[np.arange(class_count) % len(CLASS_RGB)]


def class_legend(class_names: Sequence[str]) -> list[tuple[str, str]]:
    """(name, '#rrggbb') per class in index order: the colour ``class_colors`` fills the class's region with and
    ``point_rgb`` its points, for a legend beside the output view."""
    return list(zip(class_names, rgb_to_hex(class_palette(len(class_names))), strict=True))


def class_legend_html(class_names: Sequence[str]) -> str:
    """The legend as small HTML for st.markdown: a round swatch and the name per class, wrapping in rows."""
    entries = "".join(
        f'<span style="white-space:nowrap"><span style="display:inline-block;width:0.75em;height:0.75em;'
        f'border-radius:50%;background:{color};margin-right:0.3em;vertical-align:-0.05em"></span>'
        f"{escape(name)}</span>" for name, color in class_legend(class_names))
    return (f'<div class="pg-class-legend" style="display:flex;'
            f'flex-wrap:wrap;gap:0.15em 0.9em;font-size:0.85rem">{entries}</div>')


# ---- the output layer --------------------------------------------------------------------------------------
def signed_output(output: np.ndarray, problem: str) -> np.ndarray:
    """The output layer's single unit mapped to [-1, 1] for the colour scale, as a flat array.

    binary: the sigmoid probability p of class 1 (blue) becomes 2p - 1; regression: the value clipped to
    [-1, 1]. Multi-class outputs have no sign: use ``class_colors`` instead.
    """
    if problem == "multiclass":
        raise ValueError("a multi-class output has no sign; colour it with class_colors")
    values = np.asarray(output, dtype=np.float32)
    values = values.reshape(len(values), -1)[:, 0]
    if problem == "binary":
        return 2.0 * values - 1.0
    if problem == "regression":
        return np.clip(values, -1.0, 1.0)
    raise ValueError(f"unknown problem {problem!r}")


def to_colour_range(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Regression values in any units mapped so that the reference (the training targets) spans [-1, 1], the
    colour scale's range (a table's target, such as diabetes progression 25-346, would otherwise saturate)."""
    low, high = float(np.min(reference)), float(np.max(reference))
    half = (high - low) / 2 or 1.0
    return ((np.asarray(values, dtype=np.float32) - (low + high) / 2) / half).astype(np.float32)


def class_colors(probabilities: np.ndarray, *, discretize: bool = False) -> np.ndarray:
    """(n, k) softmax outputs -> (n, 3) uint8: the winning class's colour, faded to grey as confidence drops.

    Confidence rescales the top probability from 1/k (a uniform guess: plain grey) to 1 (certain: the full
    class colour); discretize shows every cell at full confidence.
    """
    probabilities = np.nan_to_num(np.asarray(probabilities, dtype=np.float64))
    class_count = probabilities.shape[1]
    winners = np.argmax(probabilities, axis=1)
    if discretize or class_count < 2:
        confidence = np.ones(len(probabilities))
    else:
        chance = 1.0 / class_count
        confidence = np.clip((probabilities.max(axis=1) - chance) / (1.0 - chance), 0.0, 1.0)
    blended = NEUTRAL_RGB + (class_palette(class_count)[winners] - NEUTRAL_RGB) * confidence[:, None]
    return np.rint(blended).astype(np.uint8)


def output_values(output: np.ndarray, problem: str, *, discretize: bool = False) -> np.ndarray:
    """Binary/regression: the signed output, or its sign (-1 or +1; 0 counts as +1) when discretized."""
    values = signed_output(output, problem)
    return np.where(values >= 0, 1.0, -1.0).astype(np.float32) if discretize else values


def output_image(output: np.ndarray, problem: str, *, discretize: bool = False,
                 resolution: int = 100) -> np.ndarray:
    """The output on the grid as a (resolution, resolution, 3) uint8 image, row 0 at the top (y = +6)."""
    _check_grid(output, resolution)
    if problem == "multiclass":
        rgb = class_colors(output, discretize=discretize)
    else:
        rgb = colorize(output_values(output, problem, discretize=discretize))
    return rgb.reshape(resolution, resolution, 3)


def point_rgb(labels: np.ndarray, problem: str) -> np.ndarray:
    """(n, 3) uint8 fill colours of data points: class colours, or the value's colour for regression."""
    labels = np.asarray(labels).reshape(-1)
    if problem == "regression":
        return colorize(labels)
    return CLASS_RGB[labels.astype(np.intp) % len(CLASS_RGB)].astype(np.uint8)


def _check_grid(output: np.ndarray, resolution: int) -> None:
    if len(output) != resolution * resolution:
        raise ValueError(f"expected {resolution * resolution} grid outputs ({resolution}x{resolution}), "
                         f"got {len(output)}")


# ---- hidden neurons ----------------------------------------------------------------------------------------
def _sample_indices(resolution: int, size: int) -> np.ndarray:
    # The grid cell nearest each thumbnail pixel's centre: plain striding when size divides resolution.
    return ((np.arange(size) + 0.5) * resolution / size).astype(np.intp)


def neuron_scales(values: np.ndarray, activation: str | None) -> np.ndarray:
    """Per-neuron divisor bringing values to [-1, 1] (values: (..., units))."""
    units = values.shape[-1]
    if activation in BOUNDED_ACTIVATIONS:
        return np.ones(units, dtype=np.float32)
    peak = np.nan_to_num(np.abs(values).reshape(-1, units).max(axis=0, initial=0.0))
    if activation is None:
        return np.maximum(peak, 1.0)  # unknown activation: only shrink what would leave the scale
    return np.maximum(peak, 1e-6)  # a dead (all-zero) neuron stays grey rather than dividing by zero


def _scaled_neurons(probe_layers: Sequence[np.ndarray], activations: Sequence[str] | None, size: int,
                    resolution: int) -> list[np.ndarray]:
    """Per layer: (size, size, units) values on the colour scale's [-1, 1] (see ``neuron_images``)."""
    indices = _sample_indices(resolution, size)
    scaled = []
    for layer_index, layer in enumerate(probe_layers):
        layer = np.asarray(layer, dtype=np.float32)
        _check_grid(layer, resolution)
        values = layer.reshape(resolution, resolution, -1)[np.ix_(indices, indices)]  # (size, size, units)
        activation = activations[layer_index] if activations and layer_index < len(activations) else None
        scaled.append(values / neuron_scales(values, activation))
    return scaled


def neuron_images(probe_layers: Sequence[np.ndarray], activations: Sequence[str] | None = None, *,
                  size: int = 40, resolution: int = 100) -> list[list[np.ndarray]]:
    """Per layer given, per neuron: a (size, size, 3) uint8 image of the neuron's output on the grid.

    ``probe_layers`` are (resolution**2, units) arrays, one per layer to draw (every array given is drawn):
    the hidden layers are ``Snapshot.probe[:-1]``. ``activations`` are those layers' activations
    (``spec.activations``). Colours follow TensorFlow Playground's scale: outputs of bounded activations
    (tanh, softsign, sigmoid, binary_step) are drawn as they are, on [-1, 1]; unbounded ones (relu, linear,
    elu, ...) are divided by the neuron's largest |value| on the grid so that each thumbnail uses the whole
    scale (its shape shows, not its magnitude). Without ``activations`` a neuron is only scaled down when it
    leaves [-1, 1]. Thumbnails sample the grid's nearest cells.
    """
    return [list(np.ascontiguousarray(np.moveaxis(colorize(values), 2, 0)))  # (units, size, size, 3)
            for values in _scaled_neurons(probe_layers, activations, size, resolution)]


def thumbnail_rows(layer) -> np.ndarray:
    """A hidden layer's probe outputs at the neurons' thumbnail cells only (``THUMBNAIL_CELLS``² rows, row by
    row): what a training worker sends the web process, which draws nothing else of the hidden layers (the full
    grid is 25 times the bytes). Outputs already sampled are returned as they are."""
    layer = np.asarray(layer)
    return layer[sample_cells(PROBE_GRID, THUMBNAIL_CELLS)] if len(layer) == PROBE_GRID * PROBE_GRID else layer


@functools.lru_cache(maxsize=16)
def sample_cells(resolution: int, size: int) -> np.ndarray:
    """The flat grid index of each thumbnail pixel, row by row (the cells ``_sample_indices`` picks)."""
    indices = _sample_indices(resolution, size)
    cells = (indices[:, None] * resolution + indices[None, :]).ravel()
    cells.setflags(write=False)
    return cells


# ---- data-set previews -------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def preview_image(dataset_name: str, size: int = 64) -> np.ndarray:
    """A (size, size, 3) uint8 thumbnail of a data set's points for the data-set picker (read-only, cached).

    200 noise-free points as square dots on white: class colours, or for regression data sets the value's
    colour, with the values stretched for contrast.
    """
    points, labels = generate_points(dataset_name, 200, 0, seed=1)
    if dataset_name in REGRESSION_DATASETS:
        # Stretched (to the whole scale, then a square root) and strongest drawn last, or the many values
        # near 0 (grey on white) leave a thumbnail too faint to recognise.
        labels = np.sign(labels) * np.sqrt(np.abs(labels) / max(float(np.abs(labels).max()), 1e-6))
        order = np.argsort(np.abs(labels))
        points, labels, fills = points[order], labels[order], colorize(labels[order])
    else:
        fills = point_rgb(labels, "binary")
    image = np.empty((size, size, 3), dtype=np.uint8)
    image[:] = hex_to_rgb(PREVIEW_BACKGROUND).astype(np.uint8)
    span = DOMAIN[1] - DOMAIN[0]
    dot = max(2, size // 24)  # square dots, dot x dot pixels
    columns = np.clip(((points[:, 0] - DOMAIN[0]) / span * size).astype(np.intp), 0, size - dot)
    rows = np.clip(((DOMAIN[1] - points[:, 1]) / span * size).astype(np.intp), 0, size - dot)
    for row_offset in range(dot):
        for column_offset in range(dot):
            image[rows + row_offset, columns + column_offset] = fills
    image.setflags(write=False)  # shared by every caller through the cache
    return image


# ---- the output view ------------------------------------------------------------------------------------
def undecided_output(problem: str, units: int, resolution: int = 100) -> np.ndarray:
    """An output that favours nothing (grey everywhere): the view before the model exists shows just the data."""
    value = {"binary": 0.5, "regression": 0.0}.get(problem, 1.0 / max(units, 1))
    return np.full((resolution * resolution, units), value, dtype=np.float32)
