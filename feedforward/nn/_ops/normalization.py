"""Normalisation layers as fused ops: batch norm, layer norm and RMS norm.

Each normalises x to xhat = (x - mean) / sqrt(var + eps) over some axes (RMS norm: x / rms),
then applies an optional per-feature scale and shift. Written as one op, the backward is the
closed form (three reductions) instead of a graph of a dozen small ops.
"""

from __future__ import annotations

import numpy as np

from feedforward.ops.elementwise import ArrayOp


def normalized_input_grad(gxhat, xhat, invstd, axes, n: int) -> np.ndarray:
    """dL/dx when xhat = (x - mean(x)) * invstd with mean and (biased) var taken over ``axes``.

    Differentiating through the mean and the variance gives
    dx = invstd / n * (n gxhat - sum(gxhat) - xhat sum(gxhat xhat)), sums over the n elements.
    """
    sum_g = gxhat.sum(axis=axes, keepdims=True)
    sum_gx = (gxhat * xhat).sum(axis=axes, keepdims=True)
    return (invstd / n) * (n * gxhat - sum_g - xhat * sum_gx)


def _affine(xhat, weight, bias, shape):
    """xhat * weight + bias, the parameters reshaped by ``shape`` to broadcast."""
    out = xhat
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out.astype(xhat.dtype, copy=False)


def _param_grads(ctx, g, xhat, axes):
    """Gradients of the scale (sum of g xhat) and shift (sum of g) over the reduced axes."""
    need = ctx.needs_input_grad + (False, False, False)
    gw = (g * xhat).sum(axis=axes) if need[1] else None
    gb = g.sum(axis=axes) if need[2] else None
    return gw, gb


class BatchNorm(ArrayOp):
    """Normalise each channel (dim 1) with the given mean and 1/std, then scale and shift.

    ``batch_stats`` says the statistics are the batch's own (training), so the backward also
    flows through them; otherwise (running statistics, eval) they are constants.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd, batch_stats):
        shape = (1, -1) + (1,) * (x.ndim - 2)
        axes = (0,) + tuple(range(2, x.ndim))
        invstd = invstd.reshape(shape).astype(x.dtype, copy=False)
        xhat = (x - mean.reshape(shape)) * invstd
        ctx.axes, ctx.batch_stats = axes, batch_stats
        ctx.save_for_backward(xhat, invstd, weight)
        return _affine(xhat, weight, bias, shape)

    @staticmethod
    def backward(ctx, g):
        xhat, invstd, weight = ctx.saved_tensors
        axes = ctx.axes
        gxhat = g if weight is None else g * weight.reshape(invstd.shape)
        gx = None
        if ctx.needs_input_grad[0]:
            if ctx.batch_stats:
                n = xhat.size // xhat.shape[1]
                gx = normalized_input_grad(gxhat, xhat, invstd, axes, n)
            else:
                gx = gxhat * invstd
        return (gx, *_param_grads(ctx, g, xhat, axes))


class LayerNorm(ArrayOp):
    """Normalise over the last ``n_dims`` dims of each sample, then scale and shift."""

    @staticmethod
    def forward(ctx, x, weight, bias, n_dims, eps):
        axes = tuple(range(x.ndim - n_dims, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        invstd = (1 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        xhat = centered * invstd
        ctx.axes = axes
        ctx.save_for_backward(xhat, invstd, weight)
        return _affine(xhat, weight, bias, x.shape[x.ndim - n_dims :])

    @staticmethod
    def backward(ctx, g):
        xhat, invstd, weight = ctx.saved_tensors
        axes = ctx.axes
        lead = tuple(range(xhat.ndim - len(axes)))  # the parameters are shared over these
        gxhat = g if weight is None else g * weight
        gx = None
        if ctx.needs_input_grad[0]:
            n = int(np.prod([xhat.shape[a] for a in axes]))
            gx = normalized_input_grad(gxhat, xhat, invstd, axes, n)
        return (gx, *_param_grads(ctx, g, xhat, lead))


class RmsNorm(ArrayOp):
    """x / sqrt(mean(x^2) + eps) over the last ``n_dims`` dims, times an optional scale."""

    @staticmethod
    def forward(ctx, x, weight, n_dims, eps):
        axes = tuple(range(x.ndim - n_dims, x.ndim))
        inv_rms = (1 / np.sqrt((x * x).mean(axis=axes, keepdims=True) + eps)).astype(x.dtype)
        y = x * inv_rms
        ctx.axes = axes
        ctx.save_for_backward(y, inv_rms, weight)
        return y if weight is None else y * weight

    @staticmethod
    def backward(ctx, g):
        # y = x r with r = (mean(x^2) + eps)^(-1/2):  dx = r (gy - y mean(gy y))
        y, inv_rms, weight = ctx.saved_tensors
        axes = ctx.axes
        need = ctx.needs_input_grad + (False,)
        gy = g if weight is None else g * weight
        gx = gw = None
        if need[0]:
            gx = inv_rms * (gy - y * (gy * y).mean(axis=axes, keepdims=True))
        if need[1]:
            gw = (g * y).sum(axis=tuple(range(y.ndim - len(axes))))
        return gx, gw
