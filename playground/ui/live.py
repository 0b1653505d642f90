"""The Playground page's live views, drawn from one snapshot: status line, network, decision boundary, neuron
heatmaps and loss curve. Each function only reads a snapshot and calls the library's figure builders.
"""

from __future__ import annotations

import base64
import io
from html import escape

import numpy as np
import streamlit as st
from PIL import Image

from playground.controller import GRID_RESOLUTION, PCA, PlaygroundController
from playground.data.planes import SlicePlane
from playground.data.points import Dataset
from playground.spec import RunSpec
from playground.training.job import Snapshot, Status
from playground.views.boundary import (
    boundary_picture,
    class_legend_html,
    neuron_images,
    to_colour_range,
    undecided_output,
)
from playground.views.curves import METRIC_LABELS, loss_figure
from playground.views.diagram_svg import diagram_svg
from playground.views.network_layout import layout_for_spec, weights_fit

# The output picture and the loss chart have fixed sizes in CSS pixels: nothing around them moves when they are
# redrawn, and the row of live views wraps (rather than overlaps) on a narrow window.
BOUNDARY_PIXELS = 250
CURVE_WIDTH = 270
CURVE_HEIGHT = 300

STATUS_TEXT = {
    Status.IDLE: "Ready: press Play to train, or Step for one epoch.",
    Status.STARTING: "Starting: building the Keras model…",
    Status.RUNNING: "Training…",
    Status.PAUSED: "Paused.",
    Status.FINISHED: "Finished",
    Status.STOPPED: "Stopped.",
}


def chart_config(snapshot: Snapshot) -> dict:
    """Static charts while training (no hover or zoom layers to rebuild 4 times a second: about a third less
    browser work per update), interactive ones when paused or done, when hovering a link is worth it."""
    return {"displayModeBar": False, "staticPlot": snapshot.status in (Status.RUNNING, Status.STARTING)}


def outputs_caught_up(snapshot: Snapshot) -> bool:
    """Whether the snapshot's outputs (probe, test split) are of its last epoch, or never will be. A page that
    redraws once when a run pauses or ends waits for this: the job publishes the outputs of the last epoch just
    after it says it finished, and a redraw in between would show older ones until the next run."""
    return snapshot.probe_epoch >= snapshot.epoch or not snapshot.history or snapshot.status == Status.FAILED


def format_metric(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1%}" if metric == "accuracy" else f"{value:.3f}"


def render_live_views(controller: PlaygroundController, snapshot: Snapshot, dataset: Dataset) -> None:
    """The live fragment's body, one refresh: the status line, then the network, the output view and the loss
    curve with their toggles, in a row (bench/refresh.py times exactly this)."""
    render_status(snapshot)
    # A row that wraps, not columns: the picture and the chart have fixed sizes, and in columns narrower than
    # them (1366 or 1280 pixels wide windows) they overlapped.
    with st.container(horizontal=True, gap="small", key="live_row"):
        with st.container(key="network_column"):
            render_network(snapshot, controller.spec, dataset)
        with st.container(key="boundary_column", width=BOUNDARY_PIXELS):
            with st.container(horizontal=True, gap="small"):
                show_test = st.toggle("Show test data", key="show_test")
                discretize = st.toggle("Discretize output", key="discretize")
            render_plane_choice(controller, dataset)
            render_boundary(snapshot, controller.spec, dataset, show_test=show_test, discretize=discretize,
                            plane=controller.plane(), plane_points=controller.plane_points())
        with st.container(key="curve_column", width=CURVE_WIDTH):
            with st.container(horizontal=True, gap="small", vertical_alignment="bottom"):
                log_scale = st.toggle("Log scale", key="log_scale")
                smoothing = st.slider("Smoothing", 0.0, 0.99, 0.0, 0.01, key="smoothing", width=150,
                                      help="Exponential smoothing of the curves.")
            render_curve(snapshot, log_scale=log_scale, smoothing=smoothing)


