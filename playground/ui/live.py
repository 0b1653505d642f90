"""The Playground page's live views: the status line, the network, the output view and the loss curve, drawn
one of two ways.

With the live channel (``live_channel``: served by ``serve.py``), the views are drawn in the browser by the live
component (``live_component``): the page sends a scene (``live_scene``: what changes only with a page run) and a
first full frame at each page run, and the channel carries the next frames (``live_frames.LiveFrames``, one per
session, kept here in the session state) with no script rerun; when a run stops training the component asks for
one page run (Play instead of Pause). ``render_live_component`` draws that.

Without it (AppTest, `streamlit run app.py`, or a channel that never opened), the live fragment re-runs 5 times a
second while a run trains, all in one server process, so a refresh is one Streamlit element: a Markdown block
holding the status and every view (an alert when there is one), the loss curve as SVG
(``playground.views.live_drawings`` writes them, reusing what a refresh did not change). The view options
(toggles, slider, plane choice) are drawn once, outside the fragment (``render_view_options``), with a style
sheet drawing the data points over the output view (they change with the options and the data only); the page's
CSS grid (``style.py``) puts each option above its view, for both ways. When not training, the loss curve is
Plotly's interactive chart, drawn once. bench/refresh.py measures a refresh.
"""
from __future__ import annotations

from html import escape
from typing import NamedTuple

import streamlit as st

from playground.controller import GRID_RESOLUTION, PCA, PlaygroundController
from playground.data.points import Dataset
from playground.options import MAX_HIDDEN_LAYERS, MAX_UNITS
from playground.training.job import Snapshot, Status
from playground.ui import controls, live_channel, live_component
from playground.views.curves import METRIC_LABELS, loss_figure
from playground.views.live_drawings import LiveDrawings
from playground.views.live_frames import (  # noqa: F401 - outputs_caught_up: the page's and tests' name for it
    LiveFrames,
    format_metric,
    outputs_caught_up,
    status_text,
    training,
)
from playground.views.live_scene import build_scene, sizes_for  # noqa: F401 (the page sizes its grid with it)

# The output picture and the loss chart have fixed sizes in CSS pixels: nothing around them moves when they are
# redrawn.
BOUNDARY_PIXELS = 250
CURVE_WIDTH = 270
CURVE_HEIGHT = 300
DRAWINGS = "live_drawings"  # the session's LiveDrawings in st.session_state
FRAMES = "live_frames"  # the session's LiveFrames (the live channel's source) in st.session_state
SCENE = "live_scene"  # the last scene built, and what it was built from
CHANNEL_FAILED = "live_channel_failed"  # the component said its channel never opened: refresh the fragment instead

class ViewOptions(NamedTuple):
    show_test: bool = False
    discretize: bool = False
    log_scale: bool = False
    smoothing: float = 0.0


def drawings() -> LiveDrawings:
    """The session's drawings (they keep what the last refresh drew, and the view options)."""
    found = st.session_state.get(DRAWINGS)
    if found is None:
        found = st.session_state[DRAWINGS] = LiveDrawings()
        found.options = ViewOptions()
    return found


def render_view_options(controller: PlaygroundController, dataset: Dataset, *, points: bool = True,
                        output_pixels: int = BOUNDARY_PIXELS, curve_width: int = CURVE_WIDTH) -> None:
    """The output view's and the loss curve's options, drawn outside the live fragment: they change only when
    clicked, which re-runs the whole page and this, so the fragment finds their values with the drawings.
    ``points``: send the style sheet drawing the data points (the fragment's views; the component draws its own)."""
    with st.container(key="output_options", width=output_pixels):
        with st.container(horizontal=True, gap="small"):
            show_test = st.toggle("Show test data", key="show_test")
            discretize = st.toggle("Discretize output", key="discretize")
        render_plane_choice(controller, dataset)
    with st.container(key="curve_options", width=curve_width, horizontal=True, gap="small",
                      vertical_alignment="bottom"):
        log_scale = st.toggle("Log scale", key="log_scale")
        smoothing = st.slider("Smoothing", 0.0, 0.99, 0.0, 0.01, key="smoothing", width=150,
                              help="Exponential smoothing of the curves.")
    views = drawings()
    views.options = ViewOptions(show_test, discretize, log_scale, smoothing)
    if not points:
        return
    plane = None if dataset.is_2d else controller.plane()
    points = views.points_css(controller.spec, dataset, show_test=show_test, plane=plane,
                              plane_points=None if plane is None else controller.plane_points())
    if points:
        st.html(points)  # a style sheet: it draws the data points over the output view


