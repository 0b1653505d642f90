"""The controller on tables: its data, the plane it probes, the runs it keeps for comparison; runs.py."""

import numpy as np
import pytest

from playground.controller import GRID_RESOLUTION, PCA, PlaygroundController
from playground.spec import RunSpec
from playground.training.registry import JobRegistry
from playground.training.runs import RunRecord, kept, settings_table

IRIS = RunSpec.from_query("dataset=iris&layers=4&activation=relu&optimizer=adam&lr=0.03&epochs=3").spec


@pytest.fixture
def controller():
    registry = JobRegistry()
    yield PlaygroundController(registry, IRIS)
    registry.close()


def finish(controller):
    controller.play()
    job = controller.job()
    assert job.wait_until(lambda snapshot: snapshot.status.is_over, timeout=120)
    return job


def test_a_finished_job_probes_a_new_plane_at_once(controller):
    job = finish(controller)
    before = job.snapshot().probe[-1]
    assert before.shape == (GRID_RESOLUTION ** 2, 3) and controller.plane().kind == "pca"
    controller.set_plane((2, 3))
    after = job.snapshot()
    assert controller.plane().kind == "features"
    expected = np.asarray(job.model(controller.plane().grid_inputs(GRID_RESOLUTION), training=False))
    assert np.allclose(after.probe[-1], expected, atol=1e-5) and not np.allclose(after.probe[-1], before)
    assert after.test_outputs.shape == (75, 3)
    assert np.allclose(after.test_outputs, np.asarray(job.model(job.dataset.x_test, training=False)), atol=1e-5)


def test_reset_and_changes_keep_runs_and_restore_gives_back_the_spec(controller):
    finish(controller)
    controller.reset()
    assert [run.label for run in controller.compared_runs()] == ["Run 1"]
    first = controller.runs[0]
    assert first.spec == IRIS and first.epochs == 3 and first.metric == "accuracy"
    controller.change_spec(IRIS.replace(layers=(6,)))
    finish(controller)
    assert [run.label for run in controller.compared_runs()] == ["Run 1", "Current"]
    controller.restore(first)
    assert controller.spec == IRIS
    assert [run.label for run in controller.compared_runs()] == ["Run 1", "Run 2"]
    assert controller.job().status == "idle" and controller.plane_choice == PCA


def test_a_spec_without_data_says_why_instead_of_making_a_job(controller):
    controller.change_spec(RunSpec.from_query("dataset=csv").spec)
    assert controller.data().dataset is None
    with pytest.raises(ValueError, match="none is loaded"):
        controller.job()


def record(label, job_id, **changes):
    history = ({"epoch": 0, "loss": 1.0, "test_loss": 1.1, "accuracy": 0.5, "test_accuracy": 0.4},
               {"epoch": 1, "loss": 0.5, "test_loss": 0.6, "accuracy": 0.8, "test_accuracy": 0.75})
    return RunRecord(label, RunSpec().replace(**changes), history, "accuracy", "finished", job_id)


def test_kept_replaces_the_same_job_and_keeps_the_last_five():
    runs = []
    for index in range(7):
        runs = kept(runs, record(f"Run {index + 1}", f"job{index}"))
    assert [run.label for run in runs] == ["Run 3", "Run 4", "Run 5", "Run 6", "Run 7"]
    runs = kept(runs, record("Run 7 again", "job6"))
    assert [run.label for run in runs][-1] == "Run 7 again" and len(runs) == 5
    assert kept(runs, None) == runs


def test_settings_table_lists_differences_then_results():
    runs = [record("A", "a"), record("B", "b", learning_rate=0.1, layers=(8,))]
    rows = settings_table(runs)
    # Activation and dropout read the same ("tanh", "0") for one layer or two, so they are no difference.
    assert [row[""] for row in rows] == ["Hidden layers", "Learning rate", "Epochs", "Status", "Train loss",
                                         "Test loss", "Test accuracy"]
    assert rows[0] == {"": "Hidden layers", "A": "4,2", "B": "8"}
    assert rows[-1] == {"": "Test accuracy", "A": "75.0%", "B": "75.0%"}
    assert len(settings_table(runs, all_settings=True)) > 20


def test_a_run_changed_while_training_is_kept_as_stopped(controller):
    controller.change_spec(IRIS.replace(epochs=100_000))
    controller.play()
    assert controller.job().wait_until(lambda snapshot: snapshot.epoch >= 2, timeout=120)
    controller.change_spec(IRIS.replace(epochs=100_000, layers=(3,)))
    assert [(run.label, run.status) for run in controller.runs] == [("Run 1", "stopped")]


def test_constant_inputs_or_one_training_row_fall_back_to_a_feature_plane(controller):
    from playground.data.csv_reading import read_csv

    constant, _ = read_csv(b"a,b,c,y\n" + b"1,2,3,0\n1,2,3,1\n" * 15)
    controller.set_csv("constant.csv", constant)
    controller.change_spec(RunSpec.from_query("dataset=csv&problem=binary").spec)
    plane = controller.plane()
    assert plane.kind == "features" and "slice" in plane.caption()
    tiny, _ = read_csv(b"a,b,c,y\n" + b"".join(f"{i},{i * i % 7},{i % 3},{i * 0.5}\n".encode() for i in range(12)))
    controller.set_csv("tiny.csv", tiny)
    controller.change_spec(RunSpec.from_query("dataset=csv&problem=regression&train=10").spec)
    assert len(controller.data().dataset.x_train) == 1 and controller.plane().kind == "features"


def test_runs_share_a_metric_only_when_all_have_it():
    from playground.training.runs import RunRecord, shared_metric

    def run(metric):
        return RunRecord("r", RunSpec(), (), metric, "finished", "id")

    assert shared_metric([run("accuracy"), run("accuracy")]) == "accuracy"
    assert shared_metric([run("r2")]) == "r2"
    assert shared_metric([run("accuracy"), run("r2")]) is None
