"""Loss functions as ops.

``CrossEntropy`` and ``NllLoss`` are fused: forward computes the reduced loss over all samples
and backward writes the closed-form gradient (for cross entropy, ``softmax - onehot`` scaled by
the sample's weight) in one step, which is both faster and finite for logits of any size.
The pointwise losses return one loss per element; ``functional`` reduces them with the core's
sum/mean, whose backward spreads the gradient back.

Conventions: class scores have the class axis at dim 1 (or dim 0 for a single unbatched sample);
internally they are laid out as an (M, C) matrix, M = every position of every sample.
"""

from __future__ import annotations

import math

import numpy as np

from feedforward.nn._ops import _compiled
from feedforward.nn._ops.activation import _sigmoid, _softplus
from feedforward.ops._util import sign, unbroadcast, zero_where
from feedforward.ops.elementwise import ArrayOp


def _as_rows(scores: np.ndarray) -> np.ndarray:
    """(N, C, d1, ...) or (C,) scores as an (M, C) matrix, class axis last."""
    if scores.ndim == 2:  # the usual (N, C) batch: already rows
        return scores
    if scores.ndim == 1:
        return scores.reshape(1, -1)
    return np.moveaxis(scores, 1, -1).reshape(-1, scores.shape[1])


def _from_rows(rows: np.ndarray, shape: tuple) -> np.ndarray:
    """Inverse of ``_as_rows``: an (M, C) matrix back to the scores' own layout."""
    if len(shape) == 2:
        return rows
    if len(shape) == 1:
        return rows.reshape(shape)
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return np.moveaxis(rows.reshape(moved), -1, 1)


def _log_softmax_rows(z: np.ndarray) -> np.ndarray:
    """log_softmax over the last axis; subtracting the max keeps exp finite for any logits."""
    shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=1, keepdims=True))


def _reduce_rows(loss: np.ndarray, reduction: str, denom, target_shape: tuple) -> np.ndarray:
    if reduction == "none":
        return loss.reshape(target_shape)
    total = np.add.reduce(loss, axis=None)
    if reduction == "sum":
        return np.asarray(total, dtype=loss.dtype)
    return np.asarray(_divide(total, denom), dtype=loss.dtype)


def _row_scale(g: np.ndarray, reduction: str, denom, m: int) -> np.ndarray | float:
    """d(reduced loss)/d(loss of row i), times the incoming gradient: an (M, 1) column, or one
    0-dim factor for every row when the loss was reduced. A mean over kept weights that sum to
    0 gives inf or NaN, as torch's (an ignored row's gradient is zeroed by the caller)."""
    if reduction == "none":
        return g.reshape(m, 1)
    if reduction == "mean":
        if type(denom) is int:  # the row count (no weights, nothing ignored)
            # a Python float (weak: the rows keep their dtype), ~1 us less than 0-d division
            return g.item() / denom if denom else np.zeros((), dtype=g.dtype)
        return _divide(g, denom)
    return g


def _nll_name(ndim: int, reduction: str) -> str:
    """torch's node for nll_loss on scores of ``ndim`` dims: (N, C, H, W) and, reduced, every
    other spatial shape go through nll_loss2d; unreduced ones end in a view."""
    if ndim <= 2:
        return "NllLoss"
    return "View" if reduction == "none" and ndim != 4 else "NllLoss2D"


def _divide(x, denom):
    """x / denom for a mean; no target kept (denom 0) gives nan, as torch."""
    if type(denom) is int and denom:  # a row count: nothing to guard (the usual case)
        return x / denom
    with np.errstate(divide="ignore", invalid="ignore"):
        return x / denom


_ROW_NUMBERS: dict[int, np.ndarray] = {}


def _row_numbers(n: int) -> np.ndarray:
    """arange(n), made once per batch size (read-only: shared by every loss of that size)."""
    rows = _ROW_NUMBERS.get(n)
    if rows is None:
        if len(_ROW_NUMBERS) > 64:  # many sizes (e.g. per-sample losses): keep it bounded
            _ROW_NUMBERS.clear()
        rows = _ROW_NUMBERS[n] = np.arange(n)
        rows.flags.writeable = False
    return rows


