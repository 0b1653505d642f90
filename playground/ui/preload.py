"""What a fresh server does before it listens (``serve.py``), so that the first student's page paints at once:
import the modules the Playground page's first run needs and draw the data-set thumbnails. Measured on this
2-core machine, that first run otherwise spent ~2 s importing scikit-learn (the moons thumbnail), pandas (the
tables) and Matplotlib (the exports), while the two training workers imported TensorFlow beside it.

TensorFlow stays out: the web process never imports it for the Playground page (the workers train).
"""

from __future__ import annotations

import importlib
import logging

PAGE_MODULES = (
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
    finally:
        quiet.setLevel(level)
