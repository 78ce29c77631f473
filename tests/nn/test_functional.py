"""The rest of ``nn.functional`` against torch: linear, one_hot, normalize, pad, embedding;
signatures equal to torch's; hypothesis property tests over random shapes for the fused
cross_entropy, layer_norm and pad; and the error inputs."""

from __future__ import annotations

import inspect

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
    same_error,
)

import feedforward as ff


def linear_inputs(x_shape, out_features, bias=True):
    def build(rng, dtype):
        arrays = [rng.normal(size=x_shape), rng.normal(size=(out_features, x_shape[-1]))]
        if bias:
            arrays.append(rng.normal(size=out_features))
        return [a.astype(dtype) for a in arrays]

    return build


def lookup(num, dim, idx_shape, repeats=True):
    """(weight, indices): with ``repeats`` some rows are looked up more than once."""

    def build(rng, dtype):
        idx = rng.integers(0, num if not repeats else max(num // 2, 1), idx_shape)
        return [rng.normal(size=(num, dim)).astype(dtype), idx.astype(np.int64)]

    return build


def uniform(*shape):
    return lambda rng, dtype: [rng.uniform(-2, 2, shape).astype(dtype)]


def pair(*shape):
    return lambda rng, dtype: [rng.uniform(-2, 2, shape).astype(dtype) for _ in range(2)]


def bilinear_inputs(lead, in1, in2, out, bias=True):
    """(input1, input2, weight[, bias]) for inputs of leading shape ``lead``."""

    def build(rng, dtype):
        arrays = [
            rng.normal(size=(*lead, in1)),
            rng.normal(size=(*lead, in2)),
            rng.normal(size=(out, in1, in2)),
        ]
        if bias:
            arrays.append(rng.normal(size=out))
        return [a.astype(dtype) for a in arrays]

    return build


CASES = [
    Case("linear", lambda L, x, w, b: L.F.linear(x, w, b), linear_inputs((4, 3), 5)),
    Case("linear_no_bias", lambda L, x, w: L.F.linear(x, w), linear_inputs((4, 3), 2, False)),
    Case("linear_3d", lambda L, x, w, b: L.F.linear(x, w, b), linear_inputs((2, 4, 3), 5)),
    Case("linear_1d", lambda L, x, w, b: L.F.linear(x, w, b), linear_inputs((3,), 2)),
    Case("normalize", lambda L, x: L.F.normalize(x), uniform(3, 4)),
    Case(
        "normalize_dim_eps", lambda L, x: L.F.normalize(x, 3.0, dim=-1, eps=1e-3), uniform(2, 3, 4)
    ),
    Case("pad_1d", lambda L, x: L.F.pad(x, (1, 2)), uniform(2, 3)),
    Case("pad_2d_value", lambda L, x: L.F.pad(x, (1, 0, 2, 1), value=-1.5), uniform(2, 3, 4)),
    Case("pad_crop", lambda L, x: L.F.pad(x, (-1, 2, 0, -1)), uniform(3, 4)),
    Case("pad_3_dims", lambda L, x: L.F.pad(x, (1, 1, 0, 2, 1, 0)), uniform(2, 2, 3)),
    Case("pad_reflect", lambda L, x: L.F.pad(x, (2, 1), mode="reflect"), uniform(2, 3, 4)),
    Case(
        "pad_reflect_2d", lambda L, x: L.F.pad(x, (1, 2, 2, 1), mode="reflect"), uniform(1, 2, 3, 4)
    ),
    Case("pad_replicate", lambda L, x: L.F.pad(x, (3, 1), mode="replicate"), uniform(2, 3, 4)),
    Case(
        "pad_replicate_2d",
        lambda L, x: L.F.pad(x, (1, 2, 3, 0), mode="replicate"),
        uniform(1, 2, 3, 4),
    ),
    Case("pad_circular", lambda L, x: L.F.pad(x, (2, 3), mode="circular"), uniform(2, 3, 4)),
    Case(
        "pad_circular_2d",
        lambda L, x: L.F.pad(x, (1, 1, 2, 0), mode="circular"),
        uniform(1, 2, 3, 4),
    ),
    Case("embedding", lambda L, w, i: L.F.embedding(i, w), lookup(6, 3, (4, 5))),
    # padding_idx and scale_grad_by_freq deliberately alter the gradient: no gradcheck
    Case(
        "embedding_padding_idx",
        lambda L, w, i: L.F.embedding(i, w, padding_idx=1),
        lookup(4, 3, (3, 4)),
        gradcheck=False,
    ),
    Case(
        "embedding_negative_padding_idx",
        lambda L, w, i: L.F.embedding(i, w, padding_idx=-3),
        lookup(4, 3, (3, 4)),
        gradcheck=False,
    ),
    Case(
        "embedding_scale_grad_by_freq",
        lambda L, w, i: L.F.embedding(i, w, scale_grad_by_freq=True),
        lookup(5, 2, (3, 4)),
        gradcheck=False,
    ),
    Case("embedding_scalar_index", lambda L, w, i: L.F.embedding(i, w), lookup(5, 2, ())),
    Case(
        "bilinear", lambda L, a, b, w, c: L.F.bilinear(a, b, w, c), bilinear_inputs((4,), 3, 2, 5)
    ),
    Case(
        "bilinear_no_bias",
        lambda L, a, b, w: L.F.bilinear(a, b, w),
        bilinear_inputs((4,), 3, 2, 2, False),
    ),
    Case(
        "bilinear_3d",
        lambda L, a, b, w, c: L.F.bilinear(a, b, w, c),
        bilinear_inputs((2, 3), 2, 4, 3),
    ),
    Case(
        "bilinear_1d", lambda L, a, b, w, c: L.F.bilinear(a, b, w, c), bilinear_inputs((), 3, 2, 4)
    ),
    Case("pdist", lambda L, x: L.F.pdist(x), uniform(5, 3)),
    Case("pdist_p1", lambda L, x: L.F.pdist(x, 1), uniform(4, 3)),
    Case("pdist_p3", lambda L, x: L.F.pdist(x, p=3.0), uniform(4, 2)),
    Case("pdist_pinf", lambda L, x: L.F.pdist(x, float("inf")), uniform(4, 3)),
    Case("pdist_p0", lambda L, x: L.F.pdist(x, 0), uniform(3, 2)),
    Case("pdist_one_row", lambda L, x: L.F.pdist(x), uniform(1, 3)),
    Case(  # a zero distance: torch's gradient there is 0
        "pdist_equal_rows",
        lambda L, x: L.F.pdist(x),
        lambda rng, dtype: [np.array([[1, 2], [1, 2], [0, 1.5]], dtype)],
        gradcheck=False,
    ),
    Case("cosine_similarity", lambda L, a, b: L.F.cosine_similarity(a, b), pair(4, 3)),
    Case("cosine_similarity_dim", lambda L, a, b: L.F.cosine_similarity(a, b, 0, 1e-3), pair(4, 3)),
    # torch's top-level ops, with their own signatures
    Case("torch.pdist", lambda L, x: L.lib.pdist(x, 2.5), uniform(4, 3)),
    Case("torch.cosine_similarity", lambda L, a, b: L.lib.cosine_similarity(a, b, -1), pair(4, 3)),
    Case(
        "torch.bilinear",
        lambda L, a, b, w, c: L.lib.bilinear(a, b, w, c),
        bilinear_inputs((3,), 2, 3, 2),
    ),
    Case("torch.embedding", lambda L, w, i: L.lib.embedding(w, i), lookup(6, 3, (4, 5))),
    Case(
        "torch.embedding_padding_idx",
        lambda L, w, i: L.lib.embedding(w, i, 1, True),
        lookup(4, 3, (3, 4)),
        gradcheck=False,
    ),
    Case(
        "torch.embedding_padding_idx_none",
        lambda L, w, i: L.lib.embedding(w, i, -1),
        lookup(4, 3, (3, 4)),
    ),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_matches_torch(case, dtype):
    check_case(case, dtype)


@pytest.mark.parametrize("case", [c for c in CASES if c.gradcheck], ids=repr)
def test_gradcheck(case):
    check_gradcheck(case)


# ---------------------------------------------------------------- signatures


SKIP = {"relu_", "leaky_relu_", "elu_", "selu_", "celu_", "hardtanh_", "threshold_"}


@pytest.mark.parametrize("name", [n for n in FF.F.__all__ if n not in SKIP])
def test_signature_matches_torch(name):
    """Same parameter names, order and defaults, torch's keyword-only ones keyword-only too
    (ff may add keyword-only extras)."""
    try:
        theirs = inspect.signature(getattr(TORCH.F, name))
    except ValueError:  # a C builtin: torch documents the signature in the docstring only
        pytest.skip(f"torch.nn.functional.{name} has no Python signature")
    ours = inspect.signature(getattr(FF.F, name))
    positional = [p for p in ours.parameters.values() if p.kind != p.KEYWORD_ONLY]
    keyword = {p.name: p for p in ours.parameters.values() if p.kind == p.KEYWORD_ONLY}
    their_positional = [p for p in theirs.parameters.values() if p.kind != p.KEYWORD_ONLY]
    assert [p.name for p in positional] == [p.name for p in their_positional], name
    for p in positional:
        assert p.default == theirs.parameters[p.name].default, f"{name}({p.name}=...)"
    for p in theirs.parameters.values():
        if p.kind == p.KEYWORD_ONLY:
            assert keyword.pop(p.name).default == p.default, f"{name}(*, {p.name}=...)"
    assert all(p.default is not p.empty for p in keyword.values())  # the extras


# ---------------------------------------------------------------- one_hot


@pytest.mark.parametrize("shape,num_classes", [((5,), -1), ((2, 3), 7), ((), 4), ((0,), 3)])
def test_one_hot_matches_torch(shape, num_classes):
    idx = np.random.default_rng(0).integers(0, 4, shape).astype(np.int64)
    a = FF.F.one_hot(ff.tensor(idx), num_classes)
    b = TORCH.F.one_hot(torch.tensor(idx), num_classes)
    assert_close(a, b, "one_hot", "float32")
    assert not a.requires_grad


# ---------------------------------------------------------------- embedding


def test_embedding_repeated_indices_accumulate():
    w = ff.randn(4, 2, requires_grad=True)
    FF.F.embedding(ff.tensor([1, 1, 1, 3]), w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[0, 0], [3, 3], [0, 0], [1, 1]])


def test_embedding_max_norm_renormalises_used_rows_like_torch():
    rng = np.random.default_rng(3)
    w = (rng.normal(size=(5, 3)) * 3).astype(np.float32)
    idx = np.array([[0, 2], [2, 4]])
    fw, tw = ff.tensor(w.copy()), torch.tensor(w.copy())
    a = FF.F.embedding(ff.tensor(idx), fw, max_norm=1.0)
    b = TORCH.F.embedding(torch.tensor(idx), tw, max_norm=1.0)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5)
    np.testing.assert_allclose(fw.numpy(), tw.numpy(), rtol=1e-5)  # the weight changed in place
    np.testing.assert_array_equal(fw.numpy()[[1, 3]], w[[1, 3]])  # unused rows untouched


def test_embedding_int32_indices():
    w = np.random.default_rng(1).normal(size=(4, 2)).astype(np.float32)
    idx = np.array([3, 0, 1], dtype=np.int32)
    a = FF.F.embedding(ff.tensor(idx), ff.tensor(w))
    b = TORCH.F.embedding(torch.tensor(idx), torch.tensor(w))
    np.testing.assert_allclose(a.numpy(), b.numpy())


# ---------------------------------------------------------------- property tests


@given(
    st.integers(1, 4),
    st.integers(2, 5),
    st.lists(st.integers(1, 3), max_size=2),
    st.sampled_from(["mean", "sum", "none"]),
    st.sampled_from([0.0, 0.2]),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=40, deadline=None)
def test_cross_entropy_random_shapes(n, c, extra, reduction, smoothing, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 3, (n, c, *extra)).astype(np.float64)
    t = rng.integers(0, c, (n, *extra))
    t = np.where(rng.random(t.shape) < 0.2, -100, t)
    w = rng.uniform(0.2, 2, c)
    fx, tx = ff.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    kwargs = dict(reduction=reduction, label_smoothing=smoothing)
    a = FF.F.cross_entropy(fx, ff.tensor(t), ff.tensor(w), **kwargs)
    b = TORCH.F.cross_entropy(tx, torch.tensor(t), torch.tensor(w), **kwargs)
    assert_close(a, b, "cross_entropy", "float64")
    if np.isfinite(b.detach().numpy()).all():
        g = rng.normal(size=b.shape)
        a.backward(ff.tensor(g))
        b.backward(torch.tensor(g))
        assert_close(fx.grad, tx.grad, "cross_entropy grad", "float64")


@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=4),
    st.integers(1, 3),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=40, deadline=None)
