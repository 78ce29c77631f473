"""The Tensor class against torch: factories, dtypes, attributes, conversion, printing, in-place."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import assert_same

import feedforward as ff


def tr(text: str) -> str:
    return text.replace("torch.", "feedforward.")


@pytest.mark.parametrize(
    "data",
    [
        1.5,
        3,
        True,
        [1.0, 2.0],
        [1, 2],
        [[1, 2], [3, 4]],
        [True, False],
        [],
        [[1.0], [2.5]],
        np.array([1, 2], dtype=np.int32),
        np.array([1.0, 2.0]),
        np.float32(2.0),
    ],
    ids=repr,
)
def test_tensor_infers_dtype_like_torch(data):
    assert_same(ff.tensor(data), torch.tensor(data), "tensor()")
    assert repr(ff.tensor(data)) == tr(repr(torch.tensor(data)))


FACTORIES = [
    lambda lib: lib.zeros(2, 3),
    lambda lib: lib.zeros((2, 3), dtype=lib.float64),
    lambda lib: lib.ones(4),
    lambda lib: lib.ones([2, 2], dtype=lib.int64),
    lambda lib: lib.full((2, 2), 7),
    lambda lib: lib.full((2, 2), 7.0),
    lambda lib: lib.full((2,), True),
    lambda lib: lib.zeros_like(lib.ones(2, 3, dtype=lib.float64)),
    lambda lib: lib.ones_like(lib.ones(3, dtype=lib.int32)),
    lambda lib: lib.full_like(lib.ones(3), 2.5),
    lambda lib: lib.arange(5),
    lambda lib: lib.arange(1, 4, 0.5),
    lambda lib: lib.arange(0.0, 1.0, 0.1),
    lambda lib: lib.arange(10, 0, -3),
    lambda lib: lib.linspace(0, 1, 5),
    lambda lib: lib.linspace(-3, 0, 1000),
    lambda lib: lib.logspace(-3, 0, 7),
    lambda lib: lib.eye(3),
    lambda lib: lib.eye(2, 4, dtype=lib.float64),
    lambda lib: lib.scalar_tensor(3),
    lambda lib: lib.scalar_tensor(1.5, dtype=lib.float64),
    *[
        lambda lib, name=name, n=n, periodic=periodic: getattr(lib, f"{name}_window")(n, periodic)
        for name in ("hann", "hamming", "blackman", "bartlett", "kaiser")
        for n in (0, 1, 2, 5, 16)
        for periodic in (True, False)
    ],
    lambda lib: lib.hann_window(7, dtype=lib.float64),
    lambda lib: lib.hamming_window(6, False, 0.5, 0.4, dtype=lib.float64),
    lambda lib: lib.kaiser_window(9, False, 3.5, dtype=lib.float64),
    lambda lib: lib.blackman_window(8, requires_grad=True),
    lambda lib: lib.bartlett_window(9, dtype=lib.float64),
]


@pytest.mark.parametrize("make", FACTORIES, ids=range(len(FACTORIES)))
def test_factories_match_torch(make):
    assert_same(make(ff), make(torch), "factory", rtol=1e-6, atol=1e-7)


WINDOW_ERRORS = [
    lambda lib: lib.hann_window(5, dtype=lib.int64),
    lambda lib: lib.kaiser_window(-1),
    lambda lib: lib.bartlett_window(2.5),
    lambda lib: lib.blackman_window(-3, dtype=lib.float64),
    lambda lib: lib.hamming_window(4, dtype=lib.bool),
]


@pytest.mark.parametrize("make", WINDOW_ERRORS, ids=range(len(WINDOW_ERRORS)))
def test_window_errors_as_torch(make):
    with pytest.raises(Exception) as theirs:
        make(torch)
    with pytest.raises(theirs.type) as ours:
        make(ff)
    assert str(ours.value) == str(theirs.value)


def test_window_requires_grad_as_torch():
    for lib in (ff, torch):
        w = lib.hann_window(4, requires_grad=True)
        assert w.requires_grad and w.is_leaf and w.grad_fn is None


def test_thread_counts_are_recorded_and_checked_as_torch():
    """NumPy's BLAS keeps its threads; ff records the numbers (README, Differences)."""
    assert ff.get_num_threads() >= 1 and ff.get_num_interop_threads() >= 1
    before = ff.get_num_threads(), ff.get_num_interop_threads()
    try:
        ff.set_num_threads(3)
        ff.set_num_interop_threads(2)
        assert ff.get_num_threads() == 3 and ff.get_num_interop_threads() == 2
    finally:
        ff.set_num_threads(before[0])
        ff.set_num_interop_threads(before[1])
    for set_threads in ("set_num_threads", "set_num_interop_threads"):
        for bad in (0, -1, 1.5, "a"):
            with pytest.raises(RuntimeError) as theirs:
                getattr(torch, set_threads)(bad)
            with pytest.raises(RuntimeError, match=f"^{re.escape(str(theirs.value))}$"):
                getattr(ff, set_threads)(bad)


