"""The notice after a change reset the run reads as a sentence for one, two and many options (issue 9c)."""

import pytest

from playground.controller import PlaygroundController, reset_notice
from playground.spec import RunSpec
from playground.training.registry import JobRegistry


@pytest.mark.parametrize(("labels", "notice"), [
    (["data set"], "The network was reset because the data set changed."),
    (["problem type", "data set"], "The network was reset because the problem type and the data set changed."),
    (["problem type", "data set", "noise"],
     "The network was reset because the problem type, data set and noise changed."),
])
def test_the_reset_notice_lists_one_two_or_many_options(labels, notice):
    assert reset_notice(labels) == notice


def test_a_change_that_resets_a_started_run_says_which_options_changed_and_not_the_live_ones():
    registry = JobRegistry()
    try:
        spec = RunSpec()
        controller = PlaygroundController(registry, spec)
        controller.step()
        assert controller.job().wait_until(lambda snapshot: snapshot.epoch == 1 and snapshot.status == "paused",
                                           timeout=120)
        changed = spec.replace(noise=spec.noise + 5, seed=spec.seed + 1, learning_rate=0.3)
        assert controller.change_spec(changed) == "The network was reset because the noise and the seed changed."
    finally:
        registry.close()
