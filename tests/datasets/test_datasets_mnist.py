"""MNIST-style datasets read from the real IDX files, and the IDX parser's error handling."""

from __future__ import annotations

import collections
import gzip
import hashlib
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from dataset_helpers import independent_idx, needs_tensor, shared_folder
from hypothesis import given, settings
from hypothesis import strategies as st

import feedforward as ff
from feedforward.datasets import (
    KMNIST,
    MNIST,
    FashionMNIST,
    data_root,
    load_idx_split,
    parse_idx,
    read_idx,
)

# Published MNIST class counts (LeCun's page / torchvision users' tallies).
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
# Decompressed Fashion-MNIST IDX md5s, from shared/datasets/README.md
FASHION_RAW_MD5 = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}


@pytest.fixture(scope="module")
def mnist_train() -> tuple[np.ndarray, np.ndarray]:
    return load_idx_split(shared_folder("mnist"), train=True)


@pytest.fixture(scope="module")
def mnist_test() -> tuple[np.ndarray, np.ndarray]:
    return load_idx_split(shared_folder("mnist"), train=False)


# -- the real files -------------------------------------------------------------------------------


@pytest.mark.parametrize("train,n", [(True, 60000), (False, 10000)])
def test_mnist_split_shapes_dtypes_and_content(train, n, mnist_train, mnist_test):
    images, labels = mnist_train if train else mnist_test
    assert images.shape == (n, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (n,) and labels.dtype == np.int64
    prefix = "train" if train else "t10k"
    folder = shared_folder("mnist")
    expected_images = independent_idx(folder / f"{prefix}-images-idx3-ubyte.gz")
    expected_labels = independent_idx(folder / f"{prefix}-labels-idx1-ubyte.gz")
    assert int(images[0].sum()) == int(expected_images[0].astype(np.int64).sum())
    np.testing.assert_array_equal(images, expected_images)
    np.testing.assert_array_equal(labels, expected_labels)


@pytest.mark.parametrize("train", [True, False])
def test_mnist_label_counts(train, mnist_train, mnist_test):
    _, labels = mnist_train if train else mnist_test
    prefix = "train" if train else "t10k"
    raw = gzip.open(shared_folder("mnist") / f"{prefix}-labels-idx1-ubyte.gz").read()
    counted = collections.Counter(raw[8:])  # label bytes after the 8-byte header
    counts = np.bincount(labels, minlength=10).tolist()
    assert counts == [counted[d] for d in range(10)]
    assert counts == (MNIST_TRAIN_COUNTS if train else MNIST_TEST_COUNTS)


def test_mnist_first_labels_and_pixel_range(mnist_train):
    images, labels = mnist_train
    raw = gzip.open(shared_folder("mnist") / "train-labels-idx1-ubyte.gz").read()
    assert labels[:20].tolist() == list(raw[8:28])
    assert images.min() == 0 and images.max() == 255


@pytest.mark.parametrize("train", [True, False])
def test_fashion_mnist_round_trips_to_the_published_md5(train):
    """Re-serialising what we parsed gives back the exact IDX bytes (md5 from the README)."""
    folder = shared_folder("fashion-mnist")
    images, labels = load_idx_split(folder, train=train)
    prefix = "train" if train else "t10k"
    n = 60000 if train else 10000
    image_bytes = struct.pack(">IIII", 0x803, *images.shape) + images.tobytes()
    label_bytes = struct.pack(">II", 0x801, len(labels)) + labels.astype(np.uint8).tobytes()
    assert images.shape == (n, 28, 28)
    assert hashlib.md5(image_bytes).hexdigest() == FASHION_RAW_MD5[f"{prefix}-images-idx3-ubyte"]
    assert hashlib.md5(label_bytes).hexdigest() == FASHION_RAW_MD5[f"{prefix}-labels-idx1-ubyte"]
    assert np.bincount(labels).tolist() == [n // 10] * 10  # balanced classes


# -- the dataset classes ------------------------------------------------------------------------


def test_dataset_class_finds_subfolders_by_name(shared_root):
    mnist = MNIST(root=shared_root, train=False)
    fashion = FashionMNIST(root=shared_root, train=False)
    assert mnist.raw_folder == shared_root / "mnist"
    assert fashion.raw_folder == shared_root / "fashion-mnist"
    assert len(mnist) == len(fashion) == 10000
    np.testing.assert_array_equal(
        fashion._targets, independent_idx(shared_root / "fashion-mnist/t10k-labels-idx1-ubyte.gz")
    )
    assert "Number of datapoints: 10000" in repr(mnist) and "Split: Test" in repr(mnist)
    assert fashion.class_to_idx["Ankle boot"] == 9 and mnist.class_to_idx["3 - three"] == 3


def test_dataset_class_accepts_a_folder_holding_the_files(shared_root):
    ds = MNIST(root=shared_root / "mnist", train=False)
    assert ds.raw_folder == shared_root / "mnist"


def test_raw_names_and_torchvision_layout(tmp_path, shared_root):
    raw = tmp_path / "MNIST" / "raw"  # torchvision's layout, decompressed files
    raw.mkdir(parents=True)
    for stem in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / stem).write_bytes(gzip.open(shared_root / "mnist" / f"{stem}.gz").read())
    ds = MNIST(root=tmp_path, train=False)
    assert ds.raw_folder == raw
    expected = independent_idx(shared_root / "mnist/t10k-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(ds._data, expected)
    with pytest.raises(RuntimeError, match="download=True"):
        MNIST(root=tmp_path, train=True)  # train files absent


def test_missing_dataset_error_lists_where_it_looked(tmp_path):
    with pytest.raises(RuntimeError) as info:
        KMNIST(root=tmp_path)
    message = str(info.value)
    assert "KMNIST" in message and "train-images-idx3-ubyte" in message
    assert str(tmp_path / "kmnist") in message and "download=True" in message


def test_classes_and_class_to_idx():
    assert len(MNIST.classes) == len(FashionMNIST.classes) == len(KMNIST.classes) == 10
    assert FashionMNIST.classes[9] == "Ankle boot" and MNIST.classes[0] == "0 - zero"
    for cls in (MNIST, FashionMNIST, KMNIST):
        assert len(set(cls.classes)) == 10


@needs_tensor
def test_tensor_layer(shared_root):
    ds = MNIST(root=shared_root, train=False, transform=None)
    assert ds.data.dtype == ff.uint8 and tuple(ds.data.shape) == (10000, 28, 28)
    assert ds.targets.dtype == ff.int64 and tuple(ds.targets.shape) == (10000,)
    expected = independent_idx(shared_root / "mnist/t10k-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(ds.data.numpy(), expected)
    image, label = ds[0]
    labels = independent_idx(shared_root / "mnist/t10k-labels-idx1-ubyte.gz")
    assert isinstance(label, int) and label == labels[0]
    assert tuple(image.shape) == (28, 28)
    np.testing.assert_array_equal(image.numpy(), expected[0])


@needs_tensor
def test_transforms_are_applied(shared_root):
    ds = MNIST(
        root=shared_root,
        train=False,
        transform=lambda im: float(im.numpy().sum()),
        target_transform=lambda y: y + 100,
    )
    expected = independent_idx(shared_root / "mnist/t10k-images-idx3-ubyte.gz")
    labels = independent_idx(shared_root / "mnist/t10k-labels-idx1-ubyte.gz")
    assert ds[3] == (float(expected[3].astype(np.int64).sum()), int(labels[3]) + 100)


# -- root resolution ----------------------------------------------------------------------------


def test_data_root_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FEEDFORWARD_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert data_root() == tmp_path / "home" / ".cache" / "feedforward"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec wants absolute
    assert data_root() == tmp_path / "home" / ".cache" / "feedforward"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_root() == tmp_path / "xdg" / "feedforward"
    monkeypatch.setenv("FEEDFORWARD_DATA", str(tmp_path / "env"))
    assert data_root() == tmp_path / "env"
    assert data_root(tmp_path / "explicit") == tmp_path / "explicit"
    assert data_root("~/x") == tmp_path / "home" / "x"


def test_dataset_uses_feedforward_data_env(monkeypatch, shared_root):
    monkeypatch.setenv("FEEDFORWARD_DATA", str(shared_root))
    assert MNIST(train=False).raw_folder == shared_root / "mnist"


# -- corrupt and truncated files ----------------------------------------------------------------


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@settings(max_examples=40, deadline=None)
@given(
    code=st.sampled_from(sorted(IDX_DTYPES)),
    shape=st.lists(st.integers(0, 5), min_size=1, max_size=4),
    seed=st.integers(0, 2**31 - 1),
)
def test_parse_idx_round_trips_every_type(code, shape, seed):
    rng = np.random.default_rng(seed)
    array = (rng.standard_normal(shape) * 100).astype(IDX_DTYPES[code])
    parsed = parse_idx(idx_bytes(array, code))
    assert parsed.shape == tuple(shape) and parsed.dtype == array.dtype.newbyteorder("=")
    np.testing.assert_array_equal(parsed, array)
    assert parsed.flags.writeable


def write(path: Path, data: bytes, compress: bool) -> Path:
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda b: b[:-7], "truncated"),
        (lambda b: b + b"\0\0", "trailing bytes"),
        (lambda b: b"\x08\x03" + b[2:], "magic number"),
        (lambda b: b[:2] + b"\x42" + b[3:], "unknown IDX type code 0x42"),
        (lambda b: b[:10], "truncated IDX header"),
        (lambda b: b[:3], "only 3 bytes"),
    ],
)
def test_corrupt_idx_files_raise_value_error_naming_the_file(tmp_path, mutate, message, compress):
    good = idx_bytes(np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4), 0x08)
    path = write(tmp_path / "bad-idx3-ubyte", mutate(good), compress)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_gzip_is_a_value_error(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((50, 28, 28), np.uint8)))[:-20])
    with pytest.raises(ValueError, match="corrupt gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def make_split(folder: Path, images: np.ndarray, labels: np.ndarray, prefix: str = "t10k"):
    folder.mkdir(parents=True, exist_ok=True)
    write(folder / f"{prefix}-images-idx3-ubyte.gz", idx_bytes(images), True)
    write(folder / f"{prefix}-labels-idx1-ubyte", idx_bytes(labels), False)


def test_split_consistency_errors(tmp_path):
    images = np.zeros((5, 28, 28), np.uint8)
    make_split(tmp_path / "a", images, np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="5 images .* but 4 labels"):
        load_idx_split(tmp_path / "a", train=False)
    make_split(tmp_path / "b", images, np.array([0, 1, 2, 3, 10], np.uint8))
    with pytest.raises(ValueError, match="label 10 out of range for 10 classes"):
        load_idx_split(tmp_path / "b", train=False)
    make_split(tmp_path / "c", np.zeros((5, 784), np.uint8), np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match=r"shape \(N, H, W\)"):
        load_idx_split(tmp_path / "c", train=False)
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_idx_split(tmp_path / "c", train=True)


def test_corrupt_file_inside_a_dataset_folder(tmp_path, shared_root):
    folder = tmp_path / "mnist"
    folder.mkdir()
    shutil.copy(shared_root / "mnist/t10k-labels-idx1-ubyte.gz", folder)
    images = gzip.open(shared_root / "mnist/t10k-images-idx3-ubyte.gz").read()
    (folder / "t10k-images-idx3-ubyte").write_bytes(images[: len(images) // 2])
    with pytest.raises(ValueError, match="truncated") as info:
        MNIST(root=tmp_path, train=False)
    assert "t10k-images-idx3-ubyte" in str(info.value)
