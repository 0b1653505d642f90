"""The simulated student's second connection: the page's live channel, followed as the live component
(``playground/ui/live_component/live.js``) follows it: opened with the session's XSRF cookie, asked for a full
message, its epochs counted; see ``bench/load.py`` for the method."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.parse
from collections.abc import Callable

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

XSRF_COOKIE = "_streamlit_xsrf"
# Close codes after which the student's channel is over (the component falls back to the page's fragment, which
# a protocol student cannot do: an error), and how often it retries a channel that never opened.
CHANNEL_CLOSE_UNKNOWN = 4401
CHANNEL_CLOSE_ENDED = 4410
CHANNEL_RECONNECT_TRIES = 3


class LiveChannelClient:
    """One page's live channel: ``follow`` the tickets its page runs carry; each message's epoch goes to
    ``on_epoch(epoch, now)``, each message wakes ``on_message()``, a channel given up on is ``on_error(text)``."""

    def __init__(self, base_url: str, cookie: Callable[[], str | None], staying: Callable[[], bool], *,
                 on_epoch: Callable[[int, float], None], on_message: Callable[[], None],
                 on_error: Callable[[str], None]):
        self.base_url = base_url  # ws://host:port[/path]
        self.cookie, self.staying = cookie, staying
        self.on_epoch, self.on_message, self.on_error = on_epoch, on_message, on_error
        self.ticket: tuple[str, str] | None = None  # the page's (path, token)
        self.task: asyncio.Task | None = None
        self.open = False
        self.opens = 0
        self.messages = 0
        self.bytes = 0
        self.closes: list[int | None] = []  # every close while the student stays

    def follow(self, ticket: tuple[str, str] | None) -> None:
        """A page run's ticket. As live.js: a new token (re)opens the channel, and so does the same one after the
        channel closed for good (a page run is the page coming back); an open channel is left as it is; no
        ticket closes it."""
        running = self.task is not None and not self.task.done()
        if ticket == self.ticket and (running or ticket is None):
            return
        self.ticket = ticket
        if running:
            self.task.cancel()
        self.task = asyncio.create_task(self._run(ticket)) if ticket else None

    async def close(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task

    async def _run(self, ticket: tuple[str, str]) -> None:
        """The component's connection to the live channel: open with the session's cookie, ask for a full
        message (resync), count the epochs of the messages; after an abnormal close retry with a backoff (250 ms
        doubling), giving up on a channel that never opened after CHANNEL_RECONNECT_TRIES tries; after
        CLOSE_UNKNOWN or CLOSE_ENDED wait for the page's next ticket (as live.js does). Every close while the
        student stays is counted in ``closes``; one that ends the channel is an error."""
        path, token = ticket
        url = f"{self.base_url}{path}?{urllib.parse.urlencode({'token': token})}"
        cookie = self.cookie()
        headers = {"Cookie": f"{XSRF_COOKIE}={cookie}"} if cookie else None
        tries, opened = 0, False
        while self.staying():
            code = None
            try:
                async with connect(url, additional_headers=headers, max_size=None, ping_interval=None,
                                   proxy=None, open_timeout=10) as channel:
                    opened = True
                    tries = 0
                    self.opens += 1
                    self.open = True
                    await channel.send(json.dumps({"resync": True}))
                    async for raw in channel:
                        now = time.monotonic()
                        self.messages += 1
                        self.bytes += len(raw)
                        with contextlib.suppress(ValueError):
                            epoch = frame_epoch(json.loads(raw))
                            if epoch is not None:
                                self.on_epoch(epoch, now)
                        self.on_message()
                code = channel.close_code
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
            except (OSError, TimeoutError, WebSocketException):
                code = None
            finally:
                self.open = False
            if not self.staying():
                return
            self.closes.append(code)
            if code in (CHANNEL_CLOSE_UNKNOWN, CHANNEL_CLOSE_ENDED):
                self.on_error(f"live channel closed with {code}")
                return
            tries += 1
            if not opened and tries >= CHANNEL_RECONNECT_TRIES:
                self.on_error(f"live channel did not open in {tries} tries (last close: {code})")
                return
            await asyncio.sleep(min(5.0, 0.25 * 2 ** tries))


def component_data(component) -> object:
    """A custom component's (v2, ``BidiComponent``) data: its JSON, or the JSON part of mixed data."""
    kind = component.WhichOneof("data")
    text = component.json if kind == "json" else component.mixed.json if kind == "mixed" else ""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def frame_epoch(message: object) -> int | None:
    """The epoch a live frame shows (``live_frames``: ``status.epoch``, '1,234', sent when the status changed);
    None when the message does not say."""
    if not isinstance(message, dict) or not isinstance(message.get("status"), dict):
        return None
    epoch = message["status"].get("epoch")
    if isinstance(epoch, int):
        return epoch
    if isinstance(epoch, str):
        with contextlib.suppress(ValueError):
            return int(epoch.replace(",", ""))
    return None
