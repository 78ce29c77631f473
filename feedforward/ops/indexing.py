"""Indexing ops. Picking elements out is easy; the backward must put each gradient back where its
element came from, and ADD where one element was picked several times (``np.add.at``), since an
element used twice gets both gradients.
"""

from __future__ import annotations

import numpy as np

from feedforward.ops._util import broadcast_error, unbroadcast, zero_where
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
        out = Index.forward(ctx, x, index)
        if type(out) is not np.ndarray:  # one element: NumPy's is a scalar copy, torch's a view
            out = x[(*index, ...) if isinstance(index, tuple) else (index, ...)]
        return out


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


def _leading(src: np.ndarray, shape: tuple) -> np.ndarray:
    """The leading ``shape`` block of src: what the scatters read of a src larger than index.
    (An empty index may have another number of dims, as torch allows: nothing is read.)"""
    if src.shape == shape:
        return src  # itself, so that its version is watched where it is saved
    if src.ndim != len(shape):
        return np.empty(shape, src.dtype)
    return src[tuple(slice(0, n) for n in shape)]


class ScatterAdd(ArrayOp):
    @staticmethod
    def forward(ctx, x, axis, index, src):
        ctx.axis = axis
        ctx.save_for_backward(index)
        out = x.copy()
        _add_along_axis(out, index, _leading(src, index.shape), axis)
        ctx.src_shape = src.shape
        return out

    @staticmethod
    def backward(ctx, g):  # x passes through; each src element gets the gradient where it landed
        (index,) = ctx.saved_tensors
        gsrc = np.zeros(ctx.src_shape, dtype=g.dtype)
        gsrc[tuple(slice(0, n) for n in index.shape)] = g[_along_axis(index, ctx.axis)]
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
            out[_along_axis(index, axis)] = _leading(src, index.shape)
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


# scatter_reduce's reductions: NumPy's ufunc.at reduces repeated indices one after another, in
# the index's order, as torch's CPU loop does ("max"/"min": torch's forward takes them too)
_REDUCE_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply}
_REDUCE_UFUNCS.update(amax=np.maximum, amin=np.minimum, max=np.maximum, min=np.minimum)