class _ClassTargets:
    """Index targets flattened beside the (M, C) rows: which are ignored, each row's weight.

    ``weight`` None means every row weighs 1, and ``ignore_index`` None that no row is ignored
    (the caller checked); then ``weight`` stays None and no per-row arrays are made.
    """

    def __init__(self, target, weight, ignore_index, dtype) -> None:
        t = target.reshape(-1).astype(np.int64, copy=False)
        self.rows = _row_numbers(t.size)  # scores[rows, index]: each row's target class
        if weight is None and ignore_index is None:  # the usual case: every row counts once
            self.index, self.weight, self.denom = t, None, t.size
            return
        self.ignored = t == ignore_index  # (M,) bool, where weight is not None
        self.index = np.where(self.ignored, 0, t)  # ignored rows read class 0, then weigh 0
        w = weight[self.index] if weight is not None else np.ones(t.shape, dtype=dtype)
        self.weight = zero_where(w.astype(dtype, copy=False), self.ignored)  # (M,); 0 if ignored
        self.denom = np.add.reduce(self.weight)  # torch's mean: divide by the kept weights

    def weighted(self, loss: np.ndarray) -> np.ndarray:
        """Each row's loss times its weight; an ignored row's is 0, as torch skips it (even
        where its scores are NaN or inf)."""
        if self.weight is not None:
            loss *= self.weight
            loss = zero_where(loss, self.ignored)
        return loss


class CrossEntropy(ArrayOp):
    """Fused log_softmax + negative log likelihood for class-index targets.

    With s = z - max(z) per row and S = sum_c exp(s_c), -log p_t = log S - s_t: forward needs
    only exp(s) and S, and so does backward (p = exp(s) / S), so the full log_softmax matrix is
    never made. With label smoothing eps the target is (1 - eps) onehot + eps/C uniform, so the
    loss is (1 - eps) nll + eps/C * sum_c w_c (-log p_c), normalised (mean) by the kept targets'
    weights.
    """

    @staticmethod
    def forward(ctx, logits, target, weight, ignore_index, reduction, label_smoothing):
        # torch's node: nll_loss's, or the sum of the smoothed terms
        ctx.torch_name = "Add" if label_smoothing else _nll_name(logits.ndim, reduction)
        z = _as_rows(logits)
        m, c = z.shape
        plain = weight is None and ignore_index is None and label_smoothing == 0
        if plain and m and reduction != "none" and _compiled.usable(z, target):
            # the same formula in one compiled loop (the `jit` extra; targets checked already)
            total, exp, sums, bad = _compiled.cross_entropy_rows(z, target)
            if bad < 0:
                tg = _ClassTargets(target, None, None, z.dtype)
                ctx.meta = logits.shape, reduction, 0.0, tg
                ctx.save_for_backward(exp, sums, None)
                return np.asarray(total / m if reduction == "mean" else total, z.dtype)
        shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)  # exp stays finite
        exp = np.exp(shifted)
        sums = np.add.reduce(exp, axis=1)  # (M,) S
        log_sum = np.log(sums)
        tg = _ClassTargets(target, weight, ignore_index, z.dtype)
        loss = tg.weighted(log_sum - shifted[tg.rows, tg.index])
        ctx.meta = logits.shape, reduction, label_smoothing, tg
        ctx.save_for_backward(exp, sums, weight)
        loss = _reduce_rows(loss, reduction, tg.denom, np.shape(target))
        if label_smoothing == 0:
            return loss
        # torch's: (1 - eps) nll + eps/C times the reduced -sum_c w_c log p_c (0 if ignored)
        logp = shifted - log_sum[:, None]
        smooth = -np.add.reduce(logp * weight if weight is not None else logp, axis=1)
        if tg.weight is not None:
            smooth = zero_where(smooth, tg.ignored)
        smooth = _reduce_rows(smooth, reduction, tg.denom, np.shape(target))
        return (1 - label_smoothing) * loss + smooth * (label_smoothing / c)

    @staticmethod
    def backward(ctx, g):
        # torch composes it of log_softmax and nll_loss; this is their gradient in their order,
        # so that 0 inf and inf - inf give NaN where torch's do. G, the gradient w.r.t. the
        # log-probabilities: at row i's target -w_i times the row's share of g (nothing on an
        # ignored row), and with label smoothing eps also -(eps/C) w_c on every kept row's
        # class c. Then log_softmax's: G - p sum_c G_c.
        exp, sums, weight = ctx.saved_tensors
        shape, reduction, eps, tg = ctx.meta
        m, c = exp.shape
        p = exp / sums[:, None]  # ours to overwrite
        scale = _row_scale(g * (1 - eps) if eps else g, reduction, tg.denom, m)
        if tg.weight is None and not eps:  # the usual case: G_t = -scale, so grad = p scale
            p *= scale  # and -scale at the target
            p[tg.rows, tg.index] -= scale[:, 0] if np.ndim(scale) else scale
            return _from_rows(p, shape), None, None
        scale = scale.reshape(-1) if np.ndim(scale) else scale  # (M,) or one factor
        target_grad = -scale if tg.weight is None else zero_where(tg.weight * -scale, tg.ignored)
        if not eps:  # G is target_grad at the targets: grad = -p target_grad, + target_grad there
            p *= -(target_grad[:, None] if np.ndim(target_grad) else target_grad)
            p[tg.rows, tg.index] += target_grad
            return _from_rows(p, shape), None, None
        smooth_scale = _row_scale(g * (eps / c), reduction, tg.denom, m)  # (M, 1) or one
        smooth_scale = smooth_scale * np.ones((m, 1), dtype=p.dtype)
        if tg.weight is not None:  # torch masks the row's share, then multiplies by w_c
            smooth_scale = zero_where(smooth_scale, tg.ignored[:, None])
        big_g = -smooth_scale * weight if weight is not None else np.repeat(-smooth_scale, c, 1)
        big_g[tg.rows, tg.index] += target_grad
        grad = big_g - p * np.add.reduce(big_g, axis=1, keepdims=True)
        return _from_rows(grad, shape), None, None


