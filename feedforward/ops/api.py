"""The public functions (``ff.exp(x)``, ``ff.cat(...)``) and, from the same code, the methods
(``x.exp()``). Each wrapper checks and normalises its arguments, then calls one op's ``apply``.
"""

from __future__ import annotations

import builtins
import os
import warnings
from collections.abc import Sequence

import numpy as np

from feedforward import _dtype, return_types
from feedforward.autograd import anomaly
from feedforward.autograd.function import UNRECORDED
from feedforward.autograd.grad_mode import _state
from feedforward.ops import _selection as Sel
from feedforward.ops import elementwise as E
from feedforward.ops import indexing as I
from feedforward.ops import linalg as L
from feedforward.ops import matrix as M
from feedforward.ops import reduction as R
from feedforward.ops import shape as S
from feedforward.ops._util import (
    C_TYPE_NAMES,
    SCALAR_TYPE_NAMES,
    broadcast_error,
    kernel_error,
    normalize_dim,
    normalize_dims,
    promote,
    scalar_array,
    type_name,
    wrap_int,
)
from feedforward.ops._util import can_cast as _can_cast
from feedforward.tensor import Size, Tensor

# What ``import feedforward`` takes from here: torch's functions. (expand, view, repeat and the
# other methods-only names are here for the methods of the same names: torch has no torch.view.)
__all__ = """
abs absolute acos acosh add addbmm addcdiv addcmul addmm addmv addr all allclose alpha_dropout
alpha_dropout_ amax amin aminmax angle any arccos arccosh arcsin arcsinh arctan arctan2 arctanh
argmax argmin argsort argwhere asin asinh atan atan2 atanh atleast_1d atleast_2d atleast_3d baddbmm
batch_norm bilinear binary_cross_entropy_with_logits bincount bitwise_and bitwise_left_shift
bitwise_not bitwise_or bitwise_right_shift bitwise_xor block_diag bmm broadcast_shapes
broadcast_tensors broadcast_to bucketize can_cast cartesian_prod cat cdist ceil celu celu_
chain_matmul cholesky chunk clamp clamp_max clamp_min clip clone column_stack combinations concat
concatenate conj conj_physical copysign corrcoef cos cosh cosine_embedding_loss cosine_similarity
count_nonzero cov cross cummax cummin cumprod cumsum cumulative_trapezoid deg2rad det detach diag
diag_embed diagflat diagonal diagonal_scatter diff dist div divide dot dropout dropout_ dsplit
dstack einsum embedding eq equal erf erfc erfinv exp exp2 expm1 feature_alpha_dropout
feature_alpha_dropout_ feature_dropout feature_dropout_ fill fix flatten flip fliplr flipud
float_power floor floor_divide fmax fmin fmod frac frexp gather gcd ge ger get_num_interop_threads
get_num_threads greater greater_equal group_norm gt hardshrink heaviside hinge_embedding_loss histc
histogram hsplit hstack hypot imag index_add index_copy index_fill index_put index_reduce
index_select inner instance_norm inverse is_complex is_conj is_floating_point is_inference is_neg
is_nonzero is_same_size is_signed isclose isfinite isin isinf isnan isneginf isposinf isreal kl_div
kron kthvalue layer_norm lcm ldexp le lerp less less_equal log log10 log1p log2 log_softmax
logaddexp logaddexp2 logcumsumexp logdet logical_and logical_not logical_or logical_xor logit
logsumexp lt margin_ranking_loss masked_fill masked_scatter masked_select matmul matrix_power max
maximum mean median meshgrid min minimum mm mode moveaxis movedim msort mul multiply mv nan_to_num
nanmean nanmedian nanquantile nansum narrow ne neg negative nextafter nonzero norm not_equal outer
pairwise_distance pdist permute pinverse poisson_nll_loss positive pow prelu prod put qr quantile
rad2deg ravel real reciprocal relu remainder renorm repeat_interleave reshape resolve_conj
resolve_neg result_type rms_norm roll rot90 round row_stack rrelu rrelu_ rsqrt rsub scatter
scatter_add scatter_reduce searchsorted select select_scatter selu selu_ set_num_interop_threads
set_num_threads sgn sigmoid sign signbit sin sinc sinh slice_scatter slogdet softmax sort split
split_with_sizes sqrt square squeeze stack std std_mean sub subtract sum svd swapaxes swapdims t
take take_along_dim tan tanh tensor_split tensordot threshold threshold_ tile topk trace transpose
trapezoid trapz tril tril_indices triplet_margin_loss triu triu_indices true_divide trunc unbind
unflatten unique unique_consecutive unravel_index unsafe_chunk unsafe_split unsafe_split_with_sizes
unsqueeze vander var var_mean vdot vsplit vstack where xlogy
""".split()


def _named(out: Tensor, torch_name: str) -> Tensor:
    """``out`` with its node shown under torch's name for this call, e.g. a sum over a dim is
    SumBackward1 (torch's dim overload), over every element SumBackward0."""
    if out.grad_fn is not None:
        out.grad_fn.torch_name = torch_name
    return out


def _tensor(x) -> Tensor:
    """Numbers and arrays given where a tensor is needed become constant tensors."""
    if isinstance(x, Tensor):
        return x
    return Tensor._make(scalar_array(x) if np.ndim(x) == 0 else np.asarray(x), False, None)


def _check_tensor(x, fn: str, arg: str = "input", position: int = 1) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{fn}(): argument '{arg}' (position {position}) must be Tensor, not {type(x).__name__}"
        )


def _operand_array(x, fn: str, arg: str, position: int) -> np.ndarray:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, bool | int | float | np.number | np.bool_):
        return x
    raise TypeError(
        f"{fn}(): argument '{arg}' (position {position}) must be Tensor, not {type(x).__name__}"
    )


def result_type(tensor1, tensor2):
    """The dtype an arithmetic op on the two (tensors or numbers) gives, by torch's promotion:
    a dimensioned tensor's category (bool < integer < float) rules unless the other operand's
    is higher; numbers count by category only (a float is the default dtype)."""
    a = _operand_array(tensor1, "result_type", "tensor1", 1)
    b = _operand_array(tensor2, "result_type", "tensor2", 2)
    if not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray):
        da, db = (_dtype.from_numpy_dtype(scalar_array(x).dtype) for x in (a, b))
        return _dtype.promote_types(da, db)
    a, _ = promote(a, b) if isinstance(a, np.ndarray) else promote(b, a)
    return _dtype.from_numpy_dtype(a.dtype)


# ---------------------------------------------------------------- arithmetic


def add(input, other, *, alpha=1):
    return E.Add.apply(input, other, alpha=alpha) if alpha != 1 else E.Add.apply(input, other)


def sub(input, other, *, alpha=1):
    return E.Sub.apply(input, other, alpha=alpha) if alpha != 1 else E.Sub.apply(input, other)


def mul(input, other):
    return E.Mul.apply(input, other)


def div(input, other, *, rounding_mode=None):
    if rounding_mode not in (None, "floor", "trunc"):
        raise ValueError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    if rounding_mode is None:
        return E.Div.apply(input, other)
    return E.Div.apply(input, other, rounding_mode=rounding_mode)


def true_divide(input, other):
    return E.Div.apply(input, other)


def floor_divide(input, other):
    return E.Div.apply(input, other, rounding_mode="floor")


def remainder(input, other):
    return E.Remainder.apply(input, other)


def pow(input, exponent):
    return E.Pow.apply(input, exponent)


def neg(input):
    return E.Neg.apply(input)


def maximum(input, other):
    return E.Maximum.apply(input, _tensor(other))


def minimum(input, other):
    return E.Minimum.apply(input, _tensor(other))


def matmul(input, other):
    return L.MatMul.apply(input, other)


def mm(input, mat2):
    return L.Mm.apply(input, mat2)


def bmm(input, mat2):
    return L.Bmm.apply(input, mat2)


def dot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return L.MatMul.apply(input, other)


def _broadcast_shapes(fn: str, *shapes) -> tuple:
    """The shape ``shapes`` broadcast to, or torch's error naming the op."""
    out = ()
    for shape in shapes:
        try:
            out = np.broadcast_shapes(out, shape)
        except ValueError:
            raise broadcast_error(fn, out, shape) from None
    return out


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2)."""
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    (n, k), (k2, p) = mat1.shape, mat2.shape
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{p})")
    for name, a, b in (("mat1", mat1, mat2), ("self", input, mat2)):
        if a.dtype is not b.dtype:
            raise RuntimeError(
                f"{name} and mat2 must have the same dtype, but got {type_name(a)} and "
                f"{type_name(b)}"
            )
    if mat1._data.dtype == np.bool_:
        raise kernel_error("addmm_impl_cpu_", np.bool_)
    if input.shape != (n, p):
        expand(input.detach(), (n, p))  # torch's error if input does not broadcast to the product
    return L.Addmm.apply(input, mat1, mat2, beta=beta, alpha=alpha)


def _check_same_dtype(fn: str, *tensors) -> None:
    """torch's words for a matrix-vector product of mixed dtypes: every dtype, in order."""
    if len({t._data.dtype for t in tensors}) > 1:
        names = [type_name(t) for t in tensors]
        raise RuntimeError(
            f"{fn} input tensors must have the same dtype, but got {', '.join(names[:-1])}, "
            f"and {names[-1]}"
        )


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec), input broadcast to the product's length."""
    _check_tensor(mat, "addmv", "mat", 2)
    _check_tensor(vec, "addmv", "vec", 3)
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}"
        )
    (n, k), size = mat.shape, input.shape[0] if input.ndim else 1
    if k != vec.shape[0] or size not in (1, n):
        raise RuntimeError(
            f"size mismatch, got input ({size}), mat ({n}x{k}), vec ({vec.shape[0]})"
        )
    _check_same_dtype("addmv", input, mat, vec)
    if mat._data.dtype == np.bool_:
        raise kernel_error("addmv_impl_cpu", np.bool_)
    return L.Addmv.apply(input, mat, vec, beta=beta, alpha=alpha)


def _check_scalars(dtype: np.dtype, beta, alpha) -> None:
    """addr's rules for beta and alpha: no floats in an integer op, no bools but in a bool one."""
    for name, value in (("beta", beta), ("alpha", alpha)):
        if dtype.kind in "biu" and isinstance(value, float):
            raise RuntimeError(
                f"For integral input tensors, argument {name} must not be a floating point number."
            )
        if dtype != np.bool_ and isinstance(value, bool):
            raise RuntimeError(f"Boolean {name} only supported for Boolean results.")


def _number(x):
    """A 0-dim tensor given for a scalar argument (beta, alpha, p) as the number it holds."""
    return x.item() if isinstance(x, Tensor) else x


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2), in the dtype the three promote to."""
    _check_tensor(vec1, "addr", "vec1", 2)
    _check_tensor(vec2, "addr", "vec2", 3)
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    beta, alpha = _number(beta), _number(alpha)
    _check_scalars(L.promote3(input._data, vec1._data, vec2._data)[0].dtype, beta, alpha)
    shape = (vec1.shape[0], vec2.shape[0])
    if input.shape != shape:
        expand(input.detach(), shape)  # torch's error where input does not broadcast to it
    return L.Addr.apply(input, vec1, vec2, beta=beta, alpha=alpha)


def _check_batches(batch1, batch2, fn: str) -> None:
    _check_tensor(batch1, fn, "batch1", 2)
    _check_tensor(batch2, fn, "batch2", 3)
    if batch1.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if batch2.ndim != 3:  # (torch reads its third size first)
        normalize_dim(2, batch2.ndim)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (the sum over the batch of batch1[i] @ batch2[i])."""
    _check_tensor(batch1, "addbmm", "batch1", 2)
    _check_tensor(batch2, "addbmm", "batch2", 3)
    if batch2.ndim < 3:
        normalize_dim(2, batch2.ndim)
    shape = (batch1.shape[1] if batch1.ndim > 1 else 1, batch2.shape[2])
    if input.shape != shape:
        expand(input.detach(), shape)
    _check_batches(batch1, batch2, "addbmm")
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(
            "batch1 and batch2 must have same number of batches, got "
            f"{batch1.shape[0]} and {batch2.shape[0]}"
        )
    (_, n, k), (_, k2, p) = batch1.shape, batch2.shape
    if k != k2:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({n}x{k} and {k2}x{p})")
    for name, a in (("self", input), ("mat1", batch1)):
        if a.dtype is not batch2.dtype:
            raise RuntimeError(
                f"{name} and mat2 must have the same dtype, but got {type_name(a)} and "
                f"{type_name(batch2)}"
            )
    if batch1._data.dtype == np.bool_:
        raise kernel_error("addmm_impl_cpu_", np.bool_)
    return L.Addbmm.apply(input, batch1, batch2, beta=beta, alpha=alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2), batch by batch."""
    _check_tensor(batch1, "baddbmm", "batch1", 2)
    _check_tensor(batch2, "baddbmm", "batch2", 3)
    if batch2.ndim < 3:
        normalize_dim(2, batch2.ndim)
    shape = (*batch1.shape[:2], batch2.shape[2]) if batch1.ndim > 1 else None
    if shape is not None and input.shape != shape:
        expand(input.detach(), shape)
    _check_batches(batch1, batch2, "baddbmm")
    b, n, k = batch1.shape
    if batch2.shape[:2] != (b, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but got: "
            f"[{batch2.shape[0]}, {batch2.shape[1]}]."
        )
    if input.dtype is not batch1.dtype or batch1.dtype is not batch2.dtype:
        c = [C_TYPE_NAMES[t._data.dtype.name] for t in (input, batch1)]
        if input.dtype is not batch1.dtype:
            raise RuntimeError(
                f"Input dtypes must be the same, got: input {c[0]}, batch1: {c[1]}, batch2: "
                f"{C_TYPE_NAMES[batch2._data.dtype.name]}"
            )
        raise RuntimeError(
            f"expected scalar type {type_name(batch1)} but found {type_name(batch2)}"
        )
    if batch1._data.dtype == np.bool_:
        raise kernel_error("baddbmm", np.bool_)
    return L.Baddbmm.apply(input, batch1, batch2, beta=beta, alpha=alpha)


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast): torch.norm(input - other, p)."""
    _check_tensor(other, "dist", "other", 2)
    E._check_bool_subtraction(input._data, other._data)
    _broadcast_shapes("dist", input.shape, other.shape)
    dtype = promote(input._data, other._data)[0].dtype
    if dtype.kind != "f":
        raise RuntimeError(
            "norm(): input dtype should be either floating point or complex. Got "
            f"{SCALAR_TYPE_NAMES[dtype.name]} instead."
        )
    return L.Dist.apply(input, other, float(_number(p)))


def renorm(input, p, dim, maxnorm):
    """Each slice ``input.select(dim, i)`` whose p-norm exceeds maxnorm rescaled to norm maxnorm
    (over maxnorm / (norm + 1e-7)); the others unchanged."""
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(
            f"renorm(): argument 'dim' (position 3) must be int, not {type(dim).__name__}"
        )
    p, maxnorm = float(_number(p)), _number(maxnorm)
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    if input.ndim < 2:
        raise RuntimeError(
            f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions"
        )
    dim = normalize_dim(dim, input.ndim)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{type_name(input)}"
        )
    return L.Renorm.apply(input, p, dim, float(maxnorm))


def mv(input, vec):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input.shape[0]}), mat ({input.shape[0]}x"
            f"{input.shape[1]}), vec ({vec.shape[0]})"
        )
    if input.dtype is not vec.dtype:
        v, m = type_name(vec), type_name(input)
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {v}, {m}, and {v}"
        )
    return L.MatMul.apply(input, vec)


def lerp(input, end, weight):
    """input + weight * (end - input); weight a number or a tensor."""
    _check_tensor(end, "lerp", "end", 2)
    for name, t in (("end", end), ("weight", weight)):
        # a 0-dim weight of any dtype is taken as a number; end must match input
        if isinstance(t, Tensor) and t.dtype is not input.dtype and (name == "end" or t.ndim):
            raise RuntimeError(
                f"expected dtype {C_TYPE_NAMES[input._data.dtype.name]} for `{name}` but got "
                f"dtype {C_TYPE_NAMES[t._data.dtype.name]}"
            )
    if input._data.dtype.kind != "f":
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise kernel_error(kernel, input._data.dtype)
    _broadcast_shapes("lerp", input.shape, end.shape, np.shape(weight))
    return E.Lerp.apply(input, end, weight)


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    _check_tensor(tensor1, "addcmul", "tensor1", 2)
    _check_tensor(tensor2, "addcmul", "tensor2", 3)
    _broadcast_shapes("addcmul", input.shape, tensor1.shape, tensor2.shape)
    return E.Addcmul.apply(input, tensor1, tensor2, value=value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2."""
    _check_tensor(tensor1, "addcdiv", "tensor1", 2)
    _check_tensor(tensor2, "addcdiv", "tensor2", 3)
    _broadcast_shapes("addcdiv", input.shape, tensor1.shape, tensor2.shape)
    return E.Addcdiv.apply(input, tensor1, tensor2, value=value)


def atan2(input, other):
    _check_tensor(other, "atan2", "other", 2)
    return E.Atan2.apply(input, other)


def fmod(input, other):
    _check_tensor(input, "fmod")
    return E.Fmod.apply(input, other)


def xlogy(input, other):
    """input * log(other), 0 where input == 0 unless other is NaN; either may be a number."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(
            f"xlogy() received an invalid combination of arguments - got "
            f"({type(input).__name__}, {type(other).__name__}), but expected one of:\n"
            " * (Tensor input, Tensor other, *, Tensor out = None)\n"
            " * (Number self, Tensor other, *, Tensor out = None)\n"
            " * (Tensor input, Number other, *, Tensor out = None)\n"
        )
    return E.Xlogy.apply(input, other)


def subtract(input, other, *, alpha=1):
    """``sub`` by another name; a number first is taken as a tensor (SubBackward0, not rsub)."""
    out = sub(input, other, alpha=alpha)
    return out if isinstance(input, Tensor) else _named(out, "SubBackward0")


def _check_tensors(fn: str, input, other, arg: str = "other") -> None:
    _check_tensor(input, fn)
    _check_tensor(other, fn, arg, 2)


def hypot(input, other):
    """sqrt(input^2 + other^2), without overflow for large inputs."""
    _check_tensors("hypot", input, other)
    return E.Hypot.apply(input, other)


def logaddexp(input, other):
    """log(exp(input) + exp(other)), finite where the exponentials would overflow."""
    _check_tensors("logaddexp", input, other)
    return E.Logaddexp.apply(input, other)


def logaddexp2(input, other):
    """log2(2^input + 2^other)."""
    _check_tensors("logaddexp2", input, other)
    return E.Logaddexp2.apply(input, other)


