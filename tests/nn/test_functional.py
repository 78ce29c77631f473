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