def test_random_factories_shapes_dtypes_and_distributions():
    ff.manual_seed(0)
    for make in (
        lambda lib: lib.rand(3, 4),
        lambda lib: lib.randn(2, 5, dtype=lib.float64),
        lambda lib: lib.randint(0, 10, (3,)),
        lambda lib: lib.randint(5, (2, 2)),
        lambda lib: lib.randperm(6),
        lambda lib: lib.rand_like(lib.ones(2, 3)),
        lambda lib: lib.randn_like(lib.ones(2, dtype=lib.float64)),
        lambda lib: lib.normal(2.0, 3.0, size=(4,)),
        lambda lib: lib.normal(lib.zeros(3), lib.ones(3)),
    ):
        a, b = make(ff), make(torch)
        assert tuple(a.shape) == tuple(b.shape) and a.dtype.name == str(b.dtype).split(".")[1]
    big = ff.randn(200_000)
    assert abs(big.mean().item()) < 0.01 and abs(big.std().item() - 1) < 0.01
    u = ff.rand(200_000)
    assert 0 <= u.min().item() and u.max().item() < 1 and abs(u.mean().item() - 0.5) < 0.005
    assert sorted(ff.randperm(50).tolist()) == list(range(50))
    r = ff.randint(3, 7, (10_000,))
    assert set(r.unique().tolist() if hasattr(r, "unique") else np.unique(r.numpy())) == {
        3,
        4,
        5,
        6,
    }


def test_attributes_and_conversion():
    t = ff.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3) and repr(t.shape) == "feedforward.Size([2, 3])"
    assert t.size() == (2, 3) and t.size(1) == 3 and t.size(-1) == 3
    assert t.ndim == 2 and t.dim() == 2 and t.numel() == 6
    assert t.dtype is ff.float32 and t.device == ff.device("cpu") and str(t.device) == "cpu"
    assert t.is_leaf and t.grad is None and t.grad_fn is None and not t.requires_grad
    assert t.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert ff.tensor(2.5).item() == 2.5 and isinstance(ff.tensor(3).item(), int)
    assert (
        t.double().dtype is ff.float64 and t.long().dtype is ff.int64 and t.int().dtype is ff.int32
    )
    assert t.bool().dtype is ff.bool and t.float() is t and t.to(ff.float64).dtype is ff.float64
    assert t.to("cpu") is t and t.cpu() is t and t.contiguous() is t
    assert t.type() == "feedforward.FloatTensor"
    n = t.numpy()
    n[0, 0] = 100.0  # shares memory, like torch
    assert t[0, 0].item() == 100.0
    a = np.zeros(3)
    f = ff.from_numpy(a)
    a[1] = 5
    assert f[1].item() == 5 and f.dtype is ff.float64
    assert ff.as_tensor(a).numpy() is a
    c = t.clone()
    c[0, 0] = -1.0
    assert t[0, 0].item() == 100.0
    assert not t.T.is_contiguous() and t.T.contiguous().is_contiguous()
    with pytest.raises(RuntimeError, match="requires grad"):
        ff.ones(2, requires_grad=True).numpy()


