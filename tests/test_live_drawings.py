"""The live page's cheap drawings: PNGs written by hand, the cached diagram, the output view's picture and points,
the SVG loss curve, and the per-session cache that reuses what a refresh did not change."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image

from playground.data.points import grid_points
from playground.data.sources import load_data
from playground.spec import RunSpec
from playground.training.snapshot import Snapshot, Status
from playground.views import boundary, png
from playground.views.curve_svg import (
    HistoryColumns,
    curve_svg,
    linear_ticks,
    log_ticks,
    polylines,
    shown_indices,
)
from playground.views.curves import smooth
from playground.views.diagram_svg import diagram_svg
from playground.views.live_diagram import LiveDiagram
from playground.views.live_drawings import LiveDrawings
from playground.views.network_layout import layout_for_spec
from playground.views.output_view import output_picture_uri, points_svg
from playground.views.png import png_bytes


def decode(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))


def weights_for(sizes, seed=0):
    rng = np.random.default_rng(seed)
    weights = []
    for units_in, units_out in zip(sizes[:-1], sizes[1:], strict=True):
        weights += [rng.normal(size=(units_in, units_out)).astype(np.float32),
                    rng.normal(size=units_out).astype(np.float32)]
    return tuple(weights)


def probe_for(sizes, seed=0):
    grid = grid_points(100)
    rng = np.random.default_rng(seed)
    layers, values = [], grid
    for units in sizes[1:]:
        values = np.tanh(values @ rng.normal(size=(values.shape[1], units)) * 0.5)
        layers.append(values.astype(np.float32))
    return tuple(layers)


# ---- PNG -----------------------------------------------------------------------------------------------------
def test_png_files_decode_to_their_pixels():
    rgb = np.random.default_rng(0).integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png_bytes(rgb)))), rgb)
    palette = np.array([[0, 0, 0], [255, 0, 0], [0, 0, 255]], dtype=np.uint8)
    indices = np.array([[0, 1, 2], [2, 1, 0]], dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(png_bytes(indices, palette))).convert("RGB"))
    assert np.array_equal(decoded, palette[indices])
    with pytest.raises(ValueError):
        png_bytes(indices)  # indices need a palette
    big = np.random.default_rng(1).integers(0, 3, size=(300, 250), dtype=np.uint8)  # over one stored block
    rows = png.rows_for(*big.shape)
    rows[:, 1:] = big
    stored = png.encode(rows, 250, palette, compress=False)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(stored)).convert("RGB")), palette[big])


def test_the_palette_scale_gives_the_colour_scale_within_a_step():
    values = np.concatenate([np.linspace(-1.5, 1.5, 1001), [np.nan]])
    levels = boundary.scale_levels(values)
    difference = np.abs(boundary.SCALE_PALETTE[levels].astype(int) - boundary.colorize(values).astype(int))
    assert difference.max() <= 2
    assert levels[-1] == (boundary.PALETTE_LEVELS - 1) // 2  # NaN is grey
    assert tuple(boundary.SCALE_PALETTE[levels[500]]) == tuple(boundary.hex_to_rgb("#e8eaeb").astype(int))


# ---- the diagram ---------------------------------------------------------------------------------------------
def as_paths(svg: str) -> str:
    """diagram_svg's links written as the live diagram writes them: paths, the hover twin by class."""
    line = r'<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"'
    svg = re.sub(line + ' stroke="transparent" stroke-width="7"/>', r'<path d="M\1 \2L\3 \4" class="pg-hit"/>', svg)
    return re.sub(line, r'<path d="M\1 \2L\3 \4"', svg)


@pytest.mark.parametrize("layers", [(4, 2), (64, 3), (), (8, 8, 8)])
def test_the_live_diagram_draws_what_diagram_svg_draws(layers):
    spec = RunSpec(layers=layers, activations=("tanh",) * len(layers), dropout_rates=(0.0,) * len(layers))
    sizes = [2, *layers, 1]
    live = LiveDiagram(layout_for_spec(spec, output_units=1))
    for weights in (weights_for(sizes), weights_for(sizes, seed=1)):
        assert live.svg(weights) == as_paths(diagram_svg(layout_for_spec(spec, weights=weights, output_units=1)))
    assert live.svg(None) == diagram_svg(layout_for_spec(spec, output_units=1))  # no weights yet: as it was


