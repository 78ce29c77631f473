"""Tensor factories: ``tensor``, ``zeros``, ``arange``, ``randn``, ... with torch's signatures."""

from __future__ import annotations

import math
import warnings

import numpy as np

from feedforward import _dtype
from feedforward.ops._util import C_TYPE_NAMES, SCALAR_TYPE_NAMES, kernel_error
from feedforward.random import _generator
from feedforward.tensor import Tensor, _array_from, device

__all__ = [
    "tensor",
    "as_tensor",
    "asarray",
    "from_numpy",
    "zeros",
    "ones",
    "full",
    "empty",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "rand_like",
    "randn_like",
    "randint_like",
    "arange",
    "linspace",
    "logspace",
    "eye",
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
    "scalar_tensor",
    "hann_window",
    "hamming_window",
    "blackman_window",
    "bartlett_window",
    "kaiser_window",
]


def _finish(data: np.ndarray, requires_grad: bool, dev=None) -> Tensor:
    if dev is not None:
        device(dev)
    t = Tensor._make(data, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _shape(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], list | tuple):
        size = tuple(size[0])
    for n in size:
        if not isinstance(n, int | np.integer):
            raise TypeError(f"size must be a sequence of ints, got {type(n).__name__}")
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {list(size)}")
    return tuple(int(n) for n in size)


def _float(dtype) -> np.dtype:
    return (
        _dtype.to_numpy_dtype(dtype)
        if dtype is not None
        else _dtype.get_default_dtype().numpy_dtype
    )


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False):
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array or a tensor).

    Python floats become float32, ints int64, bools bool, as in torch.
    """
    return _finish(np.array(_array_from(data, dtype), copy=True), requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array (or tensor) when the dtype matches."""
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    return _finish(_array_from(data, dtype), False, device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None) -> Tensor:
    """``obj`` as a tensor: a tensor or NumPy array is shared (not copied) unless ``copy=True``
    or another ``dtype`` needs a copy (``copy=False`` then raises ValueError, as torch).
    ``requires_grad`` (default: the tensor's own) is set on the result, shared or not."""
    target = _dtype.to_numpy_dtype(dtype) if dtype is not None else None
    if isinstance(obj, Tensor | np.ndarray):
        current = obj._data.dtype if isinstance(obj, Tensor) else obj.dtype
        if copy is False and target is not None and target != current:
            old, new = (SCALAR_TYPE_NAMES[np.dtype(d).name] for d in (current, target))
            raise ValueError(f"can't alias tensor with dtype '{old}' into dtype '{new}'.")
    if not isinstance(obj, Tensor):
        if isinstance(obj, np.ndarray) and not copy:
            return _finish(_array_from(obj, dtype), bool(requires_grad), device)
        return tensor(obj, dtype=dtype, device=device, requires_grad=bool(requires_grad))
    if requires_grad is None and obj.requires_grad:
        warnings.warn(
            "torch.asarray: unspecified requires_grad now defaults to obj.requires_grad instead "
            "of False. Pass requires_grad=False explicitly to get the old behavior and silence "
            "this warning.",
            UserWarning,
            stacklevel=2,
        )
    out = obj
    if target is not None and target != obj._data.dtype:
        out = obj.to(dtype)
    elif copy:
        out = obj.clone()
    if requires_grad is not None and requires_grad != out.requires_grad:
        out.requires_grad_(requires_grad)
    return out


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``: writing one changes the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)
    return Tensor._make(array, False, None)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(_shape(size), dtype=_float(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_shape(size), dtype=_float(dtype)), requires_grad, device)


def empty(
    *size, dtype=None, device=None, requires_grad: bool = False, memory_format=None
) -> Tensor:
    return _finish(np.empty(_shape(size), dtype=_float(dtype)), requires_grad, device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if dtype is None:
        fv = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
        dtype = (
            _dtype.bool
            if isinstance(fv, bool)
            else _dtype.int64
            if isinstance(fv, int)
            else _dtype.get_default_dtype()
        )
    size = _shape(size if isinstance(size, tuple | list) else (size,))
    return _finish(
        np.full(size, fill_value, dtype=_dtype.to_numpy_dtype(dtype)), requires_grad, device
    )


def _like(t: Tensor, dtype) -> np.dtype:
    return _dtype.to_numpy_dtype(dtype) if dtype is not None else t._data.dtype


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.zeros(input.shape, dtype=_like(input, dtype)), requires_grad, device)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.ones(input.shape, dtype=_like(input, dtype)), requires_grad, device)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.empty(input.shape, dtype=_like(input, dtype)), requires_grad, device)


