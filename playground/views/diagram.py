"""The network diagram of the Keras tutorials' ``visualize_nn``, with TensorFlow Playground's link colours.

``network_layout.py`` places nodes, links and titles (pure NumPy); here ``diagram_figure`` draws them for the
course notes (Matplotlib) and ``diagram_plotly`` interactively (hover a link for its weight).
"""

from __future__ import annotations

import functools
import io

import numpy as np
import plotly.graph_objects as go
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

# Plotly figure: pixels per node slot, and the number of line widths links are grouped into (one trace each).
PIXELS_PER_SLOT = 34
PLOTLY_PAGE_PIXELS, TITLE_PIXELS = 800, 32  # a typical page column; the height of a two-line title
WIDTH_LEVELS = 6


@functools.lru_cache(maxsize=512)  # the live page measures the same titles 4 times a second
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


def _hover_points(layout: NetworkLayout) -> np.ndarray:
    """One point on each link for its hover text, as an array of (x, y).

    Midpoints would coincide for i→j and j→i between equal columns, so each target gets its own spot along
    the links (a fraction from 0.25 to 0.75 of the way): no two links share a hover point.
    """
    fractions = []
    for link in layout.links:
        targets = layout.layers[link.target.layer].drawn_units
        fractions.append(0.25 + 0.5 * (targets.index(link.target.unit) + 0.5) / len(targets))
    starts, ends = _link_ends(layout)
    return starts + np.array(fractions).reshape(-1, 1) * (ends - starts)


def _scatter(**properties) -> dict:
    # Plain dicts: go.Figure checks each trace once, where go.Scatter objects would be checked twice.
    return {"type": "scatter", "showlegend": False, **properties}


def _link_traces(layout: NetworkLayout) -> list[dict]:
    """Links grouped by colour and width level: a few line traces instead of hundreds."""
    colors, widths = link_styles(layout)
    if layout.has_weights:
        # Round each width to one of WIDTH_LEVELS steps between the thinnest and the widest.
        step = (MAX_LINK_WIDTH - MIN_LINK_WIDTH) / (WIDTH_LEVELS - 1)
        widths = MIN_LINK_WIDTH + np.rint((widths - MIN_LINK_WIDTH) / step) * step
    starts, ends = _link_ends(layout)
    colors, pixels = np.array(colors), np.round(widths * 4 / 3, 3)  # points to pixels
    traces = []
    for color, width in sorted(set(zip(colors, pixels, strict=True)), key=lambda group: group[1]):
        chosen = (colors == color) & (pixels == width)
        # (start, end, NaN) per link: NaN breaks the line; arrays spare plotly checking every list element.
        gaps = np.full(chosen.sum(), np.nan)
        xs = np.column_stack([starts[chosen, 0], ends[chosen, 0], gaps]).ravel()
        ys = np.column_stack([starts[chosen, 1], ends[chosen, 1], gaps]).ravel()
        traces.append(_scatter(x=xs, y=ys, mode="lines", line={"color": color, "width": float(width)},
                               hoverinfo="skip"))
    return traces


def diagram_plotly(layout: NetworkLayout, height: int | None = None) -> go.Figure:
    """The diagram for the live page: hover a link for its weight, a node for its bias."""
    traces = _link_traces(layout)
    points = _hover_points(layout)
    colors = np.array(link_styles(layout)[0])
    texts = np.array([f"{link.source.name} → {link.target.name}: "
                      + ("no weight yet" if link.weight is None else f"w = {link.weight:.4f}")
                      for link in layout.links])
    for color in dict.fromkeys(colors):  # a hover trace per colour: its labels take the links' colour
        chosen = colors == color
        traces.append(_scatter(x=points[chosen, 0], y=points[chosen, 1], mode="markers", name="weights",
                               hovertext=texts[chosen], hoverinfo="text", hoverlabel={"bgcolor": color},
                               marker={"size": 9, "color": "rgba(0,0,0,0)"}))
    for kind, (fill, edge) in NODE_COLORS.items():
        nodes = [node for node in layout.nodes if node.kind == kind]
        texts = [node.name + (f" ({node.label})" if node.label and node.label != node.name else "")
                 + ("" if node.bias is None else f"<br>bias = {node.bias:.4f}") for node in nodes]
        traces.append(_scatter(x=[node.x for node in nodes], y=[node.y for node in nodes], mode="markers",
                               hovertext=texts, hoverinfo="text", name=f"{kind} nodes",
                               marker={"size": 2 * NODE_RADIUS * PIXELS_PER_SLOT, "color": fill,
                                       "line": {"width": 1.5, "color": edge}}))
    # Node labels and ellipses in one text trace (fewer traces draw faster).
    labelled = [node for node in layout.nodes if node.label]
    shifts = [(NODE_RADIUS + 0.15) * (-1 if node.kind == "input" else 1) for node in labelled]
    label_xs = [node.x + shift for node, shift in zip(labelled, shifts, strict=True)]
    traces.append(_scatter(
        x=label_xs + [x for x, _ in layout.ellipses],
        y=[node.y for node in labelled] + [y for _, y in layout.ellipses], mode="text", hoverinfo="skip",
        text=[node.label for node in labelled] + [ELLIPSIS] * len(layout.ellipses),
        textposition=["middle left" if shift < 0 else "middle right" for shift in shifts]
        + ["middle center"] * len(layout.ellipses),
        textfont={"size": [13] * len(labelled) + [18] * len(layout.ellipses), "color": "#444444"}))
    span, bottom = layout.layers[-1].x, layout.bottom - 0.8
    # Titles alternate in height when side by side they would touch in a plot PLOTLY_PAGE_PIXELS wide
    # (12 px text is 9 pt at 96 pixels per inch).
    pixels_per_unit = min(PIXELS_PER_SLOT, PLOTLY_PAGE_PIXELS / (span + 4.4))
    title_widths = [_text_inches(_wrapped_title(layer), TITLE_POINTS) * 96 / pixels_per_unit
                    for layer in layout.layers]
    staggered = max(_pair_gaps(title_widths, 1)) > LAYER_SPACING
    titles = [{"x": layer.x, "y": layout.title_y, "text": _wrapped_title(layer).replace("\n", "<br>"),
               "yshift": TITLE_PIXELS if staggered and layer.index % 2 else 0, "showarrow": False,
               "yanchor": "bottom", "font": {"size": 12, "color": "#222222"}} for layer in layout.layers]
    top = layout.title_y + 1.4 + (TITLE_PIXELS / PIXELS_PER_SLOT if staggered else 0)
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    return go.Figure(traces, layout={
        "height": height or max(260, int((top - bottom) * PIXELS_PER_SLOT) + 20), "annotations": titles,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "plot_bgcolor": "white", "paper_bgcolor": "white",
        "xaxis": axis | {"range": [-2.2, span + 2.2]},
        "yaxis": axis | {"range": [bottom, top], "scaleanchor": "x"},
        # Keeps a zoom across refreshes of the same network; a new shape starts a fresh view.
        "uirevision": "-".join(str(layer.units) for layer in layout.layers),
        # No template: everything is styled here, and copying the default template costs ~10 ms a redraw.
        "template": "none", "hovermode": "closest", "showlegend": False})
