"""Work-arounds for Streamlit behaviour that does not fit a page whose models train in background threads."""

from __future__ import annotations

import sys
from typing import Any


def keep_keras_session() -> None:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after every script run.

    Streamlit does that to free models built in the script thread. Ours live in background training jobs, and
    the clear (which also empties TensorFlow's kernel cache and runs ``gc.collect()``) after each of the 4
    refreshes a second stalls those jobs: measured in Chromium, training went from about 100 to under
    1 epoch per second. Matplotlib figures are still closed as before. Safe to call more than once.
    """
    try:
        from streamlit.runtime.scriptrunner import script_runner
    except ImportError:  # a Streamlit without that module has nothing to patch
        return
    if getattr(script_runner, "_playground_patched", False) or not hasattr(script_runner, "_clean_problem_modules"):
        return

    script_runner._clean_problem_modules = close_pyplot_figures
    script_runner._playground_patched = True


def close_pyplot_figures() -> None:
    """Close pyplot's figures, if pyplot is imported. Runs after every script run, while another session's
    thread may be importing pyplot: a module still initialising sits in ``sys.modules`` without ``close``
    (AttributeError: partially initialized module), and it has no figures to close yet anyway."""
    pyplot: Any = sys.modules.get("matplotlib.pyplot")
    if pyplot is None or getattr(getattr(pyplot, "__spec__", None), "_initializing", False):
        return
    close = getattr(pyplot, "close", None)
    if callable(close):
        close("all")


CONFIG_POLL_SECONDS = 2.0


def poll_config_files_less_often() -> None:
    """Streamlit polls its config and secrets files every 0.2 s in a thread pool, whatever
    ``server.fileWatcherType`` says (four files: 20 wake-ups a second of the web process, with no page open).
    A served playground's settings do not change while it runs; an edit still takes effect within 2 s."""
    try:
        from streamlit.watcher import polling_path_watcher
    except ImportError:  # nothing to slow down
        return
    if hasattr(polling_path_watcher, "_POLLING_PERIOD_SECS"):
        polling_path_watcher._POLLING_PERIOD_SECS = CONFIG_POLL_SECONDS
