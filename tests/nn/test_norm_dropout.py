"""Normalisation and dropout layers against torch: BatchNorm running statistics after several
training steps (same weights, same batches), eval outputs, momentum=None, track_running_stats,
LayerNorm / RMSNorm parity and gradchecks (input and parameters), dropout statistics,
scaling, eval identity and reproducibility, reprs, state_dict keys, and error inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_parity import (
    FF,
    TORCH,
    Case,
    assert_close,
    check_case,
    check_grad_fn_name,
    check_gradcheck,
    check_nonfinite,
    same_error,
    uniform,
)

import feedforward as ff

# ---------------------------------------------------------------- functional parity table


def with_params(x_shape, p_shape, bias=True):
    """(input, weight[, bias]) with the parameters of ``p_shape``."""

    def build(rng, dtype):
        out = [rng.normal(1.0, 2.0, x_shape), rng.uniform(0.5, 1.5, p_shape)]
        if bias:
            out.append(rng.normal(0, 1, p_shape))
        return [a.astype(dtype) for a in out]

    return build


def batch_stats(x_shape, c):
    """(input, running_mean, running_var, weight, bias): stats are buffers, never grads."""

    def build(rng, dtype):
        return [
            a.astype(dtype)
            for a in (
                rng.normal(0.5, 2.0, x_shape),
                rng.normal(0, 1, c),
                rng.uniform(0.5, 2, c),
                rng.uniform(0.5, 1.5, c),
                rng.normal(0, 1, c),
            )
        ]

    return build


CASES = [
    Case("layer_norm", lambda L, x, w, b: L.F.layer_norm(x, (5,), w, b), with_params((4, 5), 5)),
    Case(
        "layer_norm_2d_shape",
        lambda L, x, w, b: L.F.layer_norm(x, (3, 4), w, b, eps=1e-3),
        with_params((2, 3, 4), (3, 4)),
    ),
    Case("layer_norm_no_affine", lambda L, x: L.F.layer_norm(x, [6]), uniform(3, 6)),
    Case(
        "layer_norm_weight_only",
        lambda L, x, w: L.F.layer_norm(x, (4,), w),
        with_params((3, 4), 4, bias=False),
    ),
    Case("rms_norm", lambda L, x, w: L.F.rms_norm(x, (5,), w), with_params((4, 5), 5, False)),
    Case(
        "rms_norm_eps",
        lambda L, x, w: L.F.rms_norm(x, [2, 3], w, eps=1e-2),
        with_params((4, 2, 3), (2, 3), False),
    ),
    Case("rms_norm_no_weight", lambda L, x: L.F.rms_norm(x, (3,)), uniform(2, 3)),
    Case(
        "batch_norm_train",
        lambda L, x, m, v, w, b: L.F.batch_norm(x, m, v, w, b, training=True),
        batch_stats((6, 3), 3),
        no_grad=(1, 2),
    ),
    Case(
        "batch_norm_train_3d",
        lambda L, x, m, v, w, b: L.F.batch_norm(
            x, m, v, w, b, training=True, momentum=0.3, eps=1e-3
        ),
        batch_stats((4, 3, 5), 3),
        no_grad=(1, 2),
    ),
    Case(
        "batch_norm_train_4d",
        lambda L, x, m, v, w, b: L.F.batch_norm(x, m, v, w, b, training=True),
        batch_stats((2, 3, 2, 2), 3),
        no_grad=(1, 2),
    ),
    Case(
        "batch_norm_eval",
        lambda L, x, m, v, w, b: L.F.batch_norm(x, m, v, w, b),
        batch_stats((5, 4), 4),
        no_grad=(1, 2),
    ),
    Case(
        "batch_norm_no_stats",
        lambda L, x: L.F.batch_norm(x, None, None, training=True),
        uniform(5, 2),
    ),
    Case("normalize", lambda L, x: L.F.normalize(x), uniform(3, 4)),
    Case("normalize_p1_dim0", lambda L, x: L.F.normalize(x, p=1.0, dim=0), uniform(3, 4)),
    Case("group_norm", lambda L, x, w, b: L.F.group_norm(x, 2, w, b), with_params((3, 4, 5), 4)),
    Case(
        "group_norm_4d_eps",
        lambda L, x, w, b: L.F.group_norm(x, 3, w, b, eps=1e-3),
        with_params((2, 6, 2, 3), 6),
    ),
    Case("group_norm_2d_input", lambda L, x: L.F.group_norm(x, 2), uniform(3, 4)),
    Case("group_norm_one_group", lambda L, x: L.F.group_norm(x, 1), uniform(2, 3, 4)),
    Case(
        "group_norm_weight_only",
        lambda L, x, w: L.F.group_norm(x, 4, w),
        with_params((2, 4, 3), 4, bias=False),
    ),
    Case("instance_norm", lambda L, x: L.F.instance_norm(x), uniform(3, 4, 5)),
    Case(
        "instance_norm_affine_4d",
        lambda L, x, w, b: L.F.instance_norm(x, weight=w, bias=b, eps=1e-3),
        with_params((2, 3, 2, 3), 3),
    ),
    Case(
        "instance_norm_running_stats",
        lambda L, x, m, v, w, b: L.F.instance_norm(x, m, v, w, b, momentum=0.3),
        batch_stats((4, 3, 5), 3),
        no_grad=(1, 2),
    ),
    Case(
        "instance_norm_eval",
        lambda L, x, m, v, w, b: L.F.instance_norm(x, m, v, w, b, use_input_stats=False),
        batch_stats((2, 3, 4), 3),
        no_grad=(1, 2),
    ),
    # torch's top-level ops, with their own signatures
    Case(
        "batch_norm_toplevel",
        lambda L, x, m, v, w, b: L.lib.batch_norm(x, w, b, m, v, True, 0.2, 1e-4, False),
        batch_stats((5, 3, 2), 3),
        no_grad=(1, 2),
    ),
    Case(
        "batch_norm_toplevel_eval",
        lambda L, x, m, v, w, b: L.lib.batch_norm(x, w, b, m, v, False, 0.1, 1e-5, True),
        batch_stats((5, 3), 3),
        no_grad=(1, 2),
    ),
    Case(
        "layer_norm_toplevel",
        lambda L, x, w, b: L.lib.layer_norm(x, [5], w, b, 1e-3, False),
        with_params((4, 5), 5),
    ),
    Case(
        "group_norm_toplevel",
        lambda L, x, w, b: L.lib.group_norm(x, 2, w, b, 1e-4, True),
        with_params((3, 4, 5), 4),
    ),
    Case(
        "instance_norm_toplevel",
        lambda L, x, m, v, w, b: L.lib.instance_norm(x, w, b, m, v, True, 0.1, 1e-5, False),
        batch_stats((2, 3, 4), 3),
        no_grad=(1, 2),
    ),
    Case(
        "rms_norm_toplevel",
        lambda L, x, w: L.lib.rms_norm(x, [5], w, 1e-3),
        with_params((4, 5), 5, False),
    ),
]

MODULE_CASES = [
    ("LayerNorm", lambda nn: nn.LayerNorm(4), (3, 4)),
    ("LayerNorm_shape", lambda nn: nn.LayerNorm([2, 4], eps=1e-4), (3, 2, 4)),
    ("LayerNorm_no_bias", lambda nn: nn.LayerNorm(4, bias=False), (3, 4)),
    ("LayerNorm_no_affine", lambda nn: nn.LayerNorm(4, elementwise_affine=False), (3, 4)),
    ("RMSNorm", lambda nn: nn.RMSNorm(4), (3, 4)),
    ("RMSNorm_eps", lambda nn: nn.RMSNorm([4], eps=1e-3), (2, 3, 4)),
    ("BatchNorm1d", lambda nn: nn.BatchNorm1d(4), (5, 4)),
    ("BatchNorm1d_3d", lambda nn: nn.BatchNorm1d(3), (4, 3, 2)),
    ("BatchNorm1d_no_affine", lambda nn: nn.BatchNorm1d(4, affine=False), (5, 4)),
    ("BatchNorm2d", lambda nn: nn.BatchNorm2d(2), (3, 2, 2, 2)),
    ("GroupNorm", lambda nn: nn.GroupNorm(2, 4), (3, 4, 2)),
    ("GroupNorm_no_affine", lambda nn: nn.GroupNorm(1, 3, affine=False), (2, 3, 4)),
    ("GroupNorm_no_bias", lambda nn: nn.GroupNorm(3, 3, eps=1e-3, bias=False), (2, 3, 4)),
    ("InstanceNorm1d", lambda nn: nn.InstanceNorm1d(3), (4, 3, 5)),
    ("InstanceNorm1d_unbatched", lambda nn: nn.InstanceNorm1d(3, affine=True), (3, 5)),
    (
        "InstanceNorm1d_running",
        lambda nn: nn.InstanceNorm1d(3, affine=True, track_running_stats=True),
        (4, 3, 5),
    ),
    ("InstanceNorm2d", lambda nn: nn.InstanceNorm2d(2, affine=True), (2, 2, 3, 3)),
    ("InstanceNorm2d_unbatched", lambda nn: nn.InstanceNorm2d(2), (2, 3, 3)),
    ("InstanceNorm3d", lambda nn: nn.InstanceNorm3d(2, eps=1e-3), (1, 2, 2, 2, 3)),
]
CASES += [
    Case(f"module_{name}", lambda L, x, make=make: make(L.nn).to(x.dtype)(x), uniform(*shape))
    for name, make, shape in MODULE_CASES
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_matches_torch(case, dtype):
    check_case(case, dtype)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck(case):
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_nonfinite_matches_torch(case, dtype):
    """NaN, inf and exact zeros in the input, parameters, running statistics and upstream
    gradient give NaN and inf where torch's kernels do: e.g. one infinite upstream gradient in
    a layer-norm row makes the whole row's input gradient NaN, as torch's dx = a dy + b x + c."""
    for seed in range(3):
        check_nonfinite(case, dtype, seed)


PARAM_GRADCHECKS = [  # name, fn(input, *params), input shape, parameter shape, count
    ("layer_norm", lambda x, w, b: FF.F.layer_norm(x, (3,), w, b), (4, 3), (3,), 2),
    ("layer_norm_2d", lambda x, w, b: FF.F.layer_norm(x, (2, 3), w, b), (2, 2, 3), (2, 3), 2),
    ("rms_norm", lambda x, w: FF.F.rms_norm(x, (3,), w), (4, 3), (3,), 1),
    (
        "batch_norm",
        lambda x, w, b: FF.F.batch_norm(x, None, None, w, b, training=True),
        (4, 3),
        (3,),
        2,
    ),
    (
        "batch_norm_4d",
        lambda x, w, b: FF.F.batch_norm(x, None, None, w, b, training=True),
        (3, 3, 2, 2),
        (3,),
        2,
    ),
    (
        "batch_norm_eval",
        lambda x, w, b: FF.F.batch_norm(
            x, ff.zeros(3, dtype=ff.float64), ff.ones(3, dtype=ff.float64), w, b
        ),
        (4, 3),
        (3,),
        2,
    ),
]


PARAM_GRADCHECKS += [
    ("group_norm", lambda x, w, b: FF.F.group_norm(x, 2, w, b), (3, 4, 2), (4,), 2),
    ("group_norm_4d", lambda x, w, b: FF.F.group_norm(x, 3, w, b), (2, 3, 2, 2), (3,), 2),
    ("instance_norm", lambda x, w, b: FF.F.instance_norm(x, weight=w, bias=b), (2, 3, 4), (3,), 2),
    (
        "instance_norm_eval",
        lambda x, w, b: FF.F.instance_norm(
            x, ff.zeros(3, dtype=ff.float64), ff.ones(3, dtype=ff.float64), w, b, False
        ),
        (2, 3, 4),
        (3,),
        2,
    ),
]


@pytest.mark.parametrize(
    "name,fn,shape,p_shape,n_params", PARAM_GRADCHECKS, ids=[c[0] for c in PARAM_GRADCHECKS]
)
def test_gradcheck_input_and_parameters(name, fn, shape, p_shape, n_params):
    """Finite differences w.r.t. the input AND the scale (and shift) together."""
    rng = np.random.default_rng(7)
    inputs = [ff.tensor(rng.normal(size=shape), requires_grad=True)]
    inputs += [
        ff.tensor(rng.uniform(0.5, 1.5, p_shape), requires_grad=True) for _ in range(n_params)
    ]
    assert ff.autograd.gradcheck(fn, tuple(inputs))


# ---------------------------------------------------------------- BatchNorm training parity


def _pair(make):
    """The same layer in both libraries, ff's parameters copied from torch's."""
    fm, tm = make(FF.nn), make(TORCH.nn)
    with ff.no_grad(), torch.no_grad():
        for p, tp in zip(fm.parameters(), tm.parameters()):
            tp.uniform_(0.5, 1.5)
            p.copy_(ff.tensor(tp.detach().numpy()))
    return fm, tm


def _compare_state(fm, tm, rtol=1e-5):
    fs, ts = fm.state_dict(), tm.state_dict()
    assert list(fs) == list(ts)
    for key in ts:
        a, b = fs[key].numpy(), ts[key].numpy()
        assert a.dtype == b.dtype, key
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-6, err_msg=key)


BN_CONFIGS = [
    ("default", lambda nn: nn.BatchNorm1d(4), (8, 4)),
    ("3d_input", lambda nn: nn.BatchNorm1d(3, momentum=0.3), (5, 3, 6)),
    ("momentum_None", lambda nn: nn.BatchNorm1d(4, momentum=None), (8, 4)),
    ("no_affine", lambda nn: nn.BatchNorm1d(4, affine=False, eps=1e-3), (8, 4)),
    ("no_bias", lambda nn: nn.BatchNorm1d(4, bias=False), (8, 4)),
    ("no_running_stats", lambda nn: nn.BatchNorm1d(4, track_running_stats=False), (8, 4)),
    ("2d", lambda nn: nn.BatchNorm2d(3), (4, 3, 2, 3)),
    ("GroupNorm", lambda nn: nn.GroupNorm(2, 4), (4, 4, 3)),
    (
        "InstanceNorm1d_running",
        lambda nn: nn.InstanceNorm1d(3, momentum=0.3, affine=True, track_running_stats=True),
        (5, 3, 6),
    ),
    ("InstanceNorm1d_unbatched", lambda nn: nn.InstanceNorm1d(3, track_running_stats=True), (3, 6)),
    (
        "InstanceNorm2d_momentum_None",
        lambda nn: nn.InstanceNorm2d(3, momentum=None, track_running_stats=True),
        (2, 3, 2, 3),
    ),
    ("InstanceNorm3d", lambda nn: nn.InstanceNorm3d(2, affine=True), (2, 2, 2, 2, 3)),
]


@pytest.mark.parametrize("name,make,shape", BN_CONFIGS, ids=[c[0] for c in BN_CONFIGS])
def test_batchnorm_training_steps_match_torch(name, make, shape):
    fm, tm = _pair(make)
    rng = np.random.default_rng(11)
    for step in range(5):
        x = (rng.normal(size=shape) * (step + 1) + step).astype(np.float32)
        fx, tx = ff.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        fy, ty = fm(fx), tm(tx)
        np.testing.assert_allclose(fy.detach().numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
        g = rng.normal(size=shape).astype(np.float32)
        fy.backward(ff.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
        for p, tp in zip(fm.parameters(), tm.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5)
        _compare_state(fm, tm)
    fm.eval()
    tm.eval()
    x = rng.normal(size=shape).astype(np.float32)
    np.testing.assert_allclose(
        fm(ff.tensor(x)).detach().numpy(),
        tm(torch.tensor(x)).detach().numpy(),
        rtol=1e-4,
        atol=1e-5,
    )


def test_batchnorm_running_var_is_unbiased_and_counts_batches():
    m = FF.nn.BatchNorm1d(2, momentum=1.0)  # momentum 1: the running stats ARE the last batch's
    x = np.array([[1.0, 10.0], [3.0, 20.0], [8.0, 60.0]], dtype=np.float32)
    m(ff.tensor(x))
    np.testing.assert_allclose(m.running_mean.numpy(), x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(m.running_var.numpy(), x.var(0, ddof=1), rtol=1e-6)
    m(ff.tensor(x))
    assert m.num_batches_tracked.item() == 2 and m.num_batches_tracked.dtype == ff.int64


def test_batchnorm_momentum_none_is_cumulative_average():
    m = FF.nn.BatchNorm1d(1, momentum=None)
    batches = [np.array([[0.0], [2.0]]), np.array([[4.0], [8.0]]), np.array([[1.0], [1.0]])]
    for b in batches:
        m(ff.tensor(b.astype(np.float32)))
    expected = np.mean([b.mean() for b in batches])
    np.testing.assert_allclose(m.running_mean.numpy(), [expected], rtol=1e-6)


def test_batchnorm_eval_normalises_with_running_stats():
    m = FF.nn.BatchNorm1d(2).eval()
    with ff.no_grad():
        m.running_mean.copy_(ff.tensor([1.0, -1.0]))
        m.running_var.copy_(ff.tensor([4.0, 0.25]))
    y = m(ff.tensor([[3.0, 0.0]]))  # a batch of one is fine in eval
    np.testing.assert_allclose(
        y.detach().numpy(), [[2 / np.sqrt(4 + 1e-5), 1 / np.sqrt(0.25 + 1e-5)]], rtol=1e-6
    )
    assert m.num_batches_tracked.item() == 0


def test_batchnorm_state_dict_round_trip_into_torch():
    fm, tm = _pair(lambda nn: nn.BatchNorm1d(3))
    fm(ff.randn(6, 3))
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in fm.state_dict().items()})
    _compare_state(fm, tm)


def test_batchnorm_double_keeps_counter_int64():
    m = FF.nn.BatchNorm1d(3).double()
    assert m.running_mean.dtype == ff.float64 and m.num_batches_tracked.dtype == ff.int64
    m(ff.randn(4, 3, dtype=ff.float64))


REPRS = [
    lambda nn: nn.BatchNorm1d(64),
    lambda nn: nn.BatchNorm1d(3, eps=1e-3, momentum=None, affine=False),
    lambda nn: nn.BatchNorm1d(3, track_running_stats=False, bias=False),
    lambda nn: nn.BatchNorm2d(8),
    lambda nn: nn.LayerNorm(5),
    lambda nn: nn.LayerNorm((3, 4), elementwise_affine=False),
    lambda nn: nn.LayerNorm([4], eps=1e-6, bias=False),
    lambda nn: nn.RMSNorm(4),
    lambda nn: nn.RMSNorm([2, 4], eps=1e-3, elementwise_affine=False),
    lambda nn: nn.Dropout(),
    lambda nn: nn.Dropout(p=0.2, inplace=True),
    lambda nn: nn.Dropout1d(0.3),
    lambda nn: nn.Dropout2d(),
    lambda nn: nn.AlphaDropout(0.2),
    lambda nn: nn.Dropout3d(),
    lambda nn: nn.Dropout3d(0.2, True),
    lambda nn: nn.FeatureAlphaDropout(0.3),
    lambda nn: nn.GroupNorm(2, 4),
    lambda nn: nn.GroupNorm(1, 3, eps=1e-3, affine=False),
    lambda nn: nn.GroupNorm(3, 6, bias=False),
    lambda nn: nn.InstanceNorm1d(3),
    lambda nn: nn.InstanceNorm2d(4, affine=True, track_running_stats=True),
    lambda nn: nn.InstanceNorm3d(2, momentum=None, bias=False, affine=True),
]


@pytest.mark.parametrize("make", REPRS)
def test_repr_and_state_dict_keys_match_torch(make):
    a, b = make(FF.nn), make(TORCH.nn)
    assert repr(a) == repr(b)
    assert list(a.state_dict()) == list(b.state_dict())
    assert [n for n, _ in a.named_parameters()] == [n for n, _ in b.named_parameters()]


# ---------------------------------------------------------------- dropout


def test_dropout_mask_statistics_and_scaling():
    ff.manual_seed(0)
    x = ff.ones(200_000)
    for p in (0.1, 0.5, 0.8):
        y = FF.F.dropout(x, p).numpy()
        kept = y != 0
        assert abs(kept.mean() - (1 - p)) < 5e-3, p  # ~10 standard deviations of slack
        np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
        assert abs(y.mean() - 1) < 2e-2  # inverted scaling keeps the expectation


def test_dropout_gradient_uses_the_same_mask():
    x = ff.randn(50, 40, requires_grad=True)
    y = FF.F.dropout(x, 0.3)
    y.sum().backward()
    mask = (y.detach().numpy() != 0) | (x.detach().numpy() == 0)
    np.testing.assert_allclose(x.grad.numpy(), mask / 0.7, rtol=1e-6)


def test_dropout_reproducible_under_manual_seed():
    x = ff.randn(100)
    ff.manual_seed(123)
    a = FF.F.dropout(x, 0.5).numpy().copy()
    ff.manual_seed(123)
    b = FF.nn.Dropout(0.5)(x).numpy()
    np.testing.assert_array_equal(a, b)
    g = ff.Generator().manual_seed(123)
    c = FF.F.dropout(x, 0.5, generator=g).numpy()
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, FF.F.dropout(x, 0.5).numpy())  # the stream moves on


def test_dropout_eval_and_p0_are_identity():
    x = ff.randn(5, 3)
    m = FF.nn.Dropout(0.5).eval()
    assert m(x) is x
    assert FF.F.dropout(x, 0.5, training=False) is x
    assert FF.F.dropout(x, 0.0) is x
    assert FF.F.alpha_dropout(x, 0.5) is x  # alpha_dropout defaults to training=False
    assert FF.nn.AlphaDropout(0.3).eval()(x) is x


def test_dropout_p1_gives_zeros_and_zero_grad():
    x = ff.randn(4, 3, requires_grad=True)
    for fn in (FF.F.dropout, lambda t, p: FF.F.alpha_dropout(t, p, True)):
        y = fn(x, 1.0)
        assert (y.detach().numpy() == 0).all()
        y.sum().backward()
        assert (x.grad.numpy() == 0).all()
        x.grad = None


def test_dropout_inplace():
    x = ff.ones(1000)
    ff.manual_seed(5)
    out = FF.F.dropout(x, 0.5, inplace=True)
    assert out is x and set(np.unique(x.numpy())) == {0.0, 2.0}


def test_alpha_dropout_keeps_standard_normal_statistics():
    ff.manual_seed(1)
    x = ff.randn(400_000)
    for p in (0.2, 0.5):
        y = FF.F.alpha_dropout(x, p, training=True).numpy()
        assert abs(y.mean()) < 1e-2 and abs(y.std() - 1) < 1e-2, p


def test_alpha_dropout_values_match_torch_formula():
    """Dropped units all take one value, kept ones an affine map of x: torch's constants."""
    for p in (0.2, 0.5):
        x = np.linspace(0.5, 2, 50_000).astype(np.float32)  # kept outputs > 0 > dropped value
        a = FF.F.alpha_dropout(ff.tensor(x), p, True).numpy()
        b = TORCH.F.alpha_dropout(torch.tensor(x), p, True).numpy()
        np.testing.assert_allclose(np.unique(a[a < 0]), np.unique(b[b < 0]), rtol=1e-6)
        fit_a = np.polyfit(x[a > 0], a[a > 0], 1)  # slope and intercept of the kept units
        fit_b = np.polyfit(x[b > 0], b[b > 0], 1)
        np.testing.assert_allclose(fit_a, fit_b, rtol=1e-5, atol=1e-6)
        assert abs((a > 0).mean() - (1 - p)) < 0.02


