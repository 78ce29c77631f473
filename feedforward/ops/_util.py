"""Small helpers the ops share: dtype promotion, un-broadcasting gradients, dim normalisation."""

from __future__ import annotations

import numpy as np

from feedforward._dtype import get_default_dtype, result_type


def promote(a, b, wrap: bool = True):
    """Cast two operands (arrays or Python numbers) to the dtype torch would compute in.

    NumPy's own rules differ from torch's in three places that matter: ``int_tensor * 0.5`` must
    give float32 (not float64), a 0-dim float64 tensor must not widen a float32 matrix, and (with
    ``wrap``, as torch's arithmetic does) a Python int out of an integer tensor's range is wrapped
    into its dtype rather than raising OverflowError.
    """
    if type(a) is np.ndarray and type(b) is np.ndarray:
        if a.dtype == b.dtype:
            return a, b
        dt = result_type(a, b)
        return a.astype(dt, copy=False), b.astype(dt, copy=False)
    if type(a) is np.ndarray:
        b = _plain(b)
        return _with_scalar(a, b), wrap_int(a.dtype, b) if wrap else b
    if type(b) is np.ndarray:
        a = _plain(a)
        return wrap_int(b.dtype, a) if wrap else a, _with_scalar(b, a)
    return scalar_array(a), scalar_array(b)


def wrap_int(dtype: np.dtype, s):
    """A Python int outside an integer dtype's range, wrapped into it as torch does (uint8: -1 is
    255, 300 is 44); NumPy would raise OverflowError. Anything else is returned unchanged."""
    if type(s) is not int or dtype.kind not in "iu" or not -(2**63) <= s < 2**64:
        return s
    info = np.iinfo(dtype)
    return s if info.min <= s <= info.max else twos_complement(dtype, s)


def twos_complement(dtype: np.dtype, s: int) -> int:
    """The int an integer dtype holds for ``s``, as a C cast to it keeps the low bits."""
    bits = 8 * dtype.itemsize
    s &= (1 << bits) - 1
    return s - (1 << bits) if dtype.kind == "i" and s >> (bits - 1) else s


def scalar_array(s) -> np.ndarray:
    """A Python number as a 0-dim array of torch's dtype for it (float32 for floats)."""
    if isinstance(s, np.ndarray):
        return s
    if isinstance(s, float | np.floating):
        return np.asarray(s, dtype=get_default_dtype().numpy_dtype)
    return np.asarray(s)


def as_default_float(x):
    """An integer/bool array (or number) as the default float dtype."""
    return np.asarray(x, dtype=get_default_dtype().numpy_dtype)


def _plain(s):
    """A NumPy scalar behaves like a Python number in torch (weak type), not like an array."""
    if isinstance(s, bool | np.bool_):
        return bool(s)
    if isinstance(s, int | np.integer):
        return int(s)
    if isinstance(s, float | np.floating):
        return float(s)
    return s


def _with_scalar(arr: np.ndarray, s) -> np.ndarray:
    kind = arr.dtype.kind
    if kind in "biu" and isinstance(s, float | np.floating):
        return arr.astype(get_default_dtype().numpy_dtype)
    if kind == "b" and isinstance(s, int | np.integer) and not isinstance(s, bool | np.bool_):
        return arr.astype(np.int64)
    return arr


_BITS = {np.dtype(f"float{8 * n}"): np.dtype(f"uint{8 * n}") for n in (2, 4, 8)}
_ONE = {bits: bits.type(1) for bits in _BITS.values()}


def zero_where(g: np.ndarray, mask) -> np.ndarray:
    """``g`` with exact zeros where ``mask`` is True: torch's ``masked_fill(mask, 0)`` of the
    masked gradients (ReLU's, clamp's, max's). A gradient that is inf or NaN where the mask
    is on gives 0 there, where ``g * ~mask`` would give NaN.

    A select without branches: ANDing a float's bits with all ones keeps it as it is (inf and
    NaN too), with all zeros gives +0.0. NumPy's ``where`` branches on every element, and on a
    random mask such as a ReLU's it was 2-13x slower than this (float32, Zen 4: 128x256
    36 vs 19 us, 1024x3072 12.6 vs 1.9 ms; ``g * ~mask``: 14 us and 1.8 ms).
    """
    if type(mask) is not np.ndarray or mask.shape != g.shape:
        mask = np.broadcast_to(mask, g.shape)  # an array, even of a scalar
    bits = _BITS.get(g.dtype)
    if bits is None:
        return np.where(mask, np.zeros((), g.dtype), g)
    keep = mask.astype(bits)  # 1 where zeroed, 0 where kept
    np.subtract(keep, _ONE[bits], out=keep)  # 0 where zeroed; all bits set (-1) where kept
    return np.bitwise_and(g.view(bits), keep, out=keep).view(g.dtype)


