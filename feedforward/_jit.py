"""Numba, for the few loops that NumPy cannot do in one pass (the optional `jit` extra).

``numba()`` is the module when it is installed and not turned off with ``FEEDFORWARD_JIT=0``,
else None; callers keep their NumPy code for that case, and their compiled loops give the same
results (the tests run both). Numba is imported at the first use, not by ``import feedforward``.

Parallel loops run on Numba's own thread pool ("workqueue") unless ``NUMBA_THREADING_LAYER``
says otherwise. Its default, OpenMP, spins its threads after a loop while OpenBLAS's threads
spin after a GEMM; on a 2-core AMD EPYC each then waited for the other and a 784-50-10 Adam step
took 8.0 ms instead of 0.6 (784-256-128-10: 8.0 ms instead of 2.5). Our callers hold a lock
around parallel loops, which workqueue needs (it aborts on loops launched from two threads).
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
            else:
                if "NUMBA_THREADING_LAYER" not in os.environ:
                    module.config.THREADING_LAYER = "workqueue"  # read at the first parallel loop
            _module = module
    return _module
