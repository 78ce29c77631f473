"""The matrix products of ``nn.Linear``: NumPy's BLAS, or Intel MKL's GEMM when it is installed.

A large training step is its GEMMs. NumPy's wheels bring OpenBLAS; on a 2-core Xeon (AVX-512)
MKL's ``sgemm`` ran this project's MLP shapes 10-35% faster in processes of their own
((1024,768)x(768,3072) 12.7-13.9 vs 14.7-15.8 ms, (128,784)x(784,256) 0.17-0.19 vs 0.27 ms),
and with it a transformer FFN step went from 1.21x torch's time to 1.00x. So MKL is an optional
accelerator: ``pip install 'feedforward[mkl]'`` and the Linear op uses it on Intel CPUs; without
it, or with ``FEEDFORWARD_BLAS=numpy``, everything is NumPy. Results agree with NumPy's to rounding.

Four things the measurements decided:

- "auto" takes MKL on Intel CPUs only. On a 2-core AMD EPYC (Zen 4, AVX-512) MKL's GEMMs were
  1.3-1.8x slower than OpenBLAS's, which runs its AVX-512 kernels there ((256,784)x(784,1024)
  4.3-5.1 vs 2.9-3.0 ms, (1024,768)x(768,3072) 37-38 vs 29-30 ms, (64,784)x(784,50) 71-80 vs
  53-69 us), and every workload's step was as fast or faster without it (784-50-10 SGD 0.62x
  torch's time instead of 0.83x, the transformer FFN 0.77-0.83x instead of 1.00x).
  ``FEEDFORWARD_BLAS=mkl`` still chooses MKL on any CPU.
- Products under ``MIN_FLOPS`` (m*n*k) stay with NumPy: OpenBLAS runs them on one thread, and a
  ctypes call into MKL costs more than such a product (7 us vs 1 us for (32,10)x(10,64)).
- Every larger product goes to MKL, none to OpenBLAS: the two libraries' worker threads each spin
  for a while after their work, and on a 2-core machine each slows the other (wide went from
  0.95x torch to 1.35x with its small output layer left on OpenBLAS).
- MKL's OpenMP threads wait 1 ms after a product before sleeping (``KMP_BLOCKTIME``, 200 ms by
  default): spinning longer starves the optimizer's threads (an FFN Adam step 15 ms instead of
  9.3), sleeping at once makes every small product wake them (mnist-small 1.7x slower).
  A ``KMP_BLOCKTIME`` of the user's own is kept.
"""

from __future__ import annotations

import ctypes
import os
import sys

import numpy as np

MIN_FLOPS = 1 << 18  # OpenBLAS's own bound for going multithreaded (65536 x 4)
_INT_MAX = (1 << 31) - 1
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # CBLAS enums
_LP64 = 0  # MKL_INTERFACE_LP64: 32-bit integer arguments

# The backend in use, "numpy" or "mkl"; chosen at the first product (loading MKL takes ~40 ms,
# which `import feedforward` does not pay) from FEEDFORWARD_BLAS, or by set_backend.
backend: str | None = None
_gemms: dict = {}  # dtype -> cblas_?gemm, filled when MKL is loaded


def _dist_file(dist_name: str, file_name: str) -> str | None:
    """The path of an installed distribution's file, by its name (None when not installed)."""
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if f.name == file_name:
            return str(dist.locate_file(f))
    return None


