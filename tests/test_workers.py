"""Training out of the web process (issue 11, item 1): jobs on a pool of worker processes keep TrainingJob's API
and its results, and a worker that dies fails its jobs with a message while a new worker takes its place. The
pool reads its workers on an event loop, as the served app does (``server_loop``), or with a thread each."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
import zipfile

import numpy as np
import pytest

from playground.spec import RunSpec
from playground.training.job import Status, TrainingJob
from playground.training.registry import JobRegistry
from playground.training.workers import WORKER_DIED, WorkerPool

SPEC = RunSpec(dataset="circle", seed=5, epochs=30)


@pytest.fixture(scope="module")
def server_loop():
    """An event loop running in a thread of its own, as the server's runs in its main thread."""
    import uvloop  # as the server's: its reader makes the pipe non-blocking, for the pool's sends too

    loop = uvloop.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="server-loop", daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


@pytest.fixture(scope="module")
def pool(server_loop):
    pool = WorkerPool(2, loop=server_loop)
    assert pool.wait_ready(120)
    assert all(worker.reader is None for worker in pool.workers)  # no reader threads: the loop reads
    yield pool
    pool.close()


def test_a_job_on_a_worker_gives_the_history_and_weights_of_one_in_the_process(pool):
    alone = TrainingJob(SPEC)
    alone.start()
    assert alone.join(120)
    remote = pool.create_job(SPEC)
    remote.start()
    assert remote.join(120)
    snapshot, reference = remote.snapshot(), alone.snapshot()
    assert snapshot.status == Status.FINISHED, snapshot.message
    assert snapshot.history == reference.history  # exact: the same seeded data, weights and order
    assert snapshot.epoch == 30 and snapshot.weights_epoch == 30
    for mine, theirs in zip(snapshot.weights, reference.weights, strict=True):
        assert (mine == theirs).all()
    assert zipfile.is_zipfile(io.BytesIO(remote.model_file()))
    # The live views' columns of the history, made by the worker: the records' numbers as float32.
    keys = ("epoch", "loss", "test_loss", "accuracy", "test_accuracy")
    expected = np.array([[record[key] for record in reference.history] for key in keys], dtype=np.float32)
    np.testing.assert_array_equal(snapshot.history.columns(), expected)
    np.testing.assert_array_equal(snapshot.history.columns(28), expected[:, 28:])
    assert alone.snapshot().history.columns() is None  # a job in this process keeps none
    remote.close()


def test_controls_reach_the_worker_and_the_status_answers_at_once(pool):
    job = pool.create_job(SPEC.replace(epochs=100_000))
    assert job.status == Status.IDLE
    job.step(3)
    assert job.status in (Status.STARTING, Status.RUNNING)
    assert job.wait_until(lambda snapshot: snapshot.status == Status.PAUSED and snapshot.epoch == 3, timeout=120)
    job.set_learning_rate(0.3)
    job.resume()
    assert job.status == Status.RUNNING  # at once, before the worker has answered
    assert job.wait_until(lambda snapshot: snapshot.history[-1]["learning_rate"] == 0.3, timeout=60)
    job.pause()
    assert job.wait_until(lambda snapshot: snapshot.status == Status.PAUSED, timeout=60)
    job.set_epoch_limit(job.snapshot().epoch + 2)
    job.resume()
    assert job.wait_until(lambda snapshot: snapshot.status == Status.FINISHED, timeout=60)
    assert job.snapshot().message.startswith("reached the epoch limit")
    job.close()


def test_jobs_spread_over_the_workers(pool):
    jobs = [pool.create_job(SPEC.replace(seed=seed)) for seed in range(4)]
    assert sorted(len([job for job in jobs if job.worker is worker]) for worker in pool.workers) == [2, 2]
    for job in jobs:
        job.close()


def test_the_registry_drops_a_worker_job_and_the_worker_forgets_it(pool):
    registry = JobRegistry(pool=pool)
    job = registry.create(SPEC.replace(epochs=100_000))
    job.start()
    assert job.wait_until(lambda snapshot: snapshot.epoch >= 2, timeout=120)
    worker = job.worker
    registry.discard(job.id)
    assert job.status == Status.STOPPED and job.id not in worker.jobs
    registry.close()