CHANNEL_DROPOUTS = [
    ("dropout1d", lambda t, p: FF.F.dropout1d(t, p), (20, 30, 40), 0),
    ("dropout2d", lambda t, p: FF.F.dropout2d(t, p), (20, 30, 4, 5), 0),
    ("dropout3d", lambda t, p: FF.F.dropout3d(t, p), (20, 30, 2, 2, 3), 0),
    ("dropout3d_unbatched", lambda t, p: FF.F.dropout3d(t, p)[None], (1, 600, 2, 2, 3), 0),
    ("feature_dropout", lambda t, p: ff.feature_dropout(t, p, True), (20, 30, 6), 0),
    ("feature_dropout_", lambda t, p: ff.feature_dropout_(t * 1, p, True), (20, 30, 6), 0),
    ("Dropout3d", lambda t, p: FF.nn.Dropout3d(p)(t), (20, 30, 2, 1, 3), 0),
    ("feature_alpha_dropout", lambda t, p: FF.F.feature_alpha_dropout(t, p, True), (20, 30, 5), 1),
    ("feature_alpha_dropout_top", lambda t, p: ff.feature_alpha_dropout(t, p, True), (20, 30), 1),
    ("FeatureAlphaDropout", lambda t, p: FF.nn.FeatureAlphaDropout(p)(t), (20, 30, 2, 2), 1),
]


