"""Matrix products. For C = A @ B the chain rule gives dA = dC @ Bᵀ and dB = Aᵀ @ dC."""

from __future__ import annotations

import numpy as np

from feedforward.ops import _gemm
from feedforward.ops._util import kernel_error, promote, unbroadcast, zero_where
from feedforward.ops.elementwise import ArrayOp
from feedforward.ops.matrix import VectorNorm


def _matmul_error(a: np.ndarray, b: np.ndarray, op: str) -> RuntimeError:
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    return RuntimeError(
        f"{op}: {tuple(a.shape)} @ {tuple(b.shape)}: inner dimensions {ka} and {kb} differ"
    )


def check_matmul(a: np.ndarray, b: np.ndarray, op: str = "matmul") -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"{op}: both arguments need at least 1 dimension, got {a.ndim}D and {b.ndim}D"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op}: expected both operands to have the same dtype, but got {a.dtype} != {b.dtype}"
        )
    if a.shape[-1] != (b.shape[-2] if b.ndim > 1 else b.shape[0]):
        raise _matmul_error(a, b, op)
    if a.dtype == np.bool_:  # torch has no bool kernel for products; NumPy would compute
        raise kernel_error(_product_kernel(a.ndim, b.ndim), a.dtype)


def _product_kernel(a_ndim: int, b_ndim: int) -> str:
    """The torch kernel a product runs in (a batch of matrices times one matrix is folded into
    one matrix product), named in its dtype errors."""
    if b_ndim >= 3:
        return "bmm"
    if b_ndim == 1:
        return "dot" if a_ndim == 1 else "addmv_impl_cpu"
    return "addmm_impl_cpu_"


_MATMUL_NAMES = {(2, 2): "Mm", (2, 1): "Mv", (1, 2): "SqueezeBackward4", (1, 1): "Dot"}


class MatMul(ArrayOp):
    @staticmethod
    def forward(ctx, a, b):
        check_matmul(a, b)
        ctx.save_for_backward(a, b)
        ctx.torch_name = _MATMUL_NAMES.get((a.ndim, b.ndim), "UnsafeView")
        try:
            return np.matmul(a, b)
        except ValueError:  # batch dims that do not broadcast
            raise RuntimeError(
                f"matmul: batch dimensions of {tuple(a.shape)} and {tuple(b.shape)} do not "
                "broadcast"
            ) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:  # a dot product: d(a.b) = b da + a db
            return (g * b if need_a else None), (g * a if need_b else None)
        # promote vectors to matrices so one formula covers every case, then undo it
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if need_a:
            ga = g2 @ np.swapaxes(b2, -1, -2)
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if need_b:
            gb = np.swapaxes(a2, -1, -2) @ g2
            gb = unbroadcast(gb, b2.shape).reshape(b.shape)
        return ga, gb


class Mm(MatMul):
    """2-D only, as torch.mm."""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 2 or b.ndim != 2:
            raise RuntimeError(f"mm: expected 2-D tensors, got {a.ndim}-D and {b.ndim}-D")
        return MatMul.forward(ctx, a, b)


class Bmm(MatMul):
    """3-D batches of matrices, same batch size, as torch.bmm."""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 3 or b.ndim != 3:
            raise RuntimeError(f"bmm: expected 3-D tensors, got {a.ndim}-D and {b.ndim}-D")
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(f"bmm: batch sizes differ: {tuple(a.shape)} and {tuple(b.shape)}")
        out = MatMul.forward(ctx, a, b)
        ctx.torch_name = "Bmm"  # matmul's 3-D case is an UnsafeView of a bmm
        return out


def _linear_name(ndim: int, has_bias: bool) -> str:
    """The node torch's linear ends in: addmm or mm for a matrix, a view or squeeze after the
    product otherwise."""
    if ndim == 2:
        return "Addmm" if has_bias else "Mm"
    if has_bias:
        return "View"
    return "SqueezeBackward4" if ndim == 1 else "UnsafeView"


