"""The loss curve while a run trains, as a small inline SVG: the look of ``curves.loss_figure`` (train and test
loss, the metric dotted on a second axis, log scale, smoothing) without building a Plotly figure per refresh.

The page redraws the curve 5 times a second per session; Plotly's figure, its JSON and the browser's re-plot of
it were a third of the server's work. Here the history is kept as arrays that grow with the new epochs only
(``HistoryColumns``), at most one point per pixel of the plot's width is drawn (fewer where a line is straight),
and the axes follow Plotly's own rules (ticks from ``autoTicks``, lines padded 5 % of the axis on y only) and
Streamlit's theme of it, so pausing, which shows the interactive Plotly chart, does not move anything.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

from playground.views.curves import METRIC_LABELS, MIN_EPOCH_RANGE, SHORT_LABELS, TEST_COLOR, TRAIN_COLOR
from playground.views.diagram_svg import escape

LIVE_POINTS = 200  # per line, by default: about the plot's width in pixels
# The page's Plotly chart as Streamlit's theme draws it (measured in Chromium): its font, sizes and colours, the
# room of an axis title, the gap of the axis lines from the plot (Plotly's pad) and of the tick labels from it,
# the legend's rows above the plot and the room below it.
FONT_FAMILY = "'Source Sans', sans-serif"
FONT, LEGEND_FONT, TITLE_FONT = 12, 10, 14
TICK_COLOR, LEGEND_COLOR, AXIS_COLOR, GRID_COLOR = "#808495", "#262730", "#ccc", "#eee"
TITLE_ROOM, PAD, LABEL_GAP, LEGEND_ROW, BOTTOM = 24, 8.5, 11, 19, 51
# Tick label widths in em (Source Sans): digits, then the narrower and wider characters.
CHARACTER_EMS = {".": 0.25, "-": 0.33, "%": 0.83, "k": 0.5}
PADDING = 0.05  # of the axis length, each side of a padded range (Plotly's for lines)


class HistoryColumns:
    """A run's history as float arrays, grown by the records added since the last update (a refresh adds a few
    epochs to a history of thousands), and started over when the history is another run's."""

    KEYS = ("epoch", "loss", "test_loss")

    def __init__(self, metric: str):
        self.metric = metric
        self.keys = (*self.KEYS, metric, f"test_{metric}")
        self.length = 0
        self._last: dict | None = None
        self._data = np.empty((len(self.keys), 0))
        self._smoothed: dict[float, tuple[int, np.ndarray]] = {}

    def update(self, history: Sequence[dict[str, float]]) -> None:
        n = self.length
        if n and (len(history) < n or history[n - 1] != self._last):
            self.length, n, self._smoothed = 0, 0, {}
        if len(history) == n:
            return
        if len(history) > self._data.shape[1]:
            grown = np.empty((len(self.keys), max(2 * self._data.shape[1], len(history), 64)))
            grown[:, :n] = self._data[:, :n]
            self._data = grown
        for index in range(n, len(history)):
            record = history[index]
            self._data[:, index] = [record.get(key, math.nan) for key in self.keys]
        self.length, self._last = len(history), history[-1]

    def rows(self, keys: Sequence[str], smoothing: float = 0.0) -> np.ndarray:
        """Columns as the rows of a new (len(keys), length) array (``column`` each; epochs are never smoothed)."""
        if smoothing <= 0:
            return self._data[[self.keys.index(key) for key in keys], :self.length]
        return np.stack([self.column(key, smoothing) for key in keys]) if keys else np.empty((0, self.length))

    def column(self, key: str, smoothing: float = 0.0) -> np.ndarray:
        """A column (a view: do not keep it across updates), exponentially smoothed as ``curves.smooth``."""
        values = self._data[self.keys.index(key), :self.length]
        if smoothing <= 0 or key == "epoch":
            return values
        done, smoothed = self._smoothed.get((key, smoothing), (0, np.empty(0)))
        if len(smoothed) < self.length:
            smoothed = np.concatenate([smoothed, np.empty(max(self.length, 64))])
        last = smoothed[done - 1] if done else values[0]
        for index in range(done, self.length):  # only the new epochs
            value = values[index]
            last = last * smoothing + (1 - smoothing) * value if math.isfinite(value) else last
            smoothed[index] = last
        self._smoothed[key, smoothing] = (self.length, smoothed)
        return smoothed[:self.length]


def shown_indices(length: int, limit: int = LIVE_POINTS) -> np.ndarray:
    """Every k-th epoch and always the last, at most about ``limit`` of them."""
    step = max(1, math.ceil(length / limit))
    indices = np.arange(0, length, step)
    return indices if not length or indices[-1] == length - 1 else np.append(indices, length - 1)


