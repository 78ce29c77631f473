"""``ff.testing.assert_close``: torch.testing's check that two results agree, on ff tensors
(and ``make_tensor``, torch.testing's random test inputs: see ``feedforward/_make_tensor.py``).

    >>> ff.testing.assert_close(model(x), expected)             # tolerances chosen by dtype
    >>> ff.testing.assert_close(out, ref, rtol=1e-4, atol=1e-6)
    >>> ff.testing.assert_close({"w": w, "b": b}, state)        # nested lists, tuples and dicts

It takes what torch's takes: tensors, NumPy arrays, Python numbers, None, and (nested)
sequences and mappings of them; it raises what torch's raises, with torch's words (where torch
names its Tensor, Size or dtypes, these are ff's). Two values are close when
``|actual - expected| <= atol + rtol * |expected|``; infinities must be equal, and NaNs are equal
only with ``equal_nan=True``. ff has one device and one layout, so ``check_device`` never
fails and ``check_layout`` is accepted for torch's signature.

As torch does, every pair of leaves is set up before any is compared (so a structure or type
error anywhere is reported before a mismatch), and the first failure is the one raised.

Where it differs: a negative rtol or atol raises torch.isclose's RuntimeError as it is (torch
wraps it in a report of its internals); a bool against an int or float is a RuntimeError, as in
torch, in words of its own; NumPy arrays of dtypes ff lacks (uint16, complex) are not tensor-like.
"""

from __future__ import annotations

import cmath
import contextlib
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from feedforward._dtype import get_default_dtype, promote_types
from feedforward._make_tensor import make_tensor
from feedforward.creation import as_tensor, tensor
from feedforward.tensor import Tensor

__all__ = ["assert_close", "assert_allclose", "make_tensor"]

# torch's default (rtol, atol) by dtype; any other dtype (integers, bool) must match exactly.
DEFAULT_TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex128": (1e-7, 1e-7),
}
# the dtype torch gives a Python number for its tolerances
NUMBER_DTYPES = {int: "int64", float: "float64", complex: "complex128"}


class _Failure(Exception):
    """A failed check: the exception type to raise, its message, and where in the inputs it
    happened (the keys and indices down to the failing leaf)."""

    def __init__(self, kind: type[Exception], message: str, path: tuple = ()) -> None:
        super().__init__(message)
        self.kind, self.message, self.path = kind, message, path

    def error(self, msg: str | Callable[[str], str] | None = None) -> Exception:
        """The exception to raise: ``msg`` replaces the message, or (a callable) rewrites it."""
        if isinstance(msg, str):
            return self.kind(msg)
        message = self.message
        if self.path:
            message += "\n\nThe failure occurred for item " + "".join(f"[{k!r}]" for k in self.path)
        return self.kind(msg(message) if callable(msg) else message)


