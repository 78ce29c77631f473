"""Splits (sizes as torch's random_split), train-only standardisation, flatten."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from dataset_helpers import needs_tensor, shared_folder
from hypothesis import given, settings
from hypothesis import strategies as st

import feedforward as ff
from feedforward.datasets import (
    Standardizer,
    flatten,
    load_idx_split,
    normalize_by_train_stats,
    split_lengths,
    train_val_test_split,
)
from feedforward.datasets.transforms import _mean_std


def torch_lengths(n: int, fractions: list[float]) -> list[int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about empty splits
        subsets = torch.utils.data.random_split(range(n), fractions)
    return [len(s) for s in subsets]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 10, 11, 99, 1797, 60000, 70000])
@pytest.mark.parametrize(
    "fractions", [(0.8, 0.1, 0.1), (0.7, 0.15, 0.15), (0.5, 0.5), (1 / 3, 1 / 3, 1 / 3)]
)
def test_split_lengths_match_torch(n, fractions):
    assert split_lengths(n, fractions) == torch_lengths(n, list(fractions))


@settings(max_examples=150, deadline=None)
@given(n=st.integers(0, 400), weights=st.lists(st.integers(0, 9), min_size=1, max_size=5))
def test_split_lengths_match_torch_property(n, weights):
    if sum(weights) == 0:
        weights = [*weights[:-1], 1]
    fractions = [w / sum(weights) for w in weights]
    try:
        expected = torch_lengths(n, fractions)
    except ValueError:  # torch rejects sums a hair above 1; so must we
        with pytest.raises(ValueError):
            split_lengths(n, fractions)
        return
    assert split_lengths(n, fractions) == expected
    assert sum(expected) == n


def test_split_lengths_integer_lengths_and_errors():
    assert split_lengths(10, [7, 3]) == torch_lengths(10, [7, 3])
    with pytest.raises(ValueError, match="must sum to 1"):
        split_lengths(10, [0.5, 0.6])
    with pytest.raises(ValueError, match="must sum to 1"):
        split_lengths(10, [4, 3])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        split_lengths(10, [1.5, -0.5])


def test_train_val_test_split_partitions_aligned_rows():
    n = 101
    x = np.arange(n * 2).reshape(n, 2)
    y = np.arange(n) * 10
    splits = train_val_test_split(x, y, fractions=(0.8, 0.1, 0.1), seed=3)
    assert [len(s[0]) for s in splits] == torch_lengths(n, [0.8, 0.1, 0.1])
    for xs, ys in splits:
        np.testing.assert_array_equal(xs[:, 0] // 2 * 10, ys)  # rows stay paired
    seen = np.concatenate([ys for _, ys in splits]) // 10
    assert sorted(seen.tolist()) == list(range(n))  # disjoint and complete
    assert not np.array_equal(seen, np.arange(n))  # shuffled


def test_train_val_test_split_is_seeded():
    x = np.arange(50)
    a = train_val_test_split(x, seed=1)
    b = train_val_test_split(x, seed=1)
    c = train_val_test_split(x, seed=2)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    assert [len(p) for p in a] == [40, 5, 5]  # one array in -> arrays out


def test_train_val_test_split_errors():
    with pytest.raises(ValueError, match=r"same first dimension.*\(5,\), \(4,\)"):
        train_val_test_split(np.zeros(5), np.zeros(4))
    with pytest.raises(ValueError, match="at least one array"):
        train_val_test_split()


@needs_tensor
def test_split_and_standardize_tensors():
    x = ff.from_numpy(np.arange(40, dtype=np.float32).reshape(20, 2))
    train, val = train_val_test_split(x, fractions=(0.5, 0.5))
    assert tuple(train.shape) == (10, 2) and train.dtype == ff.float32
    out = Standardizer().fit(train).transform(val)
    assert out.dtype == ff.float32 and tuple(out.shape) == (10, 2)
    assert tuple(flatten(ff.from_numpy(np.zeros((3, 2, 2), np.uint8))).shape) == (3, 4)


def shifted_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    train = rng.normal([1.0, -2.0, 5.0], [1.0, 3.0, 0.5], size=(200, 3)).astype(np.float32)
    val = rng.normal([4.0, 0.0, 5.0], [2.0, 1.0, 0.5], size=(50, 3)).astype(np.float32)
    return train, val


def test_standardizer_uses_training_stats_only():
    train, val = shifted_data()
    scaler = Standardizer().fit(train)
    std_t, mean_t = torch.std_mean(torch.from_numpy(train).double(), dim=0, unbiased=False)
    np.testing.assert_allclose(scaler.mean.ravel(), mean_t.numpy(), rtol=1e-6)
    np.testing.assert_allclose(scaler.std.ravel(), std_t.numpy(), rtol=1e-6)
    out = scaler.transform(val)
    assert out.dtype == np.float32 and out.shape == val.shape
    np.testing.assert_allclose(out, (val - mean_t.numpy()) / std_t.numpy(), rtol=1e-5, atol=1e-6)
    assert abs(out[:, 0].mean()) > 1  # val's own stats would have centred it
    np.testing.assert_allclose(scaler.inverse_transform(out), val, rtol=1e-5, atol=1e-5)


def test_normalize_by_train_stats():
    train, val = shifted_data(1)
    test = val[::-1].copy()
    tr, va, te = normalize_by_train_stats(train, val, test)
    np.testing.assert_allclose(tr.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(tr.std(0), 1, atol=1e-5)
    mean, std = train.astype(np.float64).mean(0), train.astype(np.float64).std(0)
    np.testing.assert_allclose(va, (val - mean) / std, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(te, (test - mean) / std, rtol=1e-5, atol=1e-5)


def test_scalar_stats_on_mnist_pixels():
    """MNIST's well-known 0.1307 / 0.3081, checked against a histogram of the raw bytes."""
    images, _ = load_idx_split(shared_folder("mnist"), train=True)
    scaler = Standardizer(axis=None).fit(images)
    assert scaler.mean.shape == (1, 1, 1)
    counts = np.bincount(images.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256.0)
    mean = (counts * levels).sum() / counts.sum()
    std = np.sqrt((counts * (levels - mean) ** 2).sum() / counts.sum())
    np.testing.assert_allclose(scaler.mean.item(), mean, rtol=1e-6)
    np.testing.assert_allclose(scaler.std.item(), std, rtol=1e-6)
    assert round(mean / 255, 4) == 0.1307 and round(std / 255, 4) == 0.3081
    out = scaler.transform(images[:10])
    np.testing.assert_allclose(out, (images[:10] - mean) / std, rtol=1e-5, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=4),
    seed=st.integers(0, 1000),
    data=st.data(),
)
def test_chunked_mean_std_matches_numpy(shape, seed, data):
    x = np.random.default_rng(seed).normal(3, 2, size=shape).astype(np.float32)
    axis = data.draw(
        st.none()
        | st.integers(-len(shape), len(shape) - 1)
        | st.sets(st.integers(0, len(shape) - 1), min_size=1).map(tuple)
    )
    mean, std = _mean_std(x, axis, rows=2)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(mean, x64.mean(axis=axis, keepdims=True), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(std, x64.std(axis=axis, keepdims=True), rtol=1e-9, atol=1e-12)


def test_standardizer_per_channel_constant_features_and_errors():
    x = np.random.default_rng(0).normal(size=(8, 3, 4, 4)).astype(np.float32)
    scaler = Standardizer(axis=(0, 2, 3)).fit(x)
    assert scaler.mean.shape == (1, 3, 1, 1)
    np.testing.assert_allclose(scaler.transform(x).std(axis=(0, 2, 3)), 1, rtol=1e-5)
    constant = np.column_stack([np.full(5, 7.0), np.arange(5.0)])
    out = Standardizer().fit_transform(constant)
    np.testing.assert_array_equal(out[:, 0], 0)  # std 0 stored as 1: no division by zero
    with pytest.raises(RuntimeError, match="call fit"):
        Standardizer().transform(x)
    with pytest.raises(ValueError, match="axis 4 is out of range for 4-D"):
        Standardizer(axis=4).fit(x)
    with pytest.raises(ValueError, match="empty"):
        Standardizer().fit(np.zeros((0, 3)))


def test_flatten():
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    flat = flatten(images)
    assert flat.shape == (2, 784) and flat.dtype == np.uint8
    np.testing.assert_array_equal(flat[1], images[1].ravel())
    assert flatten(np.zeros((4, 3, 5, 5))).shape == (4, 75)
    with pytest.raises(ValueError, match="batch dimension"):
        flatten(np.float32(1.0))
