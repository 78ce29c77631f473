"""Activation functions as ops: each forward with its derivative in backward.

The core already has ``Relu``, ``Sigmoid``, ``Tanh``, ``Softmax`` and ``LogSoftmax``
(``feedforward.ops``); these are the rest. At a kink (x == 0 for LeakyReLU, x == min/max for
Hardtanh, ...) the gradient is the one torch picks, so results match torch bit for bit in spirit.
"""

from __future__ import annotations

import math

import numpy as np

from feedforward.ops._special import erfc_exact, erfc_fit
from feedforward.ops._util import zero_where
from feedforward.ops.elementwise import ArrayOp

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_K = math.sqrt(2.0 / math.pi)  # the constant of GELU's tanh approximation


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) without overflow for large |x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) without overflow: log1p(e^-|x|) + max(x, 0)."""
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = P(Z <= x) for a standard normal Z, in x's dtype.

    Written with erfc, which keeps full relative precision in the far left tail where
    1 + erf(x) would cancel. float64 uses the exact ``math.erfc`` (elementwise, slower);
    float32 and below the vectorised fit, exact to their precision (ops/_special.py).
    """
    u = -x.astype(np.float64) * _SQRT_HALF
    erfc = erfc_exact(u) if x.dtype == np.float64 else erfc_fit(u)
    return (0.5 * erfc).astype(x.dtype, copy=False)


class LeakyRelu(ArrayOp):
    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.slope = negative_slope
        ctx.save_for_backward(x)
        return np.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx, g):  # 1 where x > 0, the slope elsewhere (x == 0 included, as torch)
        (x,) = ctx.saved_tensors
        return np.where(x > 0, g, g * ctx.slope)


class Hardtanh(ArrayOp):
    """clamp(x, min_val, max_val); ReLU6 is Hardtanh(0, 6)."""

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        ctx.bounds = min_val, max_val
        ctx.save_for_backward(x)
        return np.clip(x, min_val, max_val)

    @staticmethod
    def backward(ctx, g):  # 1 strictly inside (min, max), 0 on and beyond the bounds
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        # torch's vectorised kernel gives 0 at NaN (its scalar tail passes the gradient)
        return zero_where(g, ~((x > lo) & (x < hi)))


class Elu(ArrayOp):
    """scale * (x if x > 0 else alpha * (exp(input_scale * x) - 1)): ELU, SELU and CELU."""

    @staticmethod
    def forward(ctx, x, alpha, scale=1.0, input_scale=1.0):
        ctx.coefs = alpha, scale, input_scale
        ctx.save_for_backward(x)
        negative = alpha * np.expm1(np.minimum(x, 0) * input_scale)  # min: no overflow for x > 0
        return (scale * np.where(x > 0, x, negative)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):  # scale for x > 0; scale * alpha * input_scale * exp(input_scale x) else
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefs
        negative = (scale * alpha * input_scale) * np.exp(np.minimum(x, 0) * input_scale)
        return (g * np.where(x > 0, scale, negative)).astype(g.dtype, copy=False)


class Celu(Elu):
    """CELU: ELU with input_scale 1 / alpha; its own class for torch's node name.

    torch's backward takes that scale as 1 / float32(alpha) (derivatives.yaml: ``1.0 /
    alpha.toFloat()``), so where float32 cannot hold alpha (0.7) its gradient is ~1e-8 off the
    exact one, in float64 too; ours is torch's.
    """

    @staticmethod
    def backward(ctx, g):
        alpha, scale, _ = ctx.coefs
        ctx.coefs = alpha, scale, 1.0 / float(np.float32(alpha))
        return Elu.backward(ctx, g)


class Glu(ArrayOp):
    """a sigmoid(b), a and b the two halves of x along ``axis``."""

    @staticmethod
    def forward(ctx, x, axis):
        a, b = np.split(x, 2, axis=axis)
        s = _sigmoid(b)
        ctx.axis = axis
        ctx.save_for_backward(a, s)
        return a * s

    @staticmethod
    def backward(ctx, g):  # da = g sigmoid(b); db = g a sigmoid(b) (1 - sigmoid(b))
        a, s = ctx.saved_tensors
        ga = g * s
        return np.concatenate([ga, ga * a * (1 - s)], axis=ctx.axis)


class Gelu(ArrayOp):
    """x * Phi(x), or its tanh approximation 0.5 x (1 + tanh(k (x + 0.044715 x^3)))."""

    @staticmethod
    def forward(ctx, x, approximate="none"):
        ctx.approximate = approximate
        if approximate == "tanh":
            t = np.tanh(_TANH_K * (x + 0.044715 * x**3))
            ctx.save_for_backward(x, t)
            return 0.5 * x * (1 + t)
        cdf = normal_cdf(x)
        ctx.save_for_backward(x, cdf)
        return x * cdf

    @staticmethod
    def backward(ctx, g):
        x, saved = ctx.saved_tensors  # tanh(u) or Phi(x)
        if ctx.approximate == "tanh":  # product rule, with d tanh(u) = (1 - tanh^2 u) du
            du = _TANH_K * (1 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1 + saved) + 0.5 * x * (1 - saved * saved) * du)
        pdf = np.exp(-0.5 * x * x) * _INV_SQRT_2PI  # d(x Phi(x)) = Phi(x) + x phi(x)
        return g * (saved + x * pdf)


class Silu(ArrayOp):
    """x * sigmoid(x) (also called swish)."""

    @staticmethod
    def forward(ctx, x):
        s = _sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, g):  # s + x s (1 - s)
        x, s = ctx.saved_tensors
        return g * (s * (1 + x * (1 - s)))