@dataclass(frozen=True)
class _Options:
    allow_subclasses: bool
    rtol: float | None
    atol: float | None
    equal_nan: bool
    check_device: bool
    check_dtype: bool
    check_stride: bool


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close, as torch's does.

    Shapes must match, and (with ``check_dtype``) dtypes; without it both are compared in their
    promoted dtype. ``rtol`` and ``atol`` are given together or not at all; omitted, they are the
    loosest of the two dtypes' defaults: float16 (1e-3, 1e-5), float32 (1.3e-6, 1e-5), float64
    (1e-7, 1e-7), anything else (0, 0). ``msg`` replaces the failure's message, or rewrites it
    if callable; as in torch, not for errors found before comparing (the inputs' structure,
    their types, the tolerances).
    """
    __tracebackhide__ = True  # pytest shows the caller's line
    del check_layout  # every ff tensor is strided
    options = _Options(
        allow_subclasses, rtol, atol, equal_nan, check_device, check_dtype, check_stride
    )
    try:
        checks = _prepare(actual, expected, (), options)
    except _Failure as failure:
        raise failure.error() from None
    failures = []
    for path, check in checks:
        try:
            check()
        except _Failure as failure:
            failure.path = path
            failures.append(failure)
    if failures:
        raise failures[0].error(msg) from None


def assert_allclose(
    actual: Any,
    expected: Any,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = True,
    msg: str = "",
) -> None:
    """torch's deprecated predecessor of ``assert_close``, kept (and warning) as torch keeps it:
    non-tensors become tensors (``expected`` of ``actual``'s dtype), dtypes may differ, NaNs are
    equal, and the default tolerances are looser."""
    warnings.warn(
        "`feedforward.testing.assert_allclose()` is deprecated since 1.12 and will be removed in "
        "a future release. Please use `feedforward.testing.assert_close()` instead. You can find "
        "detailed upgrade instructions in https://github.com/pytorch/pytorch/issues/61844.",
        FutureWarning,
        stacklevel=2,
    )
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        loose = {"float16": (1e-3, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-5, 1e-8)}
        rtol, atol = _default_tolerances([actual.dtype.name, expected.dtype.name], loose)
    assert_close(
        actual,
        expected,
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_dtype=False,
        msg=msg or None,
    )


def _prepare(actual: Any, expected: Any, path: tuple, options: _Options) -> list:
    """The (path, check) for every pair of leaves, walking sequences and mappings together."""
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Failure(
                AssertionError,
                f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                path,
            )
        return [
            check
            for i in range(len(actual))
            for check in _prepare(actual[i], expected[i], (*path, i), options)
        ]
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        keys, expected_keys = set(actual.keys()), set(expected.keys())
        if keys != expected_keys:
            raise _Failure(
                AssertionError,
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(expected_keys - keys)}\n"
                f"Additional keys in the actual mapping: {sorted(keys - expected_keys)}",
                path,
            )
        with contextlib.suppress(TypeError):  # keys of mixed types stay in the set's order
            keys = sorted(keys)
        return [
            check
            for key in keys
            for check in _prepare(actual[key], expected[key], (*path, key), options)
        ]
    try:
        return [(path, _leaf_check(actual, expected, options))]
    except _Failure as failure:
        failure.path = path
        raise


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str)  # a str's items are strs


def _leaf_check(actual: Any, expected: Any, options: _Options) -> Callable[[], None]:
    """The comparison of two leaves, ready to run: None, bools, numbers, or tensor-likes."""
    if actual is None or expected is None:
        return partial(_compare_none, actual, expected)
    if isinstance(actual, bool | np.bool_) and isinstance(expected, bool | np.bool_):
        return partial(_compare_bools, bool(actual), bool(expected))
    if isinstance(actual, _NUMBER_TYPES) and isinstance(expected, _NUMBER_TYPES):
        a, e = _number(actual), _number(expected)
        rtol, atol = _tolerances([NUMBER_DTYPES[type(a)], NUMBER_DTYPES[type(e)]], options)
        return partial(_compare_numbers, a, e, rtol, atol, options)
    tensors = _tensors(actual, expected, options.allow_subclasses)
    if tensors is None:
        raise _Failure(
            TypeError,
            "No comparison pair was able to handle inputs of type "
            f"{type(actual)} and {type(expected)}.",
        )
    rtol, atol = _tolerances([t.dtype.name for t in tensors], options)
    return partial(_compare_tensors, *tensors, rtol, atol, options)


_NUMBER_TYPES = (int, float, complex, np.number)


def _number(x: Any) -> int | float | complex:
    """A Python number for a NumPy one. A bool (or other subclass of int) among numbers has no
    dtype here; torch's assert_close fails on it with a RuntimeError too."""
    x = x.item() if isinstance(x, np.number) else x
    if type(x) not in NUMBER_DTYPES:
        raise RuntimeError(
            f"Cannot compare {x!r} of type {type(x)} as a number: bools are compared with bools, "
            "and ints, floats and complex numbers with each other"
        )
    return x


def _tensors(actual: Any, expected: Any, allow_subclasses: bool) -> tuple[Tensor, Tensor] | None:
    """Both inputs as tensors, or None when they are not two tensor-likes of related types (a
    tensor and a subclass of it, two NumPy arrays; exactly one type without allow_subclasses)."""
    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    if not related or (not allow_subclasses and type(actual) is not type(expected)):
        return None
    try:
        return as_tensor(actual), as_tensor(expected)
    except Exception:  # not tensor-like (a str, a set) or of a dtype ff lacks
        return None


def _tolerances(dtype_names: list[str], options: _Options) -> tuple[float, float]:
    """The user's rtol and atol, or the loosest defaults of the dtypes when both are omitted."""
    if (options.rtol is None) != (options.atol is None):
        missing = "rtol" if options.rtol is None else "atol"
        raise _Failure(
            ValueError,
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.",
        )
    if options.rtol is not None:
        return options.rtol, options.atol
    return _default_tolerances(dtype_names, DEFAULT_TOLERANCES)


def _default_tolerances(dtype_names: list[str], table: dict) -> tuple[float, float]:
    rtols, atols = zip(*(table.get(name, (0.0, 0.0)) for name in dtype_names), strict=True)
    return max(rtols), max(atols)


def _compare_none(actual: Any, expected: Any) -> None:
    if not (actual is None and expected is None):
        raise _Failure(AssertionError, f"None mismatch: {actual} is not {expected}")


def _compare_bools(actual: bool, expected: bool) -> None:
    if actual is not expected:
        raise _Failure(AssertionError, f"Booleans mismatch: {actual} is not {expected}")


def _compare_numbers(a: complex, e: complex, rtol: float, atol: float, options: _Options) -> None:
    """Python numbers: of one type (with check_dtype), and close in Python's arithmetic."""
    if options.check_dtype and type(a) is not type(e):
        raise _Failure(AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.")
    if a == e or (options.equal_nan and cmath.isnan(a) and cmath.isnan(e)):
        return
    diff = abs(a - e)
    if cmath.isfinite(diff) and diff <= atol + rtol * abs(e):
        return
    raise _Failure(AssertionError, _scalar_message(a, e, rtol, atol))


def _compare_tensors(
    actual: Tensor, expected: Tensor, rtol: float, atol: float, options: _Options
) -> None:
    """Tensors: the attributes torch checks (in its order), then the values elementwise."""
    attributes = [
        ("shape", actual.shape, expected.shape, True),
        ("stride()", actual.stride(), expected.stride(), options.check_stride),
        ("device", actual.device, expected.device, options.check_device),
        ("dtype", actual.dtype, expected.dtype, options.check_dtype),
    ]
    for name, ours, theirs, checked in attributes:
        if checked and ours != theirs:
            raise _Failure(
                AssertionError,
                f"The values for attribute '{name}' do not match: {ours} != {theirs}.",
            )
    a, e = actual._data, expected._data  # the values, whether or not they require grad
    if actual.dtype is not expected.dtype:
        common = promote_types(actual.dtype, expected.dtype).numpy_dtype
        a, e = a.astype(common), e.astype(common)
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if tol < 0:  # torch.isclose's check (torch wraps it in a longer RuntimeError)
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {tol:g}")
    close = _isclose(a, e, rtol, atol, options.equal_nan)
    if close.all():
        return
    if a.ndim == 0:
        raise _Failure(AssertionError, _scalar_message(a.item(), e.item(), rtol, atol))
    raise _Failure(AssertionError, _tensor_message(a, e, close, rtol, atol))


def _isclose(a: np.ndarray, e: np.ndarray, rtol: float, atol: float, equal_nan: bool):
    """torch.isclose on CPU, rounding as it does: integers and bools are compared in the
    default float dtype, and float16 steps are computed in float32 and rounded to float16
    (rtol and atol stay float32), so results on the tolerance's edge agree with torch's."""
    close = a == e
    if equal_nan and a.dtype.kind == "f":
        close |= np.isnan(a) & np.isnan(e)
    if rtol == 0 and atol == 0:
        return close
    if a.dtype.kind != "f":
        a, e = a.astype(get_default_dtype().numpy_dtype), e.astype(get_default_dtype().numpy_dtype)
    dtype = a.dtype
    step = np.dtype(np.float32) if dtype == np.float16 else dtype
    with np.errstate(all="ignore"):
        scaled = np.abs((step.type(rtol) * e.astype(step)).astype(dtype))
        allowed = (step.type(atol) + scaled.astype(step)).astype(dtype)
        error = np.abs(a - e)
        return close | (np.isfinite(error) & (error <= allowed))


def _scalar_message(a: complex, e: complex, rtol: float, atol: float) -> str:
    """torch's message for two scalars (numbers, or 0-dim tensors' items)."""
    diff = abs(a - e)
    relative = float("inf") if e == 0 else diff / abs(e)
    return _mismatch_message(
        "Scalars", f"Expected {e} but got {a}.", rtol, atol, (diff, None), (relative, None)
    )


def _tensor_message(a: np.ndarray, e: np.ndarray, close: np.ndarray, rtol, atol) -> str:
    """torch's message for tensors: how many elements mismatch, and the greatest absolute and
    relative differences among them (the first, if tied), computed in the dtype (int64 for
    integers and bools, whose relative difference is in the default float dtype)."""
    mismatched, total = int(close.size - np.count_nonzero(close)), close.size
    count = f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})"
    a, e, matched = a.ravel(), e.ravel(), close.ravel()
    if a.dtype.kind != "f":
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        diff = np.abs(a - e)
        diff[matched] = 0
        if diff.dtype.kind != "f":
            float_dtype = get_default_dtype().numpy_dtype
            relative = diff.astype(float_dtype) / np.abs(e).astype(float_dtype)
        else:
            relative = diff / np.abs(e)
        relative[matched] = 0

    def greatest(values: np.ndarray) -> tuple:
        i = int(np.argmax(values))  # the first NaN if any, as torch.max
        return values[i].item(), tuple(int(k) for k in np.unravel_index(i, close.shape))

    return _mismatch_message("Tensor-likes", count, rtol, atol, greatest(diff), greatest(relative))


def _mismatch_message(what: str, extra: str, rtol, atol, absolute: tuple, relative: tuple) -> str:
    """ "<what> are not close!" (or "equal!", with zero tolerances) and the differences, each
    ``(value, index or None)``, with the tolerance allowed unless both are zero."""
    exact = rtol == 0 and atol == 0
    lines = [f"{what} are not {'equal' if exact else 'close'}!", "", extra]
    for kind, (value, index), tol in (("absolute", absolute, atol), ("relative", relative, rtol)):
        line = f"{kind.title()} difference: {value}"
        if index is not None:
            line = f"Greatest {kind} difference: {value} at index {index}"
        lines.append(line if exact else f"{line} (up to {tol} allowed)")
    return "\n".join(lines)
