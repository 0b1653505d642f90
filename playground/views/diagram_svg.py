"""The network diagram as an SVG string, for every page: the live Playground view, the forward and backprop
pages.

Same layout, colours and widths as the Matplotlib drawing in ``diagram.py`` (the 300 dpi export), but plain SVG
is cheap for a browser to replace several times a second, hovering a link or a node shows its weight or bias
(native tooltips), each hidden node can show its neuron's heatmap, as TensorFlow Playground does, and the
teaching pages write values into the nodes and highlight the neuron being computed.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape as escape_html

import numpy as np

from playground.views import png
from playground.views.network_layout import (
    ELLIPSIS,
    NODE_COLORS,
    NODE_RADIUS,
    Link,
    NetworkLayout,
    Node,
    link_styles,
)

PIXELS_PER_SLOT = 30
TITLE_HEIGHT = 34  # two lines of 12 px titles
TITLE_STAGGER = 30  # extra room when neighbouring titles would touch: every other one moves up
CHARACTER_PIXELS = 6.3  # average width of a 12 px sans-serif character
MARGIN = 8
LABEL_ROOM = 48  # pixels left and right for input and output labels, at least
MAX_LABEL_CHARACTERS = 14  # longer labels (a table's column names) are cut, in full in the tooltip
LABEL_FONT_SIZE = 13
LABEL_GAP = 5  # pixels between a node and its label
HIGHLIGHT_FILL, HIGHLIGHT_EDGE = "#ffd966", "#e69138"  # the neuron being computed, and the links into it
# Character widths in em, by class, each class as wide as its widest member in DejaVu Sans (Chromium's sans-serif
# on Linux, and wider than Arial or Helvetica): a label's room is then never too small, while one average width
# for all characters cut off capitals and m's at the left edge. Characters not listed count as 1 em.
CHARACTER_EMS = {**dict.fromkeys(string.ascii_lowercase + string.digits + "_*`?${}", 0.64),
                 **dict.fromkeys(string.ascii_uppercase, 0.79), **dict.fromkeys("#&+<=>^~", 0.84),
                 **dict.fromkeys("'ijlIJ,. /:;\\|", 0.34), **dict.fromkeys('f-()[]t!r"', 0.46),
                 **dict.fromkeys("mwMW@%", 1.0)}


def short_label(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARACTERS else label[:MAX_LABEL_CHARACTERS - 1] + "…"


def text_width(text: str, font_size: float) -> float:
    """An upper estimate of the text's width in pixels, for the room beside the nodes."""
    return font_size * sum(CHARACTER_EMS.get(character, 1.0) for character in text)


def escape(text: str) -> str:
    # The page shows the SVG through Markdown: underscores and asterisks in text would turn into emphasis.
    return escape_html(text).replace("_", "&#95;").replace("*", "&#42;")


def png_data_uri(image: np.ndarray) -> str:
    return png.png_data_uri(image)


@dataclass(frozen=True)
class Frame:
    """Where a layout's node slots land in the SVG's pixels, and the SVG's size."""

    left: float
    top: float
    room: float
    stagger: float
    scale: float
    width: float
    height: float

    @classmethod
    def of(cls, layout: NetworkLayout, scale: float = PIXELS_PER_SLOT) -> Frame:
        left = min(layer.x for layer in layout.layers)
        right = max(layer.x for layer in layout.layers)
        top = max(layer.top for layer in layout.layers) + NODE_RADIUS
        bottom = layout.bottom - NODE_RADIUS
        spacing = min((b.x - a.x for a, b in zip(layout.layers, layout.layers[1:], strict=False)),
                      default=99) * scale
        widest_title = max(len(layer.title.split(" = ")[0]) for layer in layout.layers) * CHARACTER_PIXELS
        stagger = TITLE_STAGGER if widest_title > spacing - 6 else 0
        widest_label = max((text_width(short_label(node.label), LABEL_FONT_SIZE) for node in layout.nodes
                            if node.label), default=0)
        # The end layers' titles must fit too, and the labels, written LABEL_GAP from the edge of their node.
        room = max(LABEL_ROOM, widest_title / 2 + 4, widest_label + NODE_RADIUS * scale + LABEL_GAP + 3)
        width = (right - left) * scale + 2 * room
        height = (top - bottom) * scale + TITLE_HEIGHT + stagger + 2 * MARGIN
        return cls(left, top, room, stagger, scale, width, height)

    @property
    def radius(self) -> float:
        return NODE_RADIUS * self.scale

    def px(self, x: float) -> float:
        return round((x - self.left) * self.scale + self.room, 1)

    def py(self, y: float) -> float:
        return round((self.top - y) * self.scale + TITLE_HEIGHT + self.stagger + MARGIN, 1)

    def opening(self, max_height: int) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
                f'style="width:100%;max-height:{max_height}px" font-family="sans-serif" role="img" '
                f'aria-label="network diagram">')

    def line_coordinates(self, link: Link) -> str:
        return (f'x1="{self.px(link.source.x)}" y1="{self.py(link.source.y)}" x2="{self.px(link.target.x)}" '
                f'y2="{self.py(link.target.y)}"')


