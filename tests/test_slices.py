import numpy as np
import pytest
from sklearn.decomposition import PCA

from playground.data.planes import default_plane, feature_plane, pca_plane
from playground.data.points import DOMAIN, Dataset, grid_points
from playground.data.tables import load_builtin, prepare


@pytest.fixture(scope="module")
def iris():
    table = load_builtin("iris")
    dataset, _ = prepare(table, table.target, seed=1)
    return dataset


def _dataset(x_train: np.ndarray, x_test: np.ndarray, names: tuple[str, ...]) -> Dataset:
    return Dataset(x_train=x_train.astype(np.float32), y_train=np.zeros((len(x_train), 1), np.float32),
                   x_test=x_test.astype(np.float32), y_test=np.zeros((len(x_test), 1), np.float32),
                   problem="regression", feature_names=names, class_count=0)


def _skewed_dataset() -> Dataset:
    """Four inputs whose means are far from zero, so holding them at the mean is visible."""
    rng = np.random.default_rng(5)
    x = rng.normal([3.0, -2.0, 10.0, 0.5], [1.0, 2.0, 0.5, 3.0], (60, 4))
    return _dataset(x[:45], x[45:], ("a", "b", "c", "d"))


def test_feature_plane_ranges_cover_train_and_test_padded():
    dataset = _skewed_dataset()
    plane = feature_plane(dataset, 2, 0, padding=0.1)
    everything = np.concatenate([dataset.x_train, dataset.x_test]).astype(np.float64)
    low, high = everything[:, 2].min(), everything[:, 2].max()
    assert plane.x_range == pytest.approx((low - 0.1 * (high - low), high + 0.1 * (high - low)))
    low, high = everything[:, 0].min(), everything[:, 0].max()
    assert plane.y_range == pytest.approx((low - 0.1 * (high - low), high + 0.1 * (high - low)))
    assert (plane.x_label, plane.y_label, plane.kind) == ("c", "a", "features")


def test_grid_inputs_follow_grid_points_order_from_the_top_left():
    plane = feature_plane(_skewed_dataset(), 0, 1)
    resolution = 4
    inputs = plane.grid_inputs(resolution)
    assert inputs.dtype == np.float32 and inputs.shape == (resolution**2, 4)
    (x_lo, x_hi), (y_lo, y_hi) = plane.x_range, plane.y_range
    cell_x, cell_y = (x_hi - x_lo) / resolution, (y_hi - y_lo) / resolution
    # First cell: left column, top row; the next one is to its right; the last is bottom right.
    assert inputs[0, 0] == pytest.approx(x_lo + cell_x / 2, abs=1e-5)
    assert inputs[0, 1] == pytest.approx(y_hi - cell_y / 2, abs=1e-5)
    assert inputs[1, 0] == pytest.approx(x_lo + 1.5 * cell_x, abs=1e-5)
    assert inputs[1, 1] == pytest.approx(inputs[0, 1])
    assert inputs[resolution, 1] == pytest.approx(y_hi - 1.5 * cell_y, abs=1e-5)
    assert inputs[-1, :2] == pytest.approx([x_hi - cell_x / 2, y_lo + cell_y / 2], abs=1e-5)


def test_feature_plane_holds_the_other_features_at_their_training_mean():
    dataset = _skewed_dataset()
    inputs = feature_plane(dataset, 1, 3).grid_inputs(10)
    means = dataset.x_train.astype(np.float64).mean(axis=0)
    assert np.allclose(inputs[:, [0, 2]], means[[0, 2]], atol=1e-5)
    assert np.ptp(inputs[:, 1]) > 1 and np.ptp(inputs[:, 3]) > 1  # the shown features vary


def test_coordinates_and_to_domain_round_trip_the_grid():
    for plane in (feature_plane(_skewed_dataset(), 3, 1), pca_plane(_skewed_dataset())):
        resolution = 7
        inputs = plane.grid_inputs(resolution)
        assert np.allclose(plane.to_domain(inputs), grid_points(resolution), atol=1e-4)
        u, v = plane.coordinates(inputs).T
        assert u.min() > plane.x_range[0] and u.max() < plane.x_range[1]
        assert v.min() > plane.y_range[0] and v.max() < plane.y_range[1]
        assert np.allclose(plane.inputs_at(plane.coordinates(inputs)), inputs, atol=1e-4)


