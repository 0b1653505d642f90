"""The static half of the Playground page's live views, drawn in the browser (``playground/ui/live_component``):
a *scene*, a JSON-able description of everything that changes only when the page re-runs: the network diagram's
geometry (nodes, links, labels, ellipses, titles, tooltips), the data points over the output view, the colour
scales, the legend, captions and sizes. The moving half (weights, neuron and output grids, history, status) comes
in frames (``live_frames``), which the browser applies to the scene's elements.

No Streamlit here: a notebook can build a scene (and its frames) too. Geometry comes from ``network_layout`` (which
units are drawn, where the ellipses and titles go) and the colours from ``boundary`` and ``colors``; the browser
only maps these numbers to attributes and pixels.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass

import numpy as np

from playground.data.planes import SlicePlane
from playground.data.points import Dataset
from playground.spec import RunSpec
from playground.views import colors
from playground.views.boundary import (
    NEUTRAL_RGB,
    PROBE_GRID,
    SCALE_PALETTE,
    THUMBNAIL_CELLS,
    class_legend,
    class_palette,
)
from playground.views.curves import METRIC_LABELS, SHORT_LABELS
from playground.views.diagram_svg import (
    CHARACTER_PIXELS,
    LABEL_GAP,
    LABEL_ROOM,
    node_tip,
    short_label,
    text_width,
)
from playground.views.live_diagram import hidden_nodes, hidden_samples  # noqa: F401 (live_frames reads them here)
from playground.views.live_drawings import GRID_CAPTION, NETWORK_CAPTION, OUTPUT_ALT, output_labels
from playground.views.network_layout import (
    LAYER_SPACING,
    MAX_LINK_WIDTH,
    MIN_LINK_WIDTH,
    NO_WEIGHT_COLOR,
    NO_WEIGHT_WIDTH,
    NODE_COLORS,
    NetworkLayout,
    layout_network,
)
from playground.views.output_view import points_svg

GRID_RESOLUTION = PROBE_GRID
KINDS = ("input", "hidden", "output")
LABEL_FONT_SIZE = 13


@dataclass(frozen=True)
class Sizes:
    """CSS pixels of the views at the page's own scale (presentation mode enlarges them for a projector)."""

    slot: float = 52.0  # vertical distance of two nodes
    radius: float = 22.0  # a node's radius: a hidden neuron's picture is 44 px across
    layer_gap: float = 90.0  # horizontal distance of two layers
    output: int = 250  # the output view's square
    curve_width: int = 270
    curve_height: int = 300
    font: float = 12.0  # the diagram's title font
    wide_network: float = 430.0  # a diagram wider than this takes the room of two columns
    max_network_height: float = 480.0  # taller diagrams (columns of 10 drawn units) are scaled down to this


PAGE_SIZES = Sizes()
PRESENTING_SIZES = Sizes(slot=62.0, radius=27.0, layer_gap=110.0, output=300, curve_width=320, curve_height=330,
                         font=14.0, wide_network=560.0, max_network_height=540.0)


def sizes_for(presenting: bool) -> Sizes:
    return PRESENTING_SIZES if presenting else PAGE_SIZES


@functools.lru_cache(maxsize=64)
def network_shape(layer_sizes: tuple[int, ...], activations: tuple[str, ...], input_labels: tuple[str, ...],
                  output_labels_: tuple[str, ...]) -> NetworkLayout:
    """The layout of one network shape (without weights), shared by every session drawing it."""
    return layout_network(layer_sizes, activations, None, input_labels, output_labels_)


def layout_of(spec: RunSpec, dataset: Dataset) -> NetworkLayout:
    sizes = (dataset.input_count, *spec.layers, dataset.output_units)
    return network_shape(sizes, (*spec.activations, spec.output_activation), tuple(dataset.feature_names),
                         tuple(output_labels(dataset)))


