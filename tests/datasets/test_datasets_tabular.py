"""load_tabular / read_tabular on CSV, .npy and .npz files, good and malformed."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from dataset_helpers import needs_tensor
from hypothesis import given, settings
from hypothesis import strategies as st

import feedforward as ff
from feedforward.datasets import load_tabular, read_tabular

IRIS_LIKE = """sepal_length,sepal_width,species
5.1,3.5,setosa
7.0,3.2,versicolor
6.3,3.3,virginica
4.9,3.0,setosa

6.4,3.2, versicolor
"""


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_csv_with_text_target_is_classification(tmp_path):
    table = read_tabular(write_csv(tmp_path / "iris.csv", IRIS_LIKE), target="species")
    assert table.features.dtype == np.float32 and table.features.shape == (5, 2)
    np.testing.assert_array_equal(table.features[:, 0], np.float32([5.1, 7.0, 6.3, 4.9, 6.4]))
    assert table.feature_names == ["sepal_length", "sepal_width"]
    assert table.classes == ["setosa", "versicolor", "virginica"]  # sorted, whitespace stripped
    assert table.targets.dtype == np.int64
    assert [table.classes[i] for i in table.targets] == [
        "setosa",
        "versicolor",
        "virginica",
        "setosa",
        "versicolor",
    ]
    assert table.task == "classification" and table.target_name == "species"


def test_numeric_target_regression_by_default_classes_on_request(tmp_path):
    path = write_csv(tmp_path / "wine.csv", "a,quality,b\n1,5,2\n3,7,4\n5,5,6\n7,3,8\n")
    reg = read_tabular(path, target="quality")
    assert reg.task == "regression" and reg.classes is None
    assert reg.targets.dtype == np.float32
    np.testing.assert_array_equal(reg.targets, np.float32([5, 7, 5, 3]))
    np.testing.assert_array_equal(reg.features, np.float32([[1, 2], [3, 4], [5, 6], [7, 8]]))
    cls = read_tabular(path, target="quality", task="classification")
    assert cls.classes == [3, 5, 7]
    np.testing.assert_array_equal(cls.targets, np.int64([1, 2, 1, 0]))


def test_text_target_with_regression_task_is_an_error(tmp_path):
    path = write_csv(tmp_path / "iris.csv", IRIS_LIKE)
    with pytest.raises(ValueError, match="task='regression'.*'setosa'"):
        read_tabular(path, target="species", task="regression")


def test_real_valued_target_cannot_be_classes(tmp_path):
    path = write_csv(tmp_path / "r.csv", "x,y\n1,0.5\n2,1\n")
    with pytest.raises(ValueError, match="integer targets, but 'y' has 0.5"):
        read_tabular(path, target="y", task="classification")


def test_feature_selection_and_position(tmp_path):
    path = write_csv(tmp_path / "t.csv", "a,b,c,y\n1,2,3,0\n4,5,6,1\n")
    table = read_tabular(path, target=-1, features=["c", "a"])
    assert table.target_name == "y" and table.feature_names == ["c", "a"]
    np.testing.assert_array_equal(table.features, np.float32([[3, 1], [6, 4]]))


def test_missing_target_lists_the_columns(tmp_path):
    path = write_csv(tmp_path / "iris.csv", IRIS_LIKE)
    with pytest.raises(KeyError) as info:
        read_tabular(path, target="label")
    message = str(info.value)
    assert "'label'" in message and "sepal_length" in message and "species" in message
    with pytest.raises(KeyError, match="no feature column 'petal'"):
        read_tabular(path, target="species", features=["petal"])


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        read_tabular(tmp_path / "nope.csv", target="y")


@pytest.mark.parametrize(
    "text,message",
    [
        ("a,b,y\n1,2,0\n3,4\n", r"line 3: 2 fields, but the header has 3"),
        ("a,b,y\n1,2,0\n3,4,1,9\n", r"line 3: 4 fields, but the header has 3"),
        ("a,b,y\n1,2,0\n3,oops,1\n", r"line 3: feature 'b' has 'oops', not a number"),
        ("a,b,y\n1,,0\n", r"line 2: feature 'b' has an empty cell"),
        ("", r"is empty"),
        ("a,b,y\n", r"no data rows"),
        ("a,a,y\n1,2,3\n", r"duplicate column name 'a'"),
    ],
)
def test_malformed_csv(tmp_path, text, message):
    path = write_csv(tmp_path / "bad.csv", text)
    with pytest.raises(ValueError, match=message) as info:
        read_tabular(path, target="y")
    assert str(path) in str(info.value)


def test_bad_task_and_suffix(tmp_path):
    path = write_csv(tmp_path / "iris.csv", IRIS_LIKE)
    with pytest.raises(ValueError, match="task must be one of"):
        read_tabular(path, target="species", task="clustering")
    other = write_csv(tmp_path / "iris.xlsx", IRIS_LIKE)
    with pytest.raises(ValueError, match="unsupported file type '.xlsx'"):
        read_tabular(other, target="species")


@settings(max_examples=25, deadline=None)
@given(
    rows=st.integers(1, 30),
    cols=st.integers(1, 5),
    n_classes=st.integers(1, 4),
    seed=st.integers(0, 2**31 - 1),
)
def test_csv_round_trip_matches_numpy(tmp_path_factory, rows, cols, n_classes, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    names = np.array(["cat", "dog", "emu", "fox"])[:n_classes]
    labels = rng.choice(names, rows)
    path = tmp_path_factory.mktemp("csv") / "data.tsv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, delimiter="\t")
        writer.writerow([f"f{j}" for j in range(cols)] + ["label"])
        writer.writerows([*map(repr, map(float, row)), lab] for row, lab in zip(x, labels))
    table = read_tabular(path, target="label")
    np.testing.assert_array_equal(table.features, x)
    classes, expected = np.unique(labels, return_inverse=True)
    assert table.classes == classes.tolist()
    np.testing.assert_array_equal(table.targets, expected)


def test_npy_plain_and_structured(tmp_path):
    array = np.array([[1.0, 2.0, 0.0], [3.0, 4.0, 1.0], [5.0, 6.0, 1.0]])
    np.save(tmp_path / "plain.npy", array)
    table = read_tabular(tmp_path / "plain.npy", target=2, task="classification")
    np.testing.assert_array_equal(table.features, array[:, :2].astype(np.float32))
    np.testing.assert_array_equal(table.targets, np.int64([0, 1, 1]))
    assert table.feature_names == ["0", "1"] and table.classes == [0, 1]

    structured = np.array(
        [(1.5, 2, "a"), (2.5, 3, "b")], dtype=[("x", "f8"), ("n", "i4"), ("kind", "U3")]
    )
    np.save(tmp_path / "rec.npy", structured)
    table = read_tabular(tmp_path / "rec.npy", target="kind")
    assert table.feature_names == ["x", "n"] and table.classes == ["a", "b"]
    np.testing.assert_array_equal(table.features, np.float32([[1.5, 2], [2.5, 3]]))

    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"expected a 2-D array.*\(2, 2, 2\)"):
        read_tabular(tmp_path / "cube.npy", target=0)


def test_npz_named_arrays(tmp_path):
    x = np.arange(12, dtype=np.float64).reshape(4, 3)
    np.savez(tmp_path / "xy.npz", X=x, y=np.array([0.5, 1.5, 2.5, 3.5]))
    table = read_tabular(tmp_path / "xy.npz", target="y")
    np.testing.assert_array_equal(table.features, x.astype(np.float32))
    assert table.feature_names == ["X[0]", "X[1]", "X[2]"] and table.task == "regression"

    np.savez(tmp_path / "cols.npz", height=x[:, 0], weight=x[:, 1], label=np.array(list("abab")))
    table = read_tabular(tmp_path / "cols.npz", target="label")
    assert table.feature_names == ["height", "weight"] and table.classes == ["a", "b"]
    np.testing.assert_array_equal(table.features, x[:, :2].astype(np.float32))

    np.savez(tmp_path / "ragged.npz", X=x, y=np.zeros(3))
    with pytest.raises(ValueError, match="'X' has 4 rows, target 'y' has 3"):
        read_tabular(tmp_path / "ragged.npz", target="y")
    with pytest.raises(KeyError, match=r"no target column 'labels'.*\['X', 'y'\]"):
        read_tabular(tmp_path / "ragged.npz", target="labels")


@needs_tensor
def test_load_tabular_gives_tensors_and_unpacks(tmp_path):
    path = write_csv(tmp_path / "iris.csv", IRIS_LIKE)
    x, y = load_tabular(path, target="species")
    table = read_tabular(path, target="species")
    assert x.dtype == ff.float32 and y.dtype == ff.int64
    np.testing.assert_array_equal(x.numpy(), table.features)
    np.testing.assert_array_equal(y.numpy(), table.targets)
