"""nn.utils.parametrize against torch: values, gradients to the originals, state_dict keys,
named parameters, reprs, caching, removal, transfer, and torch's errors."""

from __future__ import annotations

import copy
import pickle
import warnings

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


# ---------------------------------------------------------------- nn.utils.parametrizations


def holder_pair(shape, dtype="float64", seed=0):
    """A module holding one parameter ``weight`` of ``shape``, the same values in both."""
    value = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    pair = []
    for lib in LIBS:
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.tensor(value))
        pair.append(m)
    return pair


def copy_state(fm, tm):
    """torch's state (originals and buffers: u and v, an orthogonal base) into ff's module."""
    state = {k: ff.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}
    fm.load_state_dict(state)


def backward_both(pair, seed=1):
    """A random linear function of each module's weight, backpropagated."""
    fm, tm = pair
    fw, tw = fm.weight, tm.weight  # one access each: spectral norm's iterates in training
    g = np.random.default_rng(seed).standard_normal(tuple(tw.shape))
    (fw * ff.tensor(g.astype(fw.dtype.name))).sum().backward()
    (tw * torch.tensor(g, dtype=tw.dtype)).sum().backward()
    for f, t in zip(fm.parameters(), tm.parameters()):
        assert_same_tensor(f.grad, t.grad, tol=1e-5 if t.dtype == torch.float32 else 1e-10)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "shape,dim", [((3, 4), 0), ((3, 4), 1), ((3, 4), None), ((2, 3, 4), 1), ((2, 3, 4), -1)]
)
def test_weight_norm_matches_torch(dtype, shape, dim):
    pair = holder_pair(shape, dtype)
    for lib, m in zip(LIBS, pair):
        lib.nn.utils.parametrizations.weight_norm(m, dim=dim)
    assert_same_module(*pair)
    fm, tm = pair
    assert fm.weight.grad_fn.name() == type(tm.weight.grad_fn).__name__
    assert_same_tensor(fm.weight, tm.weight)
    backward_both(pair)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_weight_norm_gradcheck(dim):
    from feedforward.nn.utils.weight_norm import _weight_norm, norm_except_dim

    v = ff.randn(2, 3, 4, dtype=ff.float64, requires_grad=True)
    g = norm_except_dim(v.detach(), 2, dim).mul(1.5).requires_grad_()
    assert ff.autograd.gradcheck(lambda v, g: _weight_norm(v, g, dim), (v, g))


def test_weight_norm_loads_a_state_dict_of_the_hook_based_one():
    t_old = torch.nn.Linear(4, 3)
    with pytest.warns(FutureWarning):
        torch.nn.utils.weight_norm(t_old)
    f_new = ff.nn.utils.parametrizations.weight_norm(ff.nn.Linear(4, 3))
    t_new = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(4, 3))
    t_new.load_state_dict(t_old.state_dict())
    f_new.load_state_dict({k: ff.tensor(v.detach().numpy()) for k, v in t_old.state_dict().items()})
    assert_same_module(f_new, t_new)
    assert_same_tensor(f_new.weight, t_old.weight)


