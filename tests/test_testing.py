"""``ff.testing.assert_close`` against ``torch.testing.assert_close``: every row runs through both,
on each library's tensors, and both must pass, or raise the same exception with the same words
(ff's type names read as torch's). Adding a case is adding a row."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import feedforward as ff

NAN, INF = float("nan"), float("inf")
F32 = np.array([1.0, 2.0], np.float32)
F64 = F32.astype(np.float64)
F16 = F32.astype(np.float16)
I64 = np.array([1, 2, 3])
U8 = np.array([1, 2], np.uint8)
BOOL = np.array([True, False])
MATRIX = np.arange(6, dtype=np.float32).reshape(2, 3)


class Raw:
    """An input passed to both functions as it is (a NumPy array stays an array)."""

    def __init__(self, value):
        self.value = value


class Param:
    """A NumPy array made each library's Parameter: a subclass of Tensor that requires grad."""

    def __init__(self, array: np.ndarray):
        self.array = array


def header(message: str) -> str:
    return f"Header\n\n{message}\n\nFooter"


# (actual, expected, keyword arguments): NumPy arrays become tensors of each library
ROWS = [
    # equal, and close within the default tolerances of each dtype
    (F32, F32, {}),
    (F32, F32 + np.float32(1e-6), {}),
    (F32, F32 * np.float32(1 + 1e-6), {}),
    (F64, F64 * (1 + 5e-8), {}),
    (F16, (F32 * (1 + 5e-4)).astype(np.float16), {}),
    # not close
    (F32, F32 + np.float32(1e-4), {}),
    (F32, F32 * np.float32(1 + 1e-5), {}),
    (F32, np.array([1.0, 3.0], np.float32), {}),
    (F64, F64 * (1 + 2e-7), {}),
    (F16, np.array([1.01, 2.0001], np.float16), {}),
    (MATRIX, MATRIX + np.eye(2, 3, 1, dtype=np.float32), {}),
    (np.zeros((3, 4, 5), np.float32), np.ones((3, 4, 5), np.float32), {}),
    (np.zeros(1000, np.float32), np.ones(1000, np.float32), {}),  # ties: the first index
    (np.array([0.0, 1.0], np.float32), np.zeros(2, np.float32), {}),  # relative to 0: inf
    # NaN and inf
    (np.array([1.0, NAN], np.float32), np.array([1.0, NAN], np.float32), {}),
    (np.array([1.0, NAN], np.float32), np.array([1.0, NAN], np.float32), {"equal_nan": True}),
    (np.array([NAN, 1.0], np.float32), np.array([NAN, 2.0], np.float32), {"equal_nan": True}),
    (np.array([1.0, NAN], np.float32), np.array([2.0, 1.0], np.float32), {}),
    (np.array([1.0, INF], np.float32), np.array([1.0, INF], np.float32), {}),
    (np.array([1.0, INF], np.float32), np.array([1.0, -INF], np.float32), {}),
    (np.array([65504.0], np.float16), np.array([INF], np.float16), {}),
    # shape, dtype and stride
    (np.zeros((2, 3), np.float32), np.zeros((3, 2), np.float32), {}),
    (np.zeros((3, 0), np.float32), np.zeros((0, 3), np.float32), {}),
    (F32, F64, {}),
    (F32, F64, {"check_dtype": False}),
    (F32, F64 + 1e-3, {"check_dtype": False}),
    (I64, I64.astype(np.float32), {}),
    (np.array([1, 2]), np.array([1.0, 2.5], np.float32), {"check_dtype": False}),
    (MATRIX, np.asfortranarray(MATRIX), {"check_stride": True}),
    (MATRIX, np.asfortranarray(MATRIX), {}),
    (MATRIX, MATRIX, {"check_device": False, "check_layout": False}),
    # integers and bools: equal, or within explicit tolerances
    (I64, I64, {}),
    (I64, np.array([1, 2, 4]), {}),
    (U8, np.array([3, 1], np.uint8), {}),
    (I64, np.array([1, 2, 4]), {"rtol": 0, "atol": 1}),
    (I64, np.array([1, 2, 5]), {"rtol": 0, "atol": 1}),
    (I64, np.array([1, 2, 5]), {"rtol": 0.1, "atol": 0.5}),
    (U8, np.array([3, 2], np.uint8), {"rtol": 0, "atol": 5}),  # no uint8 wraparound
    (BOOL, BOOL, {}),
    (BOOL, np.array([True, True]), {}),
    (BOOL, np.array([True, True]), {"rtol": 2.0, "atol": 2.0}),
    # explicit tolerances, and only one of them
    (F32, F32 + np.float32(1e-3), {"rtol": 0.0, "atol": 1e-2}),
    (F32, F32 + np.float32(1e-3), {"rtol": 1e-4, "atol": 1e-5}),
    (F32, F32 + np.float32(1e-3), {"rtol": 0, "atol": 0}),
    (F32, F32, {"rtol": 1e-3}),
    (F32, F32, {"atol": 1e-3}),
    (1.0, 2.0, {"atol": 1e-3}),
    # 0-dim and empty tensors
    (np.array(1.0, np.float32), np.array(1.0, np.float32), {}),
    (np.array(1.0, np.float32), np.array(2.0, np.float32), {}),
    (np.array(1), np.array(2), {}),
    (np.array(True), np.array(False), {}),
    (np.array(3, np.uint8), np.array(1, np.uint8), {}),
    (np.array(1), np.array(1.5, np.float32), {"check_dtype": False}),
    (np.zeros(0, np.float32), np.zeros(0, np.float32), {}),
    (np.zeros((3, 0), np.float32), np.zeros((3, 0), np.float32), {}),
    # Python numbers, NumPy scalars, bools and None
    (1, 1, {}),
    (1, 2, {}),
    (1.0, 1.1, {}),
    (0.0, 1e-9, {}),
    (1.0, 0.0, {}),
    (1, 1.0, {}),
    (1, 1.0, {"check_dtype": False}),
    (1, 3, {"rtol": 0, "atol": 1}),
    (2.0, 3.0, {"rtol": 0.5, "atol": 0}),
    (NAN, NAN, {}),
    (NAN, NAN, {"equal_nan": True}),
    (INF, INF, {}),
    (INF, -INF, {}),
    (1 + 1j, 1 + 2j, {}),
    (np.float32(1.0), np.float32(1.1), {}),
    (np.float32(1.0), 1.0, {}),
    (np.int64(1), 1, {}),
    (True, True, {}),
    (True, False, {}),
    (np.bool_(True), False, {}),
    (None, None, {}),
    (None, 1, {}),
    (1, None, {}),
    # NumPy arrays as they are, and inputs no comparison handles
    (Raw(F64), Raw(F64), {}),
    (Raw(F64), Raw(np.array([1.0, 3.0])), {}),
    (Raw(F64), Raw(I64[:2]), {}),
    (Raw(F64), F64, {}),
    (Raw(F64[::2]), Raw(F64[:1]), {"check_stride": True}),
    (Raw(F64), [1.0, 2.0], {}),
    (F32, [1.0, 2.0], {}),
    (np.array(1), 1, {}),
    (Raw(np.float64(1.0)), np.array(1.0), {}),
    ("a", "a", {}),
    (Raw({1}), Raw({1}), {}),
    # tensors that require grad, and subclasses
    (Param(F32), np.array([1.0, 3.0], np.float32), {}),
    (Param(F32), F32, {}),
    (Param(F32), F32, {"allow_subclasses": False}),
    # sequences and mappings
    ([1, 2], [1, 2], {}),
    ([1, 2], (1, 2), {}),
    ([1, 2], [1, 2, 3], {}),
    ([F32, 1], [F32, 2], {}),
    ([1, F32], [1, np.array([1.0, 3.0], np.float32)], {}),
    ([[1], [2, 3]], [[1], [2, 4]], {}),
    ([F32, "x"], [np.array([1.0, 3.0], np.float32), "x"], {}),  # the TypeError comes first
    ([F32, F32], [F32 + 1, F32, 3], {}),
    ({"a": F32, "b": 1.0}, {"a": F32, "b": 1.0}, {}),
    ({"a": 1}, {"b": 1, "c": 2}, {}),
    ({"a": [1, 2]}, {"a": [1, 3]}, {}),
    ({"b": F32, "a": 1}, {"b": F32 + 1, "a": 2}, {}),  # the first failure in sorted order
    ({1: 2, "a": 1}, {1: 2, "b": 1}, {}),
    ({3: np.array(1.0), 1: np.array(2.0)}, {3: np.array(1.0), 1: np.array(3.0)}, {}),
    (b"ab", b"ac", {}),
    ([F32, F32], [F32, F32], {"rtol": 1e-3}),
    # msg: a string replaces the message, a callable rewrites it (not for structure errors)
    (F32, np.array([1.0, 3.0], np.float32), {"msg": "Argh, the tensors are not close!"}),
    (F32, np.array([1.0, 3.0], np.float32), {"msg": header}),
    ([F32], [np.array([1.0, 3.0], np.float32)], {"msg": "x"}),
    ([F32], [np.array([1.0, 3.0], np.float32)], {"msg": header}),
    ([1.0, 2.0], [1.0, 3.0, 4.0], {"msg": "x"}),
    ([1.0, 2.0], [1.0, 3.0], {"msg": header, "atol": 1e-3}),
    ((1, 2), (1, 3), {"msg": lambda m: 5}),
    ((1, 2), (1, 3), {"msg": 5}),
    (1, 1.0, {"msg": header}),
    (np.zeros(2, np.float32), np.zeros(3, np.float32), {"msg": "shapes"}),
]


