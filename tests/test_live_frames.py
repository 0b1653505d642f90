"""The live views drawn in the browser, their data: the scene (static, per page run) and the frames (what changed
since a connection's last message). Fast, no browser: frames are deltas, a full one on an empty cursor or a new
scene or job, nothing when nothing changed (and cheap then); every number the views show decodes to what the
Python drawings colour or print."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import math
import pickle
import shutil
import subprocess
import timeit

import numpy as np
import pytest
from PIL import Image

from playground.data.points import grid_points
from playground.data.sources import load_data
from playground.spec import RunSpec
from playground.training.snapshot import Snapshot, Status
from playground.views import boundary
from playground.views.live_encoding import encode, output_levels
from playground.views.live_frames import LiveFrames, status_block
from playground.views.live_scene import (
    PAGE_SIZES,
    PRESENTING_SIZES,
    THUMBNAIL_CELLS,
    build_scene,
    hidden_nodes,
    layout_of,
)
from playground.views.network_layout import layout_network
from playground.views.output_view import output_picture_uri


def weights_for(sizes, seed=0):
    rng = np.random.default_rng(seed)
    weights = []
    for units_in, units_out in zip(sizes[:-1], sizes[1:], strict=True):
        weights += [rng.normal(size=(units_in, units_out)).astype(np.float32),
                    rng.normal(size=units_out).astype(np.float32)]
    return tuple(weights)


def probe_for(sizes, seed=0, last=None):
    grid = grid_points(100)
    rng = np.random.default_rng(seed)
    layers, values = [], grid
    for units in sizes[1:]:
        values = np.tanh(values @ rng.normal(size=(values.shape[1], units)) * 0.5)
        layers.append(values.astype(np.float32))
    if last is not None:
        layers[-1] = last(layers[-1])
    return tuple(layers)


def record(epoch, metric="accuracy", loss=None):
    loss = 1.0 / (epoch + 1) if loss is None else loss
    return {"epoch": epoch, "loss": loss, "test_loss": loss * 1.1, metric: 0.5 + epoch / 200,
            f"test_{metric}": 0.5 + epoch / 250, "learning_rate": 0.03}


def snapshot_of(history=(), weights=None, probe=None, status=Status.RUNNING, job_id="job", metric="accuracy",
                **extra):
    history = tuple(history)
    return Snapshot(status=status, message=extra.pop("message", ""), epoch=max(len(history) - 1, 0),
                    history=history, metric=metric, learning_rate=0.03, epoch_limit=1000, weights=weights,
                    weights_epoch=max(len(history) - 1, 0), probe=probe,
                    probe_epoch=extra.pop("probe_epoch", max(len(history) - 1, 0)),
                    epochs_per_second=extra.pop("epochs_per_second", 0.0), job_id=job_id, **extra)


class Source:
    """A job's snapshots as the page hands them to the frames: whatever is current."""

    def __init__(self, snapshot):
        self.snapshot = snapshot

    def __call__(self):
        return self.snapshot


def setup(query="", training=True, **options):
    spec = RunSpec.from_query(query).spec
    dataset = load_data(spec).dataset
    scene = build_scene(spec, dataset, training=training, **options)
    sizes = (dataset.input_count, *spec.layers, dataset.output_units)
    frames = LiveFrames()
    source = Source(snapshot_of())
    frames.set_context(source, spec, dataset, scene, training=training)
    return spec, dataset, scene, sizes, frames, source


def decode(text, dtype):
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def history_of(message):
    """The history records a message carries (None for NaN): a full message's float32 columns, or the new
    records' in the others."""
    columns = message.get("history_columns") or message.get("history_added")
    if not columns:
        return []
    data = decode(columns["data"], "<f4").reshape(5, columns["length"])
    return [[None if np.isnan(value) else float(value) for value in row] for row in data.T]


def png_pixels(uri):
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))


def palette_of(scene):
    return decode(scene["output"]["palette"], np.uint8).reshape(-1, 3)


