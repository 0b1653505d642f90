"""The 2-D plane through the input space that the decision-boundary view draws when the data has more than two inputs.

A network on tabular data takes n inputs, but a heatmap has two axes. A ``SlicePlane`` picks a flat 2-D slice
of the input space: every point ``(u, v)`` on it is the full input ``origin + u * x_direction + v * y_direction``.
Either two chosen features vary while the others are held at their training mean (``feature_plane``), or the
plane spans the first two principal components of the training inputs (``pca_plane``).

Plane coordinates are in the inputs' own units; for tabular data those are standard deviations, because
``tables.prepare`` standardises every feature on the training split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.data.points import DOMAIN, Dataset, grid_points


@dataclass(frozen=True)
class SlicePlane:
    """A flat 2-D slice of the input space and the rectangle of it that the heatmap covers."""

    kind: str  # "features" or "pca"
    x_label: str
    y_label: str
    x_range: tuple[float, float]  # (lo, hi) of u, drawn left to right
    y_range: tuple[float, float]  # (lo, hi) of v, drawn bottom to top
    origin: np.ndarray  # (n_inputs,) the input at u = v = 0
    x_direction: np.ndarray  # (n_inputs,) unit vector; orthogonal to y_direction
    y_direction: np.ndarray
    explained: tuple[float, ...] = ()  # share of the training variance along each direction (PCA only)
    held_count: int = 0  # inputs held fixed on a feature plane (all but the two shown)

    def grid_inputs(self, resolution: int = 100) -> np.ndarray:
        """Model inputs at the grid-cell centres, in the order of ``points.grid_points(resolution)``."""
        return self.inputs_at(self._from_domain(grid_points(resolution)))

    def inputs_at(self, coordinates: np.ndarray) -> np.ndarray:
        """Full model inputs (n, n_inputs) float32 for plane coordinates (n, 2)."""
        coordinates = np.asarray(coordinates, dtype=np.float64).reshape(-1, 2)
        inputs = (self.origin[None, :] + coordinates[:, :1] * self.x_direction[None, :]
                  + coordinates[:, 1:] * self.y_direction[None, :])
        return inputs.astype(np.float32)

    def coordinates(self, x: np.ndarray) -> np.ndarray:
        """Plane coordinates (u, v) of input rows: their orthogonal projection onto the plane."""
        offsets = np.asarray(x, dtype=np.float64).reshape(-1, self.origin.size) - self.origin
        return np.stack([offsets @ self.x_direction, offsets @ self.y_direction], axis=1)

    def to_domain(self, x: np.ndarray) -> np.ndarray:
        """Input rows placed in DOMAIN's square (x_range and y_range stretched onto -6..6), for drawing code."""
        u, v = self.coordinates(x).T
        return np.stack([_rescale(u, self.x_range, DOMAIN), _rescale(v, self.y_range, DOMAIN)],
                        axis=1).astype(np.float32)

    def _from_domain(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return np.stack([_rescale(points[:, 0], DOMAIN, self.x_range),
                         _rescale(points[:, 1], DOMAIN, self.y_range)], axis=1)

    def caption(self) -> str:
        """What the heatmap shows, in a sentence or two for the page."""
        x_span, y_span = _span_text(self.x_range), _span_text(self.y_range)
        units = "Values are in standard deviations from the training mean."
        if self.kind == "pca":
            explained = sum(self.explained)
            share = f"; {round(100 * explained)}% of the variance" if self.explained and explained == explained else ""
            return (f"The plane of the first two principal components of the training inputs ({self.x_label} "
                    f"left to right, {x_span}; {self.y_label} bottom to top, {y_span}{share}); it passes "
                    f"through the training mean, and points are projected onto it. {units}")
        text = (f"A slice through '{self.x_label}' (left to right, {x_span}) and '{self.y_label}' "
                f"(bottom to top, {y_span})")
        if self.held_count == 1:
            text += "; the other feature is held at its training mean"
        elif self.held_count > 1:
            text += f"; the other {self.held_count} features are held at their training mean"
        return f"{text}. {units}"


def feature_plane(dataset: Dataset, x_index: int, y_index: int, padding: float = 0.05) -> SlicePlane:
    """Features ``x_index`` (across) and ``y_index`` (up) vary; every other input stays at its training mean."""
    count = dataset.input_count
    if not (0 <= x_index < count and 0 <= y_index < count):
        raise ValueError(f"feature indices {x_index} and {y_index} must be between 0 and {count - 1}")
    if x_index == y_index:
        raise ValueError("a slice needs two different features")
    origin = dataset.x_train.astype(np.float64).mean(axis=0)
    origin[[x_index, y_index]] = 0.0  # the two shown features come from u and v alone
    x_direction, y_direction = np.eye(count)[x_index], np.eye(count)[y_index]
    everything = _all_inputs(dataset)
    return SlicePlane(
        kind="features", x_label=dataset.feature_names[x_index], y_label=dataset.feature_names[y_index],
        x_range=_padded_range(everything[:, x_index], padding),
        y_range=_padded_range(everything[:, y_index], padding),
        origin=origin, x_direction=x_direction, y_direction=y_direction, held_count=count - 2,
    )


def pca_plane(dataset: Dataset, padding: float = 0.05) -> SlicePlane:
    """The plane of the first two principal components of the training inputs, through their mean."""
    if dataset.input_count < 2:
        raise ValueError(f"a 2-D slice needs at least two inputs; this data set has {dataset.input_count}")
    from sklearn.decomposition import PCA

    # svd_solver="full" is exact and deterministic (sklearn also fixes each component's sign).
    with np.errstate(invalid="ignore", divide="ignore"):  # constant inputs: NaN shares, checked by callers
        pca = PCA(n_components=2, svd_solver="full").fit(dataset.x_train.astype(np.float64))
    origin = np.asarray(pca.mean_, dtype=np.float64)
    x_direction, y_direction = (np.asarray(component, dtype=np.float64) for component in pca.components_)
    projected = (_all_inputs(dataset) - origin) @ np.stack([x_direction, y_direction], axis=1)
    return SlicePlane(
        kind="pca", x_label="PC1", y_label="PC2",
        x_range=_padded_range(projected[:, 0], padding), y_range=_padded_range(projected[:, 1], padding),
        origin=origin, x_direction=x_direction, y_direction=y_direction,
        explained=tuple(float(ratio) for ratio in pca.explained_variance_ratio_),
    )


def default_plane(dataset: Dataset) -> SlicePlane:
    """The two inputs themselves when there are exactly two, otherwise the principal-component plane."""
    if dataset.input_count == 2:
        return feature_plane(dataset, 0, 1)
    return pca_plane(dataset)


def _all_inputs(dataset: Dataset) -> np.ndarray:
    return np.concatenate([dataset.x_train, dataset.x_test]).astype(np.float64)


def _padded_range(values: np.ndarray, padding: float) -> tuple[float, float]:
    low, high = float(np.min(values)), float(np.max(values))
    span = high - low
    if span == 0:  # a constant feature still needs a non-empty axis
        return low - 1.0, high + 1.0
    return low - padding * span, high + padding * span


def _rescale(values: np.ndarray, source: tuple[float, float], target: tuple[float, float]) -> np.ndarray:
    """Map source's lo..hi linearly onto target's lo..hi."""
    return target[0] + (values - source[0]) * (target[1] - target[0]) / (source[1] - source[0])


def _span_text(value_range: tuple[float, float]) -> str:
    return f"{_number(value_range[0])} to {_number(value_range[1])}"


def _number(value: float) -> str:
    text = f"{value:.1f}"
    if text == "-0.0":
        text = "0.0"
    return text.replace("-", "\u2212")  # a typographic minus reads better than a hyphen