def test_accelerator_idioms_match_torch_without_one():
    """The current tutorials' device line runs and picks "cpu"; the device calls raise as
    CPU-only torch's do."""
    for lib in (ff, torch):
        acc = lib.accelerator
        device = acc.current_accelerator().type if acc.is_available() else "cpu"
        assert device == "cpu" and acc.device_count() == 0
        assert acc.current_accelerator(check_available=True) is None
        for call in (
            acc.current_device_index,
            acc.synchronize,
            lambda a=acc: a.set_device_index(0),
        ):
            with pytest.raises(RuntimeError, match="Cannot access accelerator device"):
                call()


def test_device_idioms():
    assert ff.cuda.is_available() is False
    device = "cuda" if ff.cuda.is_available() else "cpu"
    x = ff.ones(2).to(device)
    assert x.device.type == "cpu"
    with pytest.raises(RuntimeError, match="CPU only"):
        ff.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        ff.zeros(2, device="cuda:0")


REPRS = [
    lambda lib: lib.tensor([0.0, 0.0, 3.0]),
    lambda lib: lib.tensor(1.0960),
    lambda lib: lib.tensor([1e-5, 1.0]),
    lambda lib: lib.tensor([[1, 2], [3, 400]]),
    lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) * 2,
    lambda lib: (lib.tensor([1.0, 2.0], requires_grad=True) * 2).sum(),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).mean(),
    lambda lib: lib.tensor([[1.0, 2.0]], requires_grad=True) @ lib.ones(2, 1),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).exp(),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).relu(),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).tanh(),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).view(2, 1),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) / 3,
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) - 3,
    lambda lib: lib.zeros(2, 0),
    lambda lib: lib.arange(2000),
    lambda lib: lib.tensor([True, False]),
    lambda lib: lib.linspace(0, 1, 7).reshape(7, 1) * lib.linspace(0, 100, 9),
]


@pytest.mark.parametrize("make", REPRS, ids=range(len(REPRS)))
def test_repr_matches_torch(make):
    assert repr(make(ff)) == tr(repr(make(torch)))


INPLACE = [
    lambda x: x.add_(2),
    lambda x: x.add_(x * 0 + 1, alpha=3),
    lambda x: x.sub_(1.5),
    lambda x: x.mul_(-2),
    lambda x: x.div_(4),
    lambda x: x.pow_(2),
    lambda x: x.clamp_(-0.5, 0.5),
    lambda x: x.clamp_min_(0.0),
    lambda x: x.clamp_max_(0.0),
    lambda x: x.relu_(),
    lambda x: x.zero_(),
    lambda x: x.fill_(3.0),
    lambda x: x.copy_(x * 0 + 7),
    lambda x: x.masked_fill_(x > 0, 0.0) if hasattr(x, "masked_fill_") else x,
]


@pytest.mark.parametrize("op", INPLACE, ids=range(len(INPLACE)))
def test_inplace_ops_match_torch(op):
    a = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    f, t = ff.tensor(a), torch.tensor(a)
    rf, rt = op(f), op(t)
    assert rf is f and rt is t
    assert_same(f, t, "in place")
    # operators: += and friends modify in place too
    f2, t2 = ff.tensor(a), torch.tensor(a)
    for x in (f2, t2):
        x += 1
        x *= 2
        x -= 0.5
        x /= 3
    assert_same(f2, t2, "augmented assignment")


def test_inplace_through_graph_matches_torch():
    a = np.array([0.5, -1.0, 2.0])
    grads = []
    for lib in (ff, torch):
        x = lib.tensor(a, requires_grad=True)
        y = x * 3
        y.clamp_(-2, 4)
        y.sub_(1)
        y.pow_(2)
        y.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1])


def test_setitem_matches_torch():
    a = np.arange(12.0).reshape(3, 4)
    for index, value in [((0, 1), 5.0), (slice(1, None), -1.0), ((Ellipsis, 0), 9.0)]:
        f, t = ff.tensor(a), torch.tensor(a)
        f[index] = value
        t[index] = value
        assert_same(f, t, f"setitem {index}")
    f, t = ff.tensor(a), torch.tensor(a)
    f[f > 5] = 0.0
    t[t > 5] = 0.0
    assert_same(f, t, "mask setitem")
    f[ff.tensor([0, 2])] = ff.tensor([1.0, 2.0, 3.0, 4.0], dtype=ff.float64)
    t[torch.tensor([0, 2])] = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    assert_same(f, t, "array setitem")