def fmax(input, other):
    """The elementwise maximum, ignoring NaN: a NaN only where both are NaN."""
    _check_tensors("fmax", input, other)
    return E.Fmax.apply(input, other)


def fmin(input, other):
    _check_tensors("fmin", input, other)
    return E.Fmin.apply(input, other)


def heaviside(input, values):
    """The step function: 0 below zero, 1 above, ``values`` (of input's dtype) at zero."""
    _check_tensors("heaviside", input, values, "values")
    return E.Heaviside.apply(input, values)


def copysign(input, other):
    """|input| with the sign of other (a tensor or a number), -0.0 and NaN's sign included."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"copysign() received an invalid combination of arguments - got "
            f"({type(input).__name__}, {type(other).__name__}), but expected one of:\n"
            " * (Tensor input, Tensor other, *, Tensor out = None)\n"
            " * (Tensor input, Number other, *, Tensor out = None)\n"
        )
    return E.Copysign.apply(input, other)


def nextafter(input, other):
    """The next float after input in the direction of other."""
    _check_tensors("nextafter", input, other)
    return E.Nextafter.apply(input, other)


def ldexp(input, other):
    """input * 2^other."""
    _check_tensors("ldexp", input, other)
    return E.Ldexp.apply(input, other)


def float_power(input, exponent):
    """pow in float64, whatever the dtypes: the tensors are cast (ToCopy), numbers made floats."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(
            f"float_power() received an invalid combination of arguments - got "
            f"({type(input).__name__}, {type(exponent).__name__}), but expected one of:\n"
            " * (Tensor input, Tensor exponent, *, Tensor out = None)\n"
            " * (Number self, Tensor exponent, *, Tensor out = None)\n"
            " * (Tensor input, Number exponent, *, Tensor out = None)\n"
        )
    base, exp = (
        x.to(_dtype.float64) if isinstance(x, Tensor) else builtins.float(x)
        for x in (input, exponent)
    )
    return E.Pow.apply(base, exp)


def _integer_only(np_fn, name: str):
    """gcd and lcm: integer kernels only (and not of two bools), no gradient."""

    def fn(input, other):
        _check_tensors(name, input, other)
        a, b = input._data, other._data
        dtype = _dtype.result_type(a, b)
        if dtype.kind not in "iu":
            raise kernel_error(f"{name}_cpu", dtype)
        try:
            out = np_fn(a.astype(dtype, copy=False), b.astype(dtype, copy=False))
        except ValueError:
            raise broadcast_error(name, a.shape, b.shape) from None
        return Tensor._make(np.asarray(out), False, None)

    fn.__name__ = name
    return fn


gcd = _integer_only(np.gcd, "gcd")
lcm = _integer_only(np.lcm, "lcm")


def arctan2(input, other):
    _check_tensor(other, "arctan2", "other", 2)  # (torch's message names the alias)
    return E.Atan2.apply(input, other)


# ---------------------------------------------------------------- unary


def _unary(op):
    apply, forward = op.apply, op.forward

    def fn(input):
        # No graph to record: call the forward straight away (see ``autograd.function.unrecorded``;
        # an elementwise op of one input has no broadcasting error to translate).
        if (
            isinstance(input, Tensor)
            and not (input._requires_grad and _state["grad"])
            and not anomaly._enabled
        ):
            data = forward(UNRECORDED, input._data)
            return Tensor._make(data if type(data) is np.ndarray else np.asarray(data), False, None)
        return apply(input)

    fn.__name__ = op.__name__.lower()
    fn.__doc__ = (
        f"Elementwise {fn.__name__}; the gradient rule is in ``{op.__qualname__}.backward``."
    )
    return fn


exp = _unary(E.Exp)
expm1 = _unary(E.Expm1)
log = _unary(E.Log)
log1p = _unary(E.Log1p)
sqrt = _unary(E.Sqrt)
rsqrt = _unary(E.Rsqrt)
abs = _unary(E.Abs)
sin = _unary(E.Sin)
cos = _unary(E.Cos)
tanh = _unary(E.Tanh)
sigmoid = _unary(E.Sigmoid)
relu = _unary(E.Relu)
sign = _unary(E.Sign)
floor = _unary(E.Floor)
ceil = _unary(E.Ceil)
trunc = _unary(E.Trunc)
# torch's other names for four ops (their out= messages and nodes name the first: div, ...)
divide, multiply, negative, fix = div, mul, neg, trunc


def round(input, *, decimals: int = 0):
    return E.Round.apply(input, decimals)


def square(input):
    if isinstance(input, Tensor) and input._data.dtype == np.bool_:  # torch: pow(x, 2): int64
        return E.Pow.apply(input, 2)
    return _named(E.Mul.apply(input, input), "Pow")  # torch: pow(x, 2)


def log2(input):
    return _named(E.Div.apply(E.Log.apply(input), float(np.log(2.0))), "Log2")


def log10(input):
    return _named(E.Div.apply(E.Log.apply(input), float(np.log(10.0))), "Log10")


def reciprocal(input):
    return _named(E.Div.apply(1.0, input), "Reciprocal")


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return E.Clamp.apply(input, min, max)


clip = clamp


def clamp_min(input, min):
    out = E.Clamp.apply(input, min, None)
    return _named(out, "ClampMinBackward1" if isinstance(min, Tensor) else "ClampMin")


def clamp_max(input, max):
    out = E.Clamp.apply(input, None, max)
    return _named(out, "ClampMaxBackward1" if isinstance(max, Tensor) else "ClampMax")


def where(condition, input=None, other=None):
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{cond.dtype}"
        )
    # torch broadcasts condition, input and other in that order and names the first pair that
    # fails (NumPy's error cannot say which)
    shape = cond.shape
    for operand in (input, other):
        if isinstance(operand, Tensor):
            try:
                shape = np.broadcast_shapes(shape, operand._data.shape)
            except ValueError:
                raise broadcast_error("where", shape, operand._data.shape) from None
    return E.Where.apply(cond, input, other)


def nonzero(input, *, as_tuple: bool = False):
    if input.ndim == 0 and not as_tuple:  # one row (or none) of no indices
        return Tensor._make(np.zeros((int(bool(input._data)), 0), np.int64), False, None)
    idx = np.nonzero(np.atleast_1d(input._data))
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64), False, None) for i in idx)
    return Tensor._make(np.stack(idx, axis=1).astype(np.int64), False, None)


def argwhere(input):
    """The indices of the non-zero elements, one row each: ``nonzero(input)``."""
    return nonzero(input)


def unique(
    input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None
):
    """The distinct values, sorted (as torch's CPU kernel does even with ``sorted=False``), and
    on request each element's index among them and how often each occurs; with ``dim``, the
    distinct slices along it. Not differentiable."""
    axis = None if dim is None else normalize_dim(dim, input.ndim, "unique")
    values, inverse, counts = np.unique(
        input._data, return_inverse=True, return_counts=True, axis=axis
    )
    inverse = inverse.reshape(input.shape if axis is None else -1)
    found = [values, inverse.astype(np.int64)] if return_inverse else [values]
    if return_counts:
        found.append(counts.astype(np.int64))
    tensors = tuple(Tensor._make(np.asarray(a), False, None) for a in found)
    return tensors[0] if len(tensors) == 1 else tensors


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """The first element of each run of equal consecutive elements (``[1, 1, 2, 2, 1]`` gives
    ``[1, 2, 1]``), flattened, or with ``dim`` the runs of equal slices along it; on request each
    element's run and each run's length. Not differentiable."""
    data = input._data
    if dim is None:
        flat = data.reshape(-1)
        new_run = np.ones(flat.shape, bool)
        new_run[1:] = flat[1:] != flat[:-1]  # (NaN != NaN: each NaN a run of its own)
        values = flat[new_run]
        inverse_shape = data.shape
    else:
        if input.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        axis = normalize_dim(dim, input.ndim)
        if data.size == 0 and data.shape[axis] != 0:
            raise RuntimeError(
                "There are 0 sized dimensions, and they aren't selected, so unique cannot be "
                "applied"
            )
        lines = np.moveaxis(data, axis, 0).reshape(
            data.shape[axis], data.size // builtins.max(data.shape[axis], 1)
        )
        new_run = np.ones(len(lines), bool)
        new_run[1:] = (lines[1:] != lines[:-1]).any(axis=1)
        values = np.compress(new_run, data, axis=axis)
        inverse_shape = (len(lines),)
    starts = np.flatnonzero(new_run)
    found = [Tensor._make(np.ascontiguousarray(values), False, None)]
    error = NotImplementedError("the derivative for 'unique_consecutive' is not implemented.")
    found[0] = _no_derivative(found[0], (input,), "UniqueConsecutive", error)
    if return_inverse:
        inverse = (np.cumsum(new_run) - 1).reshape(inverse_shape)
        found.append(Tensor._make(inverse.astype(np.int64), False, None))
    if return_counts:
        counts = np.diff(np.append(starts, len(new_run)))
        found.append(Tensor._make(counts.astype(np.int64), False, None))
    return found[0] if len(found) == 1 else tuple(found)


sinh = _unary(E.Sinh)
cosh = _unary(E.Cosh)
frac = _unary(E.Frac)


tan = _unary(E.Tan)
asin = arcsin = _unary(E.Asin)
acos = arccos = _unary(E.Acos)
atan = arctan = _unary(E.Atan)
asinh = arcsinh = _unary(E.Asinh)
acosh = arccosh = _unary(E.Acosh)
atanh = arctanh = _unary(E.Atanh)
sinc = _unary(E.Sinc)
deg2rad = _unary(E.Deg2Rad)
rad2deg = _unary(E.Rad2Deg)
exp2 = _unary(E.Exp2)
erf = _unary(E.Erf)
erfc = _unary(E.Erfc)
erfinv = _unary(E.Erfinv)
sgn = _unary(E.Sgn)
absolute = abs


def logit(input, eps=None):
    """log(p / (1 - p)); with ``eps``, p is first clamped to [eps, 1 - eps]."""
    return E.Logit.apply(input) if eps is None else E.Logit.apply(input, eps)


def positive(input):
    """input itself (torch's ``+x``), refused for bool tensors as torch does."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def nan_to_num(input, nan: float = 0.0, posinf=None, neginf=None):
    """NaN as ``nan``, +-inf as ``posinf``/``neginf`` (default: the dtype's extreme values)."""
    return E.NanToNum.apply(input, nan, posinf, neginf)


# ---------------------------------------------------------------- comparisons and logic


def _compare(np_fn, name, wrap: bool = True):
    def fn(input, other):
        a = input._data
        b = other._data if isinstance(other, Tensor) else other
        if wrap:  # torch compares an integer tensor with an out-of-range int wrapped into its dtype
            b = wrap_int(a.dtype, b)
        try:
            return Tensor._make(np.asarray(np_fn(a, b)), False, None)
        except ValueError:
            raise broadcast_error(name, a.shape, np.shape(b)) from None

    fn.__name__ = name
    return fn


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
logical_and = _compare(np.logical_and, "logical_and", wrap=False)
logical_or = _compare(np.logical_or, "logical_or", wrap=False)
logical_xor = _compare(np.logical_xor, "logical_xor", wrap=False)


def logical_not(input):
    return Tensor._make(np.logical_not(input._data), False, None)


def _bitwise(np_fn, name):
    def fn(input, other):
        b = wrap_int(input._data.dtype, other._data if isinstance(other, Tensor) else other)
        dtype = _dtype.result_type(input._data, scalar_array(b))
        if dtype.kind == "f":
            raise kernel_error(f"{name}_cpu", dtype)
        return Tensor._make(np.asarray(np_fn(input._data, b)), False, None)

    return fn


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input):
    if input._data.dtype.kind == "f":
        raise RuntimeError("bitwise_not is only supported for integer and boolean tensors")
    return Tensor._make(np.invert(input._data), False, None)


def isnan(input):
    return Tensor._make(np.isnan(input._data), False, None)


def isinf(input):
    return Tensor._make(np.isinf(input._data), False, None)


def isfinite(input):
    return Tensor._make(np.isfinite(input._data), False, None)


def signbit(input):
    """Whether the sign bit is set: True for -0.0 and a NaN with it, x < 0 for integers."""
    data = input._data
    found = np.signbit(data) if data.dtype.kind == "f" else data < 0
    return Tensor._make(np.asarray(found), False, None)


def isposinf(input):
    data = input._data
    found = data == np.inf if data.dtype.kind == "f" else np.zeros(data.shape, bool)
    return Tensor._make(np.asarray(found), False, None)


def isneginf(input):
    data = input._data
    found = data == -np.inf if data.dtype.kind == "f" else np.zeros(data.shape, bool)
    return Tensor._make(np.asarray(found), False, None)


def isreal(input):
    """True everywhere: the library has no complex dtypes."""
    return Tensor._make(np.ones(input._data.shape, bool), False, None)


def equal(input, other) -> bool:
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    b = other._data if isinstance(other, Tensor) else other
    return Tensor._make(
        np.isclose(input._data, b, rtol=rtol, atol=atol, equal_nan=equal_nan), False, None
    )


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False):
    """Whether each element of ``elements`` is in ``test_elements`` (either may be a number)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        options = "*, bool assume_unique = False, bool invert = False, Tensor out = None"
        raise TypeError(
            f"isin() received an invalid combination of arguments - got "
            f"({type(elements).__name__}, {type(test_elements).__name__}), but expected one of:\n"
            f" * (Tensor elements, Tensor test_elements, {options})\n"
            f" * (Number element, Tensor test_elements, {options})\n"
            f" * (Tensor elements, Number test_element, {options})\n"
        )
    a, b = (x._data if isinstance(x, Tensor) else np.asarray(x) for x in (elements, test_elements))
    if np.bool_ in (a.dtype, b.dtype):
        raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    return Tensor._make(
        np.asarray(np.isin(a, b, assume_unique=assume_unique, invert=invert)), False, None
    )


# ---------------------------------------------------------------- reductions


def _wide_input(input, dtype, kernel: str | None = None):
    """prod's, cumsum's and cumprod's input in the dtype asked for, by default integers in int64
    (the cumulative ones have no bool kernel)."""
    if dtype is None:
        return input.long() if input._data.dtype.kind in "bui" else input
    if kernel and _dtype.to_numpy_dtype(dtype) == np.bool_:
        raise kernel_error(kernel, np.bool_)
    return input.to(dtype)


def sum(input, dim=None, keepdim=False, *, dtype=None):
    axes = normalize_dims(dim, input.ndim, "sum")
    dt = _dtype.to_numpy_dtype(dtype) if dtype is not None else None
    out = R.Sum.apply(input, axes, keepdim, dt)
    return out if dim is None else _named(out, "SumBackward1")


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {input.dtype.name.capitalize()}"
        )
    out = R.Mean.apply(input, normalize_dims(dim, input.ndim, "mean"), keepdim)
    return out if dim is None else _named(out, "MeanBackward1")


def prod(input, dim=None, keepdim=False, *, dtype=None):
    input = _wide_input(input, dtype)
    axis = None if dim is None else normalize_dim(dim, input.ndim, "prod")
    out = R.Prod.apply(input, axis, keepdim)
    return out if dim is None else _named(out, "ProdBackward1")


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):  # var(x, False): the old positional `unbiased`
        dim, unbiased = None, dim
    axes = normalize_dims(dim, input.ndim, "var")
    return R.Var.apply(input, axes, _correction(unbiased, correction), keepdim)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    axes = normalize_dims(dim, input.ndim, "std")
    return R.Var.apply(input, axes, _correction(unbiased, correction), keepdim, True)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def _check_nonempty(input, fn: str, axes) -> None:
    if input._data.size == 0 and (axes is None or builtins.any(input.shape[a] == 0 for a in axes)):
        raise IndexError(
            f"{fn}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
            "the reduction dim with the 'dim' argument."
        )


def _extreme(input, dim, keepdim, other, which: str):
    if isinstance(dim, Tensor):  # max(a, b): elementwise
        other, dim = dim, None
    if other is not None:
        return maximum(input, other) if which == "max" else minimum(input, other)
    if dim is None:
        _check_nonempty(input, which, None)
        return R.Extreme.apply(input, which == "max")
    axis = normalize_dim(dim, input.ndim, which)
    _check_nonempty(input, which, (axis,))
    arg = np.argmax if which == "max" else np.argmin
    data = input._data if input.ndim else input._data.reshape(1)
    idx = arg(data, axis=axis, keepdims=keepdim).astype(np.int64)
    values = R.MaxDim.apply(input if input.ndim else input.reshape(1), idx, axis, keepdim)
    if which == "min":
        values = _named(values, "Min")
    if input.ndim == 0:
        values, idx = values.reshape(()), idx.reshape(())
    result = return_types.max if which == "max" else return_types.min
    return result((values, Tensor._make(idx, False, None)))


def max(input, dim=None, keepdim=False, *, other=None):
    """Largest value; with ``dim``, (values, indices) along it; with a tensor, elementwise."""
    return _extreme(input, dim, keepdim, other, "max")


def min(input, dim=None, keepdim=False, *, other=None):
    return _extreme(input, dim, keepdim, other, "min")


def amax(input, dim=(), keepdim=False):
    axes = normalize_dims(dim, input.ndim, "amax") if dim != () else None
    _check_nonempty(input, "amax", axes)
    return R.Amax.apply(input, axes, keepdim)


def amin(input, dim=(), keepdim=False):
    axes = normalize_dims(dim, input.ndim, "amin") if dim != () else None
    _check_nonempty(input, "amin", axes)
    return R.Amin.apply(input, axes, keepdim)


def _refuse_bool(input, fn: str) -> None:
    if input._data.dtype == np.bool_:
        raise RuntimeError(f"{fn}(): does not support bool input")


def argmax(input, dim=None, keepdim=False):
    _refuse_bool(input, "argmax")
    if dim is None:
        return Tensor._make(np.asarray(np.argmax(input._data), dtype=np.int64), False, None)
    axis = normalize_dim(dim, input.ndim, "argmax")
    return Tensor._make(
        np.argmax(input._data, axis=axis, keepdims=keepdim).astype(np.int64), False, None
    )


def argmin(input, dim=None, keepdim=False):
    _refuse_bool(input, "argmin")
    if dim is None:
        return Tensor._make(np.asarray(np.argmin(input._data), dtype=np.int64), False, None)
    axis = normalize_dim(dim, input.ndim, "argmin")
    return Tensor._make(
        np.argmin(input._data, axis=axis, keepdims=keepdim).astype(np.int64), False, None
    )


def logsumexp(input, dim, keepdim=False):
    return R.LogSumExp.apply(input, normalize_dims(dim, input.ndim, "logsumexp"), keepdim)


def softmax(input, dim, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    axis = normalize_dim(dim, input.ndim, "softmax")
    _floating_only(input, axis, "softmax")
    return R.Softmax.apply(input, axis)


def log_softmax(input, dim, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    axis = normalize_dim(dim, input.ndim, "log_softmax")
    _floating_only(input, axis, "log_softmax")
    return R.LogSoftmax.apply(input, axis)


def _floating_only(input, axis: int, kernel: str) -> None:
    """(log_)softmax of an integer tensor raises in torch (pass ``dtype=`` to compute in float)."""
    if input._data.dtype.kind != "f":
        last = axis == input.ndim - 1 or input.ndim == 0
        raise kernel_error(
            f"{kernel}_lastdim_kernel_impl" if last else f"{kernel}_kernel_impl", input._data.dtype
        )


def cumsum(input, dim, *, dtype=None):
    input = _wide_input(input, dtype, "cumsum_out_cpu")
    return R.Cumsum.apply(input, normalize_dim(dim, input.ndim, "cumsum"))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if p == "fro" or p is None:
        p = 2.0
    if p == "nuc":  # (torch's torch.norm: over every dim, a 2-tuple of them, or an error)
        from feedforward import linalg

        dims = list(range(input.ndim)) if dim is None else dim
        return linalg.matrix_norm(input, "nuc", dims, keepdim, dtype=dtype)
    return M.VectorNorm.apply(input, float(p), normalize_dims(dim, input.ndim, "norm"), keepdim)


def all(input, dim=None, keepdim=False):
    axis = None if dim is None else normalize_dims(dim, input.ndim, "all")
    return Tensor._make(np.asarray(np.all(input._data, axis=axis, keepdims=keepdim)), False, None)


def any(input, dim=None, keepdim=False):
    axis = None if dim is None else normalize_dims(dim, input.ndim, "any")
    return Tensor._make(np.asarray(np.any(input._data, axis=axis, keepdims=keepdim)), False, None)


def count_nonzero(input, dim=None):
    axis = None if dim is None else normalize_dims(dim, input.ndim, "count_nonzero")
    return Tensor._make(
        np.asarray(np.count_nonzero(input._data, axis=axis), dtype=np.int64), False, None
    )


def cumprod(input, dim, *, dtype=None):
    input = _wide_input(input, dtype, "cumprod_out_cpu")
    return R.Cumprod.apply(input, normalize_dim(dim, input.ndim, "cumprod"))


def _cumulative_extreme(input, dim, which: str):
    """cummax/cummin: the running extreme along ``dim`` and where it was last reached. torch's
    loop takes an element that ties the running extreme (``>=``), and any NaN, which then stays,
    so an element is the new extreme exactly where it equals the running one or is NaN."""
    axis = normalize_dim(dim, input.ndim)  # (torch names no op here)
    src = input if input.ndim else input.reshape(1)
    data = src._data
    running = (np.maximum if which == "cummax" else np.minimum).accumulate(data, axis=axis)
    reached = data == running
    if data.dtype.kind == "f":
        reached |= np.isnan(data)
    position = np.arange(data.shape[axis]).reshape(
        [-1 if d == axis else 1 for d in range(src.ndim)]
    )
    idx = np.maximum.accumulate(np.where(reached, position, 0), axis=axis)
    # the values are the input's own elements, so the gradient goes back to where each came from
    values = I.Gather.apply(src, axis, idx)
    result = return_types.cummax if which == "cummax" else return_types.cummin
    if input.ndim == 0:
        values, idx = values.reshape(()), idx.reshape(())
    return result((_named(values, which.capitalize()), Tensor._make(idx, False, None)))


def cummax(input, dim):
    """The running maximum along ``dim`` and its indices: ``ff.cummax(ff.tensor([1, 3, 2]), 0)``
    is values [1, 3, 3], indices [0, 1, 1] (a tie, or a NaN, takes the later index)."""
    return _cumulative_extreme(input, dim, "cummax")


def cummin(input, dim):
    """The running minimum along ``dim`` and its indices, as ``cummax``."""
    return _cumulative_extreme(input, dim, "cummin")


def _narrowed(x, axis: int, start, stop):
    """x[start:stop] along ``axis`` (a view), as torch's slice()."""
    if x.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    return x[(slice(None),) * axis + (slice(start, stop),)]