ORTHOGONAL_SHAPES = [(4, 4), (5, 3), (3, 5), (2, 3, 3), (2, 4, 2)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("orthogonal_map", [None, "matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", ORTHOGONAL_SHAPES)
def test_orthogonal_matches_torch(dtype, orthogonal_map, shape):
    pair = holder_pair(shape, dtype)
    for lib, m in zip(LIBS, pair):
        lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map=orthogonal_map)
    fm, tm = pair
    tol = 1e-5 if dtype == "float32" else 1e-12
    # at registration the weight is the orthogonalised original (a tall one's completion to a
    # square base takes random columns, which the weight does not depend on yet)
    assert_same_tensor(fm.weight, tm.weight, tol=tol)
    # move the unconstrained original away from its start, base and all as torch's
    with torch.no_grad():
        original = tm.parametrizations.weight.original
        noise = 0.3 * torch.randn(original.shape, dtype=original.dtype)
        noise.diagonal(dim1=-2, dim2=-1).zero_()  # householder's diagonal holds signs (ints)
        original.add_(noise)
    copy_state(fm, tm)
    assert_same_module(fm, tm)
    Q = fm.weight
    assert_same_tensor(Q, tm.weight, tol=tol)
    gram = (Q.mT @ Q if Q.size(-2) >= Q.size(-1) else Q @ Q.mT).detach().numpy()
    np.testing.assert_allclose(
        gram, np.broadcast_to(np.eye(gram.shape[-1]), gram.shape), atol=10 * tol
    )
    assert Q.grad_fn.name() == type(tm.weight.grad_fn).__name__
    backward_both(pair)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley"])
def test_orthogonal_gradcheck(orthogonal_map):
    m = ff.nn.Module()
    m.register_buffer("weight", ff.randn(4, 3, dtype=ff.float64))
    ff.nn.utils.parametrizations.orthogonal(m, orthogonal_map=orthogonal_map)

    def weight(original):
        m.parametrizations.weight.original = original
        return m.weight

    x = ff.randn(4, 3, dtype=ff.float64, requires_grad=True)
    assert ff.autograd.gradcheck(weight, (x,))


def test_orthogonal_householder_gradcheck():
    m = ff.nn.Module()
    m.register_buffer("weight", ff.randn(4, 3, dtype=ff.float64))
    ff.nn.utils.parametrizations.orthogonal(m, orthogonal_map="householder")
    signs = m.parametrizations.weight.original.detach()  # the diagonal holds the signs

    def weight(lower):
        m.parametrizations.weight.original = lower.tril(-1) + signs.triu()
        return m.weight

    x = ff.randn(4, 3, dtype=ff.float64, requires_grad=True)
    assert ff.autograd.gradcheck(weight, (x,))


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal_without_trivialization_matches_torch(orthogonal_map, shape):
    """No base: householder's original holds the QR reflectors; matrix_exp's and cayley's the
    weight as it was (they have no right inverse), mapped to an orthogonal matrix."""
    pair = holder_pair(shape)
    for lib, m in zip(LIBS, pair):
        lib.nn.utils.parametrizations.orthogonal(
            m, orthogonal_map=orthogonal_map, use_trivialization=False
        )
    assert_same_module(*pair)
    assert_same_tensor(pair[0].weight, pair[1].weight, tol=1e-12)
    backward_both(pair)
    if orthogonal_map != "householder":
        return
    # assigning: the reflectors of the new value's QR
    value = np.linalg.qr(np.random.default_rng(3).standard_normal((max(shape), min(shape))))[0]
    value = value if shape[0] >= shape[1] else value.T
    for lib, m in zip(LIBS, pair):
        m.weight = lib.tensor(value)
    assert_same_module(*pair)
    assert_same_tensor(pair[0].weight, pair[1].weight, tol=1e-12)


def test_orthogonal_errors_match_torch():
    cases = [
        lambda lib, m: lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map="qr"),
        lambda lib, m: lib.nn.utils.parametrizations.orthogonal(m, "bias"),
        lambda lib, m: lib.nn.utils.parametrizations.orthogonal(m, "nope"),
    ]
    for case in cases:
        messages = []
        for lib in LIBS:
            with pytest.raises(ValueError) as info:
                case(lib, lib.nn.Linear(3, 3))
            messages.append(str(info.value))
        assert messages[0] == messages[1]
    messages = []
    for lib in LIBS:  # no assignment to matrix_exp without a base
        m = lib.nn.Linear(3, 3)
        lib.nn.utils.parametrizations.orthogonal(m, use_trivialization=False)
        with pytest.raises(NotImplementedError) as info:
            m.weight = lib.eye(3)
        messages.append(str(info.value))
        with pytest.raises(ValueError) as info:
            m.parametrizations.weight[0].right_inverse(lib.eye(2))
        messages.append(str(info.value).replace("torch.", "feedforward."))
    assert messages[:2] == messages[2:]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "shape,kwargs",
    [((3, 4), {}), ((5, 2), dict(n_power_iterations=3)), ((2, 3, 4), dict(dim=1)), ((4,), {})],
)
def test_spectral_norm_matches_torch(dtype, shape, kwargs):
    pair = holder_pair(shape, dtype)
    for lib, m in zip(LIBS, pair):
        lib.nn.utils.parametrizations.spectral_norm(m, **kwargs)
    fm, tm = pair
    assert repr(fm) == repr(tm) and list(fm.state_dict()) == list(tm.state_dict())
    copy_state(fm, tm)  # u and v start from each library's random numbers
    tol = 1e-5 if dtype == "float32" else 1e-12
    for training in (True, True, False, False):
        fm.train(training)
        tm.train(training)
        assert_same_tensor(fm.weight, tm.weight, tol=tol)  # each training access iterates
        assert_same_module(fm, tm)
    fm.train()
    tm.train()
    backward_both(pair)


def test_spectral_norm_normalises_to_the_largest_singular_value():
    m = ff.nn.utils.parametrizations.spectral_norm(ff.nn.Linear(6, 5), n_power_iterations=20)
    for _ in range(5):
        weight = m.weight
    assert abs(np.linalg.svd(weight.detach().numpy(), compute_uv=False)[0] - 1) < 1e-5
    original = m.parametrizations.weight.original.detach().numpy()
    np.testing.assert_allclose(
        weight.detach().numpy(), original / np.linalg.svd(original, compute_uv=False)[0], rtol=1e-4
    )


def test_spectral_norm_gradcheck_in_eval_mode():
    m = ff.nn.Module()
    m.register_buffer("weight", ff.randn(3, 4, dtype=ff.float64))
    ff.nn.utils.parametrizations.spectral_norm(m).eval()  # fixed u and v

    def weight(original):
        m.parametrizations.weight.original = original
        return m.weight

    x = ff.randn(3, 4, dtype=ff.float64, requires_grad=True)
    assert ff.autograd.gradcheck(weight, (x,))