@pytest.mark.parametrize(
    "name,fn,shape,alpha", CHANNEL_DROPOUTS, ids=[c[0] for c in CHANNEL_DROPOUTS]
)
def test_channel_dropout_zeroes_whole_channels(name, fn, shape, alpha):
    """One draw per (sample, channel): every value of a channel is kept or dropped together;
    a dropped one is 0 (alpha: SELU's saturation value, after the affine map)."""
    ff.manual_seed(2)
    y = fn(ff.ones(*shape), 0.5).numpy()
    per_channel = y.reshape(shape[0], shape[1], -1)
    assert (per_channel.min(-1) == per_channel.max(-1)).all()
    dropped = per_channel[..., 0] == per_channel.min()
    assert abs(dropped.mean() - 0.5) < 0.05
    if not alpha:
        assert (per_channel.min() == 0) and np.allclose(per_channel.max(), 2)


def test_feature_alpha_dropout_values_match_torch():
    """The kept and dropped channels take torch's two values (a constant input)."""
    x = np.ones((200, 50, 3), dtype=np.float32)
    for p in (0.2, 0.5):
        a = FF.F.feature_alpha_dropout(ff.tensor(x), p, True).numpy()
        b = TORCH.F.feature_alpha_dropout(torch.tensor(x), p, True).numpy()
        np.testing.assert_allclose(np.unique(a), np.unique(b), rtol=1e-6)