def test_layer_norm_random_shapes(shape, k, seed):
    k = min(k, len(shape))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    norm_shape = tuple(shape[len(shape) - k :])
    w, b = rng.normal(size=norm_shape), rng.normal(size=norm_shape)
    fts = [ff.tensor(a, requires_grad=True) for a in (x, w, b)]
    tts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    fo = FF.F.layer_norm(fts[0], norm_shape, fts[1], fts[2])
    to = TORCH.F.layer_norm(tts[0], norm_shape, tts[1], tts[2])
    assert_close(fo, to, "layer_norm", "float64", dict(rtol=1e-7, atol=1e-9))
    g = rng.normal(size=shape)
    fo.backward(ff.tensor(g))
    to.backward(torch.tensor(g))
    for a, b in zip(fts, tts):
        assert_close(a.grad, b.grad, "layer_norm grad", "float64", dict(rtol=1e-6, atol=1e-8))


@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.data())
@settings(max_examples=40, deadline=None)
def test_constant_pad_random(shape, data):
    pads = []  # (before, after) for the last dim, then the one before; negative crops
    for n in reversed(shape[-2:]):
        pads += [data.draw(st.integers(-n + 1, 3)), data.draw(st.integers(0, 3))]
    x = np.random.default_rng(0).normal(size=shape)
    fx, tx = ff.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    a, b = FF.F.pad(fx, pads, value=0.5), TORCH.F.pad(tx, pads, value=0.5)
    assert_close(a, b, "pad", "float64")
    a.sum().backward()
    b.sum().backward()
    assert_close(fx.grad, tx.grad, "pad grad", "float64")