def test_methods_exist_for_tutorial_idioms():
    x = ff.randn(4, 3)
    assert x.argmax(dim=1).dtype is ff.int64
    assert (x.argmax(1) == ff.tensor([0, 1, 2, 0])).float().mean().item() <= 1.0
    assert x.max(dim=1).values.shape == (4,) and x.max(1)[1].shape == (4,)
    assert x.view(-1, 1).shape == (12, 1) and x.unsqueeze(0).shape == (1, 4, 3)
    assert ff.cat([x, x], dim=0).shape == (8, 3) and ff.stack([x, x]).shape == (2, 4, 3)
    assert x.T.shape == (3, 4) and x.t().shape == (3, 4)
    assert len(x.split(2)) == 2 and len(x.chunk(4)) == 4
    assert f"{ff.tensor(1.23456).item():.2f}" == "1.23" and f"{ff.tensor(1.5):.1f}" == "1.5"
    assert float(ff.tensor(2.0)) == 2.0 and int(ff.tensor(3)) == 3
    assert [v.item() for v in ff.tensor([1, 2])] == [1, 2] and len(ff.ones(5, 2)) == 5


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(0, 4), min_size=0, max_size=4),
    dtype=st.sampled_from(["float32", "float64", "int64", "bool"]),
)
def test_reshape_flatten_and_repr_on_random_shapes(shape, dtype):
    a = (np.random.default_rng(1).standard_normal(shape) * 3).astype(dtype)
    f, t = ff.tensor(a), torch.tensor(a)
    assert repr(f) == tr(repr(t))
    assert_same(f.reshape(-1), t.reshape(-1), "reshape")
    assert_same(f.flatten(), t.flatten(), "flatten")
    if f.ndim:
        assert_same(f.unsqueeze(-1), t.unsqueeze(-1), "unsqueeze")
        assert_same(f.transpose(0, -1), t.transpose(0, -1), "transpose")


def test_pickling_is_refused():
    import pickle

    with pytest.raises(TypeError, match="never pickled"):
        pickle.dumps(ff.ones(2))


def test_deepcopy_copies_storage():
    import copy

    x = ff.ones(3, requires_grad=True)
    y = copy.deepcopy(x)
    with ff.no_grad():
        y.add_(1)
    assert x.detach().numpy().tolist() == [1.0, 1.0, 1.0] and y.requires_grad and y.is_leaf


def test_random_inplace_fills_and_legacy_constructor():
    t = ff.empty(100_000)
    t.uniform_(-2.0, 3.0, generator=ff.Generator().manual_seed(1))
    assert -2.0 <= t.min().item() and t.max().item() < 3.0 and abs(t.mean().item() - 0.5) < 0.02
    again = ff.empty(100_000).uniform_(-2.0, 3.0, generator=ff.Generator().manual_seed(1))
    assert np.array_equal(t.numpy(), again.numpy())
    n = ff.empty(100_000).normal_(1.0, 2.0)
    assert abs(n.mean().item() - 1.0) < 0.03 and abs(n.std().item() - 2.0) < 0.03
    b = ff.empty(100_000).bernoulli_(0.25)
    assert set(np.unique(b.numpy()).tolist()) == {0.0, 1.0} and abs(b.mean().item() - 0.25) < 0.01
    w = ff.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.normal_()
    with ff.no_grad():
        w.normal_()
    assert w._version.value == 1
    assert ff.Tensor(2, 3).shape == (2, 3) and ff.Tensor(2, 3).dtype is ff.float32
    assert_same(ff.Tensor([1, 2]), torch.Tensor([1, 2]), "legacy Tensor(data)")


def test_device_and_layout_properties_as_torchs_cpu_tensors():
    names = [n for n in dir(torch.Tensor) if n.startswith("is_")]
    properties = [n for n in names if not callable(getattr(torch.ones(1), n))]
    for name in properties:
        assert getattr(ff.ones(2), name) == getattr(torch.ones(2), name), name


