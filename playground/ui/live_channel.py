"""The live channel: a websocket route served beside Streamlit's own (``serve.py`` mounts it through ``st.App``)
that carries one session's training snapshots to its page's live component, with no Streamlit script rerun per
update.

A page asks for a ``Ticket`` at each run (``ticket(source)``): a random token bound to the Streamlit session (and
to the browser's XSRF cookie when it has one), handed to the page over the session's own websocket. The browser
opens ``path?token=...``; the route looks the token up and sends what ``source.next_message(cursor)`` returns,
at most ``messages_per_second()`` times a second: when the source says it changed (its job's state, or the page's
run), or at that pace for a source that cannot say. A job id is never accepted: only the token, which no other
session ever sees, opens a channel. Without the route (AppTest, `streamlit run app.py`) ``ticket`` gives None and
the page keeps refreshing its views with fragment reruns.

Close codes the browser acts on: ``CLOSE_UNKNOWN`` (no such token) and 1011 (the page's frames could not be
built): the page falls back to refreshing its fragment; ``CLOSE_ENDED``: the session has no browser connection
any more.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import json
import logging
import math
import os
import secrets
import threading
import weakref
from dataclasses import dataclass
from typing import Protocol

from streamlit.runtime import Runtime

from playground.views.live_encoding import encode

ROUTE_PATH = "/_playground/live"
CLOSE_UNKNOWN = 4401
CLOSE_ENDED = 4410
XSRF_COOKIE = "_streamlit_xsrf"
CHANNEL_SWITCH = "PLAYGROUND_LIVE_CHANNEL"
# The whole server's budget of messages a second, shared by the open channels; each channel gets between
# MIN_RATE and MAX_RATE (about the refresh rate a student notices; TensorFlow Playground draws ~54 a second). A
# message may carry two of a run's states (``LiveFrames.next_message``'s earlier frame): 15 messages a second
# then draw 30 pictures.
SERVER_MESSAGES_PER_SECOND = 900
MAX_RATE = 30.0
MIN_RATE = 2.0
IDLE_PAUSE_SECONDS = 0.1
# Messages of a source that announces its changes keep to the pace over their last PACE_WINDOW (within
# PACE_AVERAGE), and at least PACE_SLACK of its interval apart: a worker's updates arrive about at the pace, with
# some jitter, and waiting out the last few ms of each would cost a timer (a wake-up of the loop).
PACE_SLACK = 0.8
PACE_WINDOW = 10
PACE_AVERAGE = 0.97
# A session without its browser connection for this long ends its channels (Streamlit keeps a disconnected
# session for a while in case the browser comes back; a brief network hiccup should not end the channel).
DISCONNECTED_GRACE_SECONDS = 5.0
# A channel asks Streamlit's runtime about its session this often, not at every poll (30 a second: the runtime
# lookups were 8% of the channel's time in a profile of a training page).
SESSION_CHECK_SECONDS = 0.5

log = logging.getLogger("playground.live")


class FrameSource(Protocol):
    """What a channel sends from. A source may also have ``watch(listener)`` and ``unwatch(listener)``
    (``LiveFrames`` has): it then calls the listener when it may have news, and the channel waits for that
    instead of polling it at its pace."""

    def next_message(self, cursor: dict) -> dict | None:
        """What is new since ``cursor`` (updated in place) as one JSON-able message, or None."""


@dataclass(frozen=True)
class Ticket:
    path: str  # the route: the browser connects to ws(s)://<host><path>?token=<token>
    token: str


@dataclass
class _Entry:
    session_id: str
    browser: str | None  # the hash of the browser's XSRF cookie when the session had one
    source: weakref.ref


_lock = threading.Lock()
_entries: dict[str, _Entry] = {}  # token -> entry
_tokens: dict[str, str] = {}  # session id -> its token
_served = False
_open_channels = 0


def routes() -> list:
    """The routes to serve beside Streamlit's (``st.App(..., routes=live_channel.routes())``); serving them
    turns the channel on for the pages of this process. ``PLAYGROUND_LIVE_CHANNEL=off`` serves none: the pages
    refresh with fragment reruns (bench/ui.py measures both ways)."""
    from starlette.routing import WebSocketRoute

    global _served
    if os.environ.get(CHANNEL_SWITCH, "").lower() in ("off", "0", "false", "no"):
        return []
    _served = True
    return [WebSocketRoute(ROUTE_PATH, live_endpoint)]


def available() -> bool:
    """Whether this process serves the channel's route."""
    return _served


def browser_hash(cookie: str | None) -> str | None:
    """What all tabs of one browser share: a hash of Streamlit's XSRF cookie (``session.browser_id``)."""
    return hashlib.sha256(cookie.encode()).hexdigest()[:16] if isinstance(cookie, str) and cookie else None


