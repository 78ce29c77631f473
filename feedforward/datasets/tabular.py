"""Tables of features plus one target column, from CSV (with a header row), .npy or .npz.

Features become float32; the target becomes class indices (int64, with the ``classes`` they
stand for) for classification, or float32 for regression.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ._convert import _to_tensor

__all__ = ["TabularData", "load_tabular", "read_tabular"]

Task = Literal["auto", "classification", "regression"]
_TASKS = ("auto", "classification", "regression")


@dataclass(frozen=True)
class TabularData:
    """A loaded table. Unpacks as ``X, y = load_tabular(...)``.

    Attributes:
        features: float32 (N, F).
        targets: int64 class indices (N,) for classification, float32 (N,) for regression.
        feature_names: the F column names, in order.
        target_name: the target column's name.
        classes: for classification, ``classes[i]`` is the original label of index ``i``
            (sorted); ``None`` for regression.
    """

    features: Any
    targets: Any
    feature_names: list[str]
    target_name: str
    classes: list[Any] | None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.features, self.targets))

    @property
    def task(self) -> str:
        return "regression" if self.classes is None else "classification"


def load_tabular(
    path: str | PathLike[str],
    target: str | int,
    *,
    features: Sequence[str | int] | None = None,
    task: Task = "auto",
    delimiter: str | None = None,
) -> TabularData:
    """Load a table with tensors for ``features`` and ``targets``.

    Args:
        path: a ``.csv``/``.tsv``/``.txt`` file with a header row, a ``.npy`` array (2-D, or
            structured with named fields) or a ``.npz`` archive of named arrays.
        target: the target column's name (CSV, structured .npy, .npz array name) or index
            (plain 2-D .npy).
        features: the feature columns to keep, in order; default every other column. For
            .npz, names of arrays: 1-D ones give one column, 2-D ones several.
        task: ``"classification"`` maps the target to class indices (text, or integer
            values); ``"regression"`` keeps it as float32; ``"auto"`` picks classification
            for a non-numeric target and regression for a numeric one.
        delimiter: CSV field separator; default ``","`` (``"\\t"`` for ``.tsv``).

    Returns:
        A :class:`TabularData`; ``X, y = load_tabular(...)`` unpacks the two tensors.

    Raises:
        FileNotFoundError: no such file.
        KeyError: the target or a feature column does not exist (the message lists those
            that do).
        ValueError: a malformed file (ragged CSV rows, a non-numeric feature cell, ...), an
            unknown suffix or task, or targets that do not fit ``task``.

    Example:
        >>> X, y = load_tabular("iris.csv", target="species")  # doctest: +SKIP
    """
    table = read_tabular(path, target, features=features, task=task, delimiter=delimiter)
    return dataclasses.replace(
        table, features=_to_tensor(table.features), targets=_to_tensor(table.targets)
    )


def read_tabular(
    path: str | PathLike[str],
    target: str | int,
    *,
    features: Sequence[str | int] | None = None,
    task: Task = "auto",
    delimiter: str | None = None,
) -> TabularData:
    """:func:`load_tabular` with NumPy arrays instead of tensors."""
    path = Path(path)
    if task not in _TASKS:
        raise ValueError(f"load_tabular: task must be one of {_TASKS}, got {task!r}")
    if not path.is_file():
        raise FileNotFoundError(f"load_tabular: no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        sep = delimiter or ("\t" if suffix == ".tsv" else ",")
        columns = _read_csv_columns(path, sep)
    elif suffix == ".npy":
        columns = _read_npy_columns(path)
    elif suffix == ".npz":
        columns = _read_npz_columns(path)
    else:
        raise ValueError(
            f"load_tabular: {path}: unsupported file type {suffix!r}; "
            "use .csv, .tsv, .txt, .npy or .npz"
        )
    return _assemble(path, columns, target, features, task)


# -- reading files into named columns ----------------------------------------------------------
# A "column" is (values, lines): values a 1-D array (str for CSV) or a 2-D array (npz), lines the
# CSV line numbers of its rows (for error messages) or None.

_Columns = dict[str, tuple[np.ndarray, list[int] | None]]


def _read_csv_columns(path: Path, delimiter: str) -> _Columns:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None:
                raise ValueError(f"load_tabular: {path} is empty; expected a header row")
            header = [name.strip() for name in header]
            _check_unique(path, header)
            rows, lines = [], []
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue  # blank line
                if len(row) != len(header):
                    raise ValueError(
                        f"load_tabular: {path}, line {reader.line_num}: {len(row)} fields, "
                        f"but the header has {len(header)}"
                    )
                rows.append(row)
                lines.append(reader.line_num)
        except csv.Error as e:
            raise ValueError(f"load_tabular: {path}, line {reader.line_num}: {e}") from e
    if not rows:
        raise ValueError(f"load_tabular: {path} has a header but no data rows")
    cells = np.array(rows, dtype=str)
    return {name: (cells[:, j], lines) for j, name in enumerate(header)}


def _read_npy_columns(path: Path) -> _Columns:
    array = np.load(path, allow_pickle=False)
    if array.dtype.names:  # structured: one column per field
        return {name: (array[name], None) for name in array.dtype.names}
    if array.ndim != 2:
        raise ValueError(
            f"load_tabular: {path}: expected a 2-D array (rows, columns), got shape {array.shape}"
        )
    return {str(j): (array[:, j], None) for j in range(array.shape[1])}


def _read_npz_columns(path: Path) -> _Columns:
    with np.load(path, allow_pickle=False) as archive:
        return {name: (archive[name], None) for name in archive.files}


def _check_unique(path: Path, names: list[str]) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise ValueError(f"load_tabular: {path}: duplicate column name {name!r}")
        seen.add(name)


# -- from columns to features and targets ------------------------------------------------------


def _assemble(
    path: Path,
    columns: _Columns,
    target: str | int,
    features: Sequence[str | int] | None,
    task: str,
) -> TabularData:
    target_name = _column_name(path, columns, target, "target")
    if features is None:
        feature_keys = [name for name in columns if name != target_name]
    else:
        feature_keys = [_column_name(path, columns, f, "feature") for f in features]
    if target_name in feature_keys:
        raise ValueError(f"load_tabular: {path}: {target_name!r} is both target and feature")
    if not feature_keys:
        raise ValueError(f"load_tabular: {path}: no feature columns besides {target_name!r}")

    y_values, _ = columns[target_name]
    if y_values.ndim != 1:
        raise ValueError(
            f"load_tabular: {path}: target {target_name!r} must be 1-D, got shape {y_values.shape}"
        )
    n = len(y_values)
    blocks, names = [], []
    for key in feature_keys:
        values, lines = columns[key]
        if len(values) != n:
            raise ValueError(
                f"load_tabular: {path}: {key!r} has {len(values)} rows, target "
                f"{target_name!r} has {n}"
            )
        block = _numeric(path, key, values, lines).reshape(n, -1)
        blocks.append(block)
        names += [key] if values.ndim == 1 else [f"{key}[{j}]" for j in range(block.shape[1])]
    x = np.concatenate(blocks, axis=1).astype(np.float32)
    y, classes = _encode_target(path, target_name, _maybe_numeric(y_values), task)
    return TabularData(x, y, names, target_name, classes)


def _column_name(path: Path, columns: _Columns, key: str | int, role: str) -> str:
    """A column given by name, or by position (negative counts from the end)."""
    names = list(columns)
    if isinstance(key, str) and key in columns:
        return key
    if isinstance(key, int) and not isinstance(key, bool) and -len(names) <= key < len(names):
        return names[key]
    raise KeyError(f"load_tabular: {path}: no {role} column {key!r}; the columns are {names}")


def _numeric(path: Path, name: str, values: np.ndarray, lines: list[int] | None) -> np.ndarray:
    """Feature values as float64; a clear error at the first cell that is not a number."""
    if values.dtype.kind in "biuf":
        return values.astype(np.float64)
    if values.dtype.kind != "U":
        raise ValueError(
            f"load_tabular: {path}: feature {name!r} has non-numeric dtype {values.dtype}"
        )
    out = np.empty(values.shape, dtype=np.float64)
    for i, cell in enumerate(values.reshape(-1).tolist()):
        try:
            out.flat[i] = float(cell)
        except ValueError:
            where = f"line {lines[i]}" if lines is not None else f"row {i}"
            what = "an empty cell" if not cell.strip() else f"{cell!r}, not a number"
            raise ValueError(
                f"load_tabular: {path}, {where}: feature {name!r} has {what}"
            ) from None
    return out


def _maybe_numeric(values: np.ndarray) -> np.ndarray:
    """CSV target cells as float64 if every one parses as a number, else stripped text."""
    if values.dtype.kind != "U":
        return values
    try:
        return np.array([float(v) for v in values], dtype=np.float64)
    except ValueError:
        return np.char.strip(values)


def _encode_target(
    path: Path, name: str, values: np.ndarray, task: str
) -> tuple[np.ndarray, list[Any] | None]:
    numeric = values.dtype.kind in "iuf"
    if not numeric and values.dtype.kind not in "bUS":
        raise ValueError(f"load_tabular: {path}: target {name!r} has unsupported {values.dtype}")
    if task == "regression" and not numeric:
        example = next((v for v in values if not _is_number(v)), values[0]).item()
        raise ValueError(
            f"load_tabular: {path}: task='regression' needs a numeric target, but {name!r} "
            f"has {example!r}"
        )
    if numeric and task != "classification":
        return values.astype(np.float32), None
    if numeric:
        bad = values[~np.isfinite(values) | (values != np.round(values))]
        if bad.size:
            raise ValueError(
                f"load_tabular: {path}: task='classification' needs text or integer targets, "
                f"but {name!r} has {float(bad[0])!r}; use task='regression' for real values"
            )
    classes, indices = np.unique(values, return_inverse=True)
    labels = [int(c) for c in classes] if numeric else classes.tolist()
    return indices.reshape(-1).astype(np.int64), labels


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
