"""Every loss, functional and module form, against torch: each reduction and option (class
weights, ignore_index, label smoothing, probability targets, pos_weight, log_target,
(N, C, d1, ...) shapes), values and gradients of input and target in float32 and float64,
a float64 gradcheck, cross_entropy at logits of ±1e4, and the error inputs."""

from __future__ import annotations

import inspect
import warnings
from types import SimpleNamespace

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
    same_error,
)

import feedforward as ff

REDUCTIONS = ["mean", "sum", "none"]


# ---------------------------------------------------------------- input builders


def pair(*shape, low=-2.0, high=2.0):
    """(input, target), both float of ``shape``."""

    def build(rng, dtype):
        return [rng.uniform(low, high, shape).astype(dtype) for _ in range(2)]

    return build


def pair_weighted(*shape):
    def build(rng, dtype):
        return pair(*shape)(rng, dtype) + [rng.uniform(0.1, 2.0, shape).astype(dtype)]

    return build


def classes(n, c, *extra, ignore=None, weight=False, scale=3.0, log_probs=False):
    """(scores, int64 targets[, class weights]); ``ignore`` sets a few targets to that value."""

    def build(rng, dtype):
        scores = rng.normal(0, scale, (n, c, *extra)) if n else rng.normal(0, scale, (c, *extra))
        if log_probs:
            axis = 1 if n else 0
            scores = scores - np.log(np.exp(scores).sum(axis=axis, keepdims=True))
        target = rng.integers(0, c, (n, *extra) if n else ())
        if ignore is not None:
            target = np.where(rng.random(target.shape) < 0.3, ignore, target)
        out = [scores.astype(dtype), np.asarray(target, dtype=np.int64)]
        if weight:
            out.append(rng.uniform(0.2, 2.0, c).astype(dtype))
        return out

    return build


def class_probs(n, c, *extra, weight=False):
    """(logits, probability targets[, class weights]): targets are rows summing to 1."""

    def build(rng, dtype):
        logits = rng.normal(0, 2, (n, c, *extra))
        t = rng.random((n, c, *extra))
        t = t / t.sum(axis=1, keepdims=True)
        out = [logits.astype(dtype), t.astype(dtype)]
        if weight:
            out.append(rng.uniform(0.2, 2.0, c).astype(dtype))
        return out

    return build


def probabilities(*shape, weight=False):
    """(p in (0.02, 0.98), target in [0, 1][, weight])."""

    def build(rng, dtype):
        out = [rng.uniform(0.02, 0.98, shape).astype(dtype), rng.random(shape).astype(dtype)]
        if weight:
            out.append(rng.uniform(0.2, 2.0, shape[-1:]).astype(dtype))
        return out

    return build


def logits_targets(*shape, pos_weight=False, weight=False):
    def build(rng, dtype):
        out = [rng.normal(0, 3, shape).astype(dtype), rng.random(shape).astype(dtype)]
        if weight:
            out.append(rng.uniform(0.2, 2.0, shape[-1:]).astype(dtype))
        if pos_weight:
            out.append(rng.uniform(0.5, 3.0, shape[-1:]).astype(dtype))
        return out

    return build


def kl_inputs(*shape, log_target=False):
    """(log-probabilities, target probabilities or log-probabilities)."""

    def build(rng, dtype):
        x = rng.normal(0, 1, shape)
        x = x - np.log(np.exp(x).sum(axis=-1, keepdims=True))
        t = rng.random(shape) + 0.05
        t = t / t.sum(axis=-1, keepdims=True)
        return [x.astype(dtype), (np.log(t) if log_target else t).astype(dtype)]

    return build


def signs(*shape):
    """±1 targets of ``shape`` (floats, as torch's margin losses take them)."""
    return lambda rng: rng.choice([-1.0, 1.0], shape)


def ranked(*shape):
    """(input1, input2, ±1 target)."""

    def build(rng, dtype):
        return pair(*shape)(rng, dtype) + [signs(*shape)(rng).astype(dtype)]

    return build


def scored(*shape):
    """(scores, ±1 target)."""

    def build(rng, dtype):
        return [rng.normal(0, 2, shape).astype(dtype), signs(*shape)(rng).astype(dtype)]

    return build


def embedded(n, d):
    """(input1, input2 of shape (n, d) or (d,) for n 0, ±1 target (n,) or ())."""

    def build(rng, dtype):
        shape = (n, d) if n else (d,)
        x1, x2 = (rng.normal(0, 1, shape).astype(dtype) for _ in range(2))
        return [x1, x2, np.asarray(signs(*shape[:-1])(rng), dtype=dtype)]

    return build


def labels(*shape, weight=False):
    """(scores, 0/1 labels[, class weights (C,)])."""

    def build(rng, dtype):
        out = [rng.normal(0, 2, shape), rng.integers(0, 2, shape).astype(float)]
        if weight:
            out.append(rng.uniform(0.2, 2.0, shape[-1:]))
        return [a.astype(dtype) for a in out]

    return build


def label_lists(n, c):
    """(scores (n, c) or (c,), each frame's target classes in some order, then -1s)."""

    def build(rng, dtype):
        shape = (n, c) if n else (c,)
        target = np.full((max(n, 1), c), -1, dtype=np.int64)
        for row in target:
            k = rng.integers(0, c + 1)
            row[:k] = rng.permutation(c)[:k]
            if k < c:  # what follows the first -1 is never read
                row[k + 1 :] = rng.integers(-1, c, c - k - 1)
        return [rng.normal(0, 1, shape).astype(dtype), target.reshape(shape)]

    return build


def triplets(*shape):
    def build(rng, dtype):
        return [rng.normal(0, 1, shape).astype(dtype) for _ in range(3)]

    return build


def counts(*shape, log_input=True, full=False):
    """(log rate or rate, Poisson counts 0..6 as floats); with ``full``, 0.5..6.5: Stirling's
    term is masked at target <= 1 (a step for finite differences), its gradient NaN at 0."""

    def build(rng, dtype):
        x = rng.normal(0, 1, shape) if log_input else rng.uniform(0.1, 4.0, shape)
        return [x.astype(dtype), (rng.integers(0, 7, shape) + 0.5 * full).astype(dtype)]

    return build


def gaussian(shape, var_shape):
    """(mean, target, variance > 0 of ``var_shape``)."""

    def build(rng, dtype):
        out = [rng.normal(0, 1, shape), rng.normal(0, 1, shape), rng.uniform(0.1, 2, var_shape)]
        return [a.astype(dtype) for a in out]

    return build


# ---------------------------------------------------------------- the table