# ---------------------------------------------------------------- errors


X = np.zeros((3, 4), dtype=np.float32)
ERRORS = [
    ("linear_shapes", lambda L, x, w: L.F.linear(x, w), [X, np.zeros((2, 5), np.float32)]),
    ("linear_dtypes", lambda L, x, w: L.F.linear(x, w.double()), [X, np.zeros((2, 4))]),
    ("one_hot_float", lambda L, t: L.F.one_hot(t), [np.array([1.0, 2.0])]),
    ("one_hot_negative", lambda L, t: L.F.one_hot(t), [np.array([1, -2])]),
    ("one_hot_too_big", lambda L, t: L.F.one_hot(t, 3), [np.array([1, 5])]),
    ("one_hot_empty_infer", lambda L, t: L.F.one_hot(t), [np.zeros(0, dtype=np.int64)]),
    (
        "embedding_float_index",
        lambda L, w, i: L.F.embedding(i, w),
        [np.zeros((4, 3), np.float32), np.array([1.0, 2.0])],
    ),
    (
        "embedding_out_of_range",
        lambda L, w, i: L.F.embedding(i, w),
        [np.zeros((4, 3), np.float32), np.array([1, 7])],
    ),
    (
        "embedding_padding_idx",
        lambda L, w, i: L.F.embedding(i, w, padding_idx=9),
        [np.zeros((4, 3), np.float32), np.array([1, 2])],
    ),
    ("pad_odd", lambda L, x: L.F.pad(x, (1,)), [X]),
    ("pad_too_long", lambda L, x: L.F.pad(x, (1, 2, 3, 4, 5, 6)), [X]),
]