def test_the_live_diagrams_neurons_come_from_one_picture_in_tiles():
    spec = RunSpec(layers=(64, 3), activations=("relu", "tanh"), dropout_rates=(0.0, 0.0))
    sizes = [2, 64, 3, 1]
    live = LiveDiagram(layout_for_spec(spec, output_units=1))
    probe = probe_for(sizes)
    sprite = live.sprite(probe[:-1], spec.activations)
    # a worker sends only the thumbnails' cells of the hidden layers: the same picture
    assert live.sprite([boundary.thumbnail_rows(layer) for layer in probe[:-1]], spec.activations) == sprite
    tiles = decode(sprite).reshape(-1, 20, 20, 3)
    drawn = live.hidden_units
    assert drawn == {1: [0, 1, 2, 3, 4, 59, 60, 61, 62, 63], 2: [0, 1, 2]} and len(tiles) == 13
    expected = boundary.neuron_images(probe[:-1], spec.activations, size=20)
    for tile, (layer, unit) in zip(tiles, [(layer, unit) for layer, units in drawn.items() for unit in units],
                                   strict=True):
        assert np.abs(tile.astype(int) - expected[layer - 1][unit].astype(int)).max() <= 2
    svg = live.svg(weights_for(sizes), sprite)
    assert svg.count('<use href="#pg-neurons"/>') == 13 and svg.count("<image ") == 1
    assert 'viewBox="0 240 20 20"' in svg  # the 13th tile
    assert LiveDiagram(layout_for_spec(RunSpec(layers=(), activations=(), dropout_rates=()),
                                       output_units=1)).sprite((), ()) is None


def test_a_live_diagram_starts_without_weights():
    with pytest.raises(ValueError):
        LiveDiagram(layout_for_spec(RunSpec(), weights=weights_for([2, 4, 2, 1]), output_units=1))


# ---- the output view -----------------------------------------------------------------------------------------
def test_the_output_picture_is_the_output_image():
    grid = grid_points(100)
    binary = (1 / (1 + np.exp(-grid[:, :1] + grid[:, 1:]))).astype(np.float16)  # float16 probes are fine too
    for discretize in (False, True):
        picture = decode(output_picture_uri(binary, "binary", discretize=discretize))
        expected = boundary.output_image(binary, "binary", discretize=discretize)
        assert picture.shape == (100, 100, 3)
        assert np.abs(picture.astype(int) - expected.astype(int)).max() <= 2
    three = np.eye(3)[(grid[:, 0] > 0).astype(int) + (grid[:, 1] > 0)]
    assert np.array_equal(decode(output_picture_uri(three, "multiclass")), boundary.output_image(three, "multiclass"))
    with pytest.raises(ValueError, match="expected 10000 grid outputs"):
        output_picture_uri(np.zeros((50, 1)), "binary")


def test_points_are_dots_at_their_pixels_in_their_colours():
    svg = points_svg(np.array([[6.0, 6.0], [-6.0, -6.0], [0.0, 0.0]]), np.array([1, 0, 1]), "binary")
    rings, *fills = re.findall(r'<path d="([^"]*)" stroke="(#[0-9a-f]{6})" stroke-width="(\d+)"/>', svg)
    assert rings == ("M299 0h0M0 299h0M150 150h0", "#ffffff", "9")  # every ring first, white for training points
    assert fills == [("M299 0h0M150 150h0", "#0877bd", "7"), ("M0 299h0", "#f59322", "7")]
    assert '"#333333"' in points_svg(np.zeros((1, 2)), np.array([0]), "binary", test=True)
    assert points_svg(np.zeros((0, 2)), np.zeros(0), "binary") == ""


def snapshot_of(spec, probe=None, weights=None, history=(), status=Status.RUNNING, job_id="job"):
    return Snapshot(status=status, message="", epoch=max(len(history) - 1, 0), history=tuple(history),
                    metric=spec.metric, learning_rate=spec.learning_rate, epoch_limit=spec.epochs, weights=weights,
                    weights_epoch=0, probe=probe, probe_epoch=0, epochs_per_second=0.0, job_id=job_id)


