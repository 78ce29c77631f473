"""Bad input to every subcommand: a non-zero exit and ONE line on stderr,
``feedforward: error: ...``, that names what was wrong, and never a traceback. Plus: every
subcommand's --help documents every option."""

from __future__ import annotations

import argparse
import json

import pytest
from cli_helpers import assert_one_line_error, blobs_csv, ok, run_cli, write_csv

from feedforward.cli import build_parser


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small run on a CSV of three string-labelled blobs (4 features a, b, c, d)."""
    folder = tmp_path_factory.mktemp("trained")
    data = blobs_csv(folder / "blobs.csv", n=200)
    ok(
        run_cli(
            "train",
            "--data",
            f"csv:{data}",
            "--target",
            "species",
            "--hidden",
            "8",
            "--epochs",
            "1",
            "--quiet",
            "--out",
            folder / "run",
        )
    )
    return folder / "run", data


# -- train: data problems ----------------------------------------------------------------------


def test_missing_csv(tmp_path):
    result = run_cli("train", "--data", f"csv:{tmp_path / 'nope.csv'}", "--target", "y")
    assert_one_line_error(result, "no such file", "nope.csv")


def test_csv_row_with_missing_fields(tmp_path):
    data = tmp_path / "bad.csv"
    data.write_text("a,b,y\n1,2,x\n3,4\n")
    assert_one_line_error(
        run_cli("train", "--data", f"csv:{data}", "--target", "y"), "line 3", "2 fields"
    )


def test_csv_cell_that_is_not_a_number(tmp_path):
    data = write_csv(tmp_path / "bad.csv", ["a", "b", "y"], [[1, 2, "x"], [3, "oops", "y"]])
    assert_one_line_error(
        run_cli("train", "--data", f"csv:{data}", "--target", "y"), "line 3", "'oops'"
    )


def test_target_column_that_does_not_exist(tmp_path):
    data = blobs_csv(tmp_path / "blobs.csv", n=30)
    line = assert_one_line_error(
        run_cli("train", "--data", f"csv:{data}", "--target", "kind"), "'kind'"
    )
    assert "species" in line  # the message lists the columns there are


def test_csv_without_target_lists_the_columns(tmp_path):
    data = blobs_csv(tmp_path / "blobs.csv", n=30)
    assert_one_line_error(run_cli("train", "--data", f"csv:{data}"), "--target", "species")


def test_image_data_not_in_data_dir(tmp_path):
    assert_one_line_error(
        run_cli("train", "--data", "mnist", "--data-dir", tmp_path),
        "mnist",
        "not found",
        "--download",
    )
    assert_one_line_error(
        run_cli("train", "--data", "mnist", "--data-dir", tmp_path / "no"), "no such directory"
    )


def test_loss_for_the_other_task():
    assert_one_line_error(run_cli("train", "--loss", "mse"), "--loss mse", "classification")


def test_training_that_diverges():
    result = run_cli("train", "--optimizer", "sgd", "--lr", "10", "--epochs", "2")
    assert_one_line_error(result, "diverged", "non-finite", "--lr")


# -- train: option values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--activation", "swish2"], ["--activation", "'swish2'", "relu"]),
        (["--optimizer", "adamax9"], ["--optimizer", "adamax9"]),
        (["--data", "cifar"], ["--data", "'cifar'"]),
        (["--epochs", "0"], ["--epochs", ">= 1"]),
        (["--lr", "-1"], ["--lr", "'-1'"]),
        (["--hidden", "64,x"], ["--hidden", "'64,x'"]),
        (["--split", "0.5,0.2"], ["--split", "sum to 1"]),
        (["--dropout", "1.5"], ["--dropout", "<= 1"]),
        (["--frobnicate"], ["unrecognized", "--frobnicate", "feedforward train --help"]),
    ],
)
def test_bad_option_value(args, fragments):
    assert_one_line_error(run_cli("train", *args), *fragments)


def test_config_file_problems(tmp_path):
    assert_one_line_error(run_cli("train", "--config", tmp_path / "none.toml"), "not found")
    bad = tmp_path / "bad.toml"
    bad.write_text("epochs = = 3\n")
    assert_one_line_error(run_cli("train", "--config", bad), "not valid TOML")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("epoch = 3\n")
    assert_one_line_error(run_cli("train", "--config", unknown), "unknown option 'epoch'")
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('activation = "nope"\n')
    assert_one_line_error(run_cli("train", "--config", wrong), "activation", "'nope'")


def test_out_that_already_holds_a_run(trained):
    run_dir, _ = trained
    assert_one_line_error(run_cli("train", "--out", run_dir), "already holds a run", "--resume")


def test_resume_problems(tmp_path):
    assert_one_line_error(run_cli("train", "--resume"), "--resume needs --out")
    assert_one_line_error(run_cli("train", "--resume", "--out", tmp_path), "config.toml")


def test_resume_refuses_a_changed_model(trained):
    run_dir, _ = trained
    assert_one_line_error(
        run_cli("train", "--resume", "--out", run_dir, "--epochs", "3", "--hidden", "32"),
        "--hidden",
        "can't change",
    )


# -- predict / evaluate / info: run directories and inputs --------------------------------------


def test_predict_on_csv_with_the_wrong_number_of_columns(trained, tmp_path):
    run_dir, _ = trained
    inputs = write_csv(tmp_path / "x.csv", ["a", "b", "c"], [[1, 2, 3]])
    assert_one_line_error(run_cli("predict", run_dir, inputs), "3 columns", "4 features")


def test_predict_on_npy_of_the_wrong_shape(trained, tmp_path):
    import numpy as np

    run_dir, _ = trained
    np.save(tmp_path / "x.npy", np.zeros((5, 7), np.float32))
    assert_one_line_error(run_cli("predict", run_dir, tmp_path / "x.npy"), "(N, 4)", "(5, 7)")


def test_predict_on_a_malformed_csv(trained, tmp_path):
    run_dir, _ = trained
    inputs = write_csv(tmp_path / "x.csv", ["a", "b", "c", "d"], [[1, 2, 3, 4], [1, 2, "?", 4]])
    assert_one_line_error(run_cli("predict", run_dir, inputs), "line 3", "'?'")


def test_predict_on_a_missing_input(trained, tmp_path):
    run_dir, _ = trained
    assert_one_line_error(run_cli("predict", run_dir, tmp_path / "x.csv"), "no such file")


@pytest.mark.parametrize("command", [["info"], ["evaluate"], ["predict"]])
def test_not_a_run_directory(command, tmp_path, trained):
    _, data = trained
    extra = [data] if command == ["predict"] else []
    assert_one_line_error(run_cli(*command, tmp_path, *extra), "not a feedforward run directory")
    assert_one_line_error(run_cli(*command, tmp_path / "missing", *extra), "no such run directory")


@pytest.mark.parametrize("command", [["info"], ["evaluate"], ["predict"]])
def test_run_directory_of_another_format_version(command, trained, tmp_path):
    import shutil

    run_dir, data = trained
    copy = tmp_path / "future"
    shutil.copytree(run_dir, copy)
    meta = json.loads((copy / "model.json").read_text())
    meta["format_version"] = 99
    (copy / "model.json").write_text(json.dumps(meta))
    extra = [data] if command == ["predict"] else []
    assert_one_line_error(run_cli(*command, copy, *extra), "format version 99", "reads version 1")


def test_evaluate_on_data_with_other_columns(trained, tmp_path):
    run_dir, _ = trained
    other = write_csv(tmp_path / "o.csv", ["a", "b", "x", "d", "species"], [[1, 2, 3, 4, "beta"]])
    assert_one_line_error(
        run_cli("evaluate", run_dir, "--data", f"csv:{other}", "--subset", "all"), "'c'"
    )
    labels = write_csv(tmp_path / "l.csv", ["a", "b", "c", "d", "species"], [[1, 2, 3, 4, "x"]])
    assert_one_line_error(
        run_cli("evaluate", run_dir, "--data", f"csv:{labels}", "--subset", "all"), "'x'", "classes"
    )


def test_lr_find_bad_input(tmp_path):
    assert_one_line_error(
        run_cli("lr-find", "--data", f"csv:{tmp_path / 'n.csv'}", "--target", "y"), "no such file"
    )
    assert_one_line_error(run_cli("lr-find", "--start-lr", "1", "--end-lr", "0.1"), "--end-lr")


def test_traceback_flag_shows_the_traceback(tmp_path):
    result = run_cli("--traceback", "info", tmp_path)
    assert result.returncode != 0 and "Traceback" in result.stderr


# -- help -------------------------------------------------------------------------------------


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


@pytest.mark.parametrize("command", sorted(_subparsers()))
def test_help_documents_every_option(command):
    result = ok(run_cli(command, "--help"))
    parser = _subparsers()[command]
    for action in parser._actions:
        assert action.help and action.help != argparse.SUPPRESS, action
        for flag in action.option_strings:
            assert flag in result.stdout, f"{command} --help lacks {flag}"
        if not action.option_strings:
            assert (action.metavar or action.dest) in result.stdout


def test_train_help_has_the_documented_options():
    text = ok(run_cli("train", "--help")).stdout
    for flag in (
        "--data",
        "--data-dir",
        "--target",
        "--download",
        "--hidden",
        "--activation",
        "--dropout",
        "--batchnorm",
        "--init",
        "--loss",
        "--optimizer",
        "--lr",
        "--schedule",
        "--epochs",
        "--batch-size",
        "--weight-decay",
        "--split",
        "--early-stopping",
        "--seed",
        "--out",
        "--resume",
        "--config",
        "--quiet",
        "--limit",
    ):
        assert flag in text, flag
