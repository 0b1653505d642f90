"""Page speed, measured in Chromium: how soon the page is up and Play shows an epoch, how often the live views
update while training, how busy that keeps the browser and the web server, and how many epochs per second the
run reaches while the page is open.

Usage::

    python -m bench.ui            # a short table
    python -m bench.ui --json     # one JSON line on stdout

Setting: `make run` on 127.0.0.1 (``bench/server.py``: ``streamlit run serve.py``, the live channel served) and
Debian's Chromium through Playwright, at 1366x768, on TensorFlow Playground's default problem (circle, 2-4-2-1
tanh, SGD 0.03, batch 10). One run measures two servers, one after the other, so both figures of a ratio come
from the same run and machine state:

1. **The page's server** (live channel on). ``first_paint_s``: Chromium is launched first; then the server is
   started, and the browser opens the link as soon as it answers its health check. A script installed before
   the page's own stamps the first animation frame in which the Play button and the output view (``.pg-output``,
   with a size) are both visible: ``first_paint_s`` counts from the browser's navigation start (Performance
   API's time origin), ``first_paint_from_server_start_s`` from the moment ``make run`` was started.
   ``play_to_first_epoch_s``: in that tab, a first Play until epoch 3 imports TensorFlow in the workers and
   builds this network; Pause, Reset (epoch 0); then the measured Play, from the click (a capturing listener) to
   the first animation frame showing "Epoch N" with N >= 1 (``play_to_first_point_s``: to the first point of
   the loss curve). While that run trains (from epoch 20) one window of ``--window`` seconds gives:
   ``updates_per_s`` (changes of the epoch counter's text seen by a requestAnimationFrame loop: page updates
   that were painted), ``frames_per_s`` (the live component's ``data-frames`` counter, when the page has it),
   ``output_updates_per_s`` (changes of the output view's picture seen by the same loop: the component's grids,
   read from its state, or the fragment's image),
   ``epochs_per_s_while_open`` (the counter's values), ``page_busy_fraction`` (the Performance API's long tasks:
   the time in main-thread tasks of 50 ms or more, over the window; ``page_busy_fraction_raf``: the animation
   frames' delays past 1.5 frames of 60 Hz, summed; ``page_task_fraction_cdp``: Chromium's own TaskDuration
   metric through the DevTools protocol, every main-thread task however short), and ``server_ms_per_update``:
   CPU time (user + system, ``/proc/<pid>/stat``) of the Streamlit web process alone, not of its training
   worker processes, per second of the window over the updates per second counted.
   ``server_idle_cpu_percent``: the same process's CPU over 3 s with the page open before the first Play
   (Streamlit's own config and secrets polling, the job registry); ``server_ms_per_update_above_idle`` leaves
   that out. Then ``play_to_first_epoch_second_tab_s`` (a second
   tab on the same link presses Play: a run of a network this server built, possibly on the other worker),
   ``play_to_first_epoch_new_s`` (a tab on a network of a new shape, ``layers=3``, not trained on this server
   yet) and ``play_to_first_epoch_new_at_once_s`` (another new shape, ``layers=5``, Play pressed the moment its
   button appears: no idle time for the workers to compile ahead). The other measured tabs wait 0.5 s after
   their Play button appears, as a student would. ``first_paint_html_loaded_s``: the page's DOMContentLoaded,
   from the navigation start (the rest of the first paint is the frontend connecting and the page's first run).
2. **The fallback server**, started afresh with ``PLAYGROUND_LIVE_CHANNEL=off`` in its environment (no live
   channel: the page refreshes its views with fragment reruns): the same window gives
   ``fallback_server_ms_per_update`` and ``fallback_updates_per_s``, and its own first paint
   (``fallback_first_paint_s``).

Elements inside a component's shadow root are found too. ``live_path`` says whether the page drew its views with
the live component (an element with ``data-frames``) or with fragment reruns. The load average is recorded at
the start and the end (the machine is shared). Nothing is asserted: the figures are for people to read.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import time

from bench.page_probes import HELPERS_JS, WATCH_PLAY_JS, WINDOW_END_JS, WINDOW_START_JS, WINDOW_STOP_JS
from bench.server import chromium, server_pid, streamlit_server

QUERY = "dataset=circle&layers=4,2&activation=tanh&lr=0.03&batch=10&optimizer=sgd&epochs=100000&seed=1"
NEW_QUERY = QUERY.replace("layers=4,2", "layers=3")  # network shapes the measured server has not trained
NEW_AT_ONCE_QUERY = QUERY.replace("layers=4,2", "layers=5")
CHANNEL_SWITCH = "PLAYGROUND_LIVE_CHANNEL"
VIEWPORT = {"width": 1366, "height": 768}
SETTLE_MS = 500  # a student's pause between seeing the Play button and pressing it
TRAINING_FROM_EPOCH = 20  # the window opens once the run shows this epoch
# Seconds of training watched per server. The web process's CPU is read in ticks of 10 ms (/proc/<pid>/stat):
# a live page costs about 2 a second, so 8 s (the window until 2026-12-03) read 16-18 of them, and one tick more
# or less moved server_ms_per_update by 6 %; 20 s also holds four of the evaluation tab's refreshes, not 1 or 2.
WINDOW_SECONDS = 20.0
IDLE_SECONDS = 3.0  # the web process's CPU with the page open and idle, before the first Play

def _wait_epoch(page, condition: str, timeout_ms: float = 120_000) -> None:
    page.wait_for_function(f"() => window.__pg && window.__pg.epoch() {condition}", timeout=timeout_ms)


def _button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def _open(context, url: str, query: str, settle_ms: float = SETTLE_MS):
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{url}/?{query}")
    page.locator(".pg-epoch").wait_for()
    _button(page, "Play").wait_for()
    if settle_ms:
        page.wait_for_timeout(settle_ms)
    return page


def _timed_play(page, timeout_ms: float = 120_000) -> dict:
    """Press Play; seconds from the click to the first loss point and to the first epoch >= 1 drawn."""
    page.evaluate(WATCH_PLAY_JS)
    _button(page, "Play").click()
    page.wait_for_function("() => window.__pg.play.firstEpoch !== null", timeout=timeout_ms)
    with_point = "() => window.__pg.play.firstPoint !== null"
    try:
        page.wait_for_function(with_point, timeout=5_000)
    except Exception:  # noqa: BLE001 - a page without a loss curve still has its epoch figure
        pass
    stamps = page.evaluate("() => window.__pg.play")
    seconds = {key: None if stamps[key] is None else round((stamps[key] - stamps["click"]) / 1000, 3)
               for key in ("firstPoint", "firstEpoch")}
    return {"first_point_s": seconds["firstPoint"], "first_epoch_s": seconds["firstEpoch"]}


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (all its threads; not its child processes)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _idle_cpu_percent(page, pid: int | None, seconds: float = IDLE_SECONDS) -> float | None:
    """The web process's CPU (% of one core) with the page open and nothing training."""
    if not pid:
        return None
    start, clock = process_cpu_seconds(pid), time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    return round(100 * (process_cpu_seconds(pid) - start) / (time.monotonic() - clock), 2)


