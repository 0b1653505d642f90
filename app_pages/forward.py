"""Forward pass, neuron by neuron: edit a small network and watch each weighted sum and activation.

Thin: widgets in, ``playground.teaching.forward`` for every number, LaTeX and SVG out.
"""

import numpy as np
import streamlit as st

from playground.options import ACTIVATIONS
from playground.teaching import forward
from playground.ui import session
from playground.ui.weights_editor import edit_layer

PREFIX = "forward"
MAX_INPUTS, MAX_HIDDEN_UNITS = 4, 4


def key(*parts) -> str:
    return "_".join([PREFIX, *map(str, parts)])


def load_example(inputs: tuple[float, ...], hidden_activation: str) -> None:
    """Button callback: the tutorials' 2-2-1 network with these inputs, every step shown."""
    st.session_state[key("input_count")] = 2
    st.session_state[key("hidden_units")] = 2
    network = forward.worked_example(hidden_activation)
    for index, value in enumerate(inputs):
        st.session_state[key("input", index)] = value
    for layer_index, layer in enumerate(network.layers):
        st.session_state[key("activation", layer_index)] = layer.activation
        for (source, unit), weight in np.ndenumerate(layer.weights):
            st.session_state[key("weight", layer_index, source, unit)] = float(weight)
        for unit, bias in enumerate(layer.biases):
            st.session_state[key("bias", layer_index, unit)] = float(bias)
    st.session_state[key("shown")] = None


def number(label: str, widget_key: str, default: float, help_text: str | None = None) -> float:
    st.session_state.setdefault(widget_key, default)
    return st.number_input(label, min_value=-100.0, max_value=100.0, step=0.5, format="%.4g", key=widget_key,
                           help=help_text)


def layer_editor(layer_index: int, layer_count: int, input_names: list[str], unit_names: list[str]) -> forward.Layer:
    """One layer's activation, weights and biases as widgets; returns the layer they describe."""
    role = "Output layer" if layer_index == layer_count - 1 else "Hidden layer"
    st.session_state.setdefault(key("activation", layer_index), "linear")
    activation = st.selectbox(f"{role} activation", ACTIVATIONS, key=key("activation", layer_index))
    return edit_layer(layer_index, input_names, unit_names, activation, key=key, number=number,
                      starting_weight=lambda layer, source, unit: forward.starting_weight(layer, source, unit,
                                                                                            layer_count))


def render_trained_network() -> None:
    """Step through the network trained on the Playground page, for one test sample."""
    run = session.trained_run()
    if run is None:
        st.info("Train a network on the **Playground** page first (Play or Step): then pick one of its test "
                "samples here and follow it through the trained weights.", icon=":material/hub:")
        return
    spec, snapshot, dataset = run
    network = forward.network_from_weights(snapshot.weights, (*spec.activations, spec.output_activation))
    sample = st.number_input(f"Test sample (0-{len(dataset.x_test) - 1})", 0, len(dataset.x_test) - 1, 0,
                             key=key("sample"))
    inputs = dataset.x_test[int(sample)]
    steps = forward.forward_trace(network, inputs)
    st.caption(f"{spec.describe()}, at epoch {snapshot.weights_epoch:,}. Inputs: "
               + ", ".join(f"{name} = {value:.4g}" for name, value in zip(dataset.feature_names, inputs,
                                                                          strict=True))
               + f"; true label {dataset.labels_test()[int(sample)]:.4g}.")
    names = [f"layer {step.layer + 1}, unit {step.unit}" + (" (output)" if step.is_output_layer else "")
             for step in steps]
    chosen = st.selectbox("Neuron to write out in full", range(len(steps)), format_func=names.__getitem__,
                          index=len(steps) - 1, key=key("neuron"))
    st.markdown(forward.markdown_math(forward.latex_for(steps[chosen])))
    st.markdown("**Every layer** (the rest as vectors):")
    for layer in range(len(network.layers)):
        st.markdown(forward.markdown_math(forward.latex_layer(steps, layer)))
    keras_values = forward.keras_forward(network, inputs)
    ours = forward.layer_outputs(steps)
    difference = max(float(np.max(np.abs(a - b))) for a, b in zip(ours, keras_values, strict=True))
    st.caption(f":material/check_circle: A Keras model with these weights computes the same values "
               f"(largest difference {difference:.1e}).")