# ---- deltas ------------------------------------------------------------------------------------------------------
def test_an_empty_cursor_gets_a_full_message_then_nothing_until_something_changes():
    _, _, scene, sizes, frames, source = setup()
    source.snapshot = snapshot_of([record(0), record(1)], weights_for(sizes), probe_for(sizes))
    cursor = {}
    message = frames.next_message(cursor)
    assert message["full"] and message["reset_history"]
    assert message["scene_id"] == scene["scene_id"] and message["job_id"] == "job"
    assert [row[0] for row in history_of(message)] == [0, 1]
    assert history_of(message)[1][1:3] == pytest.approx([1 / 2, 1.1 / 2])
    assert {"status", "weights", "grids"} <= set(message)
    json.dumps(message, allow_nan=False)  # no NaN
    assert json.loads(encode(message)) == json.loads(json.dumps(message))  # the channel's encoding
    assert frames.next_message(cursor) is None
    assert frames.next_message({})["full"]  # another connection starts from scratch


def test_new_epochs_come_as_appended_records_and_new_arrays_only_when_their_objects_change():
    _, _, _, sizes, frames, source = setup()
    weights, probe = weights_for(sizes), probe_for(sizes)
    source.snapshot = snapshot_of([record(0), record(1)], weights, probe)
    cursor = {}
    frames.next_message(cursor)
    source.snapshot = snapshot_of([record(0), record(1), record(2), record(3)], weights, probe)
    message = frames.next_message(cursor)
    assert "full" not in message and "reset_history" not in message
    assert [row[0] for row in history_of(message)] == [2, 3] and "history_columns" not in message
    assert "weights" not in message and "grids" not in message  # the same objects: nothing to send
    assert message["status"]["epoch"] == "3"
    new_weights = weights_for(sizes, seed=1)
    source.snapshot = snapshot_of([record(epoch) for epoch in range(4)], new_weights, probe)
    message = frames.next_message(cursor)
    assert set(message) == {"weights", "scene_id", "job_id"}


def test_a_new_scene_or_a_new_job_sends_everything_again():
    spec, dataset, scene, sizes, frames, source = setup()
    source.snapshot = snapshot_of([record(0), record(1)], weights_for(sizes), probe_for(sizes))
    cursor = {}
    frames.next_message(cursor)
    other = build_scene(spec, dataset, training=True, discretize=True)
    assert other["scene_id"] != scene["scene_id"]
    frames.set_context(source, spec, dataset, other, training=True)
    message = frames.next_message(cursor)
    assert message["full"] and message["scene_id"] == other["scene_id"] and len(history_of(message)) == 2
    source.snapshot = snapshot_of([record(0)], job_id="next")  # Reset: another job, epoch 0
    message = frames.next_message(cursor)
    assert message["full"] and message["reset_history"] and message["job_id"] == "next"
    assert message["weights"]["links"] is None and message["status"]["epoch"] == "0"


def test_a_history_that_is_not_the_one_sent_starts_over():
    _, _, _, _, frames, source = setup()
    source.snapshot = snapshot_of([record(0), record(1), record(2)])
    cursor = {}
    frames.next_message(cursor)
    source.snapshot = snapshot_of([record(0), record(5)])  # shorter: not a continuation
    message = frames.next_message(cursor)
    assert message["reset_history"] and [row[0] for row in history_of(message)] == [0, 5]


def test_new_records_come_from_the_columns_a_worker_made_when_the_history_has_them():
    from playground.training.snapshot import History
    from playground.views.live_encoding import history_columns

    _, _, _, _, frames, source = setup()
    records = [record(epoch) for epoch in range(5)]
    records[3]["loss"] = float("nan")
    source.snapshot = snapshot_of(records[:2])
    cursor = {}
    frames.next_message(cursor)
    source.snapshot = snapshot_of(records)
    packed = frames.next_message(dict(cursor))["history_added"]
    columns = history_columns(records, "accuracy") * 2  # not the records' numbers: these must be what is sent
    source.snapshot = dataclasses.replace(snapshot_of(records), history=History(records, columns))
    sent = frames.next_message(cursor)["history_added"]
    assert sent["length"] == packed["length"] == 3
    np.testing.assert_array_equal(decode(sent["data"], "<f4").reshape(5, 3), columns[:, 2:])
    np.testing.assert_array_equal(decode(packed["data"], "<f4").reshape(5, 3), columns[:, 2:] / 2)