CASES = []
for r in REDUCTIONS:
    CASES += [
        Case(f"l1_{r}", lambda L, x, t, r=r: L.F.l1_loss(x, t, reduction=r), pair(4, 3)),
        Case(f"mse_{r}", lambda L, x, t, r=r: L.F.mse_loss(x, t, reduction=r), pair(4, 3)),
        Case(f"mse_3d_{r}", lambda L, x, t, r=r: L.F.mse_loss(x, t, reduction=r), pair(2, 3, 2)),
        Case(
            f"l1_weight_{r}",
            lambda L, x, t, w, r=r: L.F.l1_loss(x, t, reduction=r, weight=w),
            pair_weighted(4, 3),
            no_grad=(2,),
        ),
        Case(
            f"mse_weight_{r}",
            lambda L, x, t, w, r=r: L.F.mse_loss(x, t, reduction=r, weight=w),
            pair_weighted(4, 3),
            no_grad=(2,),
        ),
        Case(
            f"huber_weight_{r}",
            lambda L, x, t, w, r=r: L.F.huber_loss(x, t, reduction=r, weight=w),
            pair_weighted(4, 3),
            no_grad=(2,),
        ),
        Case(f"huber_{r}", lambda L, x, t, r=r: L.F.huber_loss(x, t, reduction=r), pair(4, 3)),
        Case(
            f"huber_delta_{r}", lambda L, x, t, r=r: L.F.huber_loss(x, t, r, delta=0.4), pair(4, 3)
        ),
        Case(
            f"smooth_l1_{r}", lambda L, x, t, r=r: L.F.smooth_l1_loss(x, t, reduction=r), pair(4, 3)
        ),
        Case(
            f"smooth_l1_beta_{r}",
            lambda L, x, t, r=r: L.F.smooth_l1_loss(x, t, reduction=r, beta=0.3),
            pair(4, 3),
        ),
        Case(
            f"smooth_l1_beta0_{r}",
            lambda L, x, t, r=r: L.F.smooth_l1_loss(x, t, reduction=r, beta=0.0),
            pair(4, 3),
        ),
        # cross entropy with class indices
        Case(f"ce_{r}", lambda L, x, t, r=r: L.F.cross_entropy(x, t, reduction=r), classes(5, 4)),
        Case(
            f"ce_weight_{r}",
            lambda L, x, t, w, r=r: L.F.cross_entropy(x, t, w, reduction=r),
            classes(6, 4, weight=True),
            no_grad=(2,),
        ),
        Case(
            f"ce_ignore_{r}",
            lambda L, x, t, r=r: L.F.cross_entropy(x, t, ignore_index=-100, reduction=r),
            classes(8, 3, ignore=-100),
        ),
        Case(
            f"ce_ignore_class_{r}",
            lambda L, x, t, w, r=r: L.F.cross_entropy(x, t, w, ignore_index=1, reduction=r),
            classes(8, 3, weight=True),
            no_grad=(2,),
        ),
        Case(
            f"ce_smooth_{r}",
            lambda L, x, t, r=r: L.F.cross_entropy(x, t, reduction=r, label_smoothing=0.2),
            classes(5, 4),
        ),
        Case(
            f"ce_smooth_weight_ignore_{r}",
            lambda L, x, t, w, r=r: L.F.cross_entropy(
                x, t, w, ignore_index=-1, reduction=r, label_smoothing=0.15
            ),
            classes(8, 4, ignore=-1, weight=True),
            no_grad=(2,),
        ),
        Case(
            f"ce_spatial_{r}",
            lambda L, x, t, r=r: L.F.cross_entropy(x, t, reduction=r),
            classes(2, 3, 4),
        ),
        Case(
            f"ce_spatial2_weight_{r}",
            lambda L, x, t, w, r=r: L.F.cross_entropy(x, t, w, reduction=r, label_smoothing=0.1),
            classes(2, 3, 2, 3, weight=True),
            no_grad=(2,),
        ),
        Case(
            f"ce_unbatched_{r}",
            lambda L, x, t, r=r: L.F.cross_entropy(x, t, reduction=r),
            classes(0, 5),
        ),
        # cross entropy with class probabilities
        Case(
            f"ce_probs_{r}",
            lambda L, x, t, r=r: L.F.cross_entropy(x, t, reduction=r),
            class_probs(4, 3),
        ),
        Case(
            f"ce_probs_smooth_weight_{r}",
            lambda L, x, t, w, r=r: L.F.cross_entropy(x, t, w, reduction=r, label_smoothing=0.3),
            class_probs(4, 3, weight=True),
        ),
        Case(
            f"ce_probs_spatial_{r}",
            lambda L, x, t, r=r: L.F.cross_entropy(x, t, reduction=r),
            class_probs(2, 3, 2),
        ),
        # negative log likelihood
        Case(
            f"nll_{r}",
            lambda L, x, t, r=r: L.F.nll_loss(x, t, reduction=r),
            classes(5, 4, log_probs=True),
        ),
        Case(
            f"nll_weight_ignore_{r}",
            lambda L, x, t, w, r=r: L.F.nll_loss(x, t, w, ignore_index=-100, reduction=r),
            classes(8, 4, ignore=-100, weight=True, log_probs=True),
            no_grad=(2,),
        ),
        Case(
            f"nll_spatial_{r}",
            lambda L, x, t, r=r: L.F.nll_loss(x, t, reduction=r),
            classes(2, 3, 4, log_probs=True),
        ),
        # binary cross entropy
        Case(
            f"bce_{r}",
            lambda L, x, t, r=r: L.F.binary_cross_entropy(x, t, reduction=r),
            probabilities(4, 3),
        ),
        Case(
            f"bce_weight_{r}",
            lambda L, x, t, w, r=r: L.F.binary_cross_entropy(x, t, w, reduction=r),
            probabilities(4, 3, weight=True),
            no_grad=(2,),
        ),
        Case(
            f"bce_logits_{r}",
            lambda L, x, t, r=r: L.F.binary_cross_entropy_with_logits(x, t, reduction=r),
            logits_targets(4, 3),
        ),
        Case(
            f"bce_logits_pos_weight_{r}",
            lambda L, x, t, p, r=r: L.F.binary_cross_entropy_with_logits(
                x, t, reduction=r, pos_weight=p
            ),
            logits_targets(4, 3, pos_weight=True),
            no_grad=(2,),
        ),
        Case(
            f"bce_logits_both_weights_{r}",
            lambda L, x, t, w, p, r=r: L.F.binary_cross_entropy_with_logits(
                x, t, w, reduction=r, pos_weight=p
            ),
            logits_targets(4, 3, weight=True, pos_weight=True),
            no_grad=(2, 3),
        ),
    ]
for r in REDUCTIONS + ["batchmean"]:
    CASES += [
        Case(f"kl_{r}", lambda L, x, t, r=r: L.F.kl_div(x, t, reduction=r), kl_inputs(3, 4)),
        Case(
            f"kl_log_target_{r}",
            lambda L, x, t, r=r: L.F.kl_div(x, t, reduction=r, log_target=True),
            kl_inputs(3, 4, log_target=True),
        ),
    ]