def test_feature_dropout_gradient_uses_the_mask():
    """The gradient is the kept channels' scale a, 0 for the dropped ones (whose output is the
    one dropped value, whatever the input)."""
    x = ff.randn(6, 40, 3, requires_grad=True)
    p, alpha = 0.3, 1.7580993408473766
    y = FF.F.feature_alpha_dropout(x, p, True)
    y.sum().backward()
    grads, out = x.grad.numpy(), y.detach().numpy()
    a = 1 / np.sqrt((alpha * alpha * p + 1) * (1 - p))
    assert (grads.min(-1) == grads.max(-1)).all()  # one factor per channel
    np.testing.assert_allclose(np.unique(grads), [0, a], rtol=1e-6)
    dropped = out[grads == 0]
    np.testing.assert_allclose(dropped, dropped[0], rtol=1e-6)


def test_dropout3d_warns_as_torch_for_other_ranks():
    for shape in [(2, 3, 4), (2, 3, 4, 5, 6, 7)]:
        with pytest.warns(UserWarning) as ours:
            FF.F.dropout3d(ff.ones(*shape), 0.5)
        with pytest.warns(UserWarning) as theirs:
            TORCH.F.dropout3d(torch.ones(*shape), 0.5)
        assert str(ours[0].message) == str(theirs[0].message)


