"""The registry drops jobs whose page is gone: by owner (a fake liveness check here), or by idle timeout.

Time is passed to ``reap(now=...)``, and the background reaper is kept out of the way (an hour between passes),
so no test depends on how fast this machine is.
"""

import logging
import time

import pytest

from playground.spec import RunSpec
from playground.training.job import Status
from playground.training.registry import JobRegistry

FAST = RunSpec.from_query("samples=200&epochs=100000").spec
GRACE = 10.0
IDLE = 120.0
UNWATCHED = 15.0


class Sessions:
    """A fake liveness check: the sessions in ``alive`` are connected."""

    def __init__(self, *alive):
        self.alive = set(alive)
        self.checked = []

    def __call__(self, session_id):
        self.checked.append(session_id)
        return session_id in self.alive


@pytest.fixture
def sessions():
    return Sessions("tab-1", "tab-2")


@pytest.fixture
def registry(sessions):
    made = JobRegistry(idle_timeout=IDLE, reap_interval=3600, is_owner_alive=sessions, owner_grace=GRACE,
                       unwatched_timeout=UNWATCHED)
    yield made
    made.close()


def test_a_closed_pages_running_job_is_stopped_within_the_grace_period_and_lets_go_of_its_model(
        registry, sessions, caplog):
    job = registry.create(FAST, owner="tab-1")
    job.start()
    assert job.wait_until(lambda snapshot: snapshot.epoch >= 2, timeout=120)
    assert job.model is not None
    now = time.monotonic()
    assert registry.reap(now) == []  # alive

    sessions.alive.discard("tab-1")  # the tab closed
    with caplog.at_level(logging.INFO, logger="playground"):
        assert registry.reap(now + 1) == []  # gone, but maybe only a network blip
        assert registry.reap(now + 1 + GRACE - 0.5) == []
        assert registry.reap(now + 1 + GRACE) == [job.id]
        assert job.join(timeout=60)
    assert job.status == Status.STOPPED and registry.ids() == [] and registry.get(job.id) is None
    assert job.model is None and job._engine is None  # nothing of the run stays reachable from the job
    assert f"job {job.id} stopped and dropped: its page closed (session tab-1 gone for {GRACE:.0f} s)" \
        in caplog.text
    assert f"job {job.id}: training thread ended, stopped" in caplog.text


def test_an_owner_back_within_the_grace_period_keeps_its_job(registry, sessions):
    job = registry.create(FAST, owner="tab-1")
    now = time.monotonic()
    sessions.alive.discard("tab-1")
    registry.reap(now)
    sessions.alive.add("tab-1")  # the browser reconnected to the same session
    registry.reap(now + GRACE - 1)
    sessions.alive.discard("tab-1")  # and lost it again: a new grace period starts
    assert registry.reap(now + GRACE + 1) == []
    assert registry.reap(now + 2 * GRACE) == []
    assert registry.reap(now + 2 * GRACE + 1) == [job.id]


def test_only_the_gone_owners_jobs_go(registry, sessions):
    mine = registry.create(FAST, owner="tab-1")
    theirs = registry.create(FAST, owner="tab-2")
    sessions.alive.discard("tab-1")
    now = time.monotonic()
    registry.reap(now)
    assert registry.reap(now + GRACE) == [mine.id]
    assert registry.ids() == [theirs.id]
    assert sessions.checked.count("tab-2") == 2  # one check per owner and pass


def test_a_live_owners_paused_job_is_kept_until_the_idle_timeout(registry):
    job = registry.create(FAST, owner="tab-1")
    job.start(paused=True)
    assert job.wait_until(lambda snapshot: snapshot.status == Status.PAUSED, timeout=120)
    polled = job.last_polled
    assert registry.reap(polled + 3 * UNWATCHED) == []  # a paused page polls every 30 s, not 5 times a second
    assert registry.reap(polled + IDLE - 1) == [] and job.status == Status.PAUSED
    assert registry.reap(polled + IDLE + 1) == [job.id]


def test_a_live_owners_running_job_nobody_watches_is_paused_not_dropped(registry, caplog):
    job = registry.create(FAST, owner="tab-1")
    job.start()
    assert job.wait_until(lambda snapshot: snapshot.status == Status.RUNNING, timeout=120)
    with caplog.at_level(logging.INFO, logger="playground"):
        assert registry.reap(job.last_polled + UNWATCHED - 1) == []
        assert job.status == Status.RUNNING
        assert registry.reap(job.last_polled + UNWATCHED + 1) == []
    assert job.wait_until(lambda snapshot: snapshot.status == Status.PAUSED, timeout=60)
    assert registry.ids() == [job.id]
    assert f"job {job.id} paused: running unwatched" in caplog.text
    job.resume()  # its page came back: Play carries on from there
    assert job.status == Status.RUNNING