# ---- axes, as Plotly draws them ------------------------------------------------------------------------------
def _round_up(value: float) -> float:
    """Plotly's ``roundUp``: the next of 2, 5 or 10 times a power of ten above the value (0.1 becomes 0.2)."""
    power = 10 ** math.floor(math.log10(value))
    return power * next((base for base in (2, 5) if base > value / power), 10)


def linear_ticks(low: float, high: float, pixels: float, per_tick: float) -> tuple[list[float], float]:
    """Plotly's automatic ticks: about pixels / per_tick of them (4 to 9, plus one), rounded to 1, 2 or 5."""
    if not high > low:
        return [low], 1.0
    count = min(max(pixels / per_tick, 4), 9) + 1
    step = _round_up((high - low) / count)
    first = math.ceil(low / step - 1e-9)
    ticks = [index * step for index in range(first, int(math.floor(high / step + 1e-9)) + 1)]
    return ticks, step


def tick_label(value: float, step: float) -> str:
    if abs(value) >= 10000 and step >= 1000:
        return f"{value / 1000:g}k"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    text = f"{value:.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def log_ticks(low: float, high: float, pixels: float, per_tick: float) -> list[tuple[float, str]]:
    """Ticks of a log axis ranged in powers of ten: (position in decades, label)."""
    count = min(max(pixels / per_tick, 4), 9) + 1
    rough = (high - low) / count
    if rough <= 0.7 and high - low < 1:  # less than a decade: round values, about 1.5 times as many
        step = _round_up((10 ** high - 10 ** low) / (1.5 * count))
        first, last = math.ceil(10 ** low / step - 1e-9), math.floor(10 ** high / step + 1e-9)
        return [(math.log10(index * step), tick_label(index * step, step)) for index in range(max(first, 1), last + 1)]
    if rough > 0.7:
        step = math.ceil(rough)
        return [(float(power), f"{10.0 ** power:g}")
                for power in range(math.ceil(low / step) * step, math.floor(high) + 1, step)]
    mantissas = (1, 2, 5) if rough > 0.3 else range(1, 10)
    ticks = []
    for power in range(math.floor(low), math.ceil(high) + 1):
        for mantissa in mantissas:
            position = power + math.log10(mantissa)
            if low <= position <= high:
                ticks.append((position, f"{mantissa * 10.0 ** power:g}" if mantissa in (1, 2, 5) else ""))
    return ticks


def padded_range(values: Sequence[np.ndarray]) -> tuple[float, float] | None:
    finite = [column[np.isfinite(column)] for column in values]
    finite = [column for column in finite if len(column)]
    if not finite:
        return None
    low, high = min(float(column.min()) for column in finite), max(float(column.max()) for column in finite)
    if high == low:
        return low - 1, high + 1  # Plotly widens a flat line's range by one unit either way
    pad = (high - low) * PADDING / (1 - 2 * PADDING)
    return low - pad, high + pad


def _text_width(text: str) -> float:
    return FONT * sum(CHARACTER_EMS.get(character, 0.5) for character in text)


def _digit_table() -> np.ndarray:
    numbers = np.arange(1000)
    table = np.empty((1000, 4), dtype=np.uint8)
    for column, place in enumerate((100, 10, 1)):
        table[:, column] = numbers // place % 10 + ord("0")
    table[:, 3] = ord(" ")
    table.setflags(write=False)
    return table


DIGITS = _digit_table()  # row n: the three digits of n and a space
SCALE = 2  # coordinates are written in half pixels: 0-999 covers a chart up to 499 pixels
COLORS = (TRAIN_COLOR, TEST_COLOR, TRAIN_COLOR, TEST_COLOR)  # train and test loss, then the metric's
DOTTED = f'stroke-width="{1.5 * SCALE:g}" stroke-dasharray="{3 * SCALE} {3 * SCALE}"/>'
# The accuracy axis' ticks, and (last) its fixed range.
ACCURACY_TICKS = (*((value, f"{value:.0%}") for value in (0, 0.25, 0.5, 0.75, 1.0)), ((0.0, 1.02), ""))


