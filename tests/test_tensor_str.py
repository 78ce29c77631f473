"""feedforward._tensor_str.format_tensor must print exactly what torch's repr prints."""

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from feedforward._tensor_str import format_tensor, get_printoptions, printoptions, set_printoptions

nan, inf = math.nan, math.inf


@pytest.fixture(autouse=True)
def _default_options():
    """Every test starts and ends with both libraries at their default print options."""
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)


def torch_suffixes(t: torch.Tensor) -> list[str]:
    """The autograd items torch appends, which feedforward's Tensor passes in as suffixes."""
    if t.grad_fn is not None:
        return [f"grad_fn=<{type(t.grad_fn).__name__}>"]
    return ["requires_grad=True"] if t.requires_grad else []


def expected(t: torch.Tensor) -> str:
    return repr(t).replace("torch.", "feedforward.")


def ours(t: torch.Tensor, default_float: str = "float32") -> str:
    return format_tensor(
        t.detach().numpy(),
        dtype_name=str(t.dtype).removeprefix("torch."),
        suffixes=torch_suffixes(t),
        default_float=default_float,
    )


def assert_same(t: torch.Tensor, default_float: str = "float32") -> None:
    assert ours(t, default_float) == expected(t)


def both_options(**kwargs) -> None:
    torch.set_printoptions(**kwargs)
    set_printoptions(**kwargs)


def f64(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


torch.manual_seed(0)
CASES = {
    # scalars
    "scalar float": torch.tensor(1.0960),
    "scalar int-valued float": torch.tensor(3.0),
    "scalar tiny": torch.tensor(1e-5),
    "scalar huge": torch.tensor(3e12),
    "scalar zero": torch.tensor(0.0),
    "scalar neg zero": torch.tensor(-0.0),
    "scalar nan": torch.tensor(nan),
    "scalar -inf": torch.tensor(-inf),
    "scalar int64": torch.tensor(7),
    "scalar int32": torch.tensor(-7, dtype=torch.int32),
    "scalar bool": torch.tensor(True),
    "scalar float64": f64(2.5),
    "scalar float16": torch.tensor(0.1, dtype=torch.float16),
    # 1-D
    "ints as floats": torch.tensor([1.0, 2.0, -3.0]),
    "fixed": torch.tensor([1.5, -2.25, 100.125]),
    "rounds up to wider": torch.tensor([9.99996, 1.0]),
    "sci small": torch.tensor([1e-5, 1.0]),
    "sci ratio": torch.tensor([0.5, 600.0]),
    "sci big": torch.tensor([1.5e8, 2.0]),
    "exactly 1e8": torch.tensor([1e8, 2e8]),
    "ratio exactly 1000": torch.tensor([1.0, 1000.0]),
    "below 1e-4": torch.tensor([9e-5, 1e-4]),
    "nan inf mix": torch.tensor([nan, inf, -inf, 1.5]),
    "nan inf int mode": torch.tensor([nan, -inf, 1.0, 20.0]),
    "nan inf sci": torch.tensor([nan, inf, 1e-7, 3.0]),
    "only zeros": torch.zeros(4),
    "only nonfinite": torch.tensor([nan, inf, -inf]),
    "neg zero int mode": torch.tensor([-0.0, 1.0]),
    "neg zero fixed": torch.tensor([-0.0, 1.5]),
    "negative rounds to zero": torch.tensor([-0.00004, 0.5]),
    "mixed width ints": torch.tensor([1, -200, 30000, 4]),
    "int8": torch.tensor([-128, 0, 127], dtype=torch.int8),
    "int16": torch.tensor([-300, 5], dtype=torch.int16),
    "uint8": torch.tensor([0, 255, 7], dtype=torch.uint8),
    "int64 extremes": torch.tensor([-(2**63), 2**63 - 1]),
    "bools": torch.tensor([True, False, True]),
    "float16 vector": torch.tensor([0.1, 1000.0, -2.5], dtype=torch.float16),
    "float64 vector": f64([1.0, 2.0]),
    "float64 precise": f64([1 / 3, 2 / 3]),
    "large float32 magnitudes": torch.tensor([3.4e38, -1e-38]),
    "large float64 magnitudes": f64([1e300, 1e-300, -5e-324]),
    "wraps at 80": torch.arange(40.0) * 1.5,
    "wraps ints": torch.arange(-50, 50),
    "wraps bools": torch.arange(30) % 3 == 0,
    "wraps sci": torch.logspace(-10, 10, 25),
    # n-D
    "matrix": torch.randn(3, 4),
    "wide matrix": torch.randn(3, 20),
    "3-D": torch.randn(2, 3, 4),
    "4-D ints": torch.arange(120).reshape(2, 3, 4, 5),
    "4-D float64": torch.randn(2, 2, 2, 2, dtype=torch.float64),
    "column": torch.randn(5, 1),
    "matrix bools": torch.randn(3, 3) > 0,
    "matrix int32": torch.arange(12, dtype=torch.int32).reshape(3, 4),
    # empty
    "empty": torch.tensor([]),
    "empty int64": torch.tensor([], dtype=torch.int64),
    "empty bool": torch.tensor([], dtype=torch.bool),
    "empty float64": torch.empty(0, dtype=torch.float64),
    "empty 2x0": torch.empty(2, 0),
    "empty 0x3 int32": torch.empty(0, 3, dtype=torch.int32),
    "empty 3-D": torch.empty(1, 0, 2),
    # summarised (numel > 1000)
    "summary 1-D": torch.arange(1001.0),
    "not summarised at 1000": torch.arange(1000),
    "summary 1-D fixed": torch.linspace(0, 1, 2000),
    "summary matrix": torch.randn(100, 100),
    "summary short rows": torch.randn(500, 3),
    "summary 3-D": torch.arange(24000).reshape(20, 30, 40),
    "summary 4-D": torch.randn(5, 6, 7, 8, dtype=torch.float64),
    # the formatter only measures the shown edges, so the hidden 1e10 must not force sci mode
    "summary hides outlier": torch.cat([torch.ones(3), torch.full((1000,), 1e10), torch.ones(3)]),
    "summary bools": torch.randn(40, 40) > 0,
}


@pytest.mark.parametrize("name", CASES)
def test_matches_torch_repr(name):
    assert_same(CASES[name])


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.tensor([1.0, 2.0], requires_grad=True),
        lambda: torch.tensor(1.0960, requires_grad=True) * 1.0,
        lambda: f64([1.0, 2.0]).requires_grad_(),
        lambda: torch.randn(4, 4, requires_grad=True).sum(0),
        lambda: torch.randn(2, 3, dtype=torch.float64, requires_grad=True) + 1,
        lambda: torch.empty(2, 0, requires_grad=True),
        lambda: torch.empty(2, 0, dtype=torch.float64, requires_grad=True),
        lambda: torch.randn(50, 50, requires_grad=True).relu(),
    ],
)
def test_autograd_suffixes(make):
    assert_same(make())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("n", range(2, 16))