def test_an_ownerless_job_falls_back_to_the_idle_timeout(registry, sessions):
    job = registry.create(FAST)  # a notebook's or the CLI's: nobody to ask about
    job.start()
    assert job.wait_until(lambda snapshot: snapshot.status == Status.RUNNING, timeout=120)
    polled = job.last_polled
    assert registry.reap(polled + IDLE - 1) == []
    assert job.status == Status.RUNNING  # not paused either: nothing polls a notebook's job 5 times a second
    assert sessions.checked == []
    assert registry.reap(polled + IDLE + 1) == [job.id]
    assert job.join(timeout=60) and job.status == Status.STOPPED


def test_without_a_liveness_check_owned_jobs_fall_back_to_the_idle_timeout():
    registry = JobRegistry(idle_timeout=IDLE, reap_interval=3600)
    try:
        job = registry.create(FAST, owner="tab-1")
        assert registry.reap(job.last_polled + IDLE - 1) == []
        assert registry.reap(job.last_polled + IDLE + 1) == [job.id]
    finally:
        registry.close()


def test_a_failing_liveness_check_keeps_the_jobs(caplog):
    def broken(session_id):
        raise RuntimeError("no runtime")

    registry = JobRegistry(reap_interval=3600, is_owner_alive=broken, owner_grace=GRACE)
    try:
        job = registry.create(FAST, owner="tab-1")
        now = time.monotonic()
        with caplog.at_level(logging.ERROR, logger="playground"):
            assert registry.reap(now) == [] and registry.reap(now + 2 * GRACE) == []
        assert registry.ids() == [job.id] and "liveness check failed" in caplog.text
    finally:
        registry.close()


def test_the_background_reaper_drops_a_gone_owners_job(sessions):
    registry = JobRegistry(reap_interval=0.05, is_owner_alive=sessions, owner_grace=0.0)
    try:
        job = registry.create(FAST, owner="tab-1")
        kept = registry.create(FAST, owner="tab-2")
        sessions.alive.discard("tab-1")
        deadline = time.monotonic() + 60  # a bound for a hung test, not a measurement
        while job.id in registry.ids() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert registry.ids() == [kept.id] and job.status == Status.STOPPED
    finally:
        registry.close()


def test_the_apps_liveness_check_asks_streamlits_runtime(monkeypatch):
    from streamlit.runtime import Runtime

    from playground.ui.session import session_alive

    assert not Runtime.exists() and session_alive("tab-1")  # no server: nothing says a session ended

    class Connected:  # Runtime.is_active_session: True while the session's websocket is open
        def is_active_session(self, session_id):
            return session_id == "tab-1"

    monkeypatch.setattr(Runtime, "_instance", Connected())
    assert session_alive("tab-1") and not session_alive("tab-2")


def test_the_status_counts_sessions_jobs_and_training_threads(caplog):
    registry = JobRegistry(reap_interval=0.05, count_sessions=lambda: 3)
    try:
        assert registry.status() == {"sessions": 3, "sessions_with_jobs": 0, "jobs": 0, "training": 0}
        registry.create(FAST, owner="tab-1")
        training = registry.create(FAST, owner="tab-2")
        registry.create(FAST)
        with caplog.at_level(logging.INFO, logger="playground.training.registry"):
            training.start()
            assert training.wait_until(lambda snapshot: snapshot.epoch >= 1, timeout=120)
            assert registry.status() == {"sessions": 3, "sessions_with_jobs": 2, "jobs": 3, "training": 1}
            deadline = time.monotonic() + 10
            while "status: sessions=3 sessions_with_jobs=2 jobs=3 training=1" not in caplog.text:
                assert time.monotonic() < deadline, caplog.text  # the reaper logs each change
                time.sleep(0.05)
    finally:
        registry.close()
    broken = JobRegistry(count_sessions=lambda: 1 / 0)
    assert broken.status()["sessions"] is None


def test_caps_on_runs_training_at_once_per_server_and_per_browser():
    from playground.controller import PlaygroundController

    registry = JobRegistry(max_training=3, max_training_per_browser=2)
    endless = RunSpec(dataset="circle", epochs=100_000)
    try:
        pages = [PlaygroundController(registry, endless.replace(seed=seed), owner=f"tab{seed}",
                                      browser="one browser" if seed < 3 else f"browser {seed}")
                 for seed in range(5)]
        for page in pages[:2]:
            page.play()
            assert page.take_refusal() == "" and page.job().status in (Status.STARTING, Status.RUNNING)
        pages[2].play()  # a third tab of the same browser
        assert "This browser is already training 2 runs in other tabs" in pages[2].take_refusal()
        assert pages[2].job().status == Status.IDLE
        pages[3].play()  # another browser: the server's third run
        assert pages[3].take_refusal() == ""
        pages[4].step()
        assert "This server is training 3 runs, its limit" in pages[4].take_refusal()
        assert pages[4].job().status == Status.IDLE and registry.training_count() == 3
        pages[0].pause()
        assert pages[0].job().wait_until(lambda snapshot: snapshot.status == Status.PAUSED, timeout=60)
        pages[4].step()  # a run paused: room again
        assert pages[4].take_refusal() == "" and pages[4].job().status != Status.IDLE
    finally:
        registry.close()
