"""nn.utils.parametrize against torch: values, gradients to the originals, state_dict keys,
named parameters, reprs, caching, removal, transfer, and torch's errors."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import feedforward as ff

LIBS = (ff, torch)


def parametrizations(lib):
    """The same parametrizations, written against ``lib``'s nn."""
    nn = lib.nn

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).T

        def right_inverse(self, A):
            return A.triu()

    class Scale(nn.Module):  # no right_inverse: taken as the identity at registration
        def forward(self, X):
            return 2 * X

    class RankOne(nn.Module):  # two originals
        def forward(self, x, y):
            return x.unsqueeze(-1) @ y.unsqueeze(-2)

        def right_inverse(self, Z):
            return Z[:, 0].clone(), Z[0, :].clone()

    class Shrink(nn.Module):  # changes the shape
        def forward(self, X):
            return X[:-1]

    class Double(nn.Module):  # changes the dtype
        def forward(self, X):
            return X.double()

    return dict(Symmetric=Symmetric, Scale=Scale, RankOne=RankOne, Shrink=Shrink, Double=Double)


def linear_pair(dtype="float32", n=3, seed=0):
    rng = np.random.default_rng(seed)
    weight = rng.standard_normal((n, n)).astype(dtype)
    bias = rng.standard_normal(n).astype(dtype)
    pair = []
    for lib in LIBS:
        m = lib.nn.Linear(n, n, dtype=getattr(lib, dtype))
        m.load_state_dict({"weight": lib.tensor(weight), "bias": lib.tensor(bias)})
        pair.append(m)
    return pair


def register(pair, name, kind, **kwargs):
    for lib, m in zip(LIBS, pair):
        lib.nn.utils.parametrize.register_parametrization(
            m, name, parametrizations(lib)[kind](), **kwargs
        )


def assert_same_tensor(f, t, tol=1e-6):
    assert f.dtype.name == str(t.dtype).removeprefix("torch.") and tuple(f.shape) == t.shape
    np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