def render_live_views(controller: PlaygroundController, snapshot: Snapshot, dataset: Dataset) -> None:
    """The live fragment's body, one refresh (bench/refresh.py times exactly this): one Markdown element holding
    the status and every view, then the status line or an alert; when not training, Plotly's interactive loss
    chart. The page calls it inside the ``live_area`` container, after ``render_view_options``; the CSS grid
    places each view (``style.py``)."""
    views = drawings()
    options = views.options
    parts = [status_html(snapshot), network_html(views, snapshot, controller, dataset),
             boundary_html(views, snapshot, controller, dataset, show_test=options.show_test,
                           discretize=options.discretize)]
    if training(snapshot):
        parts.append(curve_html(views, snapshot, log_scale=options.log_scale, smoothing=options.smoothing))
    # Markdown, not st.html: st.html's sanitiser drops inline SVG.
    st.markdown(f"<div class='pg-live'>{''.join(parts)}</div>", unsafe_allow_html=True)
    render_alerts(snapshot)
    if not training(snapshot):
        render_curve_chart(snapshot, log_scale=options.log_scale, smoothing=options.smoothing)


def status_html(snapshot: Snapshot) -> str:
    """'Epoch 1,234', the current losses and metric (in st.metric's look), and a status line (in a caption's);
    a diverged or failed run's status is an alert instead (``render_alerts``)."""
    last = snapshot.last
    metric = snapshot.metric
    values = {
        "Train loss": None if last is None else f"{last['loss']:.4f}",
        "Test loss": None if last is None else f"{last['test_loss']:.4f}",
        f"Test {METRIC_LABELS[metric]}": format_metric(metric, None if last is None else last[f"test_{metric}"]),
    }
    metrics = "".join(f"<div class='pg-metric'><div class='pg-metric-label'>{label}</div>"
                      f"<div class='pg-metric-value'>{value or '–'}</div></div>" for label, value in values.items())
    line = ("" if snapshot.status in (Status.DIVERGED, Status.FAILED)
            else f"<p class='pg-caption pg-status-line'>{escape(status_text(snapshot))}</p>")
    return f"<div class='pg-status'><div class='pg-epoch'>Epoch <b>{snapshot.epoch:,}</b></div>{metrics}</div>{line}"


def render_alerts(snapshot: Snapshot) -> None:
    """A diverged or failed run says why; a loss that bounces gets its warning under the status line."""
    if snapshot.status == Status.DIVERGED:
        st.error(f"**Diverged.** {snapshot.message[0].upper()}{snapshot.message[1:]}.", icon=":material/warning:")
    elif snapshot.status == Status.FAILED:
        st.error(f"**Training failed:** {snapshot.message}. Press Reset to try again.", icon=":material/error:")
    elif snapshot.warning:
        st.warning(snapshot.warning, icon=":material/swap_vert:")


def network_html(views: LiveDrawings, snapshot: Snapshot, controller: PlaygroundController, dataset: Dataset) -> str:
    """The network, links weighted by the current weights, each hidden node showing its neuron's heatmap."""
    return views.network_html(snapshot, controller.spec, dataset)


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


def boundary_html(views: LiveDrawings, snapshot: Snapshot, controller: PlaygroundController, dataset: Dataset, *,
                  show_test: bool, discretize: bool) -> str:
    """TensorFlow Playground's output view: the model's output over the plane, the data on top. Tables are
    drawn on the controller's plane, a 2-D slice through their inputs."""
    plane = None if dataset.is_2d else controller.plane()
    return views.output_html(snapshot, controller.spec, dataset, show_test=show_test, discretize=discretize,
                             pixels=BOUNDARY_PIXELS, plane=plane,
                             plane_points=None if plane is None else controller.plane_points(),
                             resolution=GRID_RESOLUTION)


def curve_html(views: LiveDrawings, snapshot: Snapshot, *, log_scale: bool, smoothing: float) -> str:
    """While training: a light SVG chart, redrawn at each refresh."""
    return views.curve_html(snapshot, log_scale=log_scale, smoothing=smoothing, width=CURVE_WIDTH,
                            height=CURVE_HEIGHT)