def link_tip(link: Link) -> str:
    """The start of a link's tooltip; the weight follows (``weight_text``)."""
    return f"{link.source.name} → {link.target.name}: "


def weight_text(weight: float | None) -> str:
    return "no weight yet" if weight is None else f"w = {weight:.4f}"


def link_markup(coordinates: str, tip: str, stroke: str) -> str:
    # A wide transparent line under the visible one makes thin links easy to hover.
    return (f'<g class="link"><title>{tip}</title><line {coordinates} stroke="transparent" stroke-width="7"/>'
            f'<line {coordinates} {stroke}/></g>')


def link_stroke(color: str, width: float) -> str:
    return f'stroke="{color}" stroke-width="{width * 4 / 3:.2f}"'


def node_tip(node: Node) -> str:
    """A node's tooltip without its bias (``bias_text`` follows)."""
    return node.name + (f" ({node.label})" if node.label and node.label != node.name else "")


def bias_text(bias: float | None) -> str:
    return "" if bias is None else f", bias = {bias:.4f}"


def node_circle(frame: Frame, node: Node, fill: str | None = None, edge: str | None = None,
                width: float = 1.5) -> str:
    default_fill, default_edge = NODE_COLORS[node.kind]
    return (f'<circle cx="{frame.px(node.x)}" cy="{frame.py(node.y)}" r="{frame.radius:.1f}" '
            f'fill="{fill or default_fill}" stroke="{edge or default_edge}" stroke-width="{width}"/>')


def node_clip(frame: Frame, node: Node) -> tuple[str, str]:
    """The clip path of a node's picture and its id."""
    clip = f"clip-{node.layer}-{node.unit}"
    return (f'<clipPath id="{clip}"><circle cx="{frame.px(node.x)}" cy="{frame.py(node.y)}" '
            f'r="{frame.radius:.1f}"/></clipPath>', clip)


def node_outline(frame: Frame, node: Node) -> str:
    return (f'<circle cx="{frame.px(node.x)}" cy="{frame.py(node.y)}" r="{frame.radius:.1f}" fill="none" '
            f'stroke="{NODE_COLORS[node.kind][1]}" stroke-width="1.5"/>')


def node_label(frame: Frame, node: Node) -> str:
    if not node.label:
        return ""
    x, y, radius = frame.px(node.x), frame.py(node.y), frame.radius
    anchor, shift = ("end", -radius - LABEL_GAP) if node.kind == "input" else ("start", radius + LABEL_GAP)
    return (f'<text x="{x + shift:.1f}" y="{y + 4:.1f}" font-size="{LABEL_FONT_SIZE}" fill="#444" '
            f'text-anchor="{anchor}">{escape(short_label(node.label))}</text>')


