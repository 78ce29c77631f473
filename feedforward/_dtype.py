"""Data types: thin named wrappers around NumPy dtypes, with torch's names and promotion rules."""

from __future__ import annotations

import builtins  # (float, int and bool are dtypes here)

import numpy as np

__all__ = [
    "dtype",
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
    "half",
    "float",
    "double",
    "short",
    "int",
    "long",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
    "result_type",
]

_builtin_bool = bool


class dtype:
    """A tensor element type, e.g. ``feedforward.float32``; ``numpy_dtype`` is the storage type."""

    __slots__ = ("name", "numpy_dtype", "is_floating_point", "is_signed", "itemsize", "category")

    def __init__(self, name: str, numpy_dtype: np.dtype, category: int):
        self.name = name
        self.numpy_dtype = np.dtype(numpy_dtype)
        self.category = category  # 0 bool, 1 integer, 2 floating: torch promotes across categories
        self.is_floating_point = category == 2
        self.is_signed = self.numpy_dtype.kind in "if"
        self.itemsize = self.numpy_dtype.itemsize

    def __repr__(self) -> str:
        return f"feedforward.{self.name}"

    def __reduce__(self):
        return self.name  # module-level singleton


float16 = half = dtype("float16", np.float16, 2)
float32 = float = dtype("float32", np.float32, 2)
float64 = double = dtype("float64", np.float64, 2)
int8 = dtype("int8", np.int8, 1)
int16 = short = dtype("int16", np.int16, 1)
int32 = int = dtype("int32", np.int32, 1)
int64 = long = dtype("int64", np.int64, 1)
uint8 = dtype("uint8", np.uint8, 1)
bool = dtype("bool", np.bool_, 0)

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool)
_BY_NUMPY = {d.numpy_dtype: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}

_default_float = [float32]


def get_default_dtype() -> dtype:
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default_float[0]


def set_default_dtype(d: dtype) -> None:
    if d not in (float16, float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float[0] = d


def from_numpy_dtype(np_dtype) -> dtype:
    """The feedforward dtype that stores as ``np_dtype``; TypeError for types torch lacks."""
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_numpy_dtype(d) -> np.dtype:
    """Accept a feedforward dtype, a NumPy dtype or a name; return the NumPy dtype."""
    if isinstance(d, dtype):
        return d.numpy_dtype
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d].numpy_dtype
    return from_numpy_dtype(d).numpy_dtype


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types: the higher category wins; within a category, the wider type."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return _BY_NUMPY[np.promote_types(a.numpy_dtype, b.numpy_dtype)]


_result_cache: dict = {}


def result_type(a: np.ndarray, b: np.ndarray) -> np.dtype:
    """The NumPy dtype torch gives a binary op on arrays ``a`` and ``b`` (both from tensors).

    torch ranks operands in priority groups: dimensioned tensors, then zero-dim tensors. A zero-dim
    operand only changes the result when it is of a higher category (bool < integer < float).
    """
    key = (a.dtype, b.dtype, a.ndim == 0, b.ndim == 0)
    hit = _result_cache.get(key)
    if hit is None:
        da, db = _BY_NUMPY[a.dtype], _BY_NUMPY[b.dtype]
        if key[2] == key[3]:
            out = promote_types(da, db)
        else:
            dim, zero = (db, da) if key[2] else (da, db)
            out = zero if zero.category > dim.category else dim
        hit = _result_cache[key] = out.numpy_dtype
    return hit


class finfo:
    """The limits of a floating dtype (the default dtype if none is given), as NumPy's finfo
    gives them: ``ff.finfo(ff.float32).eps`` is 2**-23, ``.min`` the most negative value (a
    mask fill that softmax takes to zero), ``.tiny`` the smallest normal."""

    def __init__(self, type: dtype | None = None):
        d = get_default_dtype() if type is None else type
        if not d.is_floating_point:
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                "'torch.finfo'"
            )
        info = np.finfo(d.numpy_dtype)
        self.bits, self.dtype = info.bits, d.name
        self.eps = builtins.float(info.eps)
        self.max, self.min = builtins.float(info.max), builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0**-info.precision  # (NumPy rounds it into the dtype)

    def __eq__(self, other) -> builtins.bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self) -> builtins.int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


class iinfo:
    """The limits of an integer dtype: ``ff.iinfo(ff.int64).max``."""

    def __init__(self, type: dtype):
        if type is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.is_floating_point:
            raise TypeError(
                "torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                "'torch.iinfo'"
            )
        info = np.iinfo(type.numpy_dtype)
        self.bits, self.dtype = info.bits, type.name
        self.min, self.max = builtins.int(info.min), builtins.int(info.max)

    def __eq__(self, other) -> builtins.bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self) -> builtins.int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