def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None):
    """The n-th forward difference along ``dim`` (out[i] = input[i + 1] - input[i], n times;
    XOR for bools), with ``prepend`` and ``append`` joined on first."""
    for name, other in (("prepend", prepend), ("append", append)):
        if other is not None and not isinstance(other, Tensor):
            raise TypeError(f"diff(): argument '{name}' must be Tensor, not {type(other).__name__}")
    if input.ndim < 1:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    for other in (prepend, append):
        if other is None:
            continue
        axis = normalize_dim(dim, input.ndim)
        if other.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        for i, (a, b) in enumerate(zip(input.shape, other.shape)):
            if i != axis and a != b:
                raise RuntimeError(
                    "diff expects the shape of tensor to prepend or append to match that of "
                    f"input except along the differencing dimension; input.size({i}) = {a}, but "
                    f"got tensor.size({i}) = {b}"
                )
    if n == 0:  # torch: a copy, prepend and append ignored
        return _named(E.Clone.apply(input), "CopyBackwards")
    axis = normalize_dim(dim, input.ndim)
    if prepend is not None or append is not None:
        input = cat([t for t in (prepend, input, append) if t is not None], axis)
    out, length = input, input.shape[axis] - 1
    for _ in range(builtins.min(n, input.shape[axis])):
        later, earlier = _narrowed(out, axis, 1, None), _narrowed(out, axis, 0, length)
        out = logical_xor(later, earlier) if out._data.dtype == np.bool_ else later - earlier
        length -= 1
    return out


def _dx(dx, fn: str) -> float:
    if isinstance(dx, Tensor) and dx.ndim == 0:
        dx = dx.item()
    if isinstance(dx, bool | complex):
        raise RuntimeError(f"{fn}: Currently, we only support dx as a real number.")
    return float(dx)


def _sample_points(y, x, axis: int, fn: str):
    """x as torch lines it up with y: a vector along ``axis``, or with ones in front."""
    if x.ndim == 1:
        if x.shape[0] != y.shape[axis]:
            raise RuntimeError(f"{fn}: There must be one `x` value for each sample point")
        return reshape(x, [-1 if d == axis else 1 for d in range(y.ndim)])
    if x.ndim < y.ndim:
        return reshape(x, (1,) * (y.ndim - x.ndim) + tuple(x.shape))
    return x


def _trapezoid_args(y, x, dx, fn: str) -> None:
    if x is not None and (dx is not None or not isinstance(x, Tensor)):
        got = ", ".join(["Tensor", type(x).__name__] + (["dx=" + type(dx).__name__] if dx else []))
        raise TypeError(
            f"{fn}() received an invalid combination of arguments - got ({got}), but expected "
            "one of: (Tensor y, Tensor x, *, int dim = -1), (Tensor y, *, Number dx = 1, int "
            "dim = -1)"
        )


def _no_samples(y, axis: int):
    """The integral over no samples, as NumPy's: zeros."""
    return Tensor._make(np.zeros(y.shape[:axis] + y.shape[axis + 1 :], y._data.dtype), False, None)


def trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """The integral of y along ``dim`` by the trapezoid rule: samples ``dx`` apart (default 1),
    or at the points ``x``."""
    _trapezoid_args(y, x, dx, "trapezoid")
    if x is None:
        if y.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        axis = normalize_dim(dim, y.ndim)
        if y.shape[axis] == 0:
            return _no_samples(y, axis)
        if y._data.dtype == np.bool_:
            raise RuntimeError(
                "trapezoid: received a bool input for `y`, but bool is not supported"
            )
        step = _dx(1 if dx is None else dx, "trapezoid")
        ends = select(y, axis, 0) + select(y, axis, -1)
        return _named((sum(y, axis) - ends * 0.5) * step, "MulBackward1")  # torch's form
    axis = normalize_dim(dim, y.ndim)
    if y.ndim == 0:
        raise IndexError(f"Dimension specified as {axis} but tensor has no dimensions")
    if y.shape[axis] == 0:
        return _no_samples(y, axis)
    if np.bool_ in (y._data.dtype, x._data.dtype):
        raise RuntimeError(
            "trapezoid: received a bool input for `x` or `y`, but bool is not supported"
        )
    x = _sample_points(y, x, axis, "trapezoid")
    dx = _narrowed(x, axis, 1, None) - _narrowed(x, axis, 0, -1)
    heights = _narrowed(y, axis, 0, -1) + _narrowed(y, axis, 1, None)
    return _named(sum(heights * dx, axis) / 2.0, "DivBackward1")


def trapz(y, x=None, *, dx=None, dim: int = -1):
    """``trapezoid``, its older name."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """The running integral of y along ``dim`` by the trapezoid rule: one value fewer than y."""
    fn = "cumulative_trapezoid"
    _trapezoid_args(y, x, dx, fn)
    if x is None:
        if y._data.dtype == np.bool_:
            raise RuntimeError(f"{fn}: received a bool input for `y`, but bool is not supported")
        step = _dx(1 if dx is None else dx, fn)
        axis = normalize_dim(dim, y.ndim)
        heights = _narrowed(y, axis, 0, -1) + _narrowed(y, axis, 1, None)
        return cumsum(step / 2.0 * heights, axis)
    axis = normalize_dim(dim, y.ndim)
    if np.bool_ in (y._data.dtype, x._data.dtype):
        raise RuntimeError(f"{fn}: received a bool input for `x` or `y`, but bool is not supported")
    if y.ndim == 0 and x.ndim == 1:
        raise IndexError(f"Dimension specified as {axis} but tensor has no dimensions")
    x = _sample_points(y, x, axis, fn)
    dx = _narrowed(x, axis, 1, None) - _narrowed(x, axis, 0, -1)
    heights = _narrowed(y, axis, 0, -1) + _narrowed(y, axis, 1, None)
    return _named(cumsum(heights * dx, axis) / 2.0, "DivBackward1")


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum with NaN counted as zero."""
    axes = normalize_dims(dim, input.ndim, "nansum")
    dt = _dtype.to_numpy_dtype(dtype) if dtype is not None else None
    return R.Nansum.apply(input, axes, keepdim, dt)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """mean of the elements that are not NaN (as torch: nansum / count)."""
    if dtype is not None and _dtype.to_numpy_dtype(dtype).kind != "f":
        raise RuntimeError(
            "nanmean(): could not infer output dtype. Optional dtype must be either a floating "
            f"point or complex dtype. Got: {SCALAR_TYPE_NAMES[_dtype.to_numpy_dtype(dtype).name]}"
        )
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{type_name(input)}"
        )
    axes = normalize_dims(dim, input.ndim, "nanmean")
    count = np.add.reduce(~np.isnan(input._data), axis=axes, keepdims=keepdim, dtype=np.int64)
    return E.Div.apply(nansum(input, dim, keepdim, dtype=dtype), count)


def median(input, dim=None, keepdim=False):
    """The lower of the two middle values (NaN if there is one); with ``dim``, (values,
    indices) along it, the index as a stable sort (or the first NaN) gives it, as torch."""
    if input._data.dtype == np.bool_:
        raise kernel_error("median_cpu", np.bool_)
    if dim is None:
        return R.Median.apply(input)
    axis = normalize_dim(dim, input.ndim, "median")
    src = input if input.ndim else input.reshape(1)
    data, n = src._data, src.shape[axis]
    if n == 0:
        raise IndexError(f"median(): Expected reduction dim {axis} to have non-zero size.")
    idx = np.take(np.argsort(data, axis=axis, kind="stable"), [(n - 1) // 2], axis=axis)
    if data.dtype.kind == "f":
        nan = np.isnan(data)
        first_nan = np.argmax(nan, axis=axis, keepdims=True)
        idx = np.where(nan.any(axis=axis, keepdims=True), first_nan, idx)
    idx = (idx if keepdim else np.squeeze(idx, axis)).astype(np.int64)
    values = _named(R.MaxDim.apply(src, idx, axis, keepdim), "MedianBackward1")
    if input.ndim == 0:
        values, idx = values.reshape(()), idx.reshape(())
    return return_types.median((values, Tensor._make(idx, False, None)))


def _recording(*tensors) -> bool:
    """Whether a graph is recorded through any of ``tensors``: grad mode on, one requires grad."""
    return _state["grad"] and builtins.any(
        isinstance(t, Tensor) and t._requires_grad for t in tensors
    )


def _check_int(value, fn: str, arg: str, position: int | None = None) -> None:
    """torch's TypeError for an argument that must be an int (bool and float are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        where = f" (position {position})" if position else ""
        raise TypeError(f"{fn}(): argument '{arg}'{where} must be int, not {type(value).__name__}")


def _pick_along(data: np.ndarray, axis: int, pick) -> np.ndarray:
    """``pick`` (a (rows, n) array -> an index per row) applied to the elements along ``axis``,
    each line of them one row: the indices, in the shape of a keepdim reduction."""
    moved = np.moveaxis(data, axis, -1)
    picked = pick(moved.reshape(-1, moved.shape[-1]))
    return np.expand_dims(np.asarray(picked).reshape(moved.shape[:-1]), axis)


def _picked(input, src, axis: int, keepdim: bool, idx: np.ndarray, node: str, result):
    """(values, indices) of a reduction that picks one element along ``axis``: the values are
    those elements, so the gradient goes to each one (torch's ``value_selecting_reduction``)."""
    idx = (idx if keepdim else np.squeeze(idx, axis)).astype(np.int64)
    values = _named(R.MaxDim.apply(src, idx, axis, keepdim), node)
    if input.ndim == 0:
        values, idx = _named(values.reshape(()), node), idx.reshape(())
    return result((values, Tensor._make(idx, False, None)))


def _reduced_line(input, dim, fn: str):
    """The axis ``dim`` names, the input as at least 1-d, and torch's error for an empty one."""
    axis = normalize_dim(dim, input.ndim)
    src = input if input.ndim else input.reshape(1)
    if src.shape[axis] == 0:
        raise IndexError(f"{fn}(): Expected reduction dim {axis} to have non-zero size.")
    return axis, src


def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest element along ``dim`` (NaN counts as the largest) and its index:
    ``ff.kthvalue(ff.tensor([4.0, 1.0, 3.0]), 2)`` is (3., 2). Among equal values the index is
    the one torch's quickselect stops at (``_selection.kthvalue_indices``)."""
    _check_int(k, "kthvalue", "k", 2)
    axis, src = _reduced_line(input, dim, "kthvalue")
    if not 1 <= k <= src.shape[axis]:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    if input._data.dtype == np.bool_:
        raise kernel_error("kthvalue_cpu", np.bool_)
    idx = _pick_along(src._data, axis, lambda rows: Sel.kthvalue_indices(rows, k))
    return _picked(input, src, axis, keepdim, idx, "KthvalueBackward0", return_types.kthvalue)


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest of those tied for most) and an index
    where it occurs: the one torch's ``std::sort`` of the line leaves last (with NaN, whose
    comparisons order nothing, even the value is what that sort makes of it)."""
    axis, src = _reduced_line(input, dim, "mode")
    idx = _pick_along(src._data, axis, lambda rows: Sel.mode_of_rows(rows)[1])
    return _picked(input, src, axis, keepdim, idx, "ModeBackward0", return_types.mode)


def nanmedian(input, dim=None, keepdim=False):
    """median ignoring NaN: the lower of the two middle values that are not NaN (NaN where all
    are); with ``dim``, (values, indices), the index of equal values as a stable sort gives it."""
    if dim is None:
        if input._data.dtype == np.bool_:
            raise kernel_error("median_cpu", np.bool_)
        return R.Nanmedian.apply(input)
    axis, src = _reduced_line(input, dim, "median")  # (torch's words name median)
    if input._data.dtype == np.bool_:
        raise kernel_error("median_out", np.bool_)
    idx = _pick_along(src._data, axis, Sel.nanmedian_indices)
    return _picked(input, src, axis, keepdim, idx, "NanmedianBackward1", return_types.nanmedian)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    """quantile and nanquantile: torch's checks, in its order, then ``R.Quantile``."""
    q_tensor = isinstance(q, Tensor)
    if not q_tensor and not 0 <= q <= 1:  # (NaN fails too)
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q:g}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            "quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, "
            f"but got {interpolation}"
        )
    data = input._data
    if data.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if q_tensor and q.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if data.dtype not in (np.float32, np.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if q_tensor and q._data.dtype != data.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    axis = None if dim is None else normalize_dim(dim, input.ndim)
    if q_tensor and not np.all((q._data >= 0) & (q._data <= 1)):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    if input.ndim == 0:
        axis = None  # one element, and no dims to keep
    if (data.size if axis is None else data.shape[axis]) > 2**24:
        raise RuntimeError("quantile() input tensor is too large")
    # q is differentiable only through linear interpolation's weight (elsewhere it picks ranks)
    if not (q_tensor and interpolation == "linear"):
        q = np.asarray(q._data if q_tensor else q, dtype=data.dtype)
    exact = _recording(input)  # which of equal values gets the gradient: torch's sort's choice
    return R.Quantile.apply(input, q, axis, keepdim, interpolation, ignore_nan, exact)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles (q a number or a 1-d tensor in [0, 1]) of all elements or along
    ``dim``, interpolating between the two nearest ranks as torch and NumPy do (``linear``, or
    ``lower``, ``higher``, ``midpoint``, ``nearest``); NaN wherever a NaN is reduced. With a
    tensor q the quantiles come first: ``x.quantile(ff.tensor([0.25, 0.75]), dim=1)`` has
    shape (2, rows)."""
    return _quantile(input, q, dim, keepdim, interpolation, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile of the elements that are not NaN (NaN where all are)."""
    return _quantile(input, q, dim, keepdim, interpolation, True)


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) in one call, each as amin/amax: ties share the gradient evenly."""
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation has "
                "no identity."
            )
        axes = None
    else:
        _check_int(dim, "aminmax", "dim")
        axis = normalize_dim(dim, input.ndim)
        if input.ndim and input.shape[axis] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {axis} to have non-zero size.")
        axes, keepdim = ((axis,), keepdim) if input.ndim else (None, False)
    low = _named(R.Amin.apply(input, axes, keepdim), "AminmaxBackward0")
    high = _named(R.Amax.apply(input, axes, keepdim), "AminmaxBackward0")
    return return_types.aminmax((low, high))


def logcumsumexp(input, dim):
    """log(cumsum(exp(input))) along ``dim``, computed without overflow: the running
    log-sum-exp of a sequence of log-probabilities."""
    if input._data.dtype.kind != "f":
        raise kernel_error("logcumsumexp_out_cpu", input._data.dtype)
    return R.Logcumsumexp.apply(input, normalize_dim(dim, input.ndim))


def msort(input):
    """input sorted along its first dim: ``sort(input, dim=0).values``."""
    src = input if input.ndim else input.reshape(1)
    data = src._data
    if _recording(input):  # which of equal values goes where matters for the gradient
        idx = np.moveaxis(Sel.sort_order(np.moveaxis(data, 0, -1)), -1, 0)
    else:
        idx = np.argsort(data, axis=0, kind="stable")
    values = _named(I.Gather.apply(src, 0, idx.astype(np.int64)), "Sort")
    return _named(values.reshape(()), "Sort") if input.ndim == 0 else values


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``input`` (observations in the
    columns), as ``numpy.cov``: with ``correction`` (1: the unbiased estimate), frequency
    weights (integers) and observation weights (floats). Made of differentiable ops, as
    torch's is, so the gradient flows to the input and to ``aweights``."""
    _check_int(correction, "cov", "correction")
    if input.ndim > 2:
        raise RuntimeError(
            "cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    if input._data.dtype == np.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    w = None
    for name, weights, kinds, kind in (
        ("fweights", fweights, "iu", "integral"),
        ("aweights", aweights, "f", "floating point"),
    ):
        if weights is None:
            continue
        if weights.ndim > 1:
            raise RuntimeError(
                f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                f"{weights.ndim} dimensions"
            )
        if weights._data.dtype.kind not in kinds:
            raise RuntimeError(
                f"cov(): expected {name} to have {kind} dtype but got {name} with "
                f"{type_name(weights)} dtype"
            )
        if weights._data.size != n:
            raise RuntimeError(
                f"cov(): expected {name} to have the same numel as there are observations in "
                f"the input but got {weights._data.size} != {n}"
            )
        if n and not weights._data.min() >= 0:  # (a NaN weight too, as torch)
            raise RuntimeError(f"cov(): {name} cannot be negative")
        w = weights if w is None else mul(w, weights)
    w_sum = n if w is None else sum(w)
    if w is not None and not w_sum._data:
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = div(sum(x if w is None else mul(x, w), 1), w_sum)
    if w is None:
        norm = n - correction
    elif correction == 0:
        norm = w_sum
    elif aweights is None:
        norm = sub(w_sum, correction)
    elif fweights is None and n == 1 and correction == 1:
        norm = 0  # (torch's special case: numpy's result)
    else:
        norm = sub(w_sum, div(mul(sum(mul(w, aweights)), correction), w_sum))
    if (norm._data if isinstance(norm, Tensor) else norm) <= 0:
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "number of observations.",
            UserWarning,
            stacklevel=2,
        )
        norm = 0
    if n == 1 and (fweights is None) != (aweights is None):
        # one observation, one kind of weights: torch zeroes (its own view of) the input here,
        # numpy's exact 0; we give the same zeros without writing into the caller's tensor
        centered = Tensor._make(np.zeros(x.shape, _float_result(x._data.dtype)), False, None)
    else:
        centered = sub(x, unsqueeze(avg, 1))
    c = L.Mm.apply(centered, t(centered if w is None else mul(centered, w)))
    return squeeze(div(c, norm))