def sign(x: np.ndarray) -> np.ndarray:
    """-1, 0 or 1, and 0 for NaN as torch's sign (NumPy's is NaN there)."""
    s = np.asarray(np.sign(x))
    if s.dtype.kind == "f":
        np.copyto(s, 0, where=np.isnan(s))
    return s


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the dims that broadcasting added or stretched, back to ``shape``.

    If ``b`` of shape (3,) was added to every row of an (N, 3) matrix, each element of ``b``
    contributed to N outputs, so its gradient is the sum of those N gradients.
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    return np.add.reduce(grad, axis=axes).reshape(shape)


def normalize_dim(dim: int, ndim: int, op: str = "") -> int:
    """A possibly negative dim as a non-negative axis; IndexError out of range, like torch."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"{op + ': ' if op else ''}Dimension out of range (expected to be in range of "
            f"[{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def normalize_dims(dim, ndim: int, op: str = ""):
    """None (all dims) or a tuple of non-negative axes."""
    if dim is None:
        return None
    if isinstance(dim, int | np.integer):
        return (normalize_dim(int(dim), ndim, op),)
    dims = tuple(normalize_dim(int(d), ndim, op) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{op}: dim {dims} appears multiple times in the list of dims")
    return dims if dims else None


# torch's names for dtypes in "not implemented for 'Long'" messages
SCALAR_TYPE_NAMES = {
    "bool": "Bool",
    "uint8": "Byte",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
}
# the C++ element types torch names in some messages (e.g. assigning a .grad of another dtype)
C_TYPE_NAMES = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short int",
    "int32": "int",
    "int64": "long int",
    "float16": "c10::Half",
    "float32": "float",
    "float64": "double",
}


CAST_ERROR = "result type {result} can't be cast to the desired output type {out}"


def can_cast(source: np.dtype, target: np.dtype) -> bool:
    """torch's ``canCast`` for writing a result into an existing tensor (in place or out=): no
    floats into integers, nothing but bool into bool."""
    if source.kind == "f" and target.kind in "biu":
        return False
    return not (target.kind == "b" and source.kind != "b")


def cast_error(source: np.dtype, target: np.dtype) -> RuntimeError:
    return RuntimeError(
        CAST_ERROR.format(result=SCALAR_TYPE_NAMES[source.name], out=SCALAR_TYPE_NAMES[target.name])
    )


def type_name(x) -> str:
    """torch's name of a tensor's dtype in messages: Float, Double, Long, ..."""
    return SCALAR_TYPE_NAMES[x._data.dtype.name]


def kernel_error(kernel: str, dtype: np.dtype) -> NotImplementedError:
    """torch's error for an op that has no kernel for a dtype (e.g. softmax of integers)."""
    name = SCALAR_TYPE_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)
    return NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")


def check_rounded_division(a, b, kernel: str) -> None:
    """Floor/trunc division and remainder as torch allows them: not of bools, and an integer
    divisor of zero raises (NumPy would give 0)."""
    kind = np.result_type(a, b).kind
    if kind == "b":
        raise kernel_error(kernel, np.bool_)
    if kind in "iu" and np.any(np.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")


def broadcast_error(op: str, a_shape: tuple, b_shape: tuple) -> RuntimeError:
    """torch's message for shapes that do not broadcast, with the op named."""
    for i in range(1, max(len(a_shape), len(b_shape)) + 1):
        sa = a_shape[-i] if i <= len(a_shape) else 1
        sb = b_shape[-i] if i <= len(b_shape) else 1
        if sa != sb and sa != 1 and sb != 1:
            dim = max(len(a_shape), len(b_shape)) - i
            return RuntimeError(
                f"{op}: The size of tensor a ({sa}) must match the size of tensor b ({sb}) at "
                f"non-singleton dimension {dim} (shapes {tuple(a_shape)} and {tuple(b_shape)})"
            )
    return RuntimeError(f"{op}: shapes {tuple(a_shape)} and {tuple(b_shape)} do not broadcast")
