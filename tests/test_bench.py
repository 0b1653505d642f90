"""Smoke tests of the training benchmark and of the page benchmark (bench.ui): they run end to end and their --json
output is one well-formed line.

No timing thresholds: shared CI machines are too noisy for them; the numbers are for people to read.
"""

from __future__ import annotations

import math

import pytest
from bench_helpers import bench_report

RATE_KEYS = ("service_epochs_per_s", "naive_epochs_per_s", "ratio", "big_service_epochs_per_s",
             "big_naive_epochs_per_s", "big_ratio", "digits_service_epochs_per_s", "digits_naive_epochs_per_s",
             "digits_ratio")


@pytest.mark.timeout(300)
def test_quick_benchmark_prints_one_json_line_of_positive_rates():
    report = bench_report("bench.training", "--quick")
    for key in RATE_KEYS:
        value = report[key]
        assert isinstance(value, int | float) and math.isfinite(value) and value > 0, (key, value)
    assert report["epochs"] > 0 and report["cpu_count"] > 0
    assert report["tensorflow"] and report["keras"]


UI_POSITIVE = ("updates_per_s", "epochs_per_s_while_open", "server_ms_per_update", "fallback_server_ms_per_update",
               "fallback_updates_per_s", "play_to_first_point_s", "play_to_first_epoch_s",
               "play_to_first_epoch_second_tab_s", "play_to_first_epoch_new_s", "play_to_first_epoch_new_at_once_s",
               "first_paint_s", "first_paint_from_server_start_s", "fallback_first_paint_s", "raf_per_s")
UI_FRACTIONS = ("page_busy_fraction", "page_busy_fraction_raf", "page_task_fraction_cdp", "fallback_page_busy_fraction",
                "fallback_page_task_fraction_cdp")


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_ui_benchmark_reports_issue_12_keys_in_one_run():
    """bench.ui with a 2 s window per server: issue 12's keys are all there, numbers in their ranges (no targets)."""
    report = bench_report("bench.ui", "--window", "2", timeout=560)
    for key in UI_POSITIVE:
        assert _number(report[key]) and report[key] > 0, (key, report[key])
    for key in UI_FRACTIONS:
        # CDP's TaskDuration may overshoot its window slightly (a task straddling an end is counted whole).
        assert _number(report[key]) and 0 <= report[key] <= 1.2, (key, report[key])
    assert report["page_busy_method"].startswith("long tasks")
    # The page's server serves the live channel: the component draws the views and counts the frames it painted;
    # the second server, without the channel, refreshes the fragment.
    assert report["live_path"] == "component" and report["fallback_live_path"] == "fragment"
    assert _number(report["frames_per_s"]) and report["frames_per_s"] > 0, report["frames_per_s"]
    for key in ("output_updates_per_s", "fallback_output_updates_per_s"):
        assert _number(report[key]) and report[key] > 0, (key, report[key])
    # The web process alone (not its workers): a few percent of a core, never the training's 100 % or more.
    for key in ("server_cpu_percent", "fallback_server_cpu_percent", "server_idle_cpu_percent",
                "fallback_server_idle_cpu_percent"):
        assert _number(report[key]) and 0 <= report[key] < 100, (key, report[key])
    assert _number(report["fallback_over_live_ratio"]) and report["fallback_over_live_ratio"] > 0
    # The server was started before the browser opened the link (wall clock against the page's clock: 0.1 s slack).
    assert report["first_paint_from_server_start_s"] >= report["first_paint_s"] - 0.1
    assert 0 < report["first_paint_html_loaded_s"] <= report["first_paint_s"]
    assert report["play_to_first_point_s"] <= report["play_to_first_epoch_s"] + 1  # one frame apart, or so
    assert report["window_s"] >= 2 and report["fallback_window_s"] >= 2
    assert len(report["load_average"]) == 2