def test_suffixes_near_line_end(n, dtype):
    # rows of n entries end at varying columns, so some lengths push the suffixes down a line
    assert_same(torch.arange(n, dtype=dtype, requires_grad=True) * 1.5)


@pytest.mark.parametrize("n, dtype", [(5, torch.float64), (7, torch.float32), (11, torch.float64)])
def test_suffix_moves_to_next_line_when_too_long(n, dtype):
    t = torch.arange(n, dtype=dtype, requires_grad=True) * 1.5
    assert ",\n       grad_fn=<MulBackward0>)" in expected(t)
    assert_same(t)


def test_default_float64_prints_float32_dtype():
    torch.set_default_dtype(torch.float64)
    for t in [torch.tensor([1.5, 2.0]), torch.tensor([1.5], dtype=torch.float32), torch.empty(0)]:
        assert_same(t, default_float="float64")


OPTION_CASES = [
    dict(precision=2),
    dict(precision=0),
    dict(precision=8),
    dict(threshold=5),
    dict(threshold=0),
    dict(edgeitems=1, threshold=10),
    dict(edgeitems=0, threshold=10),
    dict(edgeitems=5),
    dict(linewidth=30),
    dict(linewidth=1),
    dict(linewidth=200),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short"),
    dict(profile="full"),
    dict(profile="short", precision=6),
]
OPTION_TENSORS = [
    torch.tensor(2.5),
    torch.tensor([1e-6, 3.25, 400.0]),
    torch.tensor([0.0, -0.0, 2.0]),
    torch.tensor([nan, inf, 1.0]),
    torch.arange(30),
    torch.arange(1200.0),
    torch.randn(6, 7, requires_grad=True),
    torch.randn(40, 30, dtype=torch.float64),
    torch.arange(3000).reshape(10, 15, 20) % 2 == 0,
    torch.empty(0, 4),
]


