"""One session's live views as HTML, drawn from the successive snapshots of its run, reusing what a snapshot did
not change: the layout of the network, the points over the output view, the history already read, and any
drawing whose inputs are the very objects it was drawn from last time (a job publishes new weights, outputs
and history as new objects; a refresh that finds the same ones redraws nothing).

The page draws these 5 times a second per session while a run trains (``playground.ui.live``); bench/refresh.py
measures what a refresh costs.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from playground.data.planes import SlicePlane
from playground.data.points import Dataset
from playground.spec import RunSpec
from playground.training.snapshot import Snapshot
from playground.views.boundary import class_legend_html, to_colour_range, undecided_output
from playground.views.curve_svg import HistoryColumns, curve_svg
from playground.views.diagram_svg import escape
from playground.views.live_diagram import LiveDiagram
from playground.views.network_layout import layout_network, weights_fit
from playground.views.output_view import output_picture_uri, output_view_html, points_css, points_svg

GRID_CAPTION = "X₁ from −6 to 6 (left to right), X₂ from −6 to 6 (bottom to top)"
NETWORK_CAPTION = ("Hover a link for its weight, a node for its bias. Inside each hidden node: what that neuron "
                   "outputs over the plane (blue positive, orange negative).")
OUTPUT_ALT = "The model's output over the plane, with the data points"


def output_labels(dataset: Dataset) -> list[str]:
    if dataset.problem == "multiclass":
        names = getattr(dataset, "class_names", ())
        if len(names) == dataset.class_count:
            return list(names)  # the diagram shortens long ones
        return [f"class {index}" for index in range(dataset.class_count)]
    return ["ŷ"]


@functools.lru_cache(maxsize=64)
def live_diagram(layer_sizes: tuple[int, ...], activations: tuple[str, ...], input_labels: tuple[str, ...],
                 output_labels: tuple[str, ...]) -> LiveDiagram:
    """The diagram of one network shape, shared by every session drawing that shape (a class opening one link
    draws one)."""
    return LiveDiagram(layout_network(layer_sizes, activations, None, input_labels, output_labels))


def caption_html(text: str) -> str:
    return f'<p class="pg-caption">{escape(text)}</p>'


class _Last:
    """The last drawing and what it was drawn from: ``get`` gives it back while the inputs are the same objects
    (``is``) and equal keys, else None. Holding the inputs keeps their ids from being reused."""

    def __init__(self):
        self.inputs: tuple = ()
        self.key: tuple = ()
        self.value = None

    def get(self, inputs: tuple, key: tuple = ()):
        same = (len(inputs) == len(self.inputs) and key == self.key
                and all(new is old for new, old in zip(inputs, self.inputs, strict=True)))
        return self.value if same else None

    def put(self, inputs: tuple, key: tuple, value):
        self.inputs, self.key, self.value = inputs, key, value
        return value


class LiveDrawings:
    """The network, the output view and the loss curve of one session, as HTML strings."""

    def __init__(self):
        self.options = None  # the page's view options, set where their widgets are drawn (playground.ui.live)
        self._diagram, self._sprite = _Last(), _Last()
        self._picture, self._below, self._points = _Last(), _Last(), _Last()
        self._curve = _Last()
        self._columns: HistoryColumns | None = None
        self._columns_job = ""

    # ---- the network ------------------------------------------------------------------------------------------
    def network_html(self, snapshot: Snapshot, spec: RunSpec, dataset: Dataset) -> str:
        """The diagram, links weighted by the current weights, each hidden node showing its neuron, and its
        caption."""
        sizes = (dataset.input_count, *spec.layers, dataset.output_units)
        diagram = live_diagram(sizes, (*spec.activations, spec.output_activation), tuple(dataset.feature_names),
                               tuple(output_labels(dataset)))
        weights = snapshot.weights if weights_fit(sizes, snapshot.weights) else None
        probe = snapshot.probe if snapshot.probe is not None and len(snapshot.probe) == len(sizes) - 1 else None
        sprite = self._sprite.get((probe, diagram), tuple(spec.activations))
        if sprite is None and probe is not None:
            sprite = self._sprite.put((probe, diagram), tuple(spec.activations),
                                      diagram.sprite(probe[:-1], spec.activations) or "")
        svg = self._diagram.get((weights, diagram, sprite))
        if svg is None:
            svg = self._diagram.put((weights, diagram, sprite), (), diagram.svg(weights, sprite or None))
        return f'<div class="pg-network">{svg}{caption_html(NETWORK_CAPTION)}</div>'

    # ---- the output view --------------------------------------------------------------------------------------
    def output_html(self, snapshot: Snapshot, spec: RunSpec, dataset: Dataset, *, show_test: bool,
                    discretize: bool, pixels: int, plane: SlicePlane | None = None,
                    plane_points: tuple[np.ndarray, np.ndarray] | None = None, resolution: int = 100) -> str:
        """TensorFlow Playground's output view: the model's output over the plane, the data on top, a legend of
        the classes and a caption. Tables are drawn on ``plane``, their rows at ``plane_points`` (train, test)."""
        if not dataset.is_2d and plane is None:
            return f'<div class="pg-output">{caption_html("The output view needs at least two inputs.")}</div>'
        probe_fits = snapshot.probe is not None and len(snapshot.probe[-1]) == resolution ** 2
        probe = snapshot.probe if probe_fits else None
        picture = self._picture.get((probe, dataset, plane), (spec.problem, discretize))
        if picture is None:
            picture = self._picture.put((probe, dataset, plane), (spec.problem, discretize),
                                        self._picture_uri(probe, spec, dataset, discretize, resolution))
        below = self._below.get((dataset, plane), (spec.problem,))
        if below is None:
            below = self._below.put((dataset, plane), (spec.problem,), self._below_html(spec, dataset, plane))
        return output_view_html(picture, pixels=pixels, alt=OUTPUT_ALT, below=below)

    def points_css(self, spec: RunSpec, dataset: Dataset, *, show_test: bool, plane: SlicePlane | None = None,
                   plane_points: tuple[np.ndarray, np.ndarray] | None = None) -> str:
        """The style sheet drawing the data points over the output view (``output_view.points_css``); the page
        sends it where it draws the view options (it changes with them and the data only)."""
        if not dataset.is_2d and plane is None:
            return ""
        found = self._points.get((dataset, plane), (spec.problem, show_test))
        if found is None:
            found = self._points.put((dataset, plane), (spec.problem, show_test),
                                     self._points_css(spec, dataset, show_test, plane_points))
        return found

    @staticmethod
    def _picture_uri(probe: Sequence[np.ndarray] | None, spec: RunSpec, dataset: Dataset, discretize: bool,
                     resolution: int) -> str:
        if probe is None:
            output = undecided_output(spec.problem, dataset.output_units, resolution)
        else:
            output = probe[-1]
            if spec.problem == "regression" and not dataset.is_2d:  # the undecided (grey) output stays grey
                output = to_colour_range(output, dataset.labels_train())
        return output_picture_uri(output, spec.problem, discretize=discretize, resolution=resolution)

    @staticmethod
    def _colour_labels(spec: RunSpec, dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
        labels_train, labels_test = dataset.labels_train(), dataset.labels_test()
        if spec.problem == "regression" and not dataset.is_2d:
            return to_colour_range(labels_train, labels_train), to_colour_range(labels_test, labels_train)
        return labels_train, labels_test

    @classmethod
    def _points_css(cls, spec: RunSpec, dataset: Dataset, show_test: bool,
                    plane_points: tuple[np.ndarray, np.ndarray] | None) -> str:
        points_train, points_test = ((dataset.points_train, dataset.points_test) if dataset.is_2d
                                     else plane_points)
        labels_train, labels_test = cls._colour_labels(spec, dataset)
        layers = [points_svg(points_train, labels_train, spec.problem)]
        if show_test and points_test is not None and len(points_test):
            layers.append(points_svg(points_test, labels_test, spec.problem, test=True))
        return points_css(layers)

    @staticmethod
    def _below_html(spec: RunSpec, dataset: Dataset, plane: SlicePlane | None) -> str:
        """The legend of the classes and the caption under the picture: they change with the data only."""
        caption = GRID_CAPTION if dataset.is_2d else plane.caption()
        if spec.problem == "regression" and not dataset.is_2d:
            reference = dataset.labels_train()
            caption += (f" Colours: the target from {reference.min():.4g} (orange) to {reference.max():.4g} "
                        f"(blue).")
        legend = class_legend_html(dataset.class_labels) if spec.problem == "multiclass" else ""
        return legend + caption_html(caption)

    # ---- the loss curve ---------------------------------------------------------------------------------------
    def curve_html(self, snapshot: Snapshot, *, log_scale: bool, smoothing: float, width: int,
                   height: int) -> str:
        """The loss curve as inline SVG (``curve_svg``): for a run training; paused runs get Plotly's chart."""
        if self._columns is None or self._columns_job != snapshot.job_id or self._columns.metric != snapshot.metric:
            self._columns, self._columns_job = HistoryColumns(snapshot.metric), snapshot.job_id
        history = snapshot.history
        last = history[-1] if history else None
        svg = self._curve.get((last,), (len(history), log_scale, smoothing, width, height))
        if svg is None:
            self._columns.update(history)
            svg = self._curve.put((last,), (len(history), log_scale, smoothing, width, height),
                                  curve_svg(self._columns, log_scale=log_scale, smoothing=smoothing, width=width,
                                            height=height))
        return f'<div class="pg-curve" style="width:{width}px;height:{height}px">{svg}</div>'
