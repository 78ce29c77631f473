"""Keeping the memory of large temporaries in the process between training steps.

A training step makes and frees the same large arrays every time (activations, their gradients,
masks). glibc's malloc hands memory of freed chunks back to the kernel once more than
``M_TRIM_THRESHOLD`` is free at the top of its heap, and maps chunks above ``M_MMAP_THRESHOLD``
straight from the kernel. It raises both by itself as it sees large chunks freed, but only to
32 MiB and 64 MiB at most and not always far enough: on the transformer FFN benchmark
((8,128,768) -> 3072 -> 768) every step gave ~24 MiB back and faulted it in again, zeroed by the
kernel page by page: ~5,900 page faults and ~13 ms of system time in a 110 ms step. Fixing both
thresholds keeps that memory in the heap for the next step (0 page faults); torch's steps fault
no pages here either.

It changes the process's allocator, so it is one documented call made at import, on glibc only,
and ``FEEDFORWARD_MALLOC_TUNING=0`` in the environment turns it off. What it costs: up to
``TRIM_THRESHOLD`` of freed memory stays with the process instead of going back to the kernel.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # from glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # chunks up to this come from the heap (glibc's own upper limit)
TRIM_THRESHOLD = 128 << 20  # free memory at the heap's top kept for the next step

tuned = False  # whether this process's malloc was tuned (read by the tests)


def tune_malloc() -> bool:
    """Set glibc's trim and mmap thresholds as above; False where that is not possible."""
    global tuned
    if os.environ.get("FEEDFORWARD_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith(
        "linux"
    ):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    return tuned
