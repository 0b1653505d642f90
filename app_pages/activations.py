"""Activation functions: each one the Playground offers, with its derivative, formula, range and use; softmax.

Thin: widgets in, library calls (``playground.teaching.activations``), drawing out. Values and derivatives are
what Keras computes (derivatives by tf.GradientTape), not a re-implementation.
"""

import streamlit as st

from playground.options import ACTIVATIONS
from playground.teaching import activations

DEFAULT_PICK = ["sigmoid", "tanh", "relu"]

def activations_page() -> None:
    """Each activation with its derivative, formula and use; which goes where; softmax."""
    st.title("Activation functions")
    st.caption("A unit computes a weighted sum x of its inputs, then passes it through an activation f. "
               "Training follows the derivative f′: where f′ is 0, no gradient flows back and nothing before the unit "
               "learns.")

    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        picked = st.multiselect("Activations", ACTIVATIONS, default=DEFAULT_PICK, key="picked_activations",
                                format_func=lambda name: activations.ACTIVATION_INFO[name].label,
                                help="Pick one or several to overlay; each keeps its colour.")
        low, high = st.slider("Input range", -10.0, 10.0, (-5.0, 5.0), 0.5, key="input_range",
                              help="The range of x drawn.")
        show_derivatives = st.toggle("Show derivatives", value=True, key="show_derivatives",
                                     help="Dashed lines: f′(x), computed by tf.GradientTape.")

    if not picked:
        st.info("Pick at least one activation above to draw it.", icon=":material/info:")
    elif low >= high:
        st.info("The input range is empty: move the two ends of the slider apart.", icon=":material/info:")
    else:
        inputs = activations.input_grid(low, high)
        st.plotly_chart(activations.activation_figure(picked, inputs, show_derivatives=show_derivatives),
                        config={"displayModeBar": False}, key="activation_chart")
        for name in picked:
            info = activations.ACTIVATION_INFO[name]
            with st.container(border=True):
                st.markdown(f"**{info.label}** (`{name}`)")
                formula, derivative = st.columns(2)
                formula.latex(info.formula)
                derivative.latex(info.derivative)
                st.markdown(f"Output range: ${info.output_range}$ · {info.usage}")
        if "binary_step" in picked:
            st.warning("**The binary step cannot be trained by gradient descent.** Its derivative is 0 everywhere, so "
                       "every gradient that passes through it becomes 0: the weights of the layers before it never "
                       "change; only the layers after it learn. The perceptron learned with its own rule instead. "
                       "Try it on the Playground page and watch those weights stay put.", icon=":material/block:")

    st.subheader("Which activation goes where")
    st.table({"Task": [row[0] for row in activations.OUTPUT_CHEAT_SHEET],
              "Activation": [row[1] for row in activations.OUTPUT_CHEAT_SHEET],
              "Loss": [row[2] for row in activations.OUTPUT_CHEAT_SHEET]})

    st.subheader("Softmax: several classes at once")
    st.caption("Softmax turns a vector of scores into probabilities that sum to 1: "
               "the output layer for one label out of several classes. A temperature T divides the scores first: "
               "T < 1 sharpens towards the largest score, T > 1 flattens towards equal shares.")
    st.latex(r"\mathrm{softmax}(v)_i = \frac{e^{v_i / T}}{\sum_j e^{v_j / T}}")
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        vector_text = st.text_input("Scores v", "2.0, 1.0, 0.1", key="softmax_vector",
                                    help=f"Up to {activations.MAX_VECTOR_LENGTH} numbers separated by commas.")
        temperature = st.slider("Temperature T", activations.MIN_TEMPERATURE, 5.0, 1.0, 0.01, key="temperature")
    vector, problem = activations.parse_vector(vector_text)
    if problem:
        st.warning(problem, icon=":material/edit:")
    else:
        probabilities = activations.softmax(vector, temperature)
        st.plotly_chart(activations.softmax_figure(vector, probabilities), config={"displayModeBar": False},
                        key="softmax_chart")
        st.caption(f"Sum of the probabilities: {probabilities.sum():.6f} (computed by keras.activations.softmax).")


activations_page()
