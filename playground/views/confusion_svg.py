"""The confusion matrix as a small inline SVG: counts of test points per (true, predicted) class, written in their
cells on a white-to-blue scale, true class 0 at the top, each cell's hover text in its ``<title>``.

Not a Plotly chart: the Evaluation tab is open while a run trains and refreshes every few seconds, and its first
chart made the browser load Plotly's 4.7 MB of JavaScript in the middle of the run (a 1-2.5 s freeze of the live
views on a slow machine), then re-plot it at every refresh. An SVG string costs the server microseconds and the
browser a swap of a few dozen elements.
"""

from __future__ import annotations

import functools

import numpy as np

from playground.training.evaluation import Evaluation
from playground.views.diagram_svg import escape

# White to dark blue (ColorBrewer's Blues, as the Plotly heatmap had): the count's share of the largest count.
BLUES = ((0.0, (247, 251, 255)), (0.25, (198, 219, 239)), (0.5, (107, 174, 214)), (0.75, (33, 113, 181)),
         (1.0, (8, 48, 107)))
DARK_TEXT, LIGHT_TEXT = "#262730", "#ffffff"
LIGHT_TEXT_FROM = 0.5  # share of the largest count from which a count is written in white on its dark cell
FONT_FAMILY = "'Source Sans', sans-serif"
FONT, TITLE_FONT = 12, 14
CHARACTER_WIDTH = 0.55  # em per character of a class name (Source Sans, about)
GAP = 1  # between cells, as the heatmap's xgap/ygap
CACHE_SIZE = 256


def blues(share: float) -> str:
    """The colour of a count that is ``share`` (0-1) of the largest count."""
    share = min(1.0, max(0.0, share))
    for (low, low_rgb), (high, high_rgb) in zip(BLUES[:-1], BLUES[1:], strict=True):
        if share <= high:
            t = (share - low) / (high - low)
            rgb = (round(a + (b - a) * t) for a, b in zip(low_rgb, high_rgb, strict=True))
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#{:02x}{:02x}{:02x}".format(*BLUES[-1][1])


def confusion_svg(evaluation: Evaluation, side: int = 360) -> str:
    """The matrix of ``evaluation`` as an SVG about ``side`` pixels square (with its class names and titles):
    one per matrix of counts, class names and size, shared by every session (a running run's matrix changes only
    when a prediction flips)."""
    if evaluation.confusion is None:
        raise ValueError(f"no confusion matrix for a {evaluation.problem} evaluation")
    counts = np.asarray(evaluation.confusion, dtype=np.int64)
    return _svg(counts.tobytes(), counts.shape[0], tuple(evaluation.class_names), int(side))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _svg(count_bytes: bytes, classes: int, names: tuple[str, ...], side: int) -> str:
    counts = np.frombuffer(count_bytes, dtype=np.int64).reshape(classes, classes)
    largest = max(int(counts.max()), 1)
    label_room = 12 + FONT * CHARACTER_WIDTH * max((len(name) for name in names), default=1)
    left = TITLE_FONT + 8 + label_room  # the "true" title, then the class names
    top, bottom = 6, TITLE_FONT + 10 + FONT + 8  # below: the class names, then the "predicted" title
    cell = max(8.0, (side - left - 6) / classes)
    count_font = min(16.0, max(9.0, cell * 0.28))  # readable in a 10x10 matrix, not lost in a 2x2 one
    width, height = left + cell * classes + 6, top + cell * classes + bottom
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
             f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="{FONT_FAMILY}" font-size="{FONT}" role="img" '
             f'aria-label="confusion matrix: true class by row, predicted class by column" '
             f'style="display:block;background:white">']
    for true in range(classes):
        y = top + true * cell
        for predicted in range(classes):
            count, x = int(counts[true, predicted]), left + predicted * cell
            share = count / largest
            hover = escape(f"true {names[true]}, predicted {names[predicted]}: {count}")
            parts.append(f'<g><title>{hover}</title><rect x="{x + GAP / 2:.1f}" y="{y + GAP / 2:.1f}" '
                         f'width="{cell - GAP:.1f}" height="{cell - GAP:.1f}" fill="{blues(share)}"/>'
                         f'<text x="{x + cell / 2:.1f}" y="{y + cell / 2 + count_font * 0.35:.1f}" text-anchor="middle" '
                         f'font-size="{count_font:.0f}" fill="{LIGHT_TEXT if share >= LIGHT_TEXT_FROM else DARK_TEXT}">{count}</text></g>')
    grid_bottom = top + classes * cell
    for index, name in enumerate(names):
        middle = index * cell + cell / 2
        parts.append(f'<text x="{left - 6:.1f}" y="{top + middle + FONT * 0.35:.1f}" text-anchor="end" '
                     f'fill="{DARK_TEXT}">{escape(name)}</text>')
        parts.append(f'<text x="{left + middle:.1f}" y="{grid_bottom + FONT + 4:.1f}" text-anchor="middle" '
                     f'fill="{DARK_TEXT}">{escape(name)}</text>')
    parts.append(f'<text x="{left + classes * cell / 2:.1f}" y="{height - 6:.1f}" text-anchor="middle" '
                 f'font-size="{TITLE_FONT}" fill="{DARK_TEXT}">predicted</text>')
    parts.append(f'<text transform="translate({TITLE_FONT + 2} {top + classes * cell / 2:.1f}) rotate(-90)" '
                 f'text-anchor="middle" font-size="{TITLE_FONT}" fill="{DARK_TEXT}">true</text>')
    parts.append("</svg>")
    return "".join(parts)