class Linear(ArrayOp):
    """y = x Wᵀ + b in one op: one GEMM forward, two GEMMs backward, over any leading dims.

    The products are of 2-D matrices: ``_gemm.dot`` is ``np.dot`` (``@`` minus ~0.3 us of
    dispatch), or Intel MKL's GEMM for the larger ones when it is installed.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        ctx.torch_name = _linear_name(x.ndim, ctx.has_bias)
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        out = _gemm.dot(x2, weight.T)
        if bias is not None:
            out += bias
        return out.reshape(*x.shape[:-1], weight.shape[0]) if x.ndim != 2 else out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need = ctx.needs_input_grad
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        gx = _gemm.dot(g2, weight).reshape(x.shape) if need[0] else None
        gw = _gemm.dot(g2.T, x.reshape(-1, x.shape[-1])) if need[1] else None
        gb = np.add.reduce(g2, axis=0) if len(need) > 2 and need[2] else None
        return gx, gw, gb


def _scalars(dtype: np.dtype, beta, alpha) -> tuple:
    """beta and alpha as torch casts them into the op's dtype: an integer op truncates them."""
    if dtype.kind in "iu":
        return int(beta), int(alpha)
    return beta, alpha


def _plus_scaled(x: np.ndarray, product: np.ndarray, beta, alpha) -> np.ndarray:
    """beta * x + alpha * product, x broadcast to product's shape; beta = 0 ignores x, NaN
    included, as torch."""
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    return product + (x if beta == 1 else x * beta)


def _input_grad(ctx, g: np.ndarray) -> np.ndarray:
    """d(beta x) = beta g, summed over the dims x was broadcast along."""
    return unbroadcast(g if ctx.beta == 1 else g * ctx.beta, ctx.shape)


def _times(g: np.ndarray, alpha) -> np.ndarray:
    return g if alpha == 1 else g * alpha


class Addmm(ArrayOp):
    """beta * x + alpha * (m1 @ m2), x broadcast to the product's shape (beta = 0: x is ignored,
    NaN included, as torch)."""

    @staticmethod
    def forward(ctx, x, m1, m2, beta=1, alpha=1):
        beta, alpha = _scalars(m1.dtype, beta, alpha)
        ctx.shape, ctx.beta, ctx.alpha = x.shape, beta, alpha
        ctx.save_for_backward(m1, m2)
        return _plus_scaled(x, _gemm.dot(m1, m2), beta, alpha)

    @staticmethod
    def backward(ctx, g):  # dx = beta g (summed over broadcast dims), dm1 = alpha g m2ᵀ, ...
        m1, m2 = ctx.saved_tensors
        need, alpha = ctx.needs_input_grad, ctx.alpha
        gx = _input_grad(ctx, g) if need[0] else None
        gm1 = _times(_gemm.dot(g, m2.T), alpha) if need[1] else None
        gm2 = _times(_gemm.dot(m1.T, g), alpha) if need[2] else None
        return gx, gm1, gm2


class Addmv(ArrayOp):
    """beta * x + alpha * (mat @ vec): dmat = alpha g vecᵀ, dvec = alpha matᵀ g."""

    @staticmethod
    def forward(ctx, x, mat, vec, beta=1, alpha=1):
        beta, alpha = _scalars(mat.dtype, beta, alpha)
        ctx.shape, ctx.beta, ctx.alpha = x.shape, beta, alpha
        ctx.save_for_backward(mat, vec)
        return _plus_scaled(x, np.dot(mat, vec), beta, alpha)

    @staticmethod
    def backward(ctx, g):
        mat, vec = ctx.saved_tensors
        need, alpha = ctx.needs_input_grad, ctx.alpha
        gx = _input_grad(ctx, g) if need[0] else None
        gmat = _times(np.outer(g, vec), alpha) if need[1] else None
        gvec = _times(np.dot(mat.T, g), alpha) if need[2] else None
        return gx, gmat, gvec


def promote3(x: np.ndarray, vec1: np.ndarray, vec2: np.ndarray) -> tuple:
    """addr's three operands in the one dtype torch computes it in."""
    x, vec1 = promote(x, vec1)
    x, vec2 = promote(x, vec2)
    return x, vec1.astype(x.dtype, copy=False), vec2