def test_a_nan_loss_travels_as_null():
    _, _, _, _, frames, source = setup()
    source.snapshot = snapshot_of([record(0)])
    cursor = {}
    assert history_of(frames.next_message(cursor))[0][1] == 1.0
    source.snapshot = snapshot_of([record(0), record(1, loss=float("nan"))])
    message = frames.next_message(cursor)  # the new record's columns: NaN, which decodes to None here
    assert history_of(message) == [[1, None, None, pytest.approx(0.505), pytest.approx(0.504)]]
    json.loads(encode(message))
    assert history_of(frames.next_message({}))[1][1] is None  # all the columns


def test_a_message_that_finds_nothing_new_is_cheap():
    _, _, _, sizes, frames, source = setup()
    source.snapshot = snapshot_of([record(epoch) for epoch in range(500)], weights_for(sizes), probe_for(sizes))
    cursor = {}
    frames.next_message(cursor)
    seconds = min(timeit.repeat(lambda: frames.next_message(cursor), number=200, repeat=3)) / 200
    assert seconds < 200e-6, f"{seconds * 1e6:.0f} µs per unchanged message"


def test_the_run_leaving_the_training_state_is_flagged_once_its_outputs_caught_up():
    _, _, _, sizes, frames, source = setup(training=True)
    history = [record(0), record(1), record(2)]
    source.snapshot = snapshot_of(history, status=Status.PAUSED, probe_epoch=1)
    cursor = {}
    assert "ended" not in frames.next_message(cursor)["status"]  # the last epoch's outputs are on their way
    source.snapshot = snapshot_of(history, status=Status.PAUSED, job_id="job", probe=probe_for(sizes))
    message = frames.next_message(cursor)
    assert message["status"]["ended"] == "job:2" and message["status"]["line"] == "Paused."


def test_the_status_texts_are_ready_to_show():
    status = status_block(snapshot_of([record(epoch) for epoch in range(1235)], epochs_per_second=512.4))
    assert status["epoch"] == "1,234" and status["line"] == "Training… 512 epochs/s"
    assert status["metrics"][0] == ["Train loss", f"{1 / 1235:.4f}"]
    assert status["metrics"][2][0] == "Test accuracy" and status["metrics"][2][1].endswith("%")
    diverged = status_block(snapshot_of([record(0)], status=Status.DIVERGED, message="the loss became NaN"))
    assert diverged["line"] == "" and diverged["alert"] == ["error", "Diverged. The loss became NaN."]
    bouncing = status_block(snapshot_of([record(0)], warning="The learning rate 10 is probably too high."))
    assert bouncing["alert"] == ["warning", "The learning rate 10 is probably too high."]


# ---- every number shown decodes to what the Python drawings show -------------------------------------------------
# A layer of 12 draws 10 of them: some links are not drawn; the deeper network's indices cross four kernels.
@pytest.mark.parametrize("query", ["layers=3,12", "layers=12,9,11&features=x1,x2,x1sq,sinx1"])
def test_the_links_weights_and_the_nodes_biases_decode_in_layout_order(query):
    spec, dataset, scene, sizes, frames, source = setup(query)
    weights = weights_for(sizes)
    source.snapshot = snapshot_of([record(0)], weights)
    message = frames.next_message({})
    links = decode(message["weights"]["links"], "<f4")
    biases = decode(message["weights"]["biases"], "<f4")
    layout = layout_network(sizes, (*spec.activations, spec.output_activation), weights,
                            tuple(dataset.feature_names), ("ŷ",))
    assert len(links) == len(layout.links) == len(scene["network"]["links"])
    assert len(links) < sum(kernel.size for kernel in weights[::2])  # not every link is drawn
    np.testing.assert_array_equal(links, [link.weight for link in layout.links])
    expected = [np.nan if node.bias is None else node.bias for node in layout.nodes]
    np.testing.assert_array_equal(biases, np.array(expected, dtype=np.float32))
    # The tooltips start as the SVG diagram's do.
    assert scene["network"]["links"][0][4] == f"{layout.links[0].source.name} → {layout.links[0].target.name}: "
    assert scene["network"]["nodes"][sizes[0]][3] == "hidden_1[0]"


@pytest.mark.parametrize("query, discretize", [("", False), ("", True), ("problem=regression&dataset=plane", False),
                                               ("problem=regression&dataset=plane", True)])