def convert(lib, value):
    """A row's input as ``lib`` (torch or ff) takes it."""
    if isinstance(value, Raw):
        return value.value
    if isinstance(value, Param):
        return lib.nn.Parameter(lib.from_numpy(value.array.copy()))
    if isinstance(value, np.ndarray):
        return lib.from_numpy(value.copy())
    if isinstance(value, list | tuple):
        return type(value)(convert(lib, v) for v in value)
    if isinstance(value, dict):
        return {k: convert(lib, v) for k, v in value.items()}
    return value


def as_torch_says(message: str) -> str:
    """ff's type names (classes, dtypes, Size) as torch spells them."""
    for ours, theirs in [
        ("feedforward.", "torch."),
    ]:
        message = message.replace(ours, theirs)
    return message


def outcome(function, actual, expected, kwargs):
    """None if ``function`` passes, else the exception's type and message."""
    try:
        function(actual, expected, **kwargs)
    except Exception as error:
        return type(error), as_torch_says(str(error))
    return None


@pytest.mark.parametrize("actual, expected, kwargs", ROWS)
def test_assert_close_as_torch(actual, expected, kwargs):
    theirs = outcome(
        torch.testing.assert_close, convert(torch, actual), convert(torch, expected), kwargs
    )
    ours = outcome(ff.testing.assert_close, convert(ff, actual), convert(ff, expected), kwargs)
    assert ours == theirs


