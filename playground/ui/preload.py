"""What a fresh server does before it listens (``serve.py``), so that the first student's page paints at once:
import the modules the Playground page's first run needs and draw the data-set thumbnails. Measured on this
2-core machine, that first run otherwise spent ~2 s importing scikit-learn (the moons thumbnail), pandas (the
tables) and Matplotlib (the exports), while the two training workers imported TensorFlow beside it; and
~1.1 s more compiling Streamlit's emoji pattern and walking its own stack once (``_skip_repl_check``).

TensorFlow stays out: the web process never imports it for the Playground page (the workers train).
"""

from __future__ import annotations

import importlib
import logging

PAGE_MODULES = (
    "streamlit.emojis",  # compiles a regex of every emoji (~0.6 s) at the first st.pills with an icon
    "sklearn.datasets",
    "pandas",
    "matplotlib.figure",
    "plotly.graph_objects",
    "playground.ui.controls",
    "playground.ui.data_panel",
    "playground.ui.evaluation_panel",
    "playground.ui.exports",
    "playground.ui.live",
    "playground.ui.session",
    "playground.ui.style",
)


def preload_page() -> None:
    # Outside a script run Streamlit warns "missing ScriptRunContext" once per st.* call at import (the live
    # component's registration, cached functions): expected here, and sixteen lines of noise in the server's log.
    quiet = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        for name in PAGE_MODULES:
            importlib.import_module(name)
        from playground.options import CLASSIFICATION_DATASETS, REGRESSION_DATASETS
        from playground.ui.dataset_picker import thumbnail_uri

        for name in (*CLASSIFICATION_DATASETS, *REGRESSION_DATASETS):
            thumbnail_uri(name)
        _skip_repl_check()
    finally:
        quiet.setLevel(level)


def _skip_repl_check() -> None:
    """Streamlit's first element in a process checks whether it runs in a REPL, to warn once, with
    ``inspect.stack()``: from a script run's deep stack that reads the source of every frame (~0.5 s of the first
    page run, measured). A served app is no REPL: mark the warning as done."""
    import streamlit.delta_generator as delta_generator

    if hasattr(delta_generator, "_use_warning_has_been_displayed"):
        delta_generator._use_warning_has_been_displayed = True
