"""Smoke test of the refresh benchmark: a few refreshes end to end, one well-formed JSON line, no timing
thresholds (the numbers are for people to read)."""

from __future__ import annotations

import math

import pytest
from bench_helpers import bench_report


@pytest.mark.timeout(300)
def test_quick_refresh_benchmark_prints_one_json_line():
    report = bench_report("bench.refresh", "--quick")
    for key in ("refresh_ms_median", "refresh_ms_p90", "total_ms_median"):
        assert math.isfinite(report[key]) and report[key] > 0, (key, report[key])
    assert report["refreshes"] >= 3 and report["bytes_median"] > 1000
    assert {"status", "network", "boundary", "curve"} <= set(report["views_ms"])
