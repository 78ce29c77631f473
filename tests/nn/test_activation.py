"""Every activation, functional and module form, against torch: values and gradients in float32
and float64 (including 0, large +-, and points next to each kink), a float64 gradcheck,
in-place variants, module reprs, and the error inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from nn_parity import (
    FF,
    TORCH,
    Case,
    check_case,
    check_grad_fn_name,
    check_gradcheck,
    check_nonfinite,
    fixed,
    same_error,
    uniform,
)

import feedforward as ff

# values that hit the interesting places: 0, both sides of each kink, very large magnitudes
EDGES = [
    0.0,
    -1e-3,
    1e-3,
    -1.0,
    1.0,
    -2.999,
    -3.001,
    2.999,
    3.001,
    5.999,
    6.001,
    19.9,
    20.1,
    -30.0,
    30.0,
    -100.0,
    100.0,
    0.5,
    -0.5,
    2.0,
]
EDGES_NO_KINK_AT_0 = [v for v in EDGES if v != 0.0]


def edges(values=EDGES):
    return fixed(values)


def smooth(*shape):
    """Random values away from every kink (gradcheck's finite differences need that)."""

    def build(rng, dtype):
        x = rng.uniform(-4, 4, size=shape)
        x = np.where(np.abs(x) < 0.05, x + 0.2, x)  # away from 0
        for k in (-3.0, 3.0, -1.0, 1.0, 0.5, -0.5, 2.0, 6.0):
            x = np.where(np.abs(x - k) < 0.05, x + 0.1, x)
        return [x.astype(dtype)]

    return build


ACTIVATIONS = {
    "relu": lambda L, x: L.F.relu(x),
    "relu6": lambda L, x: L.F.relu6(x),
    "leaky_relu": lambda L, x: L.F.leaky_relu(x),
    "leaky_relu_0.2": lambda L, x: L.F.leaky_relu(x, 0.2),
    "elu": lambda L, x: L.F.elu(x),
    "elu_0.5": lambda L, x: L.F.elu(x, alpha=0.5),
    "selu": lambda L, x: L.F.selu(x),
    "celu": lambda L, x: L.F.celu(x, alpha=1.5),
    "celu_inexact_alpha": lambda L, x: L.F.celu(x, alpha=0.7),  # torch's backward: 1/float32(alpha)
    "gelu": lambda L, x: L.F.gelu(x),
    "gelu_tanh": lambda L, x: L.F.gelu(x, approximate="tanh"),
    "silu": lambda L, x: L.F.silu(x),
    "mish": lambda L, x: L.F.mish(x),
    "softplus": lambda L, x: L.F.softplus(x),
    "softplus_beta": lambda L, x: L.F.softplus(x, beta=2.0, threshold=5.0),
    "sigmoid": lambda L, x: L.F.sigmoid(x),
    "tanh": lambda L, x: L.F.tanh(x),
    "hardtanh": lambda L, x: L.F.hardtanh(x),
    "hardtanh_range": lambda L, x: L.F.hardtanh(x, -2.0, 3.0),
    "hardsigmoid": lambda L, x: L.F.hardsigmoid(x),
    "hardswish": lambda L, x: L.F.hardswish(x),
    "threshold": lambda L, x: L.F.threshold(x, 0.5, -2.0),
    "logsigmoid": lambda L, x: L.F.logsigmoid(x),
    "softsign": lambda L, x: L.F.softsign(x),
    "tanhshrink": lambda L, x: L.F.tanhshrink(x),
    "hardshrink": lambda L, x: L.F.hardshrink(x),
    "hardshrink_1": lambda L, x: L.F.hardshrink(x, lambd=1.0),
    "softshrink": lambda L, x: L.F.softshrink(x),
    "softshrink_2": lambda L, x: L.F.softshrink(x, 2.0),
    "rrelu": lambda L, x: L.F.rrelu(x),  # eval: the mean slope (lower + upper) / 2
    "rrelu_bounds": lambda L, x: L.F.rrelu(x, 0.1, 0.5, training=False),
    # torch's top-level ops, with their own signatures
    "selu_toplevel": lambda L, x: L.lib.selu(x),
    "celu_toplevel": lambda L, x: L.lib.celu(x, 2.0),
    "threshold_toplevel": lambda L, x: L.lib.threshold(x, 0.5, -2.0),
    "hardshrink_toplevel": lambda L, x: L.lib.hardshrink(x, 1.0),
    "rrelu_toplevel": lambda L, x: L.lib.rrelu(x, 0.2, 0.3),
}

# torch's hardsigmoid/hardswish kernels use float32 constants (1/6) even for float64 input
FLOAT32_CONSTANTS = {"hardsigmoid", "hardswish"}


def _tol(name):
    return {"float64": dict(rtol=1e-7, atol=1e-9)} if name in FLOAT32_CONSTANTS else {}


# torch picks a one-sided derivative at each kink; so do we, so the edge values include them
CASES = [
    Case(f"{name}_edges", fn, edges(), gradcheck=False, tol=_tol(name))
    for name, fn in ACTIVATIONS.items()
]
CASES += [
    Case(f"{name}_random", fn, smooth(4, 5), tol=_tol(name)) for name, fn in ACTIVATIONS.items()
]
CASES += [
    Case("softmax_dim1", lambda L, x: L.F.softmax(x, dim=1), uniform(3, 5)),
    Case("softmax_dim0_3d", lambda L, x: L.F.softmax(x, dim=0), uniform(2, 3, 4)),
    Case(
        "softmax_large",
        lambda L, x: L.F.softmax(x, dim=-1),
        uniform(3, 4, low=-1e4, high=1e4),
        gradcheck=False,
    ),
    Case("log_softmax", lambda L, x: L.F.log_softmax(x, dim=1), uniform(3, 5)),
    Case(
        "log_softmax_large",
        lambda L, x: L.F.log_softmax(x, dim=1),
        uniform(3, 4, low=-1e4, high=1e4),
        gradcheck=False,
    ),
    Case("softmin", lambda L, x: L.F.softmin(x, dim=1), uniform(3, 5)),
    Case("softmax_dtype", lambda L, x: L.F.softmax(x, dim=1, dtype=L.lib.float64), uniform(2, 3)),
    Case("glu", lambda L, x: L.F.glu(x, dim=-1), uniform(3, 6)),
    Case("glu_dim0", lambda L, x: L.F.glu(x, 0), uniform(4, 3)),
    Case(
        "prelu_shared",
        lambda L, x, w: L.F.prelu(x, w),
        lambda rng, dt: [*smooth(4, 3)(rng, dt), np.array([0.25], dtype=dt)],
    ),
    Case(
        "prelu_channels",
        lambda L, x, w: L.F.prelu(x, w),
        lambda rng, dt: [*smooth(4, 3, 2)(rng, dt), rng.uniform(0, 1, 3).astype(dt)],
    ),
    Case(
        "prelu_1d",
        lambda L, x, w: L.F.prelu(x, w),
        lambda rng, dt: [*smooth(5)(rng, dt), np.array([0.1], dtype=dt)],
    ),
    Case(
        "prelu_scalar_input",
        lambda L, x, w: L.F.prelu(x, w),
        lambda rng, dt: [np.array(-1.5, dtype=dt), np.array([0.3], dtype=dt)],
    ),
    Case("gelu_scalar", lambda L, x: L.F.gelu(x), fixed(0.7)),
    Case(
        "prelu_toplevel",
        lambda L, x, w: L.lib.prelu(x, w),
        lambda rng, dt: [*smooth(4, 3)(rng, dt), rng.uniform(0, 1, 3).astype(dt)],
    ),
    Case("softmax2d_3d", lambda L, x: L.nn.Softmax2d()(x), uniform(3, 2, 4)),
    Case("softmax2d_4d", lambda L, x: L.nn.Softmax2d()(x), uniform(2, 3, 2, 2)),
]

MODULES = [
    ("ReLU", lambda nn: nn.ReLU()),
    ("ReLU6", lambda nn: nn.ReLU6()),
    ("LeakyReLU", lambda nn: nn.LeakyReLU(0.2)),
    ("ELU", lambda nn: nn.ELU(alpha=0.7)),
    ("SELU", lambda nn: nn.SELU()),
    ("CELU", lambda nn: nn.CELU(2.0)),
    ("GELU", lambda nn: nn.GELU()),
    ("GELU_tanh", lambda nn: nn.GELU(approximate="tanh")),
    ("SiLU", lambda nn: nn.SiLU()),
    ("Mish", lambda nn: nn.Mish()),
    ("Softplus", lambda nn: nn.Softplus(beta=0.5, threshold=10)),
    ("Sigmoid", lambda nn: nn.Sigmoid()),
    ("Tanh", lambda nn: nn.Tanh()),
    ("Hardtanh", lambda nn: nn.Hardtanh(-0.5, 2.0)),
    ("Hardsigmoid", lambda nn: nn.Hardsigmoid()),
    ("Hardswish", lambda nn: nn.Hardswish()),
    ("Threshold", lambda nn: nn.Threshold(0.1, 20.0)),
    ("LogSigmoid", lambda nn: nn.LogSigmoid()),
    ("Softsign", lambda nn: nn.Softsign()),
    ("Tanhshrink", lambda nn: nn.Tanhshrink()),
    ("GLU", lambda nn: nn.GLU()),
    ("Softmax", lambda nn: nn.Softmax(dim=1)),
    ("LogSoftmax", lambda nn: nn.LogSoftmax(dim=-1)),
    ("Softmin", lambda nn: nn.Softmin(dim=1)),
    ("PReLU", lambda nn: nn.PReLU()),
    ("PReLU_channels", lambda nn: nn.PReLU(4, init=0.1)),
    ("Hardshrink", lambda nn: nn.Hardshrink(0.3)),
    ("Softshrink", lambda nn: nn.Softshrink()),
    ("RReLU_eval", lambda nn: nn.RReLU(0.1, 0.4).eval()),
]
CASES += [
    Case(
        f"module_{name}",
        lambda L, x, make=make: make(L.nn).to(x.dtype)(x),
        smooth(3, 4),
        tol=_tol(name.lower()),
    )
    for name, make in MODULES
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_matches_torch(case, dtype):
    check_case(case, dtype)


@pytest.mark.parametrize("case", [c for c in CASES if c.gradcheck], ids=repr)
def test_gradcheck(case):
    check_gradcheck(case)


# torch's vectorised and scalar loops disagree for a NaN input of these (its scalar tail passes
# the upstream gradient, its vector body gives 0 or NaN), so NaN enters them only upstream
NAN_INPUT_VARIES = (
    "elu",
    "selu",
    "celu",
    "hardswish",
    "hardtanh",
    "relu6",
    "hardshrink",
    "softshrink",
)


def _activation(case) -> str:
    return case.name.removeprefix("module_").split("_")[0].lower()


def _nonfinite_differs(case, dtype: str) -> str | None:
    """Why torch's value at inf/NaN comes from how its kernel is written, not from the
    function's rule (the test is skipped), or None."""
    name = _activation(case)
    if name == "softsign":
        return "torch differentiates x / (1 + |x|) as a composite: NaN at +-inf, ff 0"
    if name == "gelu" and "tanh" not in case.name.lower() and dtype == "float32":
        return "torch's vectorised float32 GELU gives NaN at +inf, ff inf (the limit)"
    return None


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_nonfinite_matches_torch(case, dtype):
    """NaN, inf and exact zeros in the input and the upstream gradient, as torch: e.g. ReLU's
    gradient is 0 at a dead unit even where the upstream gradient is inf or NaN."""
    reason = _nonfinite_differs(case, dtype)
    if reason:
        pytest.skip(reason)
    nan_inputs = _activation(case) not in NAN_INPUT_VARIES
    for seed in range(3):
        check_nonfinite(case, dtype, seed, nan_inputs=nan_inputs)


def test_large_inputs_stay_finite():
    x = ff.tensor([-1e4, -50.0, 50.0, 1e4], requires_grad=True)
    for name in ("sigmoid", "silu", "mish", "softplus", "logsigmoid", "elu", "selu", "gelu"):
        fn = getattr(FF.F, name)
        y = fn(x)
        y.sum().backward()
        assert np.isfinite(y.detach().numpy()).all(), name
        assert np.isfinite(x.grad.numpy()).all(), name
        x.grad = None


# ---------------------------------------------------------------- PReLU's learnable weight


@pytest.mark.parametrize("num_parameters", [1, 3])
def test_prelu_module_weight_grad(num_parameters):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3, 2)).astype(np.float32)
    fm, tm = FF.nn.PReLU(num_parameters), TORCH.nn.PReLU(num_parameters)
    fm(ff.tensor(x)).sum().backward()
    tm(torch.tensor(x)).sum().backward()
    np.testing.assert_allclose(fm.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-5)
    assert fm.weight.shape == (num_parameters,)


