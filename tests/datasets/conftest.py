"""Fixtures for the dataset tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_helpers import SHARED, shared_folder


@pytest.fixture(scope="session")
def shared_root() -> Path:
    """``../shared/datasets`` beside the checkout; skips when the real files are absent."""
    shared_folder("mnist")
    return SHARED
