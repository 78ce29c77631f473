"""nn.init: each initialiser's empirical statistics against its formula, gains and fans against
torch, reproducibility with ``generator=``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import feedforward as ff
from feedforward.nn import init

N = 1000  # 1000 x 1000 tensors: a million draws, sampling error of the std about 0.07%


@pytest.fixture(autouse=True)
def _seed():
    ff.manual_seed(0)  # the tolerances are ~4 sampling errors: fix the draws


def big(*shape, dtype=ff.float32):
    return ff.empty(*shape, dtype=dtype)


def stats(t):
    a = t.detach().numpy().astype(np.float64)
    return a.mean(), a.std(), a.min(), a.max()


def uniform_std(bound: float) -> float:
    return bound / math.sqrt(3)


@pytest.mark.parametrize(
    "name, param",
    [
        ("linear", None),
        ("conv1d", None),
        ("conv2d", None),
        ("conv3d", None),
        ("conv_transpose1d", None),
        ("conv_transpose2d", None),
        ("conv_transpose3d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", 1),
        ("selu", None),
    ],
)
def test_calculate_gain_matches_torch(name, param):
    assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)


def test_calculate_gain_errors_match_torch():
    for lib_init in (init, torch.nn.init):
        with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
            lib_init.calculate_gain("gelu")
        with pytest.raises(ValueError, match="not a valid number"):
            lib_init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize(
    "shape", [(3, 5), (7, 2), (4, 3, 5), (8, 3, 3, 3), (2, 6, 1, 4, 2), (1, 1), (5, 0)]
)
def test_fans_match_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(ff.empty(*shape))
    theirs = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    assert ours == theirs


def test_fans_need_two_dims():
    for lib, lib_init in ((ff, init), (torch, torch.nn.init)):
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            lib_init._calculate_fan_in_and_fan_out(lib.empty(5))


def test_uniform_and_normal():
    mean, std, lo, hi = stats(init.uniform_(big(N, N), -0.5, 1.5))
    assert abs(mean - 0.5) < 0.003 and abs(std - uniform_std(1.0)) < 0.002
    assert -0.5 <= lo < -0.499 and 1.499 < hi <= 1.5
    mean, std, _, _ = stats(init.normal_(big(N, N), 2.0, 0.5))
    assert abs(mean - 2.0) < 0.002 and abs(std - 0.5) < 0.002


def test_trunc_normal_moments_and_bounds():
    # N(0, 1) truncated to [-2, 2]: variance 1 - 2 b phi(b) / (Phi(b) - Phi(a))
    mean, std, lo, hi = stats(init.trunc_normal_(big(N, N)))
    phi = math.exp(-2) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))
    assert abs(mean) < 0.003 and abs(std - math.sqrt(1 - 4 * phi / mass)) < 0.003
    assert -2 <= lo and hi <= 2 and lo < -1.99 and hi > 1.99
    # a narrow window far in a tail (the uniform-proposal branch): mean of N(0,1) on [2, 2.5]
    mean, _, lo, hi = stats(init.trunc_normal_(big(300, 300), 0.0, 1.0, 2.0, 2.5))
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2  # noqa: E731
    expected = (pdf(2.0) - pdf(2.5)) / (cdf(2.5) - cdf(2.0))
    assert 2.0 <= lo and hi <= 2.5 and abs(mean - expected) < 0.003


def test_constants_eye_and_dirac():
    assert (init.constant_(big(3, 4), 0.25).numpy() == 0.25).all()
    assert (init.ones_(big(3, 4)).numpy() == 1).all()
    assert (init.zeros_(big(3, 4)).numpy() == 0).all()
    np.testing.assert_array_equal(init.eye_(big(3, 5)).numpy(), np.eye(3, 5))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(big(2, 2, 2))
    for shape, groups in (((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((2, 2, 3, 1, 3), 1)):
        ours = init.dirac_(big(*shape), groups).numpy()
        theirs = torch.nn.init.dirac_(torch.empty(*shape), groups).numpy()
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier(gain):
    fan_in, fan_out = 600, 1400
    std = gain * math.sqrt(2 / (fan_in + fan_out))
    mean, s, lo, hi = stats(init.xavier_uniform_(big(fan_out, fan_in), gain=gain))
    bound = math.sqrt(3) * std
    assert abs(mean) < 0.003 * bound and abs(s - std) < 0.003 * std
    assert -bound <= lo and hi <= bound and hi > 0.999 * bound
    mean, s, _, _ = stats(init.xavier_normal_(big(fan_out, fan_in), gain=gain))
    assert abs(mean) < 0.003 * std and abs(s - std) < 0.003 * std


@pytest.mark.parametrize(
    "a, mode, nonlinearity, fan",
    [
        (0, "fan_in", "leaky_relu", 500),
        (0, "fan_out", "relu", 2000),
        (math.sqrt(5), "fan_in", "leaky_relu", 500),
        (0.1, "FAN_OUT", "leaky_relu", 2000),
        (0, "fan_in", "tanh", 500),
    ],
)
def test_kaiming(a, mode, nonlinearity, fan):
    shape = (2000, 500)
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    mean, s, lo, hi = stats(init.kaiming_uniform_(big(*shape), a, mode, nonlinearity))
    bound = math.sqrt(3) * std
    assert abs(mean) < 0.003 * bound and abs(s - std) < 0.003 * std
    assert -bound <= lo and hi <= bound and hi > 0.999 * bound
    mean, s, _, _ = stats(init.kaiming_normal_(big(*shape), a, mode, nonlinearity))
    assert abs(mean) < 0.003 * std and abs(s - std) < 0.003 * std


def test_kaiming_uses_the_receptive_field_and_rejects_bad_modes():
    w = init.kaiming_normal_(big(64, 16, 5, 5), nonlinearity="relu")  # fan_in 16 * 25
    assert abs(w.numpy().std() - math.sqrt(2 / 400)) < 0.01 * math.sqrt(2 / 400)
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(big(3, 3), mode="fan_avg")
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(big(0, 3))


@pytest.mark.parametrize("shape", [(300, 100), (100, 300), (50, 4, 5, 5), (64, 64)])
def test_orthogonal(shape):
    gain = 1.7
    w = init.orthogonal_(big(*shape, dtype=ff.float64), gain=gain).numpy()
    m = w.reshape(shape[0], -1) / gain
    small = min(m.shape)
    gram = m @ m.T if m.shape[0] == small else m.T @ m
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-10)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(big(4))


def test_sparse_zeroes_a_fraction_of_each_column():
    w = init.sparse_(big(100, 30), sparsity=0.3, std=0.5).numpy()
    assert ((w == 0).sum(axis=0) >= 30).all()
    nonzero = w[w != 0]
    assert abs(nonzero.std() - 0.5) < 0.05


INITS = [
    lambda t, g: init.uniform_(t, generator=g),
    lambda t, g: init.normal_(t, generator=g),
    lambda t, g: init.trunc_normal_(t, generator=g),
    lambda t, g: init.xavier_uniform_(t, generator=g),
    lambda t, g: init.xavier_normal_(t, generator=g),
    lambda t, g: init.kaiming_uniform_(t, generator=g),
    lambda t, g: init.kaiming_normal_(t, generator=g),
    lambda t, g: init.orthogonal_(t, generator=g),
    lambda t, g: init.sparse_(t, 0.5, generator=g),
]


@pytest.mark.parametrize("fn", INITS)
def test_generator_makes_init_reproducible(fn):
    a = fn(big(20, 30), ff.Generator().manual_seed(7)).numpy().copy()
    b = fn(big(20, 30), ff.Generator().manual_seed(7)).numpy().copy()
    c = fn(big(20, 30), ff.Generator().manual_seed(8)).numpy().copy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_init_works_in_place_on_parameters_outside_autograd():
    p = ff.nn.Parameter(ff.zeros(4, 4))
    version = p._version.value
    out = init.kaiming_uniform_(p)
    assert out is p and p.requires_grad and p.grad_fn is None
    assert p._version.value > version
    assert p.numpy(force=True).any()


# the deprecated names without the underscore: the same initialisers, with torch's FutureWarning
DEPRECATED = [
    ("uniform", (), dict(a=-1.5, b=-1.5)),  # a point: the same values in both
    ("normal", (), dict(mean=3.0, std=0.0)),
    ("constant", (0.5,), {}),
    ("eye", (), {}),
    ("dirac", (), {}),
    ("xavier_uniform", (), {}),
    ("xavier_normal", (), {}),
    ("kaiming_uniform", (), {}),
    ("kaiming_normal", (), {}),
    ("orthogonal", (), {}),
    ("sparse", (0.5,), {}),
]


@pytest.mark.parametrize("name,args,kwargs", DEPRECATED, ids=[d[0] for d in DEPRECATED])
def test_deprecated_names_warn_as_torch(name, args, kwargs):
    shape = (3, 4, 5) if name == "dirac" else (6, 4)
    results = []
    for lib in (ff, torch):
        t = lib.zeros(*shape)
        fn = getattr(lib.nn.init, name)
        assert fn.__name__ == name
        with pytest.warns(FutureWarning) as record:
            assert fn(t, *args, **kwargs) is t
        assert record[0].filename == __file__  # the warning points at the caller
        results.append((str(record[0].message), t))
    assert results[0][0] == results[1][0]
    f, t = results[0][1], results[1][1]
    if name in ("uniform", "normal", "constant", "eye", "dirac"):  # no randomness: same values
        np.testing.assert_array_equal(f.numpy(), t.numpy())
    else:  # the underscore form's result, from the same generator state
        ff.manual_seed(0)
        again = getattr(init, name + "_")(ff.zeros(*shape), *args, **kwargs)
        ff.manual_seed(0)
        with pytest.warns(FutureWarning):
            old = getattr(init, name)(ff.zeros(*shape), *args, **kwargs)
        np.testing.assert_array_equal(old.numpy(), again.numpy())
