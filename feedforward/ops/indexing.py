"""Indexing ops. Picking elements out is easy; the backward must put each gradient back where its
element came from, and ADD where one element was picked several times (``np.add.at``), since an
element used twice gets both gradients.
"""

from __future__ import annotations

import numpy as np

from feedforward.ops._util import unbroadcast
from feedforward.ops.elementwise import ArrayOp


def _is_basic(index) -> bool:
    """Ints, slices, None and Ellipsis only: NumPy returns a view and no element repeats."""
    items = index if isinstance(index, tuple) else (index,)
    return all(
        i is None
        or i is Ellipsis
        or isinstance(i, slice | int | np.integer)
        and not isinstance(i, bool)
        for i in items
    )


class Index(ArrayOp):
    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.shape, ctx.dtype = index, x.shape, x.dtype
        return x[index]

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        if _is_basic(ctx.index):
            gx[ctx.index] = g  # a view: every position appears once
        else:
            np.add.at(gx, ctx.index, g)  # repeated indices accumulate
        return gx


class BasicIndex(Index):
    """Indexing with ints/slices: the result is a view of the input, as in torch."""

    is_view = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.torch_name = _basic_index_name(index, x.shape)
        return Index.forward(ctx, x, index)


def _basic_index_name(index, shape: tuple) -> str:
    """torch's node for x[index]: it applies select (an int), slice and unsqueeze (None) in
    turn, skipping a slice that keeps its whole dim, so the last one applied names the node
    (none at all: an alias). A lone slice is always applied."""
    if isinstance(index, slice):
        return "Slice"
    items = index if isinstance(index, tuple) else (index,)
    consumed = sum(1 for i in items if i is not None and i is not Ellipsis)
    name, dim = "Alias", 0
    for i in items:
        if i is Ellipsis:
            dim += len(shape) - consumed
        elif i is None:
            name = "Unsqueeze"
        elif isinstance(i, slice):
            if i.indices(shape[dim]) != (0, shape[dim], 1):
                name = "Slice"
            dim += 1
        else:
            name, dim = "Select", dim + 1
    return name


class Gather(ArrayOp):
    @staticmethod
    def forward(ctx, x, axis, index):
        ctx.axis, ctx.shape = axis, x.shape
        ctx.save_for_backward(index)
        return np.take_along_axis(x, index, axis=axis)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        _add_along_axis(gx, index, g, ctx.axis)
        return gx, None, None


def _along_axis(index: np.ndarray, axis: int) -> tuple:
    """The fancy index of x[..., index[i], ...] along ``axis``: i's own position elsewhere."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[axis] = index
    return tuple(grids)


def _add_along_axis(target: np.ndarray, index: np.ndarray, values: np.ndarray, axis: int) -> None:
    """target[..., index[i], ...] += values[i] along ``axis``, accumulating repeats."""
    np.add.at(target, _along_axis(index, axis), values)


class ScatterAdd(ArrayOp):
    @staticmethod
    def forward(ctx, x, axis, index, src):
        ctx.axis = axis
        ctx.save_for_backward(index)
        out = x.copy()
        _add_along_axis(out, index, src[tuple(slice(0, n) for n in index.shape)], axis)
        ctx.src_shape = src.shape
        return out

    @staticmethod
    def backward(ctx, g):  # x passes through; each src element gets the gradient where it landed
        (index,) = ctx.saved_tensors
        gsrc = np.zeros(ctx.src_shape, dtype=g.dtype)
        gsrc[tuple(slice(0, n) for n in index.shape)] = np.take_along_axis(g, index, axis=ctx.axis)
        return g, None, None, gsrc


class Scatter(ArrayOp):
    """x with ``src`` written at ``index`` along ``axis``: out[..., index[i], ...] = src[i]
    (the leading index.shape block of a src tensor, or one number everywhere)."""

    @staticmethod
    def forward(ctx, x, axis, index, src):
        ctx.axis = axis
        ctx.save_for_backward(index)
        out = x.copy()
        if isinstance(src, np.ndarray):
            ctx.src_shape = src.shape
            out[_along_axis(index, axis)] = src[tuple(slice(0, n) for n in index.shape)]
        else:
            ctx.torch_name = "ScatterBackward1"  # torch's overload with a value
            out[_along_axis(index, axis)] = src
        return out

    @staticmethod
    def backward(ctx, g):  # overwritten places pass nothing back to x; src gets what landed
        (index,) = ctx.saved_tensors
        where = _along_axis(index, ctx.axis)
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = g.copy()
            gx[where] = 0
        if len(ctx.needs_input_grad) > 3 and ctx.needs_input_grad[3]:
            gsrc = np.zeros(ctx.src_shape, dtype=g.dtype)
            gsrc[tuple(slice(0, n) for n in index.shape)] = g[where]
        return gx, None, None, gsrc


class IndexSelect(ArrayOp):
    @staticmethod
    def forward(ctx, x, axis, index):
        ctx.axis, ctx.shape = axis, x.shape
        ctx.save_for_backward(index)
        return np.take(x, index, axis=axis)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        moved = np.moveaxis(gx, ctx.axis, 0)  # a view: add.at along the first axis writes gx
        np.add.at(moved, index, np.moveaxis(g, ctx.axis, 0))
        return gx, None, None


class MaskedFill(ArrayOp):
    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.shape = x.shape
        ctx.save_for_backward(mask)
        return np.where(mask, np.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, g):  # filled positions no longer depend on x
        (mask,) = ctx.saved_tensors
        gx = np.where(mask, 0, g).astype(g.dtype, copy=False)
        need_value = len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]
        gv = np.sum(np.where(mask, g, 0)).astype(g.dtype) if need_value else None
        return unbroadcast(gx, ctx.shape), None, gv


class IndexPut(ArrayOp):
    """``x[index] = value`` as a new value of x: the overwritten positions get no gradient."""

    @staticmethod
    def forward(ctx, x, value, index, accumulate=False):
        ctx.index, ctx.value_shape, ctx.accumulate = index, np.shape(value), accumulate
        out = x.copy()
        if accumulate:
            np.add.at(out, index, value)
        else:
            out[index] = value
        return out

    @staticmethod
    def backward(ctx, g):
        gx = g.copy()
        if not ctx.accumulate:
            gx[ctx.index] = 0
        gv = None
        if ctx.needs_input_grad[1]:
            gv = unbroadcast(np.asarray(g[ctx.index]), ctx.value_shape)
        return gx, gv, None