# the margin and likelihood losses
for r in REDUCTIONS:
    CASES += [
        Case(
            f"margin_ranking_{r}",
            lambda L, x1, x2, t, r=r: L.F.margin_ranking_loss(x1, x2, t, reduction=r),
            ranked(6),
        ),
        Case(
            f"margin_ranking_margin_{r}",
            lambda L, x1, x2, t, r=r: L.F.margin_ranking_loss(x1, x2, t, 0.5, reduction=r),
            ranked(3, 4),
        ),
        Case(
            f"hinge_embedding_{r}",
            lambda L, x, t, r=r: L.F.hinge_embedding_loss(x, t, reduction=r),
            scored(4, 3),
            no_grad=(1,),
        ),
        Case(
            f"hinge_embedding_margin_{r}",
            lambda L, x, t, r=r: L.F.hinge_embedding_loss(x, t, margin=2.5, reduction=r),
            scored(7),
            no_grad=(1,),
        ),
        Case(
            f"soft_margin_{r}",
            lambda L, x, t, r=r: L.F.soft_margin_loss(x, t, reduction=r),
            scored(4, 3),
            no_grad=(1,),
        ),
        Case(
            f"cosine_embedding_{r}",
            lambda L, x1, x2, t, r=r: L.F.cosine_embedding_loss(x1, x2, t, reduction=r),
            embedded(5, 3),
            no_grad=(2,),
        ),
        Case(
            f"cosine_embedding_margin_{r}",
            lambda L, x1, x2, t, r=r: L.F.cosine_embedding_loss(x1, x2, t, -0.3, reduction=r),
            embedded(6, 4),
            no_grad=(2,),
        ),
        Case(
            f"cosine_embedding_unbatched_{r}",
            lambda L, x1, x2, t, r=r: L.F.cosine_embedding_loss(x1, x2, t, reduction=r),
            embedded(0, 4),
            no_grad=(2,),
        ),
        Case(
            f"multilabel_soft_margin_{r}",
            lambda L, x, t, r=r: L.F.multilabel_soft_margin_loss(x, t, reduction=r),
            labels(4, 3),
        ),
        Case(
            f"multilabel_soft_margin_weight_{r}",
            lambda L, x, t, w, r=r: L.F.multilabel_soft_margin_loss(x, t, w, reduction=r),
            labels(2, 3, 4, weight=True),
        ),
        Case(
            f"multi_margin_{r}",
            lambda L, x, t, r=r: L.F.multi_margin_loss(x, t, reduction=r),
            classes(6, 4, scale=1.0),
        ),
        Case(
            f"multi_margin_p2_weight_{r}",
            lambda L, x, t, w, r=r: L.F.multi_margin_loss(x, t, 2, 0.7, w, reduction=r),
            classes(6, 4, scale=1.0, weight=True),
            no_grad=(2,),
        ),
        Case(
            f"multi_margin_unbatched_{r}",
            lambda L, x, t, r=r: L.F.multi_margin_loss(x, t, p=2, margin=2.0, reduction=r),
            classes(0, 5, scale=1.0),
        ),
        Case(
            f"multilabel_margin_{r}",
            lambda L, x, t, r=r: L.F.multilabel_margin_loss(x, t, reduction=r),
            label_lists(6, 4),
        ),
        Case(
            f"multilabel_margin_unbatched_{r}",
            lambda L, x, t, r=r: L.F.multilabel_margin_loss(x, t, reduction=r),
            label_lists(0, 5),
        ),
        Case(
            f"triplet_margin_{r}",
            lambda L, a, p, n, r=r: L.F.triplet_margin_loss(a, p, n, reduction=r),
            triplets(5, 3),
        ),
        Case(
            f"triplet_margin_p1_swap_{r}",
            lambda L, a, p, n, r=r: L.F.triplet_margin_loss(
                a, p, n, margin=0.5, p=1, eps=1e-3, swap=True, reduction=r
            ),
            triplets(5, 3),
        ),
        Case(
            f"triplet_margin_unbatched_{r}",
            lambda L, a, p, n, r=r: L.F.triplet_margin_loss(a, p, n, p=3, reduction=r),
            triplets(4),
        ),
        Case(
            f"triplet_distance_{r}",
            lambda L, a, p, n, r=r: L.F.triplet_margin_with_distance_loss(a, p, n, reduction=r),
            triplets(5, 3),
        ),
        Case(
            f"triplet_distance_cosine_swap_{r}",
            lambda L, a, p, n, r=r: L.F.triplet_margin_with_distance_loss(
                a,
                p,
                n,
                distance_function=lambda u, v: 1 - L.F.cosine_similarity(u, v),
                margin=0.4,
                swap=True,
                reduction=r,
            ),
            triplets(6, 3),
        ),
        Case(
            f"poisson_nll_{r}",
            lambda L, x, t, r=r: L.F.poisson_nll_loss(x, t, reduction=r),
            counts(4, 3),
        ),
        Case(
            f"poisson_nll_full_{r}",
            lambda L, x, t, r=r: L.F.poisson_nll_loss(x, t, full=True, reduction=r),
            counts(4, 3, full=True),
        ),
        Case(
            f"poisson_nll_rate_{r}",
            lambda L, x, t, r=r: L.F.poisson_nll_loss(
                x, t, log_input=False, full=True, eps=1e-3, reduction=r
            ),
            counts(4, 3, log_input=False, full=True),
        ),
        Case(
            f"gaussian_nll_{r}",
            lambda L, x, t, v, r=r: L.F.gaussian_nll_loss(x, t, v, reduction=r),
            gaussian((4, 3), (4, 3)),
        ),
        Case(
            f"gaussian_nll_full_row_var_{r}",
            lambda L, x, t, v, r=r: L.F.gaussian_nll_loss(x, t, v, full=True, reduction=r),
            gaussian((4, 3), (4,)),
        ),
        Case(
            f"gaussian_nll_broadcast_var_{r}",
            lambda L, x, t, v, r=r: L.F.gaussian_nll_loss(x, t, v, eps=0.05, reduction=r),
            gaussian((2, 3, 4), (2, 1, 4)),
        ),
        Case(  # var below eps is clamped, not differentiated: no finite differences
            f"gaussian_nll_clamped_var_{r}",
            lambda L, x, t, v, r=r: L.F.gaussian_nll_loss(x, t, v, eps=0.5, reduction=r),
            gaussian((4, 3), (4, 3)),
            gradcheck=False,
        ),
        Case(
            f"gaussian_nll_float_var_{r}",
            lambda L, x, t, r=r: L.F.gaussian_nll_loss(x, t, 0.7, reduction=r),
            pair(4, 3),
        ),
    ]


def shapes(*shapes, low=-2.0, high=2.0, signed=()):
    """One uniform float array per shape (for the losses that broadcast); ``signed``: the
    indices that are ±1 targets instead."""

    def build(rng, dtype):
        return [
            (rng.choice([-1.0, 1.0], s) if i in signed else rng.uniform(low, high, s)).astype(dtype)
            for i, s in enumerate(shapes)
        ]

    return build


# torch neither warns nor refuses when these broadcast: nor do we
CASES += [
    Case(
        "margin_ranking_broadcast",
        lambda L, x1, x2, t: L.F.margin_ranking_loss(x1, x2, t, 0.3, reduction="none"),
        shapes((3, 4), (3, 1), (1, 4), signed=(2,)),
    ),
    Case(
        "hinge_embedding_broadcast",
        lambda L, x, t: L.F.hinge_embedding_loss(x, t, reduction="none"),
        shapes((3,), (2, 3), signed=(1,)),
        no_grad=(1,),
    ),
    Case(
        "soft_margin_broadcast",
        lambda L, x, t: L.F.soft_margin_loss(x, t, reduction="none"),
        shapes((3, 5), (5,), signed=(1,)),
        no_grad=(1,),
    ),
    Case(
        "multilabel_soft_margin_broadcast",
        lambda L, x, t: L.F.multilabel_soft_margin_loss(x, t, reduction="none"),
        shapes((3, 4), (4,), low=0.0, high=1.0),
    ),
    Case(
        "triplet_margin_broadcast",
        lambda L, a, p, n: L.F.triplet_margin_loss(a, p, n, reduction="none"),
        shapes((4, 3), (1, 3), (4, 1)),
    ),
    Case(
        "poisson_nll_broadcast",
        lambda L, x, t: L.F.poisson_nll_loss(x, t, reduction="none"),
        shapes((4, 3), (3,), low=0.0, high=4.0),
    ),
]


# torch's top-level ops behind them: reduction an int (1 mean, 2 sum, any other none); called
# without one, torch 2.13's give the unreduced loss
TOP_LEVEL = [
    (
        "margin_ranking_loss",
        lambda L, x1, x2, t, *r: L.lib.margin_ranking_loss(x1, x2, t, 0.2, *r),
        ranked(5),
        (),
    ),
    (
        "hinge_embedding_loss",
        lambda L, x, t, *r: L.lib.hinge_embedding_loss(x, t, 0.5, *r),
        scored(5),
        (1,),
    ),
    (
        "cosine_embedding_loss",
        lambda L, x1, x2, t, *r: L.lib.cosine_embedding_loss(x1, x2, t, 0.1, *r),
        embedded(4, 3),
        (2,),
    ),
    (
        "triplet_margin_loss",  # margin 0 too: only nn.functional's refuses it
        lambda L, a, p, n, *r: L.lib.triplet_margin_loss(a, p, n, 0.0, 1.5, 1e-3, True, *r),
        triplets(4, 3),
        (),
    ),
    (
        "poisson_nll_loss",
        lambda L, x, t, *r: L.lib.poisson_nll_loss(x, t, False, True, 1e-4, *(r or (1,))),
        counts(4, 3, log_input=False, full=True),
        (),
    ),
    ("kl_div", lambda L, x, t, *r: L.lib.kl_div(x, t, *r), kl_inputs(3, 4), ()),
    (
        "kl_div_log_target",
        lambda L, x, t, *r: L.lib.kl_div(x, t, *r, log_target=True),
        kl_inputs(3, 4, log_target=True),
        (),
    ),
    (
        "binary_cross_entropy_with_logits",
        lambda L, x, t, p, *r: L.lib.binary_cross_entropy_with_logits(x, t, None, p, *r),
        logits_targets(4, 3, pos_weight=True),
        (2,),
    ),
]
for name, call, build, no_grad in TOP_LEVEL:
    for r in ((), (0,), (1,), (2,), (3,)):
        CASES.append(
            Case(
                f"torch.{name}{r[0] if r else ''}",
                lambda L, *a, call=call, r=r: call(L, *a, *r),
                build,
                no_grad=no_grad,
            )
        )
CASES += [
    Case("torch.pairwise_distance", lambda L, a, b: L.lib.pairwise_distance(a, b), pair(4, 3)),
    Case(
        "pairwise_distance_p1_keepdim",
        lambda L, a, b: L.F.pairwise_distance(a, b, 1.0, 1e-3, keepdim=True),
        pair(2, 4, 3),
    ),
    Case(
        "pairwise_distance_broadcast_pinf",
        lambda L, a, b: L.F.pairwise_distance(a, b[0], float("inf")),
        pair(4, 3),
    ),
    Case("PairwiseDistance", lambda L, a, b: L.nn.PairwiseDistance(p=3)(a, b), pair(5)),
]

