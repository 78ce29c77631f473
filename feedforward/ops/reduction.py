"""Reductions (sum, mean, var, max, logsumexp, ...) and the normalising ops softmax/log_softmax.

They call the ufuncs' ``reduce`` directly (``np.add.reduce`` rather than ``np.sum``): same result,
without NumPy's Python-level dispatch, which costs more than the arithmetic on small tensors.

A reduction's backward spreads the output gradient back over the elements that were reduced:
``expand`` re-inserts the reduced dims (when keepdim=False) so it broadcasts against the input.
"""

from __future__ import annotations

import numpy as np

from feedforward.ops._selection import sort_order
from feedforward.ops._util import zero_where
from feedforward.ops.elementwise import ArrayOp


def expand(g: np.ndarray, axes, keepdim: bool) -> np.ndarray:
    """Re-insert the reduced ``axes`` as size-1 dims so ``g`` broadcasts against the input."""
    if keepdim or axes is None and g.ndim == 0:
        return g
    if axes is None:
        return g
    return np.expand_dims(g, axes)


def spread(g: np.ndarray, shape: tuple) -> np.ndarray:
    """``g`` repeated over ``shape``, as a new array (cheaper than ``np.broadcast_to``)."""
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


class Sum(ArrayOp):
    @staticmethod
    def forward(ctx, x, axes=None, keepdim=False, dtype=None):
        ctx.axes, ctx.keepdim, ctx.shape = axes, keepdim, x.shape
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64  # torch sums integers and bools in int64
        return np.add.reduce(x, axis=axes, dtype=dtype, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):  # every summed element gets the output's gradient
        return spread(expand(g, ctx.axes, ctx.keepdim), ctx.shape)


class Mean(ArrayOp):
    @staticmethod
    def forward(ctx, x, axes=None, keepdim=False):
        ctx.axes, ctx.keepdim, ctx.shape = axes, keepdim, x.shape
        ctx.count = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        return np.add.reduce(x, axis=axes, keepdims=keepdim) / ctx.count

    @staticmethod
    def backward(ctx, g):  # each of the n elements contributed 1/n
        g = expand(g, ctx.axes, ctx.keepdim) / ctx.count
        return spread(g, ctx.shape)


class Prod(ArrayOp):
    @staticmethod
    def forward(ctx, x, axis=None, keepdim=False):
        # (api.prod has made integers int64, unless another dtype was asked for)
        out = np.prod(x, axis=axis, keepdims=keepdim, dtype=x.dtype)
        ctx.axis, ctx.keepdim = axis, keepdim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):  # d prod / dx_i = product of the other elements: torch's three cases
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return g
        axis = ctx.axis
        g = expand(g, axis, ctx.keepdim)
        zeros = np.count_nonzero(x == 0)
        if zeros == 0:  # torch's form where nothing is zero: the product over the element
            return g * (expand(out, axis, ctx.keepdim) / x)
        if axis is None:
            if zeros > 1:  # every product of the others has a zero in it
                return np.zeros_like(x)
            return (g * _prod_others(x.reshape(-1), 0)).reshape(x.shape)
        return g * _prod_others(x, axis)


def _prod_others(x: np.ndarray, axis: int) -> np.ndarray:
    """Product of all elements but one along ``axis``, via exclusive cumulative products."""
    ones = np.ones_like(np.take(x, [0], axis=axis))
    left = np.cumprod(
        np.concatenate([ones, np.take(x, range(x.shape[axis] - 1), axis=axis)], axis=axis),
        axis=axis,
    )
    rev = np.flip(x, axis=axis)
    right = np.cumprod(
        np.concatenate([ones, np.take(rev, range(x.shape[axis] - 1), axis=axis)], axis=axis),
        axis=axis,
    )
    return left * np.flip(right, axis=axis)


