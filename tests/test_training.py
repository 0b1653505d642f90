import threading
import time

import numpy as np
import pytest

from playground.data.points import grid_points
from playground.spec import RunSpec
from playground.training.job import Status, TrainingJob, run_to_end
from playground.training.registry import JobRegistry

FAST = RunSpec.from_query("samples=200&epochs=1000").spec


def losses(snapshot):
    return [(record["loss"], record["test_loss"]) for record in snapshot.history]


@pytest.fixture
def job():
    jobs = []

    def make(spec=FAST, **options):
        jobs.append(TrainingJob(spec, **options))
        return jobs[-1]

    yield make
    for created in jobs:
        created.stop()
        created.join(10)


def test_runs_to_the_epoch_limit_and_records_every_epoch_from_zero():
    job, snapshot = run_to_end(FAST, epochs=30, timeout=60)
    assert snapshot.status == Status.FINISHED and snapshot.epoch == 30
    assert [record["epoch"] for record in snapshot.history] == list(range(31))
    assert set(snapshot.history[0]) >= {"loss", "test_loss", "accuracy", "test_accuracy", "learning_rate"}
    assert snapshot.history[-1]["loss"] < snapshot.history[0]["loss"]
    assert snapshot.message == "reached the epoch limit after 30 epochs"


def test_pause_halts_epochs_and_resume_continues(job):
    running = job()
    running.start()
    assert running.wait_until(lambda s: s.epoch >= 3, timeout=60)
    running.pause()
    assert running.wait_until(lambda s: s.status == Status.PAUSED, timeout=10)
    held = running.snapshot().epoch
    time.sleep(0.5)
    assert running.snapshot().epoch == held
    running.resume()
    assert running.wait_until(lambda s: s.epoch >= held + 3, timeout=30)


def test_step_advances_exactly_one_epoch(job):
    stepping = job()
    stepping.start(paused=True)
    assert stepping.wait_until(lambda s: s.status == Status.PAUSED, timeout=60)
    assert stepping.snapshot().epoch == 0
    for expected in (1, 2, 3):
        stepping.step()
        assert stepping.wait_until(lambda s, e=expected: s.status == Status.PAUSED and s.epoch == e, timeout=30)
        time.sleep(0.2)
        assert stepping.snapshot().epoch == expected
    # Stepping a fresh job starts it and stops after one epoch too.
    fresh = job()
    fresh.step()
    assert fresh.wait_until(lambda s: s.status == Status.PAUSED and s.epoch == 1, timeout=60)


def test_stop_ends_the_thread(job):
    running = job()
    running.start()
    assert running.wait_until(lambda s: s.epoch >= 1, timeout=60)
    running.stop()
    assert running.join(timeout=10)
    assert running.status == Status.STOPPED
    paused = job()
    paused.start(paused=True)
    assert paused.wait_until(lambda s: s.status == Status.PAUSED, timeout=60)
    paused.stop()
    assert paused.join(timeout=10) and paused.status == Status.STOPPED


def test_learning_rate_change_takes_effect_without_a_reset(job):
    changed = job()
    changed.start(paused=True)
    assert changed.wait_until(lambda s: s.status == Status.PAUSED, timeout=60)
    changed.set_learning_rate(0.3)
    changed.step(3)
    assert changed.wait_until(lambda s: s.status == Status.PAUSED and s.epoch == 3, timeout=60)
    assert float(changed.model.optimizer.learning_rate) == pytest.approx(0.3)
    assert changed.snapshot().history[1]["learning_rate"] == 0.3
    # The same as a run that had 0.3 from the start: the change really drove the updates.
    _, reference = run_to_end(FAST.replace(learning_rate=0.3), epochs=3, timeout=60)
    assert losses(changed.snapshot()) == losses(reference)