class Addr(ArrayOp):
    """beta * x + alpha * (vec1 ⊗ vec2), the three in torch's promoted dtype (for bools: x and
    beta, or the outer product and alpha). dvec1 = alpha g vec2, dvec2 = alpha gᵀ vec1."""

    @staticmethod
    def forward(ctx, x, vec1, vec2, beta=1, alpha=1):
        ctx.shape, ctx.beta, ctx.alpha = x.shape, beta, alpha
        x, vec1, vec2 = promote3(x, vec1, vec2)
        ctx.save_for_backward(vec1, vec2)
        product = np.outer(vec1, vec2)
        if product.dtype == np.bool_:
            product = product & bool(alpha)
            return product | (x & bool(beta)) if beta else product
        return _plus_scaled(x, product, beta, alpha)

    @staticmethod
    def backward(ctx, g):
        vec1, vec2 = ctx.saved_tensors
        need, alpha = ctx.needs_input_grad, ctx.alpha
        gx = _input_grad(ctx, g) if need[0] else None
        gvec1 = _times(np.dot(g, vec2), alpha) if need[1] else None
        gvec2 = _times(np.dot(g.T, vec1), alpha) if need[2] else None
        return gx, gvec1, gvec2


class Addbmm(ArrayOp):
    """beta * x + alpha * sum_i batch1[i] @ batch2[i]: one GEMM of the batches laid side by side
    ((n, b*k) @ (b*k, p)); dbatch1[i] = alpha g batch2[i]ᵀ, dbatch2[i] = alpha batch1[i]ᵀ g."""

    @staticmethod
    def forward(ctx, x, batch1, batch2, beta=1, alpha=1):
        beta, alpha = _scalars(batch1.dtype, beta, alpha)
        ctx.shape, ctx.beta, ctx.alpha = x.shape, beta, alpha
        ctx.save_for_backward(batch1, batch2)
        b, n, k = batch1.shape
        side_by_side = batch1.transpose(1, 0, 2).reshape(n, b * k)
        product = _gemm.dot(side_by_side, batch2.reshape(b * k, batch2.shape[2]))
        return _plus_scaled(x, product, beta, alpha)

    @staticmethod
    def backward(ctx, g):
        batch1, batch2 = ctx.saved_tensors
        need, alpha = ctx.needs_input_grad, ctx.alpha
        gx = _input_grad(ctx, g) if need[0] else None
        gb1 = _times(np.matmul(g, batch2.transpose(0, 2, 1)), alpha) if need[1] else None
        gb2 = _times(np.matmul(batch1.transpose(0, 2, 1), g), alpha) if need[2] else None
        return gx, gb1, gb2


class Baddbmm(ArrayOp):
    """beta * x + alpha * (batch1 @ batch2), batch by batch, x broadcast to the result."""

    @staticmethod
    def forward(ctx, x, batch1, batch2, beta=1, alpha=1):
        beta, alpha = _scalars(batch1.dtype, beta, alpha)
        ctx.shape, ctx.beta, ctx.alpha = x.shape, beta, alpha
        ctx.save_for_backward(batch1, batch2)
        return _plus_scaled(x, np.matmul(batch1, batch2), beta, alpha)

    @staticmethod
    def backward(ctx, g):
        batch1, batch2 = ctx.saved_tensors
        need, alpha = ctx.needs_input_grad, ctx.alpha
        gx = _input_grad(ctx, g) if need[0] else None
        gb1 = _times(np.matmul(g, batch2.transpose(0, 2, 1)), alpha) if need[1] else None
        gb2 = _times(np.matmul(batch1.transpose(0, 2, 1), g), alpha) if need[2] else None
        return gx, gb1, gb2