def full_like(
    input: Tensor, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None
):
    return _finish(
        np.full(input.shape, fill_value, dtype=_like(input, dtype)), requires_grad, device
    )


def _check_float(dt: np.dtype, fn: str) -> None:
    if dt.kind != "f":
        raise kernel_error(fn, dt)


def rand_like(
    input: Tensor,
    *,
    dtype=None,
    device=None,
    requires_grad=False,
    generator=None,
    memory_format=None,
):
    dt = _like(input, dtype)
    _check_float(dt, "check_uniform_bounds")
    return _finish(_generator(generator).random(input.shape).astype(dt), requires_grad, device)


def randn_like(
    input: Tensor,
    *,
    dtype=None,
    device=None,
    requires_grad=False,
    generator=None,
    memory_format=None,
):
    dt = _like(input, dtype)
    _check_float(dt, "normal_kernel_cpu")
    return _finish(
        _generator(generator).standard_normal(input.shape).astype(dt), requires_grad, device
    )


def randint_like(input: Tensor, low=0, high=None, *, dtype=None, generator=None, device=None):
    if high is None:
        low, high = 0, low
    return _finish(
        _generator(generator).integers(low, high, input.shape).astype(_like(input, dtype)),
        False,
        device,
    )


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from ``start`` up to (not including) ``end``; int64 unless a bound is a float."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if dtype is None:
        dtype = (
            _dtype.int64
            if all(isinstance(v, int | np.integer) for v in vals)
            else _dtype.get_default_dtype()
        )
    n = max(math.ceil((vals[1] - vals[0]) / vals[2]), 0)
    data = (vals[0] + vals[2] * np.arange(n, dtype=np.float64)).astype(_dtype.to_numpy_dtype(dtype))
    if dtype.category == 1:
        data = np.arange(vals[0], vals[1], vals[2], dtype=_dtype.to_numpy_dtype(dtype))
    return _finish(data, requires_grad, device)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    data = np.linspace(float(start), float(end), int(steps)).astype(_float(dtype))
    return _finish(data, requires_grad, device)


