"""Utilities with torch's layout: ``ff.utils.data`` is ``torch.utils.data``."""

from feedforward.utils import data

__all__ = ["data"]
