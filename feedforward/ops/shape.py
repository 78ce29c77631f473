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
    """Like View, but copies when the input's memory layout does not allow a view (then torch
    shows an UnsafeView node)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        out = x.reshape(shape)
        ctx.torch_name = "View" if np.may_share_memory(out, x) or not x.size else "UnsafeView"
        return out


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