def _reduce_identity(reduce: str, dtype: np.dtype):
    """Where a position starts from without include_self: the reduction's identity."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    largest = reduce in ("amax", "max")
    if dtype.kind == "f":
        return -np.inf if largest else np.inf
    if dtype.kind == "b":
        return not largest
    return np.iinfo(dtype).min if largest else np.iinfo(dtype).max


def _scatter_reduce(x, axis, index, src, reduce, include_self) -> np.ndarray:
    """x with src (of index's shape) reduced into it at index along axis."""
    where = _along_axis(index, axis)
    out = x.copy()
    if not include_self:
        out[where] = _reduce_identity(reduce, x.dtype)
    _REDUCE_UFUNCS[reduce].at(out, where, src)
    if reduce == "mean":  # the sum (wrapped in the dtype, as torch's) over the count
        count = np.full(x.shape, int(include_self), x.dtype)
        np.add.at(count, where, 1)
        count[count == 0] = 1
        divide = np.true_divide if x.dtype.kind == "f" else np.floor_divide
        divide(out, count, out=out)
    elif reduce in ("amax", "amin", "max", "min") and x.dtype.kind == "f":
        _first_zero_wins(out, x, where, src, include_self)
    return out


def _first_zero_wins(out, x, where, src, include_self) -> None:
    """torch's max and min keep what they hold on a tie, so of 0.0 and -0.0 the first seen
    (self, then src in order) is the result; NumPy's maximum may take either."""
    zero = src == 0
    if not zero.any():
        return
    none = src.size
    first = np.full(out.shape, none)  # the first src zero sent to each position
    np.minimum.at(first, where, np.where(zero, np.arange(none).reshape(src.shape), none))
    from_src = (out == 0) & (first < none)
    if include_self:
        from_self = (out == 0) & (x == 0)
        out[from_self] = x[from_self]
        from_src &= ~from_self
    out[from_src] = src.reshape(-1)[first[from_src]]


def _scatter_reduce_grads(ctx, g):
    """torch's scatter_reduce_backward, formula for formula (so its NaNs and infs too): the
    gradient to x and to src, before include_self=False zeroes x's where src was sent."""
    reduce, axis, include_self = ctx.reduce, ctx.axis, ctx.include_self
    index, *saved = ctx.saved_tensors
    where = _along_axis(index, axis)
    need_x, need_src = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
    gx = gsrc = None
    if reduce == "sum":
        gx = g
        gsrc = g[where] if need_src else None
    elif reduce == "mean":  # each of the count (self's too, with include_self) gets 1/count
        count = np.full(g.shape, int(include_self), g.dtype)
        np.add.at(count, where, 1)
        count[count == 0] = 1
        gx = g / count
        gsrc = gx[where] if need_src else None
    elif reduce in ("amax", "amin"):  # shared evenly by every element equal to the result
        x, src, out = saved
        self_is, src_is = x == out, src == out[where]
        count = self_is.astype(g.dtype)  # (self's even without include_self, as torch)
        np.add.at(count, where, src_is.astype(g.dtype))
        shared = g / count
        gx = self_is * shared if need_x else None
        gsrc = src_is * shared[where] if need_src else None
    else:  # prod: the product of the others, computed without dividing by a zero
        x, src, out = saved
        one = x.dtype.type(1)
        if need_x:
            x_or_1 = np.where(x == 0, one, x)
            gx = g * _scatter_reduce(x_or_1, axis, index, src, "prod", include_self) / x_or_1
        if need_src:
            zero = src == 0
            zeros = np.zeros(x.shape, g.dtype)
            np.add.at(zeros, where, zero.astype(g.dtype))
            lone_zero = zero & (zeros[where] == 1)
            src_or_1 = np.where(lone_zero, one, src)
            others = _scatter_reduce(x, axis, index, src_or_1, "prod", include_self)
            gsrc = np.where(
                lone_zero,
                (g * others)[where],
                (g * out)[where] / np.where(zero, one, src),
            )
    return gx, gsrc


class ScatterReduce(ArrayOp):
    """x with ``src`` reduced into it at ``index`` along ``axis``: out[..., index[i], ...] is the
    sum, prod, mean, amax or amin of the src[i] sent there (and of x's own, with include_self).
    A 0-dim x is reduced as one element."""

    @staticmethod
    def forward(ctx, x, axis, index, src, reduce, include_self):
        ctx.axis, ctx.reduce, ctx.include_self = axis, reduce, include_self
        ctx.shape, ctx.src_shape = x.shape, src.shape
        x, src = x.reshape(-1) if x.ndim == 0 else x, _leading(src, index.shape)
        out = _scatter_reduce(x, axis, index, src, reduce, include_self)
        if reduce in ("sum", "mean"):
            ctx.save_for_backward(index)
        else:
            ctx.save_for_backward(index, x, src, out)
        return out if out.shape == ctx.shape else out.reshape(ctx.shape)

    @staticmethod
    def backward(ctx, g):
        reduce, index_shape = ctx.reduce, ctx.saved_tensors[0].shape
        if reduce in ("max", "min"):
            raise RuntimeError(
                "Expected 'reduce' to be one of 'sum', 'prod', 'mean', 'amax', 'amin' but got "
                f"{reduce}."
            )
        if index_shape != ctx.src_shape:  # torch's gradient is of index's shape: refused
            if reduce not in ("sum", "mean"):  # (its formula compares src with index's shape)
                try:
                    np.broadcast_shapes(ctx.src_shape, index_shape)
                except ValueError:
                    raise broadcast_error("scatter_reduce", ctx.src_shape, index_shape) from None
            if ctx.needs_input_grad[3]:
                raise RuntimeError(
                    "Function ScatterReduceBackward0 returned an invalid gradient at index 1 - got "
                    f"{list(index_shape)} but expected shape compatible with {list(ctx.src_shape)}"
                )
        g = g.reshape(-1) if g.ndim == 0 else g
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            gx, gsrc = _scatter_reduce_grads(ctx, g)
        if gx is not None and ctx.needs_input_grad[0]:
            if not ctx.include_self:  # what src replaced passes nothing back
                gx = gx.copy() if gx is g else gx
                gx[_along_axis(ctx.saved_tensors[0], ctx.axis)] = 0
            gx = gx.reshape(ctx.shape)
        else:
            gx = None
        return gx, None, None, gsrc, None, None


class ScatterAccumulate(ArrayOp):
    """``scatter(..., reduce="add" | "multiply")``: x with src (or one number) added or
    multiplied in at index, repeats accumulating. torch defines no derivative for it: its node
    is NotImplemented and refuses backward."""

    torch_name = "NotImplemented"
    aten_name = "scatter"  # the in-place method's node says scatter_

    @staticmethod
    def forward(ctx, x, axis, index, src, reduce):
        out = x.copy()
        if isinstance(src, np.ndarray):
            src = _leading(src, index.shape)
        else:  # the number in x's dtype, as torch casts it (2.5 into a long tensor is 2)
            src = np.asarray(src).astype(x.dtype)
        (np.add if reduce == "add" else np.multiply).at(out, _along_axis(index, axis), src)
        return out

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(f"derivative for aten::{ctx.aten_name} is not implemented")


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


class IndexAdd(ArrayOp):
    """x with alpha * src[i] added at index[i] along ``axis`` (repeats add up)."""

    @staticmethod
    def forward(ctx, x, axis, index, src, alpha=1):
        ctx.axis, ctx.alpha, ctx.src_shape = axis, alpha, src.shape
        ctx.save_for_backward(index)
        out = x.copy()
        src = src if alpha == 1 else src * alpha
        np.add.at(
            np.moveaxis(_atleast_1d(out), axis, 0), index, np.moveaxis(_atleast_1d(src), axis, 0)
        )
        return out

    @staticmethod
    def backward(ctx, g):  # x passes through; src[i] gets alpha times the gradient at index[i]
        (index,) = ctx.saved_tensors
        gsrc = None
        if ctx.needs_input_grad[3]:
            gsrc = np.take(_atleast_1d(g), index, axis=ctx.axis).reshape(ctx.src_shape)
            gsrc = gsrc if ctx.alpha == 1 else gsrc * ctx.alpha
        return g, None, None, gsrc


def _atleast_1d(a: np.ndarray) -> np.ndarray:
    """A 0-dim array as a 1-element view of it (index_add and index_copy take a number as a
    vector of one)."""
    return a.reshape(1) if a.ndim == 0 else a


class IndexCopy(ArrayOp):
    """x with src[i] written at index[i] along ``axis``."""

    @staticmethod
    def forward(ctx, x, axis, index, src):
        ctx.axis, ctx.src_shape = axis, src.shape
        ctx.save_for_backward(index)
        out = x.copy()
        np.moveaxis(_atleast_1d(out), axis, 0)[index] = np.moveaxis(_atleast_1d(src), axis, 0)
        return out

    @staticmethod
    def backward(ctx, g):  # overwritten places pass nothing back to x; src[i] gets index[i]'s
        (index,) = ctx.saved_tensors
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = g.copy()
            np.moveaxis(_atleast_1d(gx), ctx.axis, 0)[index] = 0
        if ctx.needs_input_grad[3]:
            gsrc = np.take(_atleast_1d(g), index, axis=ctx.axis).reshape(ctx.src_shape)
        return gx, None, None, gsrc


class MaskedScatter(ArrayOp):
    """x with the leading elements of src (in order) written where mask (x's shape) is True."""

    @staticmethod
    def forward(ctx, x, mask, src):
        ctx.src_shape = src.shape
        ctx.save_for_backward(mask)
        out = x.copy()
        out[mask] = src.reshape(-1)[: np.count_nonzero(mask)]
        return out

    @staticmethod
    def backward(ctx, g):  # masked places pass nothing back to x; src's leading ones get them
        (mask,) = ctx.saved_tensors
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = zero_where(g, mask)
        if ctx.needs_input_grad[2]:
            picked = g[mask]
            gsrc = np.zeros(int(np.prod(ctx.src_shape)), dtype=g.dtype)
            gsrc[: picked.size] = picked
            gsrc = gsrc.reshape(ctx.src_shape)
        return gx, None, gsrc