class Var(ArrayOp):
    @staticmethod
    def forward(ctx, x, axes=None, correction=1, keepdim=False, take_sqrt=False):
        ctx.torch_name = "Std" if take_sqrt else "Var"
        n = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        mean = np.mean(x, axis=axes, keepdims=True)
        centered = x - mean
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.sum(centered * centered, axis=axes, keepdims=keepdim) / max(n - correction, 0)
        out = np.sqrt(var) if take_sqrt else var
        out = out.astype(x.dtype, copy=False)
        ctx.axes, ctx.keepdim, ctx.denom, ctx.take_sqrt = (
            axes,
            keepdim,
            max(n - correction, 0),
            take_sqrt,
        )
        ctx.save_for_backward(centered, out)
        return out

    @staticmethod
    def backward(ctx, g):  # d var = 2 (x - mean) / (n - correction); d std = d var / (2 std)
        centered, out = ctx.saved_tensors
        g = expand(g, ctx.axes, ctx.keepdim)
        if ctx.take_sqrt:
            g = g / (2 * expand(out, ctx.axes, ctx.keepdim))
        return (g * (2 / ctx.denom) * centered).astype(centered.dtype, copy=False)


class Amax(ArrayOp):
    """Max over dims; the gradient is shared evenly among tied maxima (torch's amax rule)."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdim=False):
        out = np.maximum.reduce(x, axis=axes, keepdims=keepdim)
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        hit = x == expand(out, ctx.axes, ctx.keepdim)
        count = np.sum(hit, axis=ctx.axes, keepdims=True)
        return expand(g, ctx.axes, ctx.keepdim) * hit / count


class Amin(Amax):
    @staticmethod
    def forward(ctx, x, axes=None, keepdim=False):
        out = np.minimum.reduce(x, axis=axes, keepdims=keepdim)
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.save_for_backward(x, out)
        return out


class Extreme(ArrayOp):
    """max() or min() of all elements. The gradient goes in equal shares to the elements equal
    to the result, or to the NaNs when the result is NaN: torch's rule for max() and min()
    (amax's differs there: a NaN result gives every element a NaN gradient)."""

    @staticmethod
    def forward(ctx, x, largest):
        ctx.torch_name = "MaxBackward1" if largest else "MinBackward1"  # max(): all elements
        out = np.max(x) if largest else np.min(x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        hit = np.isnan(x) if np.isnan(out) else x == out
        gx = np.zeros_like(x)
        gx[hit] = g / np.count_nonzero(hit)
        return gx


class MaxDim(ArrayOp):
    """max/min along one dim with indices: the gradient goes to the chosen index only."""

    torch_name = "Max"

    @staticmethod
    def forward(ctx, x, indices, axis, keepdim):  # min's too: indices say which
        ctx.axis, ctx.keepdim, ctx.shape = axis, keepdim, x.shape
        ctx.save_for_backward(indices)
        idx = indices if keepdim else np.expand_dims(indices, axis)
        out = np.take_along_axis(x, idx, axis=axis)
        return out if keepdim else np.squeeze(out, axis)

    @staticmethod
    def backward(ctx, g):
        (indices,) = ctx.saved_tensors
        idx = indices if ctx.keepdim else np.expand_dims(indices, ctx.axis)
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        np.put_along_axis(gx, idx, g if ctx.keepdim else np.expand_dims(g, ctx.axis), axis=ctx.axis)
        return gx, None


class LogSumExp(ArrayOp):
    torch_name = "Logsumexp"

    @staticmethod
    def forward(ctx, x, axes, keepdim=False):
        m = np.max(x, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # all -inf rows stay -inf instead of nan
        out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.save_for_backward(x, out)
        return out if keepdim else np.squeeze(out, axes)

    @staticmethod
    def backward(ctx, g):  # d logsumexp = softmax(x) dx
        x, out = ctx.saved_tensors
        return expand(g, ctx.axes, ctx.keepdim) * np.exp(x - out)


class Softmax(ArrayOp):
    @staticmethod
    def forward(ctx, x, axis):
        e = np.exp(x - np.maximum.reduce(x, axis=axis, keepdims=True))
        out = e / np.add.reduce(e, axis=axis, keepdims=True)
        ctx.axis = axis
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):  # Jacobian-vector product: s * (g - sum(g * s))
        (s,) = ctx.saved_tensors
        return s * (g - np.add.reduce(g * s, axis=ctx.axis, keepdims=True))


class LogSoftmax(ArrayOp):
    @staticmethod
    def forward(ctx, x, axis):
        shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True)
        out = shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))
        ctx.axis = axis
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):  # g - softmax * sum(g)
        (out,) = ctx.saved_tensors
        return g - np.exp(out) * np.add.reduce(g, axis=ctx.axis, keepdims=True)


