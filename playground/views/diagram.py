"""The network diagram of the Keras tutorials' ``visualize_nn``, with TensorFlow Playground's link colours.

``network_layout.py`` places nodes, links and titles (pure NumPy); ``diagram_svg.py`` draws them for the pages
(hover a link for its weight); here ``diagram_figure`` draws them for the course notes (Matplotlib, 300 dpi).
"""

from __future__ import annotations

import functools
import io

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.textpath import TextPath

from playground.views.colors import BLUE, ORANGE
from playground.views.network_layout import (
    ELLIPSIS,
    LAYER_SPACING,
    MAX_LINK_WIDTH,
    MIN_LINK_WIDTH,
    NO_WEIGHT_COLOR,
    NO_WEIGHT_WIDTH,
    NODE_COLORS,
    NODE_RADIUS,
    Layer,
    NetworkLayout,
    link_styles,
)

# Matplotlib figure: sizes in inches and points, chosen so the labels stay >= 9 pt when printed as drawn.
SLOT_INCHES = 0.32
TITLE_POINTS, LABEL_POINTS, LEGEND_POINTS = 9, 10, 9
MAX_NATURAL_WIDTH, MIN_GAP_INCHES = 7.0, 0.75  # a printed page's width; columns closer than this look cramped


@functools.lru_cache(maxsize=512)  # the same titles are measured for every export of a network
def _text_inches(text: str, points: float) -> float:
    """Width of the widest line of text at this size, measured from the glyphs (no renderer needed)."""
    font = FontProperties(size=points)
    lines = [line for line in text.split("\n") if line.strip()]  # TextPath fails on empty text
    return max((TextPath((0, 0), line, prop=font).get_extents().width for line in lines), default=0.0) / 72


def _wrapped_title(layer: Layer) -> str:
    # Two lines keep neighbouring columns close; the layout keeps the one-line text.
    return layer.title.replace(") = ", ")\n= ")


def _pair_gaps(title_widths: list[float], step: int) -> list[float]:
    """Inches between columns `step` apart for their titles to clear each other."""
    pairs = zip(title_widths[:-step], title_widths[step:], strict=True)
    return [(first + second) / 2 + 0.15 for first, second in pairs]


def _column_gap(title_widths: list[float], margins: float, width_inches: float | None) -> tuple[float, bool]:
    """Inches between neighbouring columns, and whether titles must alternate in height to fit."""
    gap_count = len(title_widths) - 1
    side_by_side = max(_pair_gaps(title_widths, 1))
    if width_inches is not None:
        gap = (width_inches - margins) / gap_count
    else:
        gap = max(SLOT_INCHES * LAYER_SPACING, side_by_side)
        if margins + gap * gap_count > MAX_NATURAL_WIDTH:
            # Deep networks: alternate title heights so columns can close up to fit a printed page.
            staggered = max(_pair_gaps(title_widths, 2), default=0.0) / 2
            gap = max(MIN_GAP_INCHES, staggered, (MAX_NATURAL_WIDTH - margins) / gap_count)
    return gap, gap < side_by_side


