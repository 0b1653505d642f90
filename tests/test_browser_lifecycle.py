"""A closed tab's training stops soon: Chromium presses Play, the tab closes, and the server's log (one line per
job event, from the registry and the training thread) must say the job was dropped and its thread ended.

Its own server, with its log in the test's temporary folder: the shared fixture's test-artifacts/streamlit.log
is one path for everyone working in this checkout.
"""

import os
import pathlib
import re
import signal
import time

import pytest

from bench.server import server_pid, streamlit_server
from tests.test_browser_playground import wait_for_app, wait_for_epoch

pytestmark = pytest.mark.slow

STOP_DEADLINE = 60.0  # seconds: a bound for the test, far above the 10 s grace; the old registry took 120 s


@pytest.fixture
def served(tmp_path):
    """(base URL, log file) of a server for this test alone."""
    log = tmp_path / "streamlit.log"
    with streamlit_server(log) as url:
        yield url, log


def test_closing_the_tab_stops_its_training_job(browser, served):
    app_url, server_log = served

    def log_since(offset: int) -> str:
        with open(server_log, encoding="utf-8", errors="replace") as log:
            log.seek(offset)
            return log.read()

    offset = server_log.stat().st_size
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{app_url}/?dataset=circle&layers=4,2&activation=tanh&epochs=100000&seed=11")
        wait_for_app(page)
        page.get_by_role("button", name="Play", exact=True).click()
        wait_for_epoch(page, "epoch >= 5", timeout=90_000)
        page.wait_for_timeout(1000)  # the thread's "started" line is written before epoch 0
        started = re.findall(r"job (\w+): training thread started", log_since(offset))
        assert len(started) == 1, log_since(offset)
        job_id = started[0]
        assert re.search(rf"job {job_id} created for session \S+", log_since(offset))
        assert f"job {job_id} stopped" not in log_since(offset)  # an open tab keeps its run
    finally:
        context.close()
    closed = time.monotonic()

    dropped = f"job {job_id} stopped and dropped: its page closed"
    ended = f"job {job_id}: training thread ended, stopped"
    while time.monotonic() - closed < STOP_DEADLINE:
        text = log_since(offset)
        if dropped in text and ended in text:
            break
        time.sleep(0.25)
    waited = time.monotonic() - closed
    text = log_since(offset)
    assert dropped in text and ended in text, f"after {waited:.0f} s:\n{text}"
    print(f"the closed tab's job stopped {waited:.1f} s after the tab closed")


def test_a_drained_server_ends_its_jobs_cleanly_and_logs_its_status(browser, served):
    """SIGTERM (a replica being drained): the server stops, and its training job ends as stopped on the way."""
    app_url, server_log = served
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/?epochs=100000&seed=5")
    wait_for_app(page)
    page.get_by_role("button", name="Play", exact=True).click()
    wait_for_epoch(page, "epoch >= 5", timeout=90_000)
    deadline = time.monotonic() + 20
    while "training=1" not in server_log.read_text(errors="replace"):
        assert time.monotonic() < deadline, server_log.read_text(errors="replace")
        time.sleep(0.25)
    assert re.search(r"status: sessions=1 sessions_with_jobs=1 jobs=1 training=1", server_log.read_text())
    pid = server_pid(app_url)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_DEADLINE
    while pathlib.Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.25)
    text = server_log.read_text(errors="replace")
    assert not pathlib.Path(f"/proc/{pid}").exists(), text
    assert re.search(r"job \w+: training thread ended, stopped after \d+ epochs", text), text
    assert "Traceback" not in text