def test_the_session_drawings_reuse_what_a_refresh_did_not_change():
    spec = RunSpec()
    dataset = load_data(spec).dataset
    sizes = [2, 4, 2, 1]
    drawings = LiveDrawings()
    first = snapshot_of(spec, probe_for(sizes), weights_for(sizes))
    options = {"show_test": False, "discretize": False, "pixels": 250}
    network, output = drawings.network_html(first, spec, dataset), drawings.output_html(first, spec, dataset, **options)
    assert 'aria-label="network diagram"' in network and network.count("<use ") == 6
    assert output.count("<img ") == 1 and 'class="pg-boundary"' in output and 'class="pg-points"' in output
    same = snapshot_of(spec, first.probe, first.weights)  # a refresh that found the same outputs
    assert drawings.network_html(same, spec, dataset) == network
    assert drawings.output_html(same, spec, dataset, **options) == output
    moved = snapshot_of(spec, probe_for(sizes, seed=2), weights_for(sizes, seed=2))
    assert drawings.network_html(moved, spec, dataset) != network
    assert drawings.output_html(moved, spec, dataset, **options) != output
    points = drawings.points_css(spec, dataset, show_test=False)
    assert points.startswith("<style>") and points is drawings.points_css(spec, dataset, show_test=False)
    shown = drawings.points_css(spec, dataset, show_test=True)
    svg = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", shown).group(1)).decode()
    assert svg.count('stroke="#333333"') == 1 and svg.count('stroke="#ffffff"') == 1  # the test points' rings
    untrained = drawings.output_html(snapshot_of(spec), spec, dataset, **options)
    assert "pg-boundary" in untrained and "<use " not in drawings.network_html(snapshot_of(spec), spec, dataset)


# ---- the loss curve ------------------------------------------------------------------------------------------
def history(length, metric="accuracy", start=0):
    rng = np.random.default_rng(start)
    return tuple({"epoch": epoch, "loss": 1 / (1 + epoch) + 0.01 * rng.random(), "test_loss": 1.2 / (1 + epoch),
                  metric: epoch / (epoch + 5), f"test_{metric}": epoch / (epoch + 6)} for epoch in range(length))


def test_history_columns_grow_with_the_new_epochs_and_start_over_for_another_run():
    records = history(50)
    columns = HistoryColumns("accuracy")
    for length in (0, 1, 7, 7, 30, 50):
        columns.update(records[:length])
        assert np.array_equal(columns.column("loss"), [record["loss"] for record in records[:length]])
    assert np.allclose(columns.column("test_loss", 0.6), smooth([r["test_loss"] for r in records], 0.6))
    other = history(20, start=1)
    columns.update(other)
    assert columns.length == 20 and np.array_equal(columns.column("loss"), [r["loss"] for r in other])
    assert np.allclose(columns.column("loss", 0.6), smooth([r["loss"] for r in other], 0.6))


def test_at_most_the_limit_of_points_and_always_the_last():
    assert list(shown_indices(5)) == [0, 1, 2, 3, 4]
    indices = shown_indices(1001, limit=200)
    assert len(indices) <= 202 and indices[-1] == 1000 and indices[0] == 0
    assert len(shown_indices(0)) == 0


def test_ticks_follow_plotly():
    # Measured from Plotly in Chromium for this chart: x over 168 pixels, y over 202.
    assert linear_ticks(0, 599, 168, 80)[0] == [0, 200, 400]
    assert linear_ticks(0, 10, 161, 80)[0] == [0, 5, 10]
    assert np.allclose(linear_ticks(0.0621, 0.829, 202, 40)[0], [0.2, 0.4, 0.6, 0.8])
    assert np.allclose(linear_ticks(0.6934, 0.7958, 202, 40)[0], [0.70, 0.72, 0.74, 0.76, 0.78])
    labels = [label for _, label in log_ticks(-1.0081, -0.0674, 202, 40) if label]
    assert labels == ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8"]
    assert [label for _, label in log_ticks(-6, 0, 202, 40)] == ["1e-06", "1e-05", "0.0001", "0.001", "0.01", "0.1",
                                                                 "1"]  # a tick per decade
    assert [label for _, label in log_ticks(-12, 0, 202, 40)] == ["1e-12", "1e-10", "1e-08", "1e-06", "0.0001",
                                                                  "0.01", "1"]