def logspace(
    start, end, steps: int, base: float = 10.0, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    data = np.power(base, np.linspace(float(start), float(end), int(steps))).astype(_float(dtype))
    return _finish(data, requires_grad, device)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.eye(n, m, dtype=_float(dtype)), requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform on [0, 1)."""
    dt = _float(dtype)
    _check_float(dt, "check_uniform_bounds")
    return _finish(
        _generator(generator).random(_shape(size), dtype=np.float64).astype(dt),
        requires_grad,
        device,
    )


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal N(0, 1)."""
    dt = _float(dtype)
    _check_float(dt, "normal_kernel_cpu")
    return _finish(
        _generator(generator).standard_normal(_shape(size)).astype(dt), requires_grad, device
    )


def randint(
    low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:
        if not isinstance(high, tuple | list):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:  # randint(10, size=(3,))
        low, high = 0, low
    if high <= low:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    dt = _dtype.to_numpy_dtype(dtype) if dtype is not None else np.int64
    data = _generator(generator).integers(low, high, tuple(size)).astype(dt)
    return _finish(data, requires_grad, device)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    dt = _dtype.to_numpy_dtype(dtype) if dtype is not None else np.int64
    return _finish(_generator(generator).permutation(int(n)).astype(dt), requires_grad, device)


def normal(
    mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """Samples of N(mean, std^2); mean and std may be tensors (elementwise) or numbers."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if size is None:
        size = np.broadcast_shapes(np.shape(m), np.shape(s))
    if np.any(np.asarray(s) < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {np.min(s)}")
    like = m if isinstance(m, np.ndarray) else s if isinstance(s, np.ndarray) else None
    dt = _float(dtype) if like is None or like.dtype.kind != "f" else like.dtype
    data = _generator(generator).normal(m, s, tuple(size)).astype(dt)
    return _finish(data, requires_grad, device)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    probs = input._data if p is None else np.full(input.shape, p)
    return _finish(
        (_generator(generator).random(input.shape) < probs).astype(input._data.dtype), False
    )


def multinomial(
    input: Tensor, num_samples: int, replacement: bool = False, *, generator=None
) -> Tensor:
    """Draw class indices with probabilities proportional to each row of ``input``."""
    probs = np.atleast_2d(input._data).astype(np.float64)
    rng = _generator(generator)
    rows = []
    for p in probs:
        if np.any(p < 0) or not np.isfinite(p).all() or p.sum() <= 0:
            raise RuntimeError(
                "multinomial: probability tensor contains either `inf`, `nan` or element < 0"
            )
        if not replacement and num_samples > np.count_nonzero(p):
            raise RuntimeError(
                "multinomial: cannot sample n_sample > prob_dist.size(-1) samples without "
                "replacement"
            )
        rows.append(rng.choice(p.size, size=num_samples, replace=replacement, p=p / p.sum()))
    out = np.asarray(rows, dtype=np.int64)
    return _finish(out if input.ndim == 2 else out[0], False)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False,
                  requires_grad: bool = False) -> Tensor:  # fmt: skip
    """A 0-dim tensor holding the number s, of the default float dtype unless told."""
    if isinstance(s, Tensor):
        s = s.item()
    if not isinstance(s, bool | int | float | np.number | np.bool_):
        raise TypeError(
            f"scalar_tensor(): argument 's' (position 1) must be Number, not {type(s).__name__}"
        )
    return _finish(np.asarray(s, dtype=_float(dtype)), requires_grad, device)


# ---------------------------------------------------------------- windows (torch's formulas)


def _window(name: str, window_length, periodic: bool, dtype, requires_grad: bool, formula):
    """``formula(k, n)`` at the points k = 0 .. n - 1, n = window_length, or one more for a
    periodic window (which drops its last point); a window of one point is 1."""
    if not isinstance(window_length, int) or isinstance(window_length, bool):
        raise TypeError(
            f"{name}(): argument 'window_length' (position 1) must be int, not "
            f"{type(window_length).__name__}"
        )
    dt = _float(dtype)
    if dt.kind != "f":
        raise RuntimeError(
            f"{name} expects floating point dtypes, got: TensorOptions(dtype="
            f"{C_TYPE_NAMES[dt.name]}, device=cpu, layout=Strided (default), requires_grad=false "
            "(default), pinned_memory=false, memory_format=(nullopt))"
        )
    if window_length < 0:
        raise RuntimeError(
            f"{name} requires non-negative window_length, got window_length={window_length}"
        )
    if window_length <= 1:
        values = np.ones(window_length)
    else:
        n = window_length + 1 if periodic else window_length
        values = formula(np.arange(n, dtype=np.float64), n)[:window_length]
    return _finish(values.astype(dt), requires_grad)


def _cosine(alpha: float, beta: float):
    return lambda k, n: alpha - beta * np.cos(2 * np.pi * k / (n - 1))


def hamming_window(
    window_length,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory=False,
    requires_grad: bool = False,
) -> Tensor:
    """alpha - beta cos(2 pi k / (N - 1)), k = 0 .. N - 1."""
    formula = _cosine(alpha, beta)
    return _window("hamming_window", window_length, periodic, dtype, requires_grad, formula)


def hann_window(
    window_length,
    periodic: bool = True,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory=False,
    requires_grad: bool = False,
) -> Tensor:
    """0.5 - 0.5 cos(2 pi k / (N - 1)): the Hamming window with alpha = beta = 0.5."""
    formula = _cosine(0.5, 0.5)
    return _window("hann_window", window_length, periodic, dtype, requires_grad, formula)


def _blackman(k: np.ndarray, n: int) -> np.ndarray:
    w = np.pi * k / (n - 1)
    return 0.08 * np.cos(4 * w) - 0.5 * np.cos(2 * w) + 0.42


def blackman_window(
    window_length,
    periodic: bool = True,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory=False,
    requires_grad: bool = False,
) -> Tensor:
    """0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1))."""
    return _window("blackman_window", window_length, periodic, dtype, requires_grad, _blackman)


def _bartlett(k: np.ndarray, n: int) -> np.ndarray:
    return 1 - np.abs(2 * k / (n - 1) - 1)


def bartlett_window(
    window_length,
    periodic: bool = True,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory=False,
    requires_grad: bool = False,
) -> Tensor:
    """The triangle 1 - |2k / (N - 1) - 1|."""
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad, _bartlett)


def kaiser_window(
    window_length,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory=False,
    requires_grad: bool = False,
) -> Tensor:
    """I0(beta sqrt(1 - ((k - a) / a)^2)) / I0(beta), a = (N - 1) / 2, I0 the modified Bessel
    function of order 0 (NumPy's ``i0``)."""

    def kaiser(k: np.ndarray, n: int) -> np.ndarray:
        a = (n - 1) / 2
        return np.i0(beta * np.sqrt(np.clip(1 - ((k - a) / a) ** 2, 0, None))) / np.i0(beta)

    return _window("kaiser_window", window_length, periodic, dtype, requires_grad, kaiser)
