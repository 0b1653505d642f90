"""Gradient descent on the (w, b) squared-error surface with real Keras optimisers, against the hand formula."""

import numpy as np
import pytest

from playground.teaching import descent

DATA = descent.make_data(seed=0)
START = (-2.0, 3.0)


def hand_gradient(weight, bias):
    """∂L/∂w and ∂L/∂b of L = mean((w·x + b − y)²), worked by hand."""
    error = weight * DATA.x + bias - DATA.y
    return 2 * np.mean(error * DATA.x), 2 * np.mean(error)


def test_sgd_path_is_the_hand_formula():
    learning_rate, steps = 0.1, 5
    path = descent.descent_path(DATA, "sgd", START, learning_rate, steps)
    weight, bias = START
    expected = [(weight, bias, float(descent.loss_at(DATA, weight, bias)))]
    for _ in range(steps):
        gradient_weight, gradient_bias = hand_gradient(weight, bias)
        weight, bias = weight - learning_rate * gradient_weight, bias - learning_rate * gradient_bias
        expected.append((weight, bias, float(descent.loss_at(DATA, weight, bias))))
    np.testing.assert_allclose(np.array(path.points), np.array(expected), rtol=1e-5, atol=1e-5)


def test_small_learning_rate_decreases_the_loss_at_every_step():
    path = descent.descent_path(DATA, "sgd", START, 0.05, 30)
    assert len(path.points) == 31
    assert np.all(np.diff(path.losses) < 0)
    assert not path.diverged and not path.overshot and path.message is None


def test_learning_rate_above_the_stability_limit_diverges_and_says_so():
    limit = descent.sgd_stability_limit(DATA)
    assert 0.3 < limit < 0.6  # the page's learning-rate menu straddles it
    path = descent.descent_path(DATA, "sgd", START, 1.5 * limit, 20)
    assert path.diverged and not path.overflowed
    assert path.final_loss > 100 * path.points[0][2]
    assert "SGD diverged" in path.message and "grew" in path.message


def test_huge_learning_rate_overflows_stops_early_and_keeps_only_finite_points():
    path = descent.descent_path(DATA, "sgd", START, 10.0, 200)
    assert path.diverged and path.overflowed
    assert len(path.points) < 200
    assert np.all(np.isfinite(np.array(path.points)))
    assert "infinity" in path.message


def test_momentum_and_adam_differ_from_sgd_and_all_reduce_the_loss():
    paths = descent.compare_optimizers(DATA, START, 0.1, 40)
    assert [path.optimizer for path in paths] == ["sgd", "momentum", "adam"]
    sgd, momentum, adam = (np.array(path.points) for path in paths)
    assert not np.allclose(sgd, momentum) and not np.allclose(sgd, adam) and not np.allclose(momentum, adam)
    _, _, best_loss = descent.best_fit(DATA)
    for path in paths:
        assert not path.diverged
        assert path.final_loss < 0.1 * path.points[0][2]
        assert path.final_loss >= best_loss - 1e-6


def test_same_inputs_same_path():
    first = descent.compare_optimizers(DATA, START, 0.3, 15)
    second = descent.compare_optimizers(descent.make_data(seed=0), START, 0.3, 15)
    assert first == second
    assert descent.make_data(seed=1).x.tolist() != DATA.x.tolist()


def test_surface_minimum_is_the_least_squares_fit():
    weights, biases, losses = descent.loss_surface(DATA, resolution=41)
    assert losses.shape == (41, 41)
    row, column = np.unravel_index(np.argmin(losses), losses.shape)
    best_weight, best_bias, best_loss = descent.best_fit(DATA)
    assert abs(weights[column] - best_weight) <= 0.2 and abs(biases[row] - best_bias) <= 0.2
    assert losses[row, column] >= best_loss
    assert best_weight == pytest.approx(DATA.true_weight, abs=0.3)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown optimizer"):
        descent.descent_path(DATA, "nesterov", START, 0.1, 5)
    with pytest.raises(ValueError, match="learning rate"):
        descent.descent_path(DATA, "sgd", START, 0.0, 5)
    with pytest.raises(ValueError, match="steps"):
        descent.descent_path(DATA, "sgd", START, 0.1, descent.MAX_STEPS + 1)


def test_figures_clip_a_diverging_path_and_draw_every_optimiser():
    paths = descent.compare_optimizers(DATA, START, 3.0, 10)
    figure = descent.surface_figure(DATA, paths)
    drawn = {trace.name: trace for trace in figure.data}
    assert {"SGD", "SGD + momentum 0.9", "Adam", "minimum", "start"} <= set(drawn)
    view = descent.View()
    span = view.weight_range[1] - view.weight_range[0]
    assert np.max(np.abs(drawn["SGD"].x)) <= max(map(abs, view.weight_range)) + 5 * span
    assert len(descent.loss_curve_figure(paths).data) == 3
    assert len(descent.data_figure(DATA, paths).data) == 4