def test_prelu_gradcheck_weight():
    rng = np.random.default_rng(1)
    x = ff.tensor(rng.standard_normal((4, 3)) + 0.1, requires_grad=True)
    w = ff.tensor(rng.uniform(0, 1, 3), requires_grad=True)
    assert ff.autograd.gradcheck(lambda a, b: FF.F.prelu(a, b), (x, w))


# ---------------------------------------------------------------- in-place forms


INPLACE = [
    ("relu", lambda L, x: L.F.relu(x, inplace=True)),
    ("relu_", lambda L, x: L.F.relu_(x)),
    ("leaky_relu", lambda L, x: L.F.leaky_relu(x, 0.1, inplace=True)),
    ("elu", lambda L, x: L.F.elu(x, inplace=True)),
    ("selu", lambda L, x: L.F.selu(x, inplace=True)),
    ("celu", lambda L, x: L.F.celu(x, inplace=True)),
    ("silu", lambda L, x: L.F.silu(x, inplace=True)),
    ("mish", lambda L, x: L.F.mish(x, inplace=True)),
    ("hardtanh", lambda L, x: L.F.hardtanh(x, inplace=True)),
    ("relu6", lambda L, x: L.F.relu6(x, inplace=True)),
    ("hardsigmoid", lambda L, x: L.F.hardsigmoid(x, inplace=True)),
    ("hardswish", lambda L, x: L.F.hardswish(x, inplace=True)),
    ("threshold", lambda L, x: L.F.threshold(x, 0.2, 5.0, inplace=True)),
    ("ReLU_module", lambda L, x: L.nn.ReLU(inplace=True)(x)),
    ("LeakyReLU_module", lambda L, x: L.nn.LeakyReLU(0.3, inplace=True)(x)),
    ("rrelu", lambda L, x: L.F.rrelu(x, inplace=True)),
    ("rrelu_", lambda L, x: L.F.rrelu_(x, 0.2, 0.4)),
    ("RReLU_module", lambda L, x: L.nn.RReLU(inplace=True).eval()(x)),
    ("selu_toplevel", lambda L, x: L.lib.selu_(x)),
    ("celu_toplevel", lambda L, x: L.lib.celu_(x, 1.5)),
    ("threshold_toplevel", lambda L, x: L.lib.threshold_(x, 0.2, 5.0)),
    ("rrelu_toplevel", lambda L, x: L.lib.rrelu_(x, 0.1, 0.2)),
]


