"""Ops that move values around: embedding lookup (a gather) and padding."""

from __future__ import annotations

import numpy as np

from feedforward.ops.elementwise import ArrayOp


class Embedding(ArrayOp):
    """Rows of ``weight`` picked by integer indices: out[..., :] = weight[indices[...], :]."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None, scale_grad_by_freq=False):
        ctx.meta = weight.shape, indices, padding_idx, scale_grad_by_freq
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        # a row used k times receives the sum of its k gradients (scatter-ADD, not assignment);
        # the padding row receives none
        shape, indices, padding_idx, by_freq = ctx.meta
        flat_idx = indices.reshape(-1)
        rows = g.reshape(-1, shape[1])
        if by_freq:  # scale each row's gradient by 1 / (times it occurs in the batch)
            counts = np.bincount(flat_idx, minlength=shape[0])
            rows = rows / counts[flat_idx][:, None]
        gw = np.zeros(shape, dtype=g.dtype)
        np.add.at(gw, flat_idx, rows)
        if padding_idx is not None:
            gw[padding_idx] = 0
        return gw, None


class ConstantPad(ArrayOp):
    """Pad (or, for negative amounts, crop) each dim by (before, after) with a constant value."""

    torch_name = "ConstantPadNd"

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        crop = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(widths, x.shape))
        grow = [(max(b, 0), max(a, 0)) for b, a in widths]
        return np.pad(x[crop], grow, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):  # the inner region gets its gradient back; the padding had none
        widths = ctx.widths
        inner = tuple(slice(max(b, 0), n - max(a, 0)) for (b, a), n in zip(widths, g.shape))
        regrow = [(max(-b, 0), max(-a, 0)) for b, a in widths]  # cropped parts had zero effect
        return np.pad(g[inner], regrow)


class IndexPad(ArrayOp):
    """Reflect / replicate / circular padding: each output position copies a source position.

    ``sources`` holds, per dim, the index into the input of every output position along it
    (None for an unpadded dim). Backward adds each output's gradient back into its source.
    ``torch_name`` is the node torch shows for the mode (ReflectionPad2DBackward0, ...).
    """

    @staticmethod
    def forward(ctx, x, sources, torch_name):
        ctx.sources, ctx.shape, ctx.torch_name = sources, x.shape, torch_name
        out = x
        for axis, src in enumerate(sources):
            if src is not None:
                out = np.take(out, src, axis=axis)
        return out if out is not x else x.copy()  # never hand back the input's own storage

    @staticmethod
    def backward(ctx, g):
        for axis in reversed(range(len(ctx.sources))):
            src = ctx.sources[axis]
            if src is None:
                continue
            shape = list(g.shape)
            shape[axis] = ctx.shape[axis]
            gx = np.zeros(shape, dtype=g.dtype)
            np.add.at(np.moveaxis(gx, axis, 0), src, np.moveaxis(g, axis, 0))
            g = gx
        return g
