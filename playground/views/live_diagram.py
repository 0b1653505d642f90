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
    SCALE_PALETTE,
    neuron_scales,
    sample_cells,
    scale_levels,
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

THUMBNAIL_PIXELS = 16  # a node is 18 pixels wide at the diagram's own size (TensorFlow Playground's are 10)
GRID_RESOLUTION = 100  # the probe grid's side (controller.GRID_RESOLUTION)
SPRITE_ID = "pg-neurons"


class LiveDiagram:
    """The SVG of one network shape (a layout built without weights), for any weights and neuron outputs."""

    def __init__(self, layout: NetworkLayout, max_height: int = 320, thumbnail_pixels: int = THUMBNAIL_PIXELS):
        if layout.has_weights:
            raise ValueError("a live diagram starts from the layout without weights; weights come with svg()")
        self.layout = layout
        self.thumbnail_pixels = thumbnail_pixels
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
        # Per layer of links: the drawn units on either side, in the layout's link order (source-major).
        drawn = [layer.drawn_units for layer in layout.layers]
        self._link_blocks = [(np.array(drawn[index]), np.array(drawn[index + 1])) for index in range(len(drawn) - 1)]
        self._hidden = [node for node in layout.nodes if node.kind == "hidden"]
        self._sampled_units = [(layer, np.array(units)) for layer, units in self.hidden_units.items()]
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
        """The thumbnails of the drawn hidden neurons (``boundary.neuron_levels``' pictures), one tile under the
        other, as a palette PNG data URI (None without hidden layers). ``hidden_probe`` is ``Snapshot.probe[:-1]``.
        Written for the few NumPy calls it makes: it runs at every refresh, when every call costs."""
        if not self._hidden:
            return None
        size, cells = self.thumbnail_pixels, sample_cells(GRID_RESOLUTION, self.thumbnail_pixels)
        blocks = []
        for layer, units in self._sampled_units:
            values = np.asarray(hidden_probe[layer - 1])
            block = values.reshape(len(values), -1)[cells[:, None], units].astype(np.float32)  # (size², drawn)
            activation = activations[layer - 1] if activations and layer - 1 < len(activations) else None
            if activation not in BOUNDED_ACTIVATIONS:
                block /= neuron_scales(values.reshape(len(values), -1)[cells], activation)[units]
            blocks.append(block)
        block = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)
        rows = png.rows_for(size * len(self._hidden), size)
        scale_levels(block.T.reshape(-1, size, size), out=rows[:, 1:].reshape(-1, size, size))
        return png.data_uri(png.encode(rows, size, SCALE_PALETTE))

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
            link_weights = np.concatenate([np.asarray(weights[2 * index], dtype=np.float64)[np.ix_(sources, targets)]
                                           .ravel() for index, (sources, targets) in enumerate(self._link_blocks)])
            largest = float(np.abs(link_weights).max(initial=0.0))
            share = np.abs(link_weights) / largest if largest > 0 else np.zeros_like(link_weights)
            widths = (MIN_LINK_WIDTH + (MAX_LINK_WIDTH - MIN_LINK_WIDTH) * share) * 4 / 3
            for (opening, path), weight, width in zip(self._paths, link_weights.tolist(), widths.tolist(),
                                                      strict=True):
                parts.append(f'{opening}w = {weight:.4f}</title><path {path} class="pg-hit"/><path {path} '
                             f'stroke="{BLUE if weight >= 0 else ORANGE}" stroke-width="{width:.2f}"/></g>')
        for tip, layer, unit, plain, tiled, label in self._nodes:
            bias = None if weights is None or layer == 0 else float(weights[2 * layer - 1][unit])
            body = tiled if sprite is not None else plain
            parts.append(f"{tip}{bias_text(bias)}</title>{body}</g>{label}")
        parts.append(self._tail)
        return "".join(parts)
