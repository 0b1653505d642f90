"""A work-around for a TensorFlow leak that kept every trained job's graphs and data in memory for good.

Keras's TensorFlow optimizer sums gradients with ``ReplicaContext.all_reduce``, which uses
``tf.custom_gradient``; traced in graph mode (every ``fit`` step is a ``tf.function``), that registers a
gradient function under a new name in TensorFlow's process-wide gradient registry and never removes it. The
function closes over the traced tensors, so the whole training graph of every job stayed alive: its functions
in the eager context's library and the training and test sets captured as constants (~3 MB a job on the
default problem, more on large tables). ``keras.backend.clear_session()`` does not remove them. The registry
entry is only needed while the step is traced, so a finished job may drop its own.
"""

from __future__ import annotations

import logging

import tensorflow as tf
from tensorflow.python.framework import ops

_LOG = logging.getLogger(__name__)
_PREFIX = "CustomGradient-"  # tf.custom_gradient's generated names


def forget_custom_gradients(variables) -> int:
    """Unregister the graph-mode custom gradients traced in functions that read any of ``variables`` (one job's
    Keras or TensorFlow variables); returns how many. Entries of other jobs, still tracing, are left alone."""
    mine = {id(getattr(variable, "value", variable)) for variable in variables}
    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    if not mine or not isinstance(registry, dict):
        return 0
    forgotten = 0
    for name, entry in list(registry.items()):
        if name.startswith(_PREFIX) and mine & {id(variable) for variable in _traced_variables(entry)}:
            registry.pop(name, None)
            forgotten += 1
    return forgotten


def _traced_variables(entry) -> list:
    """The variables read by the graphs whose tensors a registry entry closes over ([] when TensorFlow's
    internals are not what this was written against: then nothing is removed)."""
    try:
        # internal_grad_fn -> tape_grad_fn, which closes over the custom function's results (graph tensors).
        tape_grad_fn = entry["type"].__closure__[0].cell_contents
        cells = dict(zip(tape_grad_fn.__code__.co_freevars, tape_grad_fn.__closure__, strict=True))
        tensors = tf.nest.flatten(cells["result"].cell_contents)
    except (KeyError, TypeError, IndexError, AttributeError, ValueError):
        return []
    graphs = {getattr(tensor, "graph", None) for tensor in tensors}
    variables = []
    for graph in graphs:
        try:
            # A FuncGraph lists every variable read in it or in the graphs it contains (a while loop's body too).
            variables.extend(getattr(graph, "variables", ()) if graph is not None else ())
        except AssertionError:  # a graph of another job whose variables are gone already: not ours
            continue
    return variables
