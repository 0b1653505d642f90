"""Gradient descent: the squared-error surface of y = w·x + b, and real Keras optimisers walking down it.

Thin: widgets in, library calls (``playground.teaching.descent``), drawing out. The walks are cached: the same
settings give the same paths, so a rerun that changes nothing costs nothing.
"""

import streamlit as st

from playground.options import LEARNING_RATE_PRESETS, format_number
from playground.teaching import descent

DATA_SEED = 0
VIEW = descent.View()


@st.cache_data(show_spinner="Stepping the Keras optimisers…", max_entries=64)
def walk(optimizers: tuple[str, ...], start: tuple[float, float], learning_rate: float,
         steps: int) -> list[descent.DescentPath]:
    return descent.compare_optimizers(descent.make_data(DATA_SEED), start, learning_rate, steps, optimizers)


def descent_page() -> None:
    """Keras optimisers stepping down the squared-error surface of a line fit."""
    data = descent.make_data(DATA_SEED)
    stability_limit = descent.sgd_stability_limit(data)

    st.title("Gradient descent")
    st.caption(f"Fit a line y = w·x + b to {len(data.x)} points. Every (w, b) has a loss, the mean squared error: "
               "the contours below are that surface, seen from above. Gradient descent starts somewhere and steps "
               "downhill, w ← w − learning rate · ∂loss/∂w (and the same for b); here real Keras optimisers take "
               "the steps.")

    with st.sidebar:
        learning_rate = st.select_slider("Learning rate", LEARNING_RATE_PRESETS, value=0.1, key="descent_rate",
                                         format_func=format_number,
                                         help=f"Plain SGD converges on this surface below about "
                                              f"{stability_limit:.2f}; above it, it diverges.")
        steps = st.slider("Steps", 1, 200, 40, key="descent_steps")
        start_weight = st.slider("Start w", *VIEW.weight_range, -2.0, 0.1, key="start_weight")
        start_bias = st.slider("Start b", *VIEW.bias_range, 3.0, 0.1, key="start_bias")
        optimizers = st.multiselect("Optimisers", tuple(descent.OPTIMIZER_LABELS), default=list(descent.OPTIMIZER_LABELS),
                                    format_func=descent.OPTIMIZER_LABELS.get, key="descent_optimizers",
                                    help="Keras's SGD, SGD(momentum=0.9) and Adam, on the same surface.")
        log_scale = st.toggle("Log-scale loss", value=True, key="descent_log_scale")

    if not optimizers:
        st.info("Pick at least one optimiser in the sidebar to draw its path.", icon=":material/info:")
        st.stop()

    paths = walk(tuple(optimizers), (start_weight, start_bias), learning_rate, steps)

    for path in paths:
        if path.message:
            st.warning(f"**{path.message}** The path is clipped to the view. Plain SGD is stable on this surface only "
                       f"below a learning rate of about {stability_limit:.2f} (2 / the steepest curvature).",
                       icon=":material/trending_up:")
    overshooting = [path.label for path in paths if path.overshot and not path.diverged]
    if overshooting:
        st.info(f"{', '.join(overshooting)}: the loss went up on some steps (the step jumped past the valley floor) but "
                "came down overall.", icon=":material/swap_vert:")

    surface, results = st.columns([0.62, 0.38], gap="medium")
    with surface:
        st.plotly_chart(descent.surface_figure(data, paths, VIEW), config={"displayModeBar": False},
                        key="surface_chart")
    with results:
        for path in paths:
            weight, bias, loss = path.points[-1]
            st.metric(f"{path.label}: loss after {len(path.points) - 1} steps", f"{loss:.4g}",
                      delta=f"{path.loss_change:+.4g}", delta_color="inverse",
                      help=f"Ended at w = {weight:.3g}, b = {bias:.3g}.")
        best_weight, best_bias, best_loss = descent.best_fit(data)
        st.caption(f"Lowest point (★): w = {best_weight:.3f}, b = {best_bias:.3f}, loss = {best_loss:.4f}.")

    curve, fitted = st.columns(2, gap="medium")
    with curve:
        st.markdown("**Loss per step**")
        st.plotly_chart(descent.loss_curve_figure(paths, log_scale=log_scale), config={"displayModeBar": False},
                        key="loss_chart")
    with fitted:
        st.markdown("**The lines they ended on**")
        st.plotly_chart(descent.data_figure(data, paths), config={"displayModeBar": False}, key="data_chart")

    st.caption("Why they differ: SGD steps straight down the local slope, so in a long narrow valley it zig-zags "
               "across and crawls along. Momentum accumulates past steps (0.9 of each carries over), speeding along "
               "the valley but overshooting at the turns. Adam scales each weight's step by its recent gradient size, "
               "so its steps are about the learning rate whatever the slope: it never blows up, but it can circle "
               "the minimum with a large rate.")


descent_page()
