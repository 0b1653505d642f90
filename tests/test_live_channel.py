"""The live channel's websocket route, served by uvicorn as `make run` serves it (without Streamlit's routes):
a session's token opens only its own messages, a job id or another browser's cookie opens nothing, resync sends a
full message again, a revoked token or an ended session closes the channel with the code the browser acts on."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import threading
import time

import pytest
import uvicorn
import websockets
from starlette.applications import Starlette

from playground.ui import live_channel
from playground.ui.live_channel import CLOSE_ENDED, CLOSE_UNKNOWN, browser_hash, issue_ticket
from playground.views.live_encoding import encode

XSRF = "2|abc|def|123"  # a browser's _streamlit_xsrf cookie


class CountingSource:
    """A stand-in for a page's frames: a full message on an empty cursor, then one new count per call."""

    def __init__(self, name: str):
        self.name = name

    def next_message(self, cursor: dict) -> dict | None:
        full = not cursor
        cursor["count"] = cursor.get("count", 0) + 1
        return {"source": self.name, "count": cursor["count"], "full": full}


class AnnouncingSource:
    """A stand-in for a page's frames that says when it has news (``watch``), as ``LiveFrames`` does: news only
    when ``announce`` is called, from any thread."""

    def __init__(self, name: str):
        self.name, self.news, self.reads, self.watchers = name, 0, 0, []

    def watch(self, listener):
        self.watchers.append(listener)

    def unwatch(self, listener):
        self.watchers.remove(listener)

    def announce(self):
        self.news += 1
        for listener in list(self.watchers):
            listener()

    def next_message(self, cursor: dict) -> dict | None:
        self.reads += 1
        if cursor.get("news") == self.news:
            return None
        cursor["news"] = self.news
        return {"source": self.name, "news": self.news}


@pytest.fixture(scope="module")
def channel_url():
    served = live_channel._served  # routes() turns the channel on for this process: not for the page tests after
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=live_channel.routes()), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"ws://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    live_channel._served = served


def receive(url: str, token: str, count: int, *, cookie: str | None = XSRF, after=None) -> tuple[list, int | None]:
    """Up to ``count`` messages from the channel (``after(ws, messages)`` may act after each), and the close
    code if the server closed it."""

    async def run():
        headers = {"Cookie": f"_streamlit_xsrf={cookie}"} if cookie else None
        messages = []
        async with websockets.connect(f"{url}{live_channel.ROUTE_PATH}?token={token}",
                                      additional_headers=headers) as ws:
            try:
                while len(messages) < count:
                    messages.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
                    if after:
                        await after(ws, messages)
            except websockets.ConnectionClosed as closed:
                return messages, closed.rcvd.code if closed.rcvd else None
        return messages, None

    # In a thread of its own: the browser tests' Playwright leaves an event loop running in pytest's thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


@pytest.fixture
def sessions():
    """Two sessions' sources and tickets; their tokens are forgotten afterwards."""
    sources = {"a": CountingSource("a"), "b": CountingSource("b")}
    tickets = {name: issue_ticket(source, f"session-{name}", browser_hash(XSRF)) for name, source in sources.items()}
    yield sources, tickets
    for name in sources:
        live_channel.revoke(f"session-{name}")


def test_a_token_opens_its_own_sessions_messages_only(channel_url, sessions):
    _, tickets = sessions
    assert tickets["a"].token != tickets["b"].token
    messages, code = receive(channel_url, tickets["a"].token, 3)
    assert [message["source"] for message in messages] == ["a", "a", "a"]
    assert [message["count"] for message in messages] == [1, 2, 3]
    assert code is None
    assert {message["source"] for message in receive(channel_url, tickets["b"].token, 2)[0]} == {"b"}


@pytest.mark.parametrize("token", ["", "session-a", "not-a-token"])
def test_an_unknown_token_or_a_session_id_is_refused(channel_url, sessions, token):
    messages, code = receive(channel_url, token, 1)
    assert messages == [] and code == CLOSE_UNKNOWN


def test_a_token_from_another_browser_is_refused(channel_url, sessions):
    _, tickets = sessions
    assert receive(channel_url, tickets["a"].token, 1, cookie="2|other|browser|1") == ([], CLOSE_UNKNOWN)
    assert receive(channel_url, tickets["a"].token, 1, cookie=None) == ([], CLOSE_UNKNOWN)


