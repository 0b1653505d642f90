"""Smoke test of the refresh benchmark: a few refreshes end to end, one well-formed JSON line, no timing
thresholds (the numbers are for people to read)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(300)
def test_quick_refresh_benchmark_prints_one_json_line():
    completed = subprocess.run([sys.executable, "-m", "bench.refresh", "--json", "--quick"], cwd=ROOT,
                               capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.splitlines()
    assert len(lines) == 1, f"stdout must be exactly one JSON line, got: {completed.stdout!r}"
    report = json.loads(lines[0])
    for key in ("refresh_ms_median", "refresh_ms_p90", "total_ms_median"):
        assert math.isfinite(report[key]) and report[key] > 0, (key, report[key])
    assert report["refreshes"] >= 3 and report["bytes_median"] > 1000
    assert {"status", "network", "boundary", "curve"} <= set(report["views_ms"])
