"""Helpers for the command-line tests: run ``python -m feedforward`` in a subprocess, make data."""

from __future__ import annotations

import csv
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
# the real MNIST / Fashion-MNIST files: ../shared/datasets beside the checkout
SHARED = REPO.parent / "shared" / "datasets"

# small and fast, for tests that are about the plumbing rather than the accuracy
TINY = ("--hidden", "16", "--epochs", "2")


def run_cli(
    *args: object, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
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
        timeout=timeout,
    )


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    """Assert the command succeeded (showing its output if not)."""
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """Non-zero exit, and stderr is exactly one line ``feedforward: error: ...`` naming the
    problem (every fragment appears in it, case-insensitively), with no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("feedforward: error: "), line
    for fragment in fragments:
        assert fragment.lower() in line.lower(), f"{fragment!r} not in {line!r}"
    return line


def shared_folder(name: str) -> Path:
    folder = SHARED / name
    if not (folder / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real dataset files not found in {folder}")
    return folder


def test_value(stdout: str, metric: str = "accuracy") -> float:
    """The number of the final ``test <metric>: 0.9611`` line."""
    for line in stdout.splitlines():
        if line.startswith(f"test {metric}: "):
            return float(line.split()[2])
    raise AssertionError(f"no 'test {metric}:' line in\n{stdout}")


test_value.__test__ = False  # a helper, not a test


def read_json(path: Path):
    return json.loads(path.read_text())


def history(run_dir: Path) -> list[dict]:
    """The per-epoch records of a run's history.json."""
    return read_json(run_dir / "history.json")["epochs"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def check_png(path: Path) -> tuple[int, int]:
    """Assert ``path`` is a complete, non-empty PNG (signature, IHDR, CRCs, IEND); returns its
    (width, height)."""
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, chunks, size = 8, [], None
    while pos < len(raw):
        (length,) = struct.unpack(">I", raw[pos : pos + 4])
        kind = raw[pos + 4 : pos + 8]
        body = raw[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", raw[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"{path}: bad CRC in {kind!r}"
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        chunks.append(kind)
        pos += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND" and b"IDAT" in chunks, chunks
    assert size is not None and size[0] > 50 and size[1] > 50, size
    return size


def write_csv(path: Path, header: list[str], rows) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def blobs_csv(path: Path, n: int = 600, seed: int = 0) -> Path:
    """Three Gaussian blobs in 4-D labelled by name (string class labels), plus a noise column."""
    rng = np.random.default_rng(seed)
    names = np.array(["alpha", "beta", "gamma"])
    centers = rng.normal(0, 3, size=(3, 4))
    labels = rng.integers(0, 3, size=n)
    x = centers[labels] + rng.normal(0, 1, size=(n, 4))
    rows = [[f"{v:.5f}" for v in row] + [names[k]] for row, k in zip(x, labels)]
    return write_csv(path, ["a", "b", "c", "d", "species"], rows)


def regression_csv(path: Path, n: int = 800, seed: int = 0) -> Path:
    """y = 100 + 20 * (sin(x0) + x1 * x2 / 2) + small noise: needs the hidden layer and the
    target's scale (around 100, spread 20)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=(n, 3))
    y = 100 + 20 * (np.sin(x[:, 0]) + x[:, 1] * x[:, 2] / 2) + rng.normal(0, 0.5, size=n)
    rows = [[f"{v:.5f}" for v in row] + [f"{t:.5f}"] for row, t in zip(x, y)]
    return write_csv(path, ["x0", "x1", "x2", "price"], rows)