def ellipses_and_titles(frame: Frame, layout: NetworkLayout) -> str:
    """The "⋮" of large layers and every layer's title, then the end of the SVG."""
    parts = []
    for x, y in layout.ellipses:
        parts.append(f'<text x="{frame.px(x)}" y="{frame.py(y) + 6:.1f}" font-size="18" fill="#444" '
                     f'text-anchor="middle">{ELLIPSIS}</text>')
    for index, layer in enumerate(layout.layers):
        lines = layer.title.split(" = ")
        first, second = (lines[0], "= " + lines[1]) if len(lines) == 2 else (layer.title, "")
        if layer.activation is None:
            first, second = "inputs", f"= {layer.units}"
        x = frame.px(layer.x)
        drop = frame.stagger if index % 2 else 0
        parts.append(f'<text x="{x}" y="{MARGIN + 12 + drop}" font-size="12" fill="#222" text-anchor="middle">'
                     f'{escape(first)}<tspan x="{x}" dy="14">{escape(second)}</tspan></text>')
    parts.append("</svg>")
    return "".join(parts)


def diagram_svg(layout: NetworkLayout, node_images: Mapping[tuple[int, int], np.ndarray] | None = None,
                max_height: int = 320, *, values: Mapping[tuple[int, int], str] | None = None,
                highlighted: tuple[int, int] | None = None, scale: float = PIXELS_PER_SLOT) -> str:
    """The diagram as an SVG element, keyed by (layer, unit) with layer 0 the inputs: ``node_images`` are RGB
    pictures drawn in the nodes, ``values`` texts written in them; the ``highlighted`` node and the links into
    it are drawn in orange, each link with its weight. ``scale`` is pixels per node slot (larger nodes hold
    values). The live page draws the same SVG through ``live_diagram.LiveDiagram``, which caches what does not
    change from one refresh to the next."""
    node_images, values = node_images or {}, values or {}
    frame = Frame.of(layout, scale)
    parts = [frame.opening(max_height)]
    colors, widths = link_styles(layout)
    for link, color, width in zip(layout.links, colors, widths, strict=True):
        into_highlighted = highlighted == (link.target.layer, link.target.unit)
        stroke = f'stroke="{HIGHLIGHT_EDGE}" stroke-width="3"' if into_highlighted else link_stroke(color, width)
        parts.append(link_markup(frame.line_coordinates(link), escape(link_tip(link) + weight_text(link.weight)),
                                 stroke))
        if into_highlighted and link.weight is not None:
            # A third of the way along its link, where the links into one node still stand apart.
            x1, y1 = frame.px(link.source.x), frame.py(link.source.y)
            x2, y2 = frame.px(link.target.x), frame.py(link.target.y)
            wx, wy = x1 + (x2 - x1) * 0.35, y1 + (y2 - y1) * 0.35
            parts.append(f'<text x="{wx:.0f}" y="{wy - 5:.0f}" font-size="13" fill="{HIGHLIGHT_EDGE}" '
                         f'text-anchor="middle">{link.weight:.4g}</text>')
    radius = frame.radius
    for node in layout.nodes:
        x, y = frame.px(node.x), frame.py(node.y)
        picture = node_images.get((node.layer, node.unit))
        parts.append(f'<g class="node"><title>{escape(node_tip(node) + bias_text(node.bias))}</title>')
        if picture is not None:
            clip_path, clip = node_clip(frame, node)
            parts.append(f'{clip_path}<image href="{png_data_uri(picture)}" x="{x - radius:.1f}" '
                         f'y="{y - radius:.1f}" width="{2 * radius:.1f}" height="{2 * radius:.1f}" '
                         f'clip-path="url(#{clip})" preserveAspectRatio="none"/>{node_outline(frame, node)}')
        elif highlighted == (node.layer, node.unit):
            parts.append(node_circle(frame, node, HIGHLIGHT_FILL, HIGHLIGHT_EDGE, 3))
        else:
            parts.append(node_circle(frame, node))
        if (node.layer, node.unit) in values:
            parts.append(f'<text x="{x}" y="{y + 4:.1f}" font-size="12" fill="#222" text-anchor="middle">'
                         f'{escape(values[node.layer, node.unit])}</text>')
        parts.append("</g>")
        parts.append(node_label(frame, node))
    parts.append(ellipses_and_titles(frame, layout))
    return "".join(parts)
