"""Helpers for the dataset tests: the real files beside the checkout, an independent IDX parser."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

import feedforward

# ../shared/datasets beside the checkout (tests/datasets/conftest.py -> parents[2] is the repo)
SHARED = Path(__file__).parents[2] / ".." / "shared" / "datasets"

HAS_TENSOR = hasattr(feedforward, "from_numpy")
needs_tensor = pytest.mark.skipif(
    not HAS_TENSOR, reason="feedforward.from_numpy is not written yet (core tensor)"
)


def shared_folder(name: str) -> Path:
    folder = SHARED / name
    if not (folder / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real dataset files not found in {folder.resolve()}")
    return folder


def independent_idx(path: Path) -> np.ndarray:
    """A few lines of IDX parsing, written separately from feedforward's reader."""
    raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    magic, count = struct.unpack(">II", raw[:8])
    if magic == 0x00000801:
        return np.frombuffer(raw, dtype=np.uint8, offset=8, count=count)
    assert magic == 0x00000803
    rows, cols = struct.unpack(">II", raw[8:16])
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count, rows, cols)
