"""``out=`` against torch: every function that takes it writes the same values into the given
tensor and returns it, resizes and casts (or refuses a dtype) as torch does, with torch's words,
and refuses inputs that require grad. Adding a function is adding a row."""

from __future__ import annotations

import functools
import inspect
import re
import warnings

import numpy as np
import pytest
import torch

import feedforward as ff
from feedforward.ops import out as out_module

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype(np.float32)  # the usual input
Y = RNG.standard_normal((3, 4)).astype(np.float32)
P = np.abs(X) + 0.1  # positive
U = 1 / (1 + np.exp(-X))  # in (0, 1)
M = RNG.standard_normal((4, 5)).astype(np.float32)
V = RNG.standard_normal(4).astype(np.float32)
I = RNG.integers(0, 3, (3, 4))  # int64, also a valid index along dim 1  # noqa: E741
B = X > 0
SQ = RNG.standard_normal((3, 3)).astype(np.float32)  # square
SPD = (SQ @ SQ.T + 3 * np.eye(3)).astype(np.float32)  # symmetric positive-definite

# (function, its arguments): NumPy arrays become tensors of each library, lists of them lists
ROWS = [
    *[(name, (X,)) for name in "abs neg exp sin cos tanh sinh cosh sigmoid square".split()],
    *[(name, (X,)) for name in "sign floor ceil round trunc frac reciprocal expm1".split()],
    *[(name, (P,)) for name in "log log2 log10 log1p sqrt rsqrt".split()],
    ("nan_to_num", (X,)),
    *[(name, (X, Y)) for name in "add sub mul div true_divide remainder fmod atan2".split()],
    *[(name, (X, Y)) for name in "maximum minimum floor_divide".split()],
    ("pow", (P, Y)),
    ("xlogy", (P, P)),
    ("lerp", (X, Y, 0.3)),
    ("addcmul", (X, X, Y)),
    ("addcdiv", (X, X, P)),
    ("clamp", (X, -0.5, 0.5)),
    ("clip", (X, -0.5, 0.5)),
    ("clamp_min", (X, 0.0)),
    ("clamp_max", (X, 0.0)),
    *[(name, (X, Y)) for name in "eq ne lt le gt ge greater less greater_equal".split()],
    *[(name, (X, Y)) for name in "less_equal not_equal".split()],
    *[(name, (B, B)) for name in "logical_and logical_or logical_xor".split()],
    ("logical_not", (B,)),
    *[(name, (I, I)) for name in "bitwise_and bitwise_or bitwise_xor".split()],
    ("bitwise_not", (I,)),
    ("isin", (I, np.array([0, 2]))),
    ("where", (B, X, Y)),
    *[(name, (X, 1)) for name in "sum mean prod amax amin argmax argmin std var".split()],
    *[(name, (X, 1)) for name in "logsumexp cumsum cumprod nansum nanmean".split()],
    ("sum", (X,)),
    ("mean", (X,)),
    ("all", (B, 1)),
    ("any", (B, 1)),
    ("norm", (X,)),
    ("softmax", (X, 1)),
    ("log_softmax", (X, 1)),
    ("matmul", (X, M)),
    ("mm", (X, M)),
    ("bmm", (X[None], M[None])),
    ("mv", (M.T.copy(), V)),
    ("dot", (V, V)),
    ("outer", (V, V)),
    ("ger", (V, V)),
    ("addmv", (V[:3].copy(), X, V)),
    ("addr", (X, V[:3].copy(), V)),
    ("addbmm", (RNG.standard_normal(5).astype(np.float32), X[None], M[None])),
    ("baddbmm", (RNG.standard_normal((1, 3, 5)).astype(np.float32), X[None], M[None])),
    ("renorm", (X, 2, 0, 1.0)),
    ("bitwise_left_shift", (I, I)),
    ("bitwise_right_shift", (I, 1)),
    ("slice_scatter", (X, Y[:2], 0, 1)),
    ("index_reduce", (X, 0, np.array([0, 2, 0]), Y, "amax")),
    ("frexp", (X,)),
    ("angle", (X,)),
    ("addmm", (RNG.standard_normal((3, 5)).astype(np.float32), X, M)),
    *[(name, ([X, Y],)) for name in "cat concat concatenate stack hstack vstack".split()],
    ("gather", (X, 1, I)),
    ("index_select", (X, 1, np.array([0, 2]))),
    ("take_along_dim", (X, I, 1)),
    ("scatter", (X, 1, I, Y)),
    ("scatter", (X, 1, I, 2.5)),
    ("scatter_add", (X, 1, I, Y)),
    ("scatter_reduce", (X, 1, I, Y, "sum")),
    ("scatter_reduce", (X, 1, I, Y, "amin")),
    ("masked_select", (X, B)),
    ("take", (X, np.array([0, 5]))),
    ("nonzero", (X,)),
    ("tril", (X,)),
    ("triu", (X,)),
    ("diag", (M,)),
    ("max", (X, 1)),
    ("min", (X, 1)),
    ("median", (X, 1)),
    ("sort", (X,)),
    ("topk", (X, 2)),
    ("cummax", (X, 1)),
    *[(name, (X, Y)) for name in "divide multiply".split()],
    *[(name, (X,)) for name in "negative fix".split()],
    ("cummin", (X, 0)),
    ("histc", (X, 5, -1, 1)),
    ("searchsorted", (np.sort(X, axis=1), Y)),
    ("bucketize", (X, np.sort(V))),
    *[(name, (X,)) for name in "tan atan asinh arctan arcsinh erf erfc exp2 sinc sgn".split()],
    *[(name, (U,)) for name in "asin acos atanh arcsin arccos arctanh erfinv logit".split()],
    *[(name, (P + 1,)) for name in "acosh arccosh".split()],
    *[(name, (X,)) for name in "deg2rad rad2deg absolute signbit isneginf isposinf".split()],
    ("logit", (X, 0.1)),
    *[(name, (X, Y)) for name in "arctan2 hypot logaddexp logaddexp2 fmax fmin".split()],
    *[(name, (X, Y)) for name in "subtract copysign nextafter heaviside".split()],
    ("float_power", (P, Y)),
    ("ldexp", (X, Y)),  # (an integer exponent: test_ldexp_out_with_an_integer_exponent)
    ("gcd", (I, I)),
    ("lcm", (I, I)),
    ("kthvalue", (X, 2, 1)),
    ("mode", (np.round(X), 1)),
    ("nanmedian", (X, 1)),
    ("quantile", (X, 0.3, 1)),
    ("quantile", (X, np.array([0.2, 0.9], np.float32))),
    ("nanquantile", (X, 0.5)),
    ("aminmax", (X,)),
    ("logcumsumexp", (X, 1)),
    ("msort", (X,)),
    ("histogram", (X, 5)),
    ("histogram", (X, np.array([-1, 0, 2], np.float32))),
    ("diff", (X,)),
    *[(name, ([X, Y],)) for name in "column_stack row_stack dstack".split()],
    ("kron", (X, Y)),
    ("tensordot", (X, M, 1)),
    ("inner", (X, Y)),
    ("vdot", (V, V)),
    ("cross", (X[:, :3].copy(), Y[:, :3].copy(), 1)),
    ("index_add", (X, 1, np.array([0, 2]), Y[:, :2].copy())),
    ("index_copy", (X, 1, np.array([3, 0]), Y[:, :2].copy())),
    ("inverse", (SQ,)),
    ("matrix_power", (SQ, 3)),
    ("slogdet", (SQ,)),
    ("svd", (X,)),
    *[(f"linalg.{name}", (SQ,)) for name in "det slogdet inv".split()],
    *[(f"linalg.{name}", (SPD,)) for name in "cholesky eigh eigvalsh".split()],
    *[(f"linalg.{name}", (X,)) for name in "qr svd svdvals pinv matrix_rank".split()],
    *[(f"linalg.{name}", (X,)) for name in "vector_norm matrix_norm norm".split()],
    ("linalg.solve", (SQ, X)),
    ("linalg.lstsq", (SQ, X)),
    ("linalg.matrix_power", (SQ, 2)),
    ("linalg.multi_dot", ([X, M],)),
    ("linalg.cross", (SQ, SPD)),
    ("linalg.vecdot", (X, Y)),
    ("linalg.matmul", (X, M)),
]
RANDOM = {"bernoulli", "multinomial"}  # shapes and dtypes only
ROWS += [("bernoulli", (np.full((3, 4), 0.5, np.float32),)), ("multinomial", (P, 2))]
# torch's functions that take no out=
NO_OUT = [(name, (X,)) for name in "relu isnan isinf isfinite flatten t".split()] + [
    ("transpose", (X, 0, 1)),
    ("squeeze", (X,)),
    ("unsqueeze", (X, 0)),
    ("flip", (X, [0])),
    ("roll", (X, 1, 0)),
    ("tile", (X, (2,))),
    ("repeat_interleave", (X, 2)),
    ("masked_fill", (X, B, 0.0)),
    ("diagonal", (M,)),
    ("var_mean", (X, 1)),
    ("isreal", (X,)),
    ("dist", (X, Y)),
    ("select_scatter", (X, V[:3].copy(), 1, 0)),
    ("diagonal_scatter", (X, V[:3].copy())),
    ("split_with_sizes", (X, [1, 2])),
    ("positive", (X,)),
    ("bincount", (I[0],)),
    ("cov", (X,)),
    ("corrcoef", (X,)),
    ("unique_consecutive", (I,)),
    *[(name, (X,)) for name in "clone fliplr flipud rot90 diag_embed diagflat trapezoid".split()],
    *[(name, (V,)) for name in "cumulative_trapezoid vander combinations atleast_2d".split()],
    ("masked_scatter", (X, B, Y)),
    ("block_diag", (X, V)),
    *[(name, (SQ,)) for name in "det logdet pinverse linalg.diagonal".split()],
]
FACTORIES = [
    ("zeros", (3,)),
    ("ones", (2, 3)),
    ("empty", (3,)),
    ("full", ((3,), 2.0)),
    ("arange", (3,)),
    ("linspace", (0, 1, 5)),
    ("logspace", (0, 1, 5)),
    ("eye", (3,)),
    ("rand", (3,)),
    ("randn", (3,)),
    ("randint", (5, (3,))),
    ("randperm", (4,)),
]
ids = [name for name, _ in ROWS]