def network_scene(layout: NetworkLayout, sizes: Sizes, edit: dict | None = None) -> dict:
    """Where every node, link, label, ellipsis and title of the diagram goes, in CSS pixels of a
    ``width`` x ``height`` SVG, with each element's tooltip (the frame adds weights and biases to it)."""
    slot, radius, gap, font = sizes.slot, sizes.radius, sizes.layer_gap, sizes.font
    title_widths = [len(layer.title.split(" = ")[0]) * CHARACTER_PIXELS * font / 12 for layer in layout.layers]
    stagger = 1.2 * font * 2 if len(layout.layers) > 1 and max(title_widths) > gap - 6 else 0.0

    def room(kind: str, title_width: float) -> float:
        """Room beside the first (inputs) or last (outputs) column: its labels and half its title."""
        widest_label = max((text_width(short_label(node.label), LABEL_FONT_SIZE) for node in layout.nodes
                            if node.label and node.kind == kind), default=0)
        return max(LABEL_ROOM, title_width / 2 + 4, widest_label + radius + LABEL_GAP + 3)

    left_room, right_room = room("input", title_widths[0]), room("output", title_widths[-1])
    title_height = 2.9 * font
    top_slot = max(layer.top for layer in layout.layers)
    left = min(layer.x for layer in layout.layers)
    spread = max(layer.x for layer in layout.layers) - left

    def px(x: float) -> float:
        return round((x - left) / LAYER_SPACING * gap + left_room, 1)

    def py(y: float) -> float:
        return round((top_slot - y) * slot + radius + title_height + stagger + 8, 1)

    width = spread / LAYER_SPACING * gap + left_room + right_room
    height = (top_slot - layout.bottom) * slot + 2 * radius + title_height + stagger + 16
    tiles = {(node.layer, node.unit): tile for tile, node in enumerate(hidden_nodes(layout))}
    nodes = []
    for node in layout.nodes:
        label, anchor, label_x = "", "", 0.0
        if node.label:
            label = short_label(node.label)
            anchor = "end" if node.kind == "input" else "start"
            label_x = px(node.x) + (-1 if node.kind == "input" else 1) * (radius + LABEL_GAP)
        nodes.append([px(node.x), py(node.y), KINDS.index(node.kind), node_tip(node), label, anchor,
                      round(label_x, 1), tiles.get((node.layer, node.unit), -1)])
    links = [[px(link.source.x), py(link.source.y), px(link.target.x), py(link.target.y),
              f"{link.source.name} → {link.target.name}: "] for link in layout.links]
    titles = []
    for index, layer in enumerate(layout.layers):
        parts = layer.title.split(" = ")
        first, second = (parts[0], "= " + parts[1]) if len(parts) == 2 else (layer.title, "")
        if layer.activation is None:
            first, second = "inputs", f"= {layer.units}"
        titles.append([px(layer.x), round(8 + font + (stagger if index % 2 else 0), 1), first, second])
    return {
        "width": round(width, 1), "height": round(height, 1), "radius": radius, "font": font,
        "max_height": sizes.max_network_height,
        "nodes": nodes, "links": links, "titles": titles,
        "ellipses": [[px(x), py(y)] for x, y in layout.ellipses],
        "kinds": [list(NODE_COLORS[kind]) for kind in KINDS],
        "link_width": [MIN_LINK_WIDTH * 4 / 3, MAX_LINK_WIDTH * 4 / 3],
        "no_weight": [NO_WEIGHT_COLOR, round(NO_WEIGHT_WIDTH * 4 / 3, 2)],
        "signs": [colors.BLUE, colors.ORANGE],
        "cells": THUMBNAIL_CELLS, "caption": NETWORK_CAPTION, "palette": _palette_b64(SCALE_PALETTE),
        # Wider than its column beside the other views at this size: the page gives it the whole row.
        "wide": width > sizes.wide_network,
        # The +/- buttons under the diagram (None: the page's layer controls are hidden): units per hidden layer.
        "edit": edit,
    }


def _palette_b64(palette: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(palette, dtype=np.uint8).tobytes()).decode("ascii")