def test_toplevel_dropouts_scale_and_eval_identity():
    ff.manual_seed(0)
    x = ff.ones(100_000)
    for fn in (ff.dropout, lambda t, p, train: ff.dropout_(t * 1, p, train)):
        y = fn(x, 0.3, True).numpy()
        kept = y != 0
        assert abs(kept.mean() - 0.7) < 1e-2
        np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    y = ff.alpha_dropout(x, 0.3, True).numpy()
    b = torch.alpha_dropout(torch.ones(100_000), 0.3, True).numpy()
    np.testing.assert_allclose(np.unique(y), np.unique(b), rtol=1e-6)
    z = x * 1
    assert ff.alpha_dropout_(z, 0.3, True) is z and (z.numpy() != 1).any()
    for fn in (
        ff.dropout,
        ff.alpha_dropout,
        ff.feature_dropout,
        ff.feature_alpha_dropout,
        ff.dropout_,
        ff.feature_alpha_dropout_,
    ):
        assert fn(x, 0.5, False) is x
    assert FF.F.feature_alpha_dropout(x, 0.5) is x  # training=False by default
    assert FF.nn.FeatureAlphaDropout().eval()(x) is x
    x5 = ff.ones(2, 3, 2, 2, 2)
    assert FF.nn.Dropout3d().eval()(x5) is x5


