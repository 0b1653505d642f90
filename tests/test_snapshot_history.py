"""A snapshot's history reads the job's growing list in place (no copy per poll) and never changes after."""

import pickle

import pytest

from playground.training.snapshot import History


def test_a_history_is_the_records_it_saw_even_as_the_list_grows():
    records = [{"epoch": 0}, {"epoch": 1}]
    seen = History(records)
    records.append({"epoch": 2})  # the job trains on
    assert len(seen) == 2 and seen[-1] == {"epoch": 1} and list(seen) == [{"epoch": 0}, {"epoch": 1}]
    assert seen[0:] == ({"epoch": 0}, {"epoch": 1}) and seen[1:] == ({"epoch": 1},) and seen[5:] == ()
    assert seen[::-1] == ({"epoch": 1}, {"epoch": 0})
    with pytest.raises(IndexError):
        seen[2]  # noqa: B018 - the record added after the snapshot is not in it
    with pytest.raises(IndexError):
        seen[-3]  # noqa: B018
    assert History(records) == tuple(records) and seen != tuple(records) and seen == records[:2]
    assert pickle.loads(pickle.dumps(seen)) == ({"epoch": 0}, {"epoch": 1})  # pickled: a plain tuple
    assert not History() and History([{"epoch": 0}])


def test_a_jobs_snapshots_share_its_records_instead_of_copying_them():
    from playground.spec import RunSpec
    from playground.training.job import Status, TrainingJob

    job = TrainingJob(RunSpec.from_query("layers=2&seed=1").spec)
    job.step(3)
    assert job.wait_until(lambda snapshot: snapshot.status == Status.PAUSED and snapshot.epoch == 3, 60)
    first = job.snapshot()
    job.step(2)
    assert job.wait_until(lambda snapshot: snapshot.status == Status.PAUSED and snapshot.epoch == 5, 60)
    second = job.snapshot()
    assert len(first.history) == 4 and first.epoch == 3 and len(second.history) == 6  # epoch 0 and one per epoch
    assert first.history[3] is second.history[3]  # the same record object: nothing copied
    assert [record["epoch"] for record in second.history] == [0, 1, 2, 3, 4, 5]
    job.stop()