def polylines(xs: np.ndarray, ys: np.ndarray) -> list[list[str]]:
    """Per row of ``ys`` (y pixels, NaN where there is no value) over the x pixels ``xs``: the point lists of its
    polylines, one per run of finite values (a gap breaks the line), in half pixels. A point in line with its
    neighbours at that resolution is left out (a flat accuracy, a straight stretch). Written by NumPy, three
    digits per number (leading zeros are valid SVG numbers): a Python ``str`` per number cost as much as the
    whole rest of the chart, and every NumPy call counts at 5 refreshes a second per session."""
    count = ys.shape[1] if ys.ndim == 2 else 0
    if not count:
        return [[] for _ in range(len(ys))]
    finite = np.isfinite(ys)
    complete = bool(finite.all())
    if not complete:
        ys = np.where(finite, ys, 0.0)
    x = (np.asarray(xs) * SCALE + 0.5).astype(np.intp).clip(0, 999)
    y = (ys * SCALE + 0.5).astype(np.intp).clip(0, 999)
    keep = np.ones(y.shape, dtype=bool) if complete else finite.copy()
    if count > 2:  # drop the middle of three points in line: (x1 - x0)(y2 - y1) == (y1 - y0)(x2 - x1)
        dx, dy = np.diff(x), np.diff(y, axis=1)
        inline = dx[:-1] * dy[:, 1:] == dy[:, :-1] * dx[1:]
        if not complete:
            inline &= finite[:, :-2] & finite[:, 2:]
        keep[:, 1:-1] &= ~inline
    rows, columns = np.nonzero(keep)
    pairs = np.empty((len(rows), 2), dtype=np.intp)
    pairs[:, 0] = x[columns]
    pairs[:, 1] = y[rows, columns]
    text = DIGITS[pairs].tobytes().decode("ascii")  # 8 characters a point
    lines, start = [], 0
    for row, kept in enumerate(keep.sum(axis=1).tolist()):
        end = start + kept
        if complete or finite[row].all():
            lines.append([text[8 * start:8 * end - 1]] if end > start else [])
        else:  # one polyline per run of finite values
            edges = np.flatnonzero(np.diff(np.concatenate(([0], finite[row].astype(np.int8), [0]))))
            bounds = start + np.searchsorted(np.flatnonzero(keep[row]), edges)
            lines.append([text[8 * first:8 * last - 1] for first, last in zip(bounds[::2], bounds[1::2], strict=True)
                          if last > first])
        start = end
    return lines


def _range(rows: np.ndarray) -> tuple[float, float] | None:
    """Plotly's padded range of the finite values (None without one): fmin and fmax skip NaN."""
    if not rows.size:
        return None
    low, high = float(np.fmin.reduce(rows, axis=None)), float(np.fmax.reduce(rows, axis=None))
    if not (math.isfinite(low) and math.isfinite(high)):
        return None
    if high == low:
        return low - 1, high + 1
    pad = (high - low) * PADDING / (1 - 2 * PADDING)
    return low - pad, high + pad