class CrossEntropyProbs(ArrayOp):
    """Cross entropy against class probabilities: -sum_c w_c t_c log softmax(z)_c per sample."""

    @staticmethod
    def forward(ctx, logits, target, weight, reduction, label_smoothing):
        z = _as_rows(logits)
        m, c = z.shape
        t = _as_rows(target)
        if label_smoothing > 0:
            t = t * (1 - label_smoothing) + label_smoothing / c
        logp = _log_softmax_rows(z)
        lt = logp * t
        loss = -np.add.reduce(lt * weight if weight is not None else lt, axis=1)
        ctx.meta = logits.shape, reduction, label_smoothing, m
        ctx.save_for_backward(logp, t, weight)
        ctx.torch_name = "DivBackward1" if reduction == "mean" else "Neg"  # torch's last op
        out_shape = (logits.shape[0],) + logits.shape[2:] if logits.ndim > 1 else ()
        return _reduce_rows(loss, reduction, m if m else np.nan, out_shape)

    @staticmethod
    def backward(ctx, g):
        # torch composes it: -(log_softmax(z) * t * w) summed. G = -scale w t w.r.t. the
        # log-probabilities, then log_softmax's G - p sum_c G_c; dt = -(1 - eps) scale w log p;
        # dw_c = -sum_i scale_i t_ic log p_ic. In torch's order, for the same NaNs and infs.
        logp, t, weight = ctx.saved_tensors
        shape, reduction, eps, m = ctx.meta
        neg_scale = -_row_scale(g, reduction, m if m else np.nan, m)
        weighted = neg_scale * weight if weight is not None else neg_scale  # (M, 1|C) or one
        need = ctx.needs_input_grad + (False,)
        gz = gt = gw = None
        if need[0]:
            big_g = weighted * t
            gz = _from_rows(
                big_g - np.exp(logp) * np.add.reduce(big_g, axis=1, keepdims=True), shape
            )
        if need[1]:
            gt = weighted * logp
            gt = _from_rows(gt * (1 - eps) if eps > 0 else gt, shape)
        if need[2]:
            gw = np.add.reduce(neg_scale * (logp * t), axis=0)
        return gz, gt, gw