def test_the_output_levels_are_the_output_pictures_pixels(query, discretize):
    spec, dataset, scene, sizes, frames, source = setup(query, discretize=discretize)
    squash = (lambda values: (values + 1) / 2) if spec.problem == "binary" else (lambda values: values * 1.5)
    probe = probe_for(sizes, last=squash)
    source.snapshot = snapshot_of([record(0, metric=spec.metric)], probe=probe, metric=spec.metric)
    levels = decode(frames.next_message({})["grids"]["output"], np.uint8)
    colours = palette_of(scene)[levels].reshape(100, 100, 3)
    expected = png_pixels(output_picture_uri(probe[-1], spec.problem, discretize=discretize))
    np.testing.assert_array_equal(colours, expected)


def test_before_any_output_the_view_is_grey():
    _, _, scene, _, frames, _ = setup()
    levels = decode(frames.next_message({})["grids"]["output"], np.uint8)
    grey = boundary.hex_to_rgb("#e8eaeb").astype(int).tolist()
    assert np.unique(palette_of(scene)[levels], axis=0).tolist() == [grey]


def test_a_table_regression_is_drawn_on_its_targets_range():
    spec, dataset, scene, sizes, frames, source = setup("dataset=diabetes&layers=4")
    plane_frames = LiveFrames()
    from playground.data.planes import pca_plane

    plane = pca_plane(dataset)
    scene = build_scene(spec, dataset, plane=plane, plane_points=(plane.to_domain(dataset.x_train),
                                                                  plane.to_domain(dataset.x_test)))
    plane_frames.set_context(source, spec, dataset, scene, plane=plane)
    probe = probe_for(sizes, last=lambda values: values * 150 + 150)
    source.snapshot = snapshot_of([record(0, metric="r2")], probe=probe, metric="r2")
    levels = decode(plane_frames.next_message({})["grids"]["output"], np.uint8)
    ranged = boundary.to_colour_range(probe[-1], dataset.labels_train())
    np.testing.assert_array_equal(palette_of(scene)[levels].reshape(100, 100, 3),
                                  png_pixels(output_picture_uri(ranged, "regression")))
    assert "Colours: the target from" in scene["output"]["caption"]


def test_classes_decode_to_their_blended_colours():
    spec, dataset, scene, sizes, frames, source = setup("dataset=iris&layers=4")
    from playground.data.planes import pca_plane

    plane = pca_plane(dataset)
    scene = build_scene(spec, dataset, plane=plane, plane_points=(plane.to_domain(dataset.x_train),
                                                                  plane.to_domain(dataset.x_test)))
    frames.set_context(source, spec, dataset, scene, plane=plane)
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(10_000, dataset.output_units)) * 2
    probabilities = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype(np.float32)
    probe = (*probe_for(sizes)[:-1], probabilities)
    source.snapshot = snapshot_of([record(0)], probe=probe)
    packed = decode(frames.next_message({})["grids"]["output"], np.uint8)
    winners, confidence = packed[:10_000], packed[10_000:] / 255
    palette, neutral = palette_of(scene), np.array(scene["output"]["neutral"])
    colours = np.rint(neutral + (palette[winners] - neutral) * confidence[:, None])
    expected = boundary.class_colors(probabilities)
    assert np.abs(colours - expected).max() <= 1
    assert [name for name, _ in scene["output"]["legend"]] == list(dataset.class_labels)


# The last: the layers scaled per neuron are apart, the second after one that is not.
@pytest.mark.parametrize("layers, activation", [("4,2", "tanh"), ("4,2", "relu"), ("4,3,2", "relu,tanh,relu")])
def test_each_hidden_neurons_levels_are_its_heatmaps_colours(layers, activation):
    spec, dataset, scene, sizes, frames, source = setup(f"layers={layers}&activation={activation}")
    probe = probe_for(sizes)
    if activation == "relu":
        probe = (*(np.maximum(layer * 3, 0) for layer in probe[:-1]), probe[-1])
    source.snapshot = snapshot_of([record(0)], probe=probe)
    levels = decode(frames.next_message({})["grids"]["neurons"], np.uint8)
    cells = THUMBNAIL_CELLS
    scale = decode(scene["network"]["palette"], np.uint8).reshape(-1, 3)  # the neurons' scale, whatever the problem
    np.testing.assert_array_equal(scale, boundary.SCALE_PALETTE)
    tiles = scale[levels].reshape(-1, cells, cells, 3).astype(int)
    images = boundary.neuron_images(probe[:-1], spec.activations, size=cells)
    expected = [images[node.layer - 1][node.unit] for node in hidden_nodes(layout_of(spec, dataset))]
    assert len(tiles) == len(expected) == sum(spec.layers)
    # The palette has 255 levels and colorize's table 257: within one step of the scale.
    assert np.abs(tiles - np.array(expected, dtype=int)).max() <= 3
    # A worker sends the hidden layers at the thumbnails' cells only (boundary.thumbnail_rows): the same levels.
    source.snapshot = snapshot_of([record(0)], probe=(*map(boundary.thumbnail_rows, probe[:-1]), probe[-1]))
    np.testing.assert_array_equal(decode(frames.next_message({})["grids"]["neurons"], np.uint8), levels)


