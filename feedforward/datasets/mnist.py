"""MNIST, Fashion-MNIST and KMNIST: 28x28 grey images in 10 classes, read from IDX files.

Files are looked up (gzip or raw names) in ``root/<subfolder>`` (``mnist``, ``fashion-mnist``,
``kmnist``), then torchvision's ``root/<ClassName>/raw``, then ``root`` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from os import PathLike
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ._convert import _to_numpy, _to_tensor
from .download import download_file
from .idx import read_idx
from .paths import data_root

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "load_idx_split"]

_SPLIT_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class MNIST:
    """The MNIST handwritten digits (60,000 train, 10,000 test images), like torchvision's.

    Args:
        root: data folder; default ``$FEEDFORWARD_DATA`` or ``~/.cache/feedforward``
            (see :func:`feedforward.datasets.data_root`).
        train: the training split if True, else the test split.
        transform: applied to each image tensor by ``__getitem__``.
        target_transform: applied to each integer label by ``__getitem__``.
        download: fetch any missing files into ``root/<subfolder>`` first (md5-checked).
        mirrors: base URLs to download from instead of the class's ``mirrors``.

    Shape:
        ``data``: uint8 (N, 28, 28); ``targets``: int64 (N,); ``ds[i]``: ((28, 28), int).

    Example:
        >>> train = MNIST(train=True, download=True)  # doctest: +SKIP
        >>> image, label = train[0]                      # doctest: +SKIP
    """

    subfolder: ClassVar[str] = "mnist"
    mirrors: ClassVar[list[str]] = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    # (file name, md5 of the canonical gz file)
    resources: ClassVar[list[tuple[str, str]]] = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes: ClassVar[list[str]] = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

    def __init__(
        self,
        root: str | PathLike[str] | None = None,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
        download: bool = False,
        mirrors: Sequence[str] | None = None,
    ) -> None:
        self.root = data_root(root)
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        if mirrors is not None:
            self.mirrors = list(mirrors)
        if download:
            self.download()
        folder = self._find_folder(_SPLIT_FILES[train])
        if folder is None:
            raise RuntimeError(
                f"{type(self).__name__}: dataset not found; looked for "
                f"{' and '.join(_SPLIT_FILES[train])} (.gz or raw) in "
                f"{', '.join(str(c) for c in self._candidate_folders())}. "
                "Use download=True to download it."
            )
        self.raw_folder: Path = folder
        self._data, self._targets = load_idx_split(folder, train, num_classes=len(self.classes))
        self._data_tensor: Any = None
        self._targets_tensor: Any = None

    # -- the arrays, as tensors at the edge ---------------------------------------------------

    @property
    def data(self) -> Any:
        """uint8 tensor (N, 28, 28) of all images in the split."""
        if self._data_tensor is None:
            self._data_tensor = _to_tensor(self._data)
        return self._data_tensor

    @data.setter
    def data(self, value: Any) -> None:
        self._data, self._data_tensor = _to_numpy(value), None

    @property
    def targets(self) -> Any:
        """int64 tensor (N,) of the labels."""
        if self._targets_tensor is None:
            self._targets_tensor = _to_tensor(self._targets)
        return self._targets_tensor

    @targets.setter
    def targets(self, value: Any) -> None:
        self._targets, self._targets_tensor = _to_numpy(value), None

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        """``(image, label)``: a uint8 (28, 28) tensor and an int, after the transforms."""
        image: Any = _to_tensor(self._data[index])
        label: Any = int(self._targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __repr__(self) -> str:
        return (
            f"Dataset {type(self).__name__}\n"
            f"    Number of datapoints: {len(self)}\n"
            f"    Root location: {self.root}\n"
            f"    Split: {'Train' if self.train else 'Test'}"
        )

    # -- files on disk ------------------------------------------------------------------------

    def _candidate_folders(self) -> list[Path]:
        return [self.root / self.subfolder, self.root / type(self).__name__ / "raw", self.root]

    def _find_folder(self, names: Sequence[str]) -> Path | None:
        """The first candidate folder holding every file in ``names`` (gz or raw)."""
        for folder in self._candidate_folders():
            if all(_find_file(folder, name) for name in names):
                return folder
        return None

    def download(self) -> None:
        """Download the four files into ``root/<subfolder>``, unless a folder has them all."""
        stems = [name.removesuffix(".gz") for name, _ in self.resources]
        if self._find_folder(stems) is not None:
            return
        target = self.root / self.subfolder
        for name, md5 in self.resources:
            if _find_file(target, name.removesuffix(".gz")) is None:
                urls = [base.rstrip("/") + "/" + name for base in self.mirrors]
                download_file(urls, target / name, md5)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 clothing images in 10 classes, MNIST's layout and sizes."""

    subfolder = "fashion-mnist"
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: 28x28 images of 10 cursive Japanese (hiragana) characters."""

    subfolder = "kmnist"
    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


def _find_file(folder: Path, stem: str) -> Path | None:
    """``folder/stem.gz`` or ``folder/stem``, whichever exists (gz first: that is what is
    downloaded and checked)."""
    for path in (folder / f"{stem}.gz", folder / stem):
        if path.is_file():
            return path
    return None


def load_idx_split(
    folder: str | PathLike[str], train: bool = True, num_classes: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Read one split of an MNIST-style folder as NumPy arrays.

    Args:
        folder: holds ``{train,t10k}-{images-idx3,labels-idx1}-ubyte`` (``.gz`` or raw).
        train: the ``train-*`` files if True, else ``t10k-*``.
        num_classes: labels must lie in ``[0, num_classes)``.

    Returns:
        ``(images, labels)``: uint8 (N, H, W) and int64 (N,).

    Raises:
        FileNotFoundError: a file is missing.
        ValueError: a file is corrupt, or the images and labels do not fit together.
    """
    folder = Path(folder)
    paths = []
    for stem in _SPLIT_FILES[train]:
        path = _find_file(folder, stem)
        if path is None:
            raise FileNotFoundError(f"no {stem}.gz or {stem} in {folder}")
        paths.append(path)
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{paths[0]}: expected uint8 images of shape (N, H, W), got {images.dtype} "
            f"{images.shape}"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(
            f"{paths[1]}: expected uint8 labels of shape (N,), got {labels.dtype} {labels.shape}"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{folder}: {len(images)} images in {paths[0].name} but {len(labels)} labels "
            f"in {paths[1].name}"
        )
    if labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"{paths[1]}: label {int(labels.max())} out of range for {num_classes} classes"
        )
    return images, labels.astype(np.int64)
