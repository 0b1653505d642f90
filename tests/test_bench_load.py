"""Smoke runs of the load benchmark (issue 11): two simulated students for 5 s against a server it starts itself,
over the live channel (issue 12), and one student against a server without the channel (the fallback).

No speed thresholds (a shared machine is too noisy for them); it checks that the protocol emulation works end
to end: both sessions pressed Play and saw the counter pass epoch 1, nothing failed, and every figure is a
number in its range.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.proto.BidiComponent_pb2 import BidiComponent

from bench.live_client import component_data, frame_epoch
from bench.load import jain, percentile, tree_cpu_seconds, tree_rss_mb
from bench.student import set_cookie_value

ROOT = Path(__file__).resolve().parents[1]
POSITIVE = ("epochs_per_s_mean", "updates_per_s_mean", "play_to_first_epoch_p50_s", "play_to_first_epoch_p95_s",
            "server_cpu_percent", "server_rss_mb")
NON_NEGATIVE = ("epochs_per_s_min", "updates_per_s_min")


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_two_sessions_press_play_and_see_their_epochs_without_errors():
    completed = subprocess.run([sys.executable, "-m", "bench.load", "--sessions", "2", "--seconds", "5", "--json"],
                               cwd=ROOT, capture_output=True, text=True, timeout=400, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.splitlines()
    assert len(lines) == 1, f"stdout must be exactly one JSON line, got: {completed.stdout!r}"
    report = json.loads(lines[0])

    assert report["sessions"] == 2
    assert report["errors"] == 0, report["error_samples"]
    assert len(report["per_session"]) == 2
    for session in report["per_session"]:
        assert session["reached_epoch"] is True and session["last_epoch"] >= 1, session
        assert session["errors"] == 0, session
    assert report["sessions_reached_epoch"] == 2
    # The page offers its live channel (make run serves it): both sessions get their epochs over it, as the
    # browser's component does.
    assert report["sessions_offered_channel"] == 2
    assert report["paths"] == {"channel": 2, "streamlit": 0, "none": 0}
    assert all(session["path"] == "channel" for session in report["per_session"])
    assert report["channel_messages"] > 0 and report["channel_mb"] > 0
    assert isinstance(report["channel_reconnects"], int) and report["channel_reconnects"] >= 0
    for key in POSITIVE:
        value = report[key]
        assert isinstance(value, int | float) and math.isfinite(value) and value > 0, (key, value)
    for key in NON_NEGATIVE:
        value = report[key]
        assert isinstance(value, int | float) and math.isfinite(value) and value >= 0, (key, value)
    assert report["epochs_per_s_min"] <= report["epochs_per_s_mean"]
    assert report["updates_per_s_min"] <= report["updates_per_s_mean"]
    assert report["play_to_first_epoch_p50_s"] <= report["play_to_first_epoch_p95_s"]
    assert 0.5 <= report["fairness"] <= 1.0  # two sessions: Jain's index is at least 1/2
    # A sanity bound, not a measurement: over a 5 s window the worker processes' CPU, read from /proc at both ends
    # of the window, once overshot the machine's cores by 5 % (210.5 % on 2 cores, CI); half a core more is still
    # impossible unless the tree is counted twice.
    assert report["server_cpu_percent"] <= 100 * (os.cpu_count() or 1) + 50
    assert report["server_rss_mb"] > 100  # the Streamlit process with TensorFlow loaded, not `make`
    assert report["seconds"] >= 5


def test_jain_index_and_percentiles():
    assert jain([10.0, 10.0, 10.0]) == 1.0
    assert jain([30.0, 0.0, 0.0]) == pytest.approx(1 / 3)
    assert jain([20.0, 10.0]) == pytest.approx(0.9)
    assert jain([0.0, 0.0]) == 0.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.95) == pytest.approx(4.8)
    assert percentile([], 0.5) is None


def test_server_cpu_counts_the_children_it_has_reaped():
    before = tree_cpu_seconds([os.getpid()])
    subprocess.run([sys.executable, "-c", "import time\nend = time.process_time() + 0.4\n"
                    "while time.process_time() < end: pass"], check=True, timeout=60)
    assert tree_cpu_seconds([os.getpid()]) - before >= 0.3
    assert tree_rss_mb([os.getpid()]) > 10
    assert tree_cpu_seconds([]) is None and tree_rss_mb([]) is None


def _load_report(*arguments: str) -> dict:
    completed = subprocess.run([sys.executable, "-m", "bench.load", *arguments, "--json"], cwd=ROOT,
                               capture_output=True, text=True, timeout=400, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.splitlines()
    assert len(lines) == 1, f"stdout must be exactly one JSON line, got: {completed.stdout!r}"
    return json.loads(lines[0])


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_without_the_live_channel_a_session_counts_the_page_reruns():
    """The fallback: a server started with PLAYGROUND_LIVE_CHANNEL=off offers no ticket; the session still sees
    its epochs, from the page's fragment reruns."""
    report = _load_report("--sessions", "1", "--seconds", "6", "--serve-without-channel")
    assert report["errors"] == 0, report["error_samples"]
    assert report["sessions_offered_channel"] == 0 and report["channel_messages"] == 0
    assert report["paths"] == {"channel": 0, "streamlit": 1, "none": 0}
    assert report["per_session"][0]["reached_epoch"] is True
    assert report["updates_per_s_mean"] > 0


def test_a_session_reads_the_live_component_data_and_frames_as_the_browser_does():
    component = BidiComponent()
    component.json = json.dumps({"scene": {}, "frame": {"status": {"epoch": "1,234"}},
                                 "ticket": {"path": "/_playground/live", "token": "abc"}})
    data = component_data(component)
    assert data["ticket"] == {"path": "/_playground/live", "token": "abc"}
    assert frame_epoch(data["frame"]) == 1234
    mixed = BidiComponent()
    mixed.mixed.json = json.dumps({"frame": {"status": {"epoch": 7}}})
    assert frame_epoch(component_data(mixed)["frame"]) == 7
    assert component_data(BidiComponent()) is None
    assert frame_epoch({"history": [[3, 0.5, 0.5, 0.9, 0.9]]}) is None  # no status: the epoch did not change
    assert frame_epoch(None) is None and frame_epoch({"status": {"epoch": "–"}}) is None
    headers = [("content-type", "text/plain"), ("set-cookie", "other=1; Path=/"),
               ("set-cookie", '_streamlit_xsrf="2|aa|bb|123"; expires=Thu, 31 Dec 2026 00:00:00 GMT; Path=/')]
    assert set_cookie_value(headers, "_streamlit_xsrf") == "2|aa|bb|123"
    assert set_cookie_value(headers[:1], "_streamlit_xsrf") is None
