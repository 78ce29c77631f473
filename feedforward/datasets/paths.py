"""Where datasets live on disk: ``root=``, else ``$FEEDFORWARD_DATA``, else the user cache."""

from __future__ import annotations

import os
from os import PathLike
from pathlib import Path

__all__ = ["data_root"]


def data_root(root: str | PathLike[str] | None = None) -> Path:
    """Resolve the folder datasets are read from and downloaded into.

    Args:
        root: an explicit folder; wins over everything else.

    Returns:
        ``root`` if given, else ``$FEEDFORWARD_DATA`` if set, else ``$XDG_CACHE_HOME/feedforward``
        (when XDG_CACHE_HOME is an absolute path, as the XDG spec requires), else
        ``~/.cache/feedforward``. ``~`` is expanded; the folder need not exist.
    """
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("FEEDFORWARD_DATA")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    cache = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return cache / "feedforward"
