"""``feedforward lr-find``, ``evaluate``, ``predict`` and ``info`` end to end, in subprocesses;
their outputs are checked against each other and against independent computations."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import (
    blobs_csv,
    check_png,
    ok,
    read_csv,
    read_json,
    regression_csv,
    run_cli,
    write_csv,
)


@pytest.fixture(scope="module")
def blobs_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("blobs")
    data = blobs_csv(folder / "blobs.csv", n=300)
    ok(
        run_cli(
            "train",
            "--data",
            f"csv:{data}",
            "--target",
            "species",
            "--hidden",
            "16",
            "--epochs",
            "8",
            "--lr",
            "3e-3",
            "--quiet",
            "--out",
            folder / "run",
        )
    )
    return folder / "run", data


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("digits")
    ok(run_cli("train", "--hidden", "32", "--epochs", "8", "--quiet", "--out", folder / "run"))
    return folder / "run"


def _labels(path):
    rows = read_csv(path)
    return [r["species"] for r in rows]


def test_predict_csv_gives_labels_and_probabilities(blobs_run, tmp_path):
    run_dir, data = blobs_run
    out = tmp_path / "preds.csv"
    result = ok(run_cli("predict", run_dir, data, "--out", out))
    assert "wrote 300 predictions" in result.stderr
    rows = read_csv(out)
    assert list(rows[0]) == ["prediction", "p_alpha", "p_beta", "p_gamma"]
    probs = np.array([[float(r[f"p_{c}"]) for c in ("alpha", "beta", "gamma")] for r in rows])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    predicted = [r["prediction"] for r in rows]
    # the label is the most probable class
    assert predicted == [("alpha", "beta", "gamma")[i] for i in probs.argmax(axis=1)]
    # and the predictions' accuracy is what evaluate measures on every row
    accuracy = np.mean(np.array(predicted) == np.array(_labels(data)))
    evaluated = json.loads(
        ok(run_cli("evaluate", run_dir, "--subset", "all", "--json", "-")).stdout
    )
    assert evaluated["examples"] == 300
    assert evaluated["accuracy"] == pytest.approx(accuracy, abs=1e-12)


def test_predict_matches_columns_by_name_or_position(blobs_run, tmp_path):
    run_dir, data = blobs_run
    rows = read_csv(data)[:20]
    expected = read_csv_from_stdout(ok(run_cli("predict", run_dir, data)).stdout)[:21]
    shuffled = write_csv(
        tmp_path / "shuffled.csv",
        ["d", "species", "b", "a", "c"],
        [[r["d"], r["species"], r["b"], r["a"], r["c"]] for r in rows],
    )
    unnamed = write_csv(
        tmp_path / "unnamed.csv",
        ["f1", "f2", "f3", "f4"],
        [[r["a"], r["b"], r["c"], r["d"]] for r in rows],
    )
    for inputs in (shuffled, unnamed):
        assert read_csv_from_stdout(ok(run_cli("predict", run_dir, inputs)).stdout) == expected


def read_csv_from_stdout(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.strip().splitlines()]


def test_predict_regression_in_the_targets_units(tmp_path):
    from sklearn.metrics import r2_score

    data = regression_csv(tmp_path / "houses.csv", n=400)
    ok(
        run_cli(
            "train",
            "--data",
            f"csv:{data}",
            "--target",
            "price",
            "--hidden",
            "32",
            "--epochs",
            "10",
            "--lr",
            "3e-3",
            "--quiet",
            "--out",
            tmp_path / "run",
        )
    )
    out = tmp_path / "preds.csv"
    ok(run_cli("predict", tmp_path / "run", data, "--out", out))
    predicted = np.array([float(r["prediction"]) for r in read_csv(out)])
    actual = np.array([float(r["price"]) for r in read_csv(data)])
    assert abs(predicted.mean() - actual.mean()) < 5  # around 100, not around 0
    evaluated = json.loads(
        ok(run_cli("evaluate", tmp_path / "run", "--subset", "all", "--json", "-")).stdout
    )
    assert evaluated["r2"] == pytest.approx(r2_score(actual, predicted), abs=1e-4)
    assert evaluated["mae"] == pytest.approx(np.abs(predicted - actual).mean(), rel=1e-4)


def test_predict_npy_images_and_flat_rows_alike(digits_run, tmp_path):
    from sklearn.datasets import load_digits

    digits = load_digits()
    np.save(tmp_path / "images.npy", digits.images[:50].astype(np.float32))  # (50, 8, 8)
    np.save(tmp_path / "flat.npy", digits.data[:50])  # (50, 64) float64
    images = ok(run_cli("predict", digits_run, tmp_path / "images.npy")).stdout
    flat = ok(run_cli("predict", digits_run, tmp_path / "flat.npy")).stdout
    assert images == flat
    predicted = [int(line.split(",")[0]) for line in images.strip().splitlines()[1:]]
    assert len(predicted) == 50
    assert np.mean(np.array(predicted) == digits.target[:50]) > 0.8


def test_evaluate_subsets_and_text_output(digits_run, tmp_path):
    out = tmp_path / "m.json"
    result = ok(run_cli("evaluate", digits_run, "--subset", "valid", "--json", out))
    assert result.stdout.startswith("digits: valid accuracy: ")
    valid = read_json(out)
    assert valid["split"] == "valid" and valid["examples"] == 180
    # the last epoch's validation metrics, measured again from the saved model
    last = read_json(digits_run / "history.json")["epochs"][-1]
    assert valid["accuracy"] == pytest.approx(last["valid_accuracy"], abs=1e-12)
    assert valid["loss"] == pytest.approx(last["valid_loss"], rel=1e-5)


def test_info_prints_the_model_like_torch(digits_run):
    torch = pytest.importorskip("torch")
    from safetensors.numpy import load_file

    text = ok(run_cli("info", digits_run)).stdout
    expected = repr(
        torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    )
    assert expected in text
    count = sum(a.size for a in load_file(digits_run / "model.safetensors").values())
    assert f"parameters: {count:,} ({count:,} trainable)" in text
    metrics = read_json(digits_run / "metrics.json")
    assert f"accuracy {metrics['accuracy']:.4g}" in text
    assert "10 classes" in text and "task: classification" in text


def test_lr_find_prints_suggestions_and_writes_the_plot(tmp_path):
    result = ok(
        run_cli("lr-find", "--hidden", "16", "--num-it", "40", "--plot", tmp_path / "lr.png")
    )
    lines = result.stdout.splitlines()
    for rule in ("steepest", "valley", "minimum/10"):
        assert any(line.strip().startswith(f"{rule}:") for line in lines), rule
    suggested = [line for line in lines if line.startswith("suggested lr: ")]
    assert len(suggested) == 1 and 1e-7 <= float(suggested[0].split()[2]) <= 10
    check_png(tmp_path / "lr.png")


def test_no_command_prints_help():
    result = run_cli()
    assert "train" in result.stdout and "predict" in result.stdout and "COMMAND" in result.stdout
