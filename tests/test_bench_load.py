"""Smoke run of the load benchmark (issue 11): two simulated students for 5 s against a server it starts itself.

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

from bench.load import jain, percentile, tree_cpu_seconds, tree_rss_mb

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
