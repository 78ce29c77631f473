"""Normalisation layers as fused ops: batch norm, layer norm and RMS norm.

Each normalises x to xhat = (x - mean) / sqrt(var + eps) over some axes (RMS norm: x / rms),
then applies an optional per-feature scale and shift. Written as one op, the backward is the
closed form (three reductions) instead of a graph of a dozen small ops. Batch and layer norm
arrange it as torch's CPU kernels do (batch norm: x alpha + beta with per-channel alpha and
beta; layer norm's dx = a dy + b x + c per row), so that an inf or NaN anywhere gives NaN where
torch's does; with finite values the arrangements differ only by rounding.
"""

from __future__ import annotations

import math

import numpy as np

from feedforward.ops.elementwise import ArrayOp


class BatchNorm(ArrayOp):
    """Normalise each channel (dim 1) with the given mean and 1/std, then scale and shift.

    ``batch_stats`` says the statistics are the batch's own (training), so the backward also
    flows through them; otherwise (running statistics, eval) they are constants.

    Forward is x alpha + beta with alpha = invstd w and beta = b - mean alpha per channel (two
    passes over x). Backward, with d = x - mean, dotp = sum(d dy) and sum(dy) per channel:
    dx = (dy - sum(dy) / n - d dotp invstd^2 / n) invstd w in training, dy invstd w in eval;
    dw = dotp invstd; db = sum(dy).
    """

    torch_name = "NativeBatchNorm"

    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd, batch_stats):
        shape = (1, -1) + (1,) * (x.ndim - 2)
        mean = mean.reshape(shape).astype(x.dtype, copy=False)
        invstd = invstd.reshape(shape).astype(x.dtype, copy=False)
        alpha = invstd if weight is None else invstd * weight.reshape(shape)
        beta = -(mean * alpha) if bias is None else bias.reshape(shape) - mean * alpha
        ctx.axes, ctx.batch_stats = (0,) + tuple(range(2, x.ndim)), batch_stats
        ctx.save_for_backward(x, mean, invstd, weight)
        return (x * alpha + beta).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, mean, invstd, weight = ctx.saved_tensors
        axes = ctx.axes
        need = ctx.needs_input_grad + (False, False, False)
        w_invstd = invstd if weight is None else invstd * weight.reshape(invstd.shape)
        centered = x - mean if ctx.batch_stats or need[1] else None
        dotp = (
            np.add.reduce(centered * g, axis=axes, keepdims=True) if centered is not None else None
        )
        sum_g = np.add.reduce(g, axis=axes, keepdims=True)
        gx = gw = gb = None
        if need[0]:
            if ctx.batch_stats:
                n = x.size // x.shape[1]
                k = dotp * invstd * invstd / n
                gx = (g - sum_g / n - centered * k) * w_invstd
            else:
                gx = g * w_invstd
        if need[1]:
            gw = (dotp * invstd).reshape(-1)
        if need[2]:
            gb = sum_g.reshape(-1)
        return gx, gw, gb


class LayerNorm(ArrayOp):
    """Normalise over the last ``n_dims`` dims of each sample, then scale and shift.

    Backward per row of n values, with a = invstd, ds = sum(dy w x) and db = sum(dy w):
    dx = a dy w + b x + c, b = (db mean - ds) a^3 / n, c = -b mean - db a / n;
    dw = sum over rows of dy (x - mean) a; db = sum of dy.
    """

    torch_name = "NativeLayerNorm"

    @staticmethod
    def forward(ctx, x, weight, bias, n_dims, eps):
        axes = tuple(range(x.ndim - n_dims, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        invstd = (1 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        xhat = centered * invstd
        ctx.axes = axes
        ctx.save_for_backward(x, mean, invstd, weight)
        out = xhat
        if weight is not None:
            out = out * weight
        if bias is not None:
            out = out + bias
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, mean, a, weight = ctx.saved_tensors
        axes = ctx.axes
        lead = tuple(range(x.ndim - len(axes)))  # the parameters are shared over these
        need = ctx.needs_input_grad + (False, False, False)
        gx = gw = gb = None
        if need[0]:
            n = math.prod(x.shape[i] for i in axes)
            gw_dy = g if weight is None else g * weight
            ds = np.add.reduce(gw_dy * x, axis=axes, keepdims=True)
            db = np.add.reduce(gw_dy, axis=axes, keepdims=True)
            scale = x.dtype.type(1 / n)  # torch's 1 / n, rounded to the dtype
            b = (db * mean - ds) * a * a * a * scale
            c = -b * mean - db * a * scale
            gx = a * gw_dy + b * x + c
        if need[1]:
            gw = np.add.reduce(g * (x - mean) * a, axis=lead)
        if need[2]:
            gb = np.add.reduce(g, axis=lead)
        return gx, gw, gb


class RmsNorm(ArrayOp):
    """x / sqrt(mean(x^2) + eps) over the last ``n_dims`` dims, times an optional scale."""

    torch_name = "Mul"  # torch composes it: x * rsqrt(mean(x^2) + eps) [* weight]

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


class WeightNorm(ArrayOp):
    """w = g v / ||v||, the norm over every dim of v but ``axis`` (torch's fused kernel, for
    ``axis`` the first or the last dim). g has the norm's keepdim shape.

    Backward, with n = ||v|| and s = sum(dw v) over the same dims:
    dg = s / n;  dv = (g / n) (dw - v s / n^2).
    """

    torch_name = "WeightNormInterface"

    @staticmethod
    def forward(ctx, v, g, axis):
        axes = tuple(d for d in range(v.ndim) if d != axis)
        norm = np.sqrt((v * v).sum(axis=axes, keepdims=True))
        ctx.axes, ctx.g_shape = axes, g.shape
        ctx.save_for_backward(v, g, norm)
        return v * (g.reshape(norm.shape) / norm)

    @staticmethod
    def backward(ctx, dw):
        v, g, norm = ctx.saved_tensors
        s = (dw * v).sum(axis=ctx.axes, keepdims=True)
        need = ctx.needs_input_grad
        dv = (g.reshape(norm.shape) / norm) * (dw - v * (s / (norm * norm))) if need[0] else None
        dg = (s / norm).reshape(ctx.g_shape) if need[1] else None
        return dv, dg