# A training worker encodes its job's weights and probes for the live channel (worker_process.changes): the page
# sends the worker's encodings, and they are what it would make itself from what the web process gets (weights
# and the probe in half precision, the hidden layers at the thumbnails' cells, unpickled).
@pytest.mark.parametrize("query", ["layers=4,2", "layers=4,3,2&activation=relu,tanh,linear",
                                   "problem=regression&dataset=plane&layers=3&activation=relu", "dataset=iris&layers=5"])
def test_the_encodings_a_worker_makes_are_those_made_here(query):
    from playground.training.worker_process import changes
    from playground.views.live_encoding import drawn_parts

    spec, dataset, scene, sizes, frames, source = setup(query)
    if not dataset.is_2d:
        from playground.data.planes import pca_plane

        plane = pca_plane(dataset)
        scene = build_scene(spec, dataset, plane=plane, plane_points=(plane.to_domain(dataset.x_train),
                                                                      plane.to_domain(dataset.x_test)))
        frames.set_context(source, spec, dataset, scene, plane=plane)
    probe = probe_for(sizes, last=lambda values: values * 3)
    if spec.problem == "multiclass":
        probe = (*probe[:-1], np.exp(probe[-1]) / np.exp(probe[-1]).sum(axis=1, keepdims=True))
    probe = (*(np.maximum(layer * 3, -0.5) for layer in probe[:-1]), probe[-1])  # unbounded, some neurons dead
    worker_snapshot = snapshot_of([record(0)], weights=weights_for(sizes), probe=probe)
    update = pickle.loads(pickle.dumps(changes(worker_snapshot, {}, spec, drawn_parts(spec, dataset))))
    assert update["weights_encoded"][0] == update["grids_encoded"][0] == frames.context.parts.key
    received = {"weights": update["weights"], "probe": update["probe"]}  # as RemoteJob keeps them
    source.snapshot = snapshot_of([record(0)], **received)
    made_here = frames.next_message({})
    source.snapshot = snapshot_of([record(0)], **received, weights_encoded=update["weights_encoded"],
                                  grids_encoded=update["grids_encoded"])
    sent = frames.next_message({})
    assert sent["weights"] is update["weights_encoded"][1] and sent["grids"] is update["grids_encoded"][1]
    for part in ("weights", "grids"):
        assert sent[part] == made_here[part] and sent[part].json == made_here[part].json
    assert sent["grids"]["neurons"] is not None and sent["weights"]["links"] is not None
    assert encode(sent) == encode(made_here)
    # And what the page makes of the run's own numbers (single precision, the hidden layers on the whole grid):
    # the same weights, and grids within the half precision's rounding (a palette level or two).
    source.snapshot = worker_snapshot
    own = frames.next_message({})
    assert sent["weights"] == own["weights"]
    for part in ("output", "neurons"):
        difference = decode(sent["grids"][part], np.uint8).astype(int) - decode(own["grids"][part], np.uint8)
        assert np.abs(difference).max() <= 2