@pytest.mark.parametrize("name,fn", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_writes_input_and_backprops(name, fn):
    rng = np.random.default_rng(2)
    base = rng.uniform(-4, 4, (3, 4)).astype(np.float64)
    results = []
    for L in (FF, TORCH):
        leaf = L.lib.tensor(base, requires_grad=True)
        x = leaf * 1.0  # a non-leaf: in-place on a leaf that requires grad is an error
        out = fn(L, x)
        assert out is x, "an in-place op returns its input"
        (out * out).sum().backward()
        results.append((x.detach().numpy().copy(), leaf.grad.numpy().copy()))
    rtol = 1e-7 if name in FLOAT32_CONSTANTS else 1e-12
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=rtol)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=rtol)


def test_inplace_on_leaf_requiring_grad_raises():
    same_error(lambda L, x: L.F.relu(x.requires_grad_(), inplace=True), np.ones(3))


def test_inplace_without_grad_changes_values():
    x = ff.tensor([-1.0, 2.0])
    FF.F.relu_(x)
    assert x.tolist() == [0.0, 2.0]


# ---------------------------------------------------------------- softmax's implicit dim


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 5)])
@pytest.mark.parametrize("fn", ["softmax", "log_softmax", "softmin"])
def test_softmax_implicit_dim_matches_torch(shape, fn):
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        a = getattr(FF.F, fn)(ff.tensor(x))
    with pytest.warns(UserWarning):
        b = getattr(TORCH.F, fn)(torch.tensor(x))
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------- reprs