class NllLoss(ArrayOp):
    """Negative log likelihood of the target class, given log-probabilities."""

    @staticmethod
    def forward(ctx, logp, target, weight, ignore_index, reduction):
        rows = _as_rows(logp)
        tg = _ClassTargets(target, weight, ignore_index, rows.dtype)
        loss = tg.weighted(-rows[tg.rows, tg.index])
        ctx.meta = logp.shape, rows.shape, reduction, tg
        ctx.torch_name = _nll_name(logp.ndim, reduction)
        return _reduce_rows(loss, reduction, tg.denom, np.shape(target))

    @staticmethod
    def backward(ctx, g):  # -w_i at the target class of row i, exactly 0 elsewhere (as torch)
        shape, (m, c), reduction, tg = ctx.meta
        grad = np.zeros((m, c), dtype=g.dtype)
        scale = _row_scale(g, reduction, tg.denom, m)
        scale = scale.reshape(-1) if np.ndim(scale) else scale  # (M,) or one factor
        if tg.weight is None:
            grad[tg.rows, tg.index] = -scale
        else:  # an ignored row stays 0, whatever its upstream gradient
            grad[tg.rows, tg.index] = zero_where(-tg.weight * scale, tg.ignored)
        return _from_rows(grad, shape), None, None


# ---------------------------------------------------------------- pointwise losses
#
# torch's mse, huber, smooth L1 and both binary cross entropies are one kernel each (one node:
# grad_fn=<MseLossBackward0>), the reduction and the elementwise weight inside; so are these.


def _reduced(ctx, loss: np.ndarray, reduction: str, weight=None) -> np.ndarray:
    """The elementwise loss, times ``weight`` (broadcast, as torch's kernels; always the op's
    third argument), then reduced as the core's sum and mean do; ``_per_element`` is its
    backward."""
    ctx.reduction, ctx.loss_shape = reduction, loss.shape
    if weight is not None:
        ctx.unweighted = loss  # for weight's gradient, should it require grad
        loss = loss * weight
    if reduction == "none":
        return loss
    total = np.add.reduce(loss, axis=None)
    return total / loss.size if reduction == "mean" else total


def _per_element(ctx, g: np.ndarray, weight=None) -> tuple:
    """(d loss / d each element's unweighted loss, d loss / d weight or None): the reduction's
    gradient spread over the elements (1/n each for a mean), times the weight."""
    if ctx.reduction != "none":
        n = math.prod(ctx.loss_shape)
        g = np.broadcast_to(g / n if ctx.reduction == "mean" else g, ctx.loss_shape)
    if weight is None:
        return g, None
    gw = unbroadcast(g * ctx.unweighted, weight.shape) if ctx.needs_input_grad[2] else None
    return g * weight, gw


def _pair_grads(ctx, d_input):
    """Gradients of a loss of (input - target): d/dinput = d_input, d/dtarget = -d_input."""
    need_x, need_t = ctx.needs_input_grad[:2]
    dtype_x, dtype_t = ctx.dtypes
    return (
        d_input.astype(dtype_x, copy=False) if need_x else None,
        (-d_input).astype(dtype_t, copy=False) if need_t else None,
    )


def _difference(ctx, x, t):
    ctx.dtypes = x.dtype, t.dtype
    dtype = np.result_type(x.dtype, t.dtype) if t.dtype.kind == "f" else x.dtype
    return x.astype(dtype, copy=False) - t.astype(dtype, copy=False)


class SquaredError(ArrayOp):
    """(x - t)^2, reduced: torch's mse_loss."""

    torch_name = "MseLoss"

    @staticmethod
    def forward(ctx, x, t, reduction="none"):
        d = _difference(ctx, x, t)
        ctx.save_for_backward(d)
        return _reduced(ctx, d * d, reduction)

    @staticmethod
    def backward(ctx, g):  # d (x - t)^2 / dx = 2 (x - t)
        (d,) = ctx.saved_tensors
        g, _ = _per_element(ctx, g)
        return _pair_grads(ctx, 2 * d * g)


class AbsoluteError(ArrayOp):
    """|x - t|; torch composes l1_loss of abs and a mean or sum, so the reduction stays apart."""

    torch_name = "Abs"

    @staticmethod
    def forward(ctx, x, t):
        d = _difference(ctx, x, t)
        ctx.save_for_backward(d)
        return np.abs(d)

    @staticmethod
    def backward(ctx, g):  # sign(x - t), 0 where they are equal (and at NaN, as torch's sign)
        (d,) = ctx.saved_tensors
        return _pair_grads(ctx, sign(d) * g)