# module forms: the same code through nn.XxxLoss(...)(input, target)
CASES += [
    Case("L1Loss", lambda L, x, t: L.nn.L1Loss()(x, t), pair(3, 2)),
    Case("MSELoss_sum", lambda L, x, t: L.nn.MSELoss(reduction="sum")(x, t), pair(3, 2)),
    Case("HuberLoss", lambda L, x, t: L.nn.HuberLoss(delta=0.5)(x, t), pair(3, 2)),
    Case("SmoothL1Loss", lambda L, x, t: L.nn.SmoothL1Loss(beta=0.5)(x, t), pair(3, 2)),
    Case(
        "CrossEntropyLoss",
        lambda L, x, t, w: L.nn.CrossEntropyLoss(w, ignore_index=0, label_smoothing=0.1)(x, t),
        classes(6, 4, weight=True),
        no_grad=(2,),
    ),
    Case(
        "NLLLoss",
        lambda L, x, t: L.nn.NLLLoss(reduction="none")(x, t),
        classes(4, 3, log_probs=True),
    ),
    Case("BCELoss", lambda L, x, t: L.nn.BCELoss()(x, t), probabilities(3, 2)),
    Case(
        "BCEWithLogitsLoss",
        lambda L, x, t, p: L.nn.BCEWithLogitsLoss(pos_weight=p)(x, t),
        logits_targets(3, 2, pos_weight=True),
        no_grad=(2,),
    ),
    Case("KLDivLoss", lambda L, x, t: L.nn.KLDivLoss(reduction="batchmean")(x, t), kl_inputs(3, 4)),
    Case(
        "MarginRankingLoss",
        lambda L, x1, x2, t: L.nn.MarginRankingLoss(margin=0.2)(x1, x2, t),
        ranked(5),
    ),
    Case(
        "HingeEmbeddingLoss",
        lambda L, x, t: L.nn.HingeEmbeddingLoss(0.5, reduction="sum")(x, t),
        scored(5),
        no_grad=(1,),
    ),
    Case("SoftMarginLoss", lambda L, x, t: L.nn.SoftMarginLoss()(x, t), scored(5), no_grad=(1,)),
    Case(
        "CosineEmbeddingLoss",
        lambda L, x1, x2, t: L.nn.CosineEmbeddingLoss(margin=0.1)(x1, x2, t),
        embedded(4, 3),
        no_grad=(2,),
    ),
    Case(
        "MultiLabelSoftMarginLoss",
        lambda L, x, t, w: L.nn.MultiLabelSoftMarginLoss(w, reduction="none")(x, t),
        labels(3, 4, weight=True),
        no_grad=(2,),
    ),
    Case(
        "MultiMarginLoss",
        lambda L, x, t, w: L.nn.MultiMarginLoss(p=2, margin=0.5, weight=w)(x, t),
        classes(5, 3, scale=1.0, weight=True),
        no_grad=(2,),
    ),
    Case(
        "MultiLabelMarginLoss", lambda L, x, t: L.nn.MultiLabelMarginLoss()(x, t), label_lists(4, 3)
    ),
    Case(
        "TripletMarginLoss",
        lambda L, a, p, n: L.nn.TripletMarginLoss(margin=0.5, swap=True)(a, p, n),
        triplets(4, 3),
    ),
    Case(
        "TripletMarginWithDistanceLoss",
        lambda L, a, p, n: L.nn.TripletMarginWithDistanceLoss(reduction="sum")(a, p, n),
        triplets(4, 3),
    ),
    Case(
        "PoissonNLLLoss",
        lambda L, x, t: L.nn.PoissonNLLLoss(log_input=False, full=True)(x, t),
        counts(4, 3, log_input=False, full=True),
    ),
    Case(
        "GaussianNLLLoss",
        lambda L, x, t, v: L.nn.GaussianNLLLoss(full=True, eps=1e-3)(x, t, v),
        gaussian((4, 3), (4, 1)),
    ),
]


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_matches_torch(case, dtype):
    check_case(case, dtype)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("case", [c for c in CASES if c.gradcheck], ids=repr)
def test_gradcheck(case):
    check_gradcheck(case)


def test_gradcheck_pos_weight():
    """torch does not differentiate w.r.t. pos_weight; we do, and finite differences agree."""
    rng = np.random.default_rng(4)
    x, t, p = (
        ff.tensor(a, requires_grad=True)
        for a in (rng.normal(size=(3, 2)), rng.random((3, 2)), rng.uniform(0.5, 2, 2))
    )
    assert ff.autograd.gradcheck(
        lambda *a: FF.F.binary_cross_entropy_with_logits(a[0], a[1], pos_weight=a[2]), (x, t, p)
    )


# ---------------------------------------------------------------- cross entropy specifics


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_finite_at_huge_logits(smoothing):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [-1e4, -1e4, -1e4]], dtype=np.float32)
    target = np.array([1, 0, 2])
    fx = ff.tensor(logits, requires_grad=True)
    tx = torch.tensor(logits, requires_grad=True)
    fl = FF.F.cross_entropy(fx, ff.tensor(target), label_smoothing=smoothing)
    tl = TORCH.F.cross_entropy(tx, torch.tensor(target), label_smoothing=smoothing)
    fl.backward()
    tl.backward()
    assert np.isfinite(fl.item()) and np.isfinite(fx.grad.numpy()).all()
    np.testing.assert_allclose(fl.item(), tl.item(), rtol=1e-6)
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), atol=1e-6)


def test_cross_entropy_is_one_fused_node():
    x = ff.randn(4, 3, requires_grad=True)
    loss = FF.F.cross_entropy(x, ff.tensor([0, 1, 2, 0]))
    assert type(loss.grad_fn).__name__ == "CrossEntropy"  # torch's name, NllLoss: see below
    assert loss.grad_fn.name() == "NllLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "AccumulateGrad"


def test_cross_entropy_weighted_mean_divides_by_target_weights():
    """torch's rule, from the formula: sum_i w[t_i] nll_i / sum_i w[t_i] over kept targets."""
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(6, 3))
    target = np.array([0, 2, 2, 1, -100, 0])
    w = np.array([0.5, 2.0, 1.5])
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    kept = target != -100
    nll = -logp[np.arange(6)[kept], target[kept]]
    expected = (w[target[kept]] * nll).sum() / w[target[kept]].sum()
    got = FF.F.cross_entropy(ff.tensor(logits), ff.tensor(target), ff.tensor(w))
    np.testing.assert_allclose(got.item(), expected, rtol=1e-12)


def test_all_targets_ignored_gives_nan_like_torch():
    x = np.zeros((2, 3), dtype=np.float32)
    t = np.array([-100, -100])
    a = FF.F.cross_entropy(ff.tensor(x), ff.tensor(t))
    b = TORCH.F.cross_entropy(torch.tensor(x), torch.tensor(t))
    assert np.isnan(a.item()) and np.isnan(b.item())
    assert FF.F.nll_loss(ff.tensor(x), ff.tensor(t), reduction="sum").item() == 0.0


NAN, INF = float("nan"), float("inf")

# binary_cross_entropy raises for an input or target outside [0, 1] (NaN too), as torch
UNIT_INTERVAL = (0.0, -0.0, 1.0, 0.5, 0.25)
VARIANCES = (NAN, INF, 0.0, -0.0, 1e-8, 0.5, 1.0, 3.0)  # gaussian_nll_loss's: none negative


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=repr)
@pytest.mark.filterwarnings("ignore::UserWarning")  # kl_div's 'mean' warning, as torch's
def test_nonfinite_matches_torch(case, dtype):
    """NaN, inf and exact zeros in the scores, targets, weights and upstream gradient give the
    values and gradients torch's do: its losses are compositions (log_softmax then nll_loss,
    xlogy(t, t) - t x, ...) whose 0 * inf and inf - inf are NaN where a closed form's may not
    be, e.g. cross entropy's gradient at the target is NaN for an infinite upstream gradient."""
    probabilities = case.name.startswith("bce_") and "logits" not in case.name
    domains = (
        {0: UNIT_INTERVAL, 1: UNIT_INTERVAL} if probabilities or case.name == "BCELoss" else None
    )
    if case.name.lower().startswith("gaussian"):  # a negative variance raises, as torch's
        domains = {2: VARIANCES}
    for seed in range(3):
        check_nonfinite(case, dtype, seed, domains=domains)


def test_bce_checks_target_range_like_torch():
    """torch checks input and target element by element: the first bad element names which."""
    for x, t in [([0.5, 2.0], [3.0, 0.5]), ([0.5, 0.2], [1.5, 2.0]), ([0.5, NAN], [0.5, 0.5])]:
        ff_err, torch_err = same_error(
            lambda L, a, b: L.F.binary_cross_entropy(a, b), np.array(x), np.array(t)
        )
        assert str(ff_err) == str(torch_err)


