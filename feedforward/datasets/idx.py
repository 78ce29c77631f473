"""Reader for the IDX format of MNIST-style datasets (gzip-compressed or raw).

An IDX file is big-endian: two zero bytes, a type code, the number of dimensions, one uint32
per dimension, then the data in C order. See http://yann.lecun.com/exdb/mnist/.
"""

from __future__ import annotations

import gzip
import math
import zlib
from os import PathLike
from pathlib import Path

import numpy as np

__all__ = ["read_idx", "parse_idx"]

# IDX type code -> big-endian element type.
_IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def parse_idx(buf: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode the bytes of an (uncompressed) IDX file.

    Args:
        buf: the whole file content.
        name: what to call the file in error messages.

    Returns:
        A native-endian, writable array with the file's shape and element type.

    Raises:
        ValueError: bad magic number, unknown type code, or a payload whose length does not
            match the dimensions in the header.
    """
    if len(buf) < 4:
        raise ValueError(f"{name}: not an IDX file: only {len(buf)} bytes, the header needs 4")
    if buf[0] != 0 or buf[1] != 0:
        raise ValueError(
            f"{name}: not an IDX file: magic number 0x{buf[:4].hex()} does not start with 0x0000"
        )
    code, ndim = buf[2], buf[3]
    if code not in _IDX_TYPES:
        known = ", ".join(f"0x{c:02X}" for c in _IDX_TYPES)
        raise ValueError(f"{name}: unknown IDX type code 0x{code:02X} (known: {known})")
    header = 4 + 4 * ndim
    if len(buf) < header:
        raise ValueError(
            f"{name}: truncated IDX header: {ndim} dimensions need {header} bytes, "
            f"the file has {len(buf)}"
        )
    dims = tuple(int(d) for d in np.frombuffer(buf, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_TYPES[code]
    expected = math.prod(dims) * dtype.itemsize
    actual = len(buf) - header
    if actual != expected:
        what = "truncated" if actual < expected else "trailing bytes after the data"
        raise ValueError(
            f"{name}: {what}: dimensions {dims} of {dtype.itemsize}-byte items need "
            f"{expected} bytes of data, the file has {actual}"
        )
    data = np.frombuffer(buf, dtype=dtype, count=math.prod(dims), offset=header)
    # astype copies: the result is writable and in native byte order
    return data.reshape(dims).astype(dtype.newbyteorder("="))


def read_idx(path: str | PathLike[str]) -> np.ndarray:
    """Read an IDX file, decompressing it first if it is gzip (detected by content, not name).

    Example:
        >>> images = read_idx("mnist/train-images-idx3-ubyte.gz")  # doctest: +SKIP
        >>> images.shape, images.dtype
        ((60000, 28, 28), dtype('uint8'))
    """
    path = Path(path)
    buf = path.read_bytes()
    if buf[:2] == _GZIP_MAGIC:
        try:
            buf = gzip.decompress(buf)
        except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
            raise ValueError(f"{path}: corrupt gzip data ({e})") from e
    return parse_idx(buf, name=str(path))
