"""Evaluation, training history, explanations and run comparison, below the Playground page's live views.

All numbers come from the library (``evaluation``, ``explain``, ``runs``); this module lays them out.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from playground.controller import PlaygroundController
from playground.data.points import Dataset
from playground.training.evaluation import METRIC_NAMES, evaluate
from playground.training.job import Snapshot, Status
from playground.training.runs import settings_table, shared_metric
from playground.ui.controls import PENDING_SPEC
from playground.views.confusion_svg import confusion_svg
from playground.views.curves import METRIC_LABELS, overlay_figure
from playground.views.evaluation_figures import (
    attribution_figure,
    history_figure,
    prediction_figure,
    residual_figure,
)

EXPLAIN_MODELS = "explain_models"  # job id -> a Keras model rebuilt from the job's published weights
CHART_CONFIG = {"displayModeBar": False}


def evaluated_when(snapshot: Snapshot, refresh_seconds: float) -> str:
    """Which epoch the numbers are from, and, when that is not the run's epoch, that the run is further on."""
    when = f"after epoch {snapshot.probe_epoch:,}"
    if snapshot.status in (Status.STARTING, Status.RUNNING):
        return f"{when} of the run now at {snapshot.epoch:,}; refreshes every {refresh_seconds:g} s while training"
    if snapshot.probe_epoch != snapshot.epoch:
        return f"{when} (the run is at epoch {snapshot.epoch:,})"
    return when


def render_evaluation(snapshot: Snapshot, dataset: Dataset, *, refresh_seconds: float) -> None:
    """Test-split metrics and the confusion matrix, or the regression scatter plots. The page refreshes them
    every ``refresh_seconds`` while training, and once more when the run pauses or ends."""
    if snapshot.test_outputs is None or snapshot.epoch == 0:
        st.caption("Train for an epoch or more to evaluate the network on the test split.")
        return
    evaluation = evaluate(dataset, snapshot.test_outputs)
    if evaluation.message:
        st.warning(evaluation.message, icon=":material/warning:")
        return
    st.caption(f"On the {len(dataset.x_test):,} test rows, {evaluated_when(snapshot, refresh_seconds)} "
               "(scikit-learn's metrics; precision, recall and F1 are macro averages over the classes).")
    with st.container(horizontal=True, key="test_metrics"):
        for name, value in evaluation.metrics.items():
            st.metric(METRIC_NAMES[name], f"{value:.1%}" if name in ("accuracy", "precision", "recall") else
                      f"{value:.3f}", width="content")
    if evaluation.confusion is not None:
        side = min(620, 260 + 36 * len(evaluation.class_names))  # a square of cells, not the page's width
        with st.container(key="confusion", width="content"):
            # Markdown, not st.html: st.html's sanitiser drops inline SVG.
            st.markdown(confusion_svg(evaluation, side), unsafe_allow_html=True)
    else:
        left, right = st.columns(2)
        left.plotly_chart(prediction_figure(evaluation), key="predicted_actual", config=CHART_CONFIG)
        right.plotly_chart(residual_figure(evaluation), key="residuals", config=CHART_CONFIG)


def render_history(snapshot: Snapshot) -> None:
    if len(snapshot.history) < 2:
        st.caption("The history appears after the first epoch.")
        return
    st.plotly_chart(history_figure(snapshot.history, snapshot.metric), key="history", config=CHART_CONFIG)
    st.caption("As in the Keras tutorials: loss (left axis) and the metric (dotted, right axis), on the training "
               "split and on the test split used for validation.")


def _explain_model(controller: PlaygroundController, snapshot: Snapshot, dataset: Dataset):
    """A Keras model with the snapshot's weights, built once per job (the training thread keeps its own)."""
    from playground.teaching.explain import load_weights, model_from_weights

    models = st.session_state.setdefault(EXPLAIN_MODELS, {})
    model = models.get(snapshot.job_id)
    if model is None:
        models.clear()  # one job's model at a time
        model = models[snapshot.job_id] = model_from_weights(controller.spec, dataset.input_count,
                                                             dataset.output_units, snapshot.weights)
    else:
        load_weights(model, snapshot.weights)
    return model