def forward_page() -> None:
    """The forward pass, one neuron at a time: by hand, or through the network trained on the Playground."""
    st.title("Forward pass")
    st.caption("Each neuron adds up its inputs times its weights, adds its bias and applies its activation. "
               "The activations are Keras's own functions, so these are the numbers a Keras model computes.")
    source = st.segmented_control("Network", ["Edit by hand", "My trained network"], default="Edit by hand",
                                  key=key("source"), help="'My trained network' is the one on the Playground page.")
    if source == "My trained network":
        render_trained_network()
        st.stop()

    with st.sidebar:
        st.subheader("Network")
        st.session_state.setdefault(key("input_count"), 2)
        st.session_state.setdefault(key("hidden_units"), 2)
        input_count = st.number_input("Inputs", 1, MAX_INPUTS, step=1, key=key("input_count"))
        hidden_units = st.number_input("Hidden units", 1, MAX_HIDDEN_UNITS, step=1, key=key("hidden_units"))
        st.button("Worked example: inputs (2, 3), linear", key=key("load_example"), on_click=load_example,
                  args=(forward.WORKED_EXAMPLE_INPUTS, "linear"), width="stretch")
        st.button("Where ReLU matters: inputs (3, 2), ReLU", key=key("load_relu"), on_click=load_example,
                  args=(forward.RELU_MATTERS_INPUTS, "relu"), width="stretch",
                  help=forward.relu_matters_note())

    input_names = [f"x{index}" for index in range(input_count)]
    hidden_names = [forward.hidden_unit_name(unit) for unit in range(hidden_units)]
    with st.expander("Inputs, weights and biases", expanded=True, icon=":material/edit:"):
        input_columns = st.columns(MAX_INPUTS)
        inputs = []
        for index, name in enumerate(input_names):
            with input_columns[index]:
                default = forward.WORKED_EXAMPLE_INPUTS[index] if index < len(forward.WORKED_EXAMPLE_INPUTS) else 1.0
                inputs.append(number(f"input {name}", key("input", index), default))
        hidden_column, output_column = st.columns([hidden_units, 1], gap="large")
        with hidden_column:
            hidden = layer_editor(0, 2, input_names, hidden_names)
        with output_column:
            output = layer_editor(1, 2, hidden_names, ["o0"])

    network = forward.Network((hidden, output))
    steps = forward.forward_trace(network, inputs)

    # How many neurons are shown: None means all of them (the default, and after "Show all").
    shown = st.session_state.get(key("shown"))
    shown = len(steps) if shown is None else min(max(shown, 1), len(steps))


    def show(count: int | None) -> None:
        st.session_state[key("shown")] = count


    with st.container(horizontal=True, gap="small", key=key("transport")):
        st.button("Start over", icon=":material/first_page:", key=key("start"), on_click=show, args=(1,),
                  help="Show only the first neuron, then step.")
        st.button("Next neuron", icon=":material/skip_next:", key=key("next_neuron"), on_click=show,
                  args=(shown + 1,), disabled=shown >= len(steps))
        st.button("Next layer", icon=":material/fast_forward:", key=key("next_layer"), on_click=show,
                  args=(forward.next_layer_position(steps, shown),), disabled=shown >= len(steps))
        st.button("Show all", icon=":material/done_all:", key=key("show_all"), on_click=show, args=(None,),
                  disabled=shown >= len(steps))

    current = steps[shown - 1]
    labels = {(0, index): f"{value:.4g}" for index, value in enumerate(inputs)}
    labels |= {(step.layer + 1, step.unit): f"{step.output:.4g}" for step in steps[:shown]}
    diagram, working = st.columns([0.45, 0.55], gap="large")
    with diagram:
        highlighted = None if shown == len(steps) else (current.layer + 1, current.unit)
        # Markdown, not st.html: st.html's sanitiser drops inline SVG.
        st.markdown(forward.network_svg(network, labels=labels, highlighted=highlighted), unsafe_allow_html=True)
    with working:
        if shown < len(steps):
            st.markdown(f"Neuron {shown} of {len(steps)}: highlighted in the drawing, its weights on its links.")
        for step in steps[:shown]:
            st.markdown(forward.markdown_math(forward.latex_for(step)))

    if shown == len(steps):
        values = forward.layer_outputs(steps)
        st.markdown("**Hidden values:** " + ", ".join(f"{value:.4g}" for value in values[0])
                    + f" · **Output:** {values[-1][0]:.4g}")
        if not all(np.all(np.isfinite(layer)) for layer in values):
            st.warning("Some values overflow to infinity: try smaller inputs or weights.", icon=":material/warning:")
        else:
            keras_values = forward.keras_forward(network, inputs)
            difference = max(float(np.max(np.abs(ours - theirs))) for ours, theirs in zip(values, keras_values, strict=True))
            st.caption(f":material/check_circle: A Keras model with these weights computes the same values "
                       f"(largest difference {difference:.1e}).")


forward_page()