@pytest.mark.parametrize("name,fn,arrays", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch_types(name, fn, arrays):
    same_error(fn, *arrays)


BILINEAR_X = np.zeros((4, 3), np.float32)
MESSAGES_EQUAL = [
    (
        "bilinear_input2",
        lambda L, a, b, w: L.F.bilinear(a, b, w),
        [BILINEAR_X, np.zeros((4, 2), np.float32), np.zeros((2, 3, 3), np.float32)],
    ),
    (
        "bilinear_input1",
        lambda L, a, b, w: L.lib.bilinear(a, b, w),
        [BILINEAR_X, BILINEAR_X, np.zeros((2, 4, 3), np.float32)],
    ),
    (
        "bilinear_batch",
        lambda L, a, b, w: L.F.bilinear(a, b, w),
        [BILINEAR_X, np.zeros((5, 3), np.float32), np.zeros((2, 3, 3), np.float32)],
    ),
    (
        "bilinear_dims",
        lambda L, a, b, w: L.F.bilinear(a, b, w),
        [BILINEAR_X, np.zeros(3, np.float32), np.zeros((2, 3, 3), np.float32)],
    ),
    (
        "bilinear_bias",
        lambda L, a, b, w, c: L.F.bilinear(a, b, w, c),
        [BILINEAR_X, BILINEAR_X, np.zeros((2, 3, 3), np.float32), np.zeros(3, np.float32)],
    ),
    ("pdist_rank", lambda L, x: L.F.pdist(x), [np.zeros(3, np.float32)]),
    ("pdist_negative_p", lambda L, x: L.F.pdist(x, -1), [BILINEAR_X]),
    ("pdist_long", lambda L, x: L.lib.pdist(x), [np.zeros((3, 3), np.int64)]),
]


@pytest.mark.parametrize("name,fn,arrays", MESSAGES_EQUAL, ids=[e[0] for e in MESSAGES_EQUAL])
def test_error_messages_match_torch(name, fn, arrays):
    ff_err, torch_err = same_error(fn, *arrays)
    assert str(ff_err) == str(torch_err)


def test_linear_error_names_both_shapes():
    ff_err, _ = same_error(lambda L, x, w: L.F.linear(x, w), X, np.zeros((2, 5), np.float32))
    assert "(3, 4)" in str(ff_err) and "(2, 5)" in str(ff_err)


def test_non_tensor_input_is_a_type_error():
    with pytest.raises(TypeError, match="normalize.*must be Tensor, not list"):
        FF.F.normalize([1.0, 2.0])


def test_one_hot_messages_match_torch():
    for arrays in ([np.array([1, -2])], [np.array([1.0])]):
        ff_err, torch_err = same_error(lambda L, t: L.F.one_hot(t), *arrays)
        assert str(ff_err) == str(torch_err)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_grad_fn_name_matches_torch(case):
    check_grad_fn_name(case)


# ---------------------------------------------------------------- Bilinear


def test_bilinear_module_matches_torch_with_its_parameters():
    fm, tm = FF.nn.Bilinear(3, 4, 2), torch.nn.Bilinear(3, 4, 2)
    with ff.no_grad():
        for p, tp in zip(fm.parameters(), tm.parameters()):
            p.copy_(ff.tensor(tp.detach().numpy()))
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 4)).astype(np.float32)
    fa, fb = ff.tensor(a, requires_grad=True), ff.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    fy, ty = fm(fa, fb), tm(ta, tb)
    assert_close(fy, ty, "Bilinear", "float32")
    fy.sum().backward()
    ty.sum().backward()
    for x, tx in [(fa, ta), (fb, tb), *zip(fm.parameters(), tm.parameters())]:
        assert_close(x.grad, tx.grad, "Bilinear grad", "float32")


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_module_init_repr_and_state_dict(bias):
    """U(-1/sqrt(in1), 1/sqrt(in1)) for weight and bias, as torch's reset_parameters."""
    fm, tm = FF.nn.Bilinear(16, 5, 300, bias=bias), torch.nn.Bilinear(16, 5, 300, bias=bias)
    assert repr(fm) == repr(tm)
    assert list(fm.state_dict()) == list(tm.state_dict())
    assert fm.weight.shape == tm.weight.shape
    bound = 1 / np.sqrt(16)
    params = [fm.weight] + ([fm.bias] if bias else [])
    for p in params:
        values = p.detach().numpy()
        assert values.min() >= -bound and values.max() <= bound
        assert values.min() < -0.9 * bound and values.max() > 0.9 * bound
    fm.double()
    assert fm(ff.randn(2, 16, dtype=ff.float64), ff.randn(2, 5, dtype=ff.float64)).shape == (2, 300)