def function(lib, name: str):
    """lib's function of that name, which may be a path: "linalg.det"."""
    return functools.reduce(getattr, name.split("."), lib)


def convert(lib, args, requires_grad: bool = False):
    def one(a):
        if isinstance(a, np.ndarray):
            grad = requires_grad and a.dtype.kind == "f"
            return lib.tensor(a, requires_grad=grad)
        if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
            return [one(x) for x in a]
        return a

    return [one(a) for a in args]


def empty_like(lib, result, dtype=None, shape=None):
    """An uninitialised out for ``result`` (a tensor or a tuple of them)."""
    if isinstance(result, tuple):
        return tuple(
            empty_like(lib, r, dtype if i == 0 else None, shape) for i, r in enumerate(result)
        )
    return lib.empty(result.shape if shape is None else shape, dtype=dtype or result.dtype)


def flat(result) -> list:
    return list(result) if isinstance(result, tuple) else [result]


def outcome(lib, name, args, kwargs=None, **out_options):
    """What ``name(*args, **kwargs, out=...)`` does: ("ok", [(dtype name, values)]) or ("error",
    type, message), with the warnings it gave."""
    fn = functools.partial(function(lib, name), **(kwargs or {}))
    lib.manual_seed(0)
    result = fn(*convert(lib, args))
    out = empty_like(lib, result, **out_options)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            returned = fn(*convert(lib, args), out=out)
        except Exception as e:  # noqa: BLE001  (the outcome is compared with torch's)
            return ("error", type(e).__name__, str(e)), []
    messages = [re.sub(r" \(Triggered internally at .*\)$", "", str(w.message)) for w in caught]
    for r, o in zip(flat(returned), flat(out)):
        assert r is o, f"{name} returned another tensor than out"
    values = [(str(o.dtype).split(".")[-1], o.numpy()) for o in flat(out)]
    return ("ok", values), messages