@pytest.mark.parametrize("reading", ["loop", "thread"])
def test_a_killed_worker_fails_its_jobs_and_is_replaced(server_loop, reading):
    pool = WorkerPool(1, loop=server_loop if reading == "loop" else None)
    try:
        assert pool.wait_ready(120)
        assert (pool.workers[0].reader is None) == (reading == "loop")
        job = pool.create_job(SPEC.replace(epochs=100_000))
        job.start()
        assert job.wait_until(lambda snapshot: snapshot.epoch >= 1, timeout=120)
        os.kill(pool.pids()[0], signal.SIGKILL)
        assert job.wait_until(lambda snapshot: snapshot.status == Status.FAILED, timeout=30)
        assert job.snapshot().message == WORKER_DIED
        assert pool.wait_ready(120) and pool.replaced == 1 and pool.status()["workers"] == 1
        assert (pool.workers[0].reader is None) == (reading == "loop")  # the new worker is read the same way
        again = pool.create_job(SPEC)
        again.start()
        assert again.join(120) and again.status == Status.FINISHED
        assert zipfile.is_zipfile(io.BytesIO(again.model_file()))  # a request answered
    finally:
        pool.close()


def test_the_web_process_serves_the_playground_page_without_importing_tensorflow():
    """The workers train; the web process only reads snapshots, so it need not hold TensorFlow (~600 MB, 3-6 s to
    import) for the Playground page."""
    import subprocess
    import sys

    code = ("import sys; import playground.ui.session, playground.ui.live, playground.ui.evaluation_panel, "
            "playground.ui.exports, playground.ui.controls, playground.ui.data_panel, playground.controller; "
            "print(sorted(name for name in ('tensorflow', 'keras') if name in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def test_a_status_sent_before_the_pages_last_control_is_sent_again_once_the_worker_took_it():
    """The page ignores a status published before the worker took its last control (Play right after a pause
    must not be undone); the worker must then send the status again, or the page waits for it forever (Step
    showed 'Pause' for good once in CI)."""
    from playground.training.worker_process import Worker

    job = TrainingJob(SPEC)
    worker = Worker(connection=None, index=0, slice_seconds=0.05, trainer_capacity=None)
    worker.jobs["j"], worker._sent["j"], worker._calls["j"] = job, {}, 1
    first = worker.updates()
    assert first[0]["status"] == Status.IDLE and first[0]["calls"] == 1
    assert worker.updates() == []  # nothing changed: nothing sent
    worker._calls["j"] = 2  # the worker took the page's next control; the job's status stayed the same
    again = worker.updates()
    assert again[0]["status"] == Status.IDLE and again[0]["calls"] == 2


def test_a_worker_shares_its_probes_among_its_running_jobs():
    """One running job probes 20 times a second; forty share the same budget (one probe each per 2 s); paused
    jobs keep theirs (they probe when forced only)."""
    from types import SimpleNamespace

    from playground.training.snapshot import Status
    from playground.training.worker_process import MIN_PROBE_INTERVAL, PROBES_PER_SECOND, Worker

    worker = Worker(connection=None, index=0, slice_seconds=0.05, trainer_capacity=0)

    def jobs(statuses):
        worker.jobs = {str(index): SimpleNamespace(status=status, probe_interval=0.2, weights_interval=0.1)
                       for index, status in enumerate(statuses)}
        worker.pace_probes()
        return list(worker.jobs.values())

    alone = jobs([Status.RUNNING, Status.PAUSED])
    assert alone[0].probe_interval == alone[0].weights_interval == MIN_PROBE_INTERVAL  # 20 a second each
    assert alone[1].probe_interval == 0.2
    crowd = jobs([Status.RUNNING] * 40)
    assert all(job.probe_interval == 40 / PROBES_PER_SECOND == 2 * job.weights_interval for job in crowd)


def test_a_busy_worker_publishes_less_often():
    from playground.training.worker_process import publish_interval

    assert publish_interval(0) == publish_interval(1) == pytest.approx(1 / 30)
    assert publish_interval(5) == 0.05
    assert publish_interval(40) == 0.1


def test_turns_shorten_when_many_jobs_run():
    from playground.training.worker_process import turn_slice

    assert turn_slice(1, 0.05) == turn_slice(8, 0.05) == 0.05
    assert turn_slice(16, 0.05) == pytest.approx(0.025)
    assert turn_slice(100, 0.05) == 0.02
    assert turn_slice(100, 0.005) == 0.005  # a pool with short slices keeps them


def test_a_probe_crosses_the_pipe_as_the_hidden_neurons_thumbnail_cells_and_the_whole_output_grid():
    import numpy as np

    from playground.data.points import grid_points
    from playground.training.worker_process import changes
    from playground.views.boundary import THUMBNAIL_CELLS, thumbnail_rows

    job = TrainingJob(RunSpec.from_query("layers=4,2&seed=3").spec, probe_inputs=grid_points(100))
    job.step()
    assert job.wait_until(lambda snapshot: snapshot.probe is not None and snapshot.status == Status.PAUSED, 60)
    snapshot = job.snapshot()
    sent: dict = {}
    hidden_4, hidden_2, output = changes(snapshot, sent)["probe"]
    assert hidden_4.shape == (THUMBNAIL_CELLS ** 2, 4) and hidden_2.shape == (THUMBNAIL_CELLS ** 2, 2)
    assert output.shape == snapshot.probe[-1].shape == (100 * 100, 1) and output.dtype == np.float16
    np.testing.assert_allclose(hidden_4, thumbnail_rows(snapshot.probe[0]), atol=1e-3)
    assert "probe" not in changes(snapshot, sent)  # sent once per probe


def test_pipe_frames_read_what_a_multiprocessing_connection_writes_in_any_pieces():
    """The server's loop reads a worker's pipe in pieces of whatever size arrived; ``PipeFrames`` makes of them
    the messages ``Connection.recv`` would."""
    import multiprocessing

    from playground.training.pipe_frames import PipeFrames

    messages = [("updates", [{"id": "a", "history": [{"epoch": 1, "loss": 0.5}]}]), ("ready", 123),
                ("reply", 7, np.arange(50_000, dtype=np.float32), ""), ("updates", [])]
    writer, reader = multiprocessing.Pipe(duplex=True)
    for message in messages:
        writer.send(message)  # a message over 16 KB is written as its size, then its bytes
    written = b""
    while reader.poll(0.5):
        written += os.read(reader.fileno(), 1 << 16)
    writer.close()
    reader.close()
    for piece in (len(written), 1, 3, 4, 4096):
        frames = PipeFrames()
        read = [message for start in range(0, len(written), piece)
                for message in frames.feed(written[start:start + piece])]
        assert len(read) == len(messages), piece
        for got, sent in zip(read, messages, strict=True):
            if sent[0] == "reply":
                assert got[:2] == sent[:2] and got[3] == "" and np.array_equal(got[2], sent[2])
            else:
                assert got == sent
    huge = PipeFrames()  # the framing of a message over 2 GB: -1, then an 8-byte size
    assert huge.feed((-1).to_bytes(4, "big", signed=True) + (3).to_bytes(8, "big")[:5]) == []
    import pickle

    body = pickle.dumps(("ready", 1))
    frame = (-1).to_bytes(4, "big", signed=True) + len(body).to_bytes(8, "big") + body
    assert PipeFrames().feed(frame) == [("ready", 1)]


def test_a_worker_writes_each_message_as_connection_send_does():
    """The worker's ``send`` frames a message as ``Connection.send`` does (``pipe_frames``): a reader thread's
    ``recv`` takes it."""
    import multiprocessing
    from types import SimpleNamespace

    from playground.training.worker_process import Worker

    ours, theirs = multiprocessing.Pipe(duplex=True)
    worker = SimpleNamespace(connection=theirs, _send_lock=threading.Lock())
    big = ("updates", [{"id": "a", "probe": (np.ones((10_000, 1), dtype=np.float16),)}])
    Worker.send(worker, big)
    Worker.send(worker, ("ready", 5))
    got = ours.recv()
    assert got[0] == "updates" and np.array_equal(got[1][0]["probe"][0], big[1][0]["probe"][0])
    assert ours.recv() == ("ready", 5)
    ours.close()
    theirs.close()


def test_a_message_is_written_whole_to_a_pipe_the_loop_made_non_blocking():
    """The server's loop (libuv) makes a worker's pipe non-blocking, in the web process, for its sends too: a
    message larger than the pipe holds is still written whole, while the worker reads slowly."""
    import multiprocessing

    from playground.training.pipe_frames import write_message

    ours, theirs = multiprocessing.Pipe(duplex=True)
    os.set_blocking(ours.fileno(), False)
    big = ("create", "job", np.random.default_rng(0).normal(size=(200_000, 2)))  # 3.2 MB
    received = []
    reader = threading.Thread(target=lambda: received.append(theirs.recv()))
    reader.start()
    write_message(ours.fileno(), big)
    write_message(ours.fileno(), ("exit",))
    reader.join(30)
    assert received[0][:2] == big[:2] and np.array_equal(received[0][2], big[2])
    assert theirs.recv() == ("exit",)
    ours.close()
    theirs.close()


def test_an_update_that_cannot_be_taken_costs_only_itself():
    """On the server's loop a batch's messages are taken one by one: one that fails is logged, the others (a
    reply a page waits for, the next batch) are still taken."""
    from playground.training.workers import _Worker

    class Broken:
        def _apply(self, update):
            raise ValueError("a bad update")

    worker = _Worker.__new__(_Worker)  # no process: only what taking messages reads
    worker.index, worker.ready, worker.jobs = 0, threading.Event(), {"a": Broken()}
    worker._take(("updates", [{"id": "a"}]))
    worker._take(("ready", 1))
    assert worker.ready.is_set()


def test_a_worker_process_starting_sets_up_no_pages(monkeypatch):
    """multiprocessing's spawn runs the parent's main script again in each new worker, as __mp_main__, and while
    a page runs that script is app.py: it must set up pages only as Streamlit runs it (as __main__)."""
    import pathlib
    import runpy
    from types import SimpleNamespace

    import streamlit as st

    called = []
    monkeypatch.setattr(st, "set_page_config", lambda *args, **options: called.append("page config"))
    monkeypatch.setattr(st, "navigation", lambda pages: called.append("navigation") or SimpleNamespace(
        run=lambda: called.append("run")))
    app = str(pathlib.Path(__file__).resolve().parent.parent / "app.py")
    runpy.run_path(app, run_name="__mp_main__")
    assert called == []
    runpy.run_path(app, run_name="__main__")
    assert called == ["page config", "navigation", "run"]


def test_a_runs_progress_waits_a_tick_and_goes_with_the_next_while_a_change_of_status_goes_at_once():
    """While a few jobs run, every other batch carries the last tick's updates first (``staged``): one batch,
    one wake-up of the web process and one channel message for two states of the run. A change of status (Play,
    Pause, an end) never waits."""
    from playground.training.worker_process import Worker, stageable

    assert stageable([{"id": "a", "history": [{}]}, {"id": "b", "weights": ()}])
    assert not stageable([]) and not stageable([{"id": "a", "history": [{}]}, {"id": "b", "status": "paused"}])
    job = TrainingJob(RunSpec(dataset="circle", seed=5, epochs=100_000))
    worker = Worker(connection=None, index=0, slice_seconds=0.05, trainer_capacity=None)
    worker.jobs["j"], worker._sent["j"] = job, {}
    batches = []
    worker.send = batches.append
    publisher = threading.Thread(target=worker._publish_forever, daemon=True)
    publisher.start()
    job.start()
    try:
        assert job.wait_until(lambda snapshot: snapshot.epoch >= 30, timeout=120)
        deadline = time.monotonic() + 60  # ten paired batches take ~0.7 s; a busy machine may skip ticks
        while time.monotonic() < deadline and sum(len(batch[1]) == 2 for batch in list(batches)) < 10:
            time.sleep(0.05)
    finally:
        job.stop()
        job.join(30)
        time.sleep(0.2)
        worker._closed.set()
        publisher.join(5)
    updates = [batch[1] for batch in batches]
    paired = [batch for batch in updates if len(batch) == 2]
    assert len(paired) >= 10, f"{len(paired)} of {len(updates)} batches carry two ticks"
    for batch in updates:
        flags = [bool(update.get("staged")) for update in batch]
        assert flags == sorted(flags, reverse=True)  # the staged updates come first
        for update in batch:
            if update.get("staged"):
                assert "status" not in update and "message" not in update
    # The run's start and stop went out at once, each in a batch of its own tick, never staged.
    statuses = [update["status"] for batch in updates for update in batch if "status" in update]
    assert Status.RUNNING in statuses and statuses[-1] == Status.STOPPED
    records = [record["epoch"] for batch in updates for update in batch for record in update.get("history", ())]
    assert records == list(range(len(records)))  # every epoch once, in order
    first = next(update for batch in updates for update in batch if update.get("history"))
    assert not first.get("staged")  # Play's first epochs go at once


def test_a_staged_update_leaves_the_state_it_made_for_the_live_channel_and_is_no_poll():
    from playground.training.remote_job import RemoteJob
    from playground.views.live_encoding import history_columns

    spec = RunSpec.from_query("layers=2&seed=1").spec

    def records(epochs):
        return [{"epoch": epoch, "loss": 1.0, "test_loss": 1.0, "accuracy": 0.5, "test_accuracy": 0.5}
                for epoch in epochs]

    remote = RemoteJob(None, spec, TrainingJob(spec).dataset, None, "remote")
    assert remote.staged_snapshot() is None
    remote.last_polled = 0.0
    first, second = records(range(3)), records(range(3, 5))
    remote._apply({"id": "remote", "calls": 0, "history": first, "history_columns": history_columns(first, "accuracy"),
                   "weights_epoch": 2, "staged": True})
    remote._apply({"id": "remote", "calls": 0, "history": second,
                   "history_columns": history_columns(second, "accuracy"), "weights_epoch": 4})
    staged, current = remote.staged_snapshot(), remote.snapshot()
    assert (staged.epoch, staged.weights_epoch, len(staged.history)) == (2, 2, 3)
    assert (current.epoch, current.weights_epoch, len(current.history)) == (4, 4, 5)
    np.testing.assert_array_equal(staged.history.columns(), current.history.columns()[:, :3])
    assert remote.last_polled > 0  # the page's snapshot polled it; the staged one had not
    remote.last_polled = 0.0
    remote._apply({"id": "remote", "calls": 0, "history": records([5]), "staged": True})
    assert remote.last_polled == 0.0