def ticket(source: FrameSource) -> Ticket | None:
    """The running page's ticket for ``source``: see ``issue_ticket``."""
    from playground.ui import session

    return issue_ticket(source, session.session_id(), session.browser_id())


def issue_ticket(source: FrameSource, session_id: str | None, browser: str | None) -> Ticket | None:
    """The session's ticket for ``source`` (the same token for the session's whole life; the source may change),
    or None when the channel is not served or there is no session."""
    if not _served or not session_id:
        return None
    with _lock:
        _forget_ended_sessions()
        token = _tokens.get(session_id)
        entry = _entries.get(token) if token else None
        if entry is None:
            token = secrets.token_urlsafe(24)
            _tokens[session_id] = token
            entry = _entries[token] = _Entry(session_id, browser, weakref.ref(source))
        else:
            entry.source = weakref.ref(source)
    return Ticket(ROUTE_PATH, token)


def revoke(session_id: str) -> None:
    """Forget a session's token: its channels close at their next message."""
    with _lock:
        token = _tokens.pop(session_id, None)
        if token:
            _entries.pop(token, None)


def _forget_ended_sessions() -> None:
    """Drop the tokens of sessions Streamlit no longer has (closed, or past their reconnection window)."""
    manager = _session_manager()
    if manager is None:
        return
    for session_id in [sid for sid in _tokens if manager.get_session_info(sid) is None]:
        _entries.pop(_tokens.pop(session_id), None)


def _session_manager():
    if not Runtime.exists():
        return None
    return getattr(Runtime.instance(), "_session_mgr", None)


def _session_state(session_id: str) -> str:
    """'active', 'disconnected' (kept for a while in case the browser comes back) or 'gone'."""
    manager = _session_manager()
    if manager is None:
        return "active"
    if manager.is_active_session(session_id):
        return "active"
    return "disconnected" if manager.get_session_info(session_id) is not None else "gone"


def messages_per_second() -> float:
    """Each channel's pace: the server's budget shared by the open channels, within [MIN_RATE, MAX_RATE]."""
    return max(MIN_RATE, min(MAX_RATE, SERVER_MESSAGES_PER_SECOND / max(1, _open_channels)))


def lookup(token: str, cookie: str | None) -> _Entry | None:
    """The entry of a token presented with a browser's XSRF cookie: None for an unknown token, or for a token
    of a session opened by another browser."""
    with _lock:
        _forget_ended_sessions()
        entry = _entries.get(token) if token else None
    if entry is None:
        return None
    if entry.browser is not None and not secrets.compare_digest(entry.browser, browser_hash(cookie) or ""):
        return None
    return entry


