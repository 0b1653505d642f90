"""Seeded data sets: TensorFlow Playground's 2-D generators (plus moons and checkerboard), features and split.

Each generator is a plain function of ``(rng, samples, noise, classes)`` returning raw points in TensorFlow
Playground's domain and their labels: class indices (0 = orange / "-1", 1 = blue / "+1", ...) for classification,
numbers in about [-1, 1] for regression. Definitions follow ../shared/GUIDE.md section 2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from playground.options import FEATURES, REGRESSION_DATASETS
from playground.spec import RunSpec

DOMAIN = (-6.0, 6.0)  # the square the heatmaps cover, as in TensorFlow Playground


def _circle(rng: np.random.Generator, samples: int, noise: float, classes: int) -> tuple[np.ndarray, np.ndarray]:
    radius = 5.0
    inner = samples // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, inner), rng.uniform(radius * 0.7, radius, samples - inner)])
    angle = rng.uniform(0, 2 * np.pi, samples)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    shifted = points + rng.uniform(-radius, radius, (samples, 2)) * noise
    labels = (np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5).astype(np.int32)
    return points, labels


def _xor(rng: np.random.Generator, samples: int, noise: float, classes: int) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-5, 5, (samples, 2))
    points += np.where(points > 0, 0.3, -0.3)  # padding keeps points off the axes
    shifted = points + rng.uniform(-5, 5, (samples, 2)) * noise
    labels = (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int32)
    return points, labels


def _gauss(rng: np.random.Generator, samples: int, noise: float, classes: int) -> tuple[np.ndarray, np.ndarray]:
    variance = 0.5 + (4.0 - 0.5) * (noise / 0.5)
    # Two classes: centres (-2, -2) (class 0) and (2, 2) (class 1); more classes go round the same circle.
    angles = 5 * np.pi / 4 + 2 * np.pi * np.arange(classes) / classes
    centres = 2 * np.sqrt(2) * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    labels = np.arange(samples) * classes // samples
    points = centres[labels] + rng.normal(0, np.sqrt(variance), (samples, 2))
    return points, labels.astype(np.int32)


def _spiral(rng: np.random.Generator, samples: int, noise: float, classes: int) -> tuple[np.ndarray, np.ndarray]:
    labels = np.arange(samples) * classes // samples
    per_arm = np.bincount(labels, minlength=classes)
    index = np.arange(samples) - np.concatenate([[0], np.cumsum(per_arm)[:-1]])[labels]
    fraction = index / per_arm[labels]
    # Two arms: class 1 has phase 0 and class 0 phase pi, as TensorFlow Playground's +1 and -1.
    delta = np.pi + 2 * np.pi * labels / classes
    r = fraction * 5
    t = 1.75 * fraction * 2 * np.pi + delta
    points = np.stack([r * np.sin(t), r * np.cos(t)], axis=1) + rng.uniform(-1, 1, (samples, 2)) * noise
    return points, labels.astype(np.int32)


def _moons(rng: np.random.Generator, samples: int, noise: float, classes: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_moons

    points, labels = make_moons(samples, noise=noise, random_state=int(rng.integers(2**31 - 1)))
    points = (points - [0.5, 0.25]) * 3.3  # centre the moons in the playground's square
    return points, labels.astype(np.int32)


def _checkerboard(rng: np.random.Generator, samples: int, noise: float, classes: int) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-5, 5, (samples, 2))
    shifted = points + rng.uniform(-5, 5, (samples, 2)) * noise
    cells = np.floor(shifted / 2.5).astype(np.int64)  # a 4x4 board of 2.5-wide cells
    labels = (cells[:, 0] + cells[:, 1]) % classes
    return points, labels.astype(np.int32)


def _plane(rng: np.random.Generator, samples: int, noise: float, classes: int) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-6, 6, (samples, 2))
    shifted = points + rng.uniform(-6, 6, (samples, 2)) * noise
    return points, (shifted.sum(axis=1) / 10).astype(np.float32)


_GAUSSIANS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def _multi_gauss(rng: np.random.Generator, samples: int, noise: float, classes: int) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-6, 6, (samples, 2))
    shifted = points + rng.uniform(-6, 6, (samples, 2)) * noise
    distances = np.linalg.norm(shifted[:, None, :] - _GAUSSIANS[None, :, :2], axis=2)
    candidates = _GAUSSIANS[:, 2] * np.clip(1 - distances / 2, 0, 1)
    # The label is the candidate largest in absolute value (the first one on ties, as in the original).
    labels = candidates[np.arange(samples), np.argmax(np.abs(candidates), axis=1)]
    return points, labels.astype(np.float32)


Generator = Callable[[np.random.Generator, int, float, int], tuple[np.ndarray, np.ndarray]]
GENERATORS: dict[str, Generator] = {
    "circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "moons": _moons,
    "checkerboard": _checkerboard, "plane": _plane, "multi_gauss": _multi_gauss,
}
# Data sets whose class count follows the spec's `classes`; the others always have two classes.
MULTI_CLASS_CAPABLE = frozenset({"gauss", "spiral", "checkerboard"})


def feature_matrix(points: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """The network's inputs for raw 2-D points: one column per feature key (x1, x2, x1sq, ...)."""
    x1, x2 = points[:, 0], points[:, 1]
    columns = {
        "x1": lambda: x1, "x2": lambda: x2, "x1sq": lambda: x1 * x1, "x2sq": lambda: x2 * x2,
        "x1x2": lambda: x1 * x2, "sinx1": lambda: np.sin(x1), "sinx2": lambda: np.sin(x2),
    }
    return np.stack([columns[name]() for name in features], axis=1).astype(np.float32)