def _float_result(dtype: np.dtype) -> np.dtype:
    """The dtype torch computes in for ``dtype``: integers in the default float."""
    return dtype if dtype.kind == "f" else _dtype.get_default_dtype().numpy_dtype


def corrcoef(input):
    """Pearson correlation coefficients of the variables in the rows of ``input``: ``cov``
    normalised by the standard deviations and clipped to [-1, 1], as numpy.corrcoef."""
    if input.ndim > 2:
        raise RuntimeError(
            "corrcoef(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    c = cov(input)
    if c.ndim == 0:  # one variable: 1, or NaN where its variance is NaN, inf or 0
        return div(c, c)
    std = sqrt(diagonal(c))
    c = div(div(c, reshape(std, -1, 1)), reshape(std, 1, -1))
    return clip(c, -1, 1)


def trace(input):
    """Sum of the main diagonal of a matrix (integers sum in int64)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input._data.dtype == np.bool_:
        raise kernel_error("trace", np.bool_)
    return _named(R.Sum.apply(S.Diagonal.apply(input, 0, 0, 1)), "Trace")


# ---------------------------------------------------------------- shapes


def _size_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve one -1 and check the element count, with torch's message."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(input, *shape):
    shape = _infer_shape(_size_arg(shape), input._data.size)
    return S.reshape_op(input._data, shape).apply(input, shape)


def view(input, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        raise NotImplementedError("view(dtype) is not supported")
    shape = _infer_shape(_size_arg(shape), input._data.size)
    if not input._data.flags.c_contiguous and input._data.size > 1:
        try:
            np.ndarray.view(input._data).shape = shape  # NumPy checks that no copy is needed
        except AttributeError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None
    return S.View.apply(input, shape)


def view_as(input, other):
    return view(input, tuple(other.shape))


def reshape_as(input, other):
    return reshape(input, tuple(other.shape))


def flatten(input, start_dim: int = 0, end_dim: int = -1):
    if input.ndim == 0:
        return S.View.apply(input, (1,))
    start = normalize_dim(start_dim, input.ndim, "flatten")
    end = normalize_dim(end_dim, input.ndim, "flatten")
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape
    new = shape[:start] + (int(np.prod(shape[start : end + 1], dtype=np.int64)),) + shape[end + 1 :]
    return S.reshape_op(input._data, new).apply(input, new)


def unflatten(input, dim: int, sizes):
    axis = normalize_dim(dim, input.ndim, "unflatten")
    sizes = tuple(sizes)
    inner = _infer_shape(sizes, input.shape[axis])
    shape = input.shape[:axis] + inner + input.shape[axis + 1 :]
    return S.reshape_op(input._data, shape).apply(input, shape)


def squeeze(input, dim=None):
    if dim is None:
        return _named(S.View.apply(input, tuple(s for s in input.shape if s != 1)), "Squeeze")
    axes = normalize_dims(dim, input.ndim, "squeeze") or ()
    shape = tuple(s for i, s in enumerate(input.shape) if not (i in axes and s == 1))
    # torch's overloads: squeeze(), squeeze(dim), squeeze(dims)
    return _named(
        S.View.apply(input, shape), f"SqueezeBackward{2 if isinstance(dim, tuple | list) else 1}"
    )


def unsqueeze(input, dim: int):
    axis = normalize_dim(dim, input.ndim + 1, "unsqueeze")
    shape = input.shape
    return _named(S.View.apply(input, shape[:axis] + (1,) + shape[axis:]), "Unsqueeze")


def transpose(input, dim0: int, dim1: int):
    if input.ndim == 0:
        return S.View.apply(input, ())
    a = normalize_dim(dim0, input.ndim, "transpose")
    b = normalize_dim(dim1, input.ndim, "transpose")
    return S.Transpose.apply(input, a, b)


swapaxes = swapdims = transpose


def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return S.T.apply(input)


def permute(input, *dims):
    dims = _size_arg(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
            f"equal to len(dims) = {len(dims)}"
        )
    axes = tuple(normalize_dim(d, input.ndim, "permute") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return S.Permute.apply(input, axes)


def movedim(input, source, destination):
    """Move the dims ``source`` (an int or a sequence) to positions ``destination``; the other
    dims keep their order."""
    if isinstance(source, int) != isinstance(destination, int):
        raise TypeError(
            f"movedim() received an invalid combination of arguments - got "
            f"({type(source).__name__}, {type(destination).__name__}), but expected one of: "
            "(int source, int destination), (tuple of ints source, tuple of ints destination)"
        )
    src, dst = _ints(source), _ints(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
            f"same number of dims as destination ({dst} dims)"
        )
    moved = [normalize_dim(d, input.ndim, "movedim") for d in src]
    to = [normalize_dim(d, input.ndim, "movedim") for d in dst]
    for name, given, dims in (("source", src, moved), ("destination", dst, to)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given})")
    if input.ndim == 0:
        return S.Permute.apply(input, ())
    rest = iter(d for d in range(input.ndim) if d not in moved)
    order = dict(zip(to, moved))
    return S.Permute.apply(
        input, tuple(order[i] if i in order else next(rest) for i in range(input.ndim))
    )


def expand(input, *sizes):
    sizes = _size_arg(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"expand({input.type()}{{{list(input.shape)}}}, size={list(sizes)}): the number of "
            "sizes "
            "provided must be greater or equal to the number of dimensions in the tensor"
        )
    lead = len(sizes) - input.ndim
    shape = []
    for i, s in enumerate(sizes):
        cur = input.shape[i - lead] if i >= lead else 1
        if s == -1:
            if i < lead:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            s = cur
        elif cur != 1 and s != cur:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(input.shape)}"
            )
        shape.append(s)
    return S.Expand.apply(input, tuple(shape))


def expand_as(input, other):
    return expand(input, tuple(other.shape))


def broadcast_to(input, shape):
    return expand(input, tuple(shape))


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views)."""
    shape = _broadcast_shapes("broadcast_tensors", *(t.shape for t in tensors))
    return tuple(t if t.shape == shape else expand(t, shape) for t in tensors)


def broadcast_shapes(*shapes):
    """The shape tensors of these shapes broadcast to (an int stands for a 1-D shape)."""
    shapes = [(s,) if isinstance(s, int) else s for s in shapes if s is not None]
    if not shapes:
        return Size([])
    for shape in shapes:
        if not isinstance(shape, Sequence):
            raise RuntimeError(
                "Input shapes should be of type ints, a tuple of ints, or a list of ints, got "
                f"{shape}"
            )
    common = [1] * builtins.max(len(shape) for shape in shapes)
    for at, shape in enumerate(shapes):  # torch's walk, so its errors come out the same
        for i in range(-1, -1 - len(shape), -1):
            if shape[i] == common[i]:
                continue
            if common[i] == 1:
                if shape[i] < 0:
                    raise ValueError("Attempting to broadcast a dimension with negative length!")
                common[i] = shape[i]
            if shape[i] != 1 and common[i] != shape[i]:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {shape[i]} at {i}! "
                    f"Mismatching argument at index {at} had {shape}; but expected shape "
                    f"should be broadcastable to {common}"
                )
    for i, n in enumerate(common):
        if not isinstance(n, int | np.integer):
            raise TypeError(
                f"torch.Size() takes an iterable of 'int' (item {i} is '{type(n).__name__}')"
            )
    return Size(common)


def repeat(input, *repeats):
    repeats = _size_arg(repeats)
    if len(repeats) < input.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of "
            "tensor"
        )
    return S.Repeat.apply(input, repeats)


def cat(tensors, dim: int = 0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    ref = next((x for x in tensors if x.ndim), tensors[0])
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = normalize_dim(dim, ref.ndim, "cat")
    kept = [x for x in tensors if not (x.ndim == 1 and x.shape[0] == 0)] or tensors[:1]
    for i, x in enumerate(kept):
        if x.ndim != ref.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.ndim} and {x.ndim}"
            )
        for d in range(ref.ndim):
            if d != axis and x.shape[d] != ref.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {axis}. Expected size "
                    f"{ref.shape[d]} but got size {x.shape[d]} for tensor number {i} in the list."
                )
    kept = _common_dtype(kept)
    return S.Cat.apply(axis, *kept)


concat = concatenate = cat


def _common_dtype(tensors):
    dt = tensors[0].dtype
    for x in tensors[1:]:
        dt = _dtype.promote_types(dt, x.dtype)
    return [x if x.dtype is dt else x.to(dt) for x in tensors]


def stack(tensors, dim: int = 0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    axis = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    for i, x in enumerate(tensors):
        if x.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                f"entry 0 and {list(x.shape)} at entry {i}"
            )
    return S.Stack.apply(axis, *_common_dtype(tensors))


def _at_least(tensors: tuple, fn: str, one):
    """atleast_1d/2d/3d: ``one`` applied to a tensor, or to each of a sequence (a tuple back)."""
    if len(tensors) == 1:
        tensors = tensors[0]
    if isinstance(tensors, Tensor):
        return one(tensors)
    if not isinstance(tensors, list | tuple) or not builtins.all(
        isinstance(x, Tensor) for x in tensors
    ):
        raise TypeError(
            f"{fn}() received an invalid combination of arguments - got "
            f"({type(tensors).__name__}), but expected one of: (Tensor input), "
            "(tuple of Tensors tensors)"
        )
    return tuple(one(x) for x in tensors)


def _at_least_1d(x):
    return S.View.apply(x, (1,)) if x.ndim == 0 else x


def _at_least_2d(x):
    if x.ndim == 0:
        return S.View.apply(x, (1, 1))
    return unsqueeze(x, 0) if x.ndim == 1 else x


def _at_least_3d(x):
    if x.ndim == 0:
        return S.View.apply(x, (1, 1, 1))
    if x.ndim == 1:
        return unsqueeze(unsqueeze(x, 0), -1)
    return unsqueeze(x, -1) if x.ndim == 2 else x


def atleast_1d(*tensors):
    """A 0-dim tensor as a 1-element vector (a view); others as they are, the same tensor."""
    return _at_least(tensors, "atleast_1d", _at_least_1d)


def atleast_2d(*tensors):
    """A 0-dim tensor as a 1x1 matrix, a vector as a row (views); others as they are."""
    return _at_least(tensors, "atleast_2d", _at_least_2d)


def atleast_3d(*tensors):
    """A number as (1, 1, 1), a vector (n,) as (1, n, 1), a matrix as (m, n, 1); views."""
    return _at_least(tensors, "atleast_3d", _at_least_3d)


def _stacked(tensors, fn: str, at_least) -> list:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{fn} expects a non-empty TensorList")
    return [at_least(x) for x in tensors]


def hstack(tensors):
    tensors = _stacked(tensors, "hstack", _at_least_1d)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat(_stacked(tensors, "vstack", _at_least_2d), 0)


row_stack = vstack


def column_stack(tensors):
    """Vectors (and numbers) as columns, side by side with the matrices: hstack of them."""
    tensors = _stacked(tensors, "column_stack", lambda x: x)
    return hstack([reshape(x, x.numel(), 1) if x.ndim <= 1 else x for x in tensors])


def dstack(tensors):
    """Stacked along the third dim, each made at least 3-D (``atleast_3d``) first."""
    return cat(_stacked(tensors, "dstack", _at_least_3d), 2)


def split(tensor, split_size_or_sections, dim: int = 0):
    axis = normalize_dim(dim, tensor.ndim, "split")
    n = tensor.shape[axis]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0 and n:
            raise RuntimeError(
                f"split expects split_size be non-negative, but got split_size={size}"
            )
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                f"at dimension {axis}), but got split_sizes={sizes}"
            )
    name = "Split" if isinstance(split_size_or_sections, int) else "SplitWithSizes"
    out, start = [], 0
    for i, s in enumerate(sizes):
        index = (slice(None),) * axis + (slice(start, start + s),)
        out.append(_output(_named(tensor[index], name), i))
        start += s
    return tuple(out)


def _output(view, i: int):
    """``view`` as output i of several (split's, unbind's): torch refuses to change one such in
    place while recording (``Tensor._check_inplace_view``)."""
    if view.grad_fn is not None:
        view.grad_fn._output_nr = i
    return view


