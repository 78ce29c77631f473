"""Every test runs in its own empty folder, so that commands writing ``runs/<timestamp>`` (the
default --out) leave nothing in the checkout."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
