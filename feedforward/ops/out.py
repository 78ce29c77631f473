"""``out=``: the public functions can write their result into a tensor you give them.

    >>> c = ff.empty(2, 2)
    >>> ff.matmul(a, b, out=c)     # c now holds a @ b, and the call returns c

As in torch, the result is computed as usual and then copied into ``out`` (so ``out`` may be one
of the inputs), and:

- autograd does not go through ``out=``: with grad mode on, an input that requires grad (or an
  ``out`` that does) is an error;
- an ``out`` of another shape is resized, with torch's deprecation warning unless it was empty;
- its dtype: elementwise ops and most reductions cast their result into it where torch casts
  (integers into floats, float64 into float32; never floats into integers, nor anything into
  bool); matrix products, indexing ops and the (values, indices) reductions need the result's
  exact dtype; sum, prod, cumsum and cumprod compute in out's dtype; a factory
  (``ff.zeros(3, out=t)``) makes a tensor of out's dtype.

``feedforward/__init__.py`` exports the wrapped functions, ``feedforward/linalg`` its own (the
rows "linalg.det", ...). The methods (``x.add(y)``) and the library's own calls use the plain
ones in ``api``, ``creation`` and ``linalg``, which pay nothing for this.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import warnings

import numpy as np

from feedforward import _dtype, creation, return_types
from feedforward.autograd.grad_mode import _state, no_grad
from feedforward.ops import api
from feedforward.ops._util import (
    C_TYPE_NAMES,
    CAST_ERROR,
    SCALAR_TYPE_NAMES,
    can_cast,
    kernel_error,
)
from feedforward.tensor import Tensor

CAST = "cast"  # the result is cast into out's dtype where torch can cast it
EXACT = "exact"  # out must have the result's dtype
OUT_DTYPE = "out dtype"  # the reduction runs in out's dtype (as if dtype=out.dtype)
ANY = "any"  # any dtype: bernoulli's 0s and 1s
FACTORY = "factory"  # a new tensor of out's dtype

RULES = {
    CAST: """exp log log2 log10 log1p expm1 sqrt rsqrt sin cos tanh sinh cosh sigmoid square
        reciprocal add sub mul div true_divide floor_divide remainder fmod pow atan2 maximum
        minimum xlogy lerp addcmul addcdiv outer ger addr divide multiply
        tan asin acos atan asinh acosh atanh arcsin arccos arctan arctan2 arcsinh arccosh arctanh
        erf erfc erfinv exp2 logit sinc deg2rad rad2deg hypot logaddexp logaddexp2 fmax fmin
        subtract copysign nextafter ldexp gcd lcm bitwise_left_shift bitwise_right_shift angle
        eq ne lt le gt ge greater less greater_equal less_equal not_equal
        logical_and logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor
        mean std var logsumexp cat concat concatenate stack hstack vstack column_stack row_stack
        dstack diff kron
        linalg.pinv linalg.matrix_rank linalg.lstsq""",
    EXACT: """abs neg sign floor ceil round trunc frac clamp clip clamp_min clamp_max bitwise_not
        nan_to_num matmul mm bmm mv dot addmm softmax log_softmax norm tril triu diag
        amax amin argmax argmin any all isin where gather index_select masked_select take
        take_along_dim scatter scatter_add scatter_reduce nonzero multinomial max min median sort
        topk cummax cummin histc searchsorted bucketize sgn absolute signbit isneginf isposinf
        heaviside float_power kthvalue mode nanmedian quantile nanquantile aminmax logcumsumexp
        msort histogram tensordot inner vdot cross index_add index_copy
        inverse matrix_power slogdet svd
        linalg.det linalg.slogdet linalg.inv linalg.solve linalg.cholesky linalg.qr linalg.eigh
        linalg.eigvalsh linalg.svd linalg.svdvals linalg.matrix_power linalg.multi_dot
        linalg.cross linalg.vecdot linalg.vector_norm linalg.matrix_norm linalg.norm
        linalg.matmul negative fix addmv addbmm baddbmm renorm
        index_reduce slice_scatter frexp""",
    OUT_DTYPE: "sum prod cumsum cumprod nansum nanmean",
    ANY: "bernoulli",
    FACTORY: "zeros ones empty full arange linspace logspace eye rand randn randint randperm",
}
RULE = {name: rule for rule, names in RULES.items() for name in names.split()}

# torch's words when out's dtype is refused, where its kernel has its own. ``{result}`` and
# ``{out}`` are the scalar type names (Float, Long, ...), ``{c_result}`` and ``{c_out}`` the C
# ones (float, long int, ...). The rest say EXACT_ERROR or CAST_ERROR, as their rule.
EXACT_ERROR = "Expected out tensor to have dtype {c_result}, but got {c_out} instead"
_SAME_DTYPE = "Found dtype {out} but expected {result}"
_AMAX = (
    "Expected the dtype for input and out to match, but got {result} for input's dtype and {out} "
    "for out's dtype."
)
_CAT = "torch.cat(): input types can't be cast to the desired output type {out}"
_BOOL_ONLY = ("signbit", "isneginf", "isposinf")
_STACKS = "cat concat concatenate stack hstack vstack column_stack row_stack dstack"
_TENSORDOT = (
    "tensordot: Expected the output tensor to have dtype {result}, but got an output tensor with "
    "dtype {out}"
)
DTYPE_ERRORS = {
    **dict.fromkeys(RULES[EXACT].split()[:13], _SAME_DTYPE),  # abs ... bitwise_not
    **dict.fromkeys(_STACKS.split(), _CAT),
    **dict.fromkeys(("tensordot", "inner"), _TENSORDOT),
    "amax": _AMAX,
    "amin": _AMAX,
    "nan_to_num": "nan_to_num: dtype of out: {out} should be same as input: {result}",
    "frexp": "torch.frexp() expects mantissa to have dtype {c_result} but got {c_out}",
    "addbmm": "self and mat2 must have the same dtype, but got {out} and {result}",
    "mv": "addmv input tensors must have the same dtype, but got {out}, {result}, and {result}",
    **dict.fromkeys(("dot", "vdot"), "result dtype {out} does not match input dtype {result}"),
    "logsumexp": "logsumexp(): Expected floating point type for result tensor, but got: {out}",
    "mean()": "mean.dtype_out(): input types can't be cast to the desired output type {out}",
    "any": "any only supports bool tensor for result, got: {out}",
    "all": "all only supports bool tensor for result, got: {out}",
    "where": "Expected out type to be {result} but got {out}",
    "index_select": "index_select(): self and result must have the same scalar type",
    "masked_select": "masked_select(): self and result must have the same scalar type",
    "take": "take(): self and out expected to have the same dtype, but got self.dtype = {result} "
    "and out.dtype = {out}",
    "nonzero": "nonzero: Expected out tensor to have scalar type Long but got scalar type{out}",
    "multinomial": "multinomial expects Long tensor out, got: {out}",
    **dict.fromkeys(
        ("cummax", "cummin", "logcumsumexp"), "expected scalar_type {result} but found {out}"
    ),
    **dict.fromkeys(
        ("histc", "histogram"),
        "torch.histogram: input tensor and hist tensor should have the same dtype, but got "
        "input {c_result} and hist {c_out}",
    ),
    "kthvalue": "output values must be of same type as input",
    "mode": "expected scalar type '{result}' but got '{out}' for values output",
    **dict.fromkeys(
        ("quantile", "nanquantile"), "quantile() out tensor must be same dtype as the input tensor"
    ),
    **dict.fromkeys(
        ("searchsorted", "bucketize"),
        "torch.searchsorted(): output tensor's dtype is wrong, it can only be Int(int32) or "
        "Long(int64) depending on whether out_int32 flag is True, but we got output tensor's dtype "
        "{out} and out_int32 flag is {out_int32}",
    ),
    **dict.fromkeys(("sgn", "abs"), _SAME_DTYPE),  # (absolute is abs)
    **{name: f"{name} does not support non-boolean outputs." for name in _BOOL_ONLY},
    "heaviside": "heaviside is not yet implemented for tensors with different dtypes.",
    "float_power": "the output given to float_power has dtype {out} but the operation's result "
    "requires dtype {result}",
    "ldexp": "ldexp can't be cast to the desired output type {out}",
    **dict.fromkeys(
        ("median", "nanmedian"),
        "Expected tensor for 'values' to have the same type as tensor for argument #2 'self'; but "
        "type {out_type} does not equal torch.{result}Tensor (while checking arguments for median)",
    ),
    "linalg.multi_dot": "multi_dot(): expected out tensor to have dtype {c_result} but got {c_out}",
    "linalg.vecdot": "linalg.vecdot: Expected out of dtype{result} but found {out}",
    **{
        f"linalg.{name}": f"linalg.{name} expected out tensor dtype {{result}} but got: {{out}}"
        for name in ("matrix_norm", "norm")
    },
    **{
        name: f"{prefix}: Expected {what} to be safely castable from {{result}} dtype, but got "
        f"{what} with dtype {{out}}"
        for name, prefix, what in (
            ("linalg.pinv", "linalg.pinv", "result"),
            ("linalg.matrix_rank", "torch.linalg.matrix_rank", "result"),
            ("linalg.lstsq", "torch.linalg.lstsq", "solution"),
        )
    },
}
# where an EXACT out of a kind the result cannot be cast to has other words than one of the wrong
# precision
UNCASTABLE_ERRORS = dict.fromkeys(
    ("matrix_power", "linalg.matrix_power"),
    "matrix_power: Expected result to be safely castable from {result} dtype, but got result with "
    "dtype {out}",
)
TYPE_ERRORS = set(_STACKS.split())  # torch's quirk
# out= with an input that requires grad is refused only where a gradient could flow (torch lets
# the integer and boolean results through, and, by how their out= kernels are registered,
# softmax, log_softmax, diag, floor_divide, quantile, nanquantile, histogram, tensordot,
# inner, slice_scatter, and linalg's matrix_norm and norm, composites)
NOT_DIFFERENTIABLE = set(
    """eq ne lt le gt ge greater less greater_equal less_equal not_equal logical_and logical_or
    logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not isin argmax argmin
    nonzero floor_divide softmax log_softmax diag histc searchsorted bucketize signbit isneginf
    isposinf heaviside gcd lcm quantile nanquantile histogram tensordot inner slice_scatter
    linalg.matrix_rank linalg.matrix_norm linalg.norm""".split()
)
# the op torch names when it refuses grad: the one its function is made of
TORCH_OP_NAMES = {
    "true_divide": "div",
    "square": "pow",
    "outer": "mul",
    "ger": "mul",
    **dict.fromkeys(("hstack", "vstack", "column_stack", "dstack"), "cat"),
    "diff": "sub",
    "kron": "mul",
    "cross": "linalg_cross",
    "take_along_dim": "gather",
    "nanmean": "nansum",
    "norm": "linalg_vector_norm",
    "subtract": "sub",
    "arctan2": "atan2",
    "float_power": "pow",
    "msort": "sort",
    "inverse": "linalg_inv_ex",
    "matrix_power": "matmul",
    "slogdet": "_linalg_slogdet",
    "svd": "_linalg_svd",
    **{
        f"linalg.{name}": op
        for name, op in (
            ("det", "_linalg_det"),
            ("slogdet", "_linalg_slogdet"),
            ("inv", "linalg_inv_ex"),
            ("solve", "_linalg_solve_ex"),
            ("cholesky", "linalg_cholesky_ex"),
            ("qr", "linalg_qr"),
            ("eigh", "_linalg_eigh"),
            ("eigvalsh", "_linalg_eigh"),
            ("svd", "_linalg_svd"),
            ("svdvals", "_linalg_svd"),
            ("pinv", "linalg_pinv"),
            ("lstsq", "linalg_lstsq"),
            ("matrix_power", "matmul"),
            ("multi_dot", "mm"),
            ("cross", "linalg_cross"),
            ("vecdot", "sum"),
            ("vector_norm", "linalg_vector_norm"),
            ("matmul", "matmul"),
        )
    },
}


def _dtype_error(name: str, result: np.dtype, out: np.dtype, rule: str) -> Exception:
    words = dict(
        result=SCALAR_TYPE_NAMES[result.name],
        out=SCALAR_TYPE_NAMES[out.name],
        c_result=C_TYPE_NAMES[result.name],
        c_out=C_TYPE_NAMES[out.name],
        out_type="CPUBoolType" if out == np.bool_ else f"torch.{SCALAR_TYPE_NAMES[out.name]}Tensor",
        out_int32=result == np.int32,  # searchsorted's flag, seen in the result's dtype
    )
    template = DTYPE_ERRORS.get(name, EXACT_ERROR if rule == EXACT else CAST_ERROR)
    if name in UNCASTABLE_ERRORS and not can_cast(result, out):
        template = UNCASTABLE_ERRORS[name]
    if name == "frexp" and result == np.int32:  # the exponent, of its own words
        template = "torch.frexp() expects exponent to have int dtype but got {c_out}"
    error = TypeError if name in TYPE_ERRORS else RuntimeError
    return error(template.format(**words))


def _check_out(name: str, out) -> None:
    if not isinstance(out, Tensor):
        raise TypeError(
            f"{_c_name(name)}(): argument 'out' must be Tensor, not {type(out).__name__}"
        )
    strides, shape = out._data.strides, out._data.shape
    if builtins.any(s == 0 and n > 1 for s, n in zip(strides, shape)):  # an expanded tensor
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )


def _check_no_grad(name: str, values) -> None:
    """torch refuses to record a graph through out=."""
    if not _state["grad"]:
        return
    for v in values:
        tensors = v if isinstance(v, list | tuple) else (v,)
        if builtins.any(isinstance(t, Tensor) and t._requires_grad for t in tensors):
            raise RuntimeError(
                f"{name}(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad."
            )


def _c_name(name: str) -> str:
    """The name torch's argument parser gives a function: linalg_det for linalg.det."""
    return name.replace(".", "_")


