"""Shape ops: they move values around without changing them, so backward moves the gradient back.

Reshape's backward reshapes, transpose's transposes back, expand's sums over what was repeated,
cat's splits, stack's unstacks.
"""

from __future__ import annotations

import numpy as np

from feedforward.ops._util import unbroadcast
from feedforward.ops.elementwise import ArrayOp


class View(ArrayOp):
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Reshape(View):
    """A reshape that the input's memory layout does not allow as a view: a copy, in storage of
    its own (torch shows an UnsafeView node). ``reshape_op`` picks it or View."""

    is_view = False
    torch_name = "UnsafeView"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        out = x.reshape(shape)
        return out.copy() if np.may_share_memory(out, x) else out  # (ravel: always a copy)


def reshape_op(x: np.ndarray, shape: tuple) -> type[View]:
    """View where NumPy reshapes x to ``shape`` without copying (torch's reshape is a view
    then), else Reshape."""
    if x.flags.c_contiguous or not x.size:
        return View
    try:
        np.ndarray.view(x).shape = shape  # NumPy refuses where reshaping needs a copy
    except AttributeError:
        return Reshape
    return View


class Permute(ArrayOp):
    is_view = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, g):  # apply the inverse permutation
        return np.transpose(g, np.argsort(ctx.axes))


class Transpose(ArrayOp):
    is_view = True

    @staticmethod
    def forward(ctx, x, dim0, dim1):
        ctx.dims = (dim0, dim1)
        return np.swapaxes(x, dim0, dim1)

    @staticmethod
    def backward(ctx, g):
        return np.swapaxes(g, *ctx.dims)


class T(Transpose):
    @staticmethod
    def forward(ctx, x):
        ctx.dims = (0, 1) if x.ndim == 2 else (0, 0)
        return x.T


class Expand(ArrayOp):
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):  # each input element was repeated: add up the copies' gradients
        return unbroadcast(g, ctx.shape)


class Repeat(ArrayOp):
    @staticmethod
    def forward(ctx, x, repeats):
        lead = len(repeats) - x.ndim
        ctx.shape = (1,) * lead + x.shape
        ctx.repeats, ctx.in_shape = repeats, x.shape
        return np.tile(x.reshape(ctx.shape), repeats)

    @staticmethod
    def backward(ctx, g):  # fold each tiled axis (r * n) into (r, n) and sum over r
        split = []
        for r, n in zip(ctx.repeats, ctx.shape):
            split += [r, n]
        g = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return g.reshape(ctx.in_shape)


class Cat(ArrayOp):
    @staticmethod
    def forward(ctx, axis, *xs):
        ctx.axis, ctx.sizes = axis, [x.shape[axis] for x in xs]
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        bounds = np.cumsum(ctx.sizes)[:-1]
        return (None, *np.split(g, bounds, axis=ctx.axis))