class Mish(ArrayOp):
    """x * tanh(softplus(x))."""

    @staticmethod
    def forward(ctx, x):
        t = np.tanh(_softplus(x))
        ctx.save_for_backward(x, t)
        return x * t

    @staticmethod
    def backward(ctx, g):  # tanh(sp) + x (1 - tanh^2(sp)) sigmoid(x), as d softplus = sigmoid
        x, t = ctx.saved_tensors
        return g * (t + x * (1 - t * t) * _sigmoid(x))


class Softplus(ArrayOp):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as torch)."""

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        z = x * beta
        return np.where(z > threshold, x, _softplus(z) / beta).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):  # sigmoid(beta x); 1 on the linear part
        (x,) = ctx.saved_tensors
        z = x * ctx.beta
        return np.where(z > ctx.threshold, g, g * _sigmoid(z))


class LogSigmoid(ArrayOp):
    """log(sigmoid(x)) = -softplus(-x), finite for any x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return -_softplus(-x)

    @staticmethod
    def backward(ctx, g):  # 1 - sigmoid(x) = sigmoid(-x)
        (x,) = ctx.saved_tensors
        return g * _sigmoid(-x)


class Hardsigmoid(ArrayOp):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, g):  # 1/6 strictly inside (-3, 3)
        (x,) = ctx.saved_tensors
        return np.where((x > -3) & (x < 3), g / 6, 0).astype(g.dtype, copy=False)


class Hardswish(ArrayOp):
    """x * relu6(x + 3) / 6."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, g):  # 0 up to -3, x/3 + 1/2 between, 1 from 3 on (torch's ends); NaN: NaN
        (x,) = ctx.saved_tensors
        slope = (g * (x / 3 + 0.5)).astype(g.dtype, copy=False)
        return zero_where(np.where(x >= 3, g, slope), x <= -3)


class Threshold(ArrayOp):
    """x where x > threshold, else the constant value."""

    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.threshold = threshold
        ctx.save_for_backward(x)
        return np.where(x <= threshold, np.asarray(value, dtype=x.dtype), x)  # NaN stays NaN

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return zero_where(g, x <= ctx.threshold)


class Softsign(ArrayOp):
    """x / (1 + |x|)."""

    torch_name = "Div"  # torch composes it: x / (1 + abs(x))

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1 + np.abs(x))

    @staticmethod
    def backward(ctx, g):  # 1 / (1 + |x|)^2
        (x,) = ctx.saved_tensors
        d = 1 + np.abs(x)
        return g / (d * d)


class Prelu(ArrayOp):
    """x where x > 0, else weight[c] * x, with one learnable slope per channel (dim 1)."""

    torch_name = "PreluKernel"

    @staticmethod
    def forward(ctx, x, weight):
        # weight has one entry per channel; shape it to broadcast along dim 1 (or everywhere)
        w = weight.reshape((-1,) + (1,) * (x.ndim - 2)) if x.ndim >= 2 else weight.reshape(())
        ctx.weight_shape = weight.shape
        ctx.save_for_backward(x, w)
        return np.where(x > 0, x, w * x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):  # dx = 1 or w; dw[c] = sum over channel c of x where x <= 0
        x, w = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad
        gx = np.where(x > 0, g, w * g).astype(g.dtype, copy=False) if need_x else None
        gw = None
        if need_w:
            contrib = np.where(x > 0, 0, g * x)
            if x.ndim >= 2 and w.size > 1:
                axes = (0,) + tuple(range(2, x.ndim))
                gw = contrib.sum(axis=axes)
            else:
                gw = contrib.sum()
            gw = np.asarray(gw, dtype=g.dtype).reshape(ctx.weight_shape)
        return gx, gw


class Hardshrink(ArrayOp):
    """x where |x| > lambd, else 0 (NaN stays NaN)."""

    @staticmethod
    def forward(ctx, x, lambd):
        ctx.lambd = lambd
        ctx.save_for_backward(x)
        return np.where((x >= -lambd) & (x <= lambd), np.zeros((), x.dtype), x)

    @staticmethod
    def backward(ctx, g):  # 1 outside [-lambd, lambd], exactly 0 inside
        (x,) = ctx.saved_tensors
        # 0 at NaN too, as torch's vectorised kernel (its scalar tail passes the gradient)
        return zero_where(g, ~((x < -ctx.lambd) | (x > ctx.lambd)))


class Softshrink(Hardshrink):
    """x - lambd above lambd, x + lambd below -lambd, 0 between (NaN stays NaN)."""

    @staticmethod
    def forward(ctx, x, lambd):
        ctx.lambd = lambd
        ctx.save_for_backward(x)
        inside = x * 0 + 0  # +0.0 (also for -0.0) and NaN: torch's vectorised kernel
        shrunk = np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, inside))
        return shrunk.astype(x.dtype, copy=False)


class RreluWithNoise(ArrayOp):
    """x for x > 0, x * slope otherwise: while training a slope drawn from U(lower, upper) per
    element (the noise), in eval the mean slope (lower + upper) / 2 (Xu et al., 2015,
    "Empirical Evaluation of Rectified Activations in Convolutional Network")."""

    @staticmethod
    def forward(ctx, x, lower, upper, training, rng):
        one = np.ones((), x.dtype)
        if training:  # torch's kernel draws where x <= 0 (a NaN keeps slope 1)
            slope = rng.uniform(lower, upper, x.shape).astype(x.dtype, copy=False)
            noise = np.where(x <= 0, slope, one)
        else:  # leaky_relu's rule: the slope wherever not x > 0
            noise = np.where(x > 0, one, np.asarray((lower + upper) / 2, x.dtype))
        ctx.save_for_backward(noise)
        return x * noise

    @staticmethod
    def backward(ctx, g):  # the slope each element was multiplied by
        (noise,) = ctx.saved_tensors
        return g * noise