def grid_points(resolution: int = 100) -> np.ndarray:
    """Centres of a resolution x resolution grid over the domain, row by row from the top (y = 6) down."""
    step = (DOMAIN[1] - DOMAIN[0]) / resolution
    centres = DOMAIN[0] + step * (np.arange(resolution) + 0.5)
    xs, ys = np.meshgrid(centres, centres[::-1])
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


@dataclass(frozen=True)
class Dataset:
    """Train and test arrays ready for Keras, plus what the views need to draw them."""

    x_train: np.ndarray  # (n, features) float32
    y_train: np.ndarray  # (n, 1) float32 for binary and regression; (n,) int32 class index for multi-class
    x_test: np.ndarray
    y_test: np.ndarray
    problem: str
    feature_names: tuple[str, ...]  # display labels of the input columns
    class_count: int  # 0 for regression
    points_train: np.ndarray | None = None  # raw 2-D coordinates, for 2-D data sets
    points_test: np.ndarray | None = None
    features: tuple[str, ...] = ()  # feature keys when the inputs are functions of 2-D points

    @property
    def input_count(self) -> int:
        return self.x_train.shape[1]

    @property
    def output_units(self) -> int:
        return self.class_count if self.problem == "multiclass" else 1

    @property
    def is_2d(self) -> bool:
        return self.points_train is not None

    @property
    def class_labels(self) -> tuple[str, ...]:
        """The classes' names in index order: a table's own, otherwise "0", "1", ...; empty for regression."""
        if self.problem == "regression":
            return ()
        names = tuple(getattr(self, "class_names", ()))  # tables know theirs (TabularDataset)
        return names if len(names) == self.class_count else tuple(str(index) for index in range(self.class_count))

    def labels_train(self) -> np.ndarray:
        """Flat labels (class index or value) of the training points."""
        return self.y_train.reshape(len(self.y_train), -1)[:, 0]

    def labels_test(self) -> np.ndarray:
        return self.y_test.reshape(len(self.y_test), -1)[:, 0]


def generate_points(dataset: str, samples: int, noise_percent: float, seed: int,
                    classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Raw points and labels of a named 2-D data set; the same arguments always give the same data."""
    classes = classes if dataset in MULTI_CLASS_CAPABLE else 2
    rng = np.random.default_rng(seed)
    points, labels = GENERATORS[dataset](rng, samples, noise_percent / 100.0, classes)
    return points.astype(np.float32), labels


def make_dataset(spec: RunSpec) -> Dataset:
    """The spec's data: generated from its data seed, shuffled and split into train and test."""
    classes = spec.classes if spec.problem == "multiclass" else 2
    points, labels = generate_points(spec.dataset, spec.samples, spec.noise, spec.data_seed, classes)
    order = np.random.default_rng([spec.data_seed, 1]).permutation(len(points))
    points, labels = points[order], labels[order]
    train_count = min(max(1, round(len(points) * spec.train_share / 100)), len(points) - 1)
    if spec.dataset in REGRESSION_DATASETS:
        targets, class_count = labels.reshape(-1, 1).astype(np.float32), 0
    elif spec.problem == "multiclass":
        targets, class_count = labels.astype(np.int32), int(max(classes, labels.max() + 1))
    else:
        # Binary problems on a multi-class generator are impossible (classes=2 above), so labels are 0/1.
        targets, class_count = labels.reshape(-1, 1).astype(np.float32), 2
    features = tuple(spec.features)
    inputs = feature_matrix(points, features)
    return Dataset(
        x_train=inputs[:train_count], y_train=targets[:train_count],
        x_test=inputs[train_count:], y_test=targets[train_count:],
        problem=spec.problem, feature_names=tuple(FEATURES[name] for name in features), class_count=class_count,
        points_train=points[:train_count], points_test=points[train_count:], features=features,
    )
