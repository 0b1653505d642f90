"""Does a dropped job give its memory and threads back? Jobs trained a few epochs, then dropped the way a closed
tab's job is (its owner gone past the grace period), one after another in this process.

Usage::

    python -m bench.job_memory                   # 40 jobs on TensorFlow Playground's default problem
    python -m bench.job_memory --dropout --json  # without XLA (dropout turns it off), one JSON line

Reported after each job, with ``gc.collect()`` first (Python frees Keras models, which are reference cycles, at
its next full collection anyway): the resident set size (VmRSS), the process's threads (/proc/self/status, so
TensorFlow's own included) and Python's, the jobs, Keras models and TensorFlow graphs still alive, and
TensorFlow's graph-mode custom gradients (see playground/training/tf_leaks.py). The first ``--warmup`` jobs are
excluded from the growth figures: TensorFlow and XLA build their caches and thread pools on first use.
"""

from __future__ import annotations

import argparse
import gc
import json
import threading
import time

from playground.spec import RunSpec
from playground.training.registry import JobRegistry

DEFAULT_QUERY = "dataset=circle&layers=4,2&activation=tanh&lr=0.03&batch=10&optimizer=sgd&epochs=100000&seed=1"


def process_status() -> dict[str, int]:
    """VmRSS (kB) and Threads of this process."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "Threads"):
                values[name] = int(value.split()[0])
    return values


def census() -> dict[str, int]:
    """What is alive now, after a full collection."""
    gc.collect()
    names = {"TrainingJob": 0, "Engine": 0, "Functional": 0, "EpochTrainer": 0, "FuncGraph": 0}
    for thing in gc.get_objects():
        name = type(thing).__name__
        if name in names:
            names[name] += 1
    status = process_status()
    from tensorflow.python.framework import ops

    registry = getattr(ops, "_gradient_registry", None)
    custom = sum(name.startswith("CustomGradient-") for name in getattr(registry, "_registry", {}))
    return {"rss_mb": round(status["VmRSS"] / 1024, 1), "os_threads": status["Threads"],
            "python_threads": threading.active_count(), "jobs_alive": names["TrainingJob"],
            "engines_alive": names["Engine"], "models_alive": names["Functional"] + names["EpochTrainer"],
            "graphs_alive": names["FuncGraph"], "custom_gradients": custom}


def run(jobs: int = 40, warmup: int = 5, epochs: int = 3, dropout: bool = False, progress=None) -> dict:
    """Train and drop ``jobs`` jobs; returns the census after each, and the growth after the warm-up."""
    spec = RunSpec.from_query(DEFAULT_QUERY + ("&dropout=0.1,0.1" if dropout else "")).spec
    connected: set[str] = set()
    registry = JobRegistry(reap_interval=3600, is_owner_alive=connected.__contains__, owner_grace=1.0)
    rows = []
    try:
        for number in range(jobs):
            owner = f"tab-{number}"
            connected.add(owner)
            job = registry.create(spec, owner=owner)
            job.start()
            if not job.wait_until(lambda snapshot: snapshot.epoch >= epochs or snapshot.status.is_over, 300):
                raise RuntimeError(f"job {number} did not reach epoch {epochs}")
            connected.discard(owner)  # the tab closes
            now = time.monotonic()
            registry.reap(now)
            if registry.reap(now + registry.owner_grace) != [job.id]:
                raise RuntimeError(f"job {number} was not dropped")
            if not job.join(120):
                raise RuntimeError(f"job {number}'s thread did not end")
            del job
            rows.append(census())
            if progress:
                progress(number, rows[-1])
    finally:
        registry.close()
    base, last = rows[min(warmup, jobs) - 1], rows[-1]
    counted = max(len(rows) - min(warmup, jobs), 1)
    return {"jobs": jobs, "warmup": warmup, "epochs": epochs, "xla": not dropout, "after_first": rows[0],
            "after_warmup": base, "at_end": last,
            "rss_growth_mb_per_job": round((last["rss_mb"] - base["rss_mb"]) / counted, 2),
            "os_thread_growth": last["os_threads"] - base["os_threads"], "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--dropout", action="store_true", help="dropout 0.1 in both layers (no XLA)")
    parser.add_argument("--json", action="store_true", help="one JSON line on stdout")
    args = parser.parse_args()

    def show(number, row):
        print(f"job {number + 1:3d}: " + ", ".join(f"{key} {value}" for key, value in row.items()), flush=True)

    report = run(args.jobs, args.warmup, args.epochs, args.dropout, progress=None if args.json else show)
    if args.json:
        print(json.dumps({key: value for key, value in report.items() if key != "rows"}))
    else:
        print(f"after job {args.warmup}: {report['after_warmup']}\nat the end: {report['at_end']}\n"
              f"RSS growth per job after the warm-up: {report['rss_growth_mb_per_job']} MB; "
              f"OS threads {report['os_thread_growth']:+d}")


if __name__ == "__main__":
    main()
