"""The engine's contract: gradients accumulate, graphs free, modes switch recording, hooks run,
custom Functions work, deep graphs need no recursion, in-place writes are caught."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import feedforward as ff


def pair(values, **kw):
    """The same leaf tensor in ff and torch."""
    a = np.asarray(values, dtype=np.float64)
    return ff.tensor(a, requires_grad=True, **kw), torch.tensor(a, requires_grad=True, **kw)


def same(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x + x,
        lambda x: x * x,
        lambda x: (x * 2) + (x.exp() * x),  # reuse across branches
        lambda x: x[0] * x + x[1:].sum(),
        lambda x: (x @ x) * x,
    ],
    ids=["a+a", "x*x", "branches", "index_reuse", "matmul_reuse"],
)
def test_gradients_of_reused_values_add_up(fn):
    fx, tx = pair([0.5, -1.0, 2.0])
    fn(fx).sum().backward()
    fn(tx).sum().backward()
    same(fx.grad, tx.grad)


def test_second_backward_accumulates_into_grad():
    fx, tx = pair([1.0, 2.0])
    for _ in range(3):
        (fx * fx).sum().backward()
        (tx * tx).sum().backward()
    same(fx.grad, tx.grad)
    np.testing.assert_allclose(fx.grad.numpy(), 3 * 2 * fx.detach().numpy())


def test_graph_is_freed_unless_retained():
    x = ff.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()  # retained once: works, and adds
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_graph_without_saved_values_can_run_twice_like_torch():
    fx, tx = pair([1.0])
    fy, ty = fx + 1, tx + 1
    for y in (fy, ty):
        y.backward()
        y.backward()
    same(fx.grad, tx.grad)


def test_non_leaf_grad_is_none_unless_retained():
    x = ff.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    k = x * 4
    k.retain_grad()
    (h + k).sum().backward()
    assert h.grad is None and not h.is_leaf
    np.testing.assert_allclose(k.grad.numpy(), [1.0, 1.0])
    assert k.retains_grad and not h.retains_grad


def test_backward_errors_match_torch():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ff.ones(3).sum().backward()
    x = ff.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(ff.ones(2))
    with pytest.raises(RuntimeError, match="floating point"):
        ff.tensor([1, 2], requires_grad=True)


def test_non_scalar_backward_with_gradient():
    fx, tx = pair([1.0, 2.0, 3.0])
    g = np.array([0.1, -1.0, 2.0])
    (fx.exp()).backward(ff.tensor(g))
    (tx.exp()).backward(torch.tensor(g))
    same(fx.grad, tx.grad)


def test_no_grad_and_friends():
    x = ff.ones(2, requires_grad=True)
    with ff.no_grad():
        assert not (x * 2).requires_grad
        assert not ff.is_grad_enabled()
        with ff.enable_grad():
            assert (x * 2).requires_grad
    assert ff.is_grad_enabled()
    with ff.inference_mode():
        assert not (x * 2).requires_grad and ff.is_inference_mode_enabled()
    with ff.inference_mode(False):
        assert (x * 2).requires_grad
    ff.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    ff.set_grad_enabled(True)
    with ff.set_grad_enabled(False):
        assert not ff.is_grad_enabled()
    assert ff.is_grad_enabled()

    @ff.no_grad()
    def predict(t):
        return t * 2

    @ff.inference_mode()
    def predict2(t):
        return t * 2

    assert not predict(x).requires_grad and not predict2(x).requires_grad
    assert (x * 2).requires_grad


def test_tensor_hooks_see_and_replace_gradients():
    x = ff.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x * 3
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    handle = x.register_hook(lambda g: g * 10)
    h.sum().backward()
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_custom_function_like_torch():
    def make(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                ctx.save_for_backward(x)
                ctx.k = k
                return x**3 * k

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                assert ctx.needs_input_grad[0]
                return grad_output * 3 * x**2 * ctx.k, None

        return Cube

    fx, tx = pair([1.0, -2.0])
    fy = make(ff).apply(fx, 2.0)
    ty = make(torch).apply(tx, 2.0)
    same(fy, ty)
    assert "CubeBackward" in repr(fy.grad_fn)
    fy.sum().backward()
    ty.sum().backward()
    same(fx.grad, tx.grad)
    assert ff.autograd.gradcheck(lambda t: make(ff).apply(t, 2.0), (fx.detach().requires_grad_(),))


def test_ten_thousand_op_chain_needs_no_recursion():
    x = ff.tensor([1.0], dtype=ff.float64, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001**10_000], rtol=1e-5)


def test_same_seed_same_numbers():
    ff.manual_seed(123)
    a = [ff.randn(3, 4), ff.rand(5), ff.randint(0, 10, (6,)), ff.randperm(7)]
    ff.manual_seed(123)
    b = [ff.randn(3, 4), ff.rand(5), ff.randint(0, 10, (6,)), ff.randperm(7)]
    for x, y in zip(a, b):
        assert np.array_equal(x.numpy(), y.numpy())
    g1, g2 = ff.Generator().manual_seed(5), ff.Generator().manual_seed(5)
    assert np.array_equal(ff.randn(4, generator=g1).numpy(), ff.randn(4, generator=g2).numpy())
    state = g1.get_state()
    first = ff.rand(3, generator=g1)
    g1.set_state(state)
    assert np.array_equal(first.numpy(), ff.rand(3, generator=g1).numpy())


def test_autograd_grad_returns_without_touching_dot_grad():
    fx, tx = pair([1.0, 2.0])
    fw, tw = pair([3.0, -1.0])
    (fgx, fgw) = ff.autograd.grad((fx * fw).sum(), [fx, fw])
    (tgx, tgw) = torch.autograd.grad((tx * tw).sum(), [tx, tw])
    same(fgx, tgx)
    same(fgw, tgw)
    assert fx.grad is None
    h = fx * 2
    (gh,) = ff.autograd.grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.numpy(), 2 * h.detach().numpy())
    with pytest.raises(RuntimeError, match="not have been used"):
        ff.autograd.grad((fx * 2).sum(), [fw])
    assert ff.autograd.grad((fx * 2).sum(), [fw], allow_unused=True) == (None,)


def test_inplace_on_saved_value_is_caught():
    for lib in (ff, torch):
        x = lib.ones(3, requires_grad=True)
        y = x.exp()
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_inplace_not_saved_is_fine_and_differentiates():
    fx, tx = pair([1.0, -2.0, 3.0])
    outs = []
    for x in (fx, tx):
        y = x * 2
        y.add_(1)  # Mul saved x, not y: allowed
        y.mul_(x)  # y <- y*x through the graph
        y.relu_()
        y.sum().backward()
        outs.append(y)
    same(outs[0], outs[1])
    same(fx.grad, tx.grad)


def test_a_use_before_an_inplace_op_keeps_its_gradient_like_torch():
    """before = y + 1 was taken before y.add_(x) and y.exp_(): its gradient goes to the y of
    that time (the node y had then), not through the in-place ops, which rebased y onto their
    own nodes since."""
    fx, tx = pair([0.5, -1.0, 2.0])
    for x in (fx, tx):
        y = x * 3
        before = y + 1  # Add saves nothing, so torch allows the in-place ops below
        y.add_(x)
        between = y - 2
        y.exp_()
        (before.sum() + between.sum() + y.sum()).backward()
    same(fx.grad, tx.grad)


def test_inplace_rules_for_leaves():
    x = ff.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 2.0
    with ff.no_grad():
        x.add_(1)
        x.mul_(2)
        x[0] = 10.0
    np.testing.assert_allclose(x.detach().numpy(), [10.0, 4.0, 4.0])
    assert x._version.value == 3


def test_setitem_on_non_leaf_is_differentiable():
    fx, tx = pair([1.0, 2.0, 3.0, 4.0])
    fv, tv = pair([5.0])
    outs = []
    for x, v in ((fx, fv), (tx, tv)):
        y = x * 2
        y[1:3] = v * 3
        (y * y).sum().backward()
        outs.append(y)
    same(outs[0], outs[1])
    same(fx.grad, tx.grad)
    same(fv.grad, tv.grad)


def test_detect_anomaly_names_the_op():
    x = ff.tensor([0.0, 1.0], requires_grad=True)
    with ff.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="Log.*(nan|inf)") as err:
            x.log()
        assert "test_autograd.py" in str(err.value)  # where it was called
    y = ff.tensor([-1.0, 4.0], requires_grad=True)
    with ff.autograd.detect_anomaly():
        out = y.clamp(min=0).sqrt()  # forward finite (sqrt(0) = 0) ...
        with pytest.raises(RuntimeError, match="SqrtBackward0.*inf"):
            out.sum().backward()  # ... but d sqrt at 0 is inf


def test_grad_fn_names_and_next_functions():
    x = ff.ones(2, requires_grad=True)
    y = (x * 2).sum()
    assert repr(y) == "tensor(4., grad_fn=<SumBackward0>)"
    assert y.grad_fn.name() == "SumBackward0"
    ((mul, _),) = y.grad_fn.next_functions
    assert mul.name() == "MulBackward0"
    assert mul.next_functions[0][0].name() == "AccumulateGrad"


def test_create_graph_is_refused_clearly():
    x = ff.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="higher-order"):
        ff.autograd.grad((x * x).sum(), x, create_graph=True)


def test_detach_and_views_share_version_counter():
    x = ff.ones(3, requires_grad=True)
    y = x.exp()
    d = y.detach()
    with ff.no_grad():
        d.mul_(2)  # writes the storage y's backward saved
    with pytest.raises(RuntimeError, match="inplace"):
        y.sum().backward()


def test_a_kept_loss_does_not_keep_the_activations_alive():
    import gc
    import weakref

    w = ff.randn(200, 200, requires_grad=True)

    def step():
        h = (ff.randn(64, 200) @ w).relu()
        out = (h * 2).sum()
        out.backward()
        return out, weakref.ref(h._data)

    losses, refs = zip(*[step() for _ in range(3)])  # the classic `losses.append(loss)`
    gc.collect()
    assert all(r() is None for r in refs)  # activations freed although the losses live
    assert all(loss.grad_fn is not None for loss in losses)
    with pytest.raises(RuntimeError, match="second time"):
        losses[0].backward()


BINARY = {
    "add": "__add__",
    "sub": "__sub__",
    "mul": "__mul__",
    "div": "__truediv__",
    "pow": "__pow__",
}
DTYPE_PAIRS = [
    ("float32", "float32"),
    ("float32", "float64"),
    ("int64", "float32"),
    ("int64", "int64"),
]


@pytest.mark.parametrize("op", BINARY.values(), ids=BINARY.keys())
@pytest.mark.parametrize("dtypes", DTYPE_PAIRS, ids="-".join)
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((), ())], ids=str)
def test_operators_without_a_graph_match_torch(op, dtypes, shapes):
    """Between tensors recording nothing, operators take a short path past ``apply``."""
    rng = np.random.default_rng(0)
    a, b = (rng.integers(1, 4, s).astype(dt) for s, dt in zip(shapes, dtypes))
    want = getattr(torch.tensor(a), op)(torch.tensor(b))
    got = getattr(ff.tensor(a), op)(ff.tensor(b))
    assert got.grad_fn is None and type(got._data) is np.ndarray  # 0-dim stays an array
    assert str(got.dtype) == str(want.dtype).replace("torch", "feedforward")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_short_path_keeps_the_general_paths_errors_and_modes():
    a, b = ff.ones(3, 4), ff.ones(2, 5)
    with pytest.raises(RuntimeError) as short:
        a + b
    with pytest.raises(RuntimeError) as general:
        ff.ops.elementwise.Add.apply(a, b)
    with pytest.raises(RuntimeError) as oracle:
        torch.ones(3, 4) + torch.ones(2, 5)
    assert str(short.value) == str(general.value)
    assert "(4) must match the size of tensor b (5)" in str(oracle.value) + str(short.value)
    w = ff.ones(3, 4, requires_grad=True)
    assert (w * a).grad_fn is not None and w.relu().grad_fn is not None  # recorded as before
    with ff.no_grad():
        assert (w * a).grad_fn is None and ff.relu(w).grad_fn is None
    with ff.autograd.detect_anomaly(), pytest.raises(RuntimeError, match="Log.*nan"):
        ff.log(-a)  # anomaly mode checks forwards that record nothing too
    with ff.autograd.detect_anomaly(), pytest.raises(RuntimeError, match="Div.*inf"):
        a / ff.zeros(3, 4)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.zeros(3, dtype=lib.float64),
        lambda lib: lib.zeros(3, dtype=lib.float16),
        lambda lib: lib.zeros(3, dtype=lib.int64),
        lambda lib: lib.zeros(3, dtype=lib.uint8),
        lambda lib: lib.zeros(3, dtype=lib.bool),
        lambda lib: lib.zeros(4),
        lambda lib: lib.zeros(1, 3),
        lambda lib: 3,
        lambda lib: lib.ones(3),
        lambda lib: None,
    ],
    ids=["float64", "float16", "int64", "uint8", "bool", "size4", "size1x3", "int", "ok", "none"],
)
def test_assigning_grad_checks_dtype_and_size_like_torch(make):
    """A .grad of another dtype or size is refused with torch's message; a matching one kept."""
    try:
        t = torch.zeros(3, requires_grad=True)
        t.grad = make(torch)
    except (RuntimeError, TypeError) as err:
        with pytest.raises(type(err), match=re.escape(str(err))):
            ff.zeros(3, requires_grad=True).grad = make(ff)
        return
    f = ff.zeros(3, requires_grad=True)
    f.grad = make(ff)
    assert (f.grad is None) == (t.grad is None)
    if t.grad is not None:
        np.testing.assert_array_equal(f.grad.numpy(), t.grad.numpy())