def render_curve_chart(snapshot: Snapshot, *, log_scale: bool, smoothing: float, width: int = CURVE_WIDTH,
                       height: int = CURVE_HEIGHT) -> None:
    """Not training: Plotly's interactive chart (hover for values, zoom), drawn once, with the SVG chart's axes,
    lines and legend."""
    figure = loss_figure(snapshot.history, snapshot.metric, log_scale=log_scale, smoothing=smoothing,
                         height=height)
    # With the width in the layout, a chart mounted anew is drawn at once at its size (no blink).
    figure.update_layout(width=width)
    st.plotly_chart(figure, key="loss_curve", config={"displayModeBar": False}, width=width)


# ---- the views drawn in the browser (the live component, fed by the live channel) ---------------------------
def frames() -> LiveFrames:
    """The session's frames: the live channel's source (it holds them weakly: the session state keeps them)."""
    found = st.session_state.get(FRAMES)
    if found is None:
        found = st.session_state[FRAMES] = LiveFrames()
    return found


def channel_ticket() -> live_channel.Ticket | None:
    """The session's ticket for the live channel, or None when the page refreshes its fragment instead: the
    channel is not served (AppTest, `streamlit run app.py`) or the component said it never opened."""
    if st.session_state.get(CHANNEL_FAILED):
        return None
    return live_channel.ticket(frames())


def scene_of(controller: PlaygroundController, dataset: Dataset, *, running: bool, presenting: bool,
             metric: str, editable: bool = True) -> dict:
    """The scene of this page run, built again only when what it shows changed."""
    options = drawings().options or ViewOptions()
    plane = None if dataset.is_2d else controller.plane()
    key = (controller.spec, options, presenting, running, metric, editable)
    found = st.session_state.get(SCENE)
    if found is not None and found[0] == key and found[1] is dataset and found[2] is plane:
        return found[3]
    scene = build_scene(controller.spec, dataset, plane=plane,
                        plane_points=None if plane is None else controller.plane_points(),
                        show_test=options.show_test, discretize=options.discretize, log_scale=options.log_scale,
                        smoothing=options.smoothing, presenting=presenting, training=running, metric=metric,
                        editable=editable)
    st.session_state[SCENE] = (key, dataset, plane, scene)
    return scene


def edit_network() -> None:
    """A +/- button of the diagram, before the page run it starts: the sidebar's layer widgets take the change
    (TensorFlow Playground's buttons; the page then reads the spec from the widgets as for any edit)."""
    change = live_component.spec_change()
    if change is None:
        return
    count_key = controls.widget_key("layer_count")
    count = int(st.session_state.get(count_key, 0))
    if isinstance(change.get("layers"), int):
        new_count = max(0, min(MAX_HIDDEN_LAYERS, count + change["layers"]))
        st.session_state[count_key] = new_count
        return
    units = change.get("units")
    if isinstance(units, list) and len(units) == 2 and all(isinstance(value, int) for value in units):
        layer, step = units
        key = controls.widget_key("units", layer)
        if 0 <= layer < count and key in st.session_state:
            st.session_state[key] = max(1, min(MAX_UNITS, int(st.session_state[key]) + step))


def render_live_component(controller: PlaygroundController, snapshot: Snapshot, dataset: Dataset,
                          ticket: live_channel.Ticket, *, running: bool, presenting: bool,
                          editable: bool = True) -> None:
    """The live views drawn in the browser: the scene and a full first frame now, the next frames over the
    channel. The component draws the loss curve in every state (hover for an epoch's values), so neither the
    first paint nor the first Step waits for Plotly's 4.7 MB of JavaScript.
    ``editable``: the diagram's +/- buttons change the hidden layers (not when the link hides those controls)."""
    scene = scene_of(controller, dataset, running=running, presenting=presenting, metric=snapshot.metric,
                     editable=editable)
    source = frames()
    job = controller.job()
    plane = None if dataset.is_2d else controller.plane()
    # Each snapshot the channel takes counts as the page watching the run (JobApi.snapshot touches the job): with
    # no fragment re-running, the registry would otherwise pause it as unwatched after 15 s.
    source.set_context(job.snapshot, controller.spec, dataset, scene, plane=plane, training=running,
                       note_source=controller.load_note, changes=job)
    with st.container():  # a block without a key, as the fragment's: the page's grid places what it holds
        failed = live_component.render(scene, source.next_message({}), ticket, on_spec_change=edit_network)
    if failed:
        st.session_state[CHANNEL_FAILED] = True
        st.rerun()
