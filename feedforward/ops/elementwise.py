"""Elementwise ops. Each class is one op: ``forward`` computes it, ``backward`` applies the chain
rule: given dL/d(out), return dL/d(input) for each input. Arrays in, arrays out.

Binary ops broadcast like NumPy/torch; their backward sums the gradient back over the broadcast
dims (``unbroadcast``), because one input element fed several outputs.
"""

from __future__ import annotations

import numpy as np

from feedforward.autograd.function import Function, as_recorded
from feedforward.ops import _special as special
from feedforward.ops._util import (
    as_default_float,
    check_rounded_division,
    kernel_error,
    promote,
    sign,
    twos_complement,
    unbroadcast,
    zero_where,
)


class ArrayOp(Function):
    """An op of the library: forward and backward take and return NumPy arrays."""

    array_op = True


def _scaled(b, alpha, a):
    """``alpha * b`` of add/sub; an int scalar times alpha is wrapped into a's integer dtype."""
    if type(b) is int and type(alpha) is int and isinstance(a, np.ndarray) and a.dtype.kind in "iu":
        return twos_complement(a.dtype, b * alpha)
    return b * alpha


def _is_float(x) -> bool:
    """A floating (or complex) array or number: true division keeps it as it is."""
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "fc"
    return isinstance(x, float | complex | np.inexact)


def _floating(x: np.ndarray) -> np.ndarray:
    """exp, log, sqrt, tanh, ... of an integer or bool tensor compute in the default float dtype
    (float32), as torch does; NumPy would pick float64 (float16 for bool)."""
    return x if x.dtype.kind == "f" else as_default_float(x)


def _not_bool(x: np.ndarray, kernel: str) -> None:
    """torch has no bool kernel for abs, floor, ...: it raises rather than compute in bool."""
    if x.dtype == np.bool_:
        raise kernel_error(kernel, x.dtype)


def _check_bool_subtraction(a, b) -> None:
    """torch refuses ``-`` on bool tensors (NumPy would subtract, or raise a TypeError)."""
    a_bool = isinstance(a, bool) or getattr(a, "dtype", None) == np.bool_
    b_bool = isinstance(b, bool) or getattr(b, "dtype", None) == np.bool_
    if a_bool and b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    if a_bool or b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _grads(ctx, ga, gb):
    """Gradients of a binary op, reduced to each input's shape, only where they are needed."""
    need_a, need_b = ctx.needs_input_grad[-2:]
    a, b = ctx.parents[-2:]
    return (
        unbroadcast(ga(), _shape(a, ctx)) if need_a else None,
        unbroadcast(gb(), _shape(b, ctx)) if need_b else None,
    )


def _shape(x, ctx) -> tuple:
    """x's shape when the op took it in (an in-place ``x.t_()`` since would change it)."""
    fn = x.grad_fn
    if fn is not None and fn._seq > ctx._seq:
        return as_recorded(x, ctx._seq)._data.shape
    return x._data.shape


# ---------------------------------------------------------------- binary arithmetic


class Add(ArrayOp):
    alpha = 1

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        if alpha != 1:
            ctx.alpha = alpha
        a, b = promote(a, b)
        return np.add(a, b if alpha == 1 else _scaled(b, alpha, a))

    @staticmethod
    def backward(ctx, g):  # d(a + alpha*b) = da + alpha*db
        alpha = ctx.alpha
        return _grads(ctx, lambda: g, lambda: g if alpha == 1 else g * alpha)


class Sub(ArrayOp):
    alpha = 1

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        if alpha != 1:
            ctx.alpha = alpha
        if not isinstance(a, np.ndarray):  # 2 - x: torch's rsub(x, 2)
            ctx.torch_name = "RsubBackward1"
        _check_bool_subtraction(a, b)
        a, b = promote(a, b)
        return np.subtract(a, b if alpha == 1 else _scaled(b, alpha, a))

    @staticmethod
    def backward(ctx, g):
        alpha = ctx.alpha
        return _grads(ctx, lambda: g, lambda: -g if alpha == 1 else g * -alpha)


class Mul(ArrayOp):
    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.save_for_backward(a, b)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, g):  # d(ab) = b da + a db
        a, b = ctx.saved_tensors
        return _grads(ctx, lambda: g * b, lambda: g * a)