@functools.lru_cache(maxsize=256)
def _frame(metric: str, has_metric: bool, width: int, height: int, left: float, right: float,
           metric_ticks: tuple[tuple[float, str], ...]) -> tuple[str, str]:
    """What depends on the chart's layout only, kept from one refresh to the next: the opening, the axis lines,
    the titles and the metric's ticks, ending inside the group of texts (the refresh adds its ticks and closes
    it); and the legend, which ends the SVG."""
    label = METRIC_LABELS.get(metric, metric)
    top, bottom = 20 + LEGEND_ROW * (2 if has_metric else 1), height - BOTTOM
    middle, plot_height = (top + bottom) / 2, bottom - top
    head = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}" font-size="{FONT}" role="img" '
            f'aria-label="loss curve" style="display:block;background:white">']
    # Plotly draws the axis lines PAD away from the plot, the x axis a little beyond it either way.
    edges = (f"M{left - PAD:.1f} {top}V{bottom + PAD}M{left - PAD:.1f} {bottom + PAD}H{right + PAD:.1f}"
             + (f"M{right + PAD:.1f} {top}V{bottom + PAD}" if has_metric else ""))
    head.append(f'<path d="{edges}" stroke="{AXIS_COLOR}" stroke-width="1" fill="none"/><g fill="{TICK_COLOR}">')
    head.append(f'<text x="{(left + right) / 2:.1f}" y="{bottom + 42}" text-anchor="middle" '
                f'font-size="{TITLE_FONT}">epoch</text><text transform="translate(20 {middle:.1f}) rotate(-90)" '
                f'text-anchor="middle" font-size="{TITLE_FONT}">loss</text>')
    if has_metric:
        head.append(f'<text transform="translate({width - 15} {middle:.1f}) rotate(-90)" text-anchor="middle" '
                    f'font-size="{TITLE_FONT}">{escape(label)}</text>')
        low, high = (0.0, 1.02) if metric == "accuracy" else metric_ticks[-1][0]
        head += [f'<text x="{right + LABEL_GAP:.1f}" y="{bottom - (tick - low) / (high - low) * plot_height + 4:.1f}">'
                 f'{escape(text)}</text>' for tick, text in metric_ticks[:-1]]
    short = SHORT_LABELS.get(metric, label)
    names = ["train loss", "test loss", f"train {short}", f"test {short}"][:4 if has_metric else 2]
    legend, entry_width = [], (right - left) / 2
    for index, (name, color) in enumerate(zip(names, COLORS, strict=False)):
        x, y = left + 5 + (index % 2) * entry_width, 23 + LEGEND_ROW * (index // 2)
        dash = ' stroke-dasharray="3 3"' if index >= 2 else ""
        legend.append(f'<path d="M{x:.1f} {y}h30" stroke="{color}" stroke-width="{2 if index < 2 else 1.5}"{dash}/>'
                      f'<text x="{x + 35:.1f}" y="{y + 4.5}" font-size="{LEGEND_FONT}" fill="{LEGEND_COLOR}">'
                      f'{escape(name)}</text>')
    legend.append("</svg>")
    return "".join(head), "".join(legend)


def curve_svg(columns: HistoryColumns, *, log_scale: bool = False, smoothing: float = 0.0, width: int = 270,
              height: int = 300, show_metric: bool = True) -> str:
    """The chart of ``curves.loss_figure`` as an SVG string (no hover: the live chart is static while training).
    Its ranges cover every epoch; its lines draw at most one point per pixel of the plot's width."""
    metric, length = columns.metric, columns.length
    has_metric = bool(show_metric and length and np.isfinite(columns.column(metric)).any())
    keys = ["loss", "test_loss", metric, f"test_{metric}"] if has_metric else ["loss", "test_loss"]
    data = columns.rows(keys, smoothing)  # (series, epochs), a copy
    if log_scale:
        with np.errstate(divide="ignore", invalid="ignore"):
            data[:2] = np.log10(np.where(data[:2] > 0, data[:2], np.nan))
    loss_range = _range(data[:2]) or ((-1.0, 0.0) if log_scale else (0.0, 1.0))
    metric_range = (0.0, 1.02) if metric == "accuracy" else (_range(data[2:]) if has_metric else None)
    epochs = columns.column("epoch")
    x_high = float(max(epochs[-1] if length else 0, MIN_EPOCH_RANGE))

    top, bottom = 20 + LEGEND_ROW * (2 if has_metric else 1), height - BOTTOM
    plot_height = bottom - top
    if log_scale:
        loss_ticks = log_ticks(*loss_range, plot_height, 40)
    else:
        ticks, step = linear_ticks(*loss_range, plot_height, 40)
        loss_ticks = [(tick, tick_label(tick, step)) for tick in ticks]
    if not has_metric:
        metric_ticks = ()
    elif metric == "accuracy":
        metric_ticks = ACCURACY_TICKS
    else:
        ticks, step = linear_ticks(*metric_range, plot_height, 40)
        metric_ticks = (*((tick, tick_label(tick, step)) for tick in ticks), (metric_range, ""))
    left = TITLE_ROOM + LABEL_GAP + max((_text_width(text) for _, text in loss_ticks), default=FONT)
    right = width - (TITLE_ROOM + LABEL_GAP + max((_text_width(text) for _, text in metric_ticks[:-1]), default=FONT)
                     if has_metric else 10)
    plot_width = right - left
    head, tail = _frame(metric, has_metric, width, height, left, right, metric_ticks)

    low, high = loss_range
    loss_y = [(bottom - (tick - low) / (high - low) * plot_height, text) for tick, text in loss_ticks]
    x_ticks, x_step = linear_ticks(0.0, x_high, plot_width, 80)
    grid = "".join(f"M{left:.1f} {y:.1f}H{right:.1f}" for y, _ in loss_y)
    texts = "".join([*(f'<text x="{left + tick / x_high * plot_width:.1f}" y="{bottom + 23}" text-anchor="middle">'
                       f'{tick_label(tick, x_step)}</text>' for tick in x_ticks),
                     *(f'<text x="{left - LABEL_GAP:.1f}" y="{y + 4:.1f}" text-anchor="end">{text}</text>'
                       for y, text in loss_y if text)])

    shown = shown_indices(length, max(int(plot_width), 2))
    ys = data[:, shown]
    ys[:2] = bottom - (ys[:2] - low) * (plot_height / (high - low))
    if has_metric:
        ys[2:] = bottom - (ys[2:] - metric_range[0]) * (plot_height / (metric_range[1] - metric_range[0]))
    lines = "".join(f'<polyline points="{points}" stroke="{color}" '
                    + (f'stroke-width="{2 * SCALE}"/>' if index < 2 else DOTTED)
                    for index, (color, runs) in enumerate(zip(COLORS, polylines(left + epochs[shown]
                                                                               * (plot_width / x_high), ys),
                                                              strict=False))
                    for points in runs)
    return (f'{head}{texts}</g><path d="{grid}" stroke="{GRID_COLOR}" stroke-width="1" fill="none"/>'
            f'<clipPath id="pg-plot"><rect x="{left:.1f}" y="{top}" width="{plot_width:.1f}" height="{plot_height}"/>'
            f'</clipPath><g clip-path="url(#pg-plot)" data-points="{length}"><g transform="scale({1 / SCALE})" '
            f'fill="none" stroke-linejoin="round">{lines}</g></g>{tail}')
