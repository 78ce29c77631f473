"""scikit-learn's 8x8 digits."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from dataset_helpers import needs_tensor

import feedforward as ff
from feedforward.datasets import Digits, load_digits_arrays

sklearn_datasets = pytest.importorskip("sklearn.datasets")


def test_digits_arrays_match_sklearn():
    data, targets = load_digits_arrays()
    bunch = sklearn_datasets.load_digits()
    assert data.shape == (1797, 64) and data.dtype == np.float32
    assert targets.shape == (1797,) and targets.dtype == np.int64
    np.testing.assert_array_equal(data, bunch.data)
    np.testing.assert_array_equal(targets, bunch.target)
    assert np.bincount(targets).tolist() == np.bincount(bunch.target).tolist()


def test_missing_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn...` fail
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'feedforward\[sklearn\]'"):
        load_digits_arrays()


@needs_tensor
def test_digits_dataset_tensors():
    ds = Digits(target_transform=lambda y: -y)
    bunch = sklearn_datasets.load_digits()
    assert len(ds) == 1797 and ds.data.dtype == ff.float32 and ds.targets.dtype == ff.int64
    np.testing.assert_array_equal(ds.data.numpy(), bunch.data)
    features, label = ds[5]
    np.testing.assert_array_equal(features.numpy(), bunch.data[5])
    assert label == -int(bunch.target[5])