class Cumsum(ArrayOp):
    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis  # (api.cumsum has made integers int64, unless another dtype was asked for)
        return np.cumsum(x, axis=axis, dtype=x.dtype) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, g):  # each input feeds every later output: a reversed cumulative sum
        if g.ndim == 0:
            return g
        return np.flip(np.cumsum(np.flip(g, ctx.axis), axis=ctx.axis), ctx.axis)


def _reversed_cumsum(w: np.ndarray, axis: int) -> np.ndarray:
    """sum of w[j] for j >= i along ``axis``."""
    return np.flip(np.cumsum(np.flip(w, axis), axis=axis), axis)


class Cumprod(ArrayOp):
    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        # (api.cumprod has made integers int64, unless another dtype was asked for)
        out = np.cumprod(x, axis=axis, dtype=x.dtype) if x.ndim else x.copy()
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        """torch's O(n) rule (``cumprod_backward``). dy_j/dx_k is the product of x[:j+1] without
        x_k, so with no zero in x: dx_k = sum_{j>=k} g_j y_j / x_k. With zeros, z1 the first:
        before z1 the same sum stopping before z1; at z1, prod(x[:z1]) times (g_z1 + sum of g_j
        times prod(x[z1+1:j+1]) up to the second zero); after z1 zero."""
        x, out = ctx.saved_tensors
        axis = ctx.axis
        if x.size <= 1 or x.shape[axis] == 1:
            return g
        w = out * g
        zeros_so_far = np.cumsum(x == 0, axis=axis)
        if not zeros_so_far.any():
            return _reversed_cumsum(w, axis) / x
        before = zeros_so_far == 0
        gx = np.where(before, _reversed_cumsum(np.where(before, w, 0), axis) / x, 0)
        span = zeros_so_far == 1  # the first zero up to the second
        first = np.argmax(span, axis=axis, keepdims=True)
        position = np.arange(x.shape[axis]).reshape([-1 if d == axis else 1 for d in range(x.ndim)])
        at_first = (position == first) & span
        after_first = span & ~at_first
        total = np.sum(
            np.cumprod(np.where(after_first, x, 1), axis=axis) * np.where(span, g, 0),
            axis=axis,
            keepdims=True,
        )
        prev = np.take_along_axis(out, np.maximum(first - 1, 0), axis=axis)
        prev = np.where(first == 0, 1, prev)  # the product before the first zero
        return np.where(at_first, total * prev, gx).astype(g.dtype, copy=False)


class Nansum(Sum):
    """Sum treating NaN as zero; the gradient is 0 there (NaN where the upstream one is NaN:
    torch multiplies by ~isnan(x))."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdim=False, dtype=None):
        if x.dtype.kind == "f":
            ctx.save_for_backward(x)
            x = np.where(np.isnan(x), 0, x).astype(x.dtype, copy=False)
        return Sum.forward(ctx, x, axes, keepdim, dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return Sum.backward(ctx, g) * ~np.isnan(x)


class Median(Extreme):
    """median() of all elements: the lower of the two middle values, NaN if there is one. The
    gradient is shared like max()'s (torch's ``evenly_distribute_backward``)."""

    @staticmethod
    def forward(ctx, x):
        flat = x.reshape(-1)
        if flat.size == 0:  # torch: NaN (in an integer dtype, its smallest value)
            out = np.asarray(np.nan if x.dtype.kind == "f" else np.iinfo(x.dtype).min, x.dtype)
        elif x.dtype.kind == "f" and np.isnan(flat).any():
            out = np.asarray(np.nan, x.dtype)
        else:
            k = (flat.size - 1) // 2
            out = np.partition(flat, k)[k]
        ctx.save_for_backward(x, out)
        return out


class Nanmedian(Median):
    """nanmedian(): the lower of the two middle values that are not NaN (NaN if all are, or
    none is there). The gradient is shared among the elements equal to it, as median()'s."""

    @staticmethod
    def forward(ctx, x):
        flat = x.reshape(-1)
        if flat.dtype.kind == "f":
            flat = flat[~np.isnan(flat)]
        if flat.size == 0:  # empty or all NaN: NaN (in an integer dtype, its smallest value)
            out = np.asarray(np.nan if x.dtype.kind == "f" else np.iinfo(x.dtype).min, x.dtype)
        else:
            k = (flat.size - 1) // 2
            out = np.partition(flat, k)[k]
        ctx.save_for_backward(x, out)
        return out