def _load_mkl() -> dict:
    """cblas_sgemm and cblas_dgemm from the ``mkl`` wheel (raises OSError when unusable)."""
    if not sys.platform.startswith("linux"):
        raise OSError("the mkl accelerator is supported on Linux only")
    rt = _dist_file("mkl", "libmkl_rt.so.3") or _dist_file("mkl", "libmkl_rt.so.2")
    if rt is None:
        raise OSError("the mkl package is not installed")
    user_blocktime = "KMP_BLOCKTIME" in os.environ
    if not user_blocktime:
        os.environ["KMP_BLOCKTIME"] = "1"  # read by the OpenMP runtime when it loads
    iomp = _dist_file("intel-openmp", "libiomp5.so")
    omp = ctypes.CDLL(iomp, mode=ctypes.RTLD_GLOBAL) if iomp else None
    mkl = ctypes.CDLL(rt, mode=ctypes.RTLD_GLOBAL)
    if mkl.MKL_Set_Interface_Layer(_LP64) != _LP64:  # another user chose ILP64 first
        raise OSError("MKL is already loaded with 64-bit integers")
    if omp is not None and not user_blocktime:  # if the runtime was loaded before us
        omp.kmp_set_blocktime(1)
    gemms = {}
    for dtype, name, scalar in (
        (np.dtype(np.float32), "cblas_sgemm", ctypes.c_float),
        (np.dtype(np.float64), "cblas_dgemm", ctypes.c_double),
    ):
        fn = getattr(mkl, name)
        i, p = ctypes.c_int, ctypes.c_void_p
        fn.argtypes = [i, i, i, i, i, i, scalar, p, i, p, i, scalar, p, i]
        fn.restype = None
        gemms[dtype] = fn
    return gemms


def _intel_cpu(cpuinfo_path: str = "/proc/cpuinfo") -> bool:
    """Whether this is an Intel CPU (from Linux's cpuinfo; False where it cannot be read)."""
    try:
        with open(cpuinfo_path, encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip() == "GenuineIntel"
    except OSError:
        pass
    return False


def set_backend(name: str = "auto") -> str:
    """Choose the Linear op's GEMM: "mkl", "numpy", or "auto" (MKL when installed and the CPU
    is Intel's); returns the one in use. "mkl" without the package raises ImportError naming
    the extra."""
    global backend, _gemms
    if name not in ("auto", "mkl", "numpy"):
        raise ValueError(f"FEEDFORWARD_BLAS must be 'auto', 'mkl' or 'numpy', got {name!r}")
    if name == "auto" and not _intel_cpu():
        name = "numpy"
    if name != "numpy" and not _gemms:
        try:
            _gemms = _load_mkl()
        except (OSError, AttributeError) as error:
            if name == "mkl":
                raise ImportError(
                    f"the MKL GEMM needs Intel MKL: pip install 'feedforward[mkl]' ({error})"
                ) from error
    backend = "mkl" if name != "numpy" and _gemms else "numpy"
    return backend


def _choose() -> None:
    """The backend FEEDFORWARD_BLAS asks for (default "auto"), at the first large product."""
    set_backend(os.environ.get("FEEDFORWARD_BLAS", "auto"))


def _layout(a: np.ndarray) -> tuple[int, int] | None:
    """CBLAS transpose flag and leading dimension of a 2-D array in row-major terms."""
    rows, cols = a.shape
    item = a.itemsize
    if a.strides == (cols * item, item):  # C order
        return _NO_TRANS, max(cols, 1)
    if a.strides == (item, rows * item):  # F order: the transpose of a C-order array
        return _TRANS, max(rows, 1)
    return None


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.dot`` of 2-D arrays, through MKL when selected and worth it."""
    m, k = a.shape
    n = b.shape[1]
    if m * n * k < MIN_FLOPS:  # first: the small products of a small net pay nothing more
        return np.dot(a, b)
    if backend is None:
        _choose()
    if backend == "numpy" or a.dtype != b.dtype:
        return np.dot(a, b)
    gemm = _gemms.get(a.dtype)
    la, lb = _layout(a), _layout(b)
    if gemm is None or la is None or lb is None or max(m, n, k) > _INT_MAX:
        return np.dot(a, b)
    out = np.empty((m, n), a.dtype)
    gemm(_ROW_MAJOR, la[0], lb[0], m, n, k, 1.0, a.ctypes.data, la[1], b.ctypes.data, lb[1],
         0.0, out.ctypes.data, max(n, 1))  # fmt: skip
    return out


def describe() -> str:
    """The backend in use, for benchmark headers."""
    if backend is None:
        _choose()
    if backend == "mkl":
        return f"MKL (products from {MIN_FLOPS} multiply-adds; NumPy below)"
    return "NumPy's BLAS"
