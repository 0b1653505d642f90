"""The live output view as HTML: the model's output on the grid as a small PNG that the browser scales up, with
the data points on top as an SVG background.

Earlier the page composited the points into a 300x300 picture and JPEG-encoded it at every refresh (5 times a
second per session). The points do not change while a run trains, so they are drawn once per data set and
toggle, in a style sheet sent with the page's options (``points_css``), and the output is a 100x100 palette PNG,
one byte per cell (``output_picture_uri``), encoded in a tenth of the time and a seventh of the bytes.
"""

from __future__ import annotations

import base64
from html import escape

import numpy as np

from playground.data.points import DOMAIN
from playground.views import png
from playground.views.boundary import (
    PALETTE_LEVELS,
    SCALE_PALETTE,
    TEST_OUTLINE,
    TRAIN_OUTLINE,
    levels_into,
    output_image,
    point_rgb,
    rgb_to_hex,
)

PICTURE_PIXELS = 300  # the overlay's coordinates: the old picture's size, so points keep their size and place
POINT_RADIUS = 4  # pixels of PICTURE_PIXELS: a white (train) or dark (test) ring, filled with the point's colour


def output_picture_uri(output: np.ndarray, problem: str, *, discretize: bool = False, resolution: int = 100) -> str:
    """The output on the grid (``grid_points`` order) as a PNG data URI, one pixel per cell, row 0 at the top:
    a palette PNG of the colour scale's levels for binary and regression outputs (``output_values`` coloured as
    ``scale_levels`` colours it, computed here with fewer NumPy calls), an RGB one for classes."""
    if problem == "multiclass":
        return png.png_data_uri(output_image(output, problem, discretize=discretize, resolution=resolution))
    output = np.asarray(output)
    if len(output) != resolution * resolution:
        output_image(output, problem, resolution=resolution)  # raises the grid-size error
    if problem not in ("binary", "regression"):
        raise ValueError(f"unknown problem {problem!r}")
    first = output.reshape(len(output), -1)[:, 0]  # the output unit: a probability, or a value
    rows = png.rows_for(resolution, resolution)
    pixels = rows[:, 1:]
    half = (PALETTE_LEVELS - 1) / 2
    if discretize:  # the sign: 0 counts as +1 (a probability of 0.5 as class 1)
        pixels[...] = np.where(first >= (0.5 if problem == "binary" else 0.0), PALETTE_LEVELS - 1, 0).reshape(
            resolution, resolution)
    else:  # binary: 2p - 1 on the scale is p * (levels - 1); regression: the value, clipped
        scale, offset = (2 * half, 0.5) if problem == "binary" else (half, half + 0.5)
        levels_into(first.astype(np.float32).reshape(resolution, resolution), scale, offset, pixels)
    return png.data_uri(png.encode(rows, resolution, SCALE_PALETTE))


def _pixels(points: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    span = DOMAIN[1] - DOMAIN[0]
    columns = np.rint((points[:, 0] - DOMAIN[0]) / span * (size - 1)).astype(np.intp)
    rows = np.rint((DOMAIN[1] - points[:, 1]) / span * (size - 1)).astype(np.intp)
    return columns, rows


def points_svg(points: np.ndarray, labels: np.ndarray, problem: str, *, test: bool = False,
               size: int = PICTURE_PIXELS, radius: int = POINT_RADIUS) -> str:
    """SVG paths drawing the points as the page's composited picture did before: every ring, then every fill,
    one path per colour. Each dot is a zero-length segment with round caps; coordinates are the pixel
    centres of a size x size picture."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if not len(points):
        return ""
    columns, rows = _pixels(points, size)
    moves = np.array([f"M{column} {row}h0" for column, row in zip(columns.tolist(), rows.tolist(), strict=True)])
    fills = rgb_to_hex(point_rgb(labels, problem))
    outline = TEST_OUTLINE if test else TRAIN_OUTLINE
    parts = [f'<path d="{"".join(moves)}" stroke="{outline}" stroke-width="{2 * radius + 1}"/>']
    colours = np.array(fills)
    for colour in dict.fromkeys(fills):  # in order of first appearance
        parts.append(f'<path d="{"".join(moves[colours == colour])}" stroke="{colour}" '
                     f'stroke-width="{2 * radius - 1}"/>')
    return "".join(parts)


def points_css(layers: list[str], size: int = PICTURE_PIXELS) -> str:
    """The point layers (``points_svg``: train, then test) as a style sheet drawing them over the output view
    (``.pg-points``, see ``output_view_html``): an SVG background. The page sends it with its options, outside
    the live fragment, so a refresh does not carry the points again (they change with the data and the toggle
    only, and each of those re-runs the page)."""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}">'
           f'<g transform="translate(0.5 0.5)" fill="none" stroke-linecap="round">{"".join(layers)}</g></svg>')
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
    return f'<style>.pg-live .pg-points {{ background-image: url("{uri}"); }}</style>'


def output_view_html(picture_uri: str, *, pixels: int, alt: str, below: str = "") -> str:
    """The picture in a box of fixed size with the points on top (``points_css``), then ``below`` (a legend, a
    caption).

    Inline, not st.image: its media URL is dropped at the next refresh, and a browser still fetching it showed a
    broken image and a shrunken box; an inline picture arrives with the page update and the browser swaps the
    old one for it when it is decoded. ``object-fit: fill`` stretches the 100x100 picture over the box
    (Streamlit's Markdown would scale it down only)."""
    return (f'<div class="pg-output"><div style="position:relative;width:{pixels}px;height:{pixels}px;'
            f'border-radius:4px;overflow:hidden"><img class="pg-boundary" src="{picture_uri}" width="{pixels}" '
            f'height="{pixels}" alt="{escape(alt)}" style="display:block;width:{pixels}px;height:{pixels}px;'
            f'max-width:none;object-fit:fill"><div class="pg-points"></div></div>{below}</div>')