def assert_same_outcome(name, ours, theirs, compare_values: bool = True):
    (mine, my_warnings), (its, its_warnings) = ours, theirs
    assert mine[0] == its[0], f"{name}: ff {mine}, torch {its}"
    assert my_warnings == its_warnings, name
    if mine[0] == "error":  # (torch's TypeErrors list its overloads: the type is enough)
        assert mine[1:] == its[1:] or mine[1] == its[1] == "TypeError", f"{name}: {mine} {its}"
        return
    for (my_dtype, my_values), (its_dtype, its_values) in zip(mine[1], its[1]):
        assert my_dtype == its_dtype, name
        assert my_values.shape == its_values.shape, name
        if compare_values:
            np.testing.assert_allclose(my_values, its_values, rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("name,args", ROWS, ids=ids)
def test_out_holds_the_result(name, args):
    theirs = outcome(torch, name, args)
    ours = outcome(ff, name, args)
    assert_same_outcome(name, ours, theirs, compare_values=name not in RANDOM)
    if name not in RANDOM and ours[0][0] == "ok":  # and it equals the result without out=
        plain = flat(function(ff, name)(*convert(ff, args)))
        for (_, values), p in zip(ours[0][1], plain):
            np.testing.assert_array_equal(values, p.numpy())


TUPLE_RESULTS = [
    row
    for row in ROWS
    if row[0].split(".")[-1]
    in """max min median sort topk cummax cummin kthvalue mode nanmedian aminmax histogram slogdet
    svd qr eigh lstsq""".split()
]


@pytest.mark.parametrize("name,args", TUPLE_RESULTS, ids=[row[0] for row in TUPLE_RESULTS])
def test_a_tuple_result_with_out_is_torchs_out_type(name, args):
    """torch.max(x, 1, out=(v, i)) gives a torch.return_types.max_out (without out=, a max):
    the same fields, holding the out tensors, printed with the fields' names as torch's."""
    seen = {}
    for lib in (ff, torch):
        plain = function(lib, name)(*convert(lib, args))
        out = empty_like(lib, plain)
        with_out = function(lib, name)(*convert(lib, args), out=out)
        assert all(result is given for result, given in zip(with_out, out, strict=True))
        lines = repr(with_out).replace(lib.__name__ + ".", "").splitlines()
        printed = [lines[0]] + [
            line.split("=")[0] for line in lines if re.match(r"\w+=tensor", line)
        ]
        seen[lib] = type(plain).__name__, type(with_out).__name__, type(with_out).__match_args__
        seen[lib] += (type(plain).__match_args__, printed)
    assert seen[ff] == seen[torch]
    assert seen[ff][1] == seen[ff][0] + "_out" and seen[ff][2] == seen[ff][3]


def test_median_and_nanmedian_with_out_need_dim_as_torch():
    for lib in (ff, torch):
        for name in ("median", "nanmedian"):
            with pytest.raises(TypeError, match='missing 1 required positional arguments: "dim"'):
                getattr(lib, name)(lib.ones(3), out=lib.empty(0))


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
@pytest.mark.parametrize("name", ["searchsorted", "bucketize"])
def test_out_int32_with_out_as_torch(name, dtype):
    """out_int32=True wants an int32 out, False an int64 one: torch's message names the flag."""
    args = (np.sort(V), X) if name == "searchsorted" else (X, np.sort(V))
    for flag in (False, True):
        ours, theirs = (
            outcome(lib, name, args, {"out_int32": flag}, dtype=getattr(lib, dtype))
            for lib in (ff, torch)
        )
        assert_same_outcome(name, ours, theirs)


@pytest.mark.parametrize("dtype", ["float64", "int64", "bool", "int32"])
@pytest.mark.parametrize("name,args", ROWS, ids=ids)
def test_out_dtype_cast_or_refused_as_torch(name, args, dtype):
    theirs = outcome(torch, name, args, dtype=getattr(torch, dtype))
    ours = outcome(ff, name, args, dtype=getattr(ff, dtype))
    assert_same_outcome(name, ours, theirs, compare_values=name not in RANDOM)


@pytest.mark.parametrize("shape", [(0,), (7,), (2, 2, 2)])
@pytest.mark.parametrize("name,args", [r for r in ROWS if r[0] in ("add", "sum", "max", "mm")])
def test_out_of_another_shape_is_resized_as_torch(name, args, shape):
    theirs = outcome(torch, name, args, shape=shape)
    ours = outcome(ff, name, args, shape=shape)
    assert_same_outcome(name, ours, theirs)


@pytest.mark.parametrize(
    "name,args",
    [r for r in ROWS if r[0] not in RANDOM],
    ids=[r[0] for r in ROWS if r[0] not in RANDOM],
)
def test_out_refuses_inputs_that_require_grad_as_torch(name, args):
    """Where a gradient could flow; and without grad mode, it writes."""
    outcomes = []
    for lib in (torch, ff):
        fn = function(lib, name)
        out = empty_like(lib, fn(*convert(lib, args)))
        try:
            fn(*convert(lib, args, requires_grad=True), out=out)
            outcomes.append("ok")
        except (RuntimeError, TypeError) as e:
            outcomes.append((type(e).__name__, str(e)) if type(e) is RuntimeError else "TypeError")
        with lib.no_grad():
            if outcomes[-1] != "TypeError":
                fn(*convert(lib, args, requires_grad=True), out=out)
    assert outcomes[0] == outcomes[1]


def test_out_may_be_an_input_or_a_view():
    for lib in (torch, ff):
        y = lib.ones(2)
        assert lib.mul(y, 2, out=y) is y
        assert y.tolist() == [2.0, 2.0]
        assert (y._version if lib is torch else y._version.value) == 1
        x = lib.ones(4)
        lib.mul(lib.ones(2), 2, out=x[::2])
        assert x.tolist() == [2.0, 1.0, 2.0, 1.0]
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            lib.mul(lib.ones(2), 2, out=lib.ones(1).expand(2))
        leaf = lib.zeros(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.mul(lib.ones(2), 2, out=leaf)


def test_out_is_a_tensor():
    with pytest.raises(TypeError, match="argument 'out' must be Tensor, not list"):
        ff.add(ff.ones(2), 1, out=[1.0, 2.0])


@pytest.mark.parametrize("name,args", NO_OUT, ids=[n for n, _ in NO_OUT])
def test_no_out_where_torch_has_none(name, args):
    for lib in (torch, ff):
        result = function(lib, name)(*convert(lib, args))
        with pytest.raises(TypeError):
            function(lib, name)(*convert(lib, args), out=empty_like(lib, result))


@pytest.mark.parametrize("dtype", [None, "int64", "float64"])
@pytest.mark.parametrize("name,args", FACTORIES, ids=[n for n, _ in FACTORIES])
def test_factory_out_as_torch(name, args, dtype):
    results = []
    for lib in (torch, ff):
        out = lib.empty(2, dtype=getattr(lib, dtype) if dtype else None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                returned = getattr(lib, name)(*args, out=out)
            except Exception as e:  # noqa: BLE001
                results.append(("error", type(e).__name__, str(e)))
                continue
        assert returned is out
        message = [re.sub(r" \(Triggered internally at .*\)$", "", str(w.message)) for w in caught]
        values = None if name in ("empty", "rand", "randn", "randint", "randperm") else out.tolist()
        results.append(("ok", list(out.shape), str(out.dtype).split(".")[-1], message, values))
    assert results[0][:-1] == results[1][:-1]
    if results[0][0] == "ok" and results[0][-1] is not None:
        np.testing.assert_allclose(results[1][-1], results[0][-1], rtol=1e-6)


def test_factory_dtype_must_match_out():
    for lib in (torch, ff):
        with pytest.raises(
            RuntimeError,
            match=re.escape("dtype Double does not match dtype of out parameter (Float)"),
        ):
            lib.zeros(3, out=lib.empty(2), dtype=lib.float64)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.zeros(3, out=lib.empty(2, requires_grad=True))


def test_out_in_the_signature_of_every_function_that_takes_it():
    for name in out_module.RULE:
        parameter = inspect.signature(function(ff, name)).parameters["out"]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default is None
    tested = {n for n, _ in ROWS} | {n for n, _ in FACTORIES}
    assert tested == set(out_module.RULE)


def test_the_tensors_tutorial_lines():
    """The PyTorch "Tensors" tutorial writes products into preallocated tensors."""
    tensor = ff.ones(4, 4)
    tensor[:, 1] = 0
    y3 = ff.rand_like(tensor)
    ff.matmul(tensor, tensor.T, out=y3)
    z3 = ff.rand_like(tensor)
    ff.mul(tensor, tensor, out=z3)
    np.testing.assert_array_equal(y3.numpy(), (tensor @ tensor.T).numpy())
    np.testing.assert_array_equal(z3.numpy(), (tensor * tensor).numpy())


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "int32", "float64"])
def test_ldexp_out_with_an_integer_exponent(dtype):
    """A float input with an integer exponent: out as torch takes it (torch's own words where it
    refuses one), except into another float dtype, where torch 2.13 fails an internal assert of
    its kernel (Loops.h, "needs_dynamic_casting") and ff casts, as out= of a float result does."""
    args = (X, I)
    ours, theirs = (outcome(lib, "ldexp", args, dtype=getattr(lib, dtype)) for lib in (ff, torch))
    if dtype == "float64":
        assert "INTERNAL ASSERT FAILED" in theirs[0][2]
        assert ours[0][0] == "ok"
        np.testing.assert_array_equal(ours[0][1][0][1], np.ldexp(X, I).astype(np.float64))
        return
    assert_same_outcome("ldexp", ours, theirs)


def test_ger_warns_of_its_deprecation_with_out_only_as_torch():
    for lib in (torch, ff):
        v = lib.ones(3)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.ger(v, v)
            assert caught == [], lib.__name__
            lib.ger(v, v, out=lib.empty(3, 3))
        assert [w.category for w in caught] == [UserWarning], lib.__name__
        assert str(caught[0].message).startswith(
            "torch.ger is deprecated and will be removed in a future PyTorch release. Use "
            "torch.outer instead."
        )
