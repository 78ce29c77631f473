"""Which BLAS NumPy runs, which GEMM feedforward's Linear op uses (NumPy's, or Intel MKL's with
the `mkl` extra) and how its Adam and SGD updates run (NumPy, or compiled with the `jit` extra),
printed at the top of every benchmark.

OpenBLAS picks its kernels for the CPU at load time unless ``OPENBLAS_CORETYPE`` names them.
Some of this project's machines set it (with ``OPENBLAS_L2_SIZE``) for older OpenBLAS builds;
on an AVX-512 CPU that keeps a current NumPy on AVX2 (Haswell) kernels, whose GEMMs for these
MLP shapes run 1.4-1.8x slower. To measure NumPy as it runs on a user's machine, unset both for
the benchmark command alone:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/train_step.py
"""

from __future__ import annotations

import os

FORCED = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def describe() -> str:
    """One line: NumPy's BLAS, its kernels and threads, and any setting that forces them."""
    import numpy  # noqa: F401  (loads the BLAS that threadpoolctl then inspects)

    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # scikit-learn brings it; the benchmarks run without it
        blas = "NumPy's BLAS (install threadpoolctl to see its kernels)"
    else:
        found = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        blas = ", ".join(
            f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')} kernels, "
            f"{i.get('num_threads')} threads)"
            for i in found
        )
    forced = [f"{name}={os.environ[name]}" for name in FORCED if name in os.environ]
    if forced:
        blas += (
            f"; forced by {' '.join(forced)} (unset both, as `env -u OPENBLAS_CORETYPE "
            "-u OPENBLAS_L2_SIZE`, to let OpenBLAS pick this CPU's kernels)"
        )
    from feedforward.ops import _gemm
    from feedforward.optim import _fused

    return (
        f"NumPy BLAS: {blas}\nfeedforward's Linear products: {_gemm.describe()}; "
        f"its Adam and SGD updates: {_fused.describe()}"
    )