def test_cosine_similarity_module_matches_torch():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 2))
    for kwargs in ({}, {"dim": -1, "eps": 1e-3}):
        fm, tm = FF.nn.CosineSimilarity(**kwargs), torch.nn.CosineSimilarity(**kwargs)
        assert repr(fm) == repr(tm)
        assert_close(
            fm(ff.tensor(a), ff.tensor(b)), tm(torch.tensor(a), torch.tensor(b)), "cos", "float64"
        )


# ---------------------------------------------------------------- gumbel_softmax


@pytest.mark.parametrize("dim", [-1, 0])
@pytest.mark.parametrize("dtype", [ff.float32, ff.float64])
def test_gumbel_softmax_soft_and_hard(dim, dtype):
    """Random (ff's generator): shapes, soft rows summing to 1, the hard sample the one-hot
    of the soft one's argmax, with the soft sample's gradient (straight-through)."""
    logits = ff.randn(5, 4, dtype=dtype, requires_grad=True)
    weights = ff.randn(5, 4, dtype=dtype)
    ff.manual_seed(7)
    soft = FF.F.gumbel_softmax(logits, tau=0.5, dim=dim)
    ff.manual_seed(7)
    hard = FF.F.gumbel_softmax(logits, tau=0.5, hard=True, dim=dim)
    assert soft.shape == hard.shape == logits.shape and soft.dtype == hard.dtype == dtype
    assert soft.grad_fn.name() == "SoftmaxBackward0" and hard.grad_fn.name() == "AddBackward0"
    np.testing.assert_allclose(soft.detach().numpy().sum(dim), 1, rtol=1e-6)
    h = hard.detach().numpy()
    assert set(np.unique(h)) <= {0.0, 1.0} and (h.sum(dim) == 1).all()
    np.testing.assert_array_equal(h.argmax(dim), soft.detach().numpy().argmax(dim))
    (soft * weights).sum().backward()
    soft_grad = logits.grad.numpy().copy()
    logits.grad = None
    (hard * weights).sum().backward()
    np.testing.assert_allclose(logits.grad.numpy(), soft_grad, rtol=1e-5, atol=1e-7)