def _log_cumsum_exp(x: np.ndarray, axis: int) -> np.ndarray:
    """log(cumsum(exp(x))) without overflow: torch's running log-add-exp, which accumulates in
    double for float (np.logaddexp gives the same at +-inf: inf and -inf stay, NaN spreads)."""
    wide = x.astype(np.float64) if x.dtype == np.float32 else x
    with np.errstate(invalid="ignore"):  # (NumPy's NaN compares raise it; torch says nothing)
        return np.logaddexp.accumulate(wide, axis=axis).astype(x.dtype, copy=False)


class Logcumsumexp(ArrayOp):
    @staticmethod
    def forward(ctx, x, axis):
        out = _log_cumsum_exp(x, axis) if x.ndim else x.copy()
        ctx.axis = axis
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        """torch's formula (after TensorFlow's): the positive and negative parts of g, each as
        exp(reversed logcumsumexp(log|g| - out) + x). Its NaNs are torch's too: an input of -inf
        whose running sum is still -inf gets NaN, as in torch."""
        x, out = ctx.saved_tensors
        if g.ndim == 0 or g.size == 0:
            return g
        axis = ctx.axis
        lowest = np.finfo(g.dtype).min
        log_g = np.log(np.abs(g))

        def part(mask):
            logs = np.where(mask, log_g, lowest) - out
            back = np.flip(_log_cumsum_exp(np.flip(logs, axis), axis), axis)
            return np.exp(back + x)

        return part(g > 0) - part(g < 0)


