"""The data sets the command line trains on, cut into train / valid / test splits.

``--data`` names one of: ``digits`` (scikit-learn's bundled 8x8 digits), ``mnist``,
``fashion-mnist`` (read with :mod:`feedforward.datasets` from ``--data-dir``), ``csv:PATH`` or
``npz:PATH`` (a table with a ``--target`` column). Every split is a pair of NumPy arrays, the
features float32 (N, F) and flat (images are flattened), the targets int64 class indices or
float32 values. Normalisation is separate (:func:`fit_normalizer`) and fitted on the training
split only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from feedforward import datasets
from feedforward.cli.errors import CLIError

__all__ = ["Data", "load_data", "fit_normalizer", "read_features", "MAX_AUTO_CLASSES"]

Pair = tuple[np.ndarray, np.ndarray]
MAX_AUTO_CLASSES = 100  # integer targets with more distinct values are taken for regression
_IMAGE_SETS = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}


@dataclass
class Data:
    """A data set cut into splits.

    Attributes:
        name: the ``--data`` value it came from.
        task: ``classification`` or ``regression``.
        train, valid, test: ``(features, targets)``; ``valid`` is None without a validation
            split; with ``whole=True`` everything is in ``train`` (plus ``test`` for data with a
            test split of its own).
        feature_names: one name per feature column.
        target_name: the target's name.
        classes: the original labels of the class indices (classification), else None.
        image_shape: the shape of one image before flattening, for image data sets.
    """

    name: str
    task: str
    train: Pair
    valid: Pair | None
    test: Pair | None
    feature_names: list[str]
    target_name: str
    classes: list[Any] | None
    image_shape: tuple[int, ...] | None = None

    @property
    def num_features(self) -> int:
        return self.train[0].shape[1]

    def split(self, name: str) -> Pair:
        """One split by name (``train``, ``valid``, ``test``), or ``all`` of them together."""
        if name == "all":
            parts = [p for p in (self.train, self.valid, self.test) if p is not None]
            return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        pair = getattr(self, name)
        if pair is None:
            raise CLIError(f"{self.name} has no {name} split (see --split)")
        return pair


def load_data(
    options: dict[str, Any], like: dict[str, Any] | None = None, whole: bool = False
) -> Data:
    """Load the data ``options["data"]`` names and cut it into seeded splits.

    Args:
        options: the run's options (``data``, ``data_dir``, ``target``, ``task``, ``download``,
            ``split``, ``limit``, ``seed``).
        like: a saved model's metadata (``model.json``): take its feature columns, task and
            classes (labels are mapped onto the model's class indices), so that the data fits
            the model.
        whole: don't split: every row (of the data's own splits) for ``Data.split("all")``.

    Raises:
        CLIError: unknown data, missing files or columns, a target that does not fit.
    """
    name = options["data"]
    if name == "digits":
        data = _digits(options, whole)
    elif name in _IMAGE_SETS:
        data = _images(options, whole)
    else:
        data = _table(options, like, whole)
    if like is not None:
        _fit_to_model(data, like)
    limit, seed = options.get("limit"), options["seed"]
    if limit is not None:
        for salt, split in enumerate(("train", "valid", "test"), start=1):
            pair = getattr(data, split)
            if pair is not None:
                setattr(data, split, _subset(pair, limit, (seed, salt)))
    return data


# -- the sources ------------------------------------------------------------------------------


def _digits(options: dict[str, Any], whole: bool) -> Data:
    x, y = datasets.load_digits_arrays()
    train, valid, test = _three_way(x, y, options, whole)
    names = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    return Data(
        "digits", "classification", train, valid, test, names, "digit", list(range(10)), (8, 8)
    )


def _images(options: dict[str, Any], whole: bool) -> Data:
    name = options["data"]
    cls = _IMAGE_SETS[name]
    root, download = options.get("data_dir"), bool(options.get("download"))
    if root is not None and not Path(root).expanduser().is_dir() and not download:
        raise CLIError(f"--data-dir {root}: no such directory")
    try:
        train_set = cls(root=root, train=True, download=download)
        test_set = cls(root=root, train=False, download=download)
    except RuntimeError as e:  # not found: say how to get it from the command line
        raise CLIError(f"{name}: {e}".replace("Use download=True", "Use --download")) from None
    x = train_set.data.numpy().reshape(len(train_set), -1)
    y = train_set.targets.numpy()
    fractions = _fractions(options["split"])[:2]
    total = fractions[0] + fractions[1]
    if fractions[1] == 0 or whole:
        train, valid = (x, y), None
    else:
        train, valid = datasets.train_val_test_split(
            x, y, fractions=(fractions[0] / total, fractions[1] / total), seed=options["seed"]
        )
    test = (test_set.data.numpy().reshape(len(test_set), -1), test_set.targets.numpy())
    shape = tuple(train_set.data.shape[1:])
    names = [f"pixel_{i}" for i in range(x.shape[1])]
    return Data(
        name,
        "classification",
        _as_float(train),
        _as_float(valid),
        _as_float(test),
        names,
        "label",
        list(cls.classes),
        shape,
    )


def _table(options: dict[str, Any], like: dict[str, Any] | None, whole: bool) -> Data:
    name = options["data"]
    path = Path(name.split(":", 1)[1]).expanduser()
    if not path.is_file():
        raise CLIError(f"{name}: no such file: {path}")
    target = options.get("target") or (like or {}).get("target_name")
    if not target:
        raise CLIError(
            f"{name}: which column is the target? Give --target COLUMN; the columns "
            f"are {_column_names(path)}"
        )
    features = None if like is None else like["feature_names"]
    task = options.get("task", "auto") if like is None else like["task"]
    # load_tabular's own "auto" takes every numeric target for regression; ours also takes
    # integer targets with few distinct values for classes
    table = datasets.read_tabular(
        path, target, features=features, task="regression" if task == "regression" else "auto"
    )
    x, y, classes = table.features, table.targets, table.classes
    if classes is None and task != "regression":
        y, classes = _integer_classes(name, table.target_name, y, task)
    data_task = "regression" if classes is None else "classification"
    train, valid, test = _three_way(x, y, options, whole)
    return Data(
        name, data_task, train, valid, test, list(table.feature_names), table.target_name, classes
    )


def _integer_classes(
    name: str, target: str, y: np.ndarray, task: str
) -> tuple[np.ndarray, list[Any] | None]:
    """Class indices for a numeric target whose values are all integers (few of them, for
    ``task="auto"``); else the values as they are and no classes (regression)."""
    integral = bool(np.all(np.isfinite(y)) and np.all(y == np.round(y)))
    values = np.unique(y) if integral else None
    if task == "classification" and not integral:
        bad = y[~np.isfinite(y) | (y != np.round(y))][0]
        raise CLIError(
            f"{name}: --task classification needs text or integer targets, but "
            f"{target!r} has {float(bad)!r}"
        )
    if values is None or (task == "auto" and len(values) > MAX_AUTO_CLASSES):
        return y, None
    indices = np.searchsorted(values, y).astype(np.int64)
    return indices, [int(v) for v in values]


def _column_names(path: Path) -> list[str]:
    if path.suffix.lower() == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            return list(archive.files)
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [c.strip() for c in next(csv.reader(f), [])]


# -- splits -----------------------------------------------------------------------------------


def _fractions(split: list[float]) -> list[float]:
    return list(split) + [0.0] * (3 - len(split))


def _three_way(
    x: np.ndarray, y: np.ndarray, options: dict[str, Any], whole: bool = False
) -> tuple[Pair, Pair | None, Pair | None]:
    """Seeded train / valid / test splits of data that has no test split of its own (with
    ``whole``, no splits: every row in the first)."""
    if whole:
        return _as_float((x, y)), None, None
    fractions = _fractions(options["split"])
    if fractions[2] == 0:
        raise CLIError(
            f"{options['data']} has no test split of its own; --split needs a test "
            f"fraction above 0, e.g. 0.8,0.1,0.1"
        )
    train, valid, test = datasets.train_val_test_split(
        x, y, fractions=fractions, seed=options["seed"]
    )
    for split, label in ((train, "training"), (test, "test")):
        if len(split[0]) == 0:
            raise CLIError(
                f"{options['data']}: the {label} split of {len(x)} rows is empty; change --split"
            )
    return _as_float(train), (_as_float(valid) if len(valid[0]) else None), _as_float(test)


def _subset(pair: Pair, limit: int, seed: tuple[int, int]) -> Pair:
    """At most ``limit`` rows, a seeded random subset (rows keep their order)."""
    x, y = pair
    if len(x) <= limit:
        return pair
    rows = np.sort(np.random.default_rng(seed).permutation(len(x))[:limit])
    return x[rows], y[rows]


def _as_float(pair: Pair | None) -> Pair | None:
    if pair is None:
        return None
    x, y = pair
    return np.ascontiguousarray(x, dtype=np.float32), y


def _fit_to_model(data: Data, meta: dict[str, Any]) -> None:
    """Check the data's features fit the model; map its labels onto the model's classes."""
    expected = len(meta["feature_names"])
    if data.num_features != expected:
        raise CLIError(
            f"{data.name} has {data.num_features} features, but the model takes "
            f"{expected} ({meta['data']})"
        )
    if meta["task"] != data.task:
        raise CLIError(f"{data.name} is a {data.task} data set, but the model does {meta['task']}")
    if data.classes is None or data.classes == meta["classes"]:
        return
    index = {_label_key(c): i for i, c in enumerate(meta["classes"])}
    mapping = np.empty(len(data.classes), dtype=np.int64)
    for i, label in enumerate(data.classes):
        if _label_key(label) not in index:
            raise CLIError(
                f"{data.name}: label {label!r} is not one of the model's classes {meta['classes']}"
            )
        mapping[i] = index[_label_key(label)]
    for split in ("train", "valid", "test"):
        pair = getattr(data, split)
        if pair is not None:
            setattr(data, split, (pair[0], mapping[pair[1]]))
    data.classes = list(meta["classes"])


def _label_key(label: Any) -> str:
    return str(label)


# -- normalisation ----------------------------------------------------------------------------


def fit_normalizer(data: Data) -> datasets.Standardizer:
    """Mean and std from the training split: one scalar for images, else one per feature."""
    axis = None if data.name in _IMAGE_SETS else 0
    return datasets.Standardizer(axis=axis).fit(data.train[0])


# -- inputs for predict -----------------------------------------------------------------------


def read_features(
    path: str | Path, feature_names: list[str], image_shape: tuple[int, ...] | None = None
) -> np.ndarray:
    """Read the inputs of ``feedforward predict``: float32 (N, F) in the model's column order.

    Args:
        path: a ``.csv`` with a header row (the model's feature columns, by name when the header
            has them all, other columns such as the target are ignored; else by position) or a
            ``.npy`` array (N, F), or (N, *image_shape) images.
        feature_names: the model's feature columns.
        image_shape: the model's image shape, if it was trained on images.

    Raises:
        CLIError: a missing or malformed file, or inputs that do not fit the model.
    """
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _read_npy(path, feature_names, image_shape)
    if suffix in (".csv", ".tsv", ".txt"):
        return _read_csv(path, feature_names, "\t" if suffix == ".tsv" else ",")
    raise CLIError(f"{path}: unsupported input type {suffix!r}; use .csv or .npy")


def _read_npy(path: Path, names: list[str], image_shape: tuple[int, ...] | None) -> np.ndarray:
    try:
        x = np.load(path, allow_pickle=False)
    except ValueError as e:
        raise CLIError(f"{path} is not a readable .npy array: {e}") from None
    if x.dtype.kind not in "biuf":
        raise CLIError(f"{path}: expected a numeric array, got dtype {x.dtype}")
    if x.ndim == 1 + len(image_shape or ()) and image_shape and x.shape[1:] == image_shape:
        x = x.reshape(len(x), -1)
    if x.ndim != 2 or x.shape[1] != len(names):
        want = f"(N, {len(names)})" + (
            f" or (N, {', '.join(map(str, image_shape))})" if image_shape else ""
        )
        raise CLIError(f"{path}: the model takes inputs of shape {want}, got {x.shape}")
    return x.astype(np.float32)


def _read_csv(path: Path, names: list[str], delimiter: str) -> np.ndarray:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, delimiter=delimiter)
            header = [c.strip() for c in next(reader, [])]
            if not header:
                raise CLIError(f"{path} is empty; expected a header row")
            rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except (csv.Error, UnicodeDecodeError) as e:
        raise CLIError(f"{path} is not a readable CSV file: {e}") from None
    if set(names) <= set(header):
        columns = [header.index(n) for n in names]
    elif len(header) == len(names):
        columns = list(range(len(names)))
    else:
        shown = names if len(names) <= 10 else names[:5] + ["..."] + names[-2:]
        raise CLIError(
            f"{path} has {len(header)} columns, but the model takes {len(names)} "
            f"features ({', '.join(shown)})"
        )
    for line, row in rows:
        if len(row) != len(header):
            raise CLIError(
                f"{path}, line {line}: {len(row)} fields, but the header has {len(header)}"
            )
    if not rows:
        raise CLIError(f"{path} has a header but no data rows")
    try:  # the fast way; the cell-by-cell loop below finds the culprit when it fails
        return np.array([row for _, row in rows], dtype=str)[:, columns].astype(np.float32)
    except ValueError:
        pass
    out = np.empty((len(rows), len(names)), dtype=np.float32)
    for i, (line, row) in enumerate(rows):
        for j, col in enumerate(columns):
            try:
                out[i, j] = float(row[col])
            except ValueError:
                raise CLIError(
                    f"{path}, line {line}: column {header[col]!r} has {row[col]!r}, not a number"
                ) from None
    return out
