"""``ff.testing.make_tensor``: a tensor of random values in a range, for tests (torch.testing's).

Values come from ff's global generator (``ff.manual_seed`` makes them reproducible); they are
not torch's numbers for the same seed.
"""

from __future__ import annotations

import collections.abc
import math
import warnings

from feedforward import _dtype

__all__ = ["make_tensor"]

_INTEGRAL_TYPES = [_dtype.uint8, _dtype.int8, _dtype.int16, _dtype.int32, _dtype.int64]
_FLOATING_TYPES = [_dtype.float16, _dtype.float32, _dtype.float64]
_BOOLEAN_OR_INTEGRAL_TYPES = [_dtype.bool, *_INTEGRAL_TYPES]


def _uniform_random_(t, low: float, high: float):
    # a range wider than the dtype's largest value would overflow: draw half of it, double it
    if high - low >= _dtype.finfo(t.dtype).max:
        return t.uniform_(low / 2, high / 2).mul_(2)
    return t.uniform_(low, high)


def make_tensor(
    *shape,
    dtype,
    device,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format=None,
):
    """A tensor of ``shape`` filled with values drawn uniformly from [low, high).

    Defaults: [-9, 10) for integers, [-9, 9) for floats, {False, True} for bool; a ``low`` or
    ``high`` beyond the dtype's range is clamped to it (integers round ``low`` and ``high`` up).

    Args:
        shape: ints, or one sequence of ints.
        dtype: the dtype (bool, an integer or a floating dtype).
        device: ``"cpu"`` (ff has only the CPU).
        low: the inclusive lower bound.
        high: the exclusive upper bound.
        requires_grad: for floating dtypes only.
        noncontiguous: a non-contiguous view (every second element of a wider tensor), where
            the tensor has more than one element.
        exclude_zero: replace zeros by 1 (bool, integers) or the dtype's smallest normal number.
        memory_format: passed to ``clone``; exclusive with ``noncontiguous``.

    Example:
        >>> ff.testing.make_tensor(2, 3, dtype=ff.float32, device="cpu", low=-1, high=1)
    """
    from feedforward import creation

    def modify_low_high(
        low, high, *, lowest_inclusive, highest_exclusive, default_low, default_high
    ):
        """The bounds, defaulted, checked and clamped to what the dtype holds."""

        def clamp(a, lo, hi):
            return min(max(a, lo), hi)

        low = low if low is not None else default_low
        high = high if high is not None else default_high
        if any(isinstance(value, float) and math.isnan(value) for value in [low, high]):
            raise ValueError(f"`low` and `high` cannot be NaN, but got {low=} and {high=}")
        elif low == high and dtype in _FLOATING_TYPES:
            warnings.warn(
                "Passing `low==high` to `torch.testing.make_tensor` for floating or complex types "
                "is deprecated since 2.1 and will be removed in 2.3. "
                "Use `torch.full(...)` instead.",
                FutureWarning,
                stacklevel=3,
            )
        elif low >= high:
            raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
        elif high < lowest_inclusive or low >= highest_exclusive:
            raise ValueError(
                f"The value interval specified by `low` and `high` is [{low}, {high}), "
                f"but {dtype} only supports [{lowest_inclusive}, {highest_exclusive})"
            )
        low = clamp(low, lowest_inclusive, highest_exclusive)
        high = clamp(high, lowest_inclusive, highest_exclusive)
        if dtype in _BOOLEAN_OR_INTEGRAL_TYPES:
            return math.ceil(low), math.ceil(high)
        return low, high

    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError(
            "The parameters `noncontiguous` and `memory_format` are mutually exclusive, "
            f"but got {noncontiguous=} and {memory_format=}"
        )
    if requires_grad and dtype in _BOOLEAN_OR_INTEGRAL_TYPES:
        raise ValueError(
            "`requires_grad=True` is not supported for boolean and integral dtypes, but got "
            f"{dtype=}"
        )
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:
        # twice as wide, then every second element of the last dim
        shape = (*shape[:-1], 2 * shape[-1])
    if dtype is _dtype.bool:
        low, high = modify_low_high(
            low, high, lowest_inclusive=0, highest_exclusive=2, default_low=0, default_high=2
        )
        result = creation.randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in _INTEGRAL_TYPES:
        info = _dtype.iinfo(dtype)
        low, high = modify_low_high(
            low,
            high,
            lowest_inclusive=info.min,
            highest_exclusive=info.max + (1 if dtype is not _dtype.int64 else 0),
            default_low=-9,
            default_high=10,
        )
        result = creation.randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in _FLOATING_TYPES:
        info = _dtype.finfo(dtype)
        low, high = modify_low_high(
            low,
            high,
            lowest_inclusive=info.min,
            highest_exclusive=info.max,
            default_low=-9,
            default_high=9,
        )
        result = creation.empty(shape, device=device, dtype=dtype)
        _uniform_random_(result, low, high)
    else:
        raise TypeError(
            f"The requested dtype '{dtype}' is not supported by torch.testing.make_tensor()."
            " To request support, file an issue at: https://github.com/pytorch/pytorch/issues"
        )
    if noncontiguous:
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = 1 if dtype in _BOOLEAN_OR_INTEGRAL_TYPES else _dtype.finfo(dtype).tiny
    if dtype in _FLOATING_TYPES:
        result.requires_grad = requires_grad
    return result
