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


class GroupNorm(ArrayOp):
    """Normalise each sample's channels in ``groups`` groups (over the group's channels and
    all spatial positions), then scale and shift per channel.

    Arranged as torch's CPU kernel: forward y = x scale + shift with scale = rstd w[c] and
    shift = b[c] - scale mean per (sample, channel). Backward, with ds = sum(dy x) and
    db = sum(dy) per (sample, channel) and their w-weighted sums over each group:
    dx = rstd w dy + c2 x + c3, c2 = (db_w mean - ds_w) rstd^3 / n, c3 = -c2 mean - db_w rstd / n;
    dw = sum over samples of (ds - db mean) rstd; db = sum of dy.
    """

    torch_name = "NativeGroupNorm"

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps):
        n, c = x.shape[0], x.shape[1]
        rows = x.reshape(n, groups, -1)  # each row one (sample, group)
        mean = rows.mean(axis=-1, keepdims=True)
        centered = rows - mean
        var = (centered * centered).mean(axis=-1, keepdims=True)
        rstd = (1 / np.sqrt(np.maximum(var, 0) + eps)).astype(x.dtype, copy=False)
        ctx.groups = groups
        ctx.save_for_backward(x, mean, rstd, weight)
        if weight is None and bias is None:
            return (centered * rstd).reshape(x.shape)
        # per (sample, channel): the group's statistics repeated over its channels
        per_channel = (n, c) + (1,) * (x.ndim - 2)
        mean_c = np.repeat(mean.reshape(n, groups), c // groups, axis=1).reshape(per_channel)
        scale = np.repeat(rstd.reshape(n, groups), c // groups, axis=1).reshape(per_channel)
        shape = (1, c) + (1,) * (x.ndim - 2)
        if weight is not None:
            scale = scale * weight.reshape(shape)
        shift = -scale * mean_c
        if bias is not None:
            shift = shift + bias.reshape(shape)
        return (x * scale + shift).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, mean, rstd, weight = ctx.saved_tensors
        groups = ctx.groups
        n, c = x.shape[0], x.shape[1]
        need = ctx.needs_input_grad + (False, False, False)
        flat_g, flat_x = g.reshape(n, c, -1), x.reshape(n, c, -1)
        ds = np.add.reduce(flat_g * flat_x, axis=-1)  # (n, c)
        db = np.add.reduce(flat_g, axis=-1)
        mean_g, rstd_g = mean.reshape(n, groups), rstd.reshape(n, groups)
        gx = gw = gb = None
        if need[0]:
            ds_w, db_w = (ds, db) if weight is None else (ds * weight, db * weight)
            ds_w = ds_w.reshape(n, groups, -1).sum(axis=-1)
            db_w = db_w.reshape(n, groups, -1).sum(axis=-1)
            scale = x.dtype.type(1 / (x.size // (n * groups)))
            c2 = (db_w * mean_g - ds_w) * rstd_g * rstd_g * rstd_g * scale
            c3 = -c2 * mean_g - db_w * rstd_g * scale
            c1 = np.repeat(rstd_g, c // groups, axis=1)  # (n, c)
            if weight is not None:
                c1 = c1 * weight
            expand = (n, groups, 1)
            gx = flat_g.reshape(n, groups, -1) * np.repeat(c1, flat_g.shape[2], axis=1).reshape(
                n, groups, -1
            )
            gx = gx + c2.reshape(expand) * x.reshape(n, groups, -1) + c3.reshape(expand)
            gx = gx.reshape(x.shape).astype(x.dtype, copy=False)
        if need[1]:
            per_group = c // groups
            mean_c = np.repeat(mean_g, per_group, axis=1)
            rstd_c = np.repeat(rstd_g, per_group, axis=1)
            gw = np.add.reduce((ds - db * mean_c) * rstd_c, axis=0)
        if need[2]:
            gb = np.add.reduce(db, axis=0)
        return gx, gw, gb
