"""A snapshot's history reads the job's growing list in place (no copy per poll) and never changes after; a worker's
arrays cross the pipe packed in one buffer."""

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


def test_packed_arrays_cross_a_pipe_as_one_buffer_and_are_made_read_only_when_first_read():
    import pickle

    import numpy as np

    from playground.training.snapshot import PackedArrays

    arrays = (np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1.5, -2.0], dtype=np.float16),
              np.zeros((0, 4), dtype=np.float32))
    packed = pickle.loads(pickle.dumps(PackedArrays(arrays), protocol=5))
    assert packed._arrays is None and len(packed) == 3  # nothing made until read
    for got, expected in zip(packed, arrays, strict=True):
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
        assert not got.flags.writeable
    assert packed[-1] is packed[2] and isinstance(packed[:-1], tuple) and len(packed[:-1]) == 2
    # Its pickle is the buffer and the shapes: no array object inside.
    assert b"numpy" not in pickle.dumps(packed, protocol=5)


def test_both_kinds_of_job_take_snapshots_of_every_field_and_nothing_else():
    """``Snapshot.of`` skips the dataclass' __init__: the fields a job hands it must be exactly the Snapshot's."""
    import dataclasses

    from playground.data.points import grid_points
    from playground.spec import RunSpec
    from playground.training.job import TrainingJob
    from playground.training.remote_job import RemoteJob
    from playground.training.snapshot import Snapshot

    spec = RunSpec.from_query("layers=2&seed=1").spec
    local = TrainingJob(spec)
    remote = RemoteJob(None, spec, local.dataset, grid_points(100), "remote")
    names = {field.name for field in dataclasses.fields(Snapshot)}
    for job in (local, remote):
        snapshot = job.snapshot()
        assert set(vars(snapshot)) == names
        assert Snapshot(**vars(snapshot)) == snapshot
        with pytest.raises(dataclasses.FrozenInstanceError):
            snapshot.epoch = 3
