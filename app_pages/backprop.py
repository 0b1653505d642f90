"""Backpropagation, step by step: one training example through a small network, every number written out.

Thin: widgets in, ``playground.teaching.backprop`` for every number and formula, LaTeX, tables and a chart out.
Every gradient shown is checked against ``tf.GradientTape`` on the same network built in Keras.
"""

import numpy as np
import streamlit as st

from playground.teaching import backprop, backprop_keras, forward
from playground.ui.weights_editor import edit_layer

PREFIX = "backprop"
MAX_INPUTS, MAX_HIDDEN_UNITS = 3, 4
TOLERANCE = 1e-6
PARAMETER_LIMIT = 1000.0  # the widgets' bounds: "Next step" must never write a value they refuse


def key(*parts) -> str:
    return "_".join([PREFIX, *map(str, parts)])


def write_network(network: forward.Network) -> None:
    """Put a network's weights and biases into the widgets (before they are drawn: a button callback)."""
    for layer_index, layer in enumerate(network.layers):
        for (source, unit), weight in np.ndenumerate(layer.weights):
            st.session_state[key("weight", layer_index, source, unit)] = float(weight)
        for unit, bias in enumerate(layer.biases):
            st.session_state[key("bias", layer_index, unit)] = float(bias)


def reset_example() -> None:
    network = backprop.default_network()
    st.session_state[key("input_count")] = len(backprop.DEFAULT_INPUTS)
    st.session_state[key("hidden_units")] = network.layers[0].units
    st.session_state[key("hidden_activation")] = network.layers[0].activation
    st.session_state[key("output_activation")] = network.layers[1].activation
    st.session_state[key("loss")] = "squared_error"
    st.session_state[key("learning_rate")] = backprop.DEFAULT_LEARNING_RATE
    st.session_state[key("target")] = backprop.DEFAULT_TARGET
    for index, value in enumerate(backprop.DEFAULT_INPUTS):
        st.session_state[key("input", index)] = value
    write_network(network)


def take_steps(count: int) -> None:
    """Apply ``count`` gradient-descent updates from the trace on screen; the page records each new loss."""
    current = st.session_state[key("trace")]
    for _ in range(count):
        weights = [np.abs(array) for layer in current.updated.layers for array in (layer.weights, layer.biases)]
        if not all(np.all(array <= PARAMETER_LIMIT) for array in weights):  # also catches NaN
            st.session_state[key("stopped")] = (f"Stopped: a weight would leave ±{PARAMETER_LIMIT:g}. The steps "
                                                "are diverging; try a smaller learning rate.")
            break
        try:
            current = backprop.backprop_trace(current.updated, current.inputs, current.target,
                                              current.loss_name, current.learning_rate)
        except ValueError as problem:
            st.session_state[key("stopped")] = f"Stopped: {problem}"
            break
        st.session_state[key("pending_losses")].append(current.loss)
    write_network(current.network)


def number(label: str, widget_key: str, default: float, **bounds) -> float:
    st.session_state.setdefault(widget_key, default)
    bounds = {"min_value": -PARAMETER_LIMIT, "max_value": PARAMETER_LIMIT, "step": 0.1} | bounds
    return st.number_input(label, format="%.6g", key=widget_key, **bounds)


def default_weight(layer: int, source: int, unit: int) -> float:
    example = backprop.default_network().layers[layer].weights
    if source < example.shape[0] and unit < example.shape[1]:
        return float(example[source, unit])
    return 0.2 if (source + unit) % 2 == 0 else -0.2


def layer_editor(layer_index: int, input_names: list[str], unit_names: list[str],
                 activation: str) -> forward.Layer:
    return edit_layer(layer_index, input_names, unit_names, activation, key=key, number=number,
                      starting_weight=default_weight)