class Div(ArrayOp):
    @staticmethod
    def forward(ctx, a, b, rounding_mode=None):
        ctx.rounding = rounding_mode
        if not isinstance(a, np.ndarray):  # 2 / x: torch's reciprocal(x) * 2
            ctx.torch_name = "Mul"
        if rounding_mode is None and not (_is_float(a) or _is_float(b)):
            a, b = as_default_float(a), as_default_float(b)  # true division of integers: floats
        a, b = promote(a, b)
        if rounding_mode is not None:
            check_rounded_division(a, b, f"div_{rounding_mode}_cpu")
        if rounding_mode == "floor":
            return np.floor_divide(a, b)
        if rounding_mode == "trunc":
            return np.trunc(np.true_divide(a, b)).astype(np.result_type(a, b), copy=False)
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(a, b)

    @staticmethod
    def backward(ctx, g):  # d(a/b) = da/b - a db/b^2; rounded division is flat: zero gradient
        if ctx.rounding is not None:
            return _grads(ctx, lambda: np.zeros_like(g), lambda: np.zeros_like(g))
        a, b = ctx.saved_tensors
        return _grads(ctx, lambda: g / b, lambda: -g * a / (b * b))


class Pow(ArrayOp):
    @staticmethod
    def forward(ctx, a, b):
        # torch's three overloads: tensor ** scalar, tensor ** tensor, scalar ** tensor
        if not isinstance(a, np.ndarray):
            ctx.torch_name = "PowBackward2"
        elif isinstance(b, np.ndarray):
            ctx.torch_name = "PowBackward1"
        a, b = promote(a, b, wrap=False)  # torch refuses many out-of-range int exponents
        if np.result_type(a, b) == np.bool_:
            raise kernel_error("pow", np.bool_)
        if isinstance(a, np.ndarray) and a.dtype.kind in "iu" and np.any(np.asarray(b) < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):  # d(a^b) = b a^(b-1) da + a^b ln(a) db
        a, b, out = ctx.saved_tensors

        def grad_a():  # torch: 0 where b == 0 (the power is constant 1), even where a == 0
            return zero_where(g * (b * np.power(a, b - 1)), b == 0)

        def grad_b():  # torch: 0 where a == 0 and b >= 0, not 0 * log(0) = nan
            return g * zero_where(out * np.log(a), (a == 0) & (b >= 0))

        return _grads(ctx, grad_a, grad_b)


class Maximum(ArrayOp):
    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):  # to the larger input; ties (and NaNs) split it evenly, as torch does
        a, b = ctx.saved_tensors
        g = np.where(a == b, g / 2, g)
        return _grads(ctx, lambda: zero_where(g, a < b), lambda: zero_where(g, a > b))


class Minimum(ArrayOp):
    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        g = np.where(a == b, g / 2, g)
        return _grads(ctx, lambda: zero_where(g, a > b), lambda: zero_where(g, a < b))


class Remainder(ArrayOp):
    @staticmethod
    def forward(ctx, a, b):
        if isinstance(b, np.ndarray):  # x % tensor (x % 2 is RemainderBackward0)
            ctx.torch_name = "RemainderBackward1"
        a, b = promote(a, b)
        check_rounded_division(a, b, "remainder_cpu")
        ctx.save_for_backward(a, b)
        return np.mod(a, b)

    @staticmethod
    def backward(ctx, g):  # a mod b = a - floor(a/b) b
        a, b = ctx.saved_tensors
        return _grads(ctx, lambda: g, lambda: -g * np.floor_divide(a, b))


# ---------------------------------------------------------------- unary


class Neg(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                "to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return np.negative(x)

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):  # d exp(x) = exp(x) dx
        (out,) = ctx.saved_tensors
        return g * out


class Expm1(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        out = np.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out + 1)


class Log(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    @staticmethod
    def backward(ctx, g):  # d log(x) = dx / x
        (x,) = ctx.saved_tensors
        return g / x


class Log1p(ArrayOp):
    torch_name = "Log1P"

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 + x)


class Sqrt(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        with np.errstate(invalid="ignore"):
            out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):  # d sqrt(x) = dx / (2 sqrt(x))
        (out,) = ctx.saved_tensors
        return g / (2 * out)


class Rsqrt(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = 1 / np.sqrt(x)
        ctx.save_for_backward(out)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):  # d x^(-1/2) = -1/2 x^(-3/2) dx
        (out,) = ctx.saved_tensors
        return g * (-0.5 * out * out * out)