def test_a_page_that_draws_otherwise_makes_its_own_encodings():
    from playground.training.worker_process import changes
    from playground.views.live_encoding import drawn_parts

    spec, dataset, scene, sizes, frames, source = setup("layers=4,2")
    update = changes(snapshot_of([record(0)], weights=weights_for(sizes), probe=probe_for(sizes)), {}, spec,
                     drawn_parts(spec, dataset))
    source.snapshot = snapshot_of([record(0)], weights=update["weights"], probe=update["probe"],
                                  weights_encoded=update["weights_encoded"], grids_encoded=update["grids_encoded"])
    frames.set_context(source, spec, dataset, build_scene(spec, dataset, discretize=True))
    discretized = frames.next_message({})
    assert discretized["weights"] is update["weights_encoded"][1]  # the same links whatever the grids show
    assert discretized["grids"] is not update["grids_encoded"][1]
    assert set(np.unique(decode(discretized["grids"]["output"], np.uint8))) <= {0, boundary.PALETTE_LEVELS - 1}
    # Another network (a page run of a new spec before its job has published): nothing of the worker's.
    other_spec, other_dataset, other_scene, *_ = setup("layers=3,2")
    frames.set_context(source, other_spec, other_dataset, other_scene)
    assert frames.context.parts.key != update["weights_encoded"][0]
    other = frames.next_message({})
    assert other["weights"]["links"] is None and other["grids"] is not update["grids_encoded"][1]


def test_output_levels_for_classes_discretized_are_full_colours():
    probabilities = np.array([[0.2, 0.5, 0.3], [0.34, 0.33, 0.33]], dtype=np.float32)
    packed = output_levels(probabilities, "multiclass", discretize=True)
    assert packed.tolist() == [1, 0, 255, 255]


# ---- the scene ---------------------------------------------------------------------------------------------------
def test_the_scene_is_json_and_its_id_follows_what_it_shows():
    spec, dataset, scene, *_ = setup()
    json.dumps(scene, allow_nan=False)
    assert build_scene(spec, dataset, training=True)["scene_id"] == scene["scene_id"]
    for change in ({"show_test": True}, {"log_scale": True}, {"smoothing": 0.5}, {"presenting": True},
                   {"training": False}):
        assert build_scene(spec, dataset, **{"training": True, **change})["scene_id"] != scene["scene_id"]
    with_test = build_scene(spec, dataset, show_test=True)
    assert with_test["output"]["points"].count("<path") > scene["output"]["points"].count("<path")


def test_hidden_neurons_are_at_least_40_pixels_across_and_bigger_when_presenting():
    spec, dataset, scene, *_ = setup()
    network = scene["network"]
    assert 2 * network["radius"] >= 40 and 2 * PRESENTING_SIZES.radius > 2 * PAGE_SIZES.radius
    kinds = [node[2] for node in network["nodes"]]
    assert kinds.count(1) == 6 and sum(1 for node in network["nodes"] if node[7] >= 0) == 6
    xs = [node[0] for node in network["nodes"]]
    assert min(xs) - network["radius"] > 0 and max(xs) + network["radius"] < network["width"]
    assert not network["wide"]  # the default network fits its column beside the other views
    deep = build_scene(RunSpec.from_query("layers=8,8,8,8,8,8").spec, dataset)
    assert deep["network"]["wide"]


def test_an_editable_scene_carries_the_units_of_each_hidden_layer():
    spec, dataset, scene, *_ = setup("layers=4,2")
    assert scene["network"]["edit"] is None
    editable = build_scene(spec, dataset, editable=True)["network"]["edit"]
    assert editable["units"] == [4, 2] and editable["max_layers"] == 8


