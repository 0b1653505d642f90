"""The live page's network diagram, redrawn at every refresh while a run trains: the SVG of ``diagram_svg``, with
what does not change between two refreshes built once.

The layout (where the nodes, links, labels and titles go) depends only on the network's shape, so the markup
around the numbers is kept; a refresh writes the links' weights, widths and colours, the nodes' biases and one
picture holding every hidden neuron's thumbnail (a column of tiles, each node showing its tile through a
``<use>`` of it), instead of a layout, a PNG per neuron and the whole SVG from scratch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from playground.views import png
from playground.views.boundary import (
    BOUNDED_ACTIVATIONS,
    PALETTE_LEVELS,
    SCALE_PALETTE,
    THUMBNAIL_CELLS,
    levels_into,
    neuron_scales,
    thumbnail_rows,
)
from playground.views.colors import BLUE, ORANGE
from playground.views.diagram_svg import (
    Frame,
    bias_text,
    ellipses_and_titles,
    escape,
    link_markup,
    link_stroke,
    link_tip,
    node_circle,
    node_clip,
    node_label,
    node_outline,
    node_tip,
    weight_text,
)
from playground.views.network_layout import (
    MAX_LINK_WIDTH,
    MIN_LINK_WIDTH,
    NetworkLayout,
    link_styles,
)

SPRITE_ID = "pg-neurons"


def hidden_nodes(layout: NetworkLayout) -> list:
    """The drawn hidden nodes in tile order (the order of the neuron grids in a frame)."""
    return [node for node in layout.nodes if node.kind == "hidden"]


def hidden_samples(layout: NetworkLayout) -> list[tuple[int, np.ndarray]]:
    """Per hidden layer (1-based): the flat indices of each drawn neuron's thumbnail cells in the layer's raveled
    ``boundary.thumbnail_rows``, one row per neuron in tile order."""
    units: dict[int, list[int]] = {}
    for node in hidden_nodes(layout):
        units.setdefault(node.layer, []).append(node.unit)
    cells = np.arange(THUMBNAIL_CELLS * THUMBNAIL_CELLS)
    return [(layer, np.array(found)[:, None] + cells[None, :] * layout.layers[layer].units)
            for layer, found in units.items()]


class LiveDiagram:
    """The SVG of one network shape (a layout built without weights), for any weights and neuron outputs."""

    def __init__(self, layout: NetworkLayout, max_height: int = 320):
        if layout.has_weights:
            raise ValueError("a live diagram starts from the layout without weights; weights come with svg()")
        self.layout = layout
        # The thumbnail cells of the grid (boundary.thumbnail_rows), one pixel each; a node is 18 pixels wide
        # at the diagram's own size (TensorFlow Playground's are 10).
        self.thumbnail_pixels = thumbnail_pixels = THUMBNAIL_CELLS
        frame = Frame.of(layout)
        self._opening = frame.opening(max_height)
        self._tail = ellipses_and_titles(frame, layout)
        self._links = [(frame.line_coordinates(link), escape(link_tip(link))) for link in layout.links]
        # A refresh writes each link as a path (half the characters of a line's four attributes) and its wide
        # transparent twin, which makes thin links easy to hover, by class (the page's style sheet sizes it).
        self._paths = [(f'<g class="link"><title>{tip}',
                        f'd="M{frame.px(link.source.x)} {frame.py(link.source.y)}L{frame.px(link.target.x)} '
                        f'{frame.py(link.target.y)}"') for link, (_, tip) in zip(layout.links, self._links, strict=True)]
        colors, widths = link_styles(layout)  # no weights: grey and thin
        self._weightless_links = "".join(
            link_markup(coordinates, tip + weight_text(None), link_stroke(color, width))
            for (coordinates, tip), color, width in zip(self._links, colors, widths, strict=True))
        # Per layer of links: where the drawn links' weights are in the raveled kernel, in the layout's link
        # order (source-major).
        drawn = [layer.drawn_units for layer in layout.layers]
        self._link_blocks = [(np.array(drawn[index])[:, None] * layout.layers[index + 1].units
                              + np.array(drawn[index + 1])[None, :]).ravel() for index in range(len(drawn) - 1)]
        self._hidden = hidden_nodes(layout)
        self._samples = hidden_samples(layout)
        self._tiles = {(node.layer, node.unit): tile for tile, node in enumerate(self._hidden)}
        self._nodes = []  # (tooltip start, layer, unit, plain body, body showing its tile, label)
        radius = frame.radius
        for node in layout.nodes:
            plain = node_circle(frame, node)
            tiled = plain
            if node.kind == "hidden":
                clip_path, clip = node_clip(frame, node)
                x, y = frame.px(node.x), frame.py(node.y)
                offset = self._tiles[node.layer, node.unit] * thumbnail_pixels
                tiled = (f'{clip_path}<g clip-path="url(#{clip})"><svg x="{x - radius:.1f}" y="{y - radius:.1f}" '
                         f'width="{2 * radius:.1f}" height="{2 * radius:.1f}" '
                         f'viewBox="0 {offset} {thumbnail_pixels} {thumbnail_pixels}" preserveAspectRatio="none">'
                         f'<use href="#{SPRITE_ID}"/></svg></g>{node_outline(frame, node)}')
            self._nodes.append((f'<g class="node"><title>{escape(node_tip(node))}', node.layer, node.unit, plain,
                                tiled, node_label(frame, node)))

    @property
    def hidden_units(self) -> dict[int, list[int]]:
        """The drawn hidden units per layer (1-based layer index), in tile order."""
        units: dict[int, list[int]] = {}
        for node in self._hidden:
            units.setdefault(node.layer, []).append(node.unit)
        return units

    def sprite(self, hidden_probe: Sequence[np.ndarray], activations: Sequence[str] | None) -> str | None:
        """The thumbnails of the drawn hidden neurons (``boundary.neuron_images``' pictures), one tile under the
        other, as a palette PNG data URI (None without hidden layers). ``hidden_probe`` is ``Snapshot.probe[:-1]``.
        Written for the few NumPy calls it makes: it runs at every refresh, when every call costs."""
        if not self._hidden:
            return None
        size = self.thumbnail_pixels
        blocks = []
        for layer, flat in self._samples:  # flat: (drawn units, size²) indices into the layer's thumbnail rows
            # In single precision (a worker's probe is in half), as ``live_encoding.neuron_levels`` scales it.
            block = thumbnail_rows(hidden_probe[layer - 1]).ravel()[flat].astype(np.float32, copy=False)
            activation = activations[layer - 1] if activations and layer - 1 < len(activations) else None
            if activation not in BOUNDED_ACTIVATIONS:  # each neuron on the whole scale (boundary.neuron_scales)
                block = block / neuron_scales(block.T, activation)[:, None]
            blocks.append(block)
        block = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
        rows = png.rows_for(size * len(self._hidden), size)
        half = (PALETTE_LEVELS - 1) / 2
        levels_into(block.astype(np.float32, copy=False).reshape(-1, size), half, half + 0.5, rows[:, 1:])
        return png.data_uri(png.encode(rows, size, SCALE_PALETTE, compress=False))  # tiny: not worth deflating

    def svg(self, weights: Sequence[np.ndarray] | None = None, sprite: str | None = None) -> str:
        """The diagram for ``weights`` (``Snapshot.weights`` of this shape, or None) with the neurons' pictures
        from ``sprite`` (``sprite()``; None draws plain nodes): the drawing of ``diagram_svg``, its links as paths
        whose hover twins the page's style sheet draws (``.pg-hit``)."""
        parts = [self._opening]
        if sprite is not None:
            size = self.thumbnail_pixels
            parts.append(f'<defs><image id="{SPRITE_ID}" href="{sprite}" width="{size}" '
                         f'height="{size * len(self._hidden)}" preserveAspectRatio="none"/></defs>')
        if weights is None:
            parts.append(self._weightless_links)
        else:
            link_weights = [weight for index, flat in enumerate(self._link_blocks)
                            for weight in np.asarray(weights[2 * index]).ravel()[flat].tolist()]
            largest = max(map(abs, link_weights), default=0.0)  # link_styles' widths, in Python: a few dozen
            for (opening, path), weight in zip(self._paths, link_weights, strict=True):
                share = abs(weight) / largest if largest > 0 else 0.0
                width = (MIN_LINK_WIDTH + (MAX_LINK_WIDTH - MIN_LINK_WIDTH) * share) * 4 / 3
                parts.append(f'{opening}w = {weight:.4f}</title><path {path} class="pg-hit"/><path {path} '
                             f'stroke="{BLUE if weight >= 0 else ORANGE}" stroke-width="{width:.2f}"/></g>')
        biases = [None] + [np.asarray(weights[2 * layer - 1]).tolist() for layer in range(1, len(self.layout.layers))] \
            if weights is not None else None
        for tip, layer, unit, plain, tiled, label in self._nodes:
            bias = None if biases is None or layer == 0 else biases[layer][unit]
            body = tiled if sprite is not None else plain
            parts.append(f"{tip}{bias_text(bias)}</title>{body}</g>{label}")
        parts.append(self._tail)
        return "".join(parts)
