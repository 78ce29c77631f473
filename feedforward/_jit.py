"""Numba, for the few loops that NumPy cannot do in one pass (the optional `jit` extra).

``numba()`` is the module when it is installed and not turned off with ``FEEDFORWARD_JIT=0``,
else None; callers keep their NumPy code for that case, and their compiled loops give the same
results (the tests run both). Numba is imported at the first use, not by ``import feedforward``.
"""

from __future__ import annotations

import os
from types import ModuleType

_module: ModuleType | None = None
_looked = False


def numba() -> ModuleType | None:
    global _module, _looked
    if not _looked:
        _looked = True
        if os.environ.get("FEEDFORWARD_JIT", "1") != "0":
            try:
                import numba as module
            except ImportError:
                module = None
            _module = module
    return _module