def test_a_long_history_travels_as_compact_columns_encoded_once():
    _, _, _, _, frames, source = setup()
    source.snapshot = snapshot_of([record(epoch) for epoch in range(100_000)])
    first = frames.next_message({})
    assert len(json.dumps(first)) < 100_000 * 5 * 4 * 1.4  # 20 bytes an epoch, in base64
    assert frames.next_message({})["history_columns"] is first["history_columns"]  # encoded once
    source.snapshot = snapshot_of([record(epoch) for epoch in range(100_001)])
    grown = history_of(frames.next_message({}))
    assert len(grown) == 100_001 and grown[-1][0] == 100_000


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run the component's script")
def test_the_components_curve_arithmetic_is_curve_svgs(tmp_path):
    """The component's script (curve.js) draws the loss curve as curve_svg does: the same smoothing (grown as
    frames arrive), padded ranges (linear and log) and ticks."""
    from playground.ui.live_component import script
    from playground.views.curve_svg import HistoryColumns, _range, linear_ticks, log_ticks, tick_label

    (tmp_path / "live.mjs").write_text(script() + "\nexport {curveSeries, rangeOf, logTicks, linearTicks, tickLabel};\n")
    rng = np.random.default_rng(0)
    history = [{"epoch": epoch, "loss": float(1 / (epoch + 1) + rng.random() * 0.05), "test_loss": 1.2 / (epoch + 1),
                "accuracy": min(1.0, epoch / 50), "test_accuracy": math.nan if epoch == 7 else 0.9}
               for epoch in range(300)]
    rows = [[record[key] for key in ("epoch", "loss", "test_loss", "accuracy", "test_accuracy")] for record in history]
    (tmp_path / "check.mjs").write_text(f"""
import {{curveSeries, rangeOf, logTicks, linearTicks, tickLabel}} from './live.mjs';
const rows = {json.dumps(rows).replace("NaN", "null")};
const out = {{}};
for (const smoothing of [0, 0.9]) {{
  const state = {{scene: {{curve: {{smoothing}}}}, cols: [[], [], [], [], []], curveCache: null}};
  const add = part => part.forEach(row => row.forEach((value, column) => state.cols[column].push(value ?? NaN)));
  add(rows.slice(0, 120)); curveSeries(state); add(rows.slice(120));
  const cache = curveSeries(state);
  out[smoothing] = {{linear: rangeOf(cache.ext.slice(0, 2), false), log: rangeOf(cache.ext.slice(0, 2), true),
                    last: cache.series.map(series => series[series.length - 1])}};
}}
out.log = [logTicks(-2.3, 0.1, 180, 40), logTicks(-0.9, -0.3, 180, 40)];
const [ticks, step] = linearTicks(0, 0.83, 180, 40);
out.linear = ticks.map(tick => tickLabel(tick, step));
console.log(JSON.stringify(out));
""")
    found = json.loads(subprocess.run(["node", str(tmp_path / "check.mjs")], capture_output=True, text=True,
                                      check=True, timeout=60).stdout)
    columns = HistoryColumns("accuracy")
    columns.update(history)
    for smoothing in (0, 0.9):
        data = columns.rows(["loss", "test_loss", "accuracy", "test_accuracy"], smoothing)
        with np.errstate(divide="ignore", invalid="ignore"):
            log = np.log10(np.where(data[:2] > 0, data[:2], np.nan))
        expected = found[str(smoothing)]
        np.testing.assert_allclose(expected["linear"], _range(data[:2]), rtol=1e-12)
        np.testing.assert_allclose(expected["log"], _range(log), rtol=1e-12)
        np.testing.assert_allclose(expected["last"], data[:, -1], rtol=1e-12)
    assert found["log"] == [[list(tick) for tick in log_ticks(-2.3, 0.1, 180, 40)],
                            [list(tick) for tick in log_ticks(-0.9, -0.3, 180, 40)]]
    ticks, step = linear_ticks(0, 0.83, 180, 40)
    assert found["linear"] == [tick_label(tick, step) for tick in ticks]


def test_the_load_note_is_asked_for_at_most_once_a_second_and_only_while_running():
    spec, dataset, scene, _, frames, source = setup()
    asked = []
    frames.set_context(source, spec, dataset, scene, training=True,
                       note_source=lambda snapshot: asked.append(1) or "3 runs are training on this server.")
    source.snapshot = snapshot_of([record(0)], epochs_per_second=100.0)
    cursor = {}
    assert frames.next_message(cursor)["status"]["note"] == "3 runs are training on this server."
    for epoch in range(1, 20):
        source.snapshot = snapshot_of([record(index) for index in range(epoch + 1)])
        frames.next_message(cursor)
    assert len(asked) == 1
    source.snapshot = snapshot_of([record(0)], status=Status.PAUSED)
    assert frames.next_message(cursor)["status"]["note"] == "" and len(asked) == 1


def test_watchers_hear_of_the_contexts_job_and_of_new_contexts():
    """The live channel waits for news instead of polling: a watcher is called when the context's job changes
    (any change of its state: ``JobApi.add_listener``) and when the page sets another context, and follows the
    context from one job to the next."""
    from playground.training.job import TrainingJob

    spec, dataset, scene, _, frames, source = setup("seed=2")
    first, second = TrainingJob(spec, dataset), TrainingJob(spec, dataset)
    frames.set_context(source, spec, dataset, scene, training=True, changes=first)
    heard = []
    frames.watch(lambda: heard.append("news"))
    with first._condition:
        first._condition.notify_all()  # what every change of a job's state does
    assert heard == ["news"]
    frames.set_context(source, spec, dataset, scene, training=False, changes=second)
    assert heard == ["news"] * 2  # a new context
    with first._condition:
        first._condition.notify_all()
    assert heard == ["news"] * 2  # the old job is not watched any more
    second.step()  # a real run: its thread's changes reach the watcher
    assert second.wait_until(lambda snapshot: snapshot.status == Status.PAUSED and snapshot.epoch == 1, 60)
    assert len(heard) > 2
    frames.unwatch(frames._watchers[0])
    assert frames._watchers == () and second._condition.listeners == ()
    second.close()