def chunk(input, chunks: int, dim: int = 0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    axis = normalize_dim(dim, input.ndim, "chunk")
    size = -(-input.shape[axis] // chunks)
    return split(input, builtins.max(size, 1), axis)


def unbind(input, dim: int = 0):
    axis = normalize_dim(dim, input.ndim, "unbind")
    index = (slice(None),) * axis
    return tuple(
        _output(_named(input[index + (i,)], "Unbind"), i) for i in range(input.shape[axis])
    )


def flip(input, dims):
    axes = normalize_dims(dims, input.ndim, "flip")
    return S.Flip.apply(input, axes)


def fliplr(input):
    """The columns (dim 1) in reverse order: a copy, as torch's flip."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return S.Flip.apply(input, (1,))


def flipud(input):
    """The rows (dim 0) in reverse order: a copy."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return S.Flip.apply(input, (0,))


def rot90(input, k: int = 1, dims=(0, 1)):
    """Turned by 90 degrees k times in the plane of ``dims``, from the first dim towards the
    second (k < 0: the other way); a copy."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    axes = tuple(normalize_dim(d, input.ndim) for d in dims)
    if dims[0] == dims[1] or builtins.abs(dims[0] - dims[1]) == input.ndim:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}"
        )
    return S.Rot90.apply(input, k % 4, axes)


def _ints(x) -> list:
    """An int (or 0-dim tensor) or a sequence of them, as a list of ints."""
    return [int(i) for i in x] if isinstance(x, list | tuple) else [int(x)]


def _start_arg(start) -> int:
    if isinstance(start, Tensor) and (start.ndim != 0 or start._data.dtype.kind not in "iu"):
        raise RuntimeError("start must be an 0-dim integral Tensor.")
    return int(start)


def narrow(input, dim: int, start, length: int):
    """``length`` elements along ``dim`` from ``start``, as a view."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    start, length = _start_arg(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    axis = normalize_dim(dim, input.ndim, "narrow")
    size = input.shape[axis]
    if not -size <= start <= size:
        raise IndexError(
            f"start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    start = start + size if start < 0 else start
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return _named(input[(slice(None),) * axis + (slice(start, start + length),)], "Slice")


def select(input, dim: int, index: int):
    """The slice at ``index`` along ``dim``, that dim removed (``x[:, i]`` for dim 1)."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    axis = normalize_dim(dim, input.ndim, "select")
    index, size = int(index), input.shape[axis]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {axis}"
        )
    return _named(input[(slice(None),) * axis + (index,)], "Select")


def ravel(input):
    # torch: contiguous().view(-1), a copy unless input is contiguous
    op = S.View if input._data.flags.c_contiguous else S.Reshape
    return _named(op.apply(input, (-1,)), "View")


def clone(input, *, memory_format=None):
    """A copy with its own storage; gradients flow back to input."""
    return E.Clone.apply(input)


def roll(input, shifts, dims=None):
    """Shift the elements along ``dims`` (without dims: of the flattened tensor), wrapping."""
    shifts = _ints(shifts)
    dims = [] if dims is None else _ints(dims)
    axes = None
    if dims or len(shifts) != 1:
        if len(shifts) != len(dims):
            raise RuntimeError(
                f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}"
            )
        if input.ndim == 0:
            raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
        axes = tuple(normalize_dim(d, input.ndim, "roll") for d in dims)
    return S.Roll.apply(input, tuple(shifts), axes)


moveaxis = movedim


def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """The diagonal of dims dim1 and dim2 (offset above or below the main one) as the last dim;
    a view."""
    a = normalize_dim(dim1, input.ndim, "diagonal")
    b = normalize_dim(dim2, input.ndim, "diagonal")
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return S.Diagonal.apply(input, offset, a, b)


def _int_arg(value, fn: str, name: str, position: int) -> int:
    """An int argument as torch's parser takes it (an int, a NumPy integer or a 0-dim integer
    tensor; not a bool or float), with its TypeError otherwise."""
    if isinstance(value, Tensor):
        if value.ndim == 0 and value._data.dtype.kind in "iu":
            return int(value)
    elif isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    kind = type(value)
    label = "Tensor" if isinstance(value, Tensor) else kind.__name__
    if isinstance(value, np.generic):
        label = f"numpy.{label}"
    raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be int, not {label}")


def unfold(input, dimension: int, size: int, step: int):
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last dim:
    a view (writes go into ``input``; windows overlap where step < size).

    Example:
        >>> ff.arange(5.0).unfold(0, 2, 2)
        tensor([[0., 1.],
                [2., 3.]])
    """
    dimension = _int_arg(dimension, "unfold", "dimension", 1)
    size = _int_arg(size, "unfold", "size", 2)
    step = _int_arg(step, "unfold", "step", 3)
    axis = normalize_dim(dimension, input.ndim)
    limit = input.shape[axis] if input.ndim else 1
    # torch's checks, in its order (they also keep every window inside input's memory)
    if size > limit:
        raise RuntimeError(
            f"maximum size for tensor at dimension {axis} is {limit} but size is {size}"
        )
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return S.Unfold.apply(input, axis, size, step)


def diag(input, diagonal: int = 0):
    """A vector as a square matrix with it on a diagonal, or a matrix's diagonal (a copy)."""
    if input.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return S.Diag.apply(input, diagonal)


def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """A new tensor with input's last dim on the diagonal (``offset`` above the main one) of the
    dims dim1 and dim2 of the output, zeros elsewhere: a batch of vectors gives a batch of
    diagonal matrices (the inverse of ``diagonal``)."""
    a = normalize_dim(dim1, input.ndim + 1)
    b = normalize_dim(dim2, input.ndim + 1)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if input.ndim == 0:  # (torch takes the last dim, which a number lacks)
        normalize_dim(-1, 0)
    return S.DiagEmbed.apply(input, offset, a, b)


def diagflat(input, offset: int = 0):
    """The flattened input on a diagonal of a square matrix."""
    return S.Diag.apply(reshape(input, -1), offset)


def tile(input, *dims):
    """repeat, with missing leading repeats taken as 1."""
    dims = _size_arg(dims)
    dims = (1,) * (input.ndim - len(dims)) + dims
    sizes = [s * r for s, r in zip((1,) * (len(dims) - input.ndim) + input.shape, dims)]
    negative = [n for n in sizes if n < 0]
    if negative:
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {negative[0]}: {sizes}"
        )
    return repeat(input, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element repeated ``repeats`` times in place (``[1, 2] -> [1, 1, 2, 2]``), along
    ``dim`` or over the flattened tensor; ``repeats`` a number or one count per element.
    ``repeat_interleave(counts)`` gives each index i counts[i] times."""
    if repeats is None:
        counts = input._data
        index = np.repeat(np.arange(counts.shape[0], dtype=counts.dtype), counts)
        return Tensor._make(index, False, None)
    source = input if dim is not None else input.reshape(-1)
    axis = normalize_dim(0 if dim is None else dim, input.ndim, "repeat_interleave")
    if isinstance(repeats, Tensor) and repeats.ndim:
        counts = repeats._data
        if counts.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if counts.dtype.kind not in "iu":
            raise kernel_error("repeat_interleave_cpu", counts.dtype)
        n = source.shape[axis]
        if counts.shape[0] not in (1, n):
            raise RuntimeError(
                "repeats must have the same size as input along dim, but got repeats.size(0) = "
                f"{counts.shape[0]} and input.size({axis}) = {n}"
            )
        if (counts < 0).any():
            raise RuntimeError("repeats can not be negative")
        index = np.repeat(np.arange(n), counts if counts.shape[0] == n else int(counts[0]))
        out = index_select(source, axis, Tensor._make(index, False, None))
    else:
        repeats = int(repeats)
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        # torch: unsqueeze after dim, expand it to the repeats, copy, flatten the two dims
        x = unsqueeze(source, axis + 1)
        x = E.Clone.apply(expand(x, x.shape[: axis + 1] + (repeats,) + x.shape[axis + 2 :]))
        out = flatten(x, axis, axis + 1)
    if output_size is not None and output_size != out.shape[axis]:
        raise RuntimeError(
            f"repeat_interleave: Invalid output_size, expected {out.shape[axis]} but got "
            f"{output_size}"
        )
    return out


def tensor_split(input, indices_or_sections=None, dim: int = 0, *, sections=None, indices=None):
    """Views along ``dim``: ``sections`` parts as equal as can be (the first ones one longer),
    or the parts between the given ``indices``."""
    if input.ndim == 0:
        raise RuntimeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    split = next(s for s in (indices_or_sections, sections, indices) if s is not None)
    if isinstance(split, Tensor):
        split = split.tolist()
    axis = normalize_dim(dim, input.ndim, "tensor_split")
    n = input.shape[axis]
    if isinstance(split, int):
        if split <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {split}")
        size, extra = divmod(n, split)
        points = np.cumsum([size + 1] * extra + [size] * (split - extra))[:-1].tolist()
    else:
        points = [int(i) for i in split]
    starts, ends = [0] + points, points + [n]
    index = (slice(None),) * axis
    return tuple(_named(input[index + (slice(s, e),)], "Slice") for s, e in zip(starts, ends))


def _split_along(input, indices_or_sections, axis: int, fn: str):
    """hsplit/vsplit/dsplit: ``tensor_split`` along ``axis``; a number of parts must divide it."""
    if isinstance(indices_or_sections, int) and not isinstance(indices_or_sections, bool):
        n = input.shape[axis]
        if indices_or_sections == 0 or n % indices_or_sections:
            raise RuntimeError(
                f"torch.{fn} attempted to split along dimension {axis}, but the size of the "
                f"dimension {n} is not divisible by the split_size {indices_or_sections}!"
            )
    return tensor_split(input, indices_or_sections, axis)


def _check_split_dims(input, fn: str, least: int) -> None:
    if input.ndim < least:
        raise RuntimeError(
            f"torch.{fn} requires a tensor with at least {least} dimension, but got a tensor with "
            f"{input.ndim} dimensions!"
        )


def hsplit(input, indices_or_sections):
    """Views along the columns (dim 1; dim 0 of a vector), as NumPy's hsplit."""
    _check_split_dims(input, "hsplit", 1)
    return _split_along(input, indices_or_sections, 0 if input.ndim == 1 else 1, "hsplit")


def vsplit(input, indices_or_sections):
    """Views along the rows (dim 0)."""
    _check_split_dims(input, "vsplit", 2)
    return _split_along(input, indices_or_sections, 0, "vsplit")


def dsplit(input, indices_or_sections):
    """Views along the depth (dim 2)."""
    _check_split_dims(input, "dsplit", 3)
    return _split_along(input, indices_or_sections, 2, "dsplit")


def meshgrid(*tensors, indexing: str | None = None):
    """Grids from 1-D tensors: output i varies along dim i ("ij"), or with the first two dims
    swapped ("xy", as NumPy's default). torch warns when ``indexing`` is not given."""
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
            "argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if builtins.any(x.dtype is not tensors[0].dtype for x in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if indexing not in ("xy", "ij"):
        raise RuntimeError(
            f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}'
        )
    for x in tensors:
        if x.ndim > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {x}"
            )
    swap = indexing == "xy" and len(tensors) >= 2  # torch swaps the first two inputs and outputs
    order = [1, 0, *range(2, len(tensors))] if swap else list(range(len(tensors)))
    inputs = [tensors[i] for i in order]
    shape = tuple(x.numel() for x in inputs)
    grids = [
        expand(x.reshape([-1 if d == i else 1 for d in range(len(inputs))]), shape)
        for i, x in enumerate(inputs)
    ]
    return tuple(grids[i] for i in order)


def block_diag(*tensors):
    """The tensors (numbers, vectors as rows, matrices) as the blocks down the diagonal of one
    matrix, zeros elsewhere, in their common dtype."""
    blocks = []
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(x).__name__}"
            )
        if x.ndim > 2:
            raise RuntimeError(
                "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input "
                f"{i} has {x.ndim} dimensions"
            )
        blocks.append(x if x.ndim == 2 else reshape(x, 1, -1))
    if not blocks:
        return Tensor._make(np.zeros((1, 0), _dtype.get_default_dtype().numpy_dtype), False, None)
    blocks = _common_dtype(blocks)
    return S.BlockDiag.apply(blocks[0]._data.dtype, *blocks)


def _vector(x) -> None:
    if x.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(x.shape)}")


def cartesian_prod(*tensors):
    """Every combination of one element from each vector, as rows (``itertools.product``
    order); one vector is returned as it is."""
    for x in tensors:
        _vector(x)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, -1) for g in grids], 1)


def combinations(input, r: int = 2, with_replacement: bool = False):
    """Every choice of ``r`` elements of a vector in order, as rows (``itertools.combinations``,
    or ``combinations_with_replacement``)."""
    _vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._make(np.empty(0, input._data.dtype), False, None)
    # torch's way: all r-tuples of indices, kept where they increase (or do not decrease)
    grids = np.indices((input.shape[0],) * r).reshape(r, -1)
    steps = grids[:-1] <= grids[1:] if with_replacement else grids[:-1] < grids[1:]
    picked = grids[:, np.all(steps, axis=0)]
    return stack([I.Index.apply(input, idx) for idx in picked], 1)


# ---------------------------------------------------------------- indexing


def _index_tensor(index, fn: str) -> np.ndarray:
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{fn}(): Expected dtype int32/int64 for index")
    return idx.astype(np.int64, copy=False)


def gather(input, dim: int, index, *, sparse_grad: bool = False):
    axis = normalize_dim(dim, input.ndim, "gather")
    idx = _index_tensor(index, "gather")
    if idx.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    n = input.shape[axis]
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {axis} with size {n}")
    for d in range(input.ndim):
        if d != axis and idx.shape[d] > input.shape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(idx.shape)} to be no "
                f"larger than self {list(input.shape)} apart from dimension {axis}"
            )
    if idx.shape != input.shape:
        input = input[
            tuple(slice(0, idx.shape[d]) if d != axis else slice(None) for d in range(input.ndim))
        ]
    return I.Gather.apply(input, axis, idx)


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    axis = normalize_dim(dim, input.ndim, "take_along_dim")
    shape = [
        b if i == axis else builtins.max(a, b)
        for i, (a, b) in enumerate(zip(input.shape, indices.shape))
    ]
    return gather(
        expand(input, *[s if i != axis else input.shape[axis] for i, s in enumerate(shape)]),
        axis,
        Tensor._make(np.broadcast_to(indices._data, shape).copy(), False, None),
    )


def _scatter_checks(input, dim: int, index, src, fn: str) -> tuple:
    """The checks of scatter, scatter_add and scatter_reduce, in torch's order and words: the
    dim, the dtypes, then the shapes (none for an empty index, as in torch). Returns (input,
    axis, index array, src) with a 0-dim input, index or src as 1-dim, as torch counts them."""
    x = input.reshape(1) if input.ndim == 0 else input
    axis = normalize_dim(dim, x.ndim, fn)
    idx = _index_tensor(index, "scatter")
    if isinstance(src, Tensor):
        if src.dtype is not input.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        src = src.reshape(1) if src.ndim == 0 else src
    idx = idx.reshape(1) if idx.ndim == 0 else idx
    if not idx.size:
        return x, axis, idx if idx.ndim == x.ndim else idx.reshape((0,) * x.ndim), src
    if idx.ndim != x.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    too_big = builtins.any(i > s for d, (i, s) in enumerate(zip(idx.shape, x.shape)) if d != axis)
    than_src = ""
    if isinstance(src, Tensor):
        for d, n in enumerate(idx.shape):
            if too_big:
                break
            normalize_dim(d, src.ndim)  # torch reads src's size d: an IndexError past its dims
            too_big = n > src.shape[d]
        if src.ndim != idx.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        than_src = f" and to be no larger size than src {list(src.shape)}"
    if too_big:
        raise RuntimeError(
            f"Expected index {list(idx.shape)} to be no larger than self {list(x.shape)} apart "
            f"from dimension {axis}{than_src}"
        )
    return x, axis, idx, src


def _check_scatter_bounds(idx: np.ndarray, n: int, axis: int) -> None:
    """Every index in [0, n): torch names the first one out of it (negative ones too)."""
    bad = (idx < 0) | (idx >= n)
    if bad.any():
        first = idx[bad][0]
        raise RuntimeError(f"index {first} is out of bounds for dimension {axis} with size {n}")


_WARNED = set()  # the warnings torch gives once a process (TORCH_WARN_ONCE)


def _warn_once(message: str) -> None:
    if message not in _WARNED:
        _WARNED.add(message)
        warnings.warn(message, UserWarning, stacklevel=3)


def scatter(input, dim: int, index, src=None, *, value=None, reduce=None):
    """input with ``src`` (a tensor, or a number, also as ``value=``) written at ``index`` along
    ``dim``: out[i][index[i][j]] = src[i][j] for dim 1. For a one-hot row,
    ``ff.zeros(10).scatter_(0, ff.tensor(label), value=1)``. ``reduce="add"`` or
    ``"multiply"`` accumulates instead (torch's older form, with no gradient; scatter_reduce
    is its successor)."""
    if (src is None) == (value is None):
        raise TypeError("scatter() needs one of src (a tensor or a number) and value")
    src = value if src is None else src
    if not isinstance(src, Tensor | bool | int | float):
        raise TypeError(
            f"scatter(): argument 'src' must be Tensor or a number, not {type(src).__name__}"
        )
    x, axis, idx, src = _scatter_checks(input, dim, index, src, "scatter")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    _check_scatter_bounds(idx, x.shape[axis], axis)
    if reduce is None:
        out = I.Scatter.apply(x, axis, idx, src)
    else:
        if isinstance(src, Tensor):
            _warn_once(
                "The reduce argument of torch.scatter with Tensor src is deprecated and will be "
                "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
                "reduction options."
            )
        out = I.ScatterAccumulate.apply(x, axis, idx, src, reduce)
    return out.reshape(()) if input.ndim == 0 else out


def scatter_add(input, dim: int, index, src):
    x, axis, idx, src = _scatter_checks(input, dim, index, src, "scatter_add")
    _check_scatter_bounds(idx, x.shape[axis], axis)
    out = I.ScatterAdd.apply(x, axis, idx, src)
    return out.reshape(()) if input.ndim == 0 else out


def scatter_reduce(input, dim: int, index, src, reduce: str, *, include_self: bool = True):
    """input with ``src`` reduced into it at ``index`` along ``dim``: for dim 1,
    out[i][index[i][j]] is the "sum", "prod", "mean", "amax" or "amin" of the src[i][j] sent
    there and, with ``include_self``, of input's own value (without it, a position that gets
    no src keeps input's). An integer mean is floored. Each label's highest score:
    ``ff.zeros(3).scatter_reduce(0, ff.tensor([0, 0, 2]), ff.tensor([1.0, 5.0, 2.0]), "amax",
    include_self=False)`` is tensor([5., 0., 2.]).

    (A wrong argument's position in the TypeErrors is the function's, as ``ff.scatter_reduce``.)
    """
    _check_tensor(input, "scatter_reduce")
    _check_tensor(index, "scatter_reduce", "index", 3)
    _check_tensor(src, "scatter_reduce", "src", 4)
    if not isinstance(reduce, str):
        raise TypeError(
            f"scatter_reduce(): argument 'reduce' (position 5) must be str, not "
            f"{type(reduce).__name__}"
        )
    if not isinstance(include_self, bool):
        raise TypeError(
            "scatter_reduce(): argument 'include_self' must be bool, not "
            f"{type(include_self).__name__}"
        )
    x, axis, idx, src = _scatter_checks(input, dim, index, src, "scatter_reduce")
    # (torch's forward also takes "max" and "min", undocumented; its backward refuses them)
    if reduce not in ("sum", "prod", "mean", "amax", "amin", "max", "min"):
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"
        )
    if reduce == "mean" and x._data.dtype == np.bool_:
        raise kernel_error("scatter_gather_tensor_cpu_reduce_mean", np.bool_)
    _check_scatter_bounds(idx, x.shape[axis], axis)
    return I.ScatterReduce.apply(input, axis, idx, src, reduce, include_self)


def index_select(input, dim: int, index):
    axis = normalize_dim(dim, input.ndim, "index_select")
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32/int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    n = input.shape[axis] if input.ndim else 1
    if idx.size and (idx.max() >= n or idx.min() < -n):
        raise IndexError("index out of range in self")
    return I.IndexSelect.apply(input, axis, idx.reshape(-1))


def masked_fill(input, mask, value):
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {m.dtype}"
        )
    out_shape = _broadcast_shapes("masked_fill", input.shape, m.shape)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        if value.requires_grad:
            return I.MaskedFill.apply(input, m, value)
        value = value.item()
    if out_shape != input.shape:
        input = expand(input, out_shape)
    return I.MaskedFill.apply(input, m, value)


def index_put(input, indices, values, accumulate: bool = False):
    """input with ``values`` written at ``input[indices]`` (a tuple of index tensors), or added
    there with ``accumulate=True`` (repeats add up): ``x.index_put((rows, cols), v)`` is
    ``x[rows, cols] = v`` on a copy."""
    if not isinstance(indices, tuple | list):
        raise TypeError(
            "index_put(): argument 'indices' must be tuple of Tensors, not "
            f"{type(indices).__name__}"
        )
    from feedforward.tensor import _check_index, _convert_index

    index = tuple(_convert_index(i) for i in indices)
    _check_index(input._data.shape, index)
    values = _tensor(values)
    if values.dtype is not input.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{type_name(input)} for the destination and {type_name(values)} for the source."
        )
    selected = np.broadcast_to(np.empty((), bool), input.shape)[index].shape  # no copy of input
    try:
        np.broadcast_shapes(values.shape, selected)
    except ValueError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to "
            f"indexing result of shape {list(selected)}"
        ) from None
    return _named(I.IndexPut.apply(input, values, index, accumulate), "IndexPut")


