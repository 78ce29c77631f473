"""Datasets: MNIST-style IDX readers with checked downloads, scikit-learn's digits, tabular files,
and the split / standardise / flatten helpers the tutorials use.

Data is read from ``root=``, else ``$FEEDFORWARD_DATA``, else ``~/.cache/feedforward``.
"""

from .digits import Digits, load_digits_arrays
from .download import ChecksumError, DownloadError, download_file, md5sum
from .idx import parse_idx, read_idx
from .mnist import KMNIST, MNIST, FashionMNIST, load_idx_split
from .paths import data_root
from .tabular import TabularData, load_tabular, read_tabular
from .transforms import (
    Standardizer,
    flatten,
    normalize_by_train_stats,
    split_lengths,
    train_val_test_split,
)

__all__ = [
    "MNIST",
    "FashionMNIST",
    "KMNIST",
    "Digits",
    "load_tabular",
    "read_tabular",
    "TabularData",
    "train_val_test_split",
    "split_lengths",
    "Standardizer",
    "normalize_by_train_stats",
    "flatten",
    "read_idx",
    "parse_idx",
    "load_idx_split",
    "load_digits_arrays",
    "download_file",
    "md5sum",
    "DownloadError",
    "ChecksumError",
    "data_root",
]