def test_bce_target_gradient_at_saturated_inputs():
    """d/dt is -logit(x): +-inf where sigmoid saturated to exactly 0 or 1 (float32 at |z| > 17),
    as torch's, not the loss's clamped logs (+-100)."""
    x = np.array([0.0, 1.0, 0.5, 0.25], np.float32)
    grads = []
    for L in (FF, TORCH):
        t = L.lib.tensor([0.5, 0.5, 0.5, 1.0], requires_grad=True)
        L.F.binary_cross_entropy(L.lib.tensor(x), t, reduction="sum").backward()
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    assert grads[0][0] == np.inf and grads[0][1] == -np.inf


@pytest.mark.parametrize(
    "fn",
    [
        lambda L, x, t, w, g: L.F.nll_loss(x, t, w, reduction="none").backward(g),
        lambda L, x, t, w, g: L.F.nll_loss(x, t, reduction="none").backward(g),
        lambda L, x, t, w, g: L.F.nll_loss(x, t, w).backward(g.sum()),
        lambda L, x, t, w, g: L.F.cross_entropy(x, t, w, reduction="none").sum().backward(),
    ],
    ids=["nll_weight", "nll", "nll_mean", "ce_weight"],
)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's, in the forward (inf - inf)
def test_class_losses_nonfinite_like_torch(fn):
    """NaN/inf scores, class weights and upstream gradients: an ignored row (target -100) gets
    loss 0 and gradient 0, NLL's gradient is exactly 0 off the target class, as torch."""
    x = np.array([[NAN, 1.0, 2.0], [0.0, INF, 2.0], [-INF, 1.0, NAN], [0.5, 1.0, 2.0]], np.float32)
    t = np.array([1, -100, 0, -100])
    w = np.array([NAN, 2.0, 1.0], np.float32)  # class 0's weight is NaN: ignored rows read it
    g = np.array([1.0, NAN, INF, 2.0], np.float32)
    grads = []
    for L in (FF, TORCH):
        xt = L.lib.tensor(x, requires_grad=True)
        args = L.lib.tensor(t), L.lib.tensor(w), L.lib.tensor(g)
        fn(L, xt, *args)
        grads.append(xt.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])  # NaN where torch's, exact zeros too
    for L in (FF, TORCH):  # the forward: ignored rows' losses are 0, not NaN * 0
        loss = L.F.cross_entropy(L.lib.tensor(x), L.lib.tensor(t), reduction="none")
        assert loss.numpy()[1] == 0 and loss.numpy()[3] == 0


@pytest.mark.parametrize("beta", [0.0, 1.0])
def test_l1_losses_at_nan_like_torch(beta):
    """L1's slope is sign(d), 0 at NaN as torch's sign; smooth L1's keeps the NaN."""
    d = np.array([NAN, INF, -INF, 0.0, 0.5, 3.0], np.float32)
    grads = []
    for L in (FF, TORCH):
        x = L.lib.tensor(d, requires_grad=True)
        L.F.smooth_l1_loss(x, L.lib.zeros(6), reduction="none", beta=beta).sum().backward()
        x2 = L.lib.tensor(d, requires_grad=True)
        L.F.l1_loss(x2, L.lib.zeros(6), reduction="none").sum().backward()
        grads.append((x.grad.numpy(), x2.grad.numpy()))
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_uint8_targets_are_accepted():
    x = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    t = np.array([1, 3, 0], dtype=np.uint8)
    a = FF.F.cross_entropy(ff.tensor(x), ff.tensor(t))
    b = TORCH.F.cross_entropy(torch.tensor(x), torch.tensor(t))
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-6)


def test_bce_clamps_log_at_minus_100():
    x = np.array([0.0, 1.0, 0.0, 1.0], dtype=np.float32)
    t = np.array([1.0, 0.0, 0.0, 1.0], dtype=np.float32)
    a = FF.F.binary_cross_entropy(ff.tensor(x), ff.tensor(t), reduction="none")
    b = TORCH.F.binary_cross_entropy(torch.tensor(x), torch.tensor(t), reduction="none")
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.tolist() == [100.0, 100.0, 0.0, 0.0]


def test_bce_with_logits_stable_for_huge_logits():
    x = np.array([-1e4, 1e4, -50.0, 50.0], dtype=np.float32)
    t = np.array([1.0, 0.0, 0.0, 1.0], dtype=np.float32)
    fx, tx = ff.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    a = FF.F.binary_cross_entropy_with_logits(fx, ff.tensor(t), reduction="sum")
    b = TORCH.F.binary_cross_entropy_with_logits(tx, torch.tensor(t), reduction="sum")
    a.backward()
    b.backward()
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-6)
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), atol=1e-7)


def test_kl_div_zero_target_contributes_zero():
    x = np.log(np.array([[0.2, 0.3, 0.5]], dtype=np.float64))
    t = np.array([[0.0, 0.4, 0.6]])
    a = FF.F.kl_div(ff.tensor(x), ff.tensor(t), reduction="sum")
    b = TORCH.F.kl_div(torch.tensor(x), torch.tensor(t), reduction="sum")
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)


def test_kl_div_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="batchmean"):
        FF.F.kl_div(ff.zeros(2, 3), ff.ones(2, 3) / 3)


def test_legacy_size_average_and_reduce():
    x, t = np.ones((2, 3), dtype=np.float32), np.zeros((2, 3), dtype=np.float32)
    for kwargs in ({"size_average": False}, {"reduce": False}, {"size_average": True}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = FF.F.mse_loss(ff.tensor(x), ff.tensor(t), **kwargs)
            b = TORCH.F.mse_loss(torch.tensor(x), torch.tensor(t), **kwargs)
            m, tm = FF.nn.L1Loss(**kwargs), TORCH.nn.L1Loss(**kwargs)
        np.testing.assert_allclose(a.numpy(), b.numpy())
        assert m.reduction == tm.reduction


# ---------------------------------------------------------------- modules: repr, buffers


LOSS_MODULES = [
    lambda L: L.nn.L1Loss(),
    lambda L: L.nn.MSELoss(reduction="sum"),
    lambda L: L.nn.HuberLoss(delta=2.0),
    lambda L: L.nn.SmoothL1Loss(beta=0.5),
    lambda L: L.nn.CrossEntropyLoss(),
    lambda L: L.nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=3),
    lambda L: L.nn.CrossEntropyLoss(weight=L.lib.ones(3)),
    lambda L: L.nn.NLLLoss(weight=L.lib.ones(3)),
    lambda L: L.nn.BCELoss(),
    lambda L: L.nn.BCEWithLogitsLoss(pos_weight=L.lib.ones(2)),
    lambda L: L.nn.KLDivLoss(reduction="batchmean", log_target=True),
    lambda L: L.nn.MarginRankingLoss(margin=0.5, reduction="sum"),
    lambda L: L.nn.HingeEmbeddingLoss(margin=2.0),
    lambda L: L.nn.SoftMarginLoss(reduction="none"),
    lambda L: L.nn.CosineEmbeddingLoss(margin=-0.5),
    lambda L: L.nn.MultiLabelSoftMarginLoss(weight=L.lib.ones(3)),
    lambda L: L.nn.MultiMarginLoss(p=2, margin=0.5, weight=L.lib.ones(3)),
    lambda L: L.nn.MultiLabelMarginLoss(),
    lambda L: L.nn.TripletMarginLoss(margin=0.5, p=1.0, eps=1e-3, swap=True),
    lambda L: L.nn.TripletMarginWithDistanceLoss(),
    lambda L: L.nn.TripletMarginWithDistanceLoss(distance_function=L.nn.PairwiseDistance(p=1)),
    lambda L: L.nn.TripletMarginWithDistanceLoss(distance_function=L.F.cosine_similarity),
    lambda L: L.nn.PoissonNLLLoss(log_input=False, full=True, eps=1e-4),
    lambda L: L.nn.GaussianNLLLoss(full=True, eps=1e-3),
    lambda L: L.nn.PairwiseDistance(p=1.0, eps=0.0, keepdim=True),
]

# what each module stores, by torch's attribute names
OPTIONS = ("margin", "p", "eps", "swap", "log_input", "full", "norm", "keepdim")