def test_the_same_session_keeps_its_token_and_takes_a_new_source(channel_url, sessions):
    sources, tickets = sessions
    replacement = CountingSource("a2")
    again = issue_ticket(replacement, "session-a", browser_hash(XSRF))
    assert again == tickets["a"]
    assert receive(channel_url, again.token, 1)[0][0]["source"] == "a2"


def test_resync_makes_the_next_message_full(channel_url, sessions):
    _, tickets = sessions

    async def ask_resync(ws, messages):
        if len(messages) == 2:
            await ws.send(json.dumps({"resync": True}))

    messages, _ = receive(channel_url, tickets["a"].token, 6, after=ask_resync)
    fulls = [message["full"] for message in messages]
    assert fulls[0] is True and fulls[1] is False
    assert fulls[2:].count(True) == 1  # the first message after the request is full again


def test_a_revoked_token_closes_its_channel(channel_url, sessions):
    _, tickets = sessions

    async def revoke_after_one(ws, messages):
        live_channel.revoke("session-a")

    messages, code = receive(channel_url, tickets["a"].token, 5, after=revoke_after_one)
    assert len(messages) <= 2 and code == CLOSE_UNKNOWN


def test_an_ended_session_closes_its_channel(channel_url, sessions, monkeypatch):
    _, tickets = sessions
    monkeypatch.setattr(live_channel, "_session_state", lambda session_id: "gone")
    assert receive(channel_url, tickets["a"].token, 1) == ([], CLOSE_ENDED)


def test_the_sessions_state_is_asked_for_twice_a_second_not_at_every_message(channel_url, sessions, monkeypatch):
    _, tickets = sessions
    asked = []

    def state(session_id):
        asked.append(time.monotonic())
        return "active" if len(asked) == 1 else "gone"

    monkeypatch.setattr(live_channel, "_session_state", state)
    messages, code = receive(channel_url, tickets["a"].token, 100)
    assert code == CLOSE_ENDED and len(asked) == 2
    assert asked[1] - asked[0] >= 0.9 * live_channel.SESSION_CHECK_SECONDS
    assert 2 <= len(messages) <= live_channel.MAX_RATE * 2 * live_channel.SESSION_CHECK_SECONDS  # about half a second's


def test_a_source_that_announces_its_changes_is_read_when_it_does(channel_url):
    """No polling at the pace while nothing changes (a paused run's open page costs next to nothing); news from
    another thread goes out at once."""
    source = AnnouncingSource("w")
    ticket = issue_ticket(source, "session-w", browser_hash(XSRF))
    seen = {}

    async def announce_after_a_quiet_second(ws, messages):
        if len(messages) == 1:
            reads = source.reads
            await asyncio.sleep(1.0)
            seen["quiet_reads"] = source.reads - reads
            seen["announced"] = time.monotonic()
            threading.Thread(target=source.announce).start()  # a worker's update arrives
        else:
            seen["received"] = time.monotonic()

    messages, _ = receive(channel_url, ticket.token, 2, after=announce_after_a_quiet_second)
    assert [message["news"] for message in messages] == [0, 1]
    assert seen["quiet_reads"] <= 3  # the session's state is looked at twice a second; nothing else reads
    assert seen["received"] - seen["announced"] < 0.25
    deadline = time.monotonic() + 5
    while source.watchers and time.monotonic() < deadline:  # the channel stops watching once it ends
        time.sleep(0.05)
    assert source.watchers == []
    live_channel.revoke("session-w")


def test_a_source_with_news_all_the_time_is_sent_at_the_pace(channel_url):
    """A run training in this process announces every epoch: the channel still sends no more than its pace
    (messages_per_second) on average."""
    source = AnnouncingSource("busy")
    ticket = issue_ticket(source, "session-busy", browser_hash(XSRF))
    stop = threading.Event()

    def announce_forever():
        while not stop.wait(0.002):
            source.announce()

    announcer = threading.Thread(target=announce_forever, daemon=True)
    announcer.start()
    stamps = []

    async def stamp(ws, messages):
        stamps.append(time.monotonic())

    try:
        messages, _ = receive(channel_url, ticket.token, 31, after=stamp)
    finally:
        stop.set()
        announcer.join(5)
        live_channel.revoke("session-busy")
    assert len(messages) == 31
    assert stamps[-1] - stamps[0] >= 0.95 * 30 / live_channel.MAX_RATE  # 30 intervals at 30 a second: ~1 s