def put(input, index, source, accumulate: bool = False):
    """input with ``source``'s elements written at the flat positions ``index`` (as if input
    were 1-D), or added there with ``accumulate=True``."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype != np.int64:
        raise RuntimeError(
            f"put_(): Expected a long tensor for index, but got {SCALAR_TYPE_NAMES[idx.dtype.name]}"
        )
    if idx.size != source.numel():
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {idx.size}"
        )
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "put_(): self and source expected to have the same dtype, but got self.dtype = "
            f"{type_name(input)} and source.dtype = {type_name(source)}"
        )
    n = input.numel()
    bad = idx[(idx >= n) | (idx < -n)]
    if bad.size:
        raise IndexError(
            f"out of range: tried to access index {bad.flat[0]} on a tensor of {n} elements."
        )
    flat = index_put(input.reshape(-1), (idx.reshape(-1),), source.reshape(-1), accumulate)
    return _named(flat.reshape(input.shape), "Put")


def index_fill(input, dim: int, index, value):
    """input with ``value`` (a number or a 0-dim tensor) at the positions ``index`` along
    ``dim``: ``x.index_fill(1, ff.tensor([0, 2]), -1.0)`` sets columns 0 and 2."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s)."
        )
    axis = normalize_dim(dim, input.ndim, "index_fill")
    n = input.shape[axis] if input.ndim else 1
    bad = idx[(idx >= n) | (idx < -n)]
    if bad.size:
        raise IndexError(f"index {bad[0]} is out of bounds for dimension {axis} with size {n}")
    mask = np.zeros(n, dtype=bool)
    mask[idx] = True
    mask = mask.reshape([-1 if d == axis else 1 for d in range(input.ndim)])
    return _named(masked_fill(input, mask, value), "IndexFill")


def _index_vector(index, fn: str) -> np.ndarray:
    if not isinstance(index, Tensor):
        raise TypeError(
            f"{fn}(): argument 'index' (position 2) must be Tensor, not {type(index).__name__}"
        )
    return index._data


def _check_index_range(idx: np.ndarray, input, axis: int, prefix: str, error=RuntimeError):
    n = input.shape[axis] if input.ndim else 1
    bad = idx[(idx < 0) | (idx >= n)]
    if bad.size:
        raise error(
            f"{prefix}index {bad.flat[0]} is out of bounds for dimension {axis} with size {n}"
        )


def index_add(input, dim: int, index, source, *, alpha=1):
    """input with ``alpha * source`` added at ``index`` along ``dim``: source's i-th slice goes
    to index[i] (repeats add up)."""
    axis = normalize_dim(dim, input.ndim)
    idx = _index_vector(index, "index_add")
    if idx.ndim > 1:
        raise IndexError(
            f"index_add_(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: "
            f"{type_name(index)} and size: {list(idx.shape)}"
        )
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            f"index_add_(): Expected dtype int32/int64 for index but got: {type_name(index)}"
        )
    if source.dtype is not input.dtype:
        raise RuntimeError(
            f"index_add_(): self ({type_name(input)}) and source ({type_name(source)}) must have "
            "the same scalar type"
        )
    if axis != 0 and axis >= source.ndim:
        raise RuntimeError(
            f"index_add_(): Indexing dim {axis} is out of bounds of the source tensor with dim "
            f"{source.ndim}"
        )
    count = source.shape[axis] if source.ndim else 1
    if idx.size != count:
        raise RuntimeError(
            f"index_add_(): Number of indices ({idx.size}) should be equal to source.size(dim): "
            f"({count}), for dim: {axis}"
        )
    self_sizes, source_sizes = list(input.shape), list(source.shape)
    if input.ndim and source.ndim:
        del self_sizes[axis], source_sizes[axis]
    if self_sizes != source_sizes:
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {list(input.shape)} source.shape = {list(source.shape)}"
        )
    _check_index_range(idx, input, axis, "")
    if input._data.dtype.kind in "iub":  # torch casts alpha to self's dtype
        alpha = int(alpha)
    if alpha != 1:
        return I.IndexAdd.apply(input, axis, idx.reshape(-1), source, alpha)
    return I.IndexAdd.apply(input, axis, idx.reshape(-1), source)


def index_copy(input, dim: int, index, source):
    """input with source's i-th slice along ``dim`` written at index[i]."""
    axis = normalize_dim(dim, input.ndim)
    idx = _index_vector(index, "index_copy")
    if idx.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {idx.ndim})")
    if source.ndim == 0 and idx.size != 1:
        raise IndexError(
            f"index_copy_(): When source is scalar, index should have one element (got {idx.size})"
        )
    if source.ndim != input.ndim and source.ndim and input.ndim:
        raise IndexError(
            "index_copy_(): When source and destination are not scalars, their dimensionality "
            f"must match. Source dimensionality ({source.ndim}), destination dimensionality "
            f"({input.ndim})"
        )
    if idx.dtype != np.int64:
        raise RuntimeError(
            f"index_copy_(): Expected a long tensor for index, but got {type_name(index)}"
        )
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{type_name(input)} and (source) {type_name(source)}"
        )
    self_sizes, source_sizes = list(input.shape), list(source.shape)
    for sizes in (self_sizes, source_sizes):
        if sizes:
            del sizes[axis]
    if self_sizes != source_sizes:
        raise RuntimeError(
            "index_copy_(): Source/destination tensor must have same slice shapes. Destination "
            f"slice shape: {' '.join(map(str, self_sizes))} at dimension {axis} and source slice "
            f"shape: {' '.join(map(str, source_sizes))} at dimension 0."
        )
    if source.ndim and idx.size != source.shape[axis]:
        raise IndexError(
            f"index_copy_(): Number of indices ({idx.size}) should be equal to source.size(dim) "
            f"({source.shape[axis]})"
        )
    _check_index_range(idx, input, axis, "index_copy_(): ", IndexError)
    return I.IndexCopy.apply(input, axis, idx.reshape(-1), source)


def _masked_scatter_checks(input, mask, source) -> np.ndarray:
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got"
            f"{type_name(input)} and {type_name(source)}"
        )
    m = mask._data
    if m.dtype != np.bool_:
        raise RuntimeError(
            "masked_scatter_ only supports boolean masks, but got mask with dtype "
            f"{type_name(mask)}"
        )
    return m


def _check_source_size(mask: np.ndarray, source) -> None:
    if np.count_nonzero(mask) > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")


def masked_scatter(input, mask, source):
    """input with source's elements, in order, written where ``mask`` (broadcast with input)
    is True."""
    m = _masked_scatter_checks(input, mask, source)
    shape = _broadcast_shapes("masked_scatter", input.shape, m.shape)
    m = np.broadcast_to(m, shape)
    _check_source_size(m, source)
    x = input if input.shape == shape else expand(input, shape)
    return I.MaskedScatter.apply(x, m, source)


def histc(input, bins: int = 100, min: float = 0, max: float = 0):
    """Counts of the elements in ``bins`` equal-width bins over [min, max] (both 0: the data's
    range, widened by 1 each way if it is one value); elements outside, and NaNs, are left out.
    For activation histograms: ``acts.histc(40, 0, 10)``. Not differentiable."""
    data = input._data
    if data.dtype.kind != "f":
        raise kernel_error("histogram_cpu", data.dtype)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = builtins.float(min), builtins.float(max)
    if lo == hi and data.size:
        finite = data[~np.isnan(data)]
        lo, hi = (
            (builtins.float(finite.min()), builtins.float(finite.max()))
            if finite.size
            else (lo, hi)
        )
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    inside = data[(data >= lo) & (data <= hi)]  # (NaN compares False)
    position = ((inside - lo) * bins / (hi - lo)).astype(np.int64)  # torch's linear binning
    counts = np.bincount(np.minimum(position, bins - 1), minlength=bins)  # max: the last bin
    return Tensor._make(counts.astype(data.dtype), False, None)


def _no_derivative(result: Tensor, inputs, name: str, error: Exception) -> Tensor:
    """``result`` as torch gives it when an input requires grad but the op has no derivative:
    in the graph under torch's node name, raising torch's error in backward."""
    if not _recording(*inputs):
        return result
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    return R.NoDerivative.apply(*tensors, result=result._data, name=name, error=error)


def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ..., max(input) occurs in a 1-d tensor of non-negative
    integers (at least ``minlength`` counts); with ``weights``, their sums instead (float32
    weights sum in float32, other weights in float64). Not differentiable."""
    _check_int(minlength, "bincount", "minlength")
    data = input._data
    if data.dtype.kind not in "iu":
        raise kernel_error("bincount_cpu", data.dtype)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if data.ndim == 1 and data.size == 0:  # (even with weights: torch's int64 zeros)
        return Tensor._make(np.zeros(minlength, np.int64), False, None)
    if data.ndim != 1 or data.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return Tensor._make(np.bincount(data, minlength=minlength).astype(np.int64), False, None)
    if weights.ndim != 1 or weights.shape[0] != data.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = np.float32 if weights._data.dtype == np.float32 else np.float64
    sums = np.bincount(data, weights=weights._data.astype(np.float64), minlength=minlength)
    out = Tensor._make(sums.astype(dtype), False, None)
    error = RuntimeError("derivative for aten::bincount is not implemented")
    return _no_derivative(out, (weights,), "NotImplemented", error)


def _linspace_as_torch(start: float, end: float, steps: int, dtype: np.dtype) -> np.ndarray:
    """torch's CPU linspace (steps >= 2), bit for bit: start + step i up to halfway, then
    end - step (steps - 1 - i), each a fused multiply-add as torch's build compiles it (np.linspace
    differs from it in the last bit). The fma is emulated: float32 through float64 rounded to odd,
    float64 from an exact product and sum whose low parts are added first (off only within
    about 2^-100 of a halfway case)."""
    a, b = dtype.type(start), dtype.type(end)
    step = (b - a) / dtype.type(steps - 1)
    i = np.arange(steps)
    first = i < steps // 2
    mult = np.where(first, step, -step).astype(np.float64)
    count = np.where(first, i, steps - 1 - i).astype(np.float64)
    add = np.where(first, a, b).astype(np.float64)
    if dtype == np.float32:  # the product is exact in float64; round the sum to odd, then to 32
        p = mult * count
        s = p + add
        err = (p - (s - (s - p))) + (add - (s - p))  # TwoSum: s + err == p + add exactly
        even = (s.view(np.int64) & 1) == 0
        s = np.where((err != 0) & even, np.nextafter(s, np.copysign(np.inf, err)), s)
        return s.astype(np.float32)
    split = 134217729.0  # 2**27 + 1: Veltkamp's split into two 26-bit halves
    p = mult * count
    mh = split * mult - (split * mult - mult)
    ch = split * count - (split * count - count)
    pl = ((mh * ch - p) + mh * (count - ch) + (mult - mh) * ch) + (mult - mh) * (count - ch)
    s = p + add
    err = (p - (s - (s - p))) + (add - (s - p))
    return s + (err + pl)


def _upper_bound(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``std::upper_bound`` of each value in ``edges``, step for step (so the same answer as
    torch's even where the edges are not sorted, where np.searchsorted's differs)."""
    first = np.zeros(values.shape, np.int64)
    length = np.full(values.shape, len(edges), np.int64)
    while (length > 0).any():
        half = length >> 1
        middle = first + half
        left = values < edges[np.minimum(middle, len(edges) - 1)]
        active = length > 0
        first = np.where(active & ~left, middle + 1, first)
        length = np.where(active, np.where(left, half, length - half - 1), 0)
    return first


def _cpp_float(v: float) -> str:
    """A double as C++'s ostream prints it (six significant digits), for torch's messages."""
    return f"{v:g}"


def histogram(input, bins, *, range=None, weight=None, density=False):
    """A histogram of ``input``'s values: ``bins`` equal-width bins over ``range`` (default the
    data's min and max, widened by 0.5 each way if they are equal), or the bin edges as a
    tensor; each bin holds its left edge, the last also its right. Returns (hist, bin_edges);
    ``weight`` sums weights instead of counting, ``density`` normalises to a density.
    Not differentiable."""
    data = input._data
    edges_given = isinstance(bins, Tensor)
    if edges_given and range is not None or not edges_given and not isinstance(bins, int):
        raise TypeError(
            "histogram() received an invalid combination of arguments - got "
            f"(Tensor, {type(bins).__name__}, ...), expected bins an int or a Tensor and a "
            "range only with an int"
        )
    c_name = C_TYPE_NAMES.get(data.dtype.name, data.dtype.name)
    if edges_given:
        edge_dtype = bins._data.dtype
        if edge_dtype != data.dtype:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                f"but got input with dtype {c_name} and bins for dimension 0 with dtype "
                f"{C_TYPE_NAMES.get(edge_dtype.name, edge_dtype.name)}"
            )
        if bins.ndim != 1:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have one dimension, but got "
                f"{bins.ndim} dimensions in the bins tensor for dimension 0"
            )
        if bins._data.size == 0:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have at least 1 element, but got 0 "
                "elements in the bins tensor for dimension 0"
            )
    count = bins._data.size - 1 if edges_given else bins
    if edges_given:
        _check_histogram_weight(input, weight, c_name)
    if count <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {count} for dimension 0")
    if edges_given:
        edges = bins._data.copy()
    else:
        if range is not None and len(range) != 2:
            raise RuntimeError(
                "torch.histogramdd: for a 1-dimensional histogram range should have 2 elements, "
                f"but got {len(range)}"
            )
        if range is None and data.size and data.dtype.kind != "f":
            raise kernel_error("histogramdd", data.dtype)
        if range is not None:
            lo, hi = builtins.float(range[0]), builtins.float(range[1])
        elif data.size:
            lo, hi = builtins.float(data.min()), builtins.float(data.max())
        else:
            lo, hi = 0.0, 1.0  # numpy's default for no data
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(
                f"torch.histogramdd: dimension 0's range [{_cpp_float(lo)}, {_cpp_float(hi)}] "
                "is not finite"
            )
        if lo > hi:
            raise RuntimeError(
                "torch.histogramdd: min should not exceed max, but got min "
                f"{_cpp_float(lo)} max {_cpp_float(hi)} for dimension 0"
            )
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        _check_histogram_weight(input, weight, c_name)
    if data.dtype.kind != "f":
        raise kernel_error("histogram_cpu", data.dtype)
    if not edges_given:
        edges = _linspace_as_torch(lo, hi, count + 1, data.dtype)
    hist = _histogram_counts(data.reshape(-1), edges, weight, not edges_given)
    if density:
        with np.errstate(divide="ignore", invalid="ignore"):
            hist = hist / hist.dtype.type(hist.sum()) / np.diff(edges)
    out = (Tensor._make(hist, False, None), Tensor._make(edges, False, None))
    error = RuntimeError("derivative for aten::histogram is not implemented")
    inputs = (input, bins, weight)
    return return_types.histogram(
        tuple(_no_derivative(o, inputs, "NotImplemented", error) for o in out)
    )


def _check_histogram_weight(input, weight, c_name: str) -> None:
    if weight is None:
        return
    if weight._data.dtype != input._data.dtype:
        raise RuntimeError(
            "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
            f"should have the same dtype, but got input({c_name}), and "
            f"weight({C_TYPE_NAMES.get(weight._data.dtype.name, weight._data.dtype.name)})"
        )
    if weight._data.size != input._data.size:
        raise RuntimeError(
            "torch.histogramdd: if weight tensor is provided it should have the same shape as the "
            "input tensor excluding its innermost dimension, but got input with shape "
            f"[{input._data.size}, 1] and weight with shape [{weight._data.size}]"
        )


def _histogram_counts(data: np.ndarray, edges: np.ndarray, weight, linear: bool) -> np.ndarray:
    """torch's histogram kernel: elements outside [first edge, last edge] (and NaN) are left
    out; the others are placed by binary search over the edges or, for equal-width bins, by
    (x - first) bins / (last - first) corrected by a search of the neighbouring edges."""
    left, right, n = edges[0], edges[-1], len(edges)
    inside = (data >= left) & (data <= right)
    x = data[inside]
    if linear:  # in the input's dtype, as torch's kernel computes it
        with np.errstate(divide="ignore", invalid="ignore"):
            guess = ((x - left) * data.dtype.type(n - 1) / (right - left)).astype(np.int64)
        low = np.maximum(guess - 1, 0)
        high = np.minimum(guess + 2, n)
        pos = low.copy()  # upper_bound over edges[low:high]: how many there are <= x
        for j in builtins.range(3):
            at = low + j
            pos += (at < high) & (edges[np.minimum(at, n - 1)] <= x)
        pos -= 1
    else:
        pos = _upper_bound(edges, x) - 1
    pos = np.where(pos == n - 1, n - 2, pos)  # the last bin holds its right edge
    w = None if weight is None else weight._data.reshape(-1)[inside].astype(np.float64)
    return np.bincount(pos, weights=w, minlength=n - 1).astype(data.dtype)