@pytest.mark.parametrize("make", LOSS_MODULES)
def test_module_repr_and_state_dict_keys(make):
    a, b = make(FF), make(TORCH)
    assert repr(a) == repr(b)
    assert list(a.state_dict()) == list(b.state_dict())
    assert getattr(a, "reduction", None) == getattr(b, "reduction", None)
    for option in OPTIONS:
        assert getattr(a, option, None) == getattr(b, option, None), option


@pytest.mark.parametrize(
    "make",
    [
        lambda L: L.nn.MultiMarginLoss(p=3),
        lambda L: L.nn.MultiMarginLoss(weight=L.lib.ones(2, 2)),
        lambda L: L.nn.TripletMarginLoss(margin=0),
        lambda L: L.nn.TripletMarginWithDistanceLoss(margin=-1.0),
    ],
)
def test_module_options_refused_like_torch(make):
    errors = []
    for L in (FF, TORCH):
        with pytest.raises(ValueError) as info:
            make(L)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize(
    "fn,arrays",
    [
        (lambda L, *a: L.F.margin_ranking_loss(*a, margin=0.1, **L.kw), ranked(4)),
        (lambda L, *a: L.F.hinge_embedding_loss(*a, **L.kw), scored(4)),
        (lambda L, *a: L.F.soft_margin_loss(*a, **L.kw), scored(4)),
        (lambda L, *a: L.F.cosine_embedding_loss(*a, **L.kw), embedded(3, 2)),
        (lambda L, *a: L.F.multilabel_soft_margin_loss(*a, **L.kw), labels(3, 2)),
        (lambda L, *a: L.F.multi_margin_loss(*a, **L.kw), classes(3, 4)),
        (lambda L, *a: L.F.multilabel_margin_loss(*a, **L.kw), label_lists(3, 4)),
        (lambda L, *a: L.F.triplet_margin_loss(*a, **L.kw), triplets(3, 2)),
        (lambda L, *a: L.F.poisson_nll_loss(*a, **L.kw), counts(3, 2)),
        (lambda L, *a: L.nn.MarginRankingLoss(**L.kw)(*a), ranked(4)),
        (lambda L, *a: L.nn.MultiMarginLoss(**L.kw)(*a), classes(3, 4)),
        (lambda L, *a: L.nn.PoissonNLLLoss(**L.kw)(*a), counts(3, 2)),
    ],
)
@pytest.mark.parametrize(
    "kwargs", [{"size_average": False}, {"reduce": False}, {"size_average": True}], ids=str
)
def test_legacy_size_average_and_reduce_of_margin_losses(fn, arrays, kwargs):
    values = []
    for L in (FF, TORCH):
        tensors = [L.lib.tensor(a) for a in arrays(np.random.default_rng(0), "float64")]
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            values.append(fn(SimpleNamespace(**vars(L), kw=kwargs), *tensors).numpy())
    np.testing.assert_allclose(values[0], values[1], rtol=1e-12)


# ---------------------------------------------------------------- errors


def _i(*v):
    return np.array(v, dtype=np.int64)


X35 = np.zeros((3, 5), dtype=np.float32)
ERRORS = [
    ("ce_target_too_big", lambda L, x, t: L.F.cross_entropy(x, t), [X35, _i(1, 0, 5)]),
    ("ce_target_negative", lambda L, x, t: L.F.cross_entropy(x, t), [X35, _i(1, 0, -3)]),
    (
        "ce_float_index_target",
        lambda L, x, t: L.F.cross_entropy(x, t),
        [X35, np.array([1.0, 0, 2], dtype=np.float32)],
    ),
    (
        "ce_int32_target",
        lambda L, x, t: L.F.cross_entropy(x, t),
        [X35, np.array([1, 0, 2], dtype=np.int32)],
    ),
    ("ce_batch_mismatch", lambda L, x, t: L.F.cross_entropy(x, t), [X35, _i(1, 0, 2, 3)]),
    ("ce_2d_target", lambda L, x, t: L.F.cross_entropy(x, t), [X35, np.zeros((3, 2), np.int64)]),
    (
        "ce_bad_reduction",
        lambda L, x, t: L.F.cross_entropy(x, t, reduction="avg"),
        [X35, _i(1, 0, 2)],
    ),
    (
        "ce_weight_size",
        lambda L, x, t: L.F.cross_entropy(x, t, weight=L.lib.ones(4)),
        [X35, _i(1, 0, 2)],
    ),
    (
        "ce_weight_requires_grad",
        lambda L, x, t: L.F.cross_entropy(x, t, weight=L.lib.ones(5, requires_grad=True)),
        [X35, _i(1, 0, 2)],
    ),
    (
        "ce_probs_ignore_index",
        lambda L, x, t: L.F.cross_entropy(x, t, ignore_index=1),
        [X35, X35 + 0.2],
    ),
    (
        "ce_probs_wrong_shape",
        lambda L, x, t: L.F.cross_entropy(x, t),
        [X35, np.zeros((3, 4), np.float32)],
    ),
    (
        "ce_label_smoothing",
        lambda L, x, t: L.F.cross_entropy(x, t, label_smoothing=1.5),
        [X35, _i(1, 0, 2)],
    ),
    ("nll_target_too_big", lambda L, x, t: L.F.nll_loss(x, t), [X35, _i(1, 0, 5)]),
    (
        "nll_float_target",
        lambda L, x, t: L.F.nll_loss(x, t),
        [X35, np.array([1.0, 0, 2], dtype=np.float32)],
    ),
    ("nll_batch_mismatch", lambda L, x, t: L.F.nll_loss(x, t), [X35, _i(1, 0)]),
    (
        "mse_not_broadcastable",
        lambda L, x, t: L.F.mse_loss(x, t),
        [X35, np.zeros((3, 4), np.float32)],
    ),
    (
        "l1_not_broadcastable",
        lambda L, x, t: L.F.l1_loss(x, t),
        [X35, np.zeros((2, 5), np.float32)],
    ),
    ("mse_bad_reduction", lambda L, x, t: L.F.mse_loss(x, t, reduction="max"), [X35, X35]),
    ("l1_bad_reduction", lambda L, x, t: L.F.l1_loss(x, t, reduction="avg"), [X35, X35]),
    ("huber_bad_reduction", lambda L, x, t: L.F.huber_loss(x, t, reduction="x"), [X35, X35]),
    ("huber_delta", lambda L, x, t: L.F.huber_loss(x, t, delta=0.0), [X35, X35]),
    ("smooth_l1_beta", lambda L, x, t: L.F.smooth_l1_loss(x, t, beta=-1.0), [X35, X35]),
    (
        "smooth_l1_bad_reduction",
        lambda L, x, t: L.F.smooth_l1_loss(x, t, reduction="m"),
        [X35, X35],
    ),
    ("mse_weight_shape", lambda L, x, t: L.F.mse_loss(x, t, weight=L.lib.ones(5)), [X35, X35]),
    (
        "bce_shape",
        lambda L, x, t: L.F.binary_cross_entropy(x, t),
        [np.full(3, 0.5, np.float32), np.zeros((3, 1), np.float32)],
    ),
    (
        "bce_out_of_range",
        lambda L, x, t: L.F.binary_cross_entropy(x, t),
        [np.array([0.5, 1.5], np.float32), np.zeros(2, np.float32)],
    ),
    (
        "bce_bad_reduction",
        lambda L, x, t: L.F.binary_cross_entropy(x, t, reduction="avg"),
        [X35 + 0.5, X35],
    ),
    (
        "bce_logits_shape",
        lambda L, x, t: L.F.binary_cross_entropy_with_logits(x, t),
        [np.zeros(3, np.float32), np.zeros((3, 1), np.float32)],
    ),
    (
        "bce_logits_bad_reduction",
        lambda L, x, t: L.F.binary_cross_entropy_with_logits(x, t, reduction="mn"),
        [X35, X35],
    ),
    (
        "kl_not_broadcastable",
        lambda L, x, t: L.F.kl_div(x, t, reduction="sum"),
        [np.zeros(3, np.float32), np.zeros(4, np.float32)],
    ),
    ("kl_bad_reduction", lambda L, x, t: L.F.kl_div(x, t, reduction="avg"), [X35, X35]),
    ("module_bad_reduction", lambda L, x, t: L.nn.MSELoss(reduction="avg")(x, t), [X35, X35]),
]

