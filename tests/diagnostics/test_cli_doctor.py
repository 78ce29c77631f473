"""``feedforward doctor`` and ``feedforward train --diagnostics`` in subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from diag_helpers import REPO, SHARED


def run_cli(*args: object, cwd=None) -> subprocess.CompletedProcess:
    """``python -m feedforward ARGS`` with this checkout first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["MPLBACKEND"] = "Agg"
    env.pop("FEEDFORWARD_DATA", None)
    return subprocess.run(
        [sys.executable, "-m", "feedforward", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=180,
    )


def test_healthy_default_model_prints_a_clean_table_and_exits_0():
    result = run_cli("doctor", "--steps", "20")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("data: digits")  # the same job as train builds
    assert "doctor: 0 errors, 0 warnings, 0 info" in result.stdout
    assert "no findings" in result.stdout
    assert "optimizer: Adam(lr=0.001)" in result.stdout


def test_error_finding_exits_1_with_the_table():
    result = run_cli("doctor", "--optimizer", "sgd", "--lr", "1000", "--steps", "20", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert out.startswith("doctor: ") and "error" in out.splitlines()[0]
    header = next(line for line in out.splitlines() if line.startswith("SEVERITY"))
    assert header.split() == ["SEVERITY", "CODE", "WHERE", "MEASURED", "THRESHOLD"]
    assert "lr-too-high" in out and "fix: lower the learning rate" in out
    assert "Traceback" not in result.stderr


def test_json_output_parses_and_matches_the_exit_status():
    result = run_cli("doctor", "--optimizer", "sgd", "--lr", "1000", "--steps", "20", "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)  # stdout is the JSON only; progress went to stderr
    assert "data: digits" in result.stderr
    assert report["counts"]["error"] >= 1
    codes = {f["code"] for f in report["findings"]}
    assert "lr-too-high" in codes
    lr_finding = next(f for f in report["findings"] if f["code"] == "lr-too-high")
    assert lr_finding["severity"] == "error" and lr_finding["suggestion"]["lr"] < 1000


def test_warnings_only_exit_0_and_name_the_layer():
    deep = ",".join(["64"] * 8)
    result = run_cli(
        "doctor", "--activation", "sigmoid", "--hidden", deep, "--steps", "10", "--json"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    found = {f["code"]: f for f in report["findings"]}
    assert found["vanishing-gradients"]["where"] == "0.weight"
    assert report["counts"]["error"] == 0


def test_lr_auto_is_a_one_line_error():
    result = run_cli("doctor", "--lr", "auto")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("feedforward: error: doctor: --lr auto")
    assert len(result.stderr.strip().splitlines()) == 1


def test_healthy_on_real_fashion_mnist():
    if not (SHARED / "fashion-mnist").is_dir():
        pytest.skip(f"Fashion-MNIST not found in {SHARED}")
    result = run_cli(
        "doctor", "--data", "fashion-mnist", "--data-dir", SHARED, "--limit", "2000",
        "--steps", "30", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"] == {"error": 0, "warning": 0, "info": 0}, report["findings"]


def test_train_diagnostics_writes_the_plots_to_the_run_dir(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "run"
    result = run_cli(
        "train", "--hidden", "16", "--epochs", "2", "--diagnostics", "--out", out, "--quiet"
    )
    assert result.returncode == 0, result.stderr
    from feedforward.diagnostics.plots import FIGURES

    for name in FIGURES:
        assert (out / name).stat().st_size > 5000, name