def render_status(snapshot: Snapshot) -> None:
    """'Epoch 1,234', the current losses and metric, and a status line."""
    last = snapshot.last
    metric = snapshot.metric
    with st.container(key="status_row", horizontal=True, vertical_alignment="bottom", gap="medium"):
        st.markdown(f"<div class='pg-epoch'>Epoch <b>{snapshot.epoch:,}</b></div>", unsafe_allow_html=True)
        values = {
            "Train loss": None if last is None else f"{last['loss']:.4f}",
            "Test loss": None if last is None else f"{last['test_loss']:.4f}",
            f"Test {METRIC_LABELS[metric]}": format_metric(metric, None if last is None else last[f"test_{metric}"]),
        }
        for label, value in values.items():
            st.metric(label, value or "–", width="content")
    if snapshot.status == Status.DIVERGED:
        st.error(f"**Diverged.** {snapshot.message[0].upper()}{snapshot.message[1:]}.", icon=":material/warning:")
    elif snapshot.status == Status.FAILED:
        st.error(f"**Training failed:** {snapshot.message}. Press Reset to try again.", icon=":material/error:")
    else:
        text = STATUS_TEXT.get(snapshot.status, str(snapshot.status))
        if snapshot.status == Status.FINISHED:
            text = f"Finished: {snapshot.message}."
        if snapshot.status == Status.RUNNING and snapshot.epochs_per_second:
            text = f"Training… {snapshot.epochs_per_second:,.0f} epochs/s"
        st.caption(text, help=None)
        if snapshot.warning:
            st.warning(snapshot.warning, icon=":material/swap_vert:")


def render_network(snapshot: Snapshot, spec: RunSpec, dataset: Dataset) -> None:
    """The network, links weighted by the current weights, each hidden node showing its neuron's heatmap."""
    sizes = [dataset.input_count, *spec.layers, dataset.output_units]
    weights = snapshot.weights if weights_fit(sizes, snapshot.weights) else None
    layout = layout_for_spec(spec, weights=weights, input_labels=list(dataset.feature_names),
                             output_units=dataset.output_units, output_labels=output_labels(dataset))
    pictures = {}
    if snapshot.probe is not None and len(snapshot.probe) == len(sizes) - 1:
        drawn = {(node.layer, node.unit) for node in layout.nodes if node.kind == "hidden"}
        for layer, images in enumerate(neuron_images(snapshot.probe[:-1], spec.activations, size=24), start=1):
            pictures.update({(layer, unit): image for unit, image in enumerate(images) if (layer, unit) in drawn})
    with st.container(key="network_box"):
        # Markdown, not st.html: st.html's sanitiser drops inline SVG.
        st.markdown(diagram_svg(layout, pictures), unsafe_allow_html=True)
    st.caption("Hover a link for its weight, a node for its bias. Inside each hidden node: what that neuron "
               "outputs over the plane (blue positive, orange negative).")


def output_labels(dataset: Dataset) -> list[str]:
    if dataset.problem == "multiclass":
        names = getattr(dataset, "class_names", ())
        if len(names) == dataset.class_count:
            return list(names)  # the diagram shortens long ones
        return [f"class {index}" for index in range(dataset.class_count)]
    return ["ŷ"]


def render_plane_choice(controller: PlaygroundController, dataset: Dataset) -> None:
    """With more than two inputs: the first two principal components, or a slice through two chosen features."""
    if dataset.is_2d or dataset.input_count < 3:
        return
    names = list(dataset.feature_names)
    version = controller.data_version  # new data, new widgets: no stale column from the last data set
    pca = st.toggle("Principal components", value=controller.plane_choice == PCA, key=f"plane_pca_{version}",
                    help="Off: a slice through two features you choose, the others held at their mean.")
    if pca:
        controller.set_plane(PCA)
        return
    first, second = (min(index, len(names) - 1) for index in controller.feature_pair)
    across, up = st.columns(2)
    x_index = across.selectbox("Across", range(len(names)), index=first, format_func=names.__getitem__,
                               key=f"plane_x_{version}")
    y_index = up.selectbox("Up", range(len(names)), index=second, format_func=names.__getitem__,
                           key=f"plane_y_{version}")
    if x_index == y_index:
        st.caption("Choose two different features.")
        return
    controller.set_plane((x_index, y_index))


