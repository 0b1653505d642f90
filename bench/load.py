"""A class on one server: simulated students that speak Streamlit's own websocket protocol (no browser each),
open the Playground page with a link, press Play and count the "Epoch N" updates the page sends them.

Usage::

    python -m bench.load                                     # 4 sessions, 30 s, a short table
    python -m bench.load --sessions 30 --seconds 30 --json   # one JSON line on stdout
    python -m bench.load --url http://127.0.0.1:8501         # a server already running on this machine

Without ``--url`` it serves the app itself with ``make run`` on a free loopback port (``bench/server.py``) and
stops it at the end; ``--url`` must be a loopback address. Every wait is bounded, so it stops by itself.

Method (the session itself is ``bench/student.py``). Each session is a browser of its own: it asks
``/_stcore/health`` first, as the browser's frontend does, which sets Streamlit's ``_streamlit_xsrf`` cookie, then
opens one websocket to ``/_stcore/stream`` with that cookie (subprotocols ``streamlit`` and the cookie's value, as
the frontend sends them) carrying Streamlit's protobuf messages, and behaves as the browser's frontend does: it
asks for a run of the page with the link's query string (``BackMsg.rerun_script``); follows the page (the page
script hash from ``new_session``, the address from ``page_info_changed``); keeps Streamlit's message cache
(messages marked cacheable are kept, their hashes sent with every rerun request, ``ref_hash`` messages resolved,
entries older than ``max_cached_message_age`` runs dropped); runs a timer per ``auto_rerun`` message (a fragment
with ``run_every``) that asks for a rerun of that fragment every interval, as the browser's ``setInterval`` does,
cleared by ``stop_auto_rerun`` and by every full run; and fetches the images an ``st.image`` points to, the
newest one at a time. Widgets keep their values between runs (a rerun request that leaves a widget out keeps its
value), so the only widget state sent is a button's trigger. A button's widget id comes from its element in the
page's deltas; its key ("play", "pause") is read from the id with Streamlit's own ``user_key_from_element_id``.

The live channel (issue 12). When the page draws its views with the live component (a custom component v2: a
``bidi_component`` element whose JSON data holds the first frame and a ``ticket``, the channel's path and token),
the session does what the component's script (``live.js``) does: it opens ``ws://host<path>?token=...`` with the
same cookie as its Streamlit websocket (the channel checks it), asks for a full message (``{"resync": true}``),
and counts the epochs of the messages (``status.epoch``, sent when the status changed); an abnormal close is
retried with a backoff, a channel that never opened is given up after 3 tries, a new token or a page run after it
closed for good reopens it. While the channel is open the page's "Epoch N" Markdown is not counted; without a
ticket (a server started with ``PLAYGROUND_LIVE_CHANNEL=off``, ``--serve-without-channel``; or ``--no-channel``)
the session counts the page's reruns as before. ``sessions_offered_channel`` counts the sessions whose page
carried a ticket, ``paths`` how many sessions got their epochs from the channel ("channel") or only from the
page's reruns ("streamlit"); ``channel_messages``, ``channel_mb`` and ``channel_reconnects`` (closes while the
session stayed) are summed over the sessions.

Scenario: a warm-up session first presses Play, waits for epoch 1 and pauses (so TensorFlow is imported, as on
a server that has been up a while; ``--no-warmup`` skips it). Then all sessions open the page at once, each
presses Play as soon as its page has run, and the measured window of ``--seconds`` opens when the last one has
pressed it. At the end each session presses Pause (so a shared server is not left training) and disconnects.

Figures, per session, over the window from when it first shows epoch >= 1 (or the window's start, if later):
epochs/s from the epoch counter's values; updates/s, the changes of the counter received per second; Play to
the first epoch >= 1 shown (a session that never shows it counts with the whole time it waited: a lower bound,
and ``sessions_reached_epoch`` says how many did). Over the sessions: mean and minimum, and Jain's fairness
index of the epochs/s, (sum x)^2 / (n sum x^2), 1 when all are equal. ``errors``: exception elements (not
Streamlit's warnings), compile errors, pages not found, cache misses, disconnects, and sessions that never got
a Play button. Server CPU (percent of one core; this machine has 2) is utime + stime from /proc over the window
of the server process and every process below it (and the children it has reaped), and its RSS (the same
processes) at the end of the window; the server process is the Streamlit process serving the URL's port, or
those given with ``--server-pid`` (replicas behind a proxy). The load generator's own CPU is
``client_cpu_percent``: it shares the machine with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import math
import os
import pathlib
import sys
import time
import urllib.parse

from bench.server import server_pid, streamlit_server
from bench.student import Session
from bench.ui import CHANNEL_SWITCH, QUERY

WARMUP_TIMEOUT = 120.0  # a cold server imports TensorFlow (~6 s) and compiles the first model
LEAVE_TIMEOUT = 15.0  # for every session to press Pause and see the page run, together
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _process_table() -> dict[int, tuple[int, int, int]]:
    """pid -> (parent pid, utime + stime, cutime + cstime) in clock ticks, for every process."""
    table = {}
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14]))
    return table


def _tree(pid: int, table: dict[int, tuple[int, int, int]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for child, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(child)
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        if current in table:
            tree.append(current)
            todo.extend(children.get(current, ()))
    return tree


def tree_cpu_seconds(pids: list[int]) -> float | None:
    """CPU time of the processes and every process below them, with the children they have reaped."""
    table = _process_table()
    if not pids or any(pid not in table for pid in pids):
        return None
    members = {member for pid in pids for member in _tree(pid, table)}
    return (sum(table[member][1] for member in members) + sum(table[pid][2] for pid in pids)) / CLOCK_TICKS


def tree_rss_mb(pids: list[int]) -> float | None:
    if not pids:
        return None
    table = _process_table()
    total_kb = 0
    for member in {member for pid in pids for member in _tree(pid, table)}:
        with contextlib.suppress(OSError):
            for line in pathlib.Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


# ---- the run --------------------------------------------------------------------------------------------------
def jain(values: list[float]) -> float:
    """Jain's fairness index: 1 when all are equal, 1/n when one gets everything; 0 when none gets any."""
    squares = sum(value * value for value in values)
    return sum(values) ** 2 / (len(values) * squares) if squares > 0 else 0.0