class Stack(ArrayOp):
    @staticmethod
    def forward(ctx, axis, *xs):
        ctx.axis = axis
        return np.stack(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return (None, *np.moveaxis(g, ctx.axis, 0))


class Flip(ArrayOp):
    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.flip(x, axes).copy()

    @staticmethod
    def backward(ctx, g):
        return np.flip(g, ctx.axes)


class Roll(ArrayOp):
    """Shift elements along dims, wrapping around (no dims: over the flattened tensor)."""

    @staticmethod
    def forward(ctx, x, shifts, axes):
        ctx.shifts, ctx.axes = shifts, axes
        return np.roll(x, shifts, axes)

    @staticmethod
    def backward(ctx, g):  # roll the gradient back by the opposite shifts
        return np.roll(g, tuple(-s for s in ctx.shifts), ctx.axes)


def diagonal_view(x: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """The diagonal of x over dim1 and dim2 as its last dim, a view that writes into x as
    torch's (NumPy's is read-only)."""
    d = np.diagonal(x, offset, dim1, dim2)
    if x.flags.writeable:
        d.flags.writeable = True
    return d


def embed_diagonal(g: np.ndarray, shape: tuple, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """Zeros of ``shape`` with ``g`` on the diagonal: the inverse of taking it."""
    out = np.zeros(shape, dtype=g.dtype)
    diagonal_view(out, offset, dim1, dim2)[...] = g
    return out


class Diagonal(ArrayOp):
    """The elements x[..., i, ..., i + offset, ...] of two dims, as a view."""

    is_view = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.dims = x.shape, (offset, dim1, dim2)
        return diagonal_view(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, g):  # the gradient goes back on the diagonal, zeros elsewhere
        return embed_diagonal(g, ctx.shape, *ctx.dims)


class Diag(ArrayOp):
    """torch.diag: a vector becomes a square matrix with it on a diagonal; a matrix gives a copy
    of one of its diagonals."""

    @staticmethod
    def forward(ctx, x, offset):
        ctx.shape, ctx.offset = x.shape, offset
        if x.ndim == 1:
            ctx.torch_name = "DiagEmbed"
            return np.diag(x, offset)
        ctx.torch_name = "DiagonalBackward0_copy"
        return np.diagonal(x, offset).copy()

    @staticmethod
    def backward(ctx, g):  # each one undoes the other
        if len(ctx.shape) == 1:
            return np.diagonal(g, ctx.offset).copy()
        return embed_diagonal(g, ctx.shape, ctx.offset, 0, 1)


def unfold_view(x: np.ndarray, axis: int, size: int, step: int) -> np.ndarray:
    """The windows of ``size`` elements ``step`` apart along ``axis`` as a new last dim: a view of
    x by strides alone (writeable when x is, as torch's), its windows overlapping where step <
    size. The caller checks 0 <= size <= x.shape[axis] and step > 0, which keeps every window
    inside x's memory."""
    if x.ndim == 0:  # torch: the one element as the only window, of size 1 (or 0)
        return x.reshape(1)[:size]
    n, stride = x.shape[axis], x.strides[axis]
    shape = x.shape[:axis] + ((n - size) // step + 1,) + x.shape[axis + 1 :] + (size,)
    strides = x.strides[:axis] + (stride * step,) + x.strides[axis + 1 :] + (stride,)
    return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)


class Unfold(ArrayOp):
    """Tensor.unfold: sliding windows along a dim, as a view."""

    is_view = True

    @staticmethod
    def forward(ctx, x, axis, size, step):
        ctx.shape, ctx.args = x.shape, (axis, size, step)
        return unfold_view(x, axis, size, step)

    @staticmethod
    def backward(ctx, g):  # each window's gradient goes back where it came from
        axis, size, step = ctx.args
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        windows = unfold_view(gx, axis, size, step)  # writes into gx
        if step >= size:  # no element is in two windows: a copy, as torch's (-0.0 stays -0.0)
            windows[...] = g
            return gx
        # An element in several windows gets their sum, added window after window as torch's
        # kernel does; each += below writes every element of gx at most once.
        last = windows.ndim - 1
        count = windows.shape[axis]
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN, silently as torch
            if size <= count:  # one strided slice per position in the window, last one first
                for j in reversed(range(size)):
                    index = (slice(None),) * last + (j,)
                    windows[index] += g[index]
            else:  # one slice per window
                for w in range(count):
                    index = (slice(None),) * axis + (w,)
                    windows[index] += g[index]
        return gx


class Rot90(ArrayOp):
    """A quarter turn k times in the plane of two dims, from the first towards the second; a
    copy, as torch's (k = 0 too)."""

    @staticmethod
    def forward(ctx, x, k, axes):
        ctx.k, ctx.axes = k, axes
        return np.rot90(x, k, axes).copy()

    @staticmethod
    def backward(ctx, g):  # turn the gradient back
        return np.rot90(g, -ctx.k, ctx.axes)


class DiagEmbed(ArrayOp):
    """The last dim of x on the diagonal (offset) of two new dims, zeros elsewhere."""

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.dims = (offset, dim1, dim2)
        n = x.shape[-1] + abs(offset) if x.ndim else 1
        shape = list(x.shape[:-1])
        for d in sorted((dim1, dim2)):
            shape.insert(d, n)
        return embed_diagonal(x, tuple(shape), offset, dim1, dim2)

    @staticmethod
    def backward(ctx, g):  # the gradient of the diagonal, the rest fed nothing
        return diagonal_view(g, *ctx.dims).copy()


class BlockDiag(ArrayOp):
    """Matrices along the diagonal of one matrix, zeros elsewhere (``api.block_diag`` has made
    every input a matrix of one dtype)."""

    @staticmethod
    def forward(ctx, dtype, *xs):
        rows = [0, *np.cumsum([x.shape[0] for x in xs])]
        cols = [0, *np.cumsum([x.shape[1] for x in xs])]
        ctx.blocks = list(zip(rows, rows[1:], cols, cols[1:]))
        out = np.zeros((rows[-1], cols[-1]), dtype=dtype)
        for x, (r0, r1, c0, c1) in zip(xs, ctx.blocks):
            out[r0:r1, c0:c1] = x
        return out

    @staticmethod
    def backward(ctx, g):  # each input gets its own block of the gradient
        return (None, *(g[r0:r1, c0:c1] for r0, r1, c0, c1 in ctx.blocks))


class ScatterInto(ArrayOp):
    """A copy of x with one part of it (``part(array)``, a view: a select, a slice or a
    diagonal) replaced by src, cast to x's dtype: torch's select_scatter, slice_scatter and
    diagonal_scatter (``torch_name``). x's gradient is g with that part zeroed, src's is g's part.
    """

    @staticmethod
    def forward(ctx, x, src, part, torch_name: str):
        ctx.part, ctx.torch_name = part, torch_name
        out = x.copy()
        part(out)[...] = src
        return out

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        gx = gsrc = None
        if need[0]:
            gx = g.copy()
            ctx.part(gx)[...] = 0
        if need[1]:
            gsrc = ctx.part(g).copy()
        return gx, gsrc
