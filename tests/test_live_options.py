"""Every live option of the table (a change continues the run) really reaches a running job."""

import pytest

from playground.options import LIVE_OPTIONS, OPTIONS
from playground.spec import RunSpec
from playground.training.job import Status, TrainingJob

SPEC = RunSpec.from_query("samples=200&epochs=100000").spec


@pytest.fixture
def running():
    jobs = []

    def start(spec=SPEC) -> TrainingJob:
        job = TrainingJob(spec)
        jobs.append(job)
        job.start()
        assert job.wait_until(lambda snapshot: snapshot.epoch >= 3, timeout=120)
        return job

    yield start
    for job in jobs:
        job.stop()
        job.join(10)


def test_the_live_options_are_the_tables_and_each_has_a_setter():
    assert LIVE_OPTIONS == {option.name for option in OPTIONS if option.live} == {"learning_rate", "epochs",
                                                                                  "patience"}
    assert set(TrainingJob.LIVE_SETTERS) == LIVE_OPTIONS
    assert not SPEC.needs_reset(SPEC.replace(learning_rate=0.3, epochs=50, patience=5))


def test_a_new_learning_rate_reaches_the_optimizer(running):
    job = running()
    job.apply_live_changes(SPEC.replace(learning_rate=0.3))
    assert job.wait_until(lambda snapshot: snapshot.history[-1]["learning_rate"] == 0.3, timeout=30)
    job.pause()
    assert job.wait_until(lambda snapshot: snapshot.status == Status.PAUSED, timeout=30)
    assert float(job._engine.trainer.fit_model.optimizer.learning_rate.numpy()) == pytest.approx(0.3)


def test_a_new_epoch_limit_ends_the_run_there(running):
    job = running()
    limit = job.snapshot().epoch + 5
    job.apply_live_changes(SPEC.replace(epochs=limit))
    assert job.wait_until(lambda snapshot: snapshot.status.is_over, timeout=60)
    snapshot = job.snapshot()
    assert snapshot.status == Status.FINISHED and snapshot.epoch == limit


def test_a_new_patience_stops_the_run_early(running):
    # Learning rate 3 keeps the test loss from improving for long: with patience it stops early.
    spec = SPEC.replace(learning_rate=3.0)
    job = running(spec)
    job.apply_live_changes(spec.replace(patience=2))
    assert job.wait_until(lambda snapshot: snapshot.status.is_over, timeout=120)
    snapshot = job.snapshot()
    assert snapshot.status == Status.FINISHED and snapshot.message.startswith("early stop")