def percentile(values: list[float], share: float) -> float | None:
    """Linear interpolation between the closest ranks (NumPy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def warm_up(url: str, query: str) -> tuple[float, list[str]]:
    """Play until epoch 1, then pause: the server has TensorFlow imported, as one that has been up a while."""
    started = time.monotonic()
    session = Session(-1, url, query)
    try:
        await session.attend(WARMUP_TIMEOUT)
        if session.play_at is not None and not await session.wait(lambda: session.first_epoch_at is not None,
                                                                      WARMUP_TIMEOUT):
            session.errors.append(f"warm-up: no epoch 1 within {WARMUP_TIMEOUT:.0f} s")
        await session.wait(lambda: "pause" in session.widget_ids, 10)
        await session.leave(LEAVE_TIMEOUT)
    finally:
        await session.close()
    return time.monotonic() - started, [f"warm-up: {error}" for error in session.errors]


async def measure(url: str, sessions: int, seconds: float, query: str, *, setup_timeout: float, warmup: bool,
                  fetch_media: bool, pids: list[int] | None = None, live_channel: bool = True) -> dict:
    if not pids:
        found = server_pid(url)
        pids = [found] if found is not None else []
    warmup_s, errors = await warm_up(url, query) if warmup else (0.0, [])
    students = [Session(index, url, query, fetch_media=fetch_media, live_channel=live_channel)
                for index in range(sessions)]
    opened = time.monotonic()
    attending = [asyncio.create_task(student.attend(setup_timeout)) for student in students]
    await asyncio.wait(attending, timeout=setup_timeout + 10)
    window_start = time.monotonic()
    cpu_start, client_start = tree_cpu_seconds(pids), time.process_time()
    await asyncio.sleep(seconds)
    window_end = time.monotonic()
    cpu_end, client_end = tree_cpu_seconds(pids), time.process_time()
    rss = tree_rss_mb(pids)
    for task in attending:
        task.cancel()
    await asyncio.wait([asyncio.create_task(student.leave(LEAVE_TIMEOUT)) for student in students],
                       timeout=LEAVE_TIMEOUT + 10)
    for student in students:
        await student.close()

    per_session = [student.figures(window_start, window_end) for student in students]
    for student in students:
        errors += [f"session {student.index}: {error}" for error in student.errors]
    rates = [figures["epochs_per_s"] for figures in per_session]
    updates = [figures["updates_per_s"] for figures in per_session]
    latencies = [figures["play_to_first_epoch_s"] for figures in per_session
                 if figures["play_to_first_epoch_s"] is not None]
    window = window_end - window_start
    paths = {"channel": 0, "streamlit": 0, "none": 0}
    for figures in per_session:
        paths[figures["path"]] += 1
    cpu = None if cpu_start is None or cpu_end is None else 100 * (cpu_end - cpu_start) / window
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    return {
        "sessions": sessions,
        "epochs_per_s_mean": round(sum(rates) / len(rates), 2),
        "epochs_per_s_min": round(min(rates), 2),
        "fairness": round(jain(rates), 3),
        "updates_per_s_mean": round(sum(updates) / len(updates), 2),
        "updates_per_s_min": round(min(updates), 2),
        "play_to_first_epoch_p50_s": None if p50 is None else round(p50, 3),
        "play_to_first_epoch_p95_s": None if p95 is None else round(p95, 3),
        "server_cpu_percent": None if cpu is None else round(cpu, 1),
        "server_rss_mb": None if rss is None else round(rss, 1),
        "errors": len(errors),
        "paths": paths,
        "sessions_offered_channel": sum(figures["offered_channel"] for figures in per_session),
        "channel_messages": sum(student.channel.messages for student in students),
        "channel_mb": round(sum(student.channel.bytes for student in students) / 1e6, 2),
        "channel_reconnects": sum(len(student.channel.closes) for student in students),
        "sessions_reached_epoch": sum(figures["reached_epoch"] for figures in per_session),
        "seconds": round(window, 2),
        "setup_s": round(window_start - opened, 2),
        "warmup_s": round(warmup_s, 2),
        "client_cpu_percent": round(100 * (client_end - client_start) / window, 1),
        "media_fetches": sum(student.media_fetches for student in students),
        "media_errors": sum(student.media_errors for student in students),
        "query": query,
        "error_samples": errors[:5],
        "per_session": per_session,
    }


def check_loopback(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"--url must be http://127.0.0.1:PORT, got {url!r}")
    host = parts.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"--url must be on this machine's loopback (127.0.0.1), got {host!r}")
    return url.rstrip("/")


def run(sessions: int, seconds: float, *, url: str | None = None, query: str = QUERY, setup_timeout: float = 60.0,
        warmup: bool = True, fetch_media: bool = True, server_log: pathlib.Path | None = None,
        pids: list[int] | None = None, live_channel: bool = True, serve_channel: bool = True) -> dict:
    """One run against ``url``, or against a server started for it on a free loopback port."""
    # Every wait inside is bounded; this bounds the whole, should one of them misbehave.
    bound = (3 * WARMUP_TIMEOUT + LEAVE_TIMEOUT if warmup else 0) + setup_timeout + 10 + seconds + 2 * LEAVE_TIMEOUT + 30

    def go(base: str) -> dict:
        try:
            return asyncio.run(asyncio.wait_for(
                measure(base, sessions, seconds, query, setup_timeout=setup_timeout, warmup=warmup,
                        fetch_media=fetch_media, pids=pids, live_channel=live_channel), bound))
        except TimeoutError:
            raise SystemExit(f"bench.load: the run did not end within {bound:.0f} s") from None

    if url:
        return go(check_loopback(url))
    with streamlit_server(server_log, env=None if serve_channel else {CHANNEL_SWITCH: "off"}) as started:
        return go(started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=4, help="simulated students (default 4)")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured window (default 30)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--url", help="a running server on 127.0.0.1 (default: start one with make run)")
    parser.add_argument("--query", default=QUERY, help="the link's query string (default: the default problem)")
    parser.add_argument("--setup-timeout", type=float, default=60.0,
                        help="seconds for every session to open the page and press Play (default 60)")
    parser.add_argument("--no-warmup", action="store_true", help="skip the warm-up session")
    parser.add_argument("--no-media", action="store_true", help="do not fetch the images st.image points to")
    parser.add_argument("--no-channel", action="store_true",
                        help="sessions ignore the page's live channel and count the page's reruns only")
    parser.add_argument("--serve-without-channel", action="store_true",
                        help=f"start the server with {CHANNEL_SWITCH}=off (the pages' fallback: fragment reruns)")
    parser.add_argument("--server-log", type=pathlib.Path, help="write the started server's output here")
    parser.add_argument("--server-pid", type=int, action="append", dest="pids",
                        help="a server process to measure CPU and memory of, with its children (repeat it for "
                             "replicas behind a proxy; default: the Streamlit process serving --url's port)")
    options = parser.parse_args(argv)
    if options.sessions < 1 or not 0 < options.seconds <= 600:
        parser.error("--sessions must be >= 1 and --seconds in (0, 600]")
    result = run(options.sessions, options.seconds, url=options.url, query=options.query,
                 setup_timeout=options.setup_timeout, warmup=not options.no_warmup,
                 fetch_media=not options.no_media, server_log=options.server_log, pids=options.pids,
                 live_channel=not options.no_channel, serve_channel=not options.serve_without_channel)
    if options.json:
        print(json.dumps(result))
        return 0
    rows = [("sessions", result["sessions"]),
            ("epochs/s each, mean / min", f"{result['epochs_per_s_mean']} / {result['epochs_per_s_min']}"),
            ("fairness (Jain)", result["fairness"]),
            ("page updates/s each, mean / min", f"{result['updates_per_s_mean']} / {result['updates_per_s_min']}"),
            ("Play -> epoch 1, p50 / p95 (s)",
             f"{result['play_to_first_epoch_p50_s']} / {result['play_to_first_epoch_p95_s']}"),
            ("sessions that showed epoch 1", result["sessions_reached_epoch"]),
            ("updates from: live channel / reruns", f"{result['paths']['channel']} / {result['paths']['streamlit']}"),
            ("server CPU (% of one core)", result["server_cpu_percent"]),
            ("server RSS (MB)", result["server_rss_mb"]),
            ("errors", result["errors"])]
    for label, value in rows:
        print(f"{label:<34} {value}")
    for sample in result["error_samples"]:
        print(f"  {sample}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
