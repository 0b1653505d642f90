"""Share and export: the link, and download buttons whose files are made only when clicked."""

from __future__ import annotations

import urllib.parse

import streamlit as st

from playground import export
from playground.controller import PlaygroundController
from playground.training.job import Snapshot, Status
from playground.views import diagram, figures, network_layout

PNG, SVG = "image/png", "image/svg+xml"
# Downloads do not rerun the page (on_click="ignore"): a rerun re-registers every button's deferred file, and
# a second click landing between the two runs would ask for a file that no longer exists.


def share_url(query: str) -> str:
    """The page's address with the given query (st.context.url is the address the browser asked for)."""
    base = st.context.url or "http://127.0.0.1:8501/"
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def render_share(controller: PlaygroundController) -> None:
    st.caption("Copy link: opens this network, data and seed, so the same curve, on any machine.")
    st.code(share_url(controller.spec.to_query()), language=None, wrap_lines=True)


def render_downloads(controller: PlaygroundController, snapshot: Snapshot) -> None:
    spec = controller.spec
    job = controller.job()
    dataset = job.dataset
    stem = f"playground-{spec.dataset}-seed{spec.seed}-epoch{snapshot.epoch}"
    weights = snapshot.weights

    def diagram_layout():
        return network_layout.layout_for_spec(spec, weights=weights, input_labels=list(dataset.feature_names),
                                       output_units=dataset.output_units)

    def diagram_file(fmt: str):
        return lambda: diagram.figure_bytes(diagram.diagram_figure(diagram_layout()), fmt)

    def curve_png():
        return figures.figure_png(figures.loss_curve_figure(snapshot.history, snapshot.metric))

    def boundary_png():
        return figures.figure_png(figures.boundary_png_figure(
            snapshot.probe[-1], spec.problem, dataset.points_train, dataset.labels_train()))

    def model_file():
        return job.model_file()  # the job saves it (in its worker process when served)

    with st.container(horizontal=True, gap="small", key="downloads"):
        st.download_button("Diagram PNG", diagram_file("png"), f"{stem}-network.png", PNG, key="dl_diagram_png",
                           icon=":material/download:", on_click="ignore", help="The network diagram at 300 dpi, for course notes.")
        st.download_button("Diagram SVG", diagram_file("svg"), f"{stem}-network.svg", SVG, key="dl_diagram_svg",
                           icon=":material/download:", on_click="ignore")
        st.download_button("Loss curve PNG", curve_png, f"{stem}-loss.png", PNG, key="dl_curve",
                           icon=":material/download:", on_click="ignore", disabled=len(snapshot.history) < 2)
        st.download_button("Boundary PNG", boundary_png, f"{stem}-boundary.png", PNG, key="dl_boundary",
                           icon=":material/download:", on_click="ignore", disabled=snapshot.probe is None or not dataset.is_2d)
        st.download_button("History CSV", lambda: export.history_csv(snapshot.history), f"{stem}-history.csv",
                           "text/csv", key="dl_history", icon=":material/download:", on_click="ignore",
                           disabled=not snapshot.history)
        st.download_button("Spec JSON", lambda: export.spec_json(spec), f"{stem}-spec.json", "application/json",
                           key="dl_spec", icon=":material/download:", on_click="ignore")
        model_ready = job.has_model and snapshot.status not in (Status.RUNNING, Status.STARTING)
        st.download_button("Model .keras", model_file, f"{stem}.keras", "application/octet-stream",
                           key="dl_model", icon=":material/download:", on_click="ignore", disabled=not model_ready,
                           help="The trained Keras model. Pause (or finish) the run first.")
        csv_name = controller.csv_name if spec.dataset == "csv" else ""
        st.download_button("Keras script", lambda: export.keras_script(spec, csv_name=csv_name), f"{stem}.py",
                           "text/x-python", key="dl_script", icon=":material/download:", on_click="ignore",
                           help="A standalone Python script that rebuilds and trains this model with plain Keras "
                                "on the same data (a CSV run's script reads the file given with --csv).")