def assert_same_module(fm, tm):
    assert repr(fm) == repr(tm)
    assert type(fm).__name__ == type(tm).__name__
    assert list(fm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in fm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    for f, t in zip(fm.state_dict().values(), tm.state_dict().values()):
        assert_same_tensor(f, t)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kinds", [["Symmetric"], ["Scale"], ["Symmetric", "Scale"], ["RankOne"]])
def test_values_and_gradients_match_torch(dtype, kinds):
    pair = linear_pair(dtype)
    for kind in kinds:
        register(pair, "weight", kind)
    assert_same_module(*pair)
    fm, tm = pair
    assert_same_tensor(fm.weight, tm.weight)
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(dtype)
    fy, ty = fm(ff.tensor(x)), tm(torch.tensor(x))
    assert_same_tensor(fy, ty)
    assert fm.weight.grad_fn is not None and fm.weight.requires_grad
    (fy**2).sum().backward()
    (ty**2).sum().backward()
    for f, t in zip(fm.parameters(), tm.parameters()):
        assert_same_tensor(f.grad, t.grad, tol=1e-5)
    # the parametrized weight is a function of the originals only
    names = [n for n, _ in fm.named_parameters()]
    assert "weight" not in names and "bias" in names


def test_the_gradient_through_a_parametrized_tensor_passes_gradcheck():
    m = ff.nn.Module()
    m.register_buffer("w", ff.zeros(3, 3, dtype=ff.float64))
    P = ff.nn.utils.parametrize
    P.register_parametrization(m, "w", parametrizations(ff)["Symmetric"]())
    P.register_parametrization(m, "w", parametrizations(ff)["Scale"]())

    def parametrized(original):
        m.parametrizations.w.original = original  # a buffer: any tensor, here the input
        return m.w.sin()

    original = ff.randn(3, 3, dtype=ff.float64, requires_grad=True)
    assert ff.autograd.gradcheck(parametrized, (original,))


def test_original_keeps_its_identity_and_an_optimizer_trains_it():
    fm, tm = linear_pair()
    weight = fm.weight
    register((fm, tm), "weight", "Symmetric")
    assert fm.parametrizations.weight.original is weight  # same Parameter, right_inverse values
    opt_f = ff.optim.SGD(fm.parameters(), lr=0.1)
    opt_t = torch.optim.SGD(tm.parameters(), lr=0.1)
    for opt, m, lib in ((opt_f, fm, ff), (opt_t, tm, torch)):
        for _ in range(3):
            opt.zero_grad()
            m(lib.ones(2, 3)).pow(2).sum().backward()
            opt.step()
    assert_same_tensor(fm.weight, tm.weight, tol=1e-5)
    np.testing.assert_allclose(fm.weight.detach().numpy(), fm.weight.detach().numpy().T)


def test_assigning_calls_right_inverse():
    pair = linear_pair()
    register(pair, "weight", "Symmetric")
    value = np.arange(9, dtype=np.float32).reshape(3, 3)
    value = value + value.T
    for lib, m in zip(LIBS, pair):
        m.weight = lib.tensor(value)
    assert_same_module(*pair)
    np.testing.assert_array_equal(pair[0].weight.detach().numpy(), value)


def test_assigning_without_right_inverse_raises_torchs_error():
    pair = linear_pair()
    register(pair, "weight", "Scale")
    messages = []
    for lib, m in zip(LIBS, pair):
        with pytest.raises(RuntimeError) as info:
            m.weight = lib.zeros(3, 3)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_a_buffer_can_be_parametrized():
    pair = []
    for lib in LIBS:
        m = lib.nn.BatchNorm1d(3)
        m.running_var.fill_(2.0)
        pair.append(m)
    register(pair, "running_var", "Scale")
    assert_same_module(*pair)
    assert_same_tensor(pair[0].running_var, pair[1].running_var)


@pytest.mark.parametrize("leave_parametrized", [True, False])
@pytest.mark.parametrize("kinds", [["Symmetric"], ["Symmetric", "Scale"], ["RankOne"]])
def test_remove_parametrizations_matches_torch(leave_parametrized, kinds):
    pair = linear_pair()
    for kind in kinds:
        register(pair, "weight", kind)
    messages = []
    for lib, m in zip(LIBS, pair):
        P = lib.nn.utils.parametrize
        try:
            assert P.remove_parametrizations(m, "weight", leave_parametrized) is m
        except ValueError as e:
            messages.append(str(e))
            continue
        assert not P.is_parametrized(m) and not hasattr(m, "parametrizations")
        assert type(m) is lib.nn.Linear and isinstance(m.weight, lib.nn.Parameter)
    if messages:
        assert len(messages) == 2 and messages[0] == messages[1] and kinds == ["RankOne"]
        return
    assert_same_module(*pair)


def test_removing_one_of_two_keeps_the_class():
    pair = linear_pair()
    register(pair, "weight", "Symmetric")
    register(pair, "bias", "Scale")
    for lib, m in zip(LIBS, pair):
        lib.nn.utils.parametrize.remove_parametrizations(m, "weight")
        assert lib.nn.utils.parametrize.is_parametrized(m)
        assert not lib.nn.utils.parametrize.is_parametrized(m, "weight")
    assert_same_module(*pair)


def test_type_before_parametrizations_and_is_parametrized():
    for lib in LIBS:
        P = lib.nn.utils.parametrize
        m = lib.nn.Linear(2, 2)
        assert P.type_before_parametrizations(m) is lib.nn.Linear and not P.is_parametrized(m)
        P.register_parametrization(m, "weight", parametrizations(lib)["Scale"]())
        assert P.type_before_parametrizations(m) is lib.nn.Linear
        assert isinstance(m, lib.nn.Linear) and type(m) is not lib.nn.Linear
        assert P.is_parametrized(m) and P.is_parametrized(m, "weight")
        assert not P.is_parametrized(m, "bias")
        assert type(lib.nn.Linear(2, 2)) is lib.nn.Linear  # other instances are untouched


def test_cached_computes_once_per_block():
    counts = {}
    for lib in LIBS:
        P = lib.nn.utils.parametrize

        class Counted(lib.nn.Module):
            def __init__(self, lib):
                super().__init__()
                self.lib = lib

            def forward(self, X):
                counts[self.lib] += 1
                return X * 1

        m = lib.nn.Linear(2, 2)
        counts[lib] = 0
        P.register_parametrization(m, "weight", Counted(lib))
        counts[lib] = 0
        with P.cached():
            first = m.weight
            with P.cached():
                assert m.weight is first
            assert m.weight is first
        assert m.weight is not first
    assert counts[ff] == counts[torch] == 2


def test_transfer_parametrizations_and_params():
    sources, targets = linear_pair(seed=0), linear_pair(seed=1)
    register(sources, "weight", "Symmetric")
    for lib, source, target in zip(LIBS, sources, targets):
        P = lib.nn.utils.parametrize
        assert P.transfer_parametrizations_and_params(source, target) is target
        assert target.parametrizations.weight.original is source.parametrizations.weight.original
    assert_same_module(*targets)


def test_deepcopy_works_and_pickling_refuses():
    pair = linear_pair()
    register(pair, "weight", "Symmetric")
    messages = []
    for m in pair:
        clone = copy.deepcopy(m)
        assert type(clone) is type(m)
        np.testing.assert_array_equal(clone.weight.detach().numpy(), m.weight.detach().numpy())
        assert clone.parametrizations.weight.original is not m.parametrizations.weight.original
        with pytest.raises(RuntimeError) as info:
            pickle.dumps(m)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize(
    "setup",
    [
        [("nope", "Scale", {})],  # no such tensor
        [("weight", "Shrink", {})],  # shape
        [("weight", "Double", {})],  # dtype
        [("weight", "Scale", {}), ("weight", "Shrink", {})],  # shape, chained
        [("weight", "Scale", {}), ("weight", "Double", {})],  # dtype, chained
    ],
)
def test_errors_match_torch(setup):
    messages = []
    for lib in LIBS:
        m = lib.nn.Linear(3, 3)
        P = lib.nn.utils.parametrize
        with pytest.raises(ValueError) as info:
            for name, kind, kwargs in setup:
                P.register_parametrization(m, name, parametrizations(lib)[kind](), **kwargs)
        messages.append(str(info.value).replace("torch.", "feedforward."))
    assert messages[0] == messages[1]


def test_unsafe_allows_shape_and_dtype_changes():
    pair = linear_pair()
    register(pair, "weight", "Shrink", unsafe=True)
    register(pair, "weight", "Double", unsafe=True)
    assert pair[0].parametrizations.weight.unsafe
    assert_same_tensor(pair[0].weight, pair[1].weight)


def test_remove_without_parametrization_and_empty_list_raise_torchs_errors():
    messages = []
    for lib in LIBS:
        P = lib.nn.utils.parametrize
        with pytest.raises(ValueError) as info:
            P.remove_parametrizations(lib.nn.Linear(1, 1), "weight")
        messages.append(str(info.value))
        with pytest.raises(ValueError) as info:
            P.ParametrizationList([], lib.zeros(1))
        messages.append(str(info.value))
    assert messages[:2] == messages[2:]