def searchsorted(
    sorted_sequence, input, *, out_int32: bool = False, right: bool = False, side=None, sorter=None
):
    """Where each value of ``input`` would go in ``sorted_sequence`` (along its last dim) to keep
    it sorted: the first index whose element is >= the value (``right=True``: >)."""
    if side is not None:
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of "
                "left while right was True"
            )
        right = side == "right"
    seq = sorted_sequence._data
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._data, axis=-1)
    values = input._data if isinstance(input, Tensor) else np.asarray(input)
    if seq.ndim > 1 and seq.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(seq.shape)} and input value tensor {list(values.shape)}"
        )
    where = "right" if right else "left"
    if seq.ndim <= 1:
        found = np.searchsorted(seq, values, side=where)
    else:  # row by row of the leading dims
        rows, n = seq.reshape(-1, seq.shape[-1]), values.shape[-1]
        found = np.stack(
            [np.searchsorted(r, v, side=where) for r, v in zip(rows, values.reshape(-1, n))]
        ).reshape(values.shape)
    return Tensor._make(np.asarray(found, dtype=np.int32 if out_int32 else np.int64), False, None)


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False):
    """The bucket index of each value: i with boundaries[i-1] < x <= boundaries[i]
    (``right=True``: boundaries[i-1] <= x < boundaries[i])."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def sort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    axis = normalize_dim(dim, input.ndim, "sort")
    data = input._data if input.ndim else input._data.reshape(1)
    idx = np.argsort(
        -data if descending and data.dtype.kind != "b" else data, axis=axis, kind="stable"
    )
    if descending and data.dtype.kind == "f" and np.isnan(data).any():
        # torch ranks NaN above everything: first when descending (-data keeps it last)
        idx = np.lexsort((-data, ~np.isnan(data)), axis=axis)
    if descending and data.dtype.kind == "b":
        idx = np.flip(np.argsort(data, axis=axis, kind="stable"), axis)
    idx = idx.astype(np.int64)
    src = input if input.ndim else input.reshape(1)
    values = _named(I.Gather.apply(src, axis, idx), "Sort")
    if input.ndim == 0:
        return return_types.sort((values.reshape(()), Tensor._make(idx.reshape(()), False, None)))
    return return_types.sort((values, Tensor._make(idx, False, None)))


def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    return sort(input, dim, descending, stable).indices


def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    axis = normalize_dim(dim, input.ndim, "topk")
    n = input.shape[axis] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    values, idx = sort(input, axis, descending=largest)
    sl = (slice(None),) * axis + (slice(0, k),)
    idx = idx._data[sl] if input.ndim else idx._data
    src = input if input.ndim else input.reshape(1)
    v = I.Gather.apply(
        src, axis, np.ascontiguousarray(idx).reshape(idx.shape if input.ndim else (1,))
    )
    v = _named(v, "Topk")
    indices = Tensor._make(np.ascontiguousarray(idx), False, None)
    return return_types.topk((v if input.ndim else v.reshape(()), indices))


def tril(input, diagonal: int = 0):
    mask = np.tril(np.ones(input.shape[-2:], dtype=bool), diagonal)
    return _named(I.MaskedFill.apply(input, ~mask, 0), "Tril")


def triu(input, diagonal: int = 0):
    mask = np.triu(np.ones(input.shape[-2:], dtype=bool), diagonal)
    return _named(I.MaskedFill.apply(input, ~mask, 0), "Triu")


def _tri_indices(row: int, col: int, offset: int, dtype, fn: str, np_fn):
    for name, n in (("row", row), ("col", col)):
        if n < 0:
            raise RuntimeError(f"{name} must be non-negative, got{n}")
    dt = np.dtype(np.int64) if dtype is None else _dtype.to_numpy_dtype(dtype)
    if dt not in (np.int64, np.int32):
        raise kernel_error(fn, dt)
    return Tensor._make(np.array(np_fn(row, offset, col), dtype=dt).reshape(2, -1), False, None)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
    """The (row, column) indices of a row x col matrix's lower triangle (on and below the
    ``offset`` diagonal), row by row, as a 2 x N tensor."""
    return _tri_indices(row, col, offset, dtype, "tril_indices", np.tril_indices)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
    """The indices of the upper triangle (on and above the ``offset`` diagonal), as
    ``tril_indices``."""
    return _tri_indices(row, col, offset, dtype, "triu_indices", np.triu_indices)


def outer(input, vec2):
    for name, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return E.Mul.apply(input.reshape(-1, 1), vec2.reshape(1, -1))


def ger(input, vec2):
    """outer, by its old name."""
    return outer(input, vec2)


def kron(input, other):
    """The Kronecker product: each element of input times the whole of other, the blocks laid
    out as input's elements are (torch's way: a broadcast product of interleaved views)."""
    ndim = builtins.max(input.ndim, other.ndim)
    a_shape, b_shape, shape = [], [], []
    for i in range(ndim):
        a = input.shape[i - ndim + input.ndim] if i >= ndim - input.ndim else 1
        b = other.shape[i - ndim + other.ndim] if i >= ndim - other.ndim else 1
        a_shape += [a, 1]
        b_shape += [1, b]
        shape.append(a * b)
    product = E.Mul.apply(reshape(input, a_shape), reshape(other, b_shape))
    return _named(S.View.apply(product, tuple(shape)), "UnsafeView")  # (product is contiguous)


_TENSORDOT_DIMS = (
    "tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] "
    "containing two lists, but got dims={}"
)


def tensordot(a, b, dims=2):
    """Sums of products over dims of a and b: ``dims=d`` pairs a's last d dims with b's first
    d, ``dims=([1, 0], [0, 1])`` names them; the result has a's other dims, then b's."""
    if not isinstance(dims, tuple | list | Tensor | int):
        raise RuntimeError(_TENSORDOT_DIMS.format(dims))
    if isinstance(dims, Tensor):
        if dims.numel() > 1:
            dims = (dims[0].tolist(), dims[1].tolist())
        else:
            count = int(dims.item())
            if count < 0:
                raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
            dims = (list(range(-count, 0)), list(range(count)))
    if isinstance(dims, tuple | list):
        dims_a, dims_b = dims
        for arg, position, value in (("dims_self", 3, dims_a), ("dims_other", 4, dims_b)):
            if not isinstance(value, tuple | list):
                raise TypeError(
                    f"tensordot(): argument '{arg}' (position {position}) must be tuple of ints, "
                    f"not {type(value).__name__}"
                )
    else:
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > builtins.min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    return _tensordot(a, b, list(dims_a), list(dims_b))


def _dim_set(dims: list, ndim: int) -> list:
    axes = []
    for d in dims:
        axis = normalize_dim(d, ndim)
        if axis in axes:
            raise RuntimeError(f"dim {axis} appears multiple times in the list of dims")
        axes.append(axis)
    return axes


def _tensordot(a, b, dims_a: list, dims_b: list):
    """torch's tensordot: a dim of size 1 facing a longer one is summed first (it broadcasts),
    then one matrix product of the inputs permuted and flattened to matrices."""
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    t1, t2, inner_size = a, b, 1
    for da, db in zip(dims_a, dims_b):
        s1, s2 = a.shape[normalize_dim(da, a.ndim)], b.shape[normalize_dim(db, b.ndim)]
        if s2 == 1:
            t1 = sum(t1, da, keepdim=True)
        elif s1 == 1:
            t2 = sum(t2, db, keepdim=True)
        elif s1 != s2:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {s1} in dim {da} and "
                f"second has size {s2} in dim {db}"
            )
        else:
            inner_size *= s1
    axes_a, axes_b = _dim_set(dims_a, a.ndim), _dim_set(dims_b, b.ndim)
    free_a = [d for d in range(a.ndim) if d not in axes_a]
    free_b = [d for d in range(b.ndim) if d not in axes_b]
    shape = [t1.shape[d] for d in free_a] + [t2.shape[d] for d in free_b]
    rows = int(np.prod([t1.shape[d] for d in free_a], dtype=np.int64))
    cols = int(np.prod([t2.shape[d] for d in free_b], dtype=np.int64))
    m1 = reshape(permute(t1, free_a + axes_a), rows, inner_size)
    m2 = reshape(permute(t2, axes_b + free_b), inner_size, cols)
    return reshape(mm(m1, m2), shape)


def inner(input, other):
    """Sums of products over the last dims (of every pair of rows); a number times a tensor."""
    if input.ndim == 0 or other.ndim == 0:
        return E.Mul.apply(input, other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            "inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}"
        )
    return _tensordot(input, other, [-1], [-1])


def vdot(input, other):
    """The dot product of two vectors (the first conjugated: the same, for real tensors)."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{type_name(input)} and {type_name(other)}"
        )
    n, m = input.shape[0], other.shape[0]
    if n != m:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same "
            f"number of elements, but got {n} and {m} elements respectively"
        )
    if input._data.dtype == np.bool_:
        raise kernel_error("dot", np.bool_)
    return _named(L.MatMul.apply(input, other), "Vdot")


_CROSS_DIM = (
    "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
    "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
    "with that of linalg.cross in a future release."
)


def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim``, the other dims broadcast. Without dim: the
    first dim of length 3, with torch's deprecation warning."""
    if dim is None:
        _warn_once(_CROSS_DIM)
        dim = next((d for d, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return _linalg_cross(input, other, dim)


def _linalg_cross(input, other, dim: int = -1):
    """torch.linalg.cross (for an ``ff.linalg`` namespace): ``cross`` with dim -1 by default."""
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    axis = normalize_dim(dim, input.ndim)
    if input.shape[axis] != 3 or other.shape[axis] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[axis]} "
            f"and {other.shape[axis]}"
        )
    shape = _broadcast_shapes("linalg.cross", input.shape, other.shape)
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {type_name(input)} but found {type_name(other)}")
    if input._data.dtype == np.bool_:
        raise kernel_error("cross", np.bool_)
    a = input if input.shape == shape else expand(input, shape)
    b = other if other.shape == shape else expand(other, shape)
    return L.Cross.apply(a, b, axis)


def vander(x, N=None, increasing: bool = False):
    """The Vandermonde matrix of a vector: columns x^(N-1), ..., x^1, x^0 (increasing: x^0
    first), N defaulting to len(x); integers give int64."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dtype = _dtype.promote_types(x.dtype, _dtype.int64)
    ones = Tensor._make(np.ones((x.shape[0], builtins.min(n, 1)), dtype.numpy_dtype), False, None)
    out = ones
    if n > 1:  # torch's way: the running product of copies of x (so its gradient, also at 0)
        column = unsqueeze(x.to(dtype), 1)
        powers = cumprod(expand(column, x.shape[0], n - 1), 1)
        out = _named(cat([ones, powers], 1), "CopySlices")
    return out if increasing else flip(out, 1)


def cdist(x1, x2, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M),
    as a (..., P, R) tensor, the leading dims broadcast; ``p=2`` is Euclidean."""
    modes = (
        "use_mm_for_euclid_dist_if_necessary",
        "use_mm_for_euclid_dist",
        "donot_use_mm_for_euclid_dist",
    )
    if compute_mode not in modes:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
        if x._data.dtype.kind != "f":
            raise RuntimeError(
                f"cdist only supports floating-point dtypes, {name} got: {type_name(x)}"
            )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f"expected scalar type {type_name(x1)} but found {type_name(x2)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    batch = _broadcast_shapes("cdist", x1.shape[:-2], x2.shape[:-2])
    if x1.shape[:-2] != batch:
        x1 = expand(x1, batch + x1.shape[-2:])
    if x2.shape[:-2] != batch:
        x2 = expand(x2, batch + x2.shape[-2:])
    rows = builtins.max(x1.shape[-2], x2.shape[-2])
    use_mm = p == 2 and (
        compute_mode == "use_mm_for_euclid_dist" or compute_mode == modes[0] and rows > 25
    )
    return L.Cdist.apply(x1, x2, float(p), use_mm)


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # torch's order, A-Z first


def einsum(equation: str, *operands):
    """Sums of products over subscripts: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``,
    ``"bhqd,bhkd->bhqk"`` attention scores, ``"ii"`` the trace, ``"...ij->...ji"`` a
    transpose of the last two dims. Without "->" the output is every subscript used once, in
    alphabetical order (A-Z before a-z), after the "..." dims. Size-1 dims broadcast."""
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    inputs, output, sizes = _einsum_subscripts(equation.replace(" ", ""), operands)
    for x in operands[1:]:
        if x.dtype is not operands[0].dtype:
            raise RuntimeError(
                f"expected scalar type {type_name(operands[0])} but found {type_name(x)}"
            )
    if operands[0]._data.dtype == np.bool_:
        raise kernel_error("bmm", np.bool_)
    return L.Einsum.apply(inputs, output, sizes, *operands)


def _einsum_subscripts(equation: str, operands) -> tuple[list[str], str, dict]:
    """Each operand's subscripts and the output's, with "..." spelt out in spare letters
    (right-aligned, as broadcasting aligns dims), and each letter's size; torch's errors."""
    for at, c in enumerate(equation):
        if c not in _LETTERS and c not in ".,->":
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {at} in the equation string, "
                "subscripts must be in [a-zA-Z]"
            )
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        fewer_or_more = "fewer" if len(terms) > len(operands) else "more"
        raise RuntimeError(
            f"einsum(): {fewer_or_more} operands were provided than specified in the equation"
        )
    ranks = []  # how many dims each operand's "..." stands for
    for i, (term, x) in enumerate(zip(terms, operands)):
        named = len(term.replace("...", ""))
        if "..." not in term and named != x.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) does not match "
                f"the number of dimensions ({x.ndim}) for operand {i} and no ellipsis was given"
            )
        if named > x.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) is more than "
                f"the number of dimensions ({x.ndim}) for operand {i}"
            )
        ranks.append(x.ndim - named if "..." in term else 0)
    spare = [c for c in _LETTERS if c not in equation]
    ellipsis = "".join(spare[: builtins.max(ranks, default=0)])
    inputs = [t.replace("...", ellipsis[len(ellipsis) - k :]) for t, k in zip(terms, ranks)]
    sizes: dict = {}
    for i, (sub, x) in enumerate(zip(inputs, operands)):
        own: dict = {}
        for c, n in zip(sub, x.shape):
            if c in own and own[c] != n:
                raise RuntimeError(
                    f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't "
                    f"match, {n} != {own[c]}"
                )
            own[c] = n
        for c, n in own.items():
            seen = sizes.get(c, 1)
            if n != seen and 1 not in (n, seen):
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {n} for operand {i} which does not "
                    f"broadcast with previously seen size {seen}"
                )
            sizes[c] = n if seen == 1 else seen
    used = "".join(inputs)
    if arrow:
        for c in rhs.replace("...", ""):
            if c not in used:
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any "
                    "input operand"
                )
            if rhs.count(c) > 1:
                raise RuntimeError(
                    f"einsum(): output subscript {c} appears more than once in the output"
                )
        output = rhs.replace("...", ellipsis)
    else:
        once = sorted(
            (c for c in set(used) if used.count(c) == 1 and c not in ellipsis), key=_LETTERS.index
        )
        output = ellipsis + "".join(once)
    return inputs, output, sizes


def masked_select(input, mask):
    """The elements where ``mask`` (broadcast with input) is True, as a 1-D tensor."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = _broadcast_shapes("masked_select", m.shape, input.shape)
    x = input if input.shape == shape else expand(input, shape)
    return _named(I.Index.apply(x, np.broadcast_to(m, shape)), "MaskedSelect")


def take(input, index):
    """Elements of the flattened input at ``index`` (int64, any shape: the output's)."""
    idx = index._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {type_name(index)}")
    n = input._data.size
    if n == 0 and idx.size:
        raise IndexError("take(): tried to take from an empty tensor")
    bad = idx[(idx >= n) | (idx < -n)]
    if bad.size:
        raise IndexError(
            f"out of range: tried to access index {bad.flat[0]} on a tensor of {n} elements."
        )
    return _named(I.Index.apply(input.reshape(-1), idx), "Take")


# ---------------------------------------------------------------- linear algebra, by torch's older
# names: ff.linalg's functions (feedforward/linalg), which compose this module's, hence the imports
# inside the functions


def det(input):
    """The determinant, as ``ff.linalg.det``."""
    from feedforward import linalg

    return linalg.det(input)


def slogdet(input):
    """(sign, log |det|), as ``ff.linalg.slogdet``."""
    from feedforward import linalg

    return return_types.slogdet(tuple(linalg.slogdet(input)))


def logdet(input):
    """log det: NaN where the determinant is negative, -inf where it is 0.

    >>> ff.logdet(ff.tensor([[2.0, 0.0], [0.0, 3.0]]))         # tensor(1.7918)
    """
    from feedforward import linalg
    from feedforward.linalg import _functions as F

    F.check_square(input, "logdet")
    F.check_floating(input, "logdet", low_precision=False)
    sign, logabsdet = linalg.slogdet(input)
    return where(eq(sign, -1), float("nan"), logabsdet)


def inverse(input):
    """A^-1, as ``ff.linalg.inv``."""
    from feedforward import linalg

    return linalg.inv(input)


def pinverse(input, rcond: float = 1e-15):
    """The pseudoinverse, singular values below rcond times the largest taken as 0."""
    from feedforward import linalg

    return linalg.pinv(input, rcond)


def _check_power(n, position: int) -> None:
    if isinstance(n, builtins.bool) or not isinstance(n, int | np.integer):
        raise TypeError(
            f"matrix_power(): argument 'n' (position {position}) must be int, not "
            f"{type(n).__name__}"
        )


def matrix_power(input, n):
    """A^n for an integer n, as ``ff.linalg.matrix_power``."""
    from feedforward import linalg

    _check_power(n, 2)
    return linalg.matrix_power(input, n)


def chain_matmul(*matrices):
    """The product of matrices (deprecated: ``ff.linalg.multi_dot`` takes a list)."""
    from feedforward import linalg

    _warn_once(
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
        "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather "
        "than multiple parameters."
    )
    for m in matrices:
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    if len(matrices) == 1:
        return matrices[0].clone()
    return linalg.multi_dot(list(matrices))


def qr(input, some: bool = True):
    """(Q, R), reduced (``some``) or complete (deprecated: ``ff.linalg.qr`` takes a mode)."""
    from feedforward import linalg

    _warn_once(
        "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future "
        "PyTorch release.\nThe boolean parameter 'some' has been replaced with a string "
        "parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\nQ, R = "
        "torch.linalg.qr(A, 'reduced' if some else 'complete')"
    )
    return return_types.qr(tuple(linalg.qr(input, "reduced" if some else "complete")))


def svd(input, some: bool = True, compute_uv: bool = True):
    """(U, S, V) with input = U diag(S) V^T: V, not ``ff.linalg.svd``'s Vh, reduced by default
    (``some``); without ``compute_uv``, U and V are zeros (of the complete shapes).

    >>> U, S, V = ff.svd(ff.randn(4, 3))                     # U 4x3, S 3, V 3x3
    """
    from feedforward import linalg

    if compute_uv:
        U, S, Vh = linalg.svd(input, full_matrices=not some)
        return return_types.svd((U, S, transpose(Vh, -2, -1)))
    S = linalg.svdvals(input)
    m, n = input.shape[-2:]
    batch, dt = tuple(input.shape[:-2]), input._data.dtype
    U, V = (Tensor._make(np.zeros(batch + (k, k), dt), False, None) for k in (m, n))
    return return_types.svd((U, S, V))


def cholesky(input, upper: bool = False):
    """L with input = L L^T, or U = L^T (deprecated: ``ff.linalg.cholesky``)."""
    from feedforward.linalg import _functions as F
    from feedforward.ops import matrix

    _warn_once(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in "
        "a future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = "
        "torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be replaced "
        "with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce equivalent results "
        "for all valid (symmetric positive definite) inputs."
    )
    F.check_square(input, "cholesky")
    if input._data.dtype not in (np.float32, np.float64):
        raise kernel_error("cholesky_cpu", input._data.dtype)
    return _named(matrix.Cholesky.apply(input, upper, "cholesky"), "CholeskyBackward0")


def unravel_index(indices, shape):
    """The coordinates, in a tensor of ``shape``, of each flat index: one tensor per dim."""
    if indices._data.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, int):
        shape = (shape,)
    elif not isinstance(shape, Sequence):
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    for d in shape:
        if not isinstance(d, int):
            raise TypeError(f"expected 'shape' sequence to only contain ints, but got {type(d)}")
    shape = tuple(shape)
    if builtins.any(d < 0 for d in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    strides = np.cumprod((shape[1:] + (1,))[::-1])[::-1].astype(np.int64)  # torch's coefs
    coords = remainder(
        floor_divide(unsqueeze(indices, -1), Tensor._make(strides, False, None)),
        Tensor._make(np.array(shape, dtype=np.int64), False, None),
    )
    return unbind(coords, -1)


# ---------------------------------------------------------------- losses (torch's top level)
#
# torch.margin_ranking_loss and the rest are the ops behind nn.functional's losses: no legacy
# size_average/reduce, and ``reduction`` an int (torch's enum: 1 'mean', 2 'sum', any other int
# 'none'). torch documents 1 as the default, but its bindings read the default as 0: called
# without it, torch 2.13's return the unreduced loss, and so do these.


def _reduction_name(reduction, fn: str, position: int) -> str:
    if type(reduction) is not int:
        raise TypeError(
            f"{fn}(): argument 'reduction' (position {position}) must be int, not "
            f"{type(reduction).__name__}"
        )
    return {1: "mean", 2: "sum"}.get(reduction, "none")


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, reduction: int = 0):
    from feedforward.nn import functional as F

    return F.margin_ranking_loss(
        input1,
        input2,
        target,
        margin,
        reduction=_reduction_name(reduction, "margin_ranking_loss", 5),
    )