def diagram_figure(layout: NetworkLayout, *, title: str | None = None,
                   width_inches: float | None = None) -> Figure:
    """The diagram for the course notes (Matplotlib, white background, links under the nodes, a legend).

    Sized so that the labels are legible when printed as drawn; width_inches overrides the width (the height
    and the font sizes stay).
    """
    titles = [_wrapped_title(layer) for layer in layout.layers]
    title_widths = [_text_inches(text, TITLE_POINTS) for text in titles]
    node_points = 2 * NODE_RADIUS * SLOT_INCHES * 72
    input_width, output_width = (max(_text_inches(node.label, LABEL_POINTS) for node in layout.nodes
                                     if node.kind == kind) for kind in ("input", "output"))
    left = max(input_width + node_points / 144 + 0.12, title_widths[0] / 2) + 0.1
    right = max(output_width + node_points / 144 + 0.12, title_widths[-1] / 2) + 0.1
    gap, staggered = _column_gap(title_widths, left + right, width_inches)
    x_scale = max(gap, 0.1) / LAYER_SPACING  # inches per layout unit along x; along y it is SLOT_INCHES
    title_points = max(text.count("\n") + 1 for text in titles) * TITLE_POINTS * 1.3
    title_offset = node_points / 2 + 6
    top = (title_offset + title_points * (1 + staggered)) / 72 + (0.35 if title else 0.08)
    bottom = node_points / 144 + 0.45  # room for the legend
    highest = max(layer.top for layer in layout.layers)
    span = layout.layers[-1].x
    height = top + (highest - layout.bottom) * SLOT_INCHES + bottom
    figure = Figure(figsize=(left + span * x_scale + right, height), facecolor="white")
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(-left / x_scale, span + right / x_scale)
    axes.set_ylim(layout.bottom - bottom / SLOT_INCHES, highest + top / SLOT_INCHES)

    colors, widths = link_styles(layout)
    starts, ends = _link_ends(layout)
    axes.add_collection(LineCollection(np.stack([starts, ends], axis=1), colors=colors, linewidths=widths,
                                       capstyle="round", zorder=1))
    for kind, (fill, edge) in NODE_COLORS.items():
        nodes = [node for node in layout.nodes if node.kind == kind]
        axes.scatter([node.x for node in nodes], [node.y for node in nodes], s=node_points**2, c=fill,
                     edgecolors=edge, linewidths=1.3, zorder=3)
    for x, y in layout.ellipses:
        axes.text(x, y, ELLIPSIS, ha="center", va="center", fontsize=14, color="#555555", zorder=4)
    for node in layout.nodes:
        if node.label:
            side = -1 if node.kind == "input" else 1
            axes.annotate(node.label, (node.x, node.y), xytext=(side * (node_points / 2 + 4), 0),
                          textcoords="offset points", ha="right" if side < 0 else "left", va="center",
                          fontsize=LABEL_POINTS, zorder=4)
    for layer, text in zip(layout.layers, titles, strict=True):
        raised = title_points if staggered and layer.index % 2 else 0
        axes.annotate(text, (layer.x, highest), xytext=(0, title_offset + raised),
                      textcoords="offset points", ha="center", va="bottom", fontsize=TITLE_POINTS,
                      color="#222222", linespacing=1.1)
    if title:
        figure.text(0.5, 1 - 0.08 / figure.get_figheight(), title, ha="center", va="top", fontsize=11,
                    fontweight="bold")
    figure.legend(handles=_legend_handles(layout), loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=4,
                  frameon=False, fontsize=LEGEND_POINTS, handlelength=2.2, columnspacing=1.5)
    return figure


def _legend_handles(layout: NetworkLayout) -> list[Line2D]:
    if not layout.has_weights:
        return [Line2D([], [], color=NO_WEIGHT_COLOR, linewidth=NO_WEIGHT_WIDTH * 2, label="no weights yet")]
    largest = layout.max_abs_weight
    return [Line2D([], [], color=BLUE, linewidth=2.5, label="w > 0"),
            Line2D([], [], color=ORANGE, linewidth=2.5, label="w < 0"),
            Line2D([], [], color="#666666", linewidth=MIN_LINK_WIDTH, label="|w| ≈ 0"),
            Line2D([], [], color="#666666", linewidth=MAX_LINK_WIDTH, label=f"|w| = {largest:.3g}")]


def figure_bytes(figure: Figure, fmt: str) -> bytes:
    """The figure as "png" (300 dpi) or "svg" bytes, for downloads and the notes."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"format must be 'png' or 'svg'; got {fmt!r}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=300, facecolor="white", bbox_inches="tight", pad_inches=0.05)
    return buffer.getvalue()


def _link_ends(layout: NetworkLayout) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of the start and of the end of every link, as two arrays of shape (links, 2)."""
    return (np.array([(link.source.x, link.source.y) for link in layout.links]).reshape(-1, 2),
            np.array([(link.target.x, link.target.y) for link in layout.links]).reshape(-1, 2))
