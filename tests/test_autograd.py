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


# ---------------------------------------------------------------- autograd.functional

# (function, input shapes): one and several inputs and outputs, an output independent of an
# input, a scalar output, a 0-D input, an empty output
FUNCTIONAL_CASES = [
    (lambda lib, x: x.exp() * x.sum(), [(3,)]),
    (lambda lib, x: (x @ x.T).tanh(), [(2, 3)]),
    (lambda lib, x, y: (x * y).sum(0), [(2, 3), (3,)]),
    (lambda lib, x, y: (x.sin(), (x * y).sum(), y * 2), [(2,), (2,)]),
    (lambda lib, x, y: x.cos(), [(3,), (2,)]),  # independent of y
    (lambda lib, x: (x**2).sum(), [(4,)]),
    (lambda lib, x: x * 3, [()]),
    (lambda lib, x: x[:0] * 2, [(3,)]),
]


def functional_inputs(lib, shapes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(lib.tensor(rng.standard_normal(s).astype(dtype)) for s in shapes)


def assert_same_structure(f, t, dtype):
    if isinstance(t, tuple):
        assert isinstance(f, tuple) and len(f) == len(t)
        for a, b in zip(f, t):
            assert_same_structure(a, b, dtype)
        return
    assert isinstance(f, ff.Tensor) and f.shape == t.shape and f.dtype.name == dtype
    assert not f.requires_grad and f.grad_fn is None
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(f.numpy(), t.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "case,as_tuple",
    # a single input is given both bare and as a 1-tuple; several only as a tuple
    [(i, True) for i in range(len(FUNCTIONAL_CASES))]
    + [(i, False) for i, (_, shapes) in enumerate(FUNCTIONAL_CASES) if len(shapes) == 1],
)
def test_functional_jacobian_vjp_jvp_match_torch(dtype, case, as_tuple):
    fn, shapes = FUNCTIONAL_CASES[case]
    results = []
    for lib in (ff, torch):
        F = lib.autograd.functional
        inputs = functional_inputs(lib, shapes, dtype)
        args = inputs if as_tuple else inputs[0]

        def func(*xs, lib=lib):
            return fn(lib, *xs)

        outputs = func(*inputs)
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        rng = np.random.default_rng(1)
        v_out = tuple(lib.tensor(rng.standard_normal(tuple(o.shape)).astype(dtype)) for o in outs)
        v_in = tuple(lib.tensor(rng.standard_normal(tuple(x.shape)).astype(dtype)) for x in inputs)
        v_out = v_out if isinstance(outputs, tuple) else v_out[0]
        v_in = v_in if as_tuple else v_in[0]
        if any(o.numel() == 0 for o in outs):  # torch stacks no rows: its error
            with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
                F.jacobian(func, args)
            results.append((F.vjp(func, args, v_out), F.jvp(func, args, v_in)))
            continue
        results.append(
            (
                F.jacobian(func, args),
                F.jacobian(func, args, vectorize=True),
                F.vjp(func, args, v_out),
                F.jvp(func, args, v_in),
            )
        )
        for x in inputs:  # the inputs themselves are left alone
            assert not x.requires_grad and x.grad is None
    assert_same_structure(results[0], results[1], dtype)


def test_functional_results_pass_a_finite_difference_check():
    """The Jacobian is the function's derivative: compare with central differences."""
    x = ff.randn(3, 2, dtype=ff.float64)

    def func(a):
        return (a.sin() * a.sum(0)).reshape(-1)

    jac = ff.autograd.functional.jacobian(func, x).numpy().reshape(6, 6)
    eps = 1e-6
    numeric = np.empty((6, 6))
    for k in range(6):
        d = np.zeros(6)
        d[k] = eps
        plus = func(ff.tensor(x.numpy() + d.reshape(3, 2))).numpy()
        minus = func(ff.tensor(x.numpy() - d.reshape(3, 2))).numpy()
        numeric[:, k] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(jac, numeric, rtol=1e-6, atol=1e-8)
    _, g = ff.autograd.functional.vjp(lambda a: func(a).sum(), x)  # v None: a scalar output
    np.testing.assert_allclose(g.numpy().reshape(-1), numeric.sum(0), rtol=1e-6, atol=1e-8)


def _functional_error(lib, which):
    F = lib.autograd.functional
    x, y = lib.ones(2), lib.ones(3)
    calls = {
        "vjp v None": lambda: F.vjp(lambda a: a * 2, x),
        "vjp v size": lambda: F.vjp(lambda a: a * 2, x, lib.ones(3)),
        "vjp v length": lambda: F.vjp(lambda a: (a, a), x, (lib.ones(2),)),
        "vjp v single": lambda: F.vjp(lambda a: a, x, (lib.ones(2), lib.ones(2))),
        "vjp strict independent": lambda: F.vjp(
            lambda a, b: a * 2, (x, y), lib.ones(2), strict=True
        ),
        "vjp strict no grad": lambda: F.vjp(lambda a: lib.ones(2), x, lib.ones(2), strict=True),
        "vjp input type": lambda: F.vjp(lambda a: a, [x], x),
        "vjp input tuple type": lambda: F.vjp(lambda a, b: a, (x, 3), x),
        "vjp output type": lambda: F.vjp(lambda a: 3, x),
        "jacobian strict independent": lambda: F.jacobian(lambda a, b: a * 2, (x, y), strict=True),
        "jacobian strict no grad": lambda: F.jacobian(lambda a: lib.ones(2), x, strict=True),
        "jacobian strict vectorize": lambda: F.jacobian(
            lambda a: a, x, strict=True, vectorize=True
        ),
        "jacobian strategy": lambda: F.jacobian(lambda a: a, x, strategy="sideways"),
        "jvp v None": lambda: F.jvp(lambda a: a * 2, x),
        "jvp v size": lambda: F.jvp(lambda a: a * 2, x, lib.ones(3)),
        "jvp strict independent": lambda: F.jvp(lambda a, b: a * 2, (x, y), (x, y), strict=True),
    }
    try:
        calls[which]()
    except (RuntimeError, TypeError, AssertionError) as e:
        return type(e), str(e).replace("torch.", "feedforward.")
    return None


@pytest.mark.parametrize(
    "which",
    [
        "vjp v None",
        "vjp v size",
        "vjp v length",
        "vjp v single",
        "vjp strict independent",
        "vjp strict no grad",
        "vjp input type",
        "vjp input tuple type",
        "vjp output type",
        "jacobian strict independent",
        "jacobian strict no grad",
        "jacobian strict vectorize",
        "jacobian strategy",
        "jvp v None",
        "jvp v size",
        "jvp strict independent",
    ],
)
def test_functional_errors_match_torch(which):
    ours, theirs = _functional_error(ff, which), _functional_error(torch, which)
    assert ours is not None and ours == theirs


def test_functional_without_higher_order_gradients_refuses_clearly():
    F = ff.autograd.functional
    x = ff.ones(2)
    for call in (
        lambda: F.jacobian(lambda a: a, x, create_graph=True),
        lambda: F.vjp(lambda a: a, x, x, create_graph=True),
        lambda: F.jvp(lambda a: a, x, x, create_graph=True),
        lambda: F.hessian(lambda a: a.sum(), x),
        lambda: F.hvp(lambda a: a.sum(), x, x),
        lambda: F.vhp(lambda a: a.sum(), x, x),
    ):
        with pytest.raises(NotImplementedError, match="higher-order gradients"):
            call()
    with pytest.raises(NotImplementedError, match="forward-mode"):
        F.jacobian(lambda a: a, x, strategy="forward-mode", vectorize=True)
    assert set(F.__all__) <= set(dir(torch.autograd.functional))


@pytest.mark.parametrize(
    "use",
    [
        lambda w: (w * w).sum(),  # one op, the leaf twice
        lambda w: (w.exp() + w * 3).sum(),  # two paths
        lambda w: (w[0] * w + w.sum()).sum(),  # a view path and direct ones
    ],
    ids=["same-op", "two-paths", "view-and-direct"],
)
def test_a_leaf_hook_sees_the_summed_gradient_once_as_torch(use):
    """torch's AccumulateGrad runs once per pass on the sum of every path's gradient: a hook
    on the leaf is called once with that sum, and what it returns becomes the whole gradient."""
    seen = {}
    for lib in (ff, torch):
        w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        calls = []

        def hook(g, calls=calls):
            calls.append(g.detach().numpy().copy())
            return g * 2

        w.register_hook(hook)
        posts = []
        w.register_post_accumulate_grad_hook(lambda t, posts=posts: posts.append(t.grad.numpy()))
        use(w).backward()
        seen[lib] = calls, w.grad.numpy(), posts
    (ours, our_grad, our_posts), (theirs, their_grad, their_posts) = seen[ff], seen[torch]
    assert len(ours) == len(theirs) == 1
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-6)
    assert len(our_posts) == len(their_posts) == 1
    np.testing.assert_allclose(our_posts[0], their_posts[0], rtol=1e-6)