def write(name: str, result: Tensor, out: Tensor, rule: str) -> Tensor:
    """Copy ``result`` into ``out`` under the dtype ``rule``, resizing out as torch does."""
    _check_out(name, out)
    src, dst = result._data, out._data
    if (
        rule == EXACT
        and src.dtype != dst.dtype
        or rule == CAST
        and not can_cast(src.dtype, dst.dtype)
    ):
        raise _dtype_error(name, src.dtype, dst.dtype, rule)
    if src.shape != dst.shape:
        if dst.size and rule != FACTORY:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(dst.shape)}, which does not match the required output shape "
                f"{list(src.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0).",
                UserWarning,
                stacklevel=3,
            )
        out._data = np.empty(src.shape, dst.dtype)
    np.copyto(out._data, src, casting="unsafe")
    out._version.value += 1
    return out


def _with_out_signature(fn, wrapper) -> None:
    """Show ``out=None`` in help(): keyword-only, before any **kwargs."""
    params = list(inspect.signature(fn).parameters.values())
    at = len(params) - (params and params[-1].kind is inspect.Parameter.VAR_KEYWORD)
    params.insert(at, inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
    wrapper.__signature__ = inspect.Signature(params)


def with_out(fn, rule: str, name: str | None = None):
    """``fn`` taking a keyword ``out`` (a tensor, or a tuple of them for the functions that
    return one); ``name`` is its row of the tables above where it is not fn's ("linalg.det")."""
    name = name or fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if name in ("sum", "prod") and len(args) < 2 and "dim" not in kwargs:
            raise TypeError(f"{name}(): out= needs dim: torch has no {name}(input, *, out)")
        if name in ("median", "nanmedian") and len(args) < 2 and "dim" not in kwargs:
            raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
        if name not in NOT_DIFFERENTIABLE:
            _check_no_grad(TORCH_OP_NAMES.get(name, name), (*args, *kwargs.values(), out))
        rule_now, name_now = rule, name
        if rule == OUT_DTYPE:
            _check_out(name, out)
            if name in ("nansum", "nanmean") and out._data.dtype.kind != "f":
                raise kernel_error("nansum_cpu", out._data.dtype)  # torch's nansum.out
            if kwargs.get("dtype") is None:
                kwargs["dtype"] = out.dtype
            rule_now = EXACT  # out's dtype unless another was asked for
        if name == "mean" and len(args) < 2 and "dim" not in kwargs:
            name_now = "mean()"  # another overload, other words
        with no_grad():
            result = fn(*args, **kwargs)
        if isinstance(result, tuple):  # (values, indices): values as the rule says, indices long
            if not isinstance(out, list | tuple) or len(out) != len(result):
                raise TypeError(
                    f"{_c_name(name)}(): argument 'out' must be tuple of {len(result)} Tensors"
                )
            out_type = getattr(return_types, f"{type(result).__name__}_out")  # max -> max_out
            return out_type([write(name, r, o, rule_now) for r, o in zip(result, out)])
        return write(name_now, result, out, rule_now)

    _with_out_signature(fn, wrapper)
    return wrapper


def factory_with_out(fn):
    """A factory (``zeros``, ``arange``, ...) taking ``out``: the new tensor has out's dtype."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        _check_out(name, out)
        _check_no_grad(f"aten::{name}", (out,))
        dtype = kwargs.get("dtype")
        if dtype is None:
            kwargs["dtype"] = out.dtype
        elif _dtype.to_numpy_dtype(dtype) != out._data.dtype:
            wanted, have = (
                SCALAR_TYPE_NAMES[d.name] for d in (_dtype.to_numpy_dtype(dtype), out._data.dtype)
            )
            raise RuntimeError(f"dtype {wanted} does not match dtype of out parameter ({have})")
        result = fn(*args, **kwargs)
        if name == "arange" and result._data.size != out._data.size and out._data.size:
            warnings.warn(
                f"The number of elements in the out tensor of shape {list(out.shape)} is "
                f"{out._data.size} which does not match the computed number of elements "
                f"{result._data.size}. Note that this may occur as a result of rounding error. "
                f"The out tensor will be resized to a tensor of shape ({result._data.size},).",
                UserWarning,
                stacklevel=2,
            )
        write(name, result.detach(), out, FACTORY)
        if result._requires_grad:
            out.requires_grad_(True)
        return out

    _with_out_signature(fn, wrapper)
    return wrapper


# (the loop below binds any, all, max, ... here: the module's own code says builtins.any)
__all__ = sorted(name for name in RULE if "." not in name)  # (feedforward/linalg wraps its own)
for _name in __all__:
    _rule = RULE[_name]
    if _rule == FACTORY:
        globals()[_name] = factory_with_out(getattr(creation, _name))
    else:  # bernoulli and multinomial live with the other random functions
        source = api if hasattr(api, _name) else creation
        globals()[_name] = with_out(getattr(source, _name), _rule)


def _warned_ger(ger):
    """torch warns that ger is deprecated when it writes into an ``out`` (its ger_out kernel),
    not otherwise."""

    @functools.wraps(ger)
    def wrapper(*args, out=None, **kwargs):
        if out is not None:
            warnings.warn(
                "torch.ger is deprecated and will be removed in a future PyTorch release. Use "
                "torch.outer instead.",
                UserWarning,
                stacklevel=2,
            )
        return ger(*args, out=out, **kwargs)

    return wrapper


ger = _warned_ger(ger)  # noqa: F821  (bound by the loop above)
