"""Watching the loss for a learning rate that is too high before the loss becomes NaN: a train loss that bounces
up and down instead of settling, or that stays far above its best, for many epochs at one learning rate.

The thresholds come from real runs (SGD, tanh [4, 2], batch 10, 300-1,000 epochs, seeds 1-5; 40-epoch windows,
figures as shares of the untrained loss): at learning rate 10 on circle, xor and spiral, and 3 on circle and spiral
(xor learns at 3), the loss swings by 0.05-3 per epoch (99 % of windows) around a median of 0.6-5.5; healthy runs
that still sit that high (spiral at 0.03-0.3, Adam, momentum, RMSprop, noisy circle) swing by at most 0.025, and
those that swing more (circle at 0.3 and 1, batch 1) are below 0.3 by then. No healthy window stayed more than 0.12
above its best.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from playground.options import LEARNING_RATE_PRESETS

WINDOW = 40  # epochs at one learning rate the check looks at; fewer say nothing
LOOKBACK = 200  # epochs at that rate in which the best loss is sought
MIN_TURNS = 0.4  # share of steps that reverse the last one: random jitter ~2/3, a smooth descent ~0
MIN_SWING = 0.05  # mean change per epoch, as a share of the untrained loss
MIN_LEVEL = 0.5  # median of the window as a share of the untrained loss: above it, little has been learnt
MIN_GAP = 0.25  # the window's lowest loss above the best, as a share of the untrained loss
CHECK_EVERY = 5  # epochs between checks in the training thread: ~50 us each, under the job's lock
STEPS_LOWER = 3  # the suggested rate is this many presets below the current one: 10 -> 0.3


def lower_learning_rate(rate: float) -> float:
    """The learning rate to suggest instead of a too-high ``rate``: three presets lower in the menu (10 -> 0.3,
    1 -> 0.03), a tenth near the bottom of the menu."""
    below = [preset for preset in LEARNING_RATE_PRESETS if preset < rate]
    if len(below) >= STEPS_LOWER:
        return below[-STEPS_LOWER]
    return max(rate / 10, LEARNING_RATE_PRESETS[0])


def loss_trouble(losses: Sequence[float], start: float) -> str:
    """'bouncing', 'stuck' (far above its best) or '' for train losses at one learning rate, oldest first;
    ``start`` is the untrained loss, the scale of the problem (a loss near zero may jitter by its own size)."""
    if len(losses) < WINDOW or not start > 0:
        return ""
    window = list(losses[-WINDOW:])
    steps = [after - before for before, after in pairwise(window)]
    turns = sum(1 for first, second in pairwise(steps) if first * second < 0) / (len(steps) - 1)
    swing = sum(abs(step) for step in steps) / len(steps) / start
    level = sorted(window)[WINDOW // 2] / start
    if turns >= MIN_TURNS and swing >= MIN_SWING and level >= MIN_LEVEL:
        return "bouncing"
    if (min(window) - min(losses[-LOOKBACK:])) / start >= MIN_GAP:
        return "stuck"
    return ""


def loss_warning(history: Sequence[dict[str, float]], learning_rate: float) -> str:
    """A sentence for the page when the train loss at the current learning rate bounces or stays far above its
    best; '' otherwise (and for the first ``WINDOW`` epochs after the rate changes, so lowering it clears the
    warning until the new rate has had its chance)."""
    if len(history) <= WINDOW:
        return ""
    losses = []
    for record in reversed(history[-LOOKBACK:]):
        if record.get("learning_rate") != learning_rate:
            break
        losses.append(record["loss"])
    losses.reverse()
    trouble = loss_trouble(losses, history[0]["loss"])
    if not trouble:
        return ""
    if trouble == "bouncing":
        what = "The loss is bouncing up and down instead of settling"
    else:
        what = f"The loss has stayed far above its best ({min(losses):.3g}) for the last {WINDOW} epochs"
    # Reset too: after many big steps the weights can sit where the activations are flat, and a lower rate then
    # leaves the loss settled but high (circle at 10, then 0.3: 0.55 for 600 epochs; from the start: 0.001).
    return (f"{what}: the learning rate {learning_rate:g} is probably too high (each step jumps past the valley "
            f"floor). Lower it (try {lower_learning_rate(learning_rate):g}); if the loss then stays high, press "
            "Reset too.")