def test_a_page_whose_state_is_gone_gets_unknown(channel_url):
    ticket = issue_ticket(CountingSource("gone"), "session-c", None)  # the only reference: collected at once
    assert receive(channel_url, ticket.token, 1, cookie=None) == ([], CLOSE_UNKNOWN)
    live_channel.revoke("session-c")


def test_without_the_route_there_is_no_ticket(monkeypatch):
    monkeypatch.setattr(live_channel, "_served", False)
    assert issue_ticket(CountingSource("x"), "session-x", None) is None


def test_no_session_no_ticket(channel_url):
    assert issue_ticket(CountingSource("x"), None, None) is None


def test_the_pace_is_shared_within_bounds(monkeypatch):
    monkeypatch.setattr(live_channel, "_open_channels", 1)
    assert live_channel.messages_per_second() == live_channel.MAX_RATE
    monkeypatch.setattr(live_channel, "_open_channels", 10_000)
    assert live_channel.messages_per_second() == live_channel.MIN_RATE


def test_non_finite_numbers_become_null():
    assert json.loads(encode({"loss": float("nan"), "history": [[1, float("inf")]], "epoch": 3})) == {
        "loss": None, "history": [[1, None]], "epoch": 3}


def test_parts_that_carry_their_json_are_written_as_they_are():
    from playground.views.live_encoding import JsonDict

    weights, grids = JsonDict({"epoch": 3, "links": "AAAA", "biases": None}), JsonDict({"epoch": -1, "output": "AQ=="})
    assert weights.json == json.dumps(weights, separators=(",", ":")) and grids.json == '{"epoch":-1,"output":"AQ=="}'
    message = {"full": True, "weights": weights, "status": {"loss": float("nan")}, "grids": grids, "job_id": "j"}
    assert json.loads(encode(message)) == {"full": True, "weights": {"epoch": 3, "links": "AAAA", "biases": None},
                                           "status": {"loss": None}, "grids": {"epoch": -1, "output": "AQ=="},
                                           "job_id": "j"}
    assert json.loads(encode({"weights": weights, "grids": grids})) == {"weights": weights, "grids": grids}


def test_a_failing_source_closes_its_own_channel_only(channel_url, sessions):
    class Broken:
        def next_message(self, cursor):
            raise RuntimeError("bad frame")

    broken = Broken()
    ticket = issue_ticket(broken, "session-broken", None)
    assert receive(channel_url, ticket.token, 1, cookie=None) == ([], 1011)
    live_channel.revoke("session-broken")
    _, tickets = sessions
    assert receive(channel_url, tickets["b"].token, 1)[0][0]["source"] == "b"


def test_the_switch_turns_the_route_off(monkeypatch):
    monkeypatch.setenv(live_channel.CHANNEL_SWITCH, "off")
    monkeypatch.setattr(live_channel, "_served", False)
    assert live_channel.routes() == []
    assert not live_channel.available()


def test_the_channel_reading_a_run_counts_as_watching_it():
    """The registry pauses a run nobody polls for 15 s; with the live channel no fragment re-runs, so each
    snapshot the channel reads must count as a poll."""
    from playground.spec import RunSpec
    from playground.training.job import TrainingJob
    job = TrainingJob(RunSpec(dataset="xor", seed=1))
    job.last_polled = 0.0
    snapshot = job.snapshot()  # what the page hands the channel (live.render_live_component)
    assert snapshot.epoch == 0 and job.last_polled > 0.0


def test_a_quiet_channel_polls_a_source_that_cannot_announce_ten_times_a_second():
    from playground.ui.live_channel import IDLE_PAUSE_SECONDS, pause_seconds

    assert pause_seconds(0, 30.0) == pytest.approx(1 / 30)
    assert pause_seconds(29, 30.0) == pytest.approx(1 / 30)  # less than a second without news
    assert pause_seconds(30, 30.0) == IDLE_PAUSE_SECONDS
    assert pause_seconds(100, 2.0) == 0.5  # a crowded server's pace is slower already
