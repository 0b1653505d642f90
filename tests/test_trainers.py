"""Trainers compiled once per architecture and fair turns (issue 11, items 2 and 3): jobs of a worker share a
compiled trainer, take turns on it, and each gets the identical history it gets alone on a fresh trainer."""

from __future__ import annotations

import io
import threading
import time
import zipfile

import numpy as np
import pytest

from playground.data.sources import load_data
from playground.spec import RunSpec
from playground.training.job import Status, TrainingJob
from playground.training.trainers import TrainerCache, trainer_key
from playground.training.turns import Turnstile

SPEC = RunSpec(dataset="xor", seed=3, epochs=40)


def history_of(spec: RunSpec, **job_options) -> list[dict]:
    job = TrainingJob(spec, **job_options)
    job.start()
    assert job.join(120)
    snapshot = job.snapshot()
    assert snapshot.status == Status.FINISHED, snapshot.message
    return [{key: value for key, value in record.items()} for record in snapshot.history]


def run_together(specs: list[RunSpec], trainers: TrainerCache, turns: Turnstile) -> list[TrainingJob]:
    jobs = [TrainingJob(spec, trainers=trainers, turns=turns) for spec in specs]
    for job in jobs:
        job.start()
    for job in jobs:
        assert job.join(180)
        assert job.status == Status.FINISHED, job.snapshot().message
    return jobs


def test_a_reused_trainer_gives_the_history_of_a_fresh_one_without_tracing_again():
    fresh = history_of(SPEC)
    trainers, turns = TrainerCache(), Turnstile(slice_seconds=0.005)  # many turns in 40 epochs
    other_seed, other_rate = SPEC.replace(seed=11), SPEC.replace(seed=5, learning_rate=0.1)
    first = run_together([other_seed], trainers, turns)
    traces = trainers.trace_count()
    assert trainers.built == 1 and traces >= 1
    # Three jobs of the architecture at once, in turns on the one trainer: each its own history.
    jobs = run_together([SPEC, other_seed, other_rate], trainers, turns)
    assert trainers.built == 1 and trainers.trace_count() == traces  # nothing built, traced or compiled again
    assert [dict(record) for record in jobs[0].snapshot().history] == fresh
    assert jobs[1].snapshot().history == first[0].snapshot().history
    assert jobs[2].snapshot().history != jobs[0].snapshot().history
    assert jobs[2].snapshot().history[-1]["learning_rate"] == 0.1
    # The weights each job publishes are its own.
    alone = TrainingJob(SPEC)
    alone.start()
    alone.join(120)
    for mine, reference in zip(jobs[0].snapshot().weights, alone.snapshot().weights, strict=True):
        np.testing.assert_array_equal(mine, reference)


def test_reset_reuses_the_trainer_and_gives_the_same_curve():
    trainers, turns = TrainerCache(), Turnstile()
    first, again = (run_together([SPEC], trainers, turns)[0] for _ in range(2))
    assert trainers.built == 1
    assert first.snapshot().history == again.snapshot().history


def test_another_architecture_or_data_size_gets_its_own_trainer():
    dataset = load_data(SPEC).dataset
    key = trainer_key(SPEC, dataset)
    assert trainer_key(SPEC.replace(seed=9, learning_rate=0.3, initializer="he_normal"), dataset) == key
    for changed in (SPEC.replace(layers=(4, 3)), SPEC.replace(batch_size=5), SPEC.replace(optimizer="adam"),
                    SPEC.replace(activations=("relu", "relu")), SPEC.replace(train_share=60)):
        assert trainer_key(changed, load_data(changed).dataset) != key


def test_turns_share_the_cpu_fairly_and_a_paused_job_takes_none():
    trainers, turns = TrainerCache(), Turnstile(slice_seconds=0.02)
    endless = SPEC.replace(epochs=100_000)
    jobs = [TrainingJob(endless.replace(seed=seed), trainers=trainers, turns=turns) for seed in (1, 2, 3)]
    idle = TrainingJob(endless.replace(seed=4), trainers=trainers, turns=turns)
    try:
        for job in jobs:
            job.start()
        idle.start(paused=True)
        assert all(job.wait_until(lambda snapshot: snapshot.epoch >= 20, timeout=120) for job in jobs)
        assert idle.wait_until(lambda snapshot: snapshot.status == Status.PAUSED, timeout=60)
        start = [job.snapshot().epoch for job in jobs]
        time.sleep(3)
        gained = [job.snapshot().epoch - before for job, before in zip(jobs, start, strict=True)]
        assert idle.snapshot().epoch == 0
        jain = sum(gained) ** 2 / (len(gained) * sum(value * value for value in gained))
        assert min(gained) > 0 and jain >= 0.9, gained
    finally:
        for job in [*jobs, idle]:
            job.stop()
        for job in [*jobs, idle]:
            job.join(60)


def test_a_turnstile_lets_one_holder_in_at_a_time_in_arrival_order():
    turns = Turnstile(slice_seconds=0.0)
    order: list[str] = []
    turns.acquire("a")
    waiting = [threading.Thread(target=lambda name=name: (turns.acquire(name), order.append(name),
                                                          turns.release(name))) for name in ("b", "c")]
    waiting[0].start()
    while turns.waiting() < 1:
        time.sleep(0.01)
    waiting[1].start()
    while turns.waiting() < 2:
        time.sleep(0.01)
    assert turns.should_yield("a") and not turns.should_yield("b")
    assert turns.take_turn("a")  # b and c go first, then a again
    order.append("a")
    turns.release("a")
    for thread in waiting:
        thread.join(5)
    assert order == ["b", "c", "a"]


@pytest.mark.parametrize("paused_first", [True, False])
def test_a_paused_or_finished_job_exports_its_own_model_from_a_shared_trainer(paused_first):
    trainers, turns = TrainerCache(), Turnstile()
    mine = TrainingJob(SPEC, trainers=trainers, turns=turns)
    if paused_first:
        mine.step(5)
        assert mine.wait_until(lambda snapshot: snapshot.status == Status.PAUSED and snapshot.epoch == 5, 120)
    else:
        mine.start()
        assert mine.join(120)
    run_together([SPEC.replace(seed=21)], trainers, turns)  # another job used the trainer since
    assert zipfile.is_zipfile(io.BytesIO(mine.model_file()))
    loaded = mine.with_model(lambda: mine._engine.weights())  # the trainer holds this job's weights again
    for published, now in zip(mine.snapshot().weights, loaded, strict=True):
        np.testing.assert_array_equal(published, now)
    mine.stop()
    mine.close()


def test_a_trainer_warmed_up_ahead_gives_the_history_of_a_fresh_one_without_tracing_again():
    """A worker compiles an idle job's trainer ahead of Play (engine.warm_up, one throwaway epoch): the job
    then builds and traces nothing, and its history is the one it gets on a fresh trainer."""
    from playground.training.engine import warm_up

    fresh = history_of(SPEC)
    trainers = TrainerCache()
    dataset = load_data(SPEC).dataset
    assert warm_up(SPEC, dataset, trainers, probe_inputs=np.zeros((4, dataset.input_count), np.float32))
    assert not warm_up(SPEC, dataset, trainers)  # built already
    traces = trainers.trace_count()
    assert trainers.built == 1 and traces >= 1
    jobs = run_together([SPEC], trainers, Turnstile())
    assert trainers.built == 1 and trainers.trace_count() == traces
    assert [dict(record) for record in jobs[0].snapshot().history] == fresh