REPRS = [
    lambda nn: nn.ReLU(),
    lambda nn: nn.ReLU(inplace=True),
    lambda nn: nn.ReLU6(),
    lambda nn: nn.ReLU6(True),
    lambda nn: nn.LeakyReLU(),
    lambda nn: nn.LeakyReLU(negative_slope=0.2),
    lambda nn: nn.LeakyReLU(0.2, True),
    lambda nn: nn.ELU(),
    lambda nn: nn.ELU(0.5, True),
    lambda nn: nn.SELU(),
    lambda nn: nn.SELU(inplace=True),
    lambda nn: nn.CELU(),
    lambda nn: nn.CELU(2.0, True),
    lambda nn: nn.GELU(),
    lambda nn: nn.GELU("tanh"),
    lambda nn: nn.SiLU(),
    lambda nn: nn.SiLU(True),
    lambda nn: nn.Mish(),
    lambda nn: nn.Softplus(),
    lambda nn: nn.Softplus(2, 10),
    lambda nn: nn.Sigmoid(),
    lambda nn: nn.Tanh(),
    lambda nn: nn.Hardtanh(),
    lambda nn: nn.Hardtanh(-2, 2),
    lambda nn: nn.Hardtanh(-2.0, 2.0, True),
    lambda nn: nn.Hardsigmoid(),
    lambda nn: nn.Hardswish(True),
    lambda nn: nn.Threshold(0.1, 20),
    lambda nn: nn.Threshold(1, 2, True),
    lambda nn: nn.Softmax(),
    lambda nn: nn.Softmax(dim=1),
    lambda nn: nn.LogSoftmax(dim=-1),
    lambda nn: nn.Softmin(1),
    lambda nn: nn.PReLU(),
    lambda nn: nn.PReLU(3),
    lambda nn: nn.LogSigmoid(),
    lambda nn: nn.Softsign(),
    lambda nn: nn.Tanhshrink(),
    lambda nn: nn.GLU(),
    lambda nn: nn.Hardshrink(),
    lambda nn: nn.Hardshrink(1),
    lambda nn: nn.Softshrink(0.25),
    lambda nn: nn.RReLU(),
    lambda nn: nn.RReLU(0.1, 0.3, True),
    lambda nn: nn.Softmax2d(),
]


