"""Array helpers the tutorials use: seeded splits, train-only standardisation, flattening.

Each takes NumPy arrays or feedforward tensors and returns the same kind it was given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._convert import _is_tensor, _to_numpy, _to_tensor

__all__ = [
    "split_lengths",
    "train_val_test_split",
    "Standardizer",
    "normalize_by_train_stats",
    "flatten",
]

Axis = int | tuple[int, ...] | None


def split_lengths(n: int, fractions: Sequence[float]) -> list[int]:
    """Sizes of the splits of ``n`` items, with ``torch.utils.data.random_split``'s rule.

    Fractions summing to 1 are floored (``floor(n * f)``), then the remaining items go one by
    one, round-robin, to the first splits. Integer lengths summing to ``n`` are used as given.

    Example:
        >>> split_lengths(10, (0.8, 0.1, 0.1))
        [8, 1, 1]
        >>> split_lengths(11, (0.5, 0.5))
        [6, 5]
    """
    fractions = list(fractions)
    if not fractions:
        raise ValueError("split_lengths: need at least one fraction")
    total = sum(fractions)
    if math.isclose(total, 1) and total <= 1:
        for i, frac in enumerate(fractions):
            if frac < 0 or frac > 1:
                raise ValueError(f"split_lengths: fraction at index {i} is not between 0 and 1")
        lengths = [math.floor(n * frac) for frac in fractions]
        for i in range(n - sum(lengths)):
            lengths[i % len(lengths)] += 1
        return lengths
    if all(isinstance(f, int) and f >= 0 for f in fractions) and total == n:
        return [int(f) for f in fractions]
    raise ValueError(
        f"split_lengths: fractions {fractions} must sum to 1 (or be lengths summing to {n}); "
        f"they sum to {total}"
    )


def train_val_test_split(
    *arrays: Any, fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0
) -> list[Any]:
    """Shuffle the rows of ``arrays`` with one seeded permutation and cut them into splits.

    Args:
        arrays: arrays or tensors with the same first dimension N (e.g. features, targets).
        fractions: one fraction per split, summing to 1; sizes follow :func:`split_lengths`.
        seed: seed of the permutation (NumPy's default generator).

    Returns:
        One entry per split: a tuple with each array's rows, or the rows themselves when a
        single array was given.

    Example:
        >>> (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = train_val_test_split(x, y)  # doctest: +SKIP
    """
    if not arrays:
        raise ValueError("train_val_test_split: give at least one array")
    arrays_np = [_to_numpy(a) for a in arrays]
    n = len(arrays_np[0])
    for i, a in enumerate(arrays_np):
        if a.ndim == 0 or len(a) != n:
            shapes = [b.shape for b in arrays_np]
            raise ValueError(
                f"train_val_test_split: all arrays need the same first dimension, got shapes "
                f"{shapes} (array {i} differs)"
            )
    order = np.random.default_rng(seed).permutation(n)
    splits, start = [], 0
    for length in split_lengths(n, fractions):
        rows = order[start : start + length]
        start += length
        parts = tuple(_like(a_in, a[rows]) for a_in, a in zip(arrays, arrays_np))
        splits.append(parts[0] if len(arrays) == 1 else parts)
    return splits


class Standardizer:
    """Subtract the mean and divide by the std, both measured on the data given to ``fit``.

    Fit on the training split only and apply the same to validation and test, so nothing about
    held-out data leaks into training.

    Args:
        axis: axes to reduce over. ``0`` (default): one mean/std per feature. ``None``: a single
            scalar over every element, as for MNIST pixels (0.1307 / 0.3081 after ``/ 255``).
            ``(0, 2, 3)``: per channel of (N, C, H, W) images.

    Attributes:
        mean, std: float32 arrays broadcastable against the input (set by ``fit``). A std of 0
            (a constant feature) is stored as 1, so that feature just becomes 0.

    Example:
        >>> s = Standardizer().fit(x_train)                     # doctest: +SKIP
        >>> x_train, x_val = s.transform(x_train), s.transform(x_val)  # doctest: +SKIP
    """

    def __init__(self, axis: Axis = 0) -> None:
        self.axis = axis
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def fit(self, train: Any) -> Standardizer:
        """Measure mean and (population) std of ``train``; returns ``self``."""
        x = _to_numpy(train)
        if x.size == 0:
            raise ValueError("Standardizer.fit: got an empty array")
        mean, std = _mean_std(x, self.axis)
        self.mean = mean.astype(np.float32)
        self.std = np.where(std == 0, 1.0, std).astype(np.float32)
        return self

    def transform(self, x: Any) -> Any:
        """``(x - mean) / std`` in float32, with the fitted statistics."""
        mean, std = self._stats("transform")
        y = _to_numpy(x).astype(np.float32)  # a copy: the input is left alone
        y -= mean
        y /= std
        return _like(x, y)

    def fit_transform(self, train: Any) -> Any:
        return self.fit(train).transform(train)

    def inverse_transform(self, x: Any) -> Any:
        """``x * std + mean``: undo :meth:`transform`."""
        mean, std = self._stats("inverse_transform")
        y = _to_numpy(x).astype(np.float32)
        y *= std
        y += mean
        return _like(x, y)

    def _stats(self, method: str) -> tuple[np.ndarray, np.ndarray]:
        if self.mean is None or self.std is None:
            raise RuntimeError(f"Standardizer.{method}: call fit(train) first")
        return self.mean, self.std

    def __repr__(self) -> str:
        if self.mean is None:
            return f"Standardizer(axis={self.axis}, unfitted)"
        if self.mean.size == 1:
            return f"Standardizer(mean={self.mean.item():.4f}, std={self.std.item():.4f})"
        return f"Standardizer(axis={self.axis}, {self.mean.size} features)"


def _mean_std(x: np.ndarray, axis: Axis, rows: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population std over ``axis`` (keepdims), accumulated in float64.

    Reductions over the sample axis run over chunks of rows (two passes: mean, then squared
    deviations), so MNIST's 47M pixels never need a full float64 copy.
    """
    axes = _axes(axis, x.ndim)
    if 0 not in axes or x.ndim == 0:
        x64 = x.astype(np.float64)
        return x64.mean(axis=axes, keepdims=True), x64.std(axis=axes, keepdims=True)
    count = x.size // math.prod(x.shape[a] for a in range(x.ndim) if a not in axes)
    chunks = [slice(i, i + rows) for i in range(0, len(x), rows)]
    total = sum(x[c].astype(np.float64).sum(axis=axes, keepdims=True) for c in chunks)
    mean = total / count
    squares = sum(
        np.square(x[c].astype(np.float64) - mean).sum(axis=axes, keepdims=True) for c in chunks
    )
    return mean, np.sqrt(squares / count)


def _axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"Standardizer: axis {a} is out of range for {ndim}-D input")
    return tuple(sorted({a % ndim for a in axes}))


def normalize_by_train_stats(train: Any, *others: Any, axis: Axis = 0) -> tuple[Any, ...]:
    """Standardise ``train`` and each of ``others`` with ``train``'s mean and std.

    Returns:
        ``(train, *others)`` standardised, float32, each the same kind it was given.

    Example:
        >>> x_tr, x_va, x_te = normalize_by_train_stats(x_tr, x_va, x_te)  # doctest: +SKIP
    """
    scaler = Standardizer(axis=axis).fit(train)
    return tuple(scaler.transform(x) for x in (train, *others))


def flatten(images: Any) -> Any:
    """Flatten every sample to a vector: (N, 28, 28) -> (N, 784); (N, C, H, W) -> (N, C*H*W)."""
    x = _to_numpy(images)
    if x.ndim < 1:
        raise ValueError("flatten: need an array with a batch dimension, got a scalar")
    return _like(images, x.reshape(len(x), -1))


def _like(original: Any, result: np.ndarray) -> Any:
    """Return ``result`` as a tensor if ``original`` was one."""
    return _to_tensor(np.ascontiguousarray(result)) if _is_tensor(original) else result