@pytest.mark.parametrize(
    "name", "conj resolve_conj resolve_neg conj_physical real".split()
)  # fmt: skip
def test_complex_views_of_a_real_tensor_are_the_tensor_itself_as_torch(name):
    for lib in (ff, torch):
        x = lib.ones(3, requires_grad=True)
        assert getattr(lib, name)(x) is x, name
        method = getattr(x, name)
        assert (method if name == "real" else method()) is x, name
        assert not x.is_conj() and not x.is_neg() and not lib.is_conj(x) and not lib.is_neg(x)
        assert lib.conj_physical_(x.detach()) is not None


def test_imag_of_a_real_tensor_raises_as_torch():
    for lib in (ff, torch):
        with pytest.raises(RuntimeError, match="^imag is not implemented for tensors with non-"):
            lib.ones(2).imag
        with pytest.raises(RuntimeError, match="^imag is not implemented for tensors with non-"):
            lib.imag(lib.ones(2))


NEW_CALLS = {
    "sizes": lambda x: x.new(2, 3).shape,
    "size": lambda x: x.new(x.shape).shape,
    "nothing": lambda x: x.new(),
    "list": lambda x: x.new([1, 2]),
    "tuple_is_data": lambda x: x.new((2, 3)),
    "nested": lambda x: x.long().new([[1, 2]]),
    "tensor": lambda x: x.new(x * 2),
}


@pytest.mark.parametrize("name", NEW_CALLS)
def test_legacy_new_as_torch(name):
    ours, theirs = (NEW_CALLS[name](lib.arange(4.0).reshape(2, 2)) for lib in (ff, torch))
    if isinstance(theirs, torch.Tensor):
        assert_same(ours, theirs, name)
    else:
        assert tuple(ours) == tuple(theirs)


def test_legacy_new_shares_a_tensors_memory_and_refuses_another_dtype_as_torch():
    for lib in (ff, torch):
        x, y = lib.ones(3), lib.zeros(2)
        alias = x.new(y)
        alias[0] = 5.0
        assert y[0].item() == 5.0
        with pytest.raises(TypeError) as err:
            x.new(lib.ones(2).long())
        assert str(err.value).startswith("expected TensorOptions(dtype=float, device=cpu")
        with pytest.raises(TypeError, match=r"^new\(\): data must be a sequence \(got float\)"):
            x.new(2.5)


def test_output_nr_as_torch():
    for lib in (ff, torch):
        x = lib.ones(4, 2, requires_grad=True)
        assert x.output_nr == 0 and (x * 2).output_nr == 0
        assert [p.output_nr for p in x.unbind()] == [0, 1, 2, 3]
        assert [p.output_nr for p in x.split(1, 1)] == [0, 1]


def test_post_accumulate_grad_hook_runs_after_grad_is_added_as_torch():
    seen = []
    for lib in (ff, torch):
        calls = []
        w = lib.ones(3, requires_grad=True)
        handle = w.register_post_accumulate_grad_hook(
            lambda p, calls=calls: calls.append(p.grad.tolist())
        )
        (w * 2).sum().backward()
        (w * w).sum().backward()  # (two paths to w: one call, after both are added)
        lib.autograd.grad((w * 3).sum(), w)  # (no .grad accumulated: no call)
        handle.remove()
        (w * 3).sum().backward()
        seen.append((calls, w.grad.tolist()))
        with pytest.raises(RuntimeError, match="^post accumulate grad hooks cannot be registered"):
            (w * 2).register_post_accumulate_grad_hook(lambda p: None)
        with pytest.raises(RuntimeError, match="^cannot register a hook on a tensor that doesn't"):
            lib.ones(2).register_post_accumulate_grad_hook(lambda p: None)
    assert seen[0] == seen[1]


def test_bernoulli_and_multinomial_methods():
    p = ff.tensor([0.0, 1.0, 0.0, 1.0])
    assert p.bernoulli().tolist() == [0.0, 1.0, 0.0, 1.0] and p.bernoulli().dtype is ff.float32
    assert set(ff.zeros(1000).bernoulli(0.5).unique().tolist()) == {0.0, 1.0}
    drawn = p.multinomial(2)
    assert drawn.dtype is ff.int64 and sorted(drawn.tolist()) == [1, 3]
    assert p.multinomial(5, replacement=True).shape == (5,)
