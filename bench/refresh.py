"""One refresh of the Playground page's live views: what it costs the server, in Python, while a run trains.

Usage::

    python -m bench.refresh            # a short table
    python -m bench.refresh --json     # one JSON line on stdout (TensorFlow's chatter stays on stderr)
    python -m bench.refresh --quick    # a few refreshes, for a smoke test

While a run trains, the page's live fragment re-runs 5 times a second in every open session, all in the one
server process. What one re-run costs decides how many students a server holds.

Method:

1. Train a real :class:`playground.training.job.TrainingJob` on the default problem (circle, 2-4-2-1 tanh, SGD
   0.03, batch 10, the default 1000-epoch limit), publishing weights and probe outputs at every epoch, and keep
   the snapshots it publishes at evenly spaced epochs (``--refreshes`` of them). A served page refreshes 5 times
   a second and its job publishes new weights and outputs 5-10 times a second, so every refresh of a real page
   sees new weights, new outputs and a longer history; so does each refresh here, and a cache can only help
   where a real page's would (with what did not change from one snapshot to the next).
2. In one Streamlit session (``streamlit.testing.v1.AppTest``, a real script-run context), render one refresh
   per snapshot, in order: ``playground.ui.live.render_live_views``, the very body of the page's live fragment,
   with the page's default view options (no test data, not discretized, linear axis, no smoothing). Each refresh
   is a script run of its own, as a served fragment's is. ``--sessions N``: N such sessions, each at its own
   point of the run, refresh in turns, as a class's pages do on one server (the same code then runs just before
   each refresh, which a single session's refreshes do not see).

Reported: the CPU time of that body in its thread (``time.thread_time``: the server's cost, and steady on a
machine busy with other work, where wall time is not), median, p90 and mean in ms. It includes building every
element's protobuf message and Streamlit's hashing of it on enqueue. Also: the median wall time of the body
(``wall_ms_median``); the time to serialise the refresh's messages once more, as the server does to send them
(``serialize_ms``); the bytes those messages take (``bytes``, median); and each view's CPU time (``views_ms``,
medians). Not included: the ~0.1 ms of a snapshot copy (``controller.snapshot()``) and Streamlit's own fragment
bookkeeping. The figure to compare is ``refresh_ms_median``; the AppTest tree parsing after each run is not
timed.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field

from bench.training import DEFAULT_QUERY, load_spec, stdout_to_stderr

DEFAULT_EPOCHS, DEFAULT_REFRESHES = 1000, 200
QUICK_EPOCHS, QUICK_REFRESHES = 12, 4
# Timed apart, where playground.ui.live has them: the views' Streamlit calls (before 2026-12), or the HTML builders
# of the one element a refresh sends (its Markdown call is then the rest of the body).
VIEWS = ("render_status", "render_network", "render_boundary", "render_curve", "status_html", "network_html",
         "boundary_html", "curve_html")
JOB_TIMEOUT = 600.0


def collect_snapshots(spec, controller, refreshes: int) -> list:
    """Train the spec's job to its epoch limit; the RUNNING snapshots at ``refreshes`` evenly spaced epochs."""
    from playground.training.job import Status, TrainingJob

    dataset = controller.data().dataset
    job = TrainingJob(spec, dataset, probe_inputs=controller.probe_inputs(), weights_interval=0.0,
                      probe_interval=0.0)
    epochs = spec.epochs
    marks = sorted({max(1, round(epochs * (index + 1) / (refreshes + 1))) for index in range(refreshes)})
    kept, next_mark = [], 0

    def keep(snapshot) -> bool:
        # Called by wait_until at every publication: keep the first snapshot at or past the next mark that has
        # the outputs of its epoch, as a page refreshing then would show. A snapshot past several marks is kept
        # once (the same snapshot twice would flatter a cache).
        nonlocal next_mark
        if (next_mark < len(marks) and snapshot.status == Status.RUNNING and snapshot.epoch >= marks[next_mark]
                and snapshot.probe_epoch >= snapshot.epoch):
            kept.append(snapshot)
            while next_mark < len(marks) and marks[next_mark] <= snapshot.epoch:
                next_mark += 1
        return snapshot.status.is_over

    job.start()
    try:
        if not job.wait_until(keep, timeout=JOB_TIMEOUT):
            raise RuntimeError(f"the training job did not end in {JOB_TIMEOUT:.0f} s")
    finally:
        job.stop()
    if not kept:
        raise RuntimeError(f"the job published no snapshot while training: {job.snapshot().status}")
    return kept