V3, V4 = np.ones(3, np.float32), np.ones(4, np.float32)
T3 = _i(1, 0, 4)
LABELS = np.array([[3, 0, -1, 1, 1], [1, 2, 3, 4, 0], [-1, 1, 1, 1, 1]])
# the margin and likelihood losses: torch's exception types and messages, both checked
MESSAGES = [
    ("ranking_dims", lambda L, a, b, t: L.F.margin_ranking_loss(a, b, t), [V3, V3, X35]),
    ("ranking_shapes", lambda L, a, b, t: L.F.margin_ranking_loss(a, b, t), [V3, V4, V3]),
    (
        "ranking_reduction",
        lambda L, a, b, t: L.F.margin_ranking_loss(a, b, t, reduction="x"),
        [V3, V3, V3],
    ),
    ("hinge_reduction", lambda L, x, t: L.F.hinge_embedding_loss(x, t, reduction="x"), [V3, V3]),
    ("hinge_broadcast", lambda L, x, t: L.F.hinge_embedding_loss(x, t), [V3, V4]),
    ("soft_margin_shapes", lambda L, x, t: L.F.soft_margin_loss(x, t), [X35, V4]),
    ("soft_margin_grows_input", lambda L, x, t: L.F.soft_margin_loss(x, t), [X35[0], X35]),
    ("soft_margin_long_input", lambda L, x, t: L.F.soft_margin_loss(x, t), [_i(1, 2), _i(1, 1)]),
    ("soft_margin_reduction", lambda L, x, t: L.F.soft_margin_loss(x, t, reduction="x"), [V3, V3]),
    (
        "soft_margin_target_requires_grad",
        lambda L, x, t: L.F.soft_margin_loss(x, t.requires_grad_()),
        [V3, V3],
    ),
    ("cosine_2d_target", lambda L, a, b, t: L.F.cosine_embedding_loss(a, b, t), [X35, X35, X35]),
    ("cosine_1d_inputs", lambda L, a, b, t: L.F.cosine_embedding_loss(a, b, t), [V3, V3, V3]),
    ("cosine_0d_target", lambda L, a, b, t: L.F.cosine_embedding_loss(a, b, t), [X35, X35, V3[0]]),
    ("cosine_broadcast", lambda L, a, b, t: L.F.cosine_embedding_loss(a, b, t), [X35, X35, V4]),
    (
        "cosine_reduction",
        lambda L, a, b, t: L.F.cosine_embedding_loss(a, b, t, reduction="x"),
        [X35, X35, V3],
    ),
    (
        "multilabel_soft_reduction",
        lambda L, x, t: L.F.multilabel_soft_margin_loss(x, t, reduction="x"),
        [X35, X35],
    ),
    ("multilabel_soft_shapes", lambda L, x, t: L.F.multilabel_soft_margin_loss(x, t), [X35, V4]),
    ("multi_margin_p", lambda L, x, t: L.F.multi_margin_loss(x, t, p=3), [X35, T3]),
    ("multi_margin_target_big", lambda L, x, t: L.F.multi_margin_loss(x, t), [X35, _i(1, 0, 5)]),
    ("multi_margin_target_neg", lambda L, x, t: L.F.multi_margin_loss(x, t), [X35, _i(1, 0, -1)]),
    ("multi_margin_target_size", lambda L, x, t: L.F.multi_margin_loss(x, t), [X35, _i(1, 0)]),
    ("multi_margin_target_2d", lambda L, x, t: L.F.multi_margin_loss(x, t), [V3, _i(1)[None]]),
    (
        "multi_margin_float_target",
        lambda L, x, t: L.F.multi_margin_loss(x, t),
        [X35, T3.astype(np.float32)],
    ),
    (
        "multi_margin_int32_target",
        lambda L, x, t: L.F.multi_margin_loss(x, t),
        [X35, T3.astype(np.int32)],
    ),
    (
        "multi_margin_weight_size",
        lambda L, x, t, w: L.F.multi_margin_loss(x, t, weight=w),
        [X35, T3, V4],
    ),
    (
        "multi_margin_weight_2d",
        lambda L, x, t, w: L.F.multi_margin_loss(x, t, weight=w),
        [X35, T3, X35],
    ),
    (
        "multi_margin_weight_dtype",
        lambda L, x, t, w: L.F.multi_margin_loss(x, t, weight=w.double()),
        [X35, T3, X35[0]],
    ),
    (
        "multi_margin_weight_requires_grad",
        lambda L, x, t, w: L.F.multi_margin_loss(x, t, weight=w.requires_grad_()),
        [X35, T3, X35[0]],
    ),
    ("multi_margin_3d", lambda L, x, t: L.F.multi_margin_loss(x, t), [X35[None], T3]),
    ("multi_margin_no_classes", lambda L, x, t: L.F.multi_margin_loss(x, t), [X35[:, :0], T3]),
    ("multi_margin_long_input", lambda L, x, t: L.F.multi_margin_loss(x, t), [T3[None], T3[:1]]),
    (
        "multi_margin_reduction",
        lambda L, x, t: L.F.multi_margin_loss(x, t, reduction="x"),
        [X35, T3],
    ),
    (
        "multilabel_margin_target_size",
        lambda L, x, t: L.F.multilabel_margin_loss(x, t),
        [X35, LABELS[:, :4]],
    ),
    (
        "multilabel_margin_unbatched_size",
        lambda L, x, t: L.F.multilabel_margin_loss(x, t),
        [X35[0], LABELS[:1]],
    ),
    (
        "multilabel_margin_target_big",
        lambda L, x, t: L.F.multilabel_margin_loss(x, t),
        [X35, np.where(LABELS == 4, 5, LABELS)],
    ),
    (
        "multilabel_margin_target_after_end",  # read or not, every entry is checked
        lambda L, x, t: L.F.multilabel_margin_loss(x, t),
        [X35, np.where(LABELS == 1, -2, LABELS)],
    ),
    (
        "multilabel_margin_float_target",
        lambda L, x, t: L.F.multilabel_margin_loss(x, t),
        [X35, LABELS.astype(np.float32)],
    ),
    ("multilabel_margin_3d", lambda L, x, t: L.F.multilabel_margin_loss(x, t), [X35[None], T3]),
    (
        "multilabel_margin_reduction",
        lambda L, x, t: L.F.multilabel_margin_loss(x, t, reduction="x"),
        [X35, LABELS],
    ),
    ("triplet_dims", lambda L, a, p, n: L.F.triplet_margin_loss(a, p, n), [X35, X35, V4]),
    ("triplet_shapes", lambda L, a, p, n: L.F.triplet_margin_loss(a, p, n), [X35, X35, X35[:2]]),
    ("triplet_margin", lambda L, a, p, n: L.F.triplet_margin_loss(a, p, n, 0.0), [V3, V3, V3]),
    (
        "triplet_reduction",
        lambda L, a, p, n: L.F.triplet_margin_loss(a, p, n, reduction="x"),
        [V3, V3, V3],
    ),
    (
        "triplet_distance_dims",
        lambda L, a, p, n: L.F.triplet_margin_with_distance_loss(a, p, n),
        [X35, X35, V4],
    ),
    (
        "triplet_distance_margin",
        lambda L, a, p, n: L.F.triplet_margin_with_distance_loss(a, p, n, margin=-1.0),
        [V3, V3, V3],
    ),
    (
        "triplet_distance_reduction",
        lambda L, a, p, n: L.F.triplet_margin_with_distance_loss(a, p, n, reduction="x"),
        [V3, V3, V3],
    ),
    ("poisson_reduction", lambda L, x, t: L.F.poisson_nll_loss(x, t, reduction="x"), [V3, V3]),
    ("poisson_shapes", lambda L, x, t: L.F.poisson_nll_loss(x, t), [X35, V4]),
    ("gaussian_negative_var", lambda L, x, t, v: L.F.gaussian_nll_loss(x, t, -v), [V3, V3, V3]),
    ("gaussian_negative_float", lambda L, x, t: L.F.gaussian_nll_loss(x, t, -1.0), [V3, V3]),
    (
        "gaussian_var_size",
        lambda L, x, t, v: L.F.gaussian_nll_loss(x, t, v),
        [X35, X35, X35[:, :2]],
    ),
    (
        "gaussian_var_dims",
        lambda L, x, t, v: L.F.gaussian_nll_loss(x, t, v),
        [X35, X35, V3[:1, None]],
    ),
    (
        "gaussian_reduction",
        lambda L, x, t, v: L.F.gaussian_nll_loss(x, t, v, reduction="x"),
        [V3, V3, V3],
    ),
    ("gaussian_int_var", lambda L, x, t: L.F.gaussian_nll_loss(x, t, 1), [V3, V3]),
    ("pairwise_shapes", lambda L, a, b: L.F.pairwise_distance(a, b), [X35, V4]),
    *[
        (
            f"torch_{name}_reduction_str",
            lambda L, *a, call=call: call(L, *a, "mean"),
            build(np.random.default_rng(0), "float32"),
        )
        for name, call, build, _ in TOP_LEVEL
    ],
]


