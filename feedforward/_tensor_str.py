"""Tensor printing that matches ``repr(torch_tensor)`` character for character.

The rules, as torch applies them:

- One formatter serves the whole tensor, so every element has the same width. Floats pick one
  notation from the nonzero finite values: integer-valued floats print as ``2.``; otherwise fixed
  point with ``precision`` decimals, or scientific when the values span more than three orders of
  magnitude, exceed ``1e8`` or fall below ``1e-4``.
- Rows wrap at ``linewidth`` characters; nested dimensions indent one space per level and are
  separated by ``dim - 1`` blank lines.
- A tensor with more than ``threshold`` elements is summarised: each dimension longer than
  ``2 * edgeitems`` shows only its first and last ``edgeitems`` entries around ``...``.
- Items after the values (``dtype=``, ``size=``, ``requires_grad=True``...) join with ``, ``, or
  move to a new line when they would pass ``linewidth``. They are measured with torch's spelling
  (``torch.float64``), so the text is torch's repr with ``torch.`` renamed, breaks included.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

__all__ = ["format_tensor", "set_printoptions", "get_printoptions", "printoptions"]

_PREFIX = "tensor("
_MODULE = "feedforward."  # printed where torch prints "torch."
# Dtypes whose name never needs printing when the tensor is non-empty (besides the default float).
_IMPLIED_DTYPES = ("int64", "bool")


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, like ``torch.set_printoptions``.

    Args:
        precision: digits after the decimal point for floats (default 4).
        threshold: element count above which a tensor is summarised with ``...`` (default 1000).
        edgeitems: entries kept at each end of a summarised dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"`` resets the four options above first;
            the other arguments then override it.
        sci_mode: force scientific notation on (True) or off (False). As in torch, every call
            sets it, so leaving it out restores the automatic choice (None).

    Example:
        >>> set_printoptions(precision=2)
        >>> format_tensor(np.array([1.12345], np.float32), dtype_name="float32")
        'tensor([1.12])'
        >>> set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(
                f"set_printoptions(): profile must be one of {sorted(_PROFILES)}, got {profile!r}"
            )
        for name, value in _PROFILES[profile].items():
            setattr(_OPTS, name, value)
    chosen = dict(precision=precision, threshold=threshold, edgeitems=edgeitems)
    for name, value in (*chosen.items(), ("linewidth", linewidth)):
        if value is not None:
            setattr(_OPTS, name, value)
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options, as keyword arguments for :func:`set_printoptions`."""
    return dataclasses.asdict(_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Change print options for a ``with`` block only; takes set_printoptions' arguments."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _ElementFormatter:
    """Turns each element into a string of one shared width.

    Args:
        shown: the values that will be printed (the summarised data for big tensors); the
            notation and width are chosen from them.
    """

    def __init__(self, shown: np.ndarray):
        self.is_float = shown.dtype.kind == "f"
        self.int_mode = True  # floats that are all whole numbers print as "3."
        self.sci_mode = False
        self.width = 1
        if not self.is_float:
            if shown.size:  # the longest integer (or bool) text is the smallest's or the largest's
                ends = (shown.min().item(), shown.max().item())
                self.width = max(len(str(v)) for v in ends)
            return

        values = shown[np.isfinite(shown) & (shown != 0)]
        if values.size == 0:  # only zeros, nan and inf: keep the defaults above
            return
        magnitudes = np.abs(values).astype(np.float64)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(values == np.ceil(values)))
        if _OPTS.sci_mode is None:
            with np.errstate(over="ignore"):  # a ratio overflowing to inf is simply "> 1000"
                spread = largest / smallest
            self.sci_mode = bool(spread > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = _OPTS.sci_mode

        if self.sci_mode:
            texts = [f"{v:.{_OPTS.precision}e}" for v in values.tolist()]
        elif self.int_mode:
            texts = [f"{v:.0f}." for v in values.tolist()]
        else:
            texts = [f"{v:.{_OPTS.precision}f}" for v in values.tolist()]
        self.width = max(self.width, *map(len, texts))

    def format(self, value: float | int | bool) -> str:
        """One element (a Python scalar), right-aligned to the shared width."""
        if not self.is_float:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."  # marks the tensor as floating point; "nan" and "inf" need no mark
        else:
            text = f"{value:.{_OPTS.precision}f}"
        return text.rjust(self.width)


def _edge_indices(n: int) -> np.ndarray:
    """The positions a summarised dimension of length ``n`` keeps."""
    edge = _OPTS.edgeitems
    if n <= 2 * edge:
        return np.arange(n)
    return np.concatenate([np.arange(edge), np.arange(n - edge, n)])


def _summarized(data: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows, which are the ones the formatter measures."""
    if data.ndim == 0:
        return data
    if data.ndim == 1:
        # torch slices [:edge] and [-edge:]; with edge 0 the latter is the whole row.
        return data if _OPTS.edgeitems == 0 else data[_edge_indices(len(data))]
    if _OPTS.edgeitems == 0:
        return data[:0]
    return data[np.ix_(*(_edge_indices(n) for n in data.shape))]


def _vector_str(row: np.ndarray, indent: int, summarize: bool, fmt: _ElementFormatter) -> str:
    """A 1-D row, wrapped so that each line fits in the line width after ``indent``."""
    per_line = max(1, (_OPTS.linewidth - indent) // (fmt.width + 2))  # 2 for ", "
    edge = _OPTS.edgeitems
    if summarize and edge == 0:
        items = ["..."]
    elif summarize and len(row) > 2 * edge:
        head, tail = row[:edge].tolist(), row[-edge:].tolist()
        items = [fmt.format(v) for v in head] + [" ..."] + [fmt.format(v) for v in tail]
    else:
        items = [fmt.format(v) for v in row.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(data: np.ndarray, indent: int, summarize: bool, fmt: _ElementFormatter) -> str:
    """Any number of dimensions: brackets within brackets, one blank line per extra dimension."""
    if data.ndim == 0:
        return fmt.format(data.item())
    if data.ndim == 1:
        return _vector_str(data, indent, summarize, fmt)
    edge = _OPTS.edgeitems
    if summarize and len(data) > 2 * edge:
        shown = [*range(edge), None, *range(len(data) - edge, len(data))]  # None marks "..."
    else:
        shown = list(range(len(data)))
    inner = indent + 1
    parts = ["..." if i is None else _nested_str(data[i], inner, summarize, fmt) for i in shown]
    separator = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(parts) + "]"


def _values_str(data: np.ndarray, indent: int) -> str:
    """The bracketed values of a non-empty tensor, summarised when it has too many elements."""
    summarize = data.size > _OPTS.threshold
    fmt = _ElementFormatter(_summarized(data) if summarize else data)
    return _nested_str(data, indent, summarize, fmt)


def _join_suffixes(text: str, suffixes: Sequence[str], indent: int) -> str:
    """Append ``, item`` for each suffix, breaking the line before one that would not fit."""
    # torch's measure of the last line (its length plus one for the final newline offset).
    line_len = len(text) - text.rfind("\n") + 1
    pieces = [text]
    for suffix in suffixes:
        # Measure names as torch spells them, so lines break exactly where torch's do.
        width = len(suffix.replace(_MODULE, "torch."))
        if line_len + width + 2 > _OPTS.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            line_len = indent + width
        else:
            pieces.append(", " + suffix)
            line_len += width + 2
    return "".join(pieces) + ")"


def format_tensor(
    data: np.ndarray,
    *,
    suffixes: Sequence[str] = (),
    dtype_name: str,
    default_float: str = "float32",
) -> str:
    """The text ``repr(tensor)`` shows, with ``feedforward.`` where torch says ``torch.``.

    Args:
        data: the tensor's values (bool, integer or floating dtype; any shape).
        suffixes: items the caller appends after the dtype and size, already formatted,
            e.g. ``"requires_grad=True"`` or ``"grad_fn=<MulBackward0>"``.
        dtype_name: the tensor's dtype name, e.g. ``"float64"``; printed unless implied.
        default_float: the current default float dtype name, which is never printed for
            non-empty tensors.

    Example:
        >>> x = np.array([1.0, 2.5])
        >>> format_tensor(x, dtype_name="float64", suffixes=["requires_grad=True"])
        'tensor([1.0000, 2.5000], dtype=feedforward.float64, requires_grad=True)'
    """
    data = np.asarray(data)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"format_tensor(): cannot print values of NumPy dtype {data.dtype}")
    indent = len(_PREFIX)
    items: list[str] = []
    size_item = "size=" + str(tuple(int(n) for n in data.shape))
    dtype_item = f"dtype={_MODULE}{dtype_name}"
    if data.size == 0:
        if data.ndim != 1:  # like NumPy, spell out any empty shape other than (0,)
            items.append(size_item)
        if dtype_name != default_float:  # no values to show it, so even int64 is named
            items.append(dtype_item)
        body = "[]"
    else:
        if _OPTS.edgeitems == 0:  # the values show only "...", so give the shape
            items.append(size_item)
        if dtype_name not in (default_float, *_IMPLIED_DTYPES):
            items.append(dtype_item)
        body = _values_str(data, indent)
    return _join_suffixes(_PREFIX + body, [*items, *suffixes], indent)
