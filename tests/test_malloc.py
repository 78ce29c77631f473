"""feedforward keeps freed large temporaries in the heap (glibc's malloc thresholds, set once)."""

import os
import subprocess
import sys

import pytest

import feedforward._malloc as malloc

glibc_linux = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="glibc only",
)

# Makes and frees three 12 MiB arrays a few times, as training steps make and free activations,
# and counts the page faults of the later rounds: none when the memory stayed in the heap,
# thousands when glibc gave it back to the kernel after each round.
REUSE = """
import resource
import numpy as np
import feedforward, feedforward._malloc as m
def round():
    arrays = [np.ones(3 << 20, np.float32) for _ in range(3)]
    del arrays
round(); round()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    round()
print(m.tuned, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(env: dict) -> tuple[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", REUSE],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return out[0], int(out[1])


@glibc_linux
def test_import_tunes_malloc_so_a_freed_large_array_is_reused_without_page_faults():
    assert malloc.tuned  # this process imported feedforward
    tuned, faults = _faults({"FEEDFORWARD_MALLOC_TUNING": "1"})
    assert tuned == "True" and faults < 10


@glibc_linux
def test_malloc_tuning_can_be_turned_off():
    tuned, faults = _faults({"FEEDFORWARD_MALLOC_TUNING": "0"})
    assert tuned == "False" and faults > 30  # glibc gives the 36 MiB back (2 MiB pages: 54 faults)