async def live_endpoint(websocket) -> None:
    """One browser's channel: accepted, then closed at once with CLOSE_UNKNOWN for a bad token (the browser can
    read a close code only after the handshake), else the session's messages until it ends."""
    global _open_channels
    await websocket.accept()
    entry = lookup(websocket.query_params.get("token", ""), websocket.cookies.get(XSRF_COOKIE))
    if entry is None:
        await websocket.close(code=CLOSE_UNKNOWN)
        return
    cursor: dict = {}
    resync = asyncio.Event()
    wake = Wake(asyncio.get_running_loop())
    reader = asyncio.create_task(_read_requests(websocket, resync, wake))
    reader.add_done_callback(lambda _: wake.set())  # the browser closed the channel: end at once
    # The messages go out from a task of their own: this coroutine runs under a dozen of the server's (uvicorn's
    # protocol, Starlette and Streamlit's middleware, the route), and a task resumes every coroutine of its stack
    # at each wake-up, two or three a message.
    sender = asyncio.create_task(_send_messages(websocket, entry, cursor, resync, reader, wake))
    _open_channels += 1
    try:
        await sender
    finally:
        _open_channels -= 1
        sender.cancel()
        reader.cancel()
        for task in (sender, reader):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class Wake:
    """What wakes a channel: its source's changes (``source.watch(wake)``: called from any thread), the
    browser's requests and its leaving (``set``, on the loop), and a timeout. Armed before each read of the source,
    it schedules one wake-up at the first change after that and ignores the rest (a run in this process changes
    at every epoch). A bare future rather than an asyncio.Event: the Event's methods are Python code, about a
    dozen calls a message."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self._thread = threading.get_ident()
        self._armed = True
        self._woken = False  # a wake-up came since the last arm
        self._waiter: asyncio.Future | None = None

    def arm(self) -> None:
        self._woken = False
        self._armed = True

    def set(self) -> None:
        """Wake the channel now (on the loop)."""
        self._woken = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def __call__(self) -> None:
        if not self._armed:
            return
        self._armed = False
        if threading.get_ident() == self._thread:
            self.set()
        else:
            with contextlib.suppress(RuntimeError):  # the server's loop has closed
                self._loop.call_soon_threadsafe(self.set)

    async def wait(self, timeout: float) -> None:
        """Until a wake-up since the last arm (at once if one came already), or ``timeout`` seconds."""
        if self._woken:
            return
        waiter = self._waiter = self._loop.create_future()
        timer = self._loop.call_later(timeout, _wake_up, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None


def _wake_up(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)


async def _send_messages(websocket, entry: _Entry, cursor: dict, resync: asyncio.Event,
                         reader: asyncio.Task, wake: Wake) -> None:
    disconnected_since = None
    state, checked = "active", -math.inf  # the session's state and when it was asked for (the first poll asks)
    quiet = 0  # polls in a row that found nothing new
    loop = asyncio.get_running_loop()
    due = loop.time()  # when the next poll of a source that does not announce its changes is due
    sent = collections.deque(maxlen=PACE_WINDOW)  # when the last messages went out
    watched = None  # the source whose changes wake this channel
    try:
        while not reader.done():  # the reader ends when the browser closes the channel
            now = loop.time()
            if now - checked >= SESSION_CHECK_SECONDS:
                state, checked = _session_state(entry.session_id), now
                if state == "active":
                    disconnected_since = None
                else:
                    disconnected_since = disconnected_since or now
                    if state == "gone" or now - disconnected_since > DISCONNECTED_GRACE_SECONDS:
                        await _close(websocket, CLOSE_ENDED)
                        return
            with _lock:  # a revoked token closes the channel at the next poll (a dictionary lookup or two)
                current = _entries.get(_tokens.get(entry.session_id, ""))
            source = entry.source() if current is entry else None
            if source is None:
                await _close(websocket, CLOSE_UNKNOWN)  # revoked, or the page's state is gone
                return
            if source is not watched:
                if watched is not None:
                    watched.unwatch(wake)
                watched = source if hasattr(source, "watch") else None
                if watched is not None:
                    watched.watch(wake)
            wake.arm()  # before the read: a change from now on wakes the next poll
            if resync.is_set():
                resync.clear()
                cursor.clear()
            if state == "active":
                try:
                    message = source.next_message(cursor)
                except Exception:  # noqa: BLE001 - one page's bad frame must not end the server's loop
                    log.exception("live channel: building a message failed")
                    await _close(websocket, 1011)
                    return
                if message is not None:
                    try:
                        await websocket.send_text(encode(message))
                    except Exception:  # noqa: BLE001 - the browser went away mid-send
                        return
                    sent.append(now)
                quiet = 0 if message is not None else quiet + 1
            rate = messages_per_second()
            if watched is not None:
                # Wait for a change (or the next look at the session), then keep to the pace: a run's updates
                # come from its worker about as often as the pace allows, so the second wait is rare.
                await wake.wait(SESSION_CHECK_SECONDS)
                if sent:
                    pause = 1.0 / rate
                    early = max(sent[-1] + PACE_SLACK * pause, sent[0] + len(sent) * PACE_AVERAGE * pause)
                    early -= loop.time()
                    if early > 0:
                        await asyncio.sleep(early)
                continue
            # A source that cannot say when it changes is polled at the pace, due-paced (a pause after each
            # poll's work drifted to 27 messages a second at 30), without bursts to catch up after a delay.
            due += pause_seconds(quiet, rate)
            now = loop.time()
            if due < now:
                due = now
            await wake.wait(due - now)
    finally:
        if watched is not None:
            watched.unwatch(wake)


def pause_seconds(quiet: int, rate: float) -> float:
    """The pause before the next poll of a source that does not announce its changes: the channel's pace while
    it has news; after a second without (a paused or idle run), ten polls a second at most."""
    pause = 1.0 / rate
    return max(pause, IDLE_PAUSE_SECONDS) if quiet * pause >= 1.0 else pause


async def _read_requests(websocket, resync: asyncio.Event, wake: Wake) -> None:
    """The browser's requests: ``{"resync": true}`` asks for a full message next. Ends when the browser
    closes."""
    while True:
        try:
            text = await websocket.receive_text()
        except Exception:  # noqa: BLE001 - disconnected (or sent bytes): the channel ends
            return
        with contextlib.suppress(ValueError, AttributeError):
            if json.loads(text).get("resync"):
                resync.set()
                wake.set()


async def _close(websocket, code: int) -> None:
    with contextlib.suppress(Exception):
        await websocket.close(code=code)