@dataclass
class Feed:
    """What the bench's one-line Streamlit script reads (the controller, the snapshots) and writes (timings)."""

    controller: object
    snapshots: list
    index: int = 0
    record: bool = True
    body_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)
    serialize_ms: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    views_ms: dict[str, list[float]] = field(default_factory=dict)

    def refresh(self) -> None:
        """One refresh of the live views for the next snapshot (called inside the script run)."""
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        from playground.ui import live

        context = get_script_run_ctx()
        sent, enqueue = [], context._enqueue
        context._enqueue = lambda message: (sent.append(message), enqueue(message))
        snapshot = self.snapshots[self.index % len(self.snapshots)]
        timers: dict[str, float] = {}
        originals = {name: getattr(live, name) for name in VIEWS if hasattr(live, name)}
        for name, function in originals.items():
            setattr(live, name, _timed(function, name, timers))
        dataset = self.controller.data().dataset  # the page has it from its job, before the views' body
        try:
            started, wall = time.thread_time(), time.perf_counter()
            live.render_live_views(self.controller, snapshot, dataset)
            body, wall = time.thread_time() - started, time.perf_counter() - wall
        finally:
            context._enqueue = enqueue
            for name, function in originals.items():
                setattr(live, name, function)
        started = time.thread_time()
        size = sum(len(message.SerializeToString()) for message in sent)
        serialize = time.thread_time() - started
        self.index += 1
        if self.record:
            self.body_ms.append(body * 1000)
            self.wall_ms.append(wall * 1000)
            self.serialize_ms.append(serialize * 1000)
            self.sizes.append(size)
            for name, seconds in timers.items():
                self.views_ms.setdefault(name, []).append(seconds * 1000)


def _timed(function, name: str, timers: dict[str, float]):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            timers[name] = timers.get(name, 0.0) + time.thread_time() - started
    return timed


def _script(feed):  # the whole Streamlit script: AppTest runs this function's body with the feed as argument
    feed.refresh()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(epochs: int = DEFAULT_EPOCHS, refreshes: int = DEFAULT_REFRESHES, sessions: int = 1) -> dict:
    from streamlit.testing.v1 import AppTest

    from playground.controller import PlaygroundController
    from playground.training.registry import JobRegistry

    spec = load_spec(DEFAULT_QUERY).replace(epochs=epochs)
    controller = PlaygroundController(JobRegistry(), spec)
    snapshots = collect_snapshots(spec, controller, refreshes)

    warm = Feed(controller, snapshots[:1], record=False)  # imports and first-use costs of the process, untimed
    _run(AppTest.from_function(_script, args=(warm,), default_timeout=120))
    # Fresh sessions (their first refresh counts, as a new page's does), each at its own point of the run, taking
    # turns as a class's pages do on one server.
    feeds = [Feed(controller, snapshots[start:] + snapshots[:start])
             for start in (index * len(snapshots) // sessions for index in range(sessions))]
    apps = [AppTest.from_function(_script, args=(feed,), default_timeout=120) for feed in feeds]
    for _ in snapshots:
        for app in apps:
            _run(app)
    body = [value for feed in feeds for value in feed.body_ms]
    serialize = [value for feed in feeds for value in feed.serialize_ms]
    sizes = [value for feed in feeds for value in feed.sizes]
    views = {}
    for feed in feeds:
        for name, values in feed.views_ms.items():
            views.setdefault(name.removeprefix("render_").removesuffix("_html"), []).extend(values)
    return {
        "refresh_ms_median": round(statistics.median(body), 2),
        "refresh_ms_p90": round(_percentile(body, 0.9), 2),
        "refresh_ms_mean": round(statistics.fmean(body), 2),
        "wall_ms_median": round(statistics.median(value for feed in feeds for value in feed.wall_ms), 2),
        "serialize_ms_median": round(statistics.median(serialize), 3),
        "total_ms_median": round(statistics.median(a + b for a, b in zip(body, serialize, strict=True)), 2),
        "bytes_median": int(statistics.median(sizes)),
        "bytes_max": max(sizes),
        "views_ms": {name: round(statistics.median(values), 2) for name, values in views.items()},
        "refreshes": len(body),
        "sessions": sessions,
        "epochs": [snapshots[0].epoch, snapshots[-1].epoch],
        "query": DEFAULT_QUERY,
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}",
    }


def _run(app) -> None:
    app.run()
    if app.exception:
        raise RuntimeError("the live views raised: " + "; ".join(str(item.value) for item in app.exception))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--quick", action="store_true", help="a few refreshes only (smoke test)")
    parser.add_argument("--epochs", type=int, default=None, help=f"epochs to train (default {DEFAULT_EPOCHS})")
    parser.add_argument("--refreshes", type=int, default=None,
                        help=f"refreshes to time per session, one per snapshot (default {DEFAULT_REFRESHES})")
    parser.add_argument("--sessions", type=int, default=1,
                        help="sessions refreshing in turns, as a class's pages do (default 1)")
    args = parser.parse_args(argv)
    epochs = args.epochs or (QUICK_EPOCHS if args.quick else DEFAULT_EPOCHS)
    refreshes = args.refreshes or (QUICK_REFRESHES if args.quick else DEFAULT_REFRESHES)
    with stdout_to_stderr():
        result = measure(epochs, min(refreshes, epochs - 1), max(1, args.sessions))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>20}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