class Einsum(ArrayOp):
    """Sums of products over subscripts, ``np.einsum`` of explicit ones (``api.einsum`` has
    spelt out "..." and the output). Operand i's gradient is the einsum of the upstream
    gradient with the other operands, back to i's subscripts: a letter only i sums over comes
    back broadcast, a letter i repeats (a diagonal) gets the values on that diagonal, and a
    size-1 dim that another operand broadcast is summed back."""

    @staticmethod
    def forward(ctx, inputs: list[str], output: str, sizes: dict, *operands):
        ctx.inputs, ctx.output, ctx.sizes = inputs, output, sizes
        ctx.save_for_backward(*operands)
        equation = ",".join(inputs) + "->" + output
        return np.asarray(np.einsum(equation, *operands, optimize=len(operands) > 1))

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_tensors
        grads = [None, None, None]
        for i, need in enumerate(ctx.needs_input_grad[3:]):
            grads.append(_einsum_grad(ctx, g, i, operands) if need else None)
        return tuple(grads)


def _einsum_grad(ctx, g: np.ndarray, i: int, operands) -> np.ndarray:
    sub, x, sizes = ctx.inputs[i], operands[i], ctx.sizes
    others = [(s, o) for j, (s, o) in enumerate(zip(ctx.inputs, operands)) if j != i]
    unique = "".join(dict.fromkeys(sub))
    available = set(ctx.output).union(*(s for s, _ in others))
    kept = "".join(c for c in unique if c in available)
    equation = ",".join([ctx.output, *(s for s, _ in others)]) + "->" + kept
    grad = np.einsum(equation, g, *(o for _, o in others), optimize=bool(others))
    missing = tuple(k for k, c in enumerate(unique) if c not in available)
    grad = np.broadcast_to(np.expand_dims(grad, missing), [sizes[c] for c in unique])
    if len(unique) < len(sub):  # a repeated letter: the values go on the diagonal
        diagonal = np.zeros([sizes[c] for c in sub], g.dtype)
        np.einsum(f"{sub}->{unique}", diagonal)[...] = grad  # (a writeable view)
        grad = diagonal
    broadcast = tuple(k for k, n in enumerate(x.shape) if n == 1 and sizes[sub[k]] != 1)
    if broadcast:
        grad = grad.sum(axis=broadcast, keepdims=True)
    return np.ascontiguousarray(grad, dtype=x.dtype)