@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.floats(0.0, 0.95))
@settings(max_examples=30, deadline=None)
def test_dropout_shape_and_values_property(shape, p):
    x = ff.rand(*shape) + 0.5
    y = FF.F.dropout(x, p).numpy()
    assert y.shape == tuple(shape)
    kept = y != 0
    np.testing.assert_allclose(y[kept], x.numpy()[kept] / (1 - p), rtol=1e-5)


# ---------------------------------------------------------------- errors


ERRORS = [
    ("dropout_p", lambda L, x: L.F.dropout(x, 1.5), [np.ones(3)]),
    ("dropout_p_negative", lambda L, x: L.F.dropout(x, -0.1), [np.ones(3)]),
    ("dropout_module_p", lambda L, x: L.nn.Dropout(2.0), [np.ones(3)]),
    ("bn_batch_of_one", lambda L, x: L.nn.BatchNorm1d(3)(x), [np.ones((1, 3))]),
    ("bn_channels", lambda L, x: L.nn.BatchNorm1d(3)(x), [np.ones((4, 4))]),
    ("bn_rank", lambda L, x: L.nn.BatchNorm1d(3)(x), [np.ones((4, 3, 2, 2))]),
    ("bn2d_rank", lambda L, x: L.nn.BatchNorm2d(3)(x), [np.ones((4, 3))]),
    ("layer_norm_shape", lambda L, x: L.nn.LayerNorm(3)(x), [np.ones((4, 4))]),
    ("rms_norm_shape", lambda L, x: L.nn.RMSNorm(3)(x), [np.ones((4, 4))]),
    ("layer_norm_fn_shape", lambda L, x: L.F.layer_norm(x, (2, 4)), [np.ones((4, 4))]),
    ("group_norm_divisible", lambda L, x: L.F.group_norm(x, 4), [np.ones((2, 6, 4))]),
    ("group_norm_rank", lambda L, x: L.F.group_norm(x, 1), [np.ones(3)]),
    ("group_norm_one_value", lambda L, x: L.F.group_norm(x, 2), [np.ones((1, 2))]),
    (
        "group_norm_weight",
        lambda L, x, w: L.F.group_norm(x, 3, w),
        [np.ones((2, 6, 4)), np.ones(5)],
    ),
    (
        "group_norm_bias",
        lambda L, x, b: L.F.group_norm(x, 3, None, b),
        [np.ones((2, 6, 4)), np.ones(7)],
    ),
    ("group_norm_toplevel_divisible", lambda L, x: L.lib.group_norm(x, 4), [np.ones((2, 6))]),
    ("GroupNorm_divisible", lambda L, x: L.nn.GroupNorm(4, 6), [np.ones(1)]),
    ("instance_norm_one_spatial", lambda L, x: L.F.instance_norm(x), [np.ones((2, 3, 1))]),
    ("instance_norm_2d_input", lambda L, x: L.F.instance_norm(x), [np.ones((2, 3))]),
    (
        "instance_norm_no_stats",
        lambda L, x: L.F.instance_norm(x, use_input_stats=False),
        [np.ones((2, 3, 4))],
    ),
    ("InstanceNorm1d_rank", lambda L, x: L.nn.InstanceNorm1d(3)(x), [np.ones(3)]),
    ("InstanceNorm2d_rank", lambda L, x: L.nn.InstanceNorm2d(3)(x), [np.ones((2, 3, 4, 5, 6))]),
    (
        "InstanceNorm1d_features",
        lambda L, x: L.nn.InstanceNorm1d(3, affine=True)(x),
        [np.ones((2, 4, 5))],
    ),
    ("dropout_toplevel_p", lambda L, x: L.lib.dropout(x, 1.5, True), [np.ones(3)]),
    ("alpha_dropout_toplevel_p", lambda L, x: L.lib.alpha_dropout(x, 2.0, False), [np.ones(3)]),
    ("feature_dropout_rank", lambda L, x: L.lib.feature_dropout(x, 0.5, True), [np.ones(3)]),
    (
        "feature_alpha_dropout_rank",
        lambda L, x: L.F.feature_alpha_dropout(x, 0.5, True),
        [np.ones(3)],
    ),
    ("feature_alpha_dropout_p", lambda L, x: L.F.feature_alpha_dropout(x, 1.5), [np.ones(3)]),
    ("dropout3d_p", lambda L, x: L.F.dropout3d(x, -0.5), [np.ones((2, 3, 4, 5))]),
    ("Dropout3d_p", lambda L, x: L.nn.Dropout3d(1.5), [np.ones(1)]),
]