def test_epoch_limit_can_change_while_running(job):
    limited = job(FAST.replace(epochs=100_000))
    limited.start()
    assert limited.wait_until(lambda s: s.epoch >= 2, timeout=60)
    limited.set_epoch_limit(5)
    limited.join(30)
    snapshot = limited.snapshot()
    assert snapshot.status == Status.FINISHED and snapshot.epoch == 5


def test_a_too_large_learning_rate_diverges_with_a_message():
    spec = RunSpec.from_query("dataset=plane&lr=10&layers=4,2&activation=linear").spec
    assert spec.output_activation == "linear"
    _, snapshot = run_to_end(spec, epochs=200, timeout=60)
    assert snapshot.status == Status.DIVERGED
    assert "learning rate 10 is probably too high" in snapshot.message
    assert "(try 0.3)" in snapshot.message and snapshot.warning == ""  # the rate the bouncing warning names too
    assert snapshot.epoch < 200


def test_a_bouncing_loss_is_reported_before_anything_becomes_nan():
    # Learning rate 10 on circle: the loss swings between about 0.6 and 4 and never becomes NaN.
    _, snapshot = run_to_end(RunSpec.from_query("lr=10").spec, epochs=60, timeout=120)
    assert snapshot.status == Status.FINISHED
    assert snapshot.warning.startswith("The loss is bouncing up and down")
    assert "the learning rate 10 is probably too high" in snapshot.warning and "(try 0.3)" in snapshot.warning


def test_the_default_run_is_never_reported():
    from playground.training.loss_watch import loss_warning

    _, snapshot = run_to_end(RunSpec(), epochs=300, timeout=240)
    assert snapshot.status == Status.FINISHED and snapshot.warning == ""
    # What the thread would have found at every epoch, not only the last.
    history = list(snapshot.history)
    assert all(loss_warning(history[:count], 0.03) == "" for count in range(1, len(history) + 1))


def test_lowering_the_learning_rate_live_clears_the_warning_once_the_loss_settles(job):
    bouncing = job(RunSpec.from_query("lr=10&epochs=100000").spec)
    bouncing.start()
    assert bouncing.wait_until(lambda s: bool(s.warning), timeout=120)
    bouncing.pause()
    assert bouncing.wait_until(lambda s: s.status == Status.PAUSED, timeout=30)
    paused = bouncing.snapshot()
    assert "learning rate 10" in paused.warning
    bouncing.set_learning_rate(0.3)
    bouncing.step(100)
    assert bouncing.wait_until(lambda s: s.status == Status.PAUSED and s.epoch == paused.epoch + 100, timeout=120)
    snapshot = bouncing.snapshot()
    assert snapshot.warning == ""
    before, after = (np.abs(np.diff([record["loss"] for record in records]))
                     for records in (paused.history[-40:], snapshot.history[-40:]))
    assert after.mean() < before.mean() / 10  # settled: the epoch-to-epoch swings shrank tenfold


def test_an_exception_in_the_thread_surfaces_as_failed(job, monkeypatch):
    from playground.training import engine

    calls = {"count": 0}
    original = engine.Engine.results  # called once per published epoch

    def failing_results(self, values):
        calls["count"] += 1
        if calls["count"] == 4:
            raise RuntimeError("disk on fire")
        return original(self, values)

    monkeypatch.setattr(engine.Engine, "results", failing_results)
    failing = job()
    failing.start()
    assert failing.join(timeout=60)
    snapshot = failing.snapshot()
    assert snapshot.status == Status.FAILED and snapshot.message == "RuntimeError: disk on fire"
    assert snapshot.epoch == 2  # epochs 0, 1 and 2 were published before the failure


def test_early_stop_on_the_test_loss():
    spec = RunSpec.from_query("dataset=xor&noise=50&samples=100&lr=1&patience=3&optimizer=adam").spec
    _, snapshot = run_to_end(spec, epochs=2000, timeout=120)
    assert snapshot.status == Status.FINISHED and snapshot.epoch < 2000
    assert snapshot.message.startswith("early stop")


