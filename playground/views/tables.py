"""Small views of tabular data: digit thumbnails and the class balance (or target summary) as table rows."""

from __future__ import annotations

import numpy as np

from playground.data.points import Dataset
from playground.data.tables import class_balance


def digit_thumbnails(images: np.ndarray, size: int = 48) -> list[np.ndarray]:
    """8x8 digit images (0-16 ink) as size x size grey pictures, dark ink on white, pixels kept square."""
    scale = max(1, size // images.shape[1])
    ink = np.clip(images / 16.0, 0.0, 1.0)
    grey = (255 * (1.0 - ink)).astype(np.uint8)
    return [np.kron(image, np.ones((scale, scale), dtype=np.uint8)) for image in grey]


def balance_rows(dataset: Dataset) -> list[dict[str, object]]:
    """Rows per class in the training and test splits, with shares; for regression, the target's range."""
    if dataset.problem == "regression":
        rows = []
        for split, values in (("training", dataset.labels_train()), ("test", dataset.labels_test())):
            rows.append({"split": split, "rows": len(values), "min": float(values.min()),
                         "mean": float(values.mean()), "max": float(values.max())})
        return rows
    balance = class_balance(dataset)
    train_total = sum(train for train, _ in balance.values()) or 1
    test_total = sum(test for _, test in balance.values()) or 1
    return [{"class": name, "training rows": train, "training share": f"{train / train_total:.1%}",
             "test rows": test, "test share": f"{test / test_total:.1%}"} for name, (train, test) in balance.items()]


def missing_counts(frame) -> dict[str, int]:
    """Missing values per column, for the columns that have any."""
    counts = frame.isna().sum()
    return {str(column): int(count) for column, count in counts.items() if count}