def _cdp_task_seconds(cdp) -> tuple[float, float]:
    metrics = {metric["name"]: metric["value"] for metric in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["Timestamp"], metrics["TaskDuration"]


def _training_window(page, cdp, pid: int | None, seconds: float) -> dict:
    """One window of training on an open page: see the module's docstring."""
    _wait_epoch(page, f">= {TRAINING_FROM_EPOCH}")
    cpu_start, cpu_clock_start = process_cpu_seconds(pid) if pid else None, time.monotonic()
    cdp_start = _cdp_task_seconds(cdp)
    page.evaluate(WINDOW_START_JS)
    page.wait_for_timeout(seconds * 1000)
    page.evaluate(WINDOW_STOP_JS)
    cdp_end = _cdp_task_seconds(cdp)
    cpu_end, cpu_clock_end = process_cpu_seconds(pid) if pid else None, time.monotonic()
    result = page.evaluate(WINDOW_END_JS)
    elapsed = result["elapsedMs"] / 1000
    updates = result["updates"]
    # The server's CPU per second (over Python's window) over the page's updates per second (over its own).
    cpu_per_s = None if cpu_start is None else (cpu_end - cpu_start) / (cpu_clock_end - cpu_clock_start)
    updates_per_s = updates / elapsed
    return {
        "updates_per_s": round(updates_per_s, 2),
        "frames_per_s": None if result["frames"] is None else round(result["frames"] / elapsed, 2),
        "output_updates_per_s": round(result["pictures"] / elapsed, 2),
        "epochs_per_s": round((result["epoch1"] - result["epoch0"]) / elapsed, 1),
        "page_busy_fraction": None if result["longTasksMs"] is None
        else round(result["longTasksMs"] / 1000 / elapsed, 3),
        "long_tasks": result["longTaskCount"],
        "page_busy_fraction_raf": round(result["rafBusyMs"] / 1000 / elapsed, 3),
        "raf_per_s": round(result["rafFrames"] / elapsed, 1),
        "page_task_fraction_cdp": round((cdp_end[1] - cdp_start[1]) / (cdp_end[0] - cdp_start[0]), 3),
        "server_cpu_percent": None if cpu_per_s is None else round(100 * cpu_per_s, 1),
        "server_ms_per_update": None if cpu_per_s is None or not updates else round(1000 * cpu_per_s / updates_per_s, 2),
        "window_s": round(elapsed, 2),
    }


def _first_paint(stack: contextlib.ExitStack, browser, env: dict[str, str]) -> tuple:
    """Start a server and open the link the moment it answers; (url, context, page, figures). The server and the
    browser context end with ``stack``."""
    context = browser.new_context(viewport=VIEWPORT)
    stack.callback(context.close)
    context.add_init_script(HELPERS_JS)
    started_wall = time.time()
    url = stack.enter_context(streamlit_server(env=env, poll_interval=0.02))
    stack.callback(context.close)  # before the server stops: the page's session ends first
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{url}/?{QUERY}", wait_until="commit")
    page.wait_for_function("() => window.__pg && window.__pg.firstPaint !== null", timeout=120_000)
    paint = page.evaluate("() => window.__pg.firstPaint")
    loaded = page.evaluate("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    figures = {"first_paint_s": round(paint["sinceNavigation"] / 1000, 3),
               "first_paint_from_server_start_s": round(paint["wall"] / 1000 - started_wall, 3),
               "first_paint_html_loaded_s": round(loaded / 1000, 3)}
    return url, context, page, figures


def _live_path(page) -> str:
    return "component" if page.evaluate("() => window.__pg.find('[data-frames]') !== null") else "fragment"


def measure_channel_server(browser, window_seconds: float) -> dict:
    with contextlib.ExitStack() as stack:
        url, context, page, figures = _first_paint(stack, browser, {CHANNEL_SWITCH: "on"})
        pid = server_pid(url)
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.locator(".pg-epoch").wait_for()
        page.wait_for_timeout(1000)  # the page's first run and its requests are over
        idle = _idle_cpu_percent(page, pid)
        # TensorFlow imported (in the workers) and this network built: Play to epoch 3, Pause, Reset.
        _button(page, "Play").click()
        _wait_epoch(page, ">= 3")
        _button(page, "Pause").click()
        _button(page, "Play").wait_for()
        _button(page, "Reset").click()
        _wait_epoch(page, "=== 0")
        _button(page, "Play").wait_for()
        page.wait_for_timeout(SETTLE_MS)
        play = _timed_play(page)
        window = _training_window(page, cdp, pid, window_seconds)
        path = _live_path(page)
        _button(page, "Pause").click()
        _button(page, "Play").wait_for()

        second = _open(context, url, QUERY)
        second_play = _timed_play(second)
        _button(second, "Pause").click()
        second.close()
        new = _open(context, url, NEW_QUERY)
        new_play = _timed_play(new)
        _button(new, "Pause").click()
        new.close()
        new = _open(context, url, NEW_AT_ONCE_QUERY, settle_ms=0)
        new_at_once = _timed_play(new)
        _button(new, "Pause").click()
        new.close()
    return {**figures, "play": play, "second_play": second_play, "new_play": new_play, "new_at_once": new_at_once,
            "window": window, "live_path": path, "idle_cpu_percent": idle}


def measure_fallback_server(browser, window_seconds: float) -> dict:
    with contextlib.ExitStack() as stack:
        url, context, page, figures = _first_paint(stack, browser, {CHANNEL_SWITCH: "off"})
        pid = server_pid(url)
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.locator(".pg-epoch").wait_for()
        page.wait_for_timeout(1000)  # the page's first run and its requests are over
        idle = _idle_cpu_percent(page, pid)
        _button(page, "Play").click()
        window = _training_window(page, cdp, pid, window_seconds)
        path = _live_path(page)
        _button(page, "Pause").click()
        _button(page, "Play").wait_for()
    return {**figures, "window": window, "live_path": path, "idle_cpu_percent": idle}


def _above_idle(window: dict, idle_percent: float | None) -> float | None:
    """CPU ms per update of the web process beyond what it spends with the page open and idle."""
    if idle_percent is None or window["server_cpu_percent"] is None or not window["updates_per_s"]:
        return None
    return round(10 * (window["server_cpu_percent"] - idle_percent) / window["updates_per_s"], 2)


def measure(window_seconds: float = WINDOW_SECONDS) -> dict:
    load_start = os.getloadavg()
    with chromium() as browser:
        live = measure_channel_server(browser, window_seconds)
        fallback = measure_fallback_server(browser, window_seconds)
    window, old = live["window"], fallback["window"]
    ratio = None
    if window["server_ms_per_update"] and old["server_ms_per_update"]:
        ratio = round(old["server_ms_per_update"] / window["server_ms_per_update"], 2)
    return {
        "updates_per_s": window["updates_per_s"],
        "frames_per_s": window["frames_per_s"],
        "output_updates_per_s": window["output_updates_per_s"],
        "page_busy_fraction": window["page_busy_fraction"],
        "page_busy_method": "long tasks (PerformanceObserver 'longtask', time in tasks >= 50 ms / window)",
        "page_busy_fraction_raf": window["page_busy_fraction_raf"],
        "page_task_fraction_cdp": window["page_task_fraction_cdp"],
        "long_tasks": window["long_tasks"],
        "raf_per_s": window["raf_per_s"],
        "epochs_per_s_while_open": window["epochs_per_s"],
        "server_ms_per_update": window["server_ms_per_update"],
        "server_cpu_percent": window["server_cpu_percent"],
        "server_ms_per_update_above_idle": _above_idle(window, live["idle_cpu_percent"]),
        "server_idle_cpu_percent": live["idle_cpu_percent"],
        "fallback_server_ms_per_update": old["server_ms_per_update"],
        "fallback_server_ms_per_update_above_idle": _above_idle(old, fallback["idle_cpu_percent"]),
        "fallback_server_idle_cpu_percent": fallback["idle_cpu_percent"],
        "fallback_over_live_ratio": ratio,
        "fallback_updates_per_s": old["updates_per_s"],
        "fallback_output_updates_per_s": old["output_updates_per_s"],
        "fallback_epochs_per_s_while_open": old["epochs_per_s"],
        "fallback_server_cpu_percent": old["server_cpu_percent"],
        "fallback_page_busy_fraction": old["page_busy_fraction"],
        "fallback_page_task_fraction_cdp": old["page_task_fraction_cdp"],
        "play_to_first_point_s": live["play"]["first_point_s"],
        "play_to_first_epoch_s": live["play"]["first_epoch_s"],
        "play_to_first_epoch_second_tab_s": live["second_play"]["first_epoch_s"],
        "play_to_first_epoch_new_s": live["new_play"]["first_epoch_s"],
        "play_to_first_epoch_new_at_once_s": live["new_at_once"]["first_epoch_s"],
        "first_paint_s": live["first_paint_s"],
        "first_paint_from_server_start_s": live["first_paint_from_server_start_s"],
        "first_paint_html_loaded_s": live["first_paint_html_loaded_s"],
        "fallback_first_paint_s": fallback["first_paint_s"],
        "fallback_first_paint_from_server_start_s": fallback["first_paint_from_server_start_s"],
        "live_path": live["live_path"],
        "fallback_live_path": fallback["live_path"],
        "window_s": window["window_s"],
        "fallback_window_s": old["window_s"],
        "query": QUERY,
        "new_query": NEW_QUERY,
        "load_average": [round(value, 2) for value in (*load_start[:1], os.getloadavg()[0])],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ui", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--window", type=float, default=WINDOW_SECONDS, help="seconds of training to watch, per server")
    args = parser.parse_args(argv)
    result = measure(args.window)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>40}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