class HuberError(ArrayOp):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), reduced: torch's huber_loss."""

    torch_name = "HuberLoss"

    @staticmethod
    def forward(ctx, x, t, delta, reduction="none"):
        d = _difference(ctx, x, t)
        ctx.delta = delta
        ctx.save_for_backward(d)
        a = np.abs(d)
        loss = np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta)).astype(d.dtype)
        return _reduced(ctx, loss, reduction)

    @staticmethod
    def backward(ctx, g):  # d, clipped to [-delta, delta]
        (d,) = ctx.saved_tensors
        g, _ = _per_element(ctx, g)
        return _pair_grads(ctx, np.clip(d, -ctx.delta, ctx.delta) * g)


class SmoothL1Error(ArrayOp):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, reduced (beta > 0; torch's
    smooth_l1_loss with beta = 0 is l1_loss)."""

    torch_name = "SmoothL1Loss"

    @staticmethod
    def forward(ctx, x, t, beta, reduction="none"):
        d = _difference(ctx, x, t)
        ctx.beta = beta
        ctx.save_for_backward(d)
        a = np.abs(d)
        loss = np.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta).astype(d.dtype)
        return _reduced(ctx, loss, reduction)

    @staticmethod
    def backward(ctx, g):  # d / beta inside, sign(d) outside (NaN kept, unlike l1's sign)
        (d,) = ctx.saved_tensors
        g, _ = _per_element(ctx, g)
        slope = np.where(np.abs(d) < ctx.beta, d / ctx.beta, np.sign(d))
        return _pair_grads(ctx, slope.astype(d.dtype, copy=False) * g)


# torch's clamp of x (1 - x) is a C++ float in every dtype: in float64 it is 9.99999996e-13
_BCE_EPSILON = np.float32(1e-12)


class BinaryCrossEntropy(ArrayOp):
    """-(t log x + (1 - t) log(1 - x)), each log clamped to >= -100 as torch does, times the
    optional weight, reduced."""

    @staticmethod
    def forward(ctx, x, t, weight=None, reduction="none"):
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        ctx.save_for_backward(x, t, weight)
        return _reduced(ctx, -(t * log_x + (1 - t) * log_1mx), reduction, weight)

    @staticmethod
    def backward(ctx, g):
        # dx = (x - t) / (x (1 - x)), the denominator clamped at 1e-12 (torch's formula);
        # dt = -logit(x) = log(1 - x) - log(x), unclamped as torch's: +-inf at x = 0 and 1
        x, t, weight = ctx.saved_tensors
        need_x, need_t = ctx.needs_input_grad[:2]
        g, gw = _per_element(ctx, g, weight)
        gx = gt = None
        if need_x:
            gx = g * (x - t) / np.maximum(x * (1 - x), _BCE_EPSILON.astype(x.dtype))
        if need_t:
            gt = -np.log(x / (1 - x)) * g
        return gx, gt, gw


class BinaryCrossEntropyWithLogits(ArrayOp):
    """BCE of sigmoid(x) computed from the logit x itself: finite for any x.

    loss = (1 - t) x + l softplus(-x), with l = 1 + (pos_weight - 1) t the weight of the
    positive term; softplus(-x) = -log sigmoid(x) never overflows. Times the optional
    weight, reduced.
    """

    @staticmethod
    def forward(ctx, x, t, weight=None, pos_weight=None, reduction="none"):
        sp = _softplus(-x)
        lw = 1 + (pos_weight - 1) * t if pos_weight is not None else 1
        ctx.save_for_backward(x, t, sp, weight, pos_weight)
        loss = ((1 - t) * x + lw * sp).astype(x.dtype, copy=False)
        return _reduced(ctx, loss, reduction, weight)

    @staticmethod
    def backward(ctx, g):
        # dx = sigmoid(x) - t, or (p t + 1 - t) sigmoid(x) - p t with pos_weight p;
        # dt = -x, or log sigmoid(-x) - p log sigmoid(x) = (p - 1) softplus(-x) - x;
        # d pos_weight = t softplus(-x). Written in torch's order, so that inf - inf and 0 inf
        # give NaN where torch's do.
        x, t, sp, weight, pos_weight = ctx.saved_tensors
        need = ctx.needs_input_grad + (False, False)
        g, gw = _per_element(ctx, g, weight)
        gx = gt = gp = None
        if need[0]:
            if pos_weight is None:
                gx = g * (_sigmoid(x) - t)
            else:
                pt = pos_weight * t
                gx = g * ((pt + 1 - t) * _sigmoid(x) - pt)
        if need[1]:
            gt = g * (-x if pos_weight is None else -_softplus(x) + sp * pos_weight)
        if need[3]:
            gp = unbroadcast(g * t * sp, pos_weight.shape)
        return gx, gt, gw, gp


class KlDivergence(ArrayOp):
    """Pointwise xlogy(t, t) - t x, x log-probabilities (0 log 0 = 0); with log_target,
    exp(t) (t - x). torch composes it of those ops, so NaN and inf come out where theirs do:
    a negative or NaN target gives NaN, and the target's gradient is NaN at t = 0 and t = inf
    (the t / t of log t's derivative)."""

    @staticmethod
    def forward(ctx, x, t, log_target=False):
        ctx.log_target = log_target
        ctx.torch_name = "Mul" if log_target else "Sub"  # torch's last op, as composed
        ctx.save_for_backward(x, t)
        if log_target:
            return np.exp(t) * (t - x)
        return (_xlogy(t, t) - t * x).astype(np.result_type(x, t), copy=False)

    @staticmethod
    def backward(ctx, g):
        # dx = -t (or -exp t);  dt = log t + t / t - x (or (t - x) exp t + exp t)
        x, t = ctx.saved_tensors
        need_x, need_t = ctx.needs_input_grad[:2]
        gx = gt = None
        if ctx.log_target:
            e = np.exp(t)
            gx = -(g * e) if need_x else None
            gt = g * (t - x) * e + g * e if need_t else None
        else:
            gx = -g * t if need_x else None
            if need_t:  # xlogy's two slopes (the first 0 where t is 0), then -x
                gt = zero_where(_xlogy(g, t), t == 0) + g * t / t - g * x
        return gx, gt


def _xlogy(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a log b, and 0 where a is 0 unless b is NaN (torch.xlogy): 0 log 0 = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = -inf, log(-1) = NaN: wanted
        a_log_b = a * np.log(b)
    return np.where((a == 0) & (b == b), 0, a_log_b).astype(np.result_type(a, b), copy=False)


# ---------------------------------------------------------------- margin losses
#
# torch's soft margin, multi-class margin and multi-label margin losses are kernels of their own
# (one node each: SoftMarginLossBackward0, ...); the other margin losses are compositions, in
# ``functional``.


class SoftMargin(ArrayOp):
    """log(1 + exp(-t x)), reduced: the two-class logistic loss, t in {-1, 1}."""

    torch_name = "SoftMarginLoss"

    @staticmethod
    def forward(ctx, x, t, reduction):
        ctx.save_for_backward(x, t)
        with np.errstate(over="ignore"):  # exp(-t x) = inf gives loss inf, as torch's
            loss = np.log1p(np.exp(-x * t)).astype(x.dtype, copy=False)
        return _reduced(ctx, loss, reduction)

    @staticmethod
    def backward(ctx, g):
        # -t z / (1 + z) with z = exp(-t x), in torch's order (t z times -1/n, then / (1 + z),
        # then times g), so that inf / inf is NaN where torch's is
        x, t = ctx.saved_tensors
        norm = 1 / x.size if ctx.reduction == "mean" else 1.0
        with np.errstate(over="ignore", invalid="ignore"):
            z = np.exp(-t * x).astype(x.dtype, copy=False)
            grad = (t * z * -norm).astype(x.dtype, copy=False) / (z + 1) * g
        return grad.astype(x.dtype, copy=False), None


def _frames(x: np.ndarray) -> np.ndarray:
    """The class scores of a margin loss as (frames, classes): () and (C,) are one frame."""
    return x.reshape(1, -1) if x.ndim <= 1 else x


def _frame_reduced(loss: np.ndarray, reduction: str, shape: tuple) -> np.ndarray:
    """One loss per frame, reduced; the mean of no frames is NaN, as torch's."""
    if reduction == "none":
        return loss.reshape(shape)
    total = np.add.reduce(loss, axis=None)
    if reduction == "sum":
        return np.asarray(total, dtype=loss.dtype)
    with np.errstate(invalid="ignore"):
        return np.asarray(total / loss.size, dtype=loss.dtype)


def _frame_scale(g: np.ndarray, reduction: str, frames: int, dtype) -> np.ndarray:
    """The upstream gradient as a factor on every frame's row: one value, or an (N, 1) column."""
    return g.reshape(frames, 1) if reduction == "none" and g.ndim else g.astype(dtype)


class MultiMargin(ArrayOp):
    """Multi-class hinge loss: per frame, sum_{d != y} max(0, margin - x_y + x_d)^p / C, each
    term times weight[y]; p is 1 or 2."""

    torch_name = "MultiMarginLoss"

    @staticmethod
    def forward(ctx, x, target, p, margin, weight, reduction):
        rows = _frames(x)
        n, c = rows.shape
        index = target.reshape(-1)
        frame = _row_numbers(n)
        z = margin - rows[frame, index][:, None] + rows  # (N, C)
        ctx.save_for_backward(z)
        ctx.meta = x.shape, index, p, weight, reduction
        on = z > 0  # NaN is not: torch skips that term
        on[frame, index] = False  # the target's own class adds nothing
        h = z if p == 1 else z * z
        if weight is not None:
            h = h * weight[index][:, None]
        loss = np.add.reduce(np.where(on, h, 0), axis=1) / rows.dtype.type(c)
        return _frame_reduced(loss.astype(rows.dtype, copy=False), reduction, target.shape)

    @staticmethod
    def backward(ctx, g):
        # d/dx_d = slope of term d (1, or 2 z) / C (/ N for a mean), times weight[y]; the target
        # gets minus their sum; then times the upstream gradient, as torch's kernel
        (z,) = ctx.saved_tensors
        shape, index, p, weight, reduction = ctx.meta
        n, c = z.shape
        frame = _row_numbers(n)
        step = z.dtype.type(1 / (max(n, 1) * c) if reduction == "mean" else 1 / c)  # n 0: empty
        on = z > 0
        on[frame, index] = False
        h = np.full_like(z, step) if p == 1 else 2 * step * z
        if weight is not None:
            h = h * weight[index][:, None]
        grad = np.where(on, h, 0).astype(z.dtype, copy=False)
        grad[frame, index] = -np.add.reduce(grad, axis=1)
        with np.errstate(invalid="ignore"):  # 0 * inf upstream is NaN, as torch's
            grad = grad * _frame_scale(g, reduction, n, z.dtype)
        return grad.reshape(shape), None, None


class MultilabelMargin(ArrayOp):
    """Multi-label hinge loss: per frame, sum over the target classes j (the target's entries
    up to the first -1) and the non-target classes d of max(0, 1 - x_j + x_d), / C."""

    torch_name = "MultilabelMarginLoss"

    @staticmethod
    def forward(ctx, x, target, reduction):
        rows = _frames(x)
        n, c = rows.shape
        labels = target.reshape(n, c)
        listed = np.logical_and.accumulate(labels >= 0, axis=1)  # (N, C): before the first -1
        index = np.where(listed, labels, 0)
        is_target = np.zeros((n, c), dtype=bool)
        frame = np.broadcast_to(_row_numbers(n)[:, None], (n, c))
        is_target[frame[listed], index[listed]] = True
        # z[n, j, d] = 1 - x[target j] + x[d], counted where j is listed and d is no target
        z = 1 - rows[frame, index][:, :, None] + rows[:, None, :]
        on = listed[:, :, None] & ~is_target[:, None, :] & (z > 0)
        ctx.meta = x.shape, frame, index, on, reduction
        loss = np.add.reduce(np.where(on, z, 0), axis=(1, 2)) / rows.dtype.type(c)
        out_shape = () if x.ndim <= 1 else (n,)
        return _frame_reduced(loss.astype(rows.dtype, copy=False), reduction, out_shape)

    @staticmethod
    def backward(ctx, g):  # +1/C at each counted d, -1/C at its target class j (/ N for a mean)
        shape, frame, index, on, reduction = ctx.meta
        n, c = frame.shape
        dtype = g.dtype
        step = dtype.type(1 / (max(n, 1) * c) if reduction == "mean" else 1 / c)  # n 0: empty
        grad = np.add.reduce(on, axis=1) * step  # (N, C): the d terms
        np.add.at(grad, (frame, index), -np.add.reduce(on, axis=2) * step)  # the j terms
        with np.errstate(invalid="ignore"):
            grad = grad.astype(dtype, copy=False) * _frame_scale(g, reduction, n, dtype)
        return grad.reshape(shape), None