@pytest.mark.parametrize("make", REPRS)
def test_repr_matches_torch(make):
    assert repr(make(FF.nn)) == repr(make(TORCH.nn))


def test_prelu_parameter_and_state_dict():
    m = FF.nn.PReLU(3, init=0.1)
    assert list(m.state_dict()) == list(TORCH.nn.PReLU(3).state_dict()) == ["weight"]
    np.testing.assert_allclose(m.weight.detach().numpy(), [0.1, 0.1, 0.1], rtol=1e-6)
    assert [p is m.weight for p in m.parameters()] == [True]


# ---------------------------------------------------------------- errors


ERRORS = [
    ("gelu_approximate", lambda L, x: L.F.gelu(x, approximate="fast"), [np.ones(3)]),
    ("prelu_channels", lambda L, x, w: L.F.prelu(x, w), [np.ones((4, 3)), np.ones(2)]),
    ("prelu_1d_many", lambda L, x, w: L.F.prelu(x, w), [np.ones(3), np.ones(3)]),
    ("prelu_dtypes", lambda L, x, w: L.F.prelu(x.double(), w), [np.ones((2, 3)), np.ones(1)]),
    ("glu_odd", lambda L, x: L.F.glu(x), [np.ones((2, 3))]),
    ("softmax_dim", lambda L, x: L.F.softmax(x, dim=2), [np.ones((2, 3))]),
    ("hardtanh_bounds", lambda L, x: L.F.hardtanh(x, 2.0, 1.0), [np.ones(3)]),
    ("not_a_tensor", lambda L, x: L.F.relu([1.0, 2.0]), [np.ones(1)]),
    ("softshrink_negative", lambda L, x: L.F.softshrink(x, -1.0), [np.ones(3)]),
    ("softshrink_negative_double", lambda L, x: L.F.softshrink(x.double(), -2.5), [np.ones(3)]),
    ("rrelu_bounds", lambda L, x: L.F.rrelu(x, 0.5, 0.1), [np.ones(3)]),
    ("rrelu_bounds_training", lambda L, x: L.lib.rrelu(x, 0.5, 0.1, True), [np.ones(3)]),
    ("hardshrink_long", lambda L, x: L.F.hardshrink(x.long()), [np.ones(3)]),
    ("softshrink_long", lambda L, x: L.F.softshrink(x.long()), [np.ones(3)]),
    ("rrelu_long", lambda L, x: L.F.rrelu(x.long()), [np.ones(3)]),
    ("softmax2d_rank", lambda L, x: L.nn.Softmax2d()(x), [np.ones((2, 3))]),
]