@pytest.mark.parametrize("metric, label", [("accuracy", "acc."), ("r2", "R²")])
def test_the_svg_curve_has_both_losses_the_metric_and_its_legend(metric, label):
    columns = HistoryColumns(metric)
    columns.update(history(600, metric))
    svg = curve_svg(columns)
    assert svg.startswith("<svg") and svg.endswith("</svg>") and 'data-points="600"' in svg
    assert svg.count("<svg") == 1 and svg.count("<g") == svg.count("</g>")
    lines = re.findall(r'<polyline points="([\d ]+)" stroke="(#[0-9a-f]{6})"', svg)
    assert [color for _, color in lines] == ["#333333", "#0877bd", "#333333", "#0877bd"]
    for points, _ in lines:  # at most a point per pixel of the plot, from its left to its right edge
        xs = [int(x) for x in points.split()[::2]]
        assert 2 <= len(xs) <= 200 and xs == sorted(xs) and xs[-1] - xs[0] > 250
    for name in ("train loss", "test loss", f"train {label}", f"test {label}"):
        assert f">{name}</text>" in svg
    assert ">epoch</text>" in svg and ">loss</text>" in svg
    assert (">100%</text>" in svg) == (metric == "accuracy")
    log = curve_svg(columns, log_scale=True, smoothing=0.9)
    assert log != svg and ">0.01</text>" in log


def test_the_svg_curve_of_an_empty_history_and_of_a_gap():
    columns = HistoryColumns("accuracy")
    empty = curve_svg(columns)
    assert "<polyline" not in empty and ">10</text>" in empty and ">1</text>" in empty  # epochs 0-10, loss 0-1
    records = list(history(10))
    records[4] = {**records[4], "test_loss": float("nan")}
    columns.update(tuple(records))
    lines = re.findall(r'<polyline points="([\d ]+)" stroke="#0877bd" stroke-width="4"', curve_svg(columns))
    assert [len(points.split()) // 2 for points in lines] == [4, 5]  # the NaN breaks the test loss line


def test_points_in_line_are_left_out_and_gaps_break_lines():
    xs = np.arange(100.0)
    flat, slope, bent = np.full(100, 50.0), 10 + xs / 2, np.where(xs < 50, 10.0, 60.0)
    gap = flat.copy()
    gap[40:42] = np.nan
    lines = polylines(xs, np.stack([flat, slope, bent, gap]))
    assert lines[0] == ["000 100 198 100"] and lines[1] == ["000 020 198 119"]  # half pixels, three digits
    assert len(lines[2][0].split()) == 8  # the ends and both sides of the step
    assert [len(run.split()) // 2 for run in lines[3]] == [2, 2]


def test_the_output_picture_of_a_regression_and_of_nan_outputs():
    grid = grid_points(100)
    values = np.tanh(grid[:, :1] / 3).astype(np.float32) * 1.5  # beyond [-1, 1] at the sides
    values[:100] = np.nan  # a diverged network's top row
    picture = decode(output_picture_uri(values, "regression"))
    expected = boundary.SCALE_PALETTE[boundary.scale_levels(boundary.output_values(values, "regression"))]
    assert np.abs(picture.reshape(-1, 3).astype(int) - expected.astype(int)).max() <= 2
    assert (picture[0] == boundary.SCALE_PALETTE[(boundary.PALETTE_LEVELS - 1) // 2]).all()  # NaN is grey
    signs = decode(output_picture_uri(values, "regression", discretize=True))
    assert {tuple(colour) for colour in signs.reshape(-1, 3)} == {tuple(boundary.SCALE_PALETTE[0]),
                                                                 tuple(boundary.SCALE_PALETTE[-1])}
