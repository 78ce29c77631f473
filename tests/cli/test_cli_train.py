"""``feedforward train`` end to end, in subprocesses: the default digits job and its run
directory, MNIST / Fashion-MNIST, CSV classification and regression, config files, --resume and
--lr auto."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest
import safetensors.numpy
from cli_helpers import (
    TINY,
    blobs_csv,
    check_png,
    history,
    ok,
    read_csv,
    read_json,
    regression_csv,
    run_cli,
    shared_folder,
    test_value,
)

ARTIFACTS = [
    "config.toml",
    "history.csv",
    "history.json",
    "model.safetensors",
    "model.json",
    "checkpoint.safetensors",
    "metrics.json",
    "loss.png",
    "metrics.png",
    "confusion_matrix.png",
]


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """``feedforward train`` with no arguments, run in an empty folder."""
    cwd = tmp_path_factory.mktemp("default")
    result = ok(run_cli("train", cwd=cwd))
    (run_dir,) = (cwd / "runs").iterdir()  # runs/<timestamp>
    return result, run_dir


def test_default_job_trains_digits_and_prints_test_accuracy(default_run):
    result, run_dir = default_run
    accuracy = test_value(result.stdout)
    assert accuracy > 0.9
    metrics = read_json(run_dir / "metrics.json")
    assert metrics["accuracy"] == pytest.approx(accuracy, abs=5e-5)
    # 1797 digits cut 0.8 / 0.1 / 0.1 (split_lengths' rule)
    assert metrics["split"] == "test" and metrics["examples"] == 179
    assert "epoch 10/10" in result.stdout  # one line per epoch


def test_default_job_writes_every_artifact(default_run):
    _, run_dir = default_run
    for name in ARTIFACTS:
        assert (run_dir / name).is_file(), name
        assert (run_dir / name).stat().st_size > 0, name
    for png in ("loss.png", "metrics.png", "confusion_matrix.png"):
        check_png(run_dir / png)
    assert not (run_dir / "lr_find.png").exists()  # only with --lr auto


def test_history_csv_and_json_agree(default_run):
    _, run_dir = default_run
    rows = read_csv(run_dir / "history.csv")
    records = history(run_dir)
    assert [int(r["epoch"]) for r in rows] == list(range(1, 11))
    assert len(records) == 10
    for row, record in zip(rows, records):
        for key in ("train_loss", "valid_loss", "valid_accuracy"):
            assert float(row[key]) == pytest.approx(record[key], rel=1e-6)
    # training works: the loss falls
    assert records[-1]["train_loss"] < records[0]["train_loss"] / 2


def test_config_toml_holds_the_options_used(default_run):
    _, run_dir = default_run
    config = tomllib.loads((run_dir / "config.toml").read_text())
    assert config["data"] == "digits"
    assert config["hidden"] == [256, 128]
    assert config["epochs"] == 10 and config["lr"] == 1e-3 and config["seed"] == 0
    assert config["loss"] == "cross-entropy"  # the default by task, made explicit


def test_model_json_describes_the_model(default_run):
    _, run_dir = default_run
    meta = read_json(run_dir / "model.json")
    assert meta["format"] == "feedforward-run" and meta["format_version"] == 1
    arch = meta["architecture"]
    assert (arch["in_features"], arch["hidden"], arch["out_features"]) == (64, [256, 128], 10)
    assert meta["classes"] == list(range(10))
    assert len(meta["feature_names"]) == 64
    norm = meta["normalization"]
    assert norm["per_feature"] and len(norm["mean"]) == len(norm["std"]) == 64


def test_saved_weights_reload_into_torch_and_reproduce_test_accuracy(default_run):
    """model.safetensors is a plain state_dict: torch's identical Sequential loads it and, with
    the stored normalisation, gets the reported test accuracy on the same test split."""
    torch = pytest.importorskip("torch")
    from sklearn.datasets import load_digits

    from feedforward.datasets import train_val_test_split

    _, run_dir = default_run
    meta = read_json(run_dir / "model.json")
    state = {
        k: torch.from_numpy(v)
        for k, v in safetensors.numpy.load_file(run_dir / "model.safetensors").items()
    }
    net = torch.nn.Sequential(
        torch.nn.Linear(64, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 128),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )
    net.load_state_dict(state)
    digits = load_digits()
    _, _, (x_test, y_test) = train_val_test_split(
        digits.data.astype(np.float32), digits.target, fractions=(0.8, 0.1, 0.1), seed=0
    )
    mean = np.array(meta["normalization"]["mean"], dtype=np.float32)
    std = np.array(meta["normalization"]["std"], dtype=np.float32)
    with torch.no_grad():
        logits = net(torch.from_numpy((x_test - mean) / std)).numpy()
    accuracy = float(np.mean(logits.argmax(axis=1) == y_test))
    assert accuracy == pytest.approx(read_json(run_dir / "metrics.json")["accuracy"], abs=1e-9)


def test_evaluate_reproduces_metrics_json(default_run):
    _, run_dir = default_run
    result = ok(run_cli("evaluate", run_dir, "--json", "-"))
    assert json.loads(result.stdout) == pytest.approx(read_json(run_dir / "metrics.json"))


def test_mnist_from_shared_datasets(tmp_path):
    root = shared_folder("mnist").parent
    result = ok(
        run_cli(
            "train",
            "--data",
            "mnist",
            "--data-dir",
            root,
            "--limit",
            "4000",
            "--hidden",
            "64",
            "--epochs",
            "1",
            "--out",
            tmp_path / "run",
        )
    )
    assert test_value(result.stdout) > 0.8  # 1 epoch on 4000 images; chance is 0.1
    meta = read_json(tmp_path / "run" / "model.json")
    assert meta["image_shape"] == [28, 28] and len(meta["feature_names"]) == 784
    assert not meta["normalization"]["per_feature"]  # one mean/std for all pixels
    # a scalar mean close to MNIST's 0.1307 * 255 on this subset
    assert meta["normalization"]["mean"][0] == pytest.approx(0.1307 * 255, rel=0.05)
    metrics = read_json(tmp_path / "run" / "metrics.json")
    assert metrics["examples"] == 4000
    # evaluate reads the same 4000 test images again (the limit is part of the run's config)
    evaluated = json.loads(ok(run_cli("evaluate", tmp_path / "run", "--json", "-")).stdout)
    assert evaluated == pytest.approx(metrics)


def test_fashion_mnist_from_shared_datasets(tmp_path):
    root = shared_folder("fashion-mnist").parent
    result = ok(
        run_cli(
            "train",
            "--data",
            "fashion-mnist",
            "--data-dir",
            root,
            "--limit",
            "4000",
            "--hidden",
            "64",
            "--epochs",
            "1",
            "--out",
            tmp_path / "run",
        )
    )
    assert test_value(result.stdout) > 0.65
    meta = read_json(tmp_path / "run" / "model.json")
    assert meta["classes"][0] == "T-shirt/top" and meta["classes"][9] == "Ankle boot"


def test_csv_classification_with_string_labels(tmp_path):
    data = blobs_csv(tmp_path / "blobs.csv")
    result = ok(
        run_cli(
            "train",
            "--data",
            f"csv:{data}",
            "--target",
            "species",
            "--hidden",
            "32",
            "--epochs",
            "20",
            "--lr",
            "3e-3",
            "--out",
            tmp_path / "run",
        )
    )
    assert test_value(result.stdout) > 0.9
    meta = read_json(tmp_path / "run" / "model.json")
    assert meta["task"] == "classification"
    assert meta["classes"] == ["alpha", "beta", "gamma"]
    assert meta["feature_names"] == ["a", "b", "c", "d"]
    check_png(tmp_path / "run" / "confusion_matrix.png")


def test_csv_regression(tmp_path):
    data = regression_csv(tmp_path / "houses.csv")
    result = ok(
        run_cli(
            "train",
            "--data",
            f"csv:{data}",
            "--target",
            "price",
            "--hidden",
            "64,64",
            "--epochs",
            "40",
            "--lr",
            "3e-3",
            "--quiet",
            "--out",
            tmp_path / "run",
        )
    )
    r2 = test_value(result.stdout, "r2")
    assert r2 > 0.9
    metrics = read_json(tmp_path / "run" / "metrics.json")
    assert metrics["r2"] == pytest.approx(r2, abs=5e-5)
    assert metrics["mae"] < 5  # in the target's units (spread 20 around 100)
    meta = read_json(tmp_path / "run" / "model.json")
    assert meta["task"] == "regression" and meta["classes"] is None
    assert not (tmp_path / "run" / "confusion_matrix.png").exists()
    assert result.stdout.strip().count("\n") == 0  # --quiet: just the final line


def test_config_file_sets_options_and_command_line_wins(tmp_path):
    config = tmp_path / "job.toml"
    config.write_text(
        'hidden = [24, 12]\nepochs = 2\nbatch-size = 32\nactivation = "tanh"\n'
        'init = "xavier"\ndropout = 0.1\nbatchnorm = true\n'
        'schedule = "onecycle"\nlr = 0.01\n'
    )
    ok(run_cli("train", "--config", config, "--epochs", "3", "--out", tmp_path / "run"))
    saved = tomllib.loads((tmp_path / "run" / "config.toml").read_text())
    assert saved["epochs"] == 3  # the command line won
    assert (saved["hidden"], saved["batch_size"], saved["activation"]) == ([24, 12], 32, "tanh")
    assert len(history(tmp_path / "run")) == 3
    info = ok(run_cli("info", tmp_path / "run")).stdout
    for layer in ("BatchNorm1d(24", "Tanh()", "Dropout(p=0.1", "Linear(in_features=12, out"):
        assert layer in info


def test_resume_continues_the_run_exactly(tmp_path):
    straight, first = tmp_path / "straight", tmp_path / "resumed"
    ok(run_cli("train", *TINY[:2], "--epochs", "4", "--quiet", "--out", straight))
    ok(run_cli("train", *TINY[:2], "--epochs", "2", "--quiet", "--out", first))
    result = ok(run_cli("train", "--resume", "--epochs", "4", "--out", first))
    assert "epoch 3/4" in result.stdout and "epoch 1/4" not in result.stdout
    resumed, expected = history(first), history(straight)
    assert [r["epoch"] for r in resumed] == [1, 2, 3, 4]
    for got, want in zip(resumed, expected):
        assert got["train_loss"] == pytest.approx(want["train_loss"], rel=1e-6)
        assert got["valid_loss"] == pytest.approx(want["valid_loss"], rel=1e-6)
    assert read_json(first / "metrics.json") == pytest.approx(read_json(straight / "metrics.json"))


def test_lr_auto_runs_the_finder_and_uses_its_suggestion(tmp_path):
    result = ok(run_cli("train", *TINY, "--lr", "auto", "--out", tmp_path / "run"))
    assert "lr finder:" in result.stdout
    check_png(tmp_path / "run" / "lr_find.png")
    lr = tomllib.loads((tmp_path / "run" / "config.toml").read_text())["lr"]
    assert isinstance(lr, float) and 1e-6 < lr < 10
    # the optimizer ran with the suggested lr (no schedule: it stays constant)
    records = history(tmp_path / "run")
    assert records[0]["lr"] == pytest.approx(lr, rel=1e-6)


def test_early_stopping_stops_and_keeps_the_best_weights(tmp_path):
    result = ok(
        run_cli(
            "train",
            "--hidden",
            "64",
            "--epochs",
            "60",
            "--lr",
            "0.01",
            "--early-stopping",
            "2",
            "--out",
            tmp_path / "run",
        )
    )
    records = history(tmp_path / "run")
    assert len(records) < 60
    assert "EarlyStopping" in result.stdout
    assert read_json(tmp_path / "run" / "history.json")["stop_reason"].startswith("EarlyStopping")
    best = min(r["valid_loss"] for r in records)
    evaluated = json.loads(
        ok(run_cli("evaluate", tmp_path / "run", "--subset", "valid", "--json", "-")).stdout
    )
    assert evaluated["loss"] == pytest.approx(best, rel=1e-5)
