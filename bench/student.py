"""One simulated student: a websocket to the Playground page that speaks Streamlit's own protobuf messages and
behaves as the browser's frontend does, and, when the page offers it, a second websocket to the page's live
channel, as the page's live component does (see ``bench/load.py`` for the method and the figures built on it)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.state.common import user_key_from_element_id
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from bench.live_client import XSRF_COOKIE, LiveChannelClient, component_data, frame_epoch

EPOCH = re.compile(r"class='pg-epoch'>Epoch <b>([\d,]+)</b>")
STREAM_PATH = "/_stcore/stream"
HEALTH_PATH = "/_stcore/health"
# What the browser sends as the second subprotocol when it has no XSRF cookie (the frontend's getSessionTokens).
PLACEHOLDER_TOKEN = "PLACEHOLDER_AUTH_TOKEN"
MEDIA_TIMEOUT = 10.0


@dataclass
class Cached:
    """A message in the session's cache, as the frontend's ForwardMsgCache keeps it."""
    message: ForwardMsg
    run_count: int
    fragment_id: str


class Session:
    """One student: a websocket to the page, driven as the browser's frontend drives it."""

    def __init__(self, index: int, base_url: str, query: str, *, fetch_media: bool = True,
                 live_channel: bool = True) -> None:
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
        self.cookie: str | None = None  # the browser's XSRF cookie, as the health check set it
        # The live channel, when the page offers it (its component carries a ticket) and the student uses it.
        self.use_channel = live_channel
        self.channel = LiveChannelClient(f"ws://{parts.netloc}{self.path}", lambda: self.cookie,
                                         lambda: not self.closed and not self.leaving,
                                         on_epoch=lambda epoch, now: self._epoch(epoch, now, channel=True),
                                         on_message=lambda: self.changed.set(),
                                         on_error=lambda text: self.errors.append(text))
        self.offered_channel = False  # the page's component carried a ticket
        # measurements
        self.play_at: float | None = None
        self.first_epoch_at: float | None = None
        self.updates: list[tuple[float, int]] = []  # (time, epoch) each time the counter changes
        self.channel_updates = 0  # of which the live channel brought
        self.errors: list[str] = []
        self.media_fetches = 0
        self.media_errors = 0

    # ---- the browser's side of the protocol -----------------------------------------------------------------
    async def open(self, timeout: float) -> None:
        """As the browser: the health check first (it sets the XSRF cookie), then the websocket with that cookie
        and its value as the second subprotocol. Each session gets a cookie of its own: one browser each."""
        _, headers = await asyncio.wait_for(http_get(self.host, self.port, self.path + HEALTH_PATH, headers=True),
                                            timeout)
        self.cookie = set_cookie_value(headers, XSRF_COOKIE)
        cookie_header = {"Cookie": f"{XSRF_COOKIE}={self.cookie}"} if self.cookie else None
        self.websocket = await connect(self.ws_url, subprotocols=["streamlit", self.cookie or PLACEHOLDER_TOKEN],
                                       additional_headers=cookie_header, max_size=None, ping_interval=None,
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
            if match and not self.channel.open:  # the channel's counter is the page's while it is open
                self._epoch(int(match.group(1).replace(",", "")), now)
        elif which == "bidi_component":
            self._component(element.bidi_component, now)
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

    def _component(self, component, now: float) -> None:
        """The live component's data: its first frame (the epoch it shows) and the channel's ticket."""
        data = component_data(component)
        if not isinstance(data, dict):
            return
        epoch = frame_epoch(data.get("frame"))
        if epoch is not None and not self.channel.open:  # an open channel is ahead of the page's run, or even
            self._epoch(epoch, now)
        ticket = data.get("ticket")
        ticket = ((str(ticket["path"]), str(ticket["token"]))
                  if isinstance(ticket, dict) and ticket.get("path") and ticket.get("token") else None)
        self.offered_channel |= ticket is not None
        if self.use_channel:
            self.channel.follow(ticket)

    def _epoch(self, epoch: int, now: float, *, channel: bool = False) -> None:
        if not self.updates or self.updates[-1][1] != epoch:
            self.updates.append((now, epoch))
            self.channel_updates += channel
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
        await self.channel.close()

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
                "path": self.path_used(), "offered_channel": self.offered_channel,
                "channel_messages": self.channel.messages,
                "errors": len(self.errors)}

    def path_used(self) -> str:
        """'channel' when the live channel brought epochs, 'streamlit' when only the page's reruns did (no
        ticket, or a channel that never opened), 'none' before any epoch."""
        if self.channel_updates:
            return "channel"
        return "streamlit" if self.updates else "none"


async def http_get(host: str, port: int, path: str, *, headers: bool = False):
    """A plain HTTP/1.1 GET on loopback; returns the status code (with ``headers``: and the response's headers,
    a list of (lower-case name, value)) and reads (and drops) the body."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        status_line = await reader.readline()
        received = []
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            received.append((name.strip().lower(), value.strip()))
        while await reader.read(65536):
            pass
        status = int(status_line.split()[1])
        return (status, received) if headers else status
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def set_cookie_value(headers: list[tuple[str, str]], name: str) -> str | None:
    """A cookie's value from a response's Set-Cookie headers."""
    for header, value in headers:
        if header == "set-cookie":
            key, _, rest = value.partition("=")
            if key.strip() == name:
                return rest.split(";", 1)[0].strip().strip('"')
    return None