def hinge_embedding_loss(input, target, margin: float = 1.0, reduction: int = 0):
    from feedforward.nn import functional as F

    return F.hinge_embedding_loss(
        input, target, margin, reduction=_reduction_name(reduction, "hinge_embedding_loss", 4)
    )


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, reduction: int = 0):
    from feedforward.nn import functional as F

    return F.cosine_embedding_loss(
        input1,
        input2,
        target,
        margin,
        reduction=_reduction_name(reduction, "cosine_embedding_loss", 5),
    )


def triplet_margin_loss(
    anchor,
    positive,
    negative,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-06,
    swap: bool = False,
    reduction: int = 0,
):
    from feedforward.nn import functional as F

    # no margin > 0 check here: torch's op has none (only nn.functional's)
    return F._triplet_margin(
        anchor,
        positive,
        negative,
        margin,
        p,
        eps,
        swap,
        _reduction_name(reduction, "triplet_margin_loss", 8),
    )


def poisson_nll_loss(input, target, log_input: bool, full: bool, eps: float, reduction: int):
    from feedforward.nn import functional as F

    return F._poisson_nll(
        input, target, log_input, full, eps, _reduction_name(reduction, "poisson_nll_loss", 6)
    )


def kl_div(input, target, reduction: int = 0, *, log_target: bool = False):
    from feedforward.nn import functional as F

    # torch's op: 'mean' over every element, without nn.functional's warning
    loss = F.kl_div(input, target, reduction="none", log_target=log_target)
    return F._reduce(loss, _reduction_name(reduction, "kl_div", 3))


def binary_cross_entropy_with_logits(
    input, target, weight=None, pos_weight=None, reduction: int = 0
):
    from feedforward.nn import functional as F

    return F.binary_cross_entropy_with_logits(
        input,
        target,
        weight,
        pos_weight=pos_weight,
        reduction=_reduction_name(reduction, "binary_cross_entropy_with_logits", 5),
    )


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-06, keepdim: bool = False):
    from feedforward.nn import functional as F

    return F.pairwise_distance(x1, x2, p, eps, keepdim)


# torch's ops behind nn.functional's layers: their own signatures (torch.dropout(input, p,
# train), torch.batch_norm's nine positional arguments), each a thin call of the functional form


def _check_dropout_p(p) -> None:
    """The op's check (a RuntimeError; nn.functional's is a ValueError)."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p:g}")


def _dropout_op(kind: str, input, p: float, train: bool, inplace: bool):
    from feedforward.nn import functional as F
    from feedforward.nn._ops import dropout as D

    _check_dropout_p(p)
    op = D.AlphaDropout if "alpha" in kind else D.Dropout
    if kind.startswith("feature"):
        _check_tensor(input, kind)
        return F._feature_drop(op, input, p, train, inplace, kind, None)
    return F._drop(op, input, p, train, inplace, kind, None)


def dropout(input, p: float, train: bool):
    return _dropout_op("dropout", input, p, train, False)


def dropout_(input, p: float, train: bool):
    return _dropout_op("dropout", input, p, train, True)


def alpha_dropout(input, p: float, train: bool):
    return _dropout_op("alpha_dropout", input, p, train, False)


def alpha_dropout_(input, p: float, train: bool):
    return _dropout_op("alpha_dropout", input, p, train, True)


def feature_dropout(input, p: float, train: bool):
    return _dropout_op("feature_dropout", input, p, train, False)


def feature_dropout_(input, p: float, train: bool):
    return _dropout_op("feature_dropout", input, p, train, True)


def feature_alpha_dropout(input, p: float, train: bool):
    return _dropout_op("feature_alpha_dropout", input, p, train, False)


def feature_alpha_dropout_(input, p: float, train: bool):
    return _dropout_op("feature_alpha_dropout", input, p, train, True)


def batch_norm(
    input,
    weight,
    bias,
    running_mean,
    running_var,
    training: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
):
    from feedforward.nn import functional as F

    # the op normalises a channel of one value (nn.functional refuses it)
    return F._batch_norm(
        input, running_mean, running_var, weight, bias, training, momentum, eps, True
    )


def layer_norm(
    input,
    normalized_shape,
    weight=None,
    bias=None,
    eps: float = 1e-05,
    cudnn_enable: bool = True,
):
    from feedforward.nn import functional as F

    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(
    input,
    num_groups: int,
    weight=None,
    bias=None,
    eps: float = 1e-05,
    cudnn_enabled: bool = True,
):
    from feedforward.nn import functional as F

    _check_tensor(input, "group_norm")
    F._check_group_norm_rank(input)
    return F._group_norm(input, num_groups, weight, bias, eps)


def instance_norm(
    input,
    weight,
    bias,
    running_mean,
    running_var,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
):
    from feedforward.nn import functional as F

    _check_tensor(input, "instance_norm")
    return F._instance_norm(
        input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps
    )


def rms_norm(input, normalized_shape, weight=None, eps=None):
    from feedforward.nn import functional as F

    return F.rms_norm(input, normalized_shape, weight, eps)


def selu(input):
    from feedforward.nn import functional as F

    return F.selu(input)


def selu_(input):
    from feedforward.nn import functional as F

    return F.selu_(input)


def celu(input, alpha: float = 1.0):
    from feedforward.nn import functional as F

    return F.celu(input, alpha)


def celu_(input, alpha: float = 1.0):
    from feedforward.nn import functional as F

    return F.celu_(input, alpha)


def threshold(input, threshold: float, value: float):
    from feedforward.nn import functional as F

    return F.threshold(input, threshold, value)


def threshold_(input, threshold: float, value: float):
    from feedforward.nn import functional as F

    return F.threshold_(input, threshold, value)


def prelu(input, weight):
    from feedforward.nn import functional as F

    return F.prelu(input, weight)


def hardshrink(input, lambd: float = 0.5):
    from feedforward.nn import functional as F

    return F.hardshrink(input, lambd)


def rrelu(
    input,
    lower: float = 0.125,
    upper: float = 0.3333333333333333,
    training: bool = False,
    generator=None,
):
    from feedforward.nn import functional as F

    return F._rrelu(input, lower, upper, training, False, generator, "rrelu")


def rrelu_(
    input,
    lower: float = 0.125,
    upper: float = 0.3333333333333333,
    training: bool = False,
    generator=None,
):
    from feedforward.nn import functional as F

    return F._rrelu(input, lower, upper, training, True, generator, "rrelu_")


def pdist(input, p: float = 2):
    from feedforward.nn import functional as F

    return F.pdist(input, p)


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-08):
    from feedforward.nn import functional as F

    return F.cosine_similarity(x1, x2, dim, eps)


def bilinear(input1, input2, weight, bias=None):
    from feedforward.nn import functional as F

    return F.bilinear(input1, input2, weight, bias)


def embedding(
    weight, indices, padding_idx: int = -1, scale_grad_by_freq: bool = False, sparse: bool = False
):
    from feedforward.nn import functional as F

    _check_tensor(weight, "embedding", "weight")
    # the op's padding_idx is a row index, -1 for none (no row matches one out of range)
    rows = weight.shape[0] if weight.ndim else 0
    padding = padding_idx if 0 <= padding_idx < rows else None
    return F.embedding(indices, weight, padding, None, 2.0, scale_grad_by_freq, sparse)


# ---------------------------------------------------------------- predicates and small helpers


def rsub(input, other, *, alpha=1):
    """other - alpha * input: sub with its operands swapped."""
    _check_tensor(input, "rsub")
    out = E.Sub.apply(other, input, alpha=alpha) if alpha != 1 else E.Sub.apply(other, input)
    return _named(out, "RsubBackward0") if isinstance(other, Tensor) else out


def fill(input, value):
    """A tensor of input's shape and dtype holding ``value`` (a number or a 0-dim tensor)."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            "fill_ only supports 0-dimension value tensor but got tensor with "
            f"{value.ndim} dimensions."
        )
    return E.Fill.apply(input, value)


def can_cast(from_, to) -> bool:
    """Whether torch's casting rules let an op write a ``from_`` result into a ``to`` tensor:
    never a float into an integer, nor anything but a bool into a bool."""
    for name, position, d in (("from_", 1, from_), ("to", 2, to)):
        if not isinstance(d, _dtype.dtype):
            raise TypeError(
                f"can_cast(): argument '{name}' (position {position}) must be torch.dtype, not "
                f"{type(d).__name__}"
            )
    return _can_cast(from_.numpy_dtype, to.numpy_dtype)


def frexp(input):
    """Mantissa and exponent, input = mantissa * 2 ** exponent with 0.5 <= |mantissa| < 1
    (0, inf and NaN keep themselves with exponent 0); exponent is int32."""
    if input._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    exponent = Tensor._make(np.frexp(input._data)[1], False, None)
    return return_types.frexp((E.Frexp.apply(input), exponent))


def _shift(left: bool):
    """bitwise_left_shift / bitwise_right_shift in the promoted dtype, as torch: a shift by a
    negative count or by at least the dtype's bits gives 0 (a negative number shifted right,
    -1); NumPy's would take the count modulo the bits."""
    name = "lshift" if left else "rshift"

    def fn(input, other):
        a = input._data if isinstance(input, Tensor) else input
        b = other._data if isinstance(other, Tensor) else other
        a, b = promote(a, b)
        dtype = a.dtype if isinstance(a, np.ndarray) else b.dtype
        if dtype.kind in "fb":
            raise kernel_error(f"{name}_cpu", dtype)
        a, b = np.asarray(a, dtype=dtype), np.asarray(b, dtype=dtype)
        out_of_range = (b < 0) | (b >= 8 * a.dtype.itemsize)
        count = np.where(out_of_range, 0, b)
        if left:
            result = np.where(out_of_range, 0, np.left_shift(a, count))
        else:
            result = np.where(out_of_range, np.where(a < 0, -1, 0), np.right_shift(a, count))
        return Tensor._make(np.asarray(result.astype(dtype, copy=False)), False, None)

    fn.__name__ = f"bitwise_{'left' if left else 'right'}_shift"
    return fn


bitwise_left_shift = _shift(True)
bitwise_right_shift = _shift(False)


def _predicate(name: str, test):
    def fn(input):
        _check_tensor(input, name)
        return test(input)

    fn.__name__ = name
    return fn


is_floating_point = _predicate("is_floating_point", lambda t: t._data.dtype.kind == "f")
is_complex = _predicate("is_complex", lambda t: t._data.dtype.kind == "c")
is_signed = _predicate("is_signed", lambda t: t._data.dtype.kind in "if")
is_inference = _predicate("is_inference", lambda t: getattr(t, "_inference", False))


def is_nonzero(input) -> bool:
    """Whether a one-element tensor is not 0 (NaN is not 0)."""
    _check_tensor(input, "is_nonzero")
    if input._data.size == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input._data.size > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._data.reshape(-1)[0] != 0)


def is_same_size(input, other) -> bool:
    _check_tensor(input, "is_same_size")
    _check_tensor(other, "is_same_size", "other", 2)
    return input.shape == other.shape


def detach(input):
    """input's values (same storage) without its graph: ``input.detach()``."""
    _check_tensor(input, "detach")
    return input.detach()


# ---------------------------------------------------------------- splits and scatters


def _sizes_arg(split_sizes, fn: str) -> list:
    if not isinstance(split_sizes, tuple | list | Size):
        raise TypeError(
            f"{fn}(): argument 'split_sizes' (position 1) must be tuple of ints, not "
            f"{type(split_sizes).__name__}"
        )
    return list(split_sizes)


def split_with_sizes(input, split_sizes, dim: int = 0):
    """Pieces of the given lengths along dim, as views: ``split`` with a list."""
    return split(input, _sizes_arg(split_sizes, "split_with_sizes"), dim)


def _unsafe(pieces: tuple, torch_name: str) -> tuple:
    """torch's unsafe_* splits: the same pieces, which autograd does not take for views (so
    changing one in place while recording is not refused, nor seen by the input's graph)."""
    for piece in pieces:
        if piece.grad_fn is not None:
            piece.grad_fn.torch_name = torch_name
            piece.grad_fn.is_view = False
    return pieces


def unsafe_split(input, split_size, dim: int = 0):
    return _unsafe(split(input, split_size, dim), "UnsafeSplitBackward0")


def unsafe_split_with_sizes(input, split_sizes, dim: int = 0):
    sizes = _sizes_arg(split_sizes, "unsafe_split_with_sizes")
    return _unsafe(split(input, sizes, dim), "UnsafeSplitWithSizesBackward0")


def unsafe_chunk(input, chunks: int, dim: int = 0):
    return _unsafe(chunk(input, chunks, dim), "UnsafeSplitBackward0")


def _scatter_into(input, src, part, region: Tensor, fn: str, torch_name: str):
    """``input`` with ``region`` (the part of it ``part`` picks) replaced by src."""
    _check_tensor(src, fn, "src", 2)
    if src.shape != region.shape:
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(region.shape)}"
        )
    return S.ScatterInto.apply(input, src, part, torch_name)


def select_scatter(input, src, dim: int, index: int):
    """A copy of input with ``input.select(dim, index)`` replaced by src."""
    region = select(input.detach(), dim, index)  # (torch's errors for dim and index)
    axis = normalize_dim(dim, input.ndim)
    at = (slice(None),) * axis + (index,)
    return _scatter_into(input, src, lambda a: a[at], region, "select_scatter", "SelectScatter")


def slice_scatter(input, src, dim: int = 0, start=None, end=None, step: int = 1):
    """A copy of input with ``input[..., start:end:step, ...]`` (along dim) replaced by src."""
    axis = normalize_dim(dim, input.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    at = (slice(None),) * axis + (slice(start, end, step),)
    region = input.detach()[at]
    return _scatter_into(input, src, lambda a: a[at], region, "slice_scatter", "SliceScatter")


def diagonal_scatter(input, src, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """A copy of input with ``input.diagonal(offset, dim1, dim2)`` replaced by src."""
    region = diagonal(input.detach(), offset, dim1, dim2)
    d1, d2 = normalize_dim(dim1, input.ndim), normalize_dim(dim2, input.ndim)

    def part(a):
        return S.diagonal_view(a, offset, d1, d2)

    return _scatter_into(input, src, part, region, "diagonal_scatter", "DiagonalScatter")


def index_reduce(input, dim: int, index, source, reduce: str, *, include_self: bool = True):
    """input with source's slices along dim reduced into the slices ``index`` names ("prod",
    "mean", "amax" or "amin"; with ``include_self``, input's own values count too): the
    scatter_reduce of source with index spread along its other dims."""
    _warn_once("index_reduce() is in beta and the API may change at any time.")
    _check_tensor(index, "index_reduce", "index", 3)
    _check_tensor(source, "index_reduce", "source", 4)
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(
            "index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
            f"{reduce}."
        )
    axis = normalize_dim(dim, input.ndim)
    idx = index._data
    if idx.ndim > 1:
        raise IndexError(
            "index_reduce_(): Index is supposed to be a vector, but got dim: "
            f"{idx.ndim} with type: {SCALAR_TYPE_NAMES[idx.dtype.name]} and size: "
            f"{list(idx.shape)}"
        )
    if idx.dtype not in (np.int32, np.int64):
        raise RuntimeError(
            "index_reduce_(): Expected dtype int32/int64 for index but got: "
            f"{SCALAR_TYPE_NAMES[idx.dtype.name]}"
        )
    if input.dtype is not source.dtype:
        raise RuntimeError(
            f"index_reduce_(): self ({type_name(input)}) and source ({type_name(source)}) must "
            "have the same scalar type"
        )
    n = source.shape[axis] if source.ndim else 1
    if idx.size != n:
        raise RuntimeError(
            f"index_reduce_(): Number of indices ({idx.size}) should be equal to "
            f"source.size(dim): ({n}), for dim: {axis}"
        )
    others = [s for d, s in enumerate(input.shape) if d != axis]
    if [s for d, s in enumerate(source.shape) if d != axis] != others:
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(input.shape)} source.shape = "
            f"{list(source.shape)}"
        )
    if ((idx < 0) | (idx >= input.shape[axis])).any():
        raise IndexError("index out of range in self")
    if input._data.dtype == np.bool_ and (input.ndim <= 1 or reduce == "mean"):
        # (torch's serial kernel for 1-D has no bool; the other one's mean floors a division)
        raise kernel_error("index_func_" if input.ndim <= 1 else "div_floor_cpu", np.bool_)
    shape = [1] * source.ndim
    shape[axis] = -1
    spread = np.broadcast_to(idx.astype(np.int64).reshape(shape), source.shape)
    out = I.ScatterReduce.apply(input, axis, spread, source, reduce, include_self)
    return _named(out, "IndexReduceBackward0")


# ---------------------------------------------------------------- threads

# NumPy's BLAS sizes its own thread pool when it loads; feedforward runs no threads of its own.
# So these record the numbers asked for, with torch's checks, and change nothing.
_threads = {"intra": None, "interop": None}


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _set_threads(kind: str, fn: str, n) -> None:
    if not isinstance(n, int) or isinstance(n, bool):
        raise RuntimeError(f"{fn} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{fn} expects a positive integer")
    _threads[kind] = n


def get_num_threads() -> int:
    """The number given to set_num_threads, else the CPUs this process may run on."""
    return _threads["intra"] or _cpus()


def set_num_threads(int) -> None:  # (torch's argument name)
    """Recorded for get_num_threads; NumPy's BLAS keeps the threads it started with."""
    _set_threads("intra", "set_num_threads", int)


def get_num_interop_threads() -> int:
    return _threads["interop"] or _cpus()


def set_num_interop_threads(int) -> None:
    """Recorded for get_num_interop_threads: feedforward runs no ops in parallel."""
    _set_threads("interop", "set_num_interop_threads", int)


# ---------------------------------------------------------------- complex-number views of reals

# feedforward has no complex dtypes: for its real tensors torch's conj, resolve_conj,
# resolve_neg, conj_physical and real give the tensor itself, as torch does for real ones.


def _itself(name: str):
    def fn(input):
        _check_tensor(input, name)
        return input

    fn.__name__ = name
    return fn


conj = _itself("conj")
resolve_conj = _itself("resolve_conj")
resolve_neg = _itself("resolve_neg")
conj_physical = _itself("conj_physical")
real = _itself("real")
is_conj = _predicate("is_conj", lambda t: False)
is_neg = _predicate("is_neg", lambda t: False)


def imag(input):
    _check_tensor(input, "imag")
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def angle(input):
    """The argument of each element: 0 or pi for real numbers (NaN for NaN)."""
    return E.Angle.apply(input)