class StagedJob:
    """A job's listeners and its staged state (``RemoteJob.staged_snapshot``), as the frames read them."""

    def __init__(self):
        self.staged = None

    def add_listener(self, listener):
        pass

    def remove_listener(self, listener):
        pass

    def staged_snapshot(self):
        return self.staged


def test_a_staged_state_between_the_cursor_and_the_current_one_goes_first_as_a_frame_of_its_own():
    """A worker sends two ticks' states in one batch; the message carries the earlier one as a frame of its own
    (``earlier``), with what is new up to it, and the rest after it: the page draws both."""
    spec, dataset, scene, sizes, frames, source = setup()
    job = StagedJob()
    frames.set_context(source, spec, dataset, scene, training=True, changes=job)
    weights, probe = weights_for(sizes), probe_for(sizes)
    source.snapshot = snapshot_of([record(0), record(1)], weights, probe)
    cursor = {}
    assert "earlier" not in frames.next_message(cursor)  # a full message: nothing before it
    staged_weights, new_probe = weights_for(sizes, seed=1), probe_for(sizes, seed=1)
    job.staged = snapshot_of([record(epoch) for epoch in range(4)], staged_weights, probe)
    source.snapshot = snapshot_of([record(epoch) for epoch in range(6)], staged_weights, new_probe)
    message = json.loads(encode(frames.next_message(cursor)))
    (earlier,) = message["earlier"]
    assert [row[0] for row in history_of(earlier)] == [2, 3] and earlier["status"]["epoch"] == "3"
    assert "weights" in earlier and "grids" not in earlier and earlier["scene_id"] == scene["scene_id"]
    assert [row[0] for row in history_of(message)] == [4, 5] and message["status"]["epoch"] == "5"
    assert "grids" in message and "weights" not in message  # the weights came with the earlier frame
    # Sent once; a cursor already past it, or a staged state of no new epoch, gets none.
    source.snapshot = snapshot_of([record(epoch) for epoch in range(8)], staged_weights, new_probe)
    assert "earlier" not in frames.next_message(cursor)
    job.staged = snapshot_of([record(epoch) for epoch in range(7)], staged_weights, new_probe)
    source.snapshot = snapshot_of([record(epoch) for epoch in range(9)], staged_weights, new_probe)
    assert "earlier" not in frames.next_message(cursor)
    assert "earlier" not in frames.next_message({})  # a full message: the whole history at once


def test_a_run_that_paused_after_its_staged_state_shows_training_then_paused_and_a_new_scene_gets_it_all():
    spec, dataset, scene, sizes, frames, source = setup()
    job = StagedJob()
    frames.set_context(source, spec, dataset, scene, training=True, changes=job)
    source.snapshot = snapshot_of([record(0), record(1)])
    cursor = {}
    frames.next_message(cursor)
    job.staged = snapshot_of([record(epoch) for epoch in range(3)])
    source.snapshot = snapshot_of([record(epoch) for epoch in range(4)], status=Status.PAUSED)
    message = frames.next_message(cursor)
    (earlier,) = message["earlier"]
    assert earlier["status"]["training"] and earlier["status"]["line"].startswith("Training")
    assert not message["status"]["training"] and message["status"]["line"] == "Paused."
    assert message["status"]["ended"] and "ended" not in earlier["status"]
    # A page run with another scene: one full message, no earlier frame (the cursor is of the old scene).
    other = build_scene(spec, dataset, training=True, discretize=True)
    frames.set_context(source, spec, dataset, other, training=True, changes=job)
    job.staged = snapshot_of([record(epoch) for epoch in range(5)])
    source.snapshot = snapshot_of([record(epoch) for epoch in range(6)])
    message = frames.next_message(cursor)
    assert message["full"] and "earlier" not in message and len(history_of(message)) == 6
