"""Running a benchmark as its smoke tests do: ``python -m bench.<name> --json``, whose stdout is one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench_report(module: str, *arguments: str, timeout: float = 300) -> dict:
    """Run ``module`` with ``arguments`` and --json from the project's root; the report its one line of stdout
    holds (an AssertionError when it fails or prints anything else)."""
    completed = subprocess.run([sys.executable, "-m", module, *arguments, "--json"], cwd=ROOT,
                               capture_output=True, text=True, timeout=timeout, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.splitlines()
    assert len(lines) == 1, f"stdout must be exactly one JSON line, got: {completed.stdout!r}"
    return json.loads(lines[0])
