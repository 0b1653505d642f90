"""The loss curve while a run trains, as a small inline SVG: the look of ``curves.loss_figure`` (train and test
loss, the metric dotted on a second axis, log scale, smoothing) without building a Plotly figure per refresh.

The page redraws the curve 5 times a second per session; Plotly's figure, its JSON and the browser's re-plot of
it were a third of the server's work. Here the history is kept as arrays that grow with the new epochs only
(``HistoryColumns``), at most ``LIVE_POINTS`` points per line are drawn, and the axes follow Plotly's own rules
(ticks from ``autoTicks``, lines padded 5 % of the axis on y only), so pausing, which shows the interactive
Plotly chart, does not move anything. Coordinates are whole tenths of a pixel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from playground.views.curves import METRIC_LABELS, MIN_EPOCH_RANGE, SHORT_LABELS, TEST_COLOR, TRAIN_COLOR
from playground.views.diagram_svg import escape

LIVE_POINTS = 200  # per line: more than the plot's width in pixels
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
    numbers = np.arange(10000)
    table = np.empty((10000, 5), dtype=np.uint8)
    for column, place in enumerate((1000, 100, 10, 1)):
        table[:, column] = numbers // place % 10 + ord("0")
    table[:, 4] = ord(" ")
    table.setflags(write=False)
    return table


DIGITS = _digit_table()  # row n: the four digits of n and a space


def polylines(xs: np.ndarray, series: Sequence[np.ndarray]) -> list[list[str]]:
    """Per series of y pixels (NaN where there is no value) over the x pixels: the point lists of its polylines,
    one per run of finite values (a gap breaks the line). Written in tenths of a pixel as four digits each
    (leading zeros are valid SVG numbers) by one NumPy gather for all the series: a Python ``str`` per number
    cost as much as the whole rest of the chart."""
    ys = np.stack(series) if series else np.empty((0, 0))  # (series, points)
    if not ys.size:
        return [[] for _ in series]
    finite = np.isfinite(ys)
    coordinates = np.empty((*ys.shape, 2), dtype=np.intp)
    coordinates[..., 0] = np.rint(np.asarray(xs) * 10)
    coordinates[..., 1] = np.rint(np.where(finite, ys, 0) * 10)
    np.clip(coordinates, 0, 9999, out=coordinates)
    text = DIGITS[coordinates.ravel()].tobytes().decode("ascii")
    width = 10 * ys.shape[1]  # characters per series: two numbers of five per point
    if finite.all():
        return [[text[index * width:(index + 1) * width - 1]] for index in range(len(ys))]
    lines = []
    for index, row in enumerate(finite):
        edges = np.flatnonzero(np.diff(np.concatenate([[0], row.astype(np.int8), [0]])))
        base = index * width
        lines.append([text[base + 10 * start:base + 10 * end - 1] for start, end in zip(edges[::2], edges[1::2],
                                                                                        strict=True)])
    return lines


def curve_svg(columns: HistoryColumns, *, log_scale: bool = False, smoothing: float = 0.0, width: int = 270,
              height: int = 300, show_metric: bool = True) -> str:
    """The chart of ``curves.loss_figure`` as an SVG string (no hover: the live chart is static while training)."""
    metric = columns.metric
    label = METRIC_LABELS.get(metric, metric)
    length = columns.length
    shown = shown_indices(length)
    epochs = columns.column("epoch")[shown]
    losses = [(columns.column(key, smoothing)[shown], name, color) for key, name, color in
              (("loss", "train loss", TRAIN_COLOR), ("test_loss", "test loss", TEST_COLOR))]
    if log_scale:
        with np.errstate(divide="ignore", invalid="ignore"):
            losses = [(np.where(values > 0, np.log10(np.where(values > 0, values, 1)), np.nan), name, color)
                      for values, name, color in losses]
    metrics = []
    has_metric = show_metric and length and np.isfinite(columns.column(metric)).any()
    if has_metric:
        short = SHORT_LABELS.get(metric, label)
        metrics = [(columns.column(key, smoothing)[shown], name, color) for key, name, color in
                   ((metric, f"train {short}", TRAIN_COLOR), (f"test_{metric}", f"test {short}", TEST_COLOR))]

    loss_range = padded_range([values for values, _, _ in losses]) or ((-1.0, 0.0) if log_scale else (0.0, 1.0))
    metric_range = (0.0, 1.02) if metric == "accuracy" else padded_range([values for values, _, _ in metrics])
    x_high = float(max(epochs[-1] if length else 0, MIN_EPOCH_RANGE))

    rows = 2 if metrics else 1
    top, bottom = 20 + LEGEND_ROW * rows, height - BOTTOM
    plot_height = bottom - top
    if log_scale:
        loss_ticks = log_ticks(*loss_range, plot_height, 40)
    else:
        ticks, step = linear_ticks(*loss_range, plot_height, 40)
        loss_ticks = [(tick, tick_label(tick, step)) for tick in ticks]
    if metric == "accuracy":
        metric_ticks = [(value, f"{value:.0%}") for value in (0, 0.25, 0.5, 0.75, 1.0)]
    elif metric_range:
        ticks, step = linear_ticks(*metric_range, plot_height, 40)
        metric_ticks = [(tick, tick_label(tick, step)) for tick in ticks]
    else:
        metric_ticks = []
    left = TITLE_ROOM + LABEL_GAP + max((_text_width(text) for _, text in loss_ticks), default=FONT)
    right = width - (TITLE_ROOM + LABEL_GAP + max((_text_width(text) for _, text in metric_ticks), default=FONT)
                     if metrics else 10)
    plot_width = right - left

    def x_pixels(values):
        return left + np.asarray(values, dtype=float) / x_high * plot_width

    def y_pixels(values, span):
        low, high = span
        return bottom - (np.asarray(values, dtype=float) - low) / (high - low) * plot_height

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}" font-size="{FONT}" role="img" '
             f'aria-label="loss curve" data-points="{length}" style="display:block;background:white">']
    x_ticks, x_step = linear_ticks(0.0, x_high, plot_width, 80)
    # Horizontal grid lines only, as Streamlit's theme draws Plotly's.
    grid = [f"M{left:.1f} {y:.1f}H{right:.1f}" for y in y_pixels([tick for tick, _ in loss_ticks], loss_range)]
    parts.append(f'<path d="{"".join(grid)}" stroke="{GRID_COLOR}" stroke-width="1" fill="none"/>')
    # Plotly draws the axis lines PAD away from the plot, the x axis a little beyond it either way.
    edges = (f"M{left - PAD:.1f} {top}V{bottom + PAD}M{left - PAD:.1f} {bottom + PAD}H{right + PAD:.1f}"
             + (f"M{right + PAD:.1f} {top}V{bottom + PAD}" if metrics else ""))
    parts.append(f'<path d="{edges}" stroke="{AXIS_COLOR}" stroke-width="1" fill="none"/>')
    texts = [f'<text x="{x:.1f}" y="{bottom + 23}" text-anchor="middle">{tick_label(tick, x_step)}</text>'
             for tick, x in zip(x_ticks, x_pixels(x_ticks), strict=True)]
    texts += [f'<text x="{left - LABEL_GAP:.1f}" y="{y + 4:.1f}" text-anchor="end">{text}</text>'
              for (_, text), y in zip(loss_ticks, y_pixels([tick for tick, _ in loss_ticks], loss_range), strict=True)
              if text]
    if metrics:
        texts += [f'<text x="{right + LABEL_GAP:.1f}" y="{y + 4:.1f}">{escape(text)}</text>' for (_, text), y in
                  zip(metric_ticks, y_pixels([tick for tick, _ in metric_ticks], metric_range), strict=True)]
    middle = (top + bottom) / 2
    texts.append(f'<text x="{(left + right) / 2:.1f}" y="{bottom + 42}" text-anchor="middle" '
                 f'font-size="{TITLE_FONT}">epoch</text>')
    texts.append(f'<text transform="translate(20 {middle:.1f}) rotate(-90)" text-anchor="middle" '
                 f'font-size="{TITLE_FONT}">loss</text>')
    if metrics:
        texts.append(f'<text transform="translate({width - 15} {middle:.1f}) rotate(-90)" text-anchor="middle" '
                     f'font-size="{TITLE_FONT}">{escape(label)}</text>')
    parts.append(f'<g fill="{TICK_COLOR}">{"".join(texts)}</g>')

    styles = [(color, 2, "") for _, _, color in losses]
    styles += [(color, 1.5, ' stroke-dasharray="30 30"') for _, _, color in metrics]
    ys = [y_pixels(values, loss_range) for values, _, _ in losses]
    ys += [y_pixels(values, metric_range) for values, _, _ in metrics]
    lines = [f'<polyline points="{points}" stroke="{color}" stroke-width="{line_width * 10:g}"{dash}/>'
             for (color, line_width, dash), runs in zip(styles, polylines(x_pixels(epochs), ys), strict=True)
             for points in runs]
    parts.append(f'<clipPath id="pg-plot"><rect x="{left:.1f}" y="{top}" width="{plot_width:.1f}" '
                 f'height="{plot_height}"/></clipPath><g clip-path="url(#pg-plot)"><g transform="scale(0.1)" '
                 f'fill="none" stroke-linejoin="round">{"".join(lines)}</g></g>')

    legend = []
    entry_width = plot_width / 2
    for index, (_, name, color) in enumerate([*losses, *metrics]):
        x, y = left + 5 + (index % 2) * entry_width, 23 + LEGEND_ROW * (index // 2)
        dash = ' stroke-dasharray="3 3"' if index >= 2 else ""
        legend.append(f'<path d="M{x:.1f} {y}h30" stroke="{color}" stroke-width="{2 if index < 2 else 1.5}"{dash}/>'
                      f'<text x="{x + 35:.1f}" y="{y + 4.5}" font-size="{LEGEND_FONT}" fill="{LEGEND_COLOR}">'
                      f'{escape(name)}</text>')
    parts.append("".join(legend))
    parts.append("</svg>")
    return "".join(parts)