def render_boundary(snapshot: Snapshot, spec: RunSpec, dataset: Dataset, *, show_test: bool,
                    discretize: bool, plane: SlicePlane | None = None,
                    plane_points: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """TensorFlow Playground's output view: the model's output over the plane, the data on top. Tables are
    drawn on ``plane``, a 2-D slice through their inputs, their rows at ``plane_points`` (train, test)."""
    if not dataset.is_2d and plane is None:
        st.info("The output view needs at least two inputs.", icon=":material/grid_on:")
        return
    probe_fits = snapshot.probe is not None and len(snapshot.probe[-1]) == GRID_RESOLUTION ** 2
    output = (snapshot.probe[-1] if probe_fits
              else undecided_output(spec.problem, dataset.output_units, GRID_RESOLUTION))
    if dataset.is_2d:
        points_train, points_test = dataset.points_train, dataset.points_test
        caption = "X₁ from −6 to 6 (left to right), X₂ from −6 to 6 (bottom to top)"
    else:
        points_train, points_test = plane_points
        caption = plane.caption()
    labels_train, labels_test = dataset.labels_train(), dataset.labels_test()
    if spec.problem == "regression" and not dataset.is_2d:
        reference = labels_train
        labels_train, labels_test = to_colour_range(labels_train, reference), to_colour_range(labels_test, reference)
        if probe_fits:  # the undecided (grey) output stays grey
            output = to_colour_range(output, reference)
        caption += (f" Colours: the target from {reference.min():.4g} (orange) to {reference.max():.4g} "
                    f"(blue).")
    picture = boundary_picture(output, spec.problem, points_train=points_train,
                               labels_train=labels_train, points_test=points_test,
                               labels_test=labels_test, show_test=show_test, discretize=discretize,
                               resolution=GRID_RESOLUTION, size=300)
    with st.container(key="boundary_box", width=BOUNDARY_PIXELS):
        st.markdown(picture_html(picture, "The model's output over the plane, with the data points"),
                    unsafe_allow_html=True)
        if spec.problem == "multiclass":  # which colour is which class (iris, digits, ...)
            st.markdown(class_legend_html(dataset.class_labels), unsafe_allow_html=True)
        st.caption(caption)


def picture_html(picture: np.ndarray, alt: str) -> str:
    """The picture inline, as a data URI in a box of fixed size. Not st.image: its media URL is dropped at the
    next refresh, 5 times a second, and a browser still fetching it showed a broken image and a shrunken box.
    An inline picture arrives with the page update, and the browser swaps the old one for it when it is decoded.
    JPEG: about 6 times cheaper to encode than PNG, and what st.image sent."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(picture, dtype=np.uint8)).save(buffer, format="JPEG", quality=90)
    source = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    size = BOUNDARY_PIXELS
    return (f'<img class="pg-boundary" src="{source}" width="{size}" height="{size}" alt="{escape(alt)}" '
            f'style="display:block; width:{size}px; height:{size}px; border-radius:4px">')


def render_curve(snapshot: Snapshot, *, log_scale: bool, smoothing: float) -> None:
    figure = loss_figure(snapshot.history, snapshot.metric, log_scale=log_scale, smoothing=smoothing,
                         height=CURVE_HEIGHT)
    # st.plotly_chart's element id hashes the figure, so every refresh mounts a new chart in the browser, and a
    # chart mounted without a width in its layout stays hidden until the browser has measured its box (a blink
    # at each refresh). With the width given, the new chart is drawn at once, at the same size.
    figure.update_layout(width=CURVE_WIDTH)
    with st.container(key="loss_curve_box", width=CURVE_WIDTH):
        st.plotly_chart(figure, key="loss_curve", config=chart_config(snapshot), width=CURVE_WIDTH)
