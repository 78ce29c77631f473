"""The error the command line reports as one line, ``feedforward: error: ...``."""

from __future__ import annotations

__all__ = ["CLIError"]


class CLIError(Exception):
    """Bad input to a command: reported as one line on stderr, exit status 1."""