@pytest.mark.parametrize("kwargs", [dict(dim=2), dict(dim=-3), dict(n_power_iterations=0)])
def test_spectral_norm_errors_match_torch(kwargs):
    messages = []
    for lib in LIBS:
        with pytest.raises((IndexError, ValueError)) as info:
            lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(3, 3), **kwargs)
        messages.append((info.type, str(info.value)))
    assert messages[0] == messages[1]


# ---------------------------------------------------------------- the hook-based forms


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_hook_based_weight_norm_matches_torch(dtype, dim):
    pair = linear_pair(dtype, n=3)
    messages = []
    for lib, m in zip(LIBS, pair):
        with pytest.warns(FutureWarning) as record:
            assert lib.nn.utils.weight_norm(m, dim=dim) is m
        messages.append(str(record[0].message))
    assert messages[0] == messages[1]
    assert_same_module(*pair)
    assert [n for n, _ in pair[0].named_parameters()] == ["bias", "weight_g", "weight_v"]
    x = np.random.default_rng(2).standard_normal((2, 3)).astype(dtype)
    fy, ty = pair[0](ff.tensor(x)), pair[1](torch.tensor(x))
    assert_same_tensor(fy, ty)
    fy.sum().backward()
    ty.sum().backward()
    for f, t in zip(pair[0].parameters(), pair[1].parameters()):
        assert_same_tensor(f.grad, t.grad, tol=1e-5)
    for lib, m in zip(LIBS, pair):
        assert lib.nn.utils.remove_weight_norm(m) is m
        assert isinstance(m.weight, lib.nn.Parameter)
    assert_same_module(*pair)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_hook_based_spectral_norm_matches_torch(dtype):
    pair = linear_pair(dtype, n=3)
    for lib, m in zip(LIBS, pair):
        assert lib.nn.utils.spectral_norm(m, n_power_iterations=2) is m
    fm, tm = pair
    assert repr(fm) == repr(tm) and list(fm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    copy_state(*pair)  # u and v start from each library's random numbers
    x = np.random.default_rng(2).standard_normal((2, 3)).astype(dtype)
    tol = 1e-5 if dtype == "float32" else 1e-12
    for training in (True, True, False):
        for m in pair:
            m.train(training)
        fy, ty = pair[0](ff.tensor(x)), pair[1](torch.tensor(x))
        assert_same_tensor(fy, ty, tol=tol)
        assert_same_module(*pair)  # the power iteration's u and v, in training mode only
    fy.sum().backward()
    ty.sum().backward()
    for f, t in zip(pair[0].parameters(), pair[1].parameters()):
        assert_same_tensor(f.grad, t.grad, tol=tol)
    for lib, m in zip(LIBS, pair):
        assert lib.nn.utils.remove_spectral_norm(m) is m
    assert_same_module(*pair)


@pytest.mark.parametrize(
    "setup",
    [
        lambda u, m: (u.weight_norm(m), u.weight_norm(m)),
        lambda u, m: u.remove_weight_norm(m),
        lambda u, m: (u.spectral_norm(m), u.spectral_norm(m)),
        lambda u, m: u.remove_spectral_norm(m),
        lambda u, m: u.spectral_norm(m, n_power_iterations=0),
    ],
)
def test_hook_based_errors_match_torch(setup):
    messages = []
    for lib in LIBS:
        with warnings.catch_warnings(), pytest.raises((RuntimeError, ValueError)) as info:
            warnings.simplefilter("ignore", FutureWarning)  # weight_norm's deprecation
            setup(lib.nn.utils, lib.nn.Linear(2, 2))
        messages.append((info.type, str(info.value).replace("torch.", "feedforward.")))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("scale", [0.0, 0.1, 5.0, 50.0])
def test_orthogonals_matrix_exp_matches_torch(dtype, scale):
    """The private matrix exponential behind orthogonal's matrix_exp map, on general (not only
    skew-symmetric) and batched matrices, and its gradient."""
    from feedforward.nn.utils.parametrizations import _matrix_exp

    a = (scale * np.random.default_rng(4).standard_normal((2, 4, 4))).astype(dtype)
    if dtype == "float32":
        a = a / max(1.0, scale / 5)  # float32: keep exp's entries well inside the range
    f, t = ff.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    fe, te = _matrix_exp(f), torch.matrix_exp(t)
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert fe.dtype.name == dtype and fe.shape == te.shape
    scale_of = np.abs(te.detach().numpy()).max()  # large entries: compare relative to them
    np.testing.assert_allclose(
        fe.detach().numpy(), te.detach().numpy(), rtol=tol, atol=tol * scale_of
    )
    g = np.random.default_rng(5).standard_normal(a.shape).astype(dtype)
    (fe * ff.tensor(g)).sum().backward()
    (te * torch.tensor(g)).sum().backward()
    grad_scale = np.abs(t.grad.numpy()).max()
    np.testing.assert_allclose(
        f.grad.numpy(), t.grad.numpy(), rtol=10 * tol, atol=10 * tol * grad_scale
    )
    if dtype == "float64":
        x = ff.tensor(a[:1, :3, :3], requires_grad=True)
        assert ff.autograd.gradcheck(_matrix_exp, (x,))