@pytest.mark.parametrize("options", OPTION_CASES, ids=str)
def test_print_options(options):
    both_options(**options)
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    for t in OPTION_TENSORS:
        assert_same(t)


def test_every_call_resets_sci_mode_like_torch():
    both_options(sci_mode=True)
    both_options(precision=3)
    assert get_printoptions()["sci_mode"] is None
    assert_same(torch.tensor([1.5, 2.0]))


def test_printoptions_context_restores():
    set_printoptions(precision=6, sci_mode=False)
    before = get_printoptions()
    with printoptions(precision=1, threshold=3):
        assert get_printoptions()["precision"] == 1
        text = format_tensor(np.arange(10.0), dtype_name="float64")
        assert "..." in text
    assert get_printoptions() == before


def test_bad_input_errors():
    with pytest.raises(ValueError, match="profile"):
        set_printoptions(profile="tiny")
    with pytest.raises(TypeError, match="complex128"):
        format_tensor(np.zeros(2, np.complex128), dtype_name="complex128")


# --- property tests -------------------------------------------------------------------------

_SPECIALS = [0.0, -0.0, nan, inf, -inf, 1e-5, 1e-4, 1e8, 1.5e8, 1000.0, 0.5, 1.0]


def _float_elements(width: int) -> st.SearchStrategy[float]:
    scalar = {16: np.float16, 32: np.float32, 64: np.float64}[width]
    max_exponent = 4 if width == 16 else 12

    def exact(x: float) -> float:  # the nearest value of this width (inf past float16's range)
        with np.errstate(over="ignore"):
            return float(scalar(x))

    return st.one_of(
        st.sampled_from(_SPECIALS).map(exact),
        st.integers(-(10**6), 10**6).map(exact),
        st.floats(-1000, 1000, width=width),
        st.floats(allow_nan=True, allow_infinity=True, width=width),
        # mixed magnitudes: a few digits times a power of ten
        st.builds(
            lambda m, e: exact(m * 10.0**e),
            st.floats(-9.9, 9.9),
            st.integers(-max_exponent, max_exponent),
        ),
    )


_ELEMENTS = {
    np.float16: _float_elements(16),
    np.float32: _float_elements(32),
    np.float64: _float_elements(64),
    np.int64: st.integers(-(2**63), 2**63 - 1) | st.integers(-100, 100),
    np.int32: st.integers(-(2**31), 2**31 - 1) | st.integers(-100, 100),
    np.uint8: st.integers(0, 255),
    np.bool_: st.booleans(),
}


@st.composite
def tensors(draw, max_side: int = 6) -> torch.Tensor:
    dtype = draw(st.sampled_from(list(_ELEMENTS)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=max_side))
    # hnp.arrays fills larger arrays mostly with one value, so both uniform and wild rows appear.
    array = draw(hnp.arrays(dtype, shape, elements=_ELEMENTS[dtype]))
    return torch.from_numpy(array)


@settings(max_examples=250, deadline=None)
@given(t=tensors(), requires_grad=st.booleans())
def test_random_tensors_default_options(t, requires_grad):
    if requires_grad and t.is_floating_point():
        t.requires_grad_()
    assert_same(t)


@settings(max_examples=150, deadline=None)
@given(
    t=tensors(max_side=8),
    threshold_offset=st.integers(-3, 3),
    edgeitems=st.integers(0, 4),
    linewidth=st.integers(10, 120),
    precision=st.integers(0, 8),
    sci_mode=st.sampled_from([None, True, False]),
)
def test_random_tensors_near_threshold(
    t, threshold_offset, edgeitems, linewidth, precision, sci_mode
):
    # a threshold right around numel summarises some draws and not others
    both_options(
        threshold=max(0, t.numel() + threshold_offset),
        edgeitems=edgeitems,
        linewidth=linewidth,
        precision=precision,
        sci_mode=sci_mode,
    )
    assert_same(t)


AROUND_1000 = [(1001,), (999,), (1000,), (10, 101), (3, 334), (2, 2, 251), (11, 10, 9)]


@settings(max_examples=15, deadline=None)
@given(
    shape=st.sampled_from(AROUND_1000),
    dtype=st.sampled_from([torch.float32, torch.float64, torch.int64]),
    scale=st.sampled_from([1e-6, 1.0, 1e3, 1e9]),
)
def test_default_threshold_sizes(shape, dtype, scale):
    t = (torch.randn(shape, dtype=torch.float64) * scale).to(dtype)
    assert_same(t)
