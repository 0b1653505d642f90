"""A class on one server: simulated students that speak Streamlit's own websocket protocol (no browser each),
open the Playground page with a link, press Play and count the "Epoch N" updates the page sends them.

Usage::

    python -m bench.load                                     # 4 sessions, 30 s, a short table
    python -m bench.load --sessions 30 --seconds 30 --json   # one JSON line on stdout
    python -m bench.load --url http://127.0.0.1:8501         # a server already running on this machine

Without ``--url`` it serves the app itself with ``make run`` on a free loopback port (``bench/server.py``) and
stops it at the end; ``--url`` must be a loopback address. Every wait is bounded, so it stops by itself.

Method. Each session is one websocket to ``/_stcore/stream`` (subprotocols ``streamlit`` and the browser's
placeholder token: the XSRF token only guards login cookies, which the app has none of) carrying Streamlit's
protobuf messages, and behaves as the browser's frontend does: it asks for a run of the page with the link's
query string (``BackMsg.rerun_script``); follows the page (the page script hash from ``new_session``, the
address from ``page_info_changed``); keeps Streamlit's message cache (messages marked cacheable are kept, their
hashes sent with every rerun request, ``ref_hash`` messages resolved, entries older than
``max_cached_message_age`` runs dropped); runs a timer per ``auto_rerun`` message (a fragment with
``run_every``) that asks for a rerun of that fragment every interval, as the browser's ``setInterval`` does,
cleared by ``stop_auto_rerun`` and by every full run; and fetches the images an ``st.image`` points to, the
newest one at a time. Widgets keep their values between runs (a rerun request that leaves a widget out keeps its
value), so the only widget state sent is a button's trigger. A button's widget id comes from its element in the
page's deltas; its key ("play", "pause") is read from the id with Streamlit's own ``user_key_from_element_id``.

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
import re
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.state.common import user_key_from_element_id
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from bench.server import server_pid, streamlit_server
from bench.ui import QUERY

EPOCH = re.compile(r"class='pg-epoch'>Epoch <b>([\d,]+)</b>")
STREAM_PATH = "/_stcore/stream"
# What the browser sends when it has no XSRF cookie (the frontend's getSessionTokens).
SUBPROTOCOLS = ["streamlit", "PLACEHOLDER_AUTH_TOKEN"]
WARMUP_TIMEOUT = 120.0  # a cold server imports TensorFlow (~6 s) and compiles the first model
LEAVE_TIMEOUT = 15.0  # for every session to press Pause and see the page run, together
MEDIA_TIMEOUT = 10.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Cached:
    """A message in the session's cache, as the frontend's ForwardMsgCache keeps it."""
    message: ForwardMsg
    run_count: int
    fragment_id: str


class Session:
    """One student: a websocket to the page, driven as the browser's frontend drives it."""

    def __init__(self, index: int, base_url: str, query: str, *, fetch_media: bool = True) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.index = index
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path = parts.path.rstrip("/")
        self.ws_url = f"ws://{parts.netloc}{self.path}{STREAM_PATH}"
        self.page_url = f"{base_url.rstrip('/')}/?{query}"
        self.query_string = query
        self.page_script_hash = ""
        self.fetch_media = fetch_media
        self.websocket: ClientConnection | None = None
        self.reader: asyncio.Task | None = None
        self.changed = asyncio.Event()  # set after every message handled, and when the connection ends
        self.closed = False
        self.leaving = False
        self.cache: dict[str, Cached] = {}
        self.run_count = 0
        self.max_cached_age = 2
        self.timers: dict[str, tuple[float, asyncio.Task]] = {}
        self.widget_ids: dict[str, str] = {}  # a button's key -> its element id
        self.full_runs = 0  # full (not fragment) runs of the page finished
        self.media_pending: str | None = None
        self.media_task: asyncio.Task | None = None
        # measurements
        self.play_at: float | None = None
        self.first_epoch_at: float | None = None
        self.updates: list[tuple[float, int]] = []  # (time, epoch) each time the counter changes
        self.errors: list[str] = []
        self.media_fetches = 0
        self.media_errors = 0

    # ---- the browser's side of the protocol -----------------------------------------------------------------
    async def open(self, timeout: float) -> None:
        self.websocket = await connect(self.ws_url, subprotocols=SUBPROTOCOLS, max_size=None, ping_interval=None,
                                       proxy=None, open_timeout=timeout)
        self.reader = asyncio.create_task(self._read())
        await self._rerun()

    async def press(self, key: str) -> None:
        """Click a button: a full rerun whose widget states carry the button's trigger."""
        await self._rerun(trigger=self.widget_ids[key])

    async def _rerun(self, *, trigger: str | None = None, fragment_id: str = "", auto: bool = False) -> None:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_script_hash
        state.fragment_id = fragment_id
        state.is_auto_rerun = auto
        state.cached_message_hashes.extend(self.cache)
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        state.context_info.url = self.page_url
        state.context_info.color_scheme = "light"
        state.widget_states.SetInParent()
        if trigger:
            widget = state.widget_states.widgets.add()
            widget.id = trigger
            widget.trigger_value = True
        await self.websocket.send(message.SerializeToString())

    async def _read(self) -> None:
        try:
            async for raw in self.websocket:
                self._handle(ForwardMsg.FromString(raw), time.monotonic())
                self.changed.set()
        except (ConnectionClosed, OSError) as error:
            if not self.leaving:
                self.errors.append(f"disconnected: {error}")
        else:
            if not self.leaving:
                self.errors.append("disconnected: the server closed the connection")
        finally:
            self.closed = True
            self._stop_timers()
            self.changed.set()

    def _handle(self, message: ForwardMsg, now: float) -> None:
        kind = message.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(message.ref_hash)
            if cached is None:
                self.errors.append(f"cache miss: {message.ref_hash}")
                return
            cached.run_count = self.run_count
            resolved = ForwardMsg()
            resolved.CopyFrom(cached.message)
            resolved.metadata.CopyFrom(message.metadata)
            message, kind = resolved, resolved.WhichOneof("type")
        elif message.metadata.cacheable and message.hash:
            cached = self.cache.get(message.hash)
            if cached is None:
                self.cache[message.hash] = Cached(message, self.run_count, message.delta.fragment_id)
            else:
                cached.run_count = self.run_count
        if kind == "delta":
            self._delta(message, now)
        elif kind == "new_session":
            if message.new_session.page_script_hash:
                self.page_script_hash = message.new_session.page_script_hash
            self.max_cached_age = message.new_session.config.max_cached_message_age
            if not message.metadata.run.fragment_ids:  # a full run: the browser clears every auto-rerun timer
                self._stop_timers()
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "auto_rerun":
            self._start_timer(message.auto_rerun.fragment_id, message.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                self._stop_timer(fragment_id)
        elif kind == "script_finished":
            status = message.script_finished
            if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                self._age_cache(list(message.metadata.run.fragment_ids))
            if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                self.full_runs += 1
            elif status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                self.errors.append("script compile error")
        elif kind == "session_event" and message.session_event.HasField("script_compilation_exception"):
            self.errors.append(f"compile error: {message.session_event.script_compilation_exception.message}")
        elif kind == "page_not_found":
            self.errors.append(f"page not found: {message.page_not_found.page_name}")

    def _delta(self, message: ForwardMsg, now: float) -> None:
        if message.delta.WhichOneof("type") != "new_element":
            return
        element = message.delta.new_element
        which = element.WhichOneof("type")
        if which == "markdown":
            match = EPOCH.search(element.markdown.body)
            if match:
                self._epoch(int(match.group(1).replace(",", "")), now)
        elif which == "button":
            key = user_key_from_element_id(element.button.id)
            if key:
                self.widget_ids[key] = element.button.id
        elif which == "exception" and not element.exception.is_warning:
            self.errors.append(f"exception: {element.exception.type}: {element.exception.message[:300]}")
        elif which == "imgs" and self.fetch_media:
            for image in element.imgs.imgs:
                if image.url.startswith("/"):
                    self._fetch(image.url)

    def _epoch(self, epoch: int, now: float) -> None:
        if not self.updates or self.updates[-1][1] != epoch:
            self.updates.append((now, epoch))
        if epoch >= 1 and self.first_epoch_at is None and self.play_at is not None:
            self.first_epoch_at = now

    def _age_cache(self, fragment_ids: list[str]) -> None:
        """The frontend's ForwardMsgCache.incrementRunCount: after a fragment run, only that fragment's
        messages age."""
        self.run_count += 1
        for message_hash, cached in list(self.cache.items()):
            if fragment_ids and cached.fragment_id not in fragment_ids:
                continue
            if self.run_count - cached.run_count > self.max_cached_age:
                del self.cache[message_hash]

    def _start_timer(self, fragment_id: str, interval: float) -> None:
        if not fragment_id or self.closed or (fragment_id in self.timers and self.timers[fragment_id][0] == interval):
            return
        self._stop_timer(fragment_id)
        self.timers[fragment_id] = (interval, asyncio.create_task(self._tick(fragment_id, interval)))

    async def _tick(self, fragment_id: str, interval: float) -> None:
        """setInterval: a fragment rerun every interval, whether or not the last one has finished (the server
        coalesces them); a late tick is not made up."""
        due = time.monotonic() + interval
        with contextlib.suppress(ConnectionClosed, OSError):
            while not self.closed:
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                await self._rerun(fragment_id=fragment_id, auto=True)
                due = max(due + interval, time.monotonic())

    def _stop_timer(self, fragment_id: str) -> None:
        interval_task = self.timers.pop(fragment_id, None)
        if interval_task:
            interval_task[1].cancel()

    def _stop_timers(self) -> None:
        for fragment_id in list(self.timers):
            self._stop_timer(fragment_id)

    def _fetch(self, path: str) -> None:
        """Load an image as the browser does; one at a time, the newest one next."""
        self.media_pending = path
        if self.media_task is None or self.media_task.done():
            self.media_task = asyncio.create_task(self._fetch_pending())

    async def _fetch_pending(self) -> None:
        while self.media_pending and not self.closed:
            path, self.media_pending = self.media_pending, None
            try:
                status = await asyncio.wait_for(http_get(self.host, self.port, self.path + path), MEDIA_TIMEOUT)
            except (OSError, TimeoutError, ValueError, IndexError):
                status = 0
            self.media_fetches += 1
            self.media_errors += status != 200

    # ---- the student ----------------------------------------------------------------------------------------
    async def wait(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Wait until the condition holds (checked after every message), the connection ends or time is up."""
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if self.closed or remaining <= 0:
                return condition()
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)
        return True

    async def attend(self, setup_timeout: float) -> None:
        """Open the page, and press Play once it has run."""
        deadline = time.monotonic() + setup_timeout
        try:
            await self.open(setup_timeout)
            if not await self.wait(lambda: self.full_runs >= 1, deadline - time.monotonic()):
                if not self.closed:
                    self.errors.append(f"the page did not finish running within {setup_timeout:.0f} s")
                return
            if "play" not in self.widget_ids:
                self.errors.append("no Play button on the page")
                return
            self.play_at = time.monotonic()
            await self.press("play")
        except (OSError, TimeoutError, WebSocketException) as error:
            self.errors.append(f"could not open the page: {error!r}")

    async def leave(self, timeout: float) -> None:
        """Press Pause (a shared server is not left training our jobs), wait for the page to run, disconnect."""
        self.leaving = True
        try:
            if self.play_at is not None and "pause" in self.widget_ids and not self.closed:
                runs = self.full_runs
                await self.press("pause")
                await self.wait(lambda: self.full_runs > runs, timeout)
        except (OSError, WebSocketException):
            pass
        finally:
            await self.close()

    async def close(self) -> None:
        self.leaving = True
        self._stop_timers()
        if self.websocket is not None:
            with contextlib.suppress(OSError, WebSocketException, TimeoutError):
                await asyncio.wait_for(self.websocket.close(), 5)
        for task in (self.reader, self.media_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    # ---- figures ---------------------------------------------------------------------------------------------
    def figures(self, window_start: float, window_end: float) -> dict:
        seen = [(t, epoch) for t, epoch in self.updates if t <= window_end]
        first = self.first_epoch_at if self.first_epoch_at is not None and self.first_epoch_at <= window_end else None
        epochs_per_s = updates_per_s = 0.0
        if first is not None:
            start = max(window_start, first)
            epoch_at_start = [epoch for t, epoch in seen if t <= start][-1]
            span = window_end - start
            if span > 0:
                epochs_per_s = (seen[-1][1] - epoch_at_start) / span
                updates_per_s = sum(1 for t, _ in seen if t > start) / span
        latency = None
        if self.play_at is not None:
            latency = (first if first is not None else window_end) - self.play_at
        return {"epochs_per_s": round(epochs_per_s, 2), "updates_per_s": round(updates_per_s, 2),
                "play_to_first_epoch_s": None if latency is None else round(latency, 3),
                "reached_epoch": first is not None, "last_epoch": seen[-1][1] if seen else None,
                "errors": len(self.errors)}


async def http_get(host: str, port: int, path: str) -> int:
    """A plain HTTP/1.1 GET on loopback; returns the status code and reads (and drops) the body."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        status_line = await reader.readline()
        while await reader.read(65536):
            pass
        return int(status_line.split()[1])
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


# ---- the server's processes ----------------------------------------------------------------------------------
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
                  fetch_media: bool, pids: list[int] | None = None) -> dict:
    if not pids:
        found = server_pid(url)
        pids = [found] if found is not None else []
    warmup_s, errors = await warm_up(url, query) if warmup else (0.0, [])
    students = [Session(index, url, query, fetch_media=fetch_media) for index in range(sessions)]
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
        pids: list[int] | None = None) -> dict:
    """One run against ``url``, or against a server started for it on a free loopback port."""
    # Every wait inside is bounded; this bounds the whole, should one of them misbehave.
    bound = (3 * WARMUP_TIMEOUT + LEAVE_TIMEOUT if warmup else 0) + setup_timeout + 10 + seconds + 2 * LEAVE_TIMEOUT + 30

    def go(base: str) -> dict:
        try:
            return asyncio.run(asyncio.wait_for(
                measure(base, sessions, seconds, query, setup_timeout=setup_timeout, warmup=warmup,
                        fetch_media=fetch_media, pids=pids), bound))
        except TimeoutError:
            raise SystemExit(f"bench.load: the run did not end within {bound:.0f} s") from None

    if url:
        return go(check_loopback(url))
    with streamlit_server(server_log) as started:
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
    parser.add_argument("--server-log", type=pathlib.Path, help="write the started server's output here")
    parser.add_argument("--server-pid", type=int, action="append", dest="pids",
                        help="a server process to measure CPU and memory of, with its children (repeat it for "
                             "replicas behind a proxy; default: the Streamlit process serving --url's port)")
    options = parser.parse_args(argv)
    if options.sessions < 1 or not 0 < options.seconds <= 600:
        parser.error("--sessions must be >= 1 and --seconds in (0, 600]")
    result = run(options.sessions, options.seconds, url=options.url, query=options.query,
                 setup_timeout=options.setup_timeout, warmup=not options.no_warmup,
                 fetch_media=not options.no_media, server_log=options.server_log, pids=options.pids)
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