def output_scene(spec: RunSpec, dataset: Dataset, *, show_test: bool, plane: SlicePlane | None,
                 plane_points: tuple[np.ndarray, np.ndarray] | None, pixels: int) -> dict:
    """The output view's static part: its size, its colour scale (the palette ``boundary.scale_levels``
    indexes, or the class colours), the data points as SVG paths in a 300x300 box (``output_view.points_svg``),
    the legend and the caption."""
    if not dataset.is_2d and plane is None:
        return {"pixels": pixels, "mode": "none", "caption": "The output view needs at least two inputs."}
    problem = spec.problem
    labels_train, labels_test = dataset.labels_train(), dataset.labels_test()
    if problem == "regression" and not dataset.is_2d:
        from playground.views.boundary import to_colour_range

        reference = labels_train
        labels_train, labels_test = to_colour_range(labels_train, reference), to_colour_range(labels_test, reference)
    points_train, points_test = ((dataset.points_train, dataset.points_test) if dataset.is_2d else plane_points)
    layers = [points_svg(points_train, labels_train, problem)]
    if show_test and points_test is not None and len(points_test):
        layers.append(points_svg(points_test, labels_test, problem, test=True))
    caption = GRID_CAPTION if dataset.is_2d else plane.caption()
    if problem == "regression" and not dataset.is_2d:
        reference = dataset.labels_train()
        caption += f" Colours: the target from {reference.min():.4g} (orange) to {reference.max():.4g} (blue)."
    scene = {"pixels": pixels, "resolution": GRID_RESOLUTION, "points": "".join(layers), "caption": caption,
             "alt": OUTPUT_ALT, "mode": "classes" if problem == "multiclass" else "scale",
             "palette": _palette_b64(SCALE_PALETTE), "legend": []}
    if problem == "multiclass":
        scene["palette"] = _palette_b64(class_palette(dataset.class_count))
        scene["neutral"] = NEUTRAL_RGB.astype(int).tolist()
        scene["legend"] = [list(entry) for entry in class_legend(dataset.class_labels)]
    return scene


def curve_scene(metric: str, sizes: Sizes, *, log_scale: bool, smoothing: float) -> dict:
    label = METRIC_LABELS.get(metric, metric)
    return {"width": sizes.curve_width, "height": sizes.curve_height, "metric": metric,
            "label": label, "short": SHORT_LABELS.get(metric, label), "log": log_scale, "smoothing": smoothing}


def build_scene(spec: RunSpec, dataset: Dataset, *, plane: SlicePlane | None = None,
                plane_points: tuple[np.ndarray, np.ndarray] | None = None, show_test: bool = False,
                discretize: bool = False, log_scale: bool = False, smoothing: float = 0.0, presenting: bool = False,
                training: bool = False, metric: str | None = None, editable: bool = False) -> dict:
    """The scene of one page run. ``training``: the page shows the run as training (when it stops, the component
    asks for a page run: Play instead of Pause); ``editable``: the diagram has +/- buttons for the hidden
    layers and their units. ``scene_id`` is a hash of the rest."""
    sizes = sizes_for(presenting)
    metric = metric or ("r2" if spec.problem == "regression" else "accuracy")
    edit = None
    if editable:
        from playground.options import MAX_HIDDEN_LAYERS, MAX_UNITS

        edit = {"units": list(spec.layers), "max_units": MAX_UNITS, "max_layers": MAX_HIDDEN_LAYERS}
    scene = {
        "network": network_scene(layout_of(spec, dataset), sizes, edit),
        "output": output_scene(spec, dataset, show_test=show_test, plane=plane, plane_points=plane_points,
                               pixels=sizes.output),
        "curve": curve_scene(metric, sizes, log_scale=log_scale, smoothing=smoothing),
        "problem": spec.problem, "discretize": discretize, "training": training, "present": presenting,
    }
    scene["scene_id"] = scene_id(scene)
    return scene


def scene_id(scene: dict) -> str:
    text = json.dumps(scene, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def link_blocks(layout: NetworkLayout) -> list[np.ndarray]:
    """Per layer of links: where each drawn link's weight is in the raveled kernel, in layout order."""
    drawn = [layer.drawn_units for layer in layout.layers]
    return [(np.array(drawn[index])[:, None] * layout.layers[index + 1].units
             + np.array(drawn[index + 1])[None, :]).ravel() for index in range(len(drawn) - 1)]

