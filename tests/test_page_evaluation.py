"""The Evaluation tab never passes off older numbers as the run's: while training it says which epoch they are
from and that the run is further on; when the run pauses or ends they are of its last epoch, or say they are not.
"""

import re
import threading
import time

import pytest

from playground.training.job import TrainingJob
from playground.training.snapshot import Snapshot, Status
from playground.ui.live import outputs_caught_up
from tests.test_page_playground import epoch, open_app, status_line

EVALUATED = re.compile(r"after epoch ([\d,]+)")


def evaluation_caption(app) -> str:
    return next(item.value for item in app.caption if "test rows" in item.value)


def evaluated_epoch(app) -> int:
    return int(EVALUATED.search(evaluation_caption(app)).group(1).replace(",", ""))


def rerun_until(app, condition, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition(app) and time.monotonic() < deadline:
        time.sleep(0.3)
        app.run()
    assert condition(app), status_line(app)


@pytest.mark.slow
def test_while_training_the_caption_says_the_run_is_further_and_after_pause_they_agree():
    app = open_app({"samples": "100", "epochs": "100000"})
    app.button(key="play").click().run()
    rerun_until(app, lambda page: epoch(page) >= 3 and "Training" in status_line(page))
    caption = evaluation_caption(app)
    match = re.search(r"after epoch ([\d,]+) of the run now at ([\d,]+); refreshes every 5 s while training", caption)
    assert match, caption
    assert int(match.group(1).replace(",", "")) <= int(match.group(2).replace(",", ""))

    app.button(key="pause").click().run()
    rerun_until(app, lambda page: "Paused." in status_line(page))
    app.run()  # what the live view's one redraw on pause shows
    assert evaluated_epoch(app) == epoch(app) > 3, evaluation_caption(app)
    assert "now at" not in evaluation_caption(app) and not app.exception


@pytest.mark.slow
def test_a_run_that_ended_before_publishing_its_last_outputs_is_not_shown_as_its_last_epoch(monkeypatch):
    # The job says "finished" a moment before it publishes the last epoch's outputs (TrainingJob._run): hold
    # that moment open, as a busy server does.
    release = threading.Event()
    publish = TrainingJob._publish_weights

    def held_after_the_end(job, engine, epoch_, force=False):
        if job.status.is_over:
            release.wait(60)
        publish(job, engine, epoch_, force)

    monkeypatch.setattr(TrainingJob, "_publish_weights", held_after_the_end)
    try:
        app = open_app({"samples": "100", "epochs": "20"})
        app.button(key="play").click().run()
        rerun_until(app, lambda page: "Finished" in status_line(page))
        assert epoch(app) == 20
        assert evaluated_epoch(app) == 20 or "(the run is at epoch 20)" in evaluation_caption(app), \
            evaluation_caption(app)
    finally:
        release.set()
    rerun_until(app, lambda page: evaluated_epoch(page) == 20)
    assert "the run is at" not in evaluation_caption(app)


def snapshot(status: Status, epoch_: int, probe_epoch: int) -> Snapshot:
    history = tuple({"epoch": index} for index in range(epoch_ + 1)) if probe_epoch >= 0 or epoch_ else ()
    return Snapshot(status=status, message="", epoch=epoch_, history=history, metric="accuracy",
                    learning_rate=0.03, epoch_limit=20, weights=None, weights_epoch=probe_epoch, probe=None,
                    probe_epoch=probe_epoch, epochs_per_second=0.0)


def test_the_live_view_redraws_the_page_once_the_last_outputs_are_published():
    assert not outputs_caught_up(snapshot(Status.FINISHED, 20, 1))  # wait: the redraw would show epoch 1
    assert outputs_caught_up(snapshot(Status.FINISHED, 20, 20))
    assert outputs_caught_up(snapshot(Status.PAUSED, 7, 7))
    assert outputs_caught_up(snapshot(Status.FAILED, 20, 1))  # nothing more will come
    assert outputs_caught_up(snapshot(Status.IDLE, 0, -1))  # nothing trained yet
