"""A layer's weights and biases as number inputs, one column per unit (the forward and backprop pages)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from playground.teaching.forward import Layer


def edit_layer(layer_index: int, input_names: list[str], unit_names: list[str], activation: str, *,
               key: Callable[..., str], number: Callable[[str, str, float], float],
               starting_weight: Callable[[int, int, int], float]) -> Layer:
    """Draw the widgets and return the layer they describe. ``key`` makes the page's widget keys, ``number``
    draws one number input (the page's bounds and format), ``starting_weight(layer, source, unit)`` the default."""
    weights = np.zeros((len(input_names), len(unit_names)))
    biases = np.zeros(len(unit_names))
    for unit, column in enumerate(st.columns(len(unit_names))):
        with column:
            st.markdown(f"**{unit_names[unit]}**")
            for source, source_name in enumerate(input_names):
                weights[source, unit] = number(f"weight {source_name} → {unit_names[unit]}",
                                               key("weight", layer_index, source, unit),
                                               starting_weight(layer_index, source, unit))
            biases[unit] = number(f"bias of {unit_names[unit]}", key("bias", layer_index, unit), 0.0)
    return Layer(weights, biases, activation)