def test_the_rows_cover_passes_and_failures():
    kinds = [
        outcome(torch.testing.assert_close, convert(torch, a), convert(torch, e), kw)
        for a, e, kw in ROWS
    ]
    kinds = {None if k is None else k[0] for k in kinds}
    assert kinds == {None, AssertionError, TypeError, ValueError}


def test_tolerance_edges_as_torch():
    """Elements a few ulps either side of ``atol + rtol * |expected|``, in each float dtype
    (float16 rounds as torch's CPU kernels do), are close exactly where torch says so."""
    rng = np.random.default_rng(0)
    for dtype in (np.float16, np.float32, np.float64):
        x = rng.standard_normal(4000).astype(dtype)
        ulps = rng.integers(-30, 30, x.shape)
        y = x * (1 + ulps * np.finfo(dtype).eps / 8) + rng.choice([0, 1e-5, -1e-5], x.shape)
        y = y.astype(dtype)
        for i in range(0, x.size, 400):  # 10 chunks: mismatches (and messages) differ
            a, e = x[i : i + 400], y[i : i + 400]
            theirs = outcome(torch.testing.assert_close, torch.tensor(a), torch.tensor(e), {})
            assert outcome(ff.testing.assert_close, ff.tensor(a), ff.tensor(e), {}) == theirs