def test_gumbel_softmax_samples_the_categorical_distribution():
    """The hard samples' class frequencies are softmax(logits), whatever tau."""
    ff.manual_seed(0)
    logits = ff.tensor([0.0, 1.0, 2.0]).expand(40_000, 3)
    probs = FF.F.softmax(ff.tensor([0.0, 1.0, 2.0]), 0).numpy()
    for tau in (1.0, 0.3):
        counts = FF.F.gumbel_softmax(logits, tau, hard=True).numpy().mean(0)
        np.testing.assert_allclose(counts, probs, atol=0.01)


def test_gumbel_softmax_eps_warns_as_torch():
    with pytest.warns(UserWarning) as ours:
        FF.F.gumbel_softmax(ff.randn(2, 3), eps=1e-3)
    with pytest.warns(UserWarning) as theirs:
        TORCH.F.gumbel_softmax(torch.randn(2, 3), eps=1e-3)
    assert str(ours[0].message) == str(theirs[0].message)


# ---------------------------------------------------------------- torch's top-level nn ops

_X = np.random.default_rng(5).normal(size=(2, 4, 3))
_W = np.random.default_rng(6).uniform(0.5, 1.5, 4)


def _t(L, a):
    return L.lib.tensor(a)


# every argument by its keyword: the names are torch's (its ops have no Python signature)
TOPLEVEL_KEYWORDS = [
    ("dropout", lambda L: L.lib.dropout(input=_t(L, _X), p=0.5, train=False)),
    ("dropout_", lambda L: L.lib.dropout_(input=_t(L, _X), p=0.5, train=False)),
    ("alpha_dropout", lambda L: L.lib.alpha_dropout(input=_t(L, _X), p=0.5, train=False)),
    ("alpha_dropout_", lambda L: L.lib.alpha_dropout_(input=_t(L, _X), p=0.5, train=False)),
    ("feature_dropout", lambda L: L.lib.feature_dropout(input=_t(L, _X), p=0.5, train=False)),
    ("feature_dropout_", lambda L: L.lib.feature_dropout_(input=_t(L, _X), p=0.5, train=False)),
    (
        "feature_alpha_dropout",
        lambda L: L.lib.feature_alpha_dropout(input=_t(L, _X), p=0.5, train=False),
    ),
    (
        "feature_alpha_dropout_",
        lambda L: L.lib.feature_alpha_dropout_(input=_t(L, _X), p=0.5, train=False),
    ),
    (
        "batch_norm",
        lambda L: L.lib.batch_norm(
            input=_t(L, _X),
            weight=_t(L, _W),
            bias=None,
            running_mean=None,
            running_var=None,
            training=True,
            momentum=0.1,
            eps=1e-5,
            cudnn_enabled=False,
        ),
    ),
    (
        "layer_norm",
        lambda L: L.lib.layer_norm(
            input=_t(L, _X),
            normalized_shape=[3],
            weight=None,
            bias=None,
            eps=1e-3,
            cudnn_enable=False,
        ),
    ),
    (
        "group_norm",
        lambda L: L.lib.group_norm(
            input=_t(L, _X),
            num_groups=2,
            weight=_t(L, _W),
            bias=None,
            eps=1e-3,
            cudnn_enabled=False,
        ),
    ),
    (
        "instance_norm",
        lambda L: L.lib.instance_norm(
            input=_t(L, _X),
            weight=None,
            bias=_t(L, _W),
            running_mean=None,
            running_var=None,
            use_input_stats=True,
            momentum=0.1,
            eps=1e-5,
            cudnn_enabled=False,
        ),
    ),
    (
        "rms_norm",
        lambda L: L.lib.rms_norm(input=_t(L, _X), normalized_shape=[3], weight=None, eps=1e-3),
    ),
    ("selu", lambda L: L.lib.selu(input=_t(L, _X))),
    ("selu_", lambda L: L.lib.selu_(input=_t(L, _X))),
    ("celu", lambda L: L.lib.celu(input=_t(L, _X), alpha=2.0)),
    ("celu_", lambda L: L.lib.celu_(input=_t(L, _X), alpha=2.0)),
    ("threshold", lambda L: L.lib.threshold(input=_t(L, _X), threshold=0.1, value=-1.0)),
    ("threshold_", lambda L: L.lib.threshold_(input=_t(L, _X), threshold=0.1, value=-1.0)),
    ("prelu", lambda L: L.lib.prelu(input=_t(L, _X), weight=_t(L, _W))),
    ("hardshrink", lambda L: L.lib.hardshrink(input=_t(L, _X), lambd=0.3)),
    (
        "rrelu",
        lambda L: L.lib.rrelu(
            input=_t(L, _X), lower=0.1, upper=0.2, training=False, generator=None
        ),
    ),
    (
        "rrelu_",
        lambda L: L.lib.rrelu_(
            input=_t(L, _X), lower=0.1, upper=0.2, training=False, generator=None
        ),
    ),
    ("pdist", lambda L: L.lib.pdist(input=_t(L, _X[0]), p=1.5)),
    (
        "pairwise_distance",
        lambda L: L.lib.pairwise_distance(
            x1=_t(L, _X), x2=_t(L, _X[0]), p=1.0, eps=1e-3, keepdim=True
        ),
    ),
    (
        "cosine_similarity",
        lambda L: L.lib.cosine_similarity(x1=_t(L, _X), x2=_t(L, _X[::-1].copy()), dim=0, eps=1e-3),
    ),
    (
        "bilinear",
        lambda L: L.lib.bilinear(
            input1=_t(L, _X), input2=_t(L, _X), weight=_t(L, _X[:, :3]), bias=None
        ),
    ),
    (
        "embedding",
        lambda L: L.lib.embedding(
            weight=_t(L, _X[0]),
            indices=L.lib.tensor([[0, 3], [2, 2]]),
            padding_idx=2,
            scale_grad_by_freq=False,
            sparse=False,
        ),
    ),
]


@pytest.mark.parametrize("name,fn", TOPLEVEL_KEYWORDS, ids=[c[0] for c in TOPLEVEL_KEYWORDS])
def test_toplevel_nn_ops_take_torchs_keywords(name, fn):
    assert_close(fn(FF), fn(TORCH), name, "float64")