def _describe(dataset: Dataset, value: float) -> str:
    if dataset.problem == "regression":
        return f"{value:.4g}"
    return dataset.class_labels[int(value)]


def render_explanation(controller: PlaygroundController, snapshot: Snapshot, dataset: Dataset) -> None:
    """Integrated gradients for one test row: each input's share of the prediction, against the mean input."""
    if snapshot.weights is None or snapshot.epoch == 0 or len(dataset.x_test) == 0:
        st.caption("Train the network first; then pick a test row to see which inputs drove its prediction.")
        return
    from playground.teaching.explain import explained_output, integrated_gradients

    row = st.number_input("Test row", 0, len(dataset.x_test) - 1, 0, step=1, key="explain_row",
                          help="Which row of the test split to explain.")
    model = _explain_model(controller, snapshot, dataset)
    x = dataset.x_test[int(row)]
    outputs = np.asarray(model(x[None, :], training=False))[0]
    index = explained_output(dataset.problem, outputs)
    attribution = integrated_gradients(model, x, output_index=index, steps=64)
    truth = _describe(dataset, dataset.labels_test()[int(row)])
    if dataset.problem == "regression":
        predicted, what = f"{outputs[0]:.4g}", "the predicted value"
    elif dataset.problem == "binary":
        predicted = _describe(dataset, float(outputs[0] > 0.5))
        what = "the predicted probability of class " + _describe(dataset, 1.0)
        predicted += f" (probability of {_describe(dataset, 1.0)}: {outputs[0]:.1%})"
    else:
        predicted = f"{_describe(dataset, index)} ({outputs[index]:.1%})"
        what = f"the predicted probability of {_describe(dataset, index)}"
    st.markdown(f"**Predicted:** {predicted} · **true:** {truth}")
    figure = attribution_figure(list(dataset.feature_names), attribution.values)
    st.plotly_chart(figure, key="attribution", config=CHART_CONFIG)
    st.caption(f"Integrated gradients (64 steps, with tf.GradientTape): how much each input moved {what} from "
               f"{attribution.baseline_prediction:.4g} at the average input (all features at their training mean) "
               f"to {attribution.prediction:.4g} at this row; the bars add up to the difference (within "
               f"{attribution.completeness_gap:.1e}). Blue raises it, orange lowers it.")


def _restore(record) -> None:
    st.session_state[PENDING_SPEC] = record.spec  # the controls load it before they are drawn


def render_comparison(controller: PlaygroundController) -> None:
    runs = controller.compared_runs()
    if not runs:
        st.caption("Each run you reset or change is kept here (the last five), with its curves and settings.")
        return
    labels = [run.label for run in runs]
    # Keyed by the runs present, so that a new run starts out shown along with the others.
    chosen = st.multiselect("Runs", labels, default=labels, key="compare_runs_" + "|".join(labels))
    shown = [run for run in runs if run.label in chosen]
    if not shown:
        return
    metric = shared_metric(shown)
    quantities = {"test_loss": "Test loss", "loss": "Training loss"}
    if metric:
        quantities[f"test_{metric}"] = f"Test {METRIC_LABELS[metric]}"
    key = st.segmented_control("Curve", list(quantities), format_func=quantities.get, default="test_loss",
                               key="compare_quantity") or "test_loss"
    st.plotly_chart(overlay_figure(shown, key), key="compare_curves", config=CHART_CONFIG)
    all_settings = st.toggle("All settings", key="compare_all", help="Off: only the settings that differ.")
    st.dataframe(settings_table(shown, all_settings), hide_index=True, key="compare_table")
    past = [run for run in shown if run.label != "Current"]
    if past:
        with st.container(horizontal=True, vertical_alignment="bottom"):
            pick = st.selectbox("Restore the settings of", [run.label for run in past], key="restore_pick")
            record = next(run for run in past if run.label == pick)
            st.button("Restore", icon=":material/history:", key="restore", on_click=_restore, args=(record,),
                      help="Load this run's settings (same seed: the same curve when you train again).")