def test_bool_against_int_is_a_runtime_error_as_in_torch():
    """torch's assert_close fails on a bool against an int with a RuntimeError (a bool has no
    dtype among numbers); ff raises the same type, with its own words."""
    for actual, expected in [(True, 1), (1, True), (False, 0.0)]:
        with pytest.raises(RuntimeError):
            torch.testing.assert_close(actual, expected)
        with pytest.raises(RuntimeError, match="bools are compared with bools"):
            ff.testing.assert_close(actual, expected)


def test_negative_tolerance_is_torch_isclose_error():
    """torch wraps isclose's RuntimeError in a report of its internals; ff raises isclose's."""
    for rtol, atol in [(-1.0, 0.0), (0.0, -1.0), (-1e-7, -1.0)]:
        with pytest.raises(RuntimeError) as theirs:
            torch.testing.assert_close(torch.ones(2), torch.ones(2), rtol=rtol, atol=atol)
        with pytest.raises(RuntimeError) as ours:
            ff.testing.assert_close(ff.ones(2), ff.ones(2), rtol=rtol, atol=atol)
        assert str(ours.value) == str(theirs.value.__cause__)


ALLCLOSE_ROWS = [
    (F32, F32 * np.float32(1 + 5e-5), {}),  # within its looser float32 tolerance
    (F32, F32 * np.float32(1 + 5e-4), {}),
    (np.array([1.0, NAN], np.float32), np.array([1.0, NAN], np.float32), {}),  # NaNs equal
    (F32, F64, {}),  # dtypes may differ
    (Raw([1.0, 2.0]), Raw([1.0, 2.5]), {}),  # lists become tensors
    (F32, Raw([1.0, 2.0]), {}),
    (F32, np.array([1.0, 3.0], np.float32), {"msg": "custom"}),
    (F32, F32, {"rtol": 1e-3}),
]


@pytest.mark.parametrize("actual, expected, kwargs", ALLCLOSE_ROWS)
def test_deprecated_assert_allclose_as_torch(actual, expected, kwargs):
    outcomes, categories = [], []
    for lib in (torch, ff):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            a, e = convert(lib, actual), convert(lib, expected)
            outcomes.append(outcome(lib.testing.assert_allclose, a, e, kwargs))
        categories.append([(w.category, as_torch_says(str(w.message))) for w in caught])
    assert outcomes[0] == outcomes[1]
    assert categories[0] == categories[1]


def test_ff_testing_offers_torch_testing_names():
    assert set(ff.testing.__all__) <= set(dir(torch.testing))
    assert all(hasattr(ff.testing, name) for name in ff.testing.__all__)


# ---------------------------------------------------------------- make_tensor

MAKE_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
# (low, high) rows: defaults, narrow, beyond the dtype (clamped), fractional (ints round up)
MAKE_RANGES = [(None, None), (-2, 3), (-1e30, 1e30), (0.5, 4.5), (None, 0), (3, None)]