class Abs(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        _not_bool(x, "abs_cpu")
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * sign(x)


class Sin(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.cos(x)


class Cos(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * np.sin(x)


class Tanh(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):  # d tanh(x) = (1 - tanh(x)^2) dx
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


class Sigmoid(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        # 1/(1+e^-x) overflows for very negative x; this form is exact and finite everywhere
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):  # d sigmoid(x) = s (1 - s) dx
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


_ZEROS = {np.dtype(t): np.zeros((), t) for t in ("float16", "float32", "float64", "int64", "int32")}


class Relu(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        # a 0-dim zero of x's dtype: NumPy converts a Python 0 anew on every call
        zero = _ZEROS.get(x.dtype)
        if zero is None:
            if x.dtype == np.bool_:
                raise RuntimeError("Boolean inputs not supported for relu")
            zero = np.zeros((), x.dtype)
        out = np.maximum(x, zero)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):  # the gradient passes where the unit was active (or NaN), as torch's
        (out,) = ctx.saved_tensors
        return zero_where(g, out <= 0)


class Sign(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        return x.copy() if x.dtype == np.bool_ else sign(x)

    @staticmethod
    def backward(ctx, g):  # piecewise constant: zero gradient, as in torch
        return np.zeros_like(g)


class Compared(ArrayOp):
    """An in-place comparison's new value (``x.eq_(y)``): the comparison's 0s and 1s in x's dtype.
    It no longer depends on x or y, so both get a zero gradient, as from torch's EqBackward0."""

    @staticmethod
    def forward(ctx, x, other, result, torch_name):
        ctx.torch_name = torch_name
        ctx.other_shape = np.shape(other) if isinstance(other, np.ndarray) else None
        return result.astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        g_other = None if ctx.other_shape is None else np.zeros(ctx.other_shape, g.dtype)
        return np.zeros_like(g), g_other, None, None


class Floor(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        _not_bool(x, "floor_vml_cpu")
        return np.floor(x) if x.dtype.kind == "f" else x.copy()

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class Ceil(Floor):
    @staticmethod
    def forward(ctx, x):
        _not_bool(x, "ceil_vml_cpu")
        return np.ceil(x) if x.dtype.kind == "f" else x.copy()


class Round(Floor):
    @staticmethod
    def forward(ctx, x, decimals=0):
        _not_bool(x, "round_vml_cpu")
        return np.round(x, decimals) if x.dtype.kind == "f" else x.copy()


class Trunc(Floor):
    @staticmethod
    def forward(ctx, x):
        _not_bool(x, "trunc_vml_cpu")
        return np.trunc(x) if x.dtype.kind == "f" else x.copy()


def _clamp_name(lo, hi) -> str:
    """torch's node for clamp: ClampBackward1 with number bounds, 0 with tensors; one bound
    through clamp_min / clamp_max is ClampMin / ClampMax (see api)."""
    bounds = [b for b in (lo, hi) if b is not None]
    return "ClampBackward0" if any(isinstance(b, np.ndarray) for b in bounds) else "ClampBackward1"


class Clamp(ArrayOp):
    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        ctx.shapes = (x.shape, np.shape(lo), np.shape(hi))
        ctx.torch_name = _clamp_name(lo, hi)
        if lo is not None:  # an integer tensor clamped to 0.5 becomes float, as in torch
            x, lo = promote(x, lo, wrap=False)
        if hi is not None:
            x, hi = promote(x, hi, wrap=False)
            if lo is not None and isinstance(lo, np.ndarray):
                lo = lo.astype(x.dtype, copy=False)
        ctx.save_for_backward(x, lo, hi)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):  # to x inside [lo, hi] (not NaN), else to the bound that won, as torch
        x, lo, hi = ctx.saved_tensors
        inside = True
        if lo is not None:
            inside = inside & (x >= lo)
        if hi is not None:
            inside = inside & (x <= hi)
        need = ctx.needs_input_grad + (False, False)
        gx = unbroadcast(zero_where(g, ~inside), ctx.shapes[0]) if need[0] else None
        g_lo = g_hi = None
        if need[1]:  # lo wins below it, unless hi is below lo (then hi wins everywhere)
            below = x < lo if hi is None else (x < lo) & (lo < hi)
            g_lo = unbroadcast(zero_where(g, ~below), ctx.shapes[1])
        if need[2]:
            above = x > hi if lo is None else (x > hi) | (hi < lo)
            g_hi = unbroadcast(zero_where(g, ~above), ctx.shapes[2])
        return gx, g_lo, g_hi


class Where(ArrayOp):
    @staticmethod
    def forward(ctx, cond, a, b):
        a, b = promote(a, b, wrap=False)
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        ga, gb = _grads(ctx, lambda: np.where(cond, g, 0), lambda: np.where(cond, 0, g))
        return None, ga, gb


class Cast(ArrayOp):
    """A dtype conversion (``.to(dtype)``, ``.double()``): the gradient is cast back."""

    torch_name = "ToCopy"

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype)


class Clone(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


# ---------------------------------------------------------------- more elementwise ops


class Sinh(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return np.sinh(x)

    @staticmethod
    def backward(ctx, g):  # d sinh(x) = cosh(x) dx
        (x,) = ctx.saved_tensors
        return g * np.cosh(x)


class Cosh(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return np.cosh(x)

    @staticmethod
    def backward(ctx, g):  # d cosh(x) = sinh(x) dx
        (x,) = ctx.saved_tensors
        return g * np.sinh(x)


class Frac(ArrayOp):
    """x - trunc(x), of floats only (torch has no integer kernel)."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind != "f":
            raise kernel_error("frac_cpu", x.dtype)
        with np.errstate(invalid="ignore"):
            return x - np.trunc(x)

    @staticmethod
    def backward(ctx, g):  # trunc is flat: the gradient passes unchanged
        return g


class NanToNum(ArrayOp):
    """NaN, +inf and -inf replaced by numbers (by default 0 and the dtype's largest/smallest)."""

    @staticmethod
    def forward(ctx, x, nan=0.0, posinf=None, neginf=None):
        ctx.save_for_backward(x)
        if x.dtype.kind != "f":
            return x.copy()
        with np.errstate(over="ignore"):  # a replacement out of the dtype's range becomes inf
            return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):  # torch: g * isfinite(x), so a NaN upstream stays NaN everywhere
        (x,) = ctx.saved_tensors
        return g * np.isfinite(x)


class Atan2(ArrayOp):
    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        a, b = _floating(a), _floating(b)
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, g):  # d atan2(a, b) = (b da - a db) / (a^2 + b^2); 0 at the origin, as torch
        a, b = ctx.saved_tensors
        denom = a * a + b * b
        recip = np.where(denom == 0, 0, 1 / denom).astype(denom.dtype, copy=False)
        return _grads(ctx, lambda: g * b * recip, lambda: g * -a * recip)


class Fmod(ArrayOp):
    """The C remainder: the sign of the dividend (``remainder`` takes the divisor's)."""

    @staticmethod
    def forward(ctx, a, b):
        if isinstance(b, np.ndarray):  # fmod(x, tensor) (fmod(x, 2) is FmodBackward0)
            ctx.torch_name = "FmodBackward1"
        a, b = promote(a, b)
        check_rounded_division(a, b, "fmod_cpu")
        ctx.save_for_backward(a, b)
        with np.errstate(invalid="ignore"):
            return np.fmod(a, b)

    @staticmethod
    def backward(ctx, g):  # a fmod b = a - trunc(a/b) b
        a, b = ctx.saved_tensors
        return _grads(ctx, lambda: g, lambda: -g * np.trunc(a / b))


def _xlogy(x, y):
    """x * log(y), 0 where x == 0 (even where y is 0 or inf), NaN where y is NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(x == 0, 0, x * np.log(y)).astype(np.result_type(x, y), copy=False)
    return np.where(np.isnan(y), np.nan, out).astype(out.dtype, copy=False)


class Xlogy(ArrayOp):
    @staticmethod
    def forward(ctx, a, b):
        # torch's overloads: (tensor, tensor), (number, tensor), (tensor, number)
        if not isinstance(a, np.ndarray):
            ctx.torch_name = "XlogyBackward1"
        elif not isinstance(b, np.ndarray):
            ctx.torch_name = "XlogyBackward2"
        ctx.number_b = not isinstance(b, np.ndarray)
        a, b = promote(a, b)
        dtype = _floating(a if isinstance(a, np.ndarray) else b).dtype  # a number takes its dtype
        a, b = np.asarray(a, dtype), np.asarray(b, dtype)
        ctx.save_for_backward(a, b)
        return _xlogy(a, b)

    @staticmethod
    def backward(ctx, g):  # d xlogy = log(y) dx + x/y dy; torch's 0 where x == 0 and y <= 0
        a, b = ctx.saved_tensors
        # a number y: 0 wherever x == 0 unless y > 0 (a NaN y too); a tensor y: where y <= 0
        at_zero = (a == 0) & (not b > 0 if ctx.number_b else b <= 0)
        return _grads(ctx, lambda: zero_where(_xlogy(g, b), at_zero), lambda: g * a / b)


class Lerp(ArrayOp):
    """a + w (b - a), computed from the nearer end as torch does: a + w (b - a) where |w| < 0.5,
    b - (b - a)(1 - w) elsewhere (the two differ in rounding and at infinities)."""

    weight = None  # a number weight (a tensor one is saved)

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.shapes = (a.shape, b.shape, np.shape(w))
        if not isinstance(w, np.ndarray):
            ctx.weight = w
            w = a.dtype.type(w)
            with np.errstate(invalid="ignore", over="ignore"):
                return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1 - w)
        ctx.torch_name = "LerpBackward1"  # lerp(a, b, tensor)
        w = w.astype(a.dtype, copy=False)
        ctx.save_for_backward(a, b, w)
        with np.errstate(invalid="ignore", over="ignore"):
            near_a, near_b = a + w * (b - a), b - (b - a) * (1 - w)
        return np.where(np.abs(w) < 0.5, near_a, near_b)

    @staticmethod
    def backward(ctx, g):  # d/da = 1 - w, d/db = w, d/dw = b - a
        need, shapes = ctx.needs_input_grad, ctx.shapes
        if ctx.weight is not None:
            w = ctx.weight
        else:
            a, b, w = ctx.saved_tensors
        return (
            unbroadcast(g * (1 - w), shapes[0]) if need[0] else None,
            unbroadcast(g * w, shapes[1]) if need[1] else None,
            unbroadcast(g * (b - a), shapes[2]) if need[2] else None,
        )


def _promote3(x, t1, t2, kernel: str):
    """The three operands of addcmul/addcdiv in one dtype, torch's (no bool kernel)."""
    x, t1 = promote(x, t1)
    x, t2 = promote(x, t2)
    t1 = t1.astype(x.dtype, copy=False)
    if x.dtype == np.bool_:
        raise kernel_error(kernel, x.dtype)
    return x, t1, t2


def _scalar_of(dtype: np.dtype, value):
    """``value`` as torch casts it into an op's dtype: an integer op truncates 2.7 to 2."""
    return int(value) if dtype.kind in "iu" else value


class Addcmul(ArrayOp):
    """x + value * t1 * t2, broadcast."""

    @staticmethod
    def forward(ctx, x, t1, t2, value=1):
        ctx.shapes = (x.shape, t1.shape, t2.shape)
        x, t1, t2 = _promote3(x, t1, t2, "addcmul_cpu_out")
        value = ctx.value = _scalar_of(x.dtype, value)
        ctx.save_for_backward(t1, t2)
        with np.errstate(invalid="ignore", over="ignore"):
            return x + value * t1 * t2

    @staticmethod
    def backward(ctx, g):  # dx = g, dt1 = g * t2 * value, dt2 = g * t1 * value
        t1, t2 = ctx.saved_tensors
        need, value, shapes = ctx.needs_input_grad, ctx.value, ctx.shapes
        return (
            unbroadcast(g, shapes[0]) if need[0] else None,
            unbroadcast(g * (t2 * value), shapes[1]) if need[1] else None,
            unbroadcast(g * (t1 * value), shapes[2]) if need[2] else None,
        )


class Addcdiv(ArrayOp):
    """x + value * t1 / t2, broadcast; integer t1 and t2 are refused, as torch."""

    @staticmethod
    def forward(ctx, x, t1, t2, value=1):
        if t1.dtype.kind in "biu" and t2.dtype.kind in "biu":
            raise RuntimeError(
                "Integer division with addcdiv is no longer supported, and in a future  release "
                "addcdiv will perform a true division of tensor1 and tensor2. The historic "
                "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
                "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
                "tensor2) for float inputs. The future addcdiv behavior is just the latter "
                "implementation: (input + value * tensor1 / tensor2), for all dtypes."
            )
        ctx.shapes = (x.shape, t1.shape, t2.shape)
        x, t1, t2 = _promote3(x, t1, t2, "addcdiv_cpu_out")
        value = ctx.value = _scalar_of(x.dtype, value)
        ctx.save_for_backward(t1, t2)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return x + value * t1 / t2

    @staticmethod
    def backward(ctx, g):  # dx = g, dt1 = g * value / t2, dt2 = -g * value * t1 / t2^2
        t1, t2 = ctx.saved_tensors
        need, value, shapes = ctx.needs_input_grad, ctx.value, ctx.shapes
        return (
            unbroadcast(g, shapes[0]) if need[0] else None,
            unbroadcast(g * (value / t2), shapes[1]) if need[1] else None,
            unbroadcast(-g * (value * t1 / (t2 * t2)), shapes[2]) if need[2] else None,
        )


# ---------------------------------------------------------------- trigonometric and special


def _rsqrt(v: np.ndarray) -> np.ndarray:
    """1 / sqrt(v), as torch's rsqrt in the derivatives below: inf at 0, NaN below it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 / np.sqrt(v)


class Tan(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        with np.errstate(invalid="ignore"):
            out = np.tan(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):  # d tan(x) = (1 + tan(x)^2) dx
        (out,) = ctx.saved_tensors
        return g * (1 + out * out)


class Asin(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.arcsin(x)

    @staticmethod
    def backward(ctx, g):  # d asin(x) = dx / sqrt(1 - x^2): inf at ±1, NaN beyond, as torch
        (x,) = ctx.saved_tensors
        return g * _rsqrt(1 - x * x)


class Acos(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.arccos(x)

    @staticmethod
    def backward(ctx, g):  # d acos(x) = -dx / sqrt(1 - x^2)
        (x,) = ctx.saved_tensors
        return g * -_rsqrt(1 - x * x)


class Atan(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx, g):  # d atan(x) = dx / (1 + x^2)
        (x,) = ctx.saved_tensors
        return g / (x * x + 1)


class Asinh(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx, g):  # d asinh(x) = dx / sqrt(x^2 + 1)
        (x,) = ctx.saved_tensors
        return g * _rsqrt(x * x + 1)


class Acosh(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.arccosh(x)

    @staticmethod
    def backward(ctx, g):  # d acosh(x) = dx / sqrt(x^2 - 1): inf at 1, NaN below
        (x,) = ctx.saved_tensors
        return g * _rsqrt(x * x - 1)


class Atanh(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.arctanh(x)

    @staticmethod
    def backward(ctx, g):  # d atanh(x) = dx / (1 - x^2); torch's formula, finite beyond ±1 too
        (x,) = ctx.saved_tensors
        return g / (1 - x * x)


class Sinc(ArrayOp):
    """sin(pi x) / (pi x), 1 at 0."""

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        product = np.pi * x
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x == 0, 1, np.sin(product) / product).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):  # (pi x cos(pi x) - sin(pi x)) / (pi x^2); torch's 0 where pi x^2 is 0
        (x,) = ctx.saved_tensors
        px, denominator = np.pi * x, x * x * np.pi
        return zero_where(g * (px * np.cos(px) - np.sin(px)) / denominator, denominator == 0)


class Deg2Rad(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        return _floating(x) * (np.pi / 180)

    @staticmethod
    def backward(ctx, g):
        return g * (np.pi / 180)


class Rad2Deg(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        return _floating(x) * (180 / np.pi)

    @staticmethod
    def backward(ctx, g):
        return g * (180 / np.pi)


class Exp2(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        with np.errstate(over="ignore"):
            out = np.exp2(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):  # d 2^x = 2^x ln 2 dx
        (out,) = ctx.saved_tensors
        return g * out * np.log(2.0)


class Erf(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return special.erf(x)

    @staticmethod
    def backward(ctx, g):  # d erf(x) = 2/sqrt(pi) exp(-x^2) dx
        (x,) = ctx.saved_tensors
        return g * (special.TWO_OVER_SQRT_PI * np.exp(-x * x))


class Erfc(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return special.erfc(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (-special.TWO_OVER_SQRT_PI * np.exp(-x * x))


class Erfinv(ArrayOp):
    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        out = special.erfinv(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):  # the inverse's derivative: 1 / erf'(y) = sqrt(pi)/2 exp(y^2), y = out
        (out,) = ctx.saved_tensors
        return g * (0.5 * np.sqrt(np.pi) * np.exp(out * out))


class Logit(ArrayOp):
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given (and >= 0)."""

    eps = None

    @staticmethod
    def forward(ctx, x, eps=None):
        x = _floating(x)
        ctx.save_for_backward(x)
        z = x
        if eps is not None and eps >= 0:
            # torch's bounds, in x's dtype; below lo wins over above hi when eps > 0.5
            lo = x.dtype.type(eps)
            hi = x.dtype.type(1) - lo
            ctx.eps = (lo, hi)
            z = np.where(x < lo, lo, np.where(x > hi, hi, x)).astype(x.dtype, copy=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(z / (1 - z))

    @staticmethod
    def backward(ctx, g):  # dx / (x (1 - x)); outside [0, 1] NaN, or with eps 0 outside the clamp
        (x,) = ctx.saved_tensors
        # + 0.0: at x = -0.0 the denominator is +0, so g * inf as torch's scalar loop gives
        # (its vectorised loop, on the first 2 * vector-width elements of a long tensor, -inf)
        grad = g / (x * (1 - x) + 0.0)
        if ctx.eps is None:
            return np.where((x < 0) | (x > 1), np.nan, grad).astype(grad.dtype, copy=False)
        lo, hi = ctx.eps
        return zero_where(grad, (x < lo) | (x > hi))


class Sgn(Sign):
    """sign for real tensors (torch's sgn is also defined for complex ones)."""


# ---------------------------------------------------------------- binary math


def _float_kernel(a, b, kernel: str):
    """The operands of an op with only floating kernels (hypot, logaddexp, ...), promoted."""
    a, b = promote(a, b)
    if a.dtype.kind != "f":
        raise kernel_error(kernel, a.dtype)
    return a, b


class Hypot(ArrayOp):
    @staticmethod
    def forward(ctx, a, b):
        a, b = _float_kernel(a, b, "hypot_cpu")
        out = np.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):  # a / hypot and b / hypot: NaN at (0, 0), as torch's formula gives
        a, b, out = ctx.saved_tensors
        return _grads(ctx, lambda: g * a / out, lambda: g * b / out)


class Logaddexp(ArrayOp):
    @staticmethod
    def forward(ctx, a, b):
        a, b = _float_kernel(a, b, "logaddexp_cpu")
        ctx.save_for_backward(a, b)
        with np.errstate(invalid="ignore"):
            return np.logaddexp(a, b)

    @staticmethod
    def backward(ctx, g):  # each input's softmax weight: 1 / (1 + e^(other - self))
        a, b = ctx.saved_tensors
        return _grads(ctx, lambda: g / (1 + np.exp(b - a)), lambda: g / (1 + np.exp(a - b)))


class Logaddexp2(ArrayOp):
    @staticmethod
    def forward(ctx, a, b):
        a, b = _float_kernel(a, b, "logaddexp2_cpu")
        ctx.save_for_backward(a, b)
        with np.errstate(invalid="ignore"):
            return np.logaddexp2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _grads(ctx, lambda: g / (1 + np.exp2(b - a)), lambda: g / (1 + np.exp2(a - b)))


class Fmax(ArrayOp):
    """The larger of a and b, ignoring a NaN (NaN only where both are); a on a tie, as torch."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        take_a = a >= b
        if a.dtype.kind == "f":
            take_a = take_a | np.isnan(b)
        ctx.save_for_backward(take_a)
        return np.where(take_a, a, b)

    @staticmethod
    def backward(ctx, g):  # all of it to the operand chosen (torch's rule: a on ties)
        (take_a,) = ctx.saved_tensors
        return _grads(ctx, lambda: zero_where(g, ~take_a), lambda: zero_where(g, take_a))


class Fmin(Fmax):
    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        take_a = a <= b
        if a.dtype.kind == "f":
            take_a = take_a | np.isnan(b)
        ctx.save_for_backward(take_a)
        return np.where(take_a, a, b)


class Heaviside(ArrayOp):
    """0 where x < 0, ``values`` where x == 0, 1 where x > 0 (and 0 where x is NaN, as torch)."""

    torch_name = "NotImplemented"  # torch's node for an op without a derivative
    aten_name = "heaviside"  # the in-place method's node says heaviside_

    @staticmethod
    def forward(ctx, x, values):
        if x.dtype != values.dtype:
            raise RuntimeError(
                "heaviside is not yet implemented for tensors with different dtypes."
            )
        return np.where(x == 0, values, x > 0).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(f"derivative for aten::{ctx.aten_name} is not implemented")


class Copysign(ArrayOp):
    """|a| with the sign of b; integers compute in the default float dtype."""

    @staticmethod
    def forward(ctx, a, b):
        if not isinstance(b, np.ndarray):  # copysign(x, -1.0)
            ctx.torch_name = "CopysignBackward1"
        a, b = promote(a, b, wrap=False)  # the sign of -1, not of a uint8's 255
        a = _floating(a)
        out = np.copysign(a, b).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):  # ±1 (out / a), 0 where a == 0; b's sign is flat: zero gradient
        a, out = ctx.saved_tensors
        ratio = zero_where(out / a, a == 0)
        return _grads(ctx, lambda: g * ratio, lambda: np.zeros_like(g))


class Nextafter(ArrayOp):
    @staticmethod
    def forward(ctx, a, b):
        a, b = _float_kernel(a, b, "nextafter_cpu")
        ctx.save_for_backward(a == b)
        return np.nextafter(a, b)

    @staticmethod
    def backward(ctx, g):  # torch's: the identity where a moved (a != b), else 0; none to b
        (same,) = ctx.saved_tensors
        return _grads(ctx, lambda: zero_where(g, same), lambda: np.zeros_like(g))


def _int_power_of_two(e: np.ndarray) -> np.ndarray:
    """2^e in e's integer dtype, as C integers compute it: 0 for e < 0 and e >= the dtype's bits,
    and 2^(bits-1) wrapped to the signed minimum."""
    bits = 8 * e.dtype.itemsize
    shifted = np.left_shift(np.ones_like(e), np.clip(e, 0, bits - 1))
    return np.where((e < 0) | (e >= bits), np.zeros_like(e), shifted)


class Ldexp(ArrayOp):
    """a * 2^b. A float a with an integer b is scaled exactly (C's ldexp, b cast to a C int), so
    a power of two out of a's range does not overflow first; otherwise it is a * 2.0^b, as torch
    computes both."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        if a.dtype.kind == "f" and b.dtype.kind in "biu":
            if b.dtype == np.bool_:
                raise kernel_error("ldexp_cpu_exp", b.dtype)
            ctx.save_for_backward(a, b)
            return np.ldexp(a, b.astype(np.int32))
        power = np.exp2(_floating(b))  # torch's pow(2.0, b): in b's float dtype
        a, power = promote(a, power)
        with np.errstate(invalid="ignore", over="ignore"):
            out = a * power
        ctx.save_for_backward(a, power)
        return out

    @staticmethod
    def backward(ctx, g):  # da = g 2^b, db = g a 2^b ln 2
        a, power = ctx.saved_tensors
        if power.dtype.kind != "f":
            # torch's formula, grad * pow(2, b), takes an integer b's power in its own dtype
            power = _int_power_of_two(power).astype(g.dtype)
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(g * power, ctx.shapes[0]) if need_a else None,
            unbroadcast(g * a * np.log(2.0) * power, ctx.shapes[1]) if need_b else None,
        )


class Frexp(ArrayOp):
    """The mantissa m of x = m * 2**e (0.5 <= |m| < 1; ``api.frexp`` gives e): the gradient
    is g / 2**e."""

    @staticmethod
    def forward(ctx, x):
        mantissa, ctx.exponent = np.frexp(x)
        return mantissa

    @staticmethod
    def backward(ctx, g):
        return np.ldexp(g, -ctx.exponent).astype(g.dtype, copy=False)


class Fill(ArrayOp):
    """A tensor of x's shape and dtype holding one value (a number, or a 0-dim tensor whose
    gradient is the sum of g's); x's gradient is 0."""

    @staticmethod
    def forward(ctx, x, value):
        ctx.torch_name = "FillBackward1" if isinstance(value, np.ndarray) else "FillBackward0"
        return np.full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        return (np.zeros_like(g) if need[0] else None), (np.sum(g) if need[1] else None)


class Angle(ArrayOp):
    """The argument of a real number: pi for a negative one, NaN for NaN, 0 otherwise (-0.0
    included); integers and bools give the default float dtype. Its gradient is 0."""

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        return np.where(x < 0, x.dtype.type(np.pi), np.where(np.isnan(x), x, 0)).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)
