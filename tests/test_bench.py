"""Smoke test of the training benchmark: it runs end to end and its --json output is one well-formed line.

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