@pytest.mark.parametrize("name,fn,arrays", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch_types(name, fn, arrays):
    same_error(fn, *[a.astype(np.float32) for a in arrays])


MESSAGES_EQUAL = [e for e in ERRORS if e[0].startswith(("softshrink", "rrelu", "hardshrink"))]
MESSAGES_EQUAL += [e for e in ERRORS if e[0] == "softmax2d_rank"]


@pytest.mark.parametrize("name,fn,arrays", MESSAGES_EQUAL, ids=[e[0] for e in MESSAGES_EQUAL])
def test_error_messages_match_torch(name, fn, arrays):
    ff_err, torch_err = same_error(fn, *[a.astype(np.float32) for a in arrays])
    assert str(ff_err) == str(torch_err)


def test_prelu_error_names_counts():
    ff_err, _ = same_error(lambda L, x, w: L.F.prelu(x, w), np.ones((4, 3)), np.ones(2))
    assert "parameter numbers = 2" in str(ff_err) and "channel size = 3" in str(ff_err)


def test_normal_cdf_precision_in_both_dtypes():
    """GELU's Phi: exact (math.erfc) in float64, within ~1 ulp in float32, tails included."""
    import math

    from feedforward.nn._ops.activation import normal_cdf

    x = np.linspace(-12, 8, 4001)
    exact = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(normal_cdf(x), exact, rtol=1e-13)  # erfc is steep in the tail
    x32 = x.astype(np.float32)  # compare at the float32 points themselves
    exact32 = np.array([0.5 * math.erfc(-float(v) / math.sqrt(2)) for v in x32])
    np.testing.assert_allclose(normal_cdf(x32), exact32.astype(np.float32), rtol=2.5e-7)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_grad_fn_name_matches_torch(case):
    check_grad_fn_name(case)


# ---------------------------------------------------------------- RReLU's random slopes


@pytest.mark.parametrize("lower,upper", [(1 / 8, 1 / 3), (0.2, 0.2), (0.0, 1.0)])
@pytest.mark.parametrize("dtype", [ff.float32, ff.float64])
def test_rrelu_training_slopes_in_range_and_gradient_is_the_slope(lower, upper, dtype):
    """The slopes are ff's random numbers (not torch's): each negative element's slope lies in
    [lower, upper], varies between elements, and is what backward multiplies by."""
    ff.manual_seed(0)
    x = ff.cat([-ff.rand(2000, dtype=dtype) - 0.1, ff.rand(1000, dtype=dtype) + 0.1])
    x.requires_grad_()
    y = FF.F.rrelu(x, lower, upper, training=True)
    assert y.dtype == dtype and y.grad_fn.name() == "RreluWithNoiseBackward0"
    y.sum().backward()
    xs, ys, grad = x.detach().numpy(), y.detach().numpy(), x.grad.numpy()
    slopes = ys[:2000] / xs[:2000]
    assert slopes.min() >= lower - 1e-6 and slopes.max() <= upper + 1e-6
    if upper > lower:
        assert slopes.std() > (upper - lower) / 4  # uniform: std (upper - lower) / sqrt(12)
    np.testing.assert_allclose(grad[:2000], slopes, rtol=1e-5)
    np.testing.assert_array_equal(ys[2000:], xs[2000:])
    np.testing.assert_array_equal(grad[2000:], 1)


def test_rrelu_training_reproducible_and_module_modes():
    x = ff.randn(100)
    ff.manual_seed(3)
    a = FF.F.rrelu(x, training=True).numpy().copy()
    ff.manual_seed(3)
    b = FF.nn.RReLU()(x).numpy()  # a module trains by default
    np.testing.assert_array_equal(a, b)
    g = ff.Generator().manual_seed(3)
    np.testing.assert_array_equal(a, ff.rrelu(x, training=True, generator=g).numpy())
    eval_out = FF.nn.RReLU().eval()(x).numpy()
    expected = torch.nn.RReLU().eval()(torch.tensor(x.numpy())).numpy()
    np.testing.assert_array_equal(eval_out, expected)


def test_rrelu_gradcheck_training():
    """Finite differences through one fixed draw: the same seed before each evaluation."""
    x = ff.tensor(np.random.default_rng(4).uniform(-2, 2, 12) + 0.05, requires_grad=True)

    def fn(t):
        ff.manual_seed(9)
        return FF.F.rrelu(t, 0.1, 0.6, training=True)

    assert ff.autograd.gradcheck(fn, (x,))