def test_to_domain_sends_the_range_ends_to_the_domain_edges():
    plane = feature_plane(_skewed_dataset(), 0, 1)
    corners = np.array([[plane.x_range[0], plane.y_range[0]], [plane.x_range[1], plane.y_range[1]]])
    domain = plane.to_domain(plane.inputs_at(corners))
    assert domain.dtype == np.float32
    assert np.allclose(domain, [[DOMAIN[0], DOMAIN[0]], [DOMAIN[1], DOMAIN[1]]], atol=1e-4)


def test_pca_plane_matches_sklearn_and_is_orthonormal(iris):
    plane = pca_plane(iris)
    reference = PCA(n_components=2, svd_solver="full").fit(iris.x_train.astype(np.float64))
    directions = np.stack([plane.x_direction, plane.y_direction])
    assert np.allclose(directions @ directions.T, np.eye(2), atol=1e-10)
    assert np.allclose(directions, reference.components_, atol=1e-8)
    assert np.allclose(plane.origin, iris.x_train.mean(axis=0), atol=1e-6)
    assert plane.explained == pytest.approx(tuple(reference.explained_variance_ratio_))
    assert np.allclose(plane.coordinates(iris.x_test), reference.transform(iris.x_test), atol=1e-5)
    projected = plane.coordinates(np.concatenate([iris.x_train, iris.x_test]))
    assert plane.x_range[0] < projected[:, 0].min() and projected[:, 0].max() < plane.x_range[1]
    assert plane.y_range[0] < projected[:, 1].min() and projected[:, 1].max() < plane.y_range[1]


def test_default_plane_is_the_features_for_two_inputs_and_pca_otherwise(iris):
    rng = np.random.default_rng(2)
    two = _dataset(rng.normal(size=(20, 2)), rng.normal(size=(5, 2)), ("x1", "x2"))
    plane = default_plane(two)
    assert plane.kind == "features" and (plane.x_label, plane.y_label) == ("x1", "x2")
    assert np.array_equal(plane.x_direction, [1, 0]) and np.array_equal(plane.y_direction, [0, 1])
    assert default_plane(iris).kind == "pca"


def test_captions_say_what_is_shown(iris):
    caption = feature_plane(iris, 2, 3).caption()
    assert "'petal length (cm)'" in caption and "'petal width (cm)'" in caption
    assert "other 2 features are held at their training mean" in caption
    assert "standard deviations" in caption
    pca = pca_plane(iris)
    caption = pca.caption()
    assert "principal components" in caption and "PC1" in caption and "PC2" in caption
    assert f"{round(100 * sum(pca.explained))}% of the variance" in caption
    assert "other" not in default_plane(_dataset(np.eye(3)[:, :2], np.eye(3)[:, :2], ("p", "q"))).caption()


def test_a_constant_feature_gets_a_range_of_one_either_side():
    rng = np.random.default_rng(3)
    x = np.column_stack([np.full(30, 2.5), rng.normal(size=30), rng.normal(size=30)])
    plane = feature_plane(_dataset(x[:20], x[20:], ("flat", "b", "c")), 0, 1)
    assert plane.x_range == pytest.approx((1.5, 3.5))


def test_a_single_input_has_no_plane():
    single = _dataset(np.arange(12.0).reshape(-1, 1), np.arange(3.0).reshape(-1, 1), ("only",))
    with pytest.raises(ValueError, match="at least two inputs"):
        pca_plane(single)
    with pytest.raises(ValueError):
        default_plane(single)
    with pytest.raises(ValueError):
        feature_plane(single, 0, 0)


def test_slice_plane_is_frozen():
    plane = feature_plane(_skewed_dataset(), 0, 1)
    assert plane.kind == "features"
    with pytest.raises(AttributeError):
        plane.kind = "pca"
