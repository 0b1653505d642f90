import numpy as np
import pytest

from playground.data.points import DOMAIN, feature_matrix, generate_points, grid_points, make_dataset
from playground.options import CLASSIFICATION_DATASETS
from playground.options import POINT_DATASETS as DATASETS
from playground.spec import RunSpec


@pytest.mark.parametrize("name", DATASETS)
def test_same_seed_same_data_and_other_seed_other_data(name):
    first = generate_points(name, 200, 20, seed=3)
    again = generate_points(name, 200, 20, seed=3)
    other = generate_points(name, 200, 20, seed=4)
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize("name", DATASETS)
def test_shapes_and_domain(name):
    points, labels = generate_points(name, 500, 0, seed=1)
    assert points.shape == (500, 2) and labels.shape == (500,)
    assert np.all(np.abs(points) <= DOMAIN[1])


@pytest.mark.parametrize("name", CLASSIFICATION_DATASETS)
def test_classification_labels_are_two_balanced_classes(name):
    _, labels = generate_points(name, 1000, 0, seed=2)
    assert set(np.unique(labels)) == {0, 1}
    assert 0.4 < labels.mean() < 0.6


def test_circle_labels_inside_radius_2_5_without_noise():
    points, labels = generate_points("circle", 500, 0, seed=1)
    radius = np.hypot(points[:, 0], points[:, 1])
    assert np.array_equal(labels == 1, radius < 2.5)
    assert np.all((radius < 2.5) | (radius >= 3.5))


def test_xor_labels_follow_the_quadrant_and_keep_off_the_axes():
    points, labels = generate_points("xor", 500, 0, seed=1)
    assert np.array_equal(labels == 1, points[:, 0] * points[:, 1] >= 0)
    assert np.all(np.abs(points) >= 0.3)


def test_gauss_blobs_are_centred_at_plus_and_minus_two():
    points, labels = generate_points("gauss", 2000, 0, seed=1)
    assert np.allclose(points[labels == 1].mean(axis=0), [2, 2], atol=0.1)
    assert np.allclose(points[labels == 0].mean(axis=0), [-2, -2], atol=0.1)
    assert np.allclose(points[labels == 1].var(axis=0), 0.5, atol=0.1)  # variance 0.5 at noise 0


def test_spiral_arms_follow_the_formula():
    points, labels = generate_points("spiral", 500, 0, seed=1)
    positive = points[labels == 1]
    i = np.arange(250)
    r, t = i / 250 * 5, 1.75 * i / 250 * 2 * np.pi
    assert np.allclose(positive, np.stack([r * np.sin(t), r * np.cos(t)], axis=1), atol=1e-5)


def test_plane_is_x_plus_y_over_ten_without_noise():
    points, labels = generate_points("plane", 300, 0, seed=1)
    assert np.allclose(labels, points.sum(axis=1) / 10, atol=1e-6)


def test_multi_gauss_peaks_at_the_centres():
    points, labels = generate_points("multi_gauss", 3000, 0, seed=1)
    assert labels.min() >= -1 and labels.max() <= 1
    near_first_centre = np.hypot(points[:, 0] + 4, points[:, 1] - 2.5) < 0.3  # centre (-4, 2.5), sign +
    assert np.all(labels[near_first_centre] > 0.8)
    near_second = np.hypot(points[:, 0], points[:, 1] - 2.5) < 0.3  # centre (0, 2.5), sign -
    assert np.all(labels[near_second] < -0.8)


def test_noise_flips_some_labels():
    clean = generate_points("circle", 1000, 0, seed=5)
    noisy = generate_points("circle", 1000, 50, seed=5)
    radius = np.hypot(noisy[0][:, 0], noisy[0][:, 1])
    assert np.mean((noisy[1] == 1) != (radius < 2.5)) > 0.05
    assert np.mean((clean[1] == 1) != (np.hypot(clean[0][:, 0], clean[0][:, 1]) < 2.5)) == 0


@pytest.mark.parametrize("name", ["spiral", "gauss", "checkerboard"])
def test_multi_class_generators_give_the_requested_classes(name):
    _, labels = generate_points(name, 1200, 0, seed=1, classes=4)
    assert set(np.unique(labels)) == {0, 1, 2, 3}
    assert np.bincount(labels).min() > 150


def test_feature_matrix_columns():
    points = np.array([[1.0, 2.0], [-0.5, 3.0]], dtype=np.float32)
    features = feature_matrix(points, ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"))
    x1, x2 = points[:, 0], points[:, 1]
    expected = np.stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
    assert features.dtype == np.float32 and np.allclose(features, expected)


def test_make_dataset_splits_by_train_share_and_shapes_targets():
    data = make_dataset(RunSpec.from_query("train=70&samples=400&features=x1,x2,x1x2").spec)
    assert data.x_train.shape == (280, 3) and data.x_test.shape == (120, 3)
    assert data.y_train.shape == (280, 1) and data.output_units == 1 and data.class_count == 2
    assert data.feature_names == ("X₁", "X₂", "X₁X₂")
    multi = make_dataset(RunSpec.from_query("problem=multiclass&dataset=spiral&classes=3").spec)
    assert multi.y_train.ndim == 1 and multi.output_units == 3
    regression = make_dataset(RunSpec.from_query("dataset=plane").spec)
    assert regression.y_train.dtype == np.float32 and regression.class_count == 0


def test_make_dataset_is_reproducible_and_the_data_seed_matters():
    spec = RunSpec.from_query("dataset=xor&noise=10").spec
    assert np.array_equal(make_dataset(spec).x_train, make_dataset(spec).x_train)
    assert not np.array_equal(make_dataset(spec).x_train, make_dataset(spec.replace(data_seed=2)).x_train)


def test_grid_covers_the_domain_row_by_row_from_the_top():
    grid = grid_points(100)
    assert grid.shape == (10_000, 2)
    assert grid[0, 0] < grid[1, 0] and grid[0, 1] > grid[100, 1]  # x grows along a row, y falls down the rows
    assert grid.min() > -6 and grid.max() < 6
