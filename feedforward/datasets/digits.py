"""scikit-learn's bundled 8x8 handwritten digits (1,797 images), no download needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._convert import _to_tensor

__all__ = ["Digits", "load_digits_arrays"]


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The digits as NumPy arrays: float32 (1797, 64) pixel values in [0, 16], int64 labels.

    Raises:
        ImportError: scikit-learn is not installed.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError("Digits needs scikit-learn: pip install 'feedforward[sklearn]'") from e
    bunch = load_digits()
    return bunch.data.astype(np.float32), bunch.target.astype(np.int64)


class Digits:
    """The UCI/scikit-learn 8x8 digits, a tiny MNIST for quick experiments.

    Args:
        transform: applied to each (64,) feature tensor by ``__getitem__``.
        target_transform: applied to each integer label by ``__getitem__``.

    Shape:
        ``data``: float32 (1797, 64), pixels in [0, 16]; ``targets``: int64 (1797,).
    """

    classes = [str(d) for d in range(10)]

    def __init__(
        self,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        self.transform = transform
        self.target_transform = target_transform
        self._data, self._targets = load_digits_arrays()
        self.data = _to_tensor(self._data)
        self.targets = _to_tensor(self._targets)

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        features: Any = _to_tensor(self._data[index])
        label: Any = int(self._targets[index])
        if self.transform is not None:
            features = self.transform(features)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return features, label

    def __repr__(self) -> str:
        return f"Dataset Digits\n    Number of datapoints: {len(self)}"