class Cdist(ArrayOp):
    """The p-norm distance between every row of x1 (..., P, M) and every row of x2 (..., R, M):
    (..., P, R). For p = 2 with more than 25 rows on a side, torch's faster form
    sqrt(|a|^2 + |b|^2 - 2 a.b) (clamped at 1e-30) unless asked not to; otherwise directly."""

    @staticmethod
    def forward(ctx, x1, x2, p: float, use_mm: bool):
        ctx.p, ctx.use_mm, ctx.shapes = p, use_mm, (x1.shape, x2.shape)
        if use_mm:
            ctx.torch_name = "View"  # torch's composite ends in a view
            squares = (
                np.sum(x1 * x1, -1)[..., :, None]
                + np.sum(x2 * x2, -1)[..., None, :]
                - 2 * np.matmul(x1, np.swapaxes(x2, -1, -2))
            )
            ctx.clamped = squares <= 1e-30
            out = np.sqrt(np.maximum(squares, 1e-30))
        else:
            diff = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
            if p == 0:  # the non-zero count, as torch: min(ceil(|diff|), 1) keeps NaN
                out = np.minimum(np.ceil(diff), 1).sum(-1)
            elif p == np.inf:  # torch's running max skips NaN differences
                out = np.fmax.reduce(diff, axis=-1, initial=0)
            elif p == 1:
                out = diff.sum(-1)
            elif p == 2:
                out = np.sqrt(np.sum(diff * diff, -1))
            else:
                out = np.sum(diff**p, -1) ** (1 / p)
        ctx.save_for_backward(x1, x2, out)
        return out.astype(x1.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x1, x2, d = ctx.saved_tensors
        p = ctx.p
        if p == 2:  # d/dx1 of |x1 - x2| is (x1 - x2) / d: zero where d is, or was clamped
            dead = ctx.clamped if ctx.use_mm else d == 0
            w = zero_where(g / np.where(dead, 1, d), dead)
            g1 = w.sum(-1)[..., None] * x1 - np.matmul(w, x2)
            g2 = np.swapaxes(w, -1, -2).sum(-1)[..., None] * x2 - np.matmul(
                np.swapaxes(w, -1, -2), x1
            )
        else:
            diff = x1[..., :, None, :] - x2[..., None, :, :]
            size, sign, gd = np.abs(diff), np.sign(diff), g[..., None]
            if p == 0:
                grad = np.zeros_like(diff)
            elif p == 1:
                grad = gd * sign
            elif p == np.inf:  # (torch's sign of NaN is 0)
                grad = gd * np.nan_to_num(sign, nan=0.0) * (size == d[..., None])
            else:  # sign * |diff|^(p-1) / d^(p-1); 0 where diff or d is 0
                with np.errstate(divide="ignore", invalid="ignore"):
                    grad = gd * sign * size ** (p - 1) / d[..., None] ** (p - 1)
                grad = zero_where(grad, (size == 0) | (d[..., None] == 0))
            g1, g2 = grad.sum(-2), -grad.sum(-3)
        (s1, s2), need = ctx.shapes, ctx.needs_input_grad
        return (
            unbroadcast(g1, s1).astype(x1.dtype, copy=False) if need[0] else None,
            unbroadcast(g2, s2).astype(x2.dtype, copy=False) if need[1] else None,
            None,
            None,
        )


class Cross(ArrayOp):
    """The cross product of 3-vectors along ``axis`` (both inputs of one shape: ``api.cross``
    broadcast them). d(a x b) = da x b + a x db, so da = b x g and db = g x a."""

    torch_name = "LinalgCross"

    @staticmethod
    def forward(ctx, a, b, axis):
        ctx.axis = axis
        ctx.save_for_backward(a, b)
        return np.cross(a, b, axis=axis)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = np.cross(b, g, axis=ctx.axis) if need_a else None
        gb = np.cross(g, a, axis=ctx.axis) if need_b else None
        return ga, gb, None


class Dist(ArrayOp):
    """The p-norm of a - b (broadcast): linalg.vector_norm's forward and backward on the
    difference, whose gradient goes to a as it is and to b negated."""

    @staticmethod
    def forward(ctx, a, b, p: float):
        ctx.shapes = a.shape, b.shape
        a, b = promote(a, b)
        return VectorNorm.forward(ctx, a - b, p, None, False)

    @staticmethod
    def backward(ctx, g):
        g_diff = VectorNorm.backward(ctx, g)
        if g_diff is None:  # p = 0: torch's gradient is undefined, as the norm's
            return None, None
        need, (a_shape, b_shape) = ctx.needs_input_grad, ctx.shapes
        ga = unbroadcast(g_diff, a_shape) if need[0] else None
        gb = unbroadcast(-g_diff, b_shape) if need[1] else None
        return ga, gb


class Renorm(ArrayOp):
    """Each slice along ``dim`` whose p-norm is over maxnorm scaled down to it: x * maxnorm /
    (norm + 1e-7) there, x elsewhere. Backward as torch's renorm_backward: with f = maxnorm /
    (norm + 1e-7), dx = f g - f / (norm + 1e-7) * dnorm/dx * sum(x g) where scaled."""

    @staticmethod
    def forward(ctx, x, p: float, dim: int, maxnorm: float):
        ctx.axes = tuple(i for i in range(x.ndim) if i != dim)
        norm = VectorNorm.forward(ctx, x, p, ctx.axes, True)
        ctx.maxnorm = maxnorm
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1).astype(x.dtype)
        return x * factor

    @staticmethod
    def backward(ctx, g):
        x, norm = ctx.saved_tensors
        norm_grad = VectorNorm.backward(ctx, np.sum(x * g, axis=ctx.axes, keepdims=True))
        inverse = 1 / (norm + 1e-7)
        factor = inverse * ctx.maxnorm
        return np.where(norm > ctx.maxnorm, factor * g - (factor * inverse) * norm_grad, g)