def _lerp(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """torch's lerp: from the nearer end, a + w (b - a) where |w| < 0.5, else b - (b - a)(1 - w)."""
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


def _quantile_rows(x: np.ndarray, axis, keepdim: bool) -> tuple[np.ndarray, tuple]:
    """x with the reduced elements along a last axis, and the shape the rest keeps."""
    if axis is None:
        kept = (1,) * x.ndim if keepdim else ()
        return x.reshape(kept + (x.size,)), kept
    kept = x.shape[:axis] + ((1,) if keepdim else ()) + x.shape[axis + 1 :]
    return np.moveaxis(x, axis, -1).reshape(kept + (x.shape[axis],)), kept


class Quantile(ArrayOp):
    """quantile/nanquantile as torch computes them. Each row is sorted (NaN last) and q becomes
    a rank: q (n - 1), or for nanquantile q (non-NaN count - 1) (a row of NaNs: rank 0); in
    quantile a row with a NaN gets the last rank, so NaN. The rank is rounded as
    ``interpolation`` says and the values at the ranks below and above it interpolated with
    torch's lerp (``midpoint``: halfway). The gradient goes to those two elements, 1 - w and w
    of it, and to q through w (``linear`` only: elsewhere q just picks ranks)."""

    torch_name = "SqueezeBackward4"  # torch's last step squeezes the result into its shape

    @staticmethod
    def forward(ctx, x, q, axis, keepdim, interpolation, ignore_nan, exact_ties):
        rows, kept = _quantile_rows(x, axis, keepdim)
        # which of several equal values gets the gradient is torch's sort's choice; without a
        # gradient to route, any order of them gives the same values
        order = sort_order(rows) if exact_ties else np.argsort(rows, axis=-1, kind="stable")
        s = np.take_along_axis(rows, order, axis=-1)
        n, dt = rows.shape[-1], x.dtype
        qs = q.reshape(-1).astype(dt, copy=False)
        if ignore_nan:
            scale = (n - 1 - np.isnan(s).sum(axis=-1, keepdims=True)).astype(dt)
            ranks = qs * scale
            masked = ranks < 0
            ranks = np.where(masked, dt.type(0), ranks)
        else:
            scale = dt.type(n - 1)
            masked = np.broadcast_to(np.isnan(s).any(axis=-1, keepdims=True), kept + qs.shape)
            ranks = np.where(masked, scale, qs * scale)
        if interpolation in ("lower", "higher", "nearest"):
            rounding = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}[interpolation]
            ranks = rounding(ranks)  # (np.round, as torch's, to even)
        below = ranks.astype(np.int64)
        out = low = np.take_along_axis(s, below, axis=-1)
        above = weight = high = None
        if interpolation in ("linear", "midpoint"):
            above = np.ceil(ranks).astype(np.int64)
            high = np.take_along_axis(s, above, axis=-1)
            midpoint = interpolation == "midpoint"
            weight = np.full_like(ranks, 0.5) if midpoint else ranks - below.astype(dt)
            out = _lerp(low, high, weight)
        ctx.axis, ctx.q_shape, ctx.x_shape = axis, q.shape, x.shape
        ctx.save_for_backward(order, below, above, weight, low, high, masked, scale)
        return out[..., 0] if q.ndim == 0 else np.moveaxis(out, -1, 0)

    @staticmethod
    def backward(ctx, g):
        order, below, above, weight, low, high, masked, scale = ctx.saved_tensors
        g = g[..., None] if not ctx.q_shape else np.moveaxis(g, 0, -1)
        gx = _unsorted_grad(ctx, g) if ctx.needs_input_grad[0] else None
        if not ctx.needs_input_grad[1]:
            return gx, None
        # q: rank = q * scale, masked ranks fixed, weight = rank - below (linear only)
        gr = zero_where(g * (high - low), masked)
        if np.ndim(scale):  # nanquantile: each row's own scale
            gq = np.sum((gr * scale).reshape(-1, gr.shape[-1]), axis=0)
        else:
            gq = np.sum(gr.reshape(-1, gr.shape[-1]), axis=0) * scale
        return gx, gq.reshape(ctx.q_shape)


def _unsorted_grad(ctx, g: np.ndarray) -> np.ndarray:
    """Quantile's gradient of x: g (1 - w) and g w at the two ranks of the sorted rows, put
    back where the sort took each element from."""
    order, below, above, weight = ctx.saved_tensors[:4]
    gs = np.zeros(order.shape, g.dtype)  # the gradient of the sorted rows
    lead = np.indices(below.shape, sparse=True)[:-1]
    if above is None:
        np.add.at(gs, (*lead, below), g)
    else:  # torch's lerp backward, then the two gathers' (zeros, scatter-added)
        np.add.at(gs, (*lead, below), g * (1 - weight))
        np.add.at(gs, (*lead, above), g * weight)
    rows = np.empty_like(gs)
    np.put_along_axis(rows, order, gs, axis=-1)  # unsort
    axis = ctx.axis
    if axis is None:
        gx = rows.reshape(ctx.x_shape)
    else:
        moved = ctx.x_shape[:axis] + ctx.x_shape[axis + 1 :] + (ctx.x_shape[axis],)
        gx = np.moveaxis(rows.reshape(moved), -1, axis)
    return gx


class NoDerivative(ArrayOp):
    """A result that torch puts in the graph but cannot differentiate (bincount of weights that
    require grad, histogram, unique_consecutive): it shows under torch's node name, and
    backward raises torch's error."""

    @staticmethod
    def forward(ctx, *inputs, result, name, error):
        ctx.torch_name, ctx.error = name, error
        return result

    @staticmethod
    def backward(ctx, g):
        raise ctx.error