def backprop_page() -> None:
    """One example, one step of gradient descent, every number written out and checked against Keras."""
    st.title("Backpropagation")
    st.caption("One training example, one step of gradient descent, every number written out: forward values, loss, "
               "error terms from the output back, each gradient as its chain-rule product, and the update.")

    activation_names = list(backprop.ACTIVATIONS)
    with st.sidebar:
        st.subheader("Network")
        st.session_state.setdefault(key("input_count"), len(backprop.DEFAULT_INPUTS))
        st.session_state.setdefault(key("hidden_units"), 2)
        st.session_state.setdefault(key("hidden_activation"), "sigmoid")
        st.session_state.setdefault(key("output_activation"), "sigmoid")
        st.session_state.setdefault(key("loss"), "squared_error")
        input_count = st.number_input("Inputs", 1, MAX_INPUTS, step=1, key=key("input_count"))
        hidden_units = st.number_input("Hidden units", 1, MAX_HIDDEN_UNITS, step=1, key=key("hidden_units"))
        hidden_activation = st.selectbox("Hidden activation", activation_names, key=key("hidden_activation"))
        output_activation = st.selectbox("Output activation", activation_names, key=key("output_activation"))
        loss_name = st.selectbox("Loss", list(backprop.LOSSES), key=key("loss"),
                                 format_func=lambda name: backprop.LOSSES[name].label)
        learning_rate = number("Learning rate η", key("learning_rate"), backprop.DEFAULT_LEARNING_RATE,
                               min_value=0.0, max_value=10.0, step=0.05)
        st.button("Back to the example", icon=":material/restart_alt:", key=key("reset"), on_click=reset_example,
                  width="stretch")

    input_names = [f"x{index}" for index in range(input_count)]
    hidden_names = [f"h{unit}" for unit in range(hidden_units)]
    with st.expander("Example, weights and biases", expanded=False, icon=":material/edit:"):
        columns = st.columns(MAX_INPUTS + 1)
        inputs = []
        for index, name in enumerate(input_names):
            with columns[index]:
                default = backprop.DEFAULT_INPUTS[index] if index < len(backprop.DEFAULT_INPUTS) else 0.1
                inputs.append(number(f"input {name}", key("input", index), default))
        with columns[-1]:
            target = number("target y", key("target"), backprop.DEFAULT_TARGET)
        hidden_column, output_column = st.columns([hidden_units, 1], gap="large")
        with hidden_column:
            hidden = layer_editor(0, input_names, hidden_names, hidden_activation)
        with output_column:
            output = layer_editor(1, hidden_names, ["o0"], output_activation)

    network = forward.Network((hidden, output))
    try:
        trace = backprop.backprop_trace(network, inputs, target, loss_name, learning_rate)
    except ValueError as problem:
        st.error(str(problem), icon=":material/error:")
        st.stop()
    st.session_state[key("trace")] = trace

    # The loss history: "Next step" extends it; any edit by hand starts it again from the current loss.
    history = st.session_state.setdefault(key("history"), [])
    pending = st.session_state.setdefault(key("pending_losses"), [])
    if pending and history and np.isclose(pending[-1], trace.loss, rtol=1e-12, atol=0.0):
        history.extend(pending)
    elif not history or history[-1] != trace.loss:
        history[:] = [trace.loss]
    pending.clear()
    stopped = st.session_state.pop(key("stopped"), None)
    if stopped:
        st.warning(stopped, icon=":material/warning:")

    with st.container(horizontal=True, gap="small", vertical_alignment="center", key=key("transport")):
        st.button("Next step", icon=":material/skip_next:", key=key("next_step"), on_click=take_steps, args=(1,),
                  type="primary", help="Apply the update below to the weights and work the example through again.")
        st.button("10 steps", icon=":material/fast_forward:", key=key("ten_steps"), on_click=take_steps, args=(10,))
        st.markdown(f"Step **{len(history) - 1}** · loss **{trace.loss:.6g}**")

    st.info("Sign convention: the error term of a unit is δ = −∂L/∂z (z its weighted sum), so the gradient of a "
            "weight is ∂L/∂w = −δ · input and the step Δw = η · δ · input goes against the gradient. With "
            "L = ½(y − o)² and a sigmoid output, δ = (y − o) · o(1 − o).", icon=":material/info:")

    steps = backprop.neuron_steps(trace)
    diagram, chart = st.columns([0.55, 0.45], gap="large")
    with diagram:
        labels = {(0, index): f"{value:.4g}" for index, value in enumerate(inputs)}
        labels |= {(step.layer + 1, step.unit): f"{step.output:.4g}" for step in steps}
        # Markdown, not st.html: st.html's sanitiser drops inline SVG.
        st.markdown(forward.network_svg(network, labels=labels), unsafe_allow_html=True)
    with chart:
        st.markdown("**Loss, step by step**")
        st.plotly_chart(backprop.loss_history_figure(history), config={"displayModeBar": False}, key=key("chart"))

    st.subheader("1. Forward pass")
    for step in steps:
        st.markdown(forward.markdown_math(forward.latex_for(step)))
    st.subheader("2. Loss")
    st.markdown(forward.markdown_math(backprop.latex_loss(trace)))
    st.subheader("3. Error terms, from the output back")
    for layer_index in reversed(range(len(network.layers))):
        for unit in range(network.layers[layer_index].units):
            st.markdown(forward.markdown_math(backprop.latex_error_term(trace, layer_index, unit)))

    st.subheader("4. Gradients and updates")
    keras_grads = backprop_keras.keras_gradients(network, inputs, target, loss_name)
    difference = backprop_keras.compare(trace, keras_grads)
    parameters = backprop.parameter_steps(trace)
    for parameter in parameters:
        # The gradient, then the update: a line break may fall between them (and inside either) on narrow columns.
        st.markdown(forward.markdown_math(backprop.latex_gradient(trace, parameter) + r" \allowbreak\qquad "
                                          + backprop.latex_update(trace, parameter)))

    st.subheader("5. Checked against Keras")
    keras_weights, keras_biases = keras_grads
    rows = [{"parameter": ("b" if p.source is None else "w") + f"{p.layer + 1}"
                          + (f"[{p.unit}]" if p.source is None else f"[{p.source},{p.unit}]"),
             "value": p.value, "our gradient": p.gradient,
             "Keras gradient": float(keras_biases[p.layer][p.unit] if p.source is None
                                     else keras_weights[p.layer][p.source, p.unit]),
             "step Δ": p.step, "new value": p.new_value} for p in parameters]
    if difference <= TOLERANCE:
        st.success(f"Every gradient matches tf.GradientTape on the same network in Keras "
                   f"(max relative difference {difference:.1e}).", icon=":material/check_circle:")
    else:
        st.error(f"The gradients differ from tf.GradientTape's: max relative difference {difference:.1e}.",
                 icon=":material/error:")
    st.dataframe(rows, hide_index=True)


backprop_page()