@pytest.mark.parametrize("name,fn,arrays", MESSAGES, ids=[e[0] for e in MESSAGES])
def test_margin_loss_errors_match_torch(name, fn, arrays):
    ff_err, torch_err = same_error(fn, *arrays)
    if name.endswith("_shapes"):  # a broadcast's: ours names the op and both shapes
        assert str(torch_err) in str(ff_err)
    elif name == "gaussian_int_var":  # torch's comes from torch.any's argument parser
        assert str(ff_err).split(":")[0] == str(torch_err).split(":")[0]
    elif not name.endswith("_broadcast"):  # ff.where names other shapes than the bad ones
        assert str(ff_err).replace("feedforward.", "torch.") == str(torch_err)


@pytest.mark.filterwarnings("ignore:Using a target size")  # torch warns before it raises
@pytest.mark.parametrize("name,fn,arrays", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch_types(name, fn, arrays):
    same_error(fn, *arrays)


def test_error_messages():
    ff_err, torch_err = same_error(lambda L, x, t: L.F.cross_entropy(x, t), X35, _i(1, 0, 5))
    assert str(ff_err) == str(torch_err) == "Target 5 is out of bounds."
    ff_err, torch_err = same_error(lambda L, x, t: L.F.mse_loss(x, t, reduction="avg"), X35, X35)
    assert str(ff_err) == str(torch_err) == "avg is not a valid value for reduction"
    ff_err, torch_err = same_error(
        lambda L, x, t: L.F.nll_loss(x, t), X35, np.array([1.0, 0, 2], dtype=np.float32)
    )
    assert str(ff_err) == str(torch_err)
    ff_err, _ = same_error(
        lambda L, x, t: L.F.binary_cross_entropy(x, t),
        np.full(3, 0.5, np.float32),
        np.zeros((3, 1), np.float32),
    )
    assert "feedforward.Size([3, 1])" in str(ff_err) and "feedforward.Size([3])" in str(ff_err)


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "kl_div"])
def test_broadcastable_shape_mismatch_raises_naming_both(fn):
    """torch only warns and broadcasts (N, 1) against (N,) into (N, N); we refuse."""
    x, t = ff.zeros(4, 1), ff.zeros(4)
    with pytest.raises(RuntimeError, match=r"\(4, 1\).*\(4,\)"):
        getattr(FF.F, fn)(x, t)
    with pytest.warns(UserWarning):
        getattr(TORCH.F, fn)(torch.zeros(4, 1), torch.zeros(4))


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("target", [[0, 1, 2, 1, 3, 1], [1] * 6, [0, 2, 3, 0, 2, 3]], ids=str)
def test_ignore_index_that_is_a_real_class_without_weights(fn, reduction, target):
    """Unweighted targets skip the ignore mask when no target can be ignored; an ignore_index
    inside [0, C) must still drop those rows. All ignored: the mean is nan, its gradient 0."""
    x = np.random.default_rng(0).standard_normal((6, 4))
    results = []
    for lib in (ff, torch):
        scores = lib.tensor(x, requires_grad=True)
        loss_fn = getattr(lib.nn.functional, fn)
        loss = loss_fn(scores, lib.tensor(target), ignore_index=1, reduction=reduction)
        loss.sum().backward()
        results.append((loss.detach().numpy(), scores.grad.numpy()))
    (loss, grad), (want_loss, want_grad) = results
    np.testing.assert_allclose(loss, want_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-12)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_mean_over_weights_summing_to_zero_like_torch(loss):
    """A 'mean' divides by the kept targets' weights; when they sum to 0 the loss and its
    gradient are inf or NaN, as torch's (only all-ignored targets give a gradient of 0)."""
    x = np.array([[1.0, 2.0], [0.5, 0.1]], np.float32)
    results = []
    for L in (FF, TORCH):
        xt = L.lib.tensor(x, requires_grad=True)
        out = getattr(L.F, loss)(xt, L.lib.tensor([0, 1]), weight=L.lib.tensor([1.0, -1.0]))
        out.backward()
        results.append((out.item(), xt.grad.numpy()))
    assert np.isinf(results[0][0]) and results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_grad_fn_name_matches_torch(case):
    check_grad_fn_name(case)


@pytest.mark.parametrize("fn", ["binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_bce_weight_like_torch(fn):
    """The weight is read in the input's dtype (the loss stays float32) and broadcasts to the
    input's shape but never grows it: both raise as torch does."""
    x, t = np.full((2, 3), 0.25, np.float32), np.ones((2, 3), np.float32)
    for L in (FF, TORCH):
        out = getattr(L.F, fn)(L.lib.tensor(x), L.lib.tensor(t), weight=L.lib.ones(3).double())
        assert str(out.dtype).endswith("float32")
    for w in (np.ones((2, 2, 3), np.float32), np.ones(4, np.float32)):
        same_error(lambda L, a, b, c: getattr(L.F, fn)(a, b, weight=c), x, t, w)
    ff_err, torch_err = same_error(
        lambda L, a, b, c: getattr(L.F, fn)(a, b, weight=c), x, t, np.ones((2, 2, 3), np.float32)
    )
    assert str(ff_err) == str(torch_err)


def test_bce_weight_gradient_by_finite_differences():
    """Unlike torch, the elementwise weight may require grad; its gradient is checked here."""
    rng = np.random.default_rng(0)
    x = ff.tensor(rng.uniform(0.1, 0.9, (4, 3)), requires_grad=True)
    t = ff.tensor(rng.uniform(0, 1, (4, 3)))
    w = ff.tensor(rng.uniform(0.5, 2, 3), requires_grad=True)
    for fn in (FF.F.binary_cross_entropy, FF.F.binary_cross_entropy_with_logits):
        assert ff.autograd.gradcheck(lambda a, b, f=fn: f(a, t, weight=b), (x, w), eps=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "fn,arrays",
    [
        (lambda L, x, t, r: L.F.multi_margin_loss(x, t, reduction=r), [X35[:0], _i()]),
        (
            lambda L, x, t, r: L.F.multilabel_margin_loss(x, t, reduction=r),
            [X35[:0], np.zeros((0, 5), np.int64)],
        ),
        (lambda L, x, t, r: L.F.multi_margin_loss(x, t, reduction=r), [X35[0, 0], _i(0)[0]]),
        (lambda L, x, t, r: L.F.multilabel_margin_loss(x, t, reduction=r), [X35[0, 0], _i(0)[0]]),
        (lambda L, x, t, r: L.F.multi_margin_loss(x, t, reduction=r), [X35[0], _i(3)]),
    ],
    ids=["multi_empty", "multilabel_empty", "multi_0d", "multilabel_0d", "multi_1d_target"],
)
def test_margin_losses_odd_shapes_like_torch(fn, arrays, reduction):
    """No samples, a 0-D score, a (C,) score with a (1,) target: torch's values, shapes and
    gradients. (Over no samples torch's kernels leave a reduced loss uninitialised; ours is
    sum 0, mean NaN.)"""
    if not arrays[0].size and reduction != "none":
        out = fn(FF, ff.tensor(arrays[0]), ff.tensor(arrays[1]), reduction).item()
        assert out == 0 if reduction == "sum" else np.isnan(out)
        return
    results = []
    for L in (FF, TORCH):
        x = L.lib.tensor(arrays[0], requires_grad=True)
        out = fn(L, x, L.lib.tensor(arrays[1]), reduction)
        out.sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy()))
    for a, b in zip(*results):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", [n for n in vars(FF.nn) if n.endswith(("Loss", "Distance"))])
def test_module_signatures_match_torch(name):
    """Every loss (and distance) layer: torch's constructor and forward parameters, kinds and
    defaults."""
    ours, theirs = getattr(FF.nn, name), getattr(TORCH.nn, name)
    for method in ("__init__", "forward"):
        a, b = (inspect.signature(getattr(cls, method)).parameters for cls in (ours, theirs))
        assert [(p.name, p.kind, p.default) for p in a.values()] == [
            (p.name, p.kind, p.default) for p in b.values()
        ], method