def test_same_seed_same_history_even_beside_another_job():
    spec = RunSpec.from_query("dataset=spiral&layers=6,6&dropout=0.1&samples=200&seed=11").spec
    _, alone = run_to_end(spec, epochs=15, timeout=120)
    other = TrainingJob(RunSpec.from_query("dataset=xor&layers=8,8,8&optimizer=adam&seed=5").spec)
    other.start()
    try:
        assert other.wait_until(lambda s: s.epoch >= 1, timeout=60)
        _, beside = run_to_end(spec, epochs=15, timeout=120)
        assert other.snapshot().status == Status.RUNNING  # it really trained at the same time
    finally:
        other.stop()
        other.join(10)
    assert losses(alone) == losses(beside)
    _, other_seed = run_to_end(spec.replace(seed=12), epochs=15, timeout=120)
    assert losses(other_seed) != losses(alone)


def test_snapshots_carry_weight_copies_and_probe_outputs(job):
    probing = job(probe_inputs=grid_points(10))
    probing.step(2)
    assert probing.wait_until(lambda s: s.status == Status.PAUSED, timeout=60)
    snapshot = probing.snapshot()
    assert [w.shape for w in snapshot.weights] == [(2, 4), (4,), (4, 2), (2,), (2, 1), (1,)]
    assert snapshot.weights_epoch == 2
    assert [p.shape for p in snapshot.probe] == [(100, 4), (100, 2), (100, 1)]
    with pytest.raises(ValueError, match="read-only"):
        snapshot.weights[0][:] = 99  # shared by snapshots, so frozen
    assert np.array_equal(snapshot.weights[0], probing.model.get_layer("hidden_1").kernel.numpy())


def test_snapshot_history_is_a_copy_while_the_thread_appends(job):
    running = job()
    running.start()
    assert running.wait_until(lambda s: s.epoch >= 2, timeout=60)
    snapshot = running.snapshot()
    length = len(snapshot.history)
    assert running.wait_until(lambda s: s.epoch >= length + 2, timeout=30)
    assert len(snapshot.history) == length


def test_the_registry_reaps_a_job_nobody_polls():
    registry = JobRegistry(idle_timeout=2.0, reap_interval=0.1)  # the poller polls every 0.05 s: 2 s holds on a loaded CI machine
    try:
        polled = registry.create(FAST)
        forgotten = registry.create(FAST)
        polled.start()
        forgotten.start()
        stop_polling = threading.Event()

        def poll():
            while not stop_polling.is_set():
                registry.get(polled.id)
                time.sleep(0.05)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        deadline = time.monotonic() + 30
        while forgotten.id in registry.ids() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert registry.ids() == [polled.id]
        assert forgotten.join(timeout=30) and forgotten.status == Status.STOPPED
        assert polled.status in (Status.STARTING, Status.RUNNING)
        stop_polling.set()
        poller.join()
        assert registry.get("no-such-job") is None
    finally:
        registry.close()


def test_probe_of_a_network_without_hidden_layers(job):
    perceptron = job(RunSpec.from_query("layers=none&samples=100").spec, probe_inputs=grid_points(10))
    perceptron.step()
    assert perceptron.wait_until(lambda s: s.status == Status.PAUSED and s.epoch == 1, timeout=60)
    assert [p.shape for p in perceptron.snapshot().probe] == [(100, 1)]


def test_a_finished_run_has_published_its_last_epoch():
    # A page redraws once when it sees the run over: the outputs it draws must be the last epoch's.
    for seed in (1, 2, 3):
        job = TrainingJob(FAST.replace(epochs=15, seed=seed))
        seen = []
        job.start()
        assert job.wait_until(lambda snapshot, seen=seen: seen.append(snapshot) or snapshot.status.is_over,
                              timeout=120)
        over = next(snapshot for snapshot in seen if snapshot.status.is_over)
        assert over.epoch == 15 and over.probe_epoch == 15 and over.weights_epoch == 15