def range_outcome(lib, dtype, low, high):
    """What make_tensor does with these bounds: its error, or the interval its values lie in
    (checked on many draws) and what it warns."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t = lib.testing.make_tensor(
                4000, dtype=getattr(lib, dtype), device="cpu", low=low, high=high
            )
        except (ValueError, TypeError, OverflowError, RuntimeError) as e:
            return ("raises", type(e), str(e).replace("torch.", "feedforward.")), []
    values = t.numpy().astype("float64")
    warned = [(w.category, str(w.message)) for w in caught]
    return (
        "values",
        str(t.dtype).split(".")[-1],
        tuple(t.shape),
        values.min(),
        values.max(),
    ), warned


@pytest.mark.parametrize("dtype", MAKE_DTYPES)
@pytest.mark.parametrize("low,high", MAKE_RANGES)
def test_make_tensor_bounds_and_errors_as_torch(dtype, low, high):
    (f, f_warned), (t, t_warned) = (range_outcome(lib, dtype, low, high) for lib in (ff, torch))
    assert f_warned == t_warned
    assert f[0] == t[0], (f, t)
    if f[0] == "raises":
        assert f == t
        return
    assert f[1:3] == t[1:3]  # dtype and shape
    f_min, f_max, t_min, t_max = f[3], f[4], t[3], t[4]
    # the same interval: both libraries' 4000 draws fill it (a few integers: each is drawn)
    span = t_max - t_min
    exact = dtype == "bool" or (dtype.startswith(("int", "uint")) and span <= 20)
    slack = 0 if exact else 0.02 * span
    assert abs(f_min - t_min) <= slack and abs(f_max - t_max) <= slack, (f, t)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(low=float("nan")),
        dict(low=3, high=2),
        dict(low=2.0, high=2.0),  # floats: a FutureWarning, then a constant tensor
        dict(requires_grad=True, dtype="int32"),
        dict(noncontiguous=True, memory_format="contiguous_format"),
        dict(low=300, dtype="uint8"),  # beyond the dtype's range
        dict(dtype=int),
    ],
)
def test_make_tensor_errors_as_torch(kwargs):
    outcomes = []
    for lib in (ff, torch):
        args = dict(dtype="float32", device="cpu") | kwargs
        if isinstance(args["dtype"], str):
            args["dtype"] = getattr(lib, args["dtype"])
        if "memory_format" in args:
            args["memory_format"] = getattr(torch, args["memory_format"])  # any non-None value
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                t = lib.testing.make_tensor(2, 3, **args)
                outcome = ("ok", t.numpy().tolist())
            except (ValueError, TypeError) as e:
                outcome = (type(e), str(e).replace("torch.", "feedforward."))
        outcomes.append((outcome, [(w.category, str(w.message)) for w in caught]))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("dtype", ["int64", "float32", "float64"])
def test_make_tensor_options_as_torch(dtype):
    for lib in (ff, torch):
        dt = getattr(lib, dtype)
        t = lib.testing.make_tensor((3, 4), dtype=dt, device="cpu", noncontiguous=True)
        assert t.shape == (3, 4) and not t.is_contiguous() and t.dtype == dt and t.is_leaf
        one = lib.testing.make_tensor([1], dtype=dt, device="cpu", noncontiguous=True)
        assert one.is_contiguous()  # one element: nothing to skip
        z = lib.testing.make_tensor(2000, dtype=dt, device="cpu", low=-1, high=1, exclude_zero=True)
        assert (z != 0).all()
        if dtype != "int64":
            g = lib.testing.make_tensor(2, 2, dtype=dt, device="cpu", requires_grad=True)
            assert g.requires_grad and g.is_leaf and g.grad_fn is None
            g.sum().backward()
            assert g.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]
        e = lib.testing.make_tensor((), dtype=dt, device="cpu")
        assert e.shape == () and lib.testing.make_tensor(0, 3, dtype=dt, device="cpu").shape == (
            0,
            3,
        )


def test_make_tensor_is_reproducible_with_the_seed():
    ff.manual_seed(5)
    a = ff.testing.make_tensor(10, dtype=ff.float32, device="cpu")
    ff.manual_seed(5)
    b = ff.testing.make_tensor(10, dtype=ff.float32, device="cpu")
    assert a.tolist() == b.tolist()
    with pytest.raises(RuntimeError):
        ff.testing.make_tensor(2, dtype=ff.float32, device="cuda")
