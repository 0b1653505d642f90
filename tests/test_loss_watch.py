"""The loss watch on made-up loss histories: what counts as bouncing, and the learning rate it suggests."""

import math

import numpy as np
import pytest

from playground.training.loss_watch import WINDOW, loss_trouble, loss_warning, lower_learning_rate

START = 0.7  # about the untrained loss of a binary cross-entropy


def history(losses, learning_rate=10.0):
    return [{"epoch": epoch, "loss": loss, "learning_rate": learning_rate} for epoch, loss in enumerate(losses)]


def bouncing(count):
    """Up and down between about 0.6 and 2.4, never settling, as at learning rate 10 on circle."""
    return [START] + [1.5 + 0.9 * (-1) ** epoch + 0.1 * math.sin(epoch) for epoch in range(1, count)]


def test_a_bouncing_loss_is_reported_with_a_lower_rate_to_try():
    warning = loss_warning(history(bouncing(60)), 10.0)
    assert warning.startswith("The loss is bouncing")
    assert "the learning rate 10 is probably too high" in warning and "try 0.3" in warning


def test_a_short_history_says_nothing_yet():
    assert loss_warning(history(bouncing(WINDOW)), 10.0) == ""
    assert loss_warning(history(bouncing(WINDOW + 1)), 10.0) != ""


def test_a_smooth_decreasing_loss_is_not_reported():
    losses = [START * math.exp(-epoch / 80) + 0.01 for epoch in range(500)]
    assert all(loss_warning(history(losses[:count]), 10.0) == "" for count in range(1, 501))
    # Coming down steeply from far above the start (after a lower rate was chosen) is not bouncing either.
    recovering = [3.0 * math.exp(-epoch / 20) + 0.5 for epoch in range(WINDOW)]
    assert loss_trouble(recovering, START) == ""


def test_a_noisy_but_improving_loss_is_not_reported():
    # As at learning rate 0.3 on circle: jumps of several times its size, but far below the untrained loss.
    generator = np.random.default_rng(3)
    losses = START * np.exp(-np.arange(400) / 10) + 0.02
    losses = (losses * np.exp(generator.normal(0.0, 0.7, losses.size))).tolist()
    losses[0] = START
    assert all(loss_warning(history(losses[:count]), 10.0) == "" for count in range(1, 401))


def test_a_loss_near_the_start_with_small_jitter_is_not_reported():
    # As on spiral at 0.3: the network has hardly learnt, the loss wobbles by a few hundredths.
    losses = [START] + [0.6 + 0.01 * (-1) ** epoch for epoch in range(1, 200)]
    assert loss_trouble(losses, START) == ""


def test_a_loss_that_stays_far_above_its_best_is_reported():
    losses = [START * math.exp(-epoch / 10) for epoch in range(50)] + [0.5] * 60
    assert loss_trouble(losses, START) == "stuck"
    warning = loss_warning(history(losses, 3.0), 3.0)
    assert warning.startswith("The loss has stayed far above its best (0.00521) for the last 40 epochs") and "try 0.1" in warning


def test_only_the_epochs_at_the_current_rate_count():
    changed = history(bouncing(80), 10.0) + history([0.6] * 10, 0.3)
    assert loss_warning(changed, 0.3) == ""  # the new rate has not had its chance yet
    assert loss_warning(changed + history([0.6] * 40, 0.3), 0.3) == ""
    assert loss_warning(changed + history(bouncing(60)[1:], 0.3), 0.3).count("learning rate 0.3") == 1


@pytest.mark.parametrize(("rate", "lower"), [(10, 0.3), (3, 0.1), (1, 0.03), (5, 0.3), (0.3, 0.01),
                                             (0.001, 0.0001), (0.00001, 0.00001)])
def test_the_suggested_rate_is_three_presets_lower(rate, lower):
    assert lower_learning_rate(rate) == pytest.approx(lower)
