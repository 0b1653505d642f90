"""The Streamlit work-around: the cleanup after each script run closes pyplot's figures, never Keras's session,
and leaves alone a pyplot that another thread is still importing."""

import sys
import threading
import types

import pytest
from streamlit.runtime.scriptrunner import script_runner

from playground.ui.compat import keep_keras_session

SLOW_MODULE = '''
import pyplot_gate

pyplot_gate.entered.set()
pyplot_gate.release.wait(60)  # the test lets the import finish once it has run the cleanup


def close(which):
    pyplot_gate.closed.append(which)
'''


@pytest.fixture
def cleanup(monkeypatch):
    """Streamlit's cleanup as keep_keras_session installs it (both restored afterwards)."""
    monkeypatch.setattr(script_runner, "_clean_problem_modules", script_runner._clean_problem_modules)
    monkeypatch.setattr(script_runner, "_playground_patched", False, raising=False)
    keep_keras_session()
    return script_runner._clean_problem_modules


def test_the_cleanup_leaves_a_pyplot_that_another_thread_is_importing(cleanup, monkeypatch, tmp_path):
    # A real import, held halfway in another thread: what a second session's thread does while this one's
    # script run ends. Importing pyplot itself cannot be held, so a stand-in module takes its place.
    gate = types.SimpleNamespace(entered=threading.Event(), release=threading.Event(), closed=[])
    monkeypatch.setitem(sys.modules, "pyplot_gate", gate)
    (tmp_path / "slow_pyplot.py").write_text(SLOW_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_pyplot", raising=False)
    importer = threading.Thread(target=__import__, args=("slow_pyplot",), daemon=True)
    importer.start()
    try:
        assert gate.entered.wait(60)
        monkeypatch.setitem(sys.modules, "matplotlib.pyplot", sys.modules["slow_pyplot"])
        with pytest.raises(AttributeError, match="partially initialized"):
            sys.modules["matplotlib.pyplot"].close  # noqa: B018 - what the unguarded cleanup called
        cleanup()  # must not raise
        assert gate.closed == []
    finally:
        gate.release.set()
        importer.join(60)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", sys.modules["slow_pyplot"])
    cleanup()
    assert gate.closed == ["all"]  # once imported, its figures are closed as before
    monkeypatch.delitem(sys.modules, "slow_pyplot")


def test_the_cleanup_skips_a_pyplot_without_close(cleanup, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", types.ModuleType("matplotlib.pyplot"))
    cleanup()


def test_the_cleanup_never_clears_the_keras_session(cleanup, monkeypatch):
    cleared = []
    keras = types.SimpleNamespace(backend=types.SimpleNamespace(clear_session=lambda: cleared.append(True)))
    monkeypatch.setitem(sys.modules, "keras", keras)
    cleanup()
    assert cleared == []


def test_the_served_process_polls_streamlits_config_and_secrets_files_every_two_seconds(monkeypatch):
    from streamlit.watcher import polling_path_watcher

    from playground.ui.compat import CONFIG_POLL_SECONDS, poll_config_files_less_often

    monkeypatch.setattr(polling_path_watcher, "_POLLING_PERIOD_SECS", 0.2)
    poll_config_files_less_often()
    assert polling_path_watcher._POLLING_PERIOD_SECS == CONFIG_POLL_SECONDS == 2.0
    source = (__import__("pathlib").Path(__file__).parents[1] / "serve.py").read_text()
    assert "poll_config_files_less_often()" in source  # what `make run` serves does it