@pytest.mark.parametrize("name,fn,arrays", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch_types(name, fn, arrays):
    same_error(fn, *[a.astype(np.float32) for a in arrays])


MESSAGES_EQUAL = [
    e for e in ERRORS if e[0].startswith(("group_norm", "GroupNorm", "instance_norm", "Instance"))
]
MESSAGES_EQUAL += [e for e in ERRORS if "dropout" in e[0].lower()]


@pytest.mark.parametrize("name,fn,arrays", MESSAGES_EQUAL, ids=[e[0] for e in MESSAGES_EQUAL])
def test_error_messages_match_torch(name, fn, arrays):
    ff_err, torch_err = same_error(fn, *[a.astype(np.float32) for a in arrays])
    assert str(ff_err) == str(torch_err).replace("torch.Size", "feedforward.Size")


def test_instance_norm_module_warns_on_features_without_affine():
    with pytest.warns(UserWarning, match="does not match num_features"):
        FF.nn.InstanceNorm1d(3)(ff.randn(2, 4, 5))


def test_error_messages():
    ff_err, torch_err = same_error(lambda L, x: L.nn.BatchNorm1d(3)(x), np.ones((1, 3)))
    assert str(ff_err) == str(torch_err).replace("torch.Size", "feedforward.Size")
    ff_err, _ = same_error(lambda L, x: L.nn.BatchNorm1d(3)(x), np.ones((4, 4)))
    assert "BatchNorm1d(3" in str(ff_err) and "(4, 4)" in str(ff_err)
    ff_err, torch_err = same_error(lambda L, x: L.F.dropout(x, 1.5), np.ones(3))
    assert str(ff_err) == str(torch_err)
    ff_err, _ = same_error(lambda L, x: L.nn.LayerNorm(3)(x), np.ones((4, 4)))
    assert "normalized_shape=[3]" in str(ff_err) and "[4, 4]" in str(ff_err)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_grad_fn_name_matches_torch(case):
    check_grad_fn_name(case)


@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.lists(st.integers(1, 3), max_size=3),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=40, deadline=None)
def test_group_and_instance_norm_random_shapes(n, groups, per_group, spatial, affine, seed):
    """group_norm over random (N, C, *) and group counts, and instance_norm (C groups of one
    channel): values and the gradients of input, weight and bias, against torch."""
    c = groups * per_group
    shape = (n, c, *spatial)
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=shape), rng.uniform(0.5, 1.5, c), rng.normal(size=c)]
    if not affine:
        arrays = arrays[:1]
    g = rng.normal(size=shape)
    for fn, enough in [
        (lambda L, x, *p: L.F.group_norm(x, groups, *p), n * c // groups * np.prod(spatial) > 1),
        (lambda L, x, *p: L.F.instance_norm(x, None, None, *p), np.prod(spatial) > 1),
    ]:
        if not enough:  # one value per group: both refuse (tested with the errors)
            continue
        fts = [ff.tensor(a, requires_grad=True) for a in arrays]
        tts = [torch.tensor(a, requires_grad=True) for a in arrays]
        fo, to = fn(FF, *fts), fn(TORCH, *tts)
        assert_close(fo, to, "norm", "float64", dict(rtol=1e-7, atol=1e-9))
        fo.backward(ff.tensor(g))
        to.backward(torch.tensor(g))
        for a, b in zip(fts, tts):
            assert_close(a.grad, b.grad, "norm grad", "float64", dict(rtol=1e-6, atol=1e-8))
