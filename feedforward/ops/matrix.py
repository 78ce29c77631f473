"""Ops on matrices: inverses, determinants, solves, decompositions and norms, with the gradient
formulas of torch (torch/csrc/autograd/FunctionsManual.cpp). Arrays in, arrays out, over any
leading batch dims, as NumPy's linalg computes them.

A decomposition has several outputs (U, S, Vh; Q, R; ...) and a graph node has one, so its
forward returns them packed along the last axis, each flattened after the batch dims, and
``unpack`` hands them out again, each through an ``Output`` node. backward gets the gradients
unpacked the same way, ``None`` for an output that no gradient reached, as torch passes
undefined ones: svd's backward then skips U's and Vh's terms (which divide by differences of
singular values, infinite where two are equal).
"""

from __future__ import annotations

import math

import numpy as np

from feedforward.ops._util import sign, unbroadcast, zero_where
from feedforward.ops.elementwise import ArrayOp


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: the matrix is singular, not positive-definite, or an algorithm
    did not converge."""

    __module__ = "feedforward.linalg"  # (where users meet it)


def mT(x: np.ndarray) -> np.ndarray:
    """The matrices transposed (the last two dims swapped), a view."""
    return np.swapaxes(x, -1, -2)


def _diag_embed(v: np.ndarray) -> np.ndarray:
    out = np.zeros(v.shape + v.shape[-1:], v.dtype)
    np.einsum("...ii->...i", out)[...] = v
    return out


def _batch_error(message: str, fn: str, failed: np.ndarray, batched: bool) -> LinAlgError:
    """torch's words for a matrix a function cannot take: ``fn: (Batch element 1): ...``, the
    first matrix of a batch that fails."""
    where = f"(Batch element {int(np.flatnonzero(failed)[0])}): " if batched else ""
    return LinAlgError(f"{fn}: {where}{message}")


def getrf_info(a: np.ndarray) -> np.ndarray:
    """LAPACK getrf's info for each matrix of a batch (flattened): the 1-based position of the
    first pivot of LU with partial pivoting that is exactly zero, 0 where there is none. NumPy
    only says "Singular matrix"; torch's message gives the position."""
    n = a.shape[-1]
    lu = a.reshape(-1, n, n).copy()
    rows = np.arange(len(lu))
    info = np.zeros(len(lu), np.int64)
    for j in range(n):
        p = j + np.argmax(np.abs(lu[:, j:, j]), axis=1)  # the first largest, as idamax
        lu[rows, j], lu[rows, p] = lu[rows, p], lu[rows, j].copy()
        pivot = lu[:, j, j]
        info[(pivot == 0) & (info == 0)] = j + 1
        factor = lu[:, j + 1 :, j] / np.where(pivot == 0, 1, pivot)[:, None]
        lu[:, j + 1 :, j + 1 :] -= factor[:, :, None] * lu[:, j, None, j + 1 :]
    return info


def potrf_info(a: np.ndarray) -> np.ndarray:
    """LAPACK potrf's info for each matrix of a batch (flattened): the order of the first
    leading minor that is not positive-definite, 0 where there is none."""
    n = a.shape[-1]
    a = a.reshape(-1, n, n)
    low = np.zeros_like(a)
    info = np.zeros(len(a), np.int64)
    for j in range(n):
        d = a[:, j, j] - np.einsum("bk,bk->b", low[:, j, :j], low[:, j, :j])
        info[~(d > 0) & (info == 0)] = j + 1  # (NaN too, as LAPACK's DISNAN check)
        root = np.sqrt(np.where(d > 0, d, 1))
        low[:, j, j] = root
        rest = a[:, j + 1 :, j] - np.einsum("bik,bk->bi", low[:, j + 1 :, :j], low[:, j, :j])
        low[:, j + 1 :, j] = rest / root[:, None]
    return info


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A^-1 B for matrices B, batch dims broadcast. Where A is singular (a backward formula
    met a singular R or A, where torch's LU solve gives inf and NaN) the result is NaN."""
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = np.broadcast_to(a, batch + a.shape[-2:]).reshape(-1, *a.shape[-2:])
        b = np.broadcast_to(b, batch + b.shape[-2:]).reshape(-1, *b.shape[-2:])
        out = np.full(b.shape, np.nan, np.result_type(a, b))
        for i in range(len(a)):  # (rare: one matrix at a time)
            try:
                out[i] = np.linalg.solve(a[i], b[i])
            except np.linalg.LinAlgError:
                pass
        return out.reshape(batch + b.shape[-2:])


def _solve_right(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """B A^-1."""
    return mT(_solve(mT(a), mT(b)))


# ---------------------------------------------------------------- several outputs


class Decomposition(ArrayOp):
    """An op with several outputs, packed by ``pack`` (see the module's docstring)."""

    @staticmethod
    def pack(ctx, batch: tuple, *outputs: np.ndarray) -> np.ndarray:
        ctx.layout = [o.shape[len(batch) :] for o in outputs]
        ctx.reached = set()
        flat = [o.reshape(batch + (math.prod(o.shape[len(batch) :]),)) for o in outputs]
        return np.concatenate(flat, axis=-1)

    @staticmethod
    def grads(ctx, g: np.ndarray) -> list:
        """The gradient of each output, None for those that got none in this backward."""
        reached, ctx.reached = ctx.reached, set()
        batch, out, start = g.shape[:-1], [], 0
        for i, shape in enumerate(ctx.layout):
            size = math.prod(shape)
            part = g[..., start : start + size].reshape(batch + shape)
            out.append(part if i in reached else None)
            start += size
        return out


class Output(ArrayOp):
    """One output of a decomposition, shown under its node's name (LinalgSvdBackward0, ...)."""

    @staticmethod
    def forward(ctx, packed, index: int, start: int, shape: tuple):
        stop = start + math.prod(shape)
        ctx.index, ctx.span, ctx.packed_shape = index, (start, stop), packed.shape
        return packed[..., start:stop].reshape(packed.shape[:-1] + shape)

    @staticmethod
    def backward(ctx, g):
        ctx.parents[0].grad_fn.reached.add(ctx.index)  # (this runs before its decomposition's)
        (start, stop), batch = ctx.span, ctx.packed_shape[:-1]
        full = np.zeros(ctx.packed_shape, g.dtype)
        full[..., start:stop] = g.reshape(batch + (stop - start,))
        return full, None, None, None

    def name(self) -> str:
        return self.parents[0].grad_fn.name()

    @property
    def next_functions(self) -> tuple:
        """Its decomposition's: the graph reads as torch's, one node for all the outputs."""
        return self.parents[0].grad_fn.next_functions


def unpack(packed, shapes) -> list:
    """The outputs of a decomposition's packed result (a tensor), of these trailing shapes."""
    outputs, start = [], 0
    for i, shape in enumerate(shapes):
        outputs.append(Output.apply(packed, i, start, tuple(shape)))
        start += math.prod(shape)
    return outputs


# ---------------------------------------------------------------- inverse, determinants, solve


class Inv(ArrayOp):
    """A^-1. Backward: -A^-T g A^-T."""

    torch_name = "LinalgInvEx"

    @staticmethod
    def forward(ctx, a):
        try:
            out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            info = getrf_info(a)
            bad = info > 0
            position = int(info[bad][0]) if bad.any() else a.shape[-1]  # (rounding: LAPACK's)
            message = (
                f"The diagonal element {position} is zero, the inversion could not be "
                "completed because the input matrix is singular."
            )
            failed = bad if bad.any() else [True]
            raise _batch_error(message, "linalg.inv", failed, a.ndim > 2) from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (inv,) = ctx.saved_tensors
        return -mT(inv) @ g @ mT(inv)


class Det(ArrayOp):
    """det A. Backward: g det(A) A^-T, the cofactors; 0 where det A is 0, as torch's backward
    (it solves A^T X = g det(A) I, whose right side is then 0)."""

    torch_name = "LinalgDet"

    @staticmethod
    def forward(ctx, a):
        det = np.linalg.det(a)
        ctx.save_for_backward(a, det)
        return det

    @staticmethod
    def backward(ctx, g):
        a, det = ctx.saved_tensors
        scale = np.asarray(g * det)
        out = np.zeros(np.broadcast_shapes(a.shape, scale.shape + (1, 1)), a.dtype)
        regular = np.asarray(det != 0)
        if a.size and regular.any():
            inv = np.linalg.inv(np.broadcast_to(a, out.shape)[regular])
            out[regular] = scale[regular][..., None, None] * mT(inv)
        return out


class Slogdet(Decomposition):
    """(sign, log |det A|). Backward: g_logabsdet A^-T (the sign is constant where it is
    defined, so its gradient is dropped, as torch's for real matrices)."""

    torch_name = "LinalgSlogdet"

    @staticmethod
    def forward(ctx, a):
        s, logabsdet = np.linalg.slogdet(a)
        ctx.save_for_backward(a)
        return Decomposition.pack(ctx, a.shape[:-2], np.asarray(s), np.asarray(logabsdet))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        _, g_log = Decomposition.grads(ctx, g)
        if g_log is None:  # the sign alone: no gradient, as torch's (None, not zeros)
            return None
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return _solve(mT(a), g_log[..., None, None] * eye)


class Solve(ArrayOp):
    """X with A X = B (``left``) or X A = B, batch dims broadcast; a ``vector`` B (..., n) is a
    column. Backward (left): gB = A^-T g, gA = -gB X^T; (right) gB = g A^-T, gA = -X^T gB."""

    torch_name = "LinalgSolveEx"

    @staticmethod
    def forward(ctx, a, b, left: bool, vector: bool):
        ctx.left, ctx.vector, ctx.shapes = left, vector, (a.shape, b.shape)
        b2 = b[..., None] if vector else b
        try:
            x = np.linalg.solve(a, b2) if left else mT(np.linalg.solve(mT(a), mT(b2)))
        except np.linalg.LinAlgError:
            batch = np.broadcast_shapes(a.shape[:-2], b2.shape[:-2])
            failed = getrf_info(np.broadcast_to(a, batch + a.shape[-2:])) > 0
            message = "The solver failed because the input matrix is singular."
            fn = "torch.linalg.solve"
            failed = failed if failed.any() else [True]  # (rounding: LAPACK's own)
            raise _batch_error(message, fn, failed, bool(batch)) from None
        ctx.save_for_backward(a, x)
        return x[..., 0] if vector else x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        g = g[..., None] if ctx.vector else g
        if ctx.left:
            gb = np.linalg.solve(mT(a), g)
            ga = -gb @ mT(x)
        else:
            gb = _solve_right(g, mT(a))
            ga = -mT(x) @ gb
        a_shape, b_shape = ctx.shapes
        gb = gb[..., 0] if ctx.vector else gb
        return unbroadcast(ga, a_shape), unbroadcast(gb, b_shape), None, None


# ---------------------------------------------------------------- decompositions


def _not_positive_definite(a: np.ndarray, fn: str) -> LinAlgError:
    info = potrf_info(a)
    bad = info > 0
    order = int(info[bad][0]) if bad.any() else a.shape[-1]  # (rounding: LAPACK's own)
    message = (
        "The factorization could not be completed because the input is not positive-definite "
        f"(the leading minor of order {order} is not positive-definite)."
    )
    return _batch_error(message, fn, bad if bad.any() else [True], a.ndim > 2)


class Cholesky(ArrayOp):
    """L lower-triangular with A = L L^T (of A's lower triangle), or U = L^T with ``upper``.
    Backward (Murray 2016): L^-T Phi(L^T gL) L^-1, where Phi(X) keeps the lower triangle of X
    and halves its diagonal, made symmetric."""

    torch_name = "LinalgCholeskyEx"

    @staticmethod
    def forward(ctx, a, upper: bool, fn: str = "linalg.cholesky"):
        try:
            low = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise _not_positive_definite(a, fn) from None
        if not np.isfinite(low).all() and (potrf_info(a) > 0).any():  # NumPy passes NaN on
            raise _not_positive_definite(a, fn)
        ctx.upper = upper
        ctx.save_for_backward(low)
        return mT(low).copy() if upper else low

    @staticmethod
    def backward(ctx, g):
        (low,) = ctx.saved_tensors
        g = mT(g) if ctx.upper else g
        phi = np.tril(mT(low) @ g)
        phi = 0.5 * (phi + mT(np.tril(phi, -1)))
        ga = _solve(mT(low), phi)  # L^-T Phi
        return _solve_right(ga, low), None, None  # ... L^-1


class Qr(Decomposition):
    """A = Q R, Q with orthonormal columns, R upper-triangular; mode 'reduced', 'complete' or
    'r' (R only). Backward as torch's linalg_qr_backward: for m >= n, gA = [gQ + Q sym(triu(M))]
    R^-T with M = gR R^T - Q^T gQ and sym(X) = X + X^T with the diagonal halved; for m < n
    through the leading m x m block of R."""

    torch_name = "LinalgQr"

    @staticmethod
    def forward(ctx, a, mode: str):
        ctx.mode = mode
        if mode == "r":
            r = np.linalg.qr(a, mode="r")
            return Decomposition.pack(ctx, a.shape[:-2], r)
        q, r = np.linalg.qr(a, mode=mode)
        ctx.save_for_backward(q, r)
        return Decomposition.pack(ctx, a.shape[:-2], q, r)

    @staticmethod
    def backward(ctx, g):
        if ctx.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                "through linalg.qr."
            )
        q, r = ctx.saved_tensors
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError(
                "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
            )
        gq, gr = Decomposition.grads(ctx, g)
        if gq is not None and gr is not None:
            ga = gr @ mT(r) - mT(q) @ gq
        elif gq is not None:
            ga = -mT(q) @ gq
        else:
            ga = gr @ mT(r)
        if m >= n:
            upper = np.triu(ga)
            sym = upper + mT(upper)
            np.einsum("...ii->...i", sym)[...] *= 0.5
            ga = q @ sym
            if gq is not None:
                ga = ga + gq
            return _solve_right(ga, mT(r)), None
        ga = q @ np.tril(mT(ga) - ga)  # tril(X - X^T) of X = -ga
        ga = _solve_right(ga, mT(r[..., :m]))
        ga = np.concatenate([ga, np.zeros(ga.shape[:-1] + (n - m,), ga.dtype)], axis=-1)
        return (ga + q @ gr if gr is not None else ga), None


class Eigh(Decomposition):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix, from its
    lower (UPLO='L') or upper triangle. Backward: V (diag(gL) + K / E) V^T, K = (V^T gV -
    gV^T V) / 2 and E_ij = L_j - L_i (not made symmetric, as torch's)."""

    torch_name = "LinalgEigh"

    @staticmethod
    def forward(ctx, a, uplo: str):
        w, v = _eigh(a, uplo)
        ctx.save_for_backward(w, v)
        return Decomposition.pack(ctx, a.shape[:-2], w, v)

    @staticmethod
    def backward(ctx, g):
        w, v = ctx.saved_tensors
        gw, gv = Decomposition.grads(ctx, g)
        return eigh_backward(gw, gv, w, v), None


def _eigh(a: np.ndarray, uplo: str) -> tuple[np.ndarray, np.ndarray]:
    """(eigenvalues, eigenvectors) from NumPy's LAPACK, or torch's error where it fails."""
    try:
        return np.linalg.eigh(a, UPLO=uplo)
    except np.linalg.LinAlgError:
        raise _eigh_error(a) from None


def _eigh_error(a: np.ndarray) -> LinAlgError:
    return LinAlgError(
        "linalg.eigh: The algorithm failed to converge because the input matrix is "
        f"ill-conditioned or has too many repeated eigenvalues (error code: {a.shape[-1] - 1})."
    )


def eigh_backward(gw, gv, w, v):
    if gv is None:
        gw = np.zeros_like(w) if gw is None else gw
        return (v * gw[..., None, :]) @ mT(v)
    vgv = mT(v) @ gv
    vgv = 0.5 * (vgv - mT(vgv))
    e = w[..., None, :] - w[..., :, None]
    np.einsum("...ii->...i", e)[...] = 1
    inner = vgv / e
    if gw is not None:
        np.einsum("...ii->...i", inner)[...] = gw
    return v @ inner @ mT(v)


class Eigvalsh(ArrayOp):
    """The eigenvalues alone; backward V diag(g) V^T, as torch's through its eigh."""

    torch_name = "LinalgEigh"

    @staticmethod
    def forward(ctx, a, uplo: str):
        w, v = _eigh(a, uplo)
        ctx.save_for_backward(w, v)
        return w

    @staticmethod
    def backward(ctx, g):
        w, v = ctx.saved_tensors
        return eigh_backward(g, None, w, v), None


def svd(a: np.ndarray, full_matrices: bool = False, fn: str = "linalg.svd"):
    try:
        return np.linalg.svd(a, full_matrices=full_matrices)
    except np.linalg.LinAlgError:
        why = "is ill-conditioned or has too many repeated singular values"
        if not np.isfinite(a).all():
            why = "contained non-finite values"
        raise LinAlgError(
            f"{fn}: The algorithm failed to converge because the input matrix {why}."
        ) from None


class Svd(Decomposition):
    """A = U diag(S) Vh, S descending. Backward as torch's svd_backward (J. Townsend's notes):
    U [(skew(U^T gU) / E) S + S (skew(V^T gV) / E) + diag(gS)] Vh with E_jk = S_k^2 - S_j^2,
    plus the terms of the columns outside U's (V's) span for a tall (wide) A; with neither gU
    nor gVh, U diag(gS) Vh. Full U or Vh are narrowed to the first k = min(m, n) columns."""

    torch_name = "LinalgSvd"

    @staticmethod
    def forward(ctx, a, full_matrices: bool):
        u, s, vh = svd(a, full_matrices)
        ctx.save_for_backward(u, s, vh)
        return Decomposition.pack(ctx, a.shape[:-2], u, s, vh)

    @staticmethod
    def backward(ctx, g):
        u, s, vh = ctx.saved_tensors
        gu, gs, gvh = Decomposition.grads(ctx, g)
        k = s.shape[-1]
        u, vh = u[..., :k], vh[..., :k, :]
        gu = None if gu is None else gu[..., :k]
        gvh = None if gvh is None else gvh[..., :k, :]
        return svd_backward(gu, gs, gvh, u, s, vh), None


def svd_backward(gu, gs, gvh, u, s, vh):
    m, n = u.shape[-2], vh.shape[-1]
    if gu is None and gvh is None:
        gs = np.zeros_like(s) if gs is None else gs
        return u @ (gs[..., :, None] * vh) if m >= n else (u * gs[..., None, :]) @ vh
    s2 = s * s
    e = s2[..., None, :] - s2[..., :, None]
    np.einsum("...ii->...i", e)[...] = 1  # any a != 0: the diagonal is 0 / a
    if gu is not None:
        ugu = mT(u) @ gu
        ugu = ugu - mT(ugu)
    if gvh is not None:
        vgv = vh @ mT(gvh)
        vgv = vgv - mT(vgv)
    if gu is not None and gvh is not None:
        inner = (ugu * s[..., None, :] + s[..., :, None] * vgv) / e
    elif gu is not None:
        inner = (ugu / e) * s[..., None, :]
    else:
        inner = s[..., :, None] * (vgv / e)
    if gs is not None:
        inner = inner + _diag_embed(gs)
    if m > n and gu is not None:
        gu_sinv = gu / s[..., None, :]
        ga = u @ inner + gu_sinv - u @ (mT(u) @ gu_sinv)
        return ga @ vh
    if m < n and gvh is not None:
        sinv_gvh = gvh / s[..., :, None]
        ga = inner @ vh + sinv_gvh - (sinv_gvh @ mT(vh)) @ vh
        return u @ ga
    return u @ (inner @ vh) if m >= n else (u @ inner) @ vh


class Svdvals(ArrayOp):
    """The singular values alone; backward U diag(g) Vh, as torch's through its svd."""

    torch_name = "LinalgSvd"

    @staticmethod
    def forward(ctx, a):
        u, s, vh = svd(a)
        ctx.save_for_backward(u, vh)
        return s

    @staticmethod
    def backward(ctx, g):
        u, vh = ctx.saved_tensors
        m, n = u.shape[-2], vh.shape[-1]
        return (u @ (g[..., :, None] * vh) if m >= n else (u * g[..., None, :]) @ vh), None


def _tolerance(s_max: np.ndarray, atol, rtol) -> np.ndarray:
    """max(atol, rtol * the largest singular value), per matrix of the batch."""
    return np.maximum(atol, rtol * s_max)


def pinv(a: np.ndarray, atol, rtol, hermitian: bool) -> np.ndarray:
    """torch's pinv: 1/S where S exceeds max(atol, rtol * max S), else 0."""
    if hermitian:
        try:
            w, v = np.linalg.eigh(a)
        except np.linalg.LinAlgError:
            raise _eigh_error(a) from None
        size = np.abs(w)
        tol = _tolerance(np.max(size, axis=-1, initial=0), atol, rtol)[..., None]
        with np.errstate(divide="ignore"):
            winv = np.where(size > tol, 1 / w, 0).astype(a.dtype, copy=False)
        return (v * winv[..., None, :]) @ mT(v)
    u, s, vh = svd(a)
    tol = _tolerance(s[..., 0] if s.shape[-1] else np.zeros(s.shape[:-1], s.dtype), atol, rtol)
    with np.errstate(divide="ignore"):
        sinv = np.where(s > tol[..., None], 1 / s, 0).astype(a.dtype, copy=False)
    return (mT(vh) * sinv[..., None, :]) @ mT(u)


def pinv_backward(g, p, a):
    """torch's pinv_backward, in the order of products that keeps the matrices small."""
    m, n = a.shape[-2:]
    ph, gh = mT(p), mT(g)
    if m <= n:
        k = gh @ p
        kph = k @ ph
        return -mT(p @ k) + kph - (a @ p) @ kph + (ph @ p) @ (gh - k @ a)
    k = p @ gh
    phk = ph @ k
    return -mT(k @ p) + (gh - a @ k) @ p @ ph + phk - phk @ p @ a


class Pinv(ArrayOp):
    """The pseudoinverse, from the SVD (or eigh when ``hermitian``). Backward: torch's formula
    for the differential of the pseudoinverse (Golub and Pereyra 1973), taken back."""

    torch_name = "LinalgPinv"

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian: bool):
        out = pinv(a, atol, rtol, hermitian)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        return pinv_backward(g, p, a), None, None, None


class Lstsq(Decomposition):
    """The least-squares solution X of A X = B (minimum norm, from the SVD: the singular values
    above rcond * the largest count) and, with ``residuals``, ||A X - B||^2 of each column.
    Backward as torch's: through pinv(A) for X, and Danskin's theorem for the residuals:
    gA = 2 (gL r) X^T, gB = -2 gL r with r = A X - B."""

    torch_name = "LinalgLstsq"

    @staticmethod
    def forward(ctx, a, b, rcond: float, residuals: bool, vector: bool):
        ctx.vector, ctx.shapes = vector, (a.shape, b.shape)
        b2 = b[..., None] if vector else b
        u, s, vh = svd(a, fn="torch.linalg.lstsq")
        keep = s > rcond * (s[..., :1] if s.shape[-1] else 0)
        with np.errstate(divide="ignore"):
            sinv = np.where(keep, 1 / s, 0).astype(a.dtype, copy=False)
        x = mT(vh) @ (sinv[..., :, None] * (mT(u) @ b2))  # (the batch dims broadcast)
        batch = x.shape[:-2]
        a2 = np.broadcast_to(a, batch + a.shape[-2:])
        b2 = np.broadcast_to(b2, batch + b2.shape[-2:])
        ctx.save_for_backward(a2, b2, x)
        outputs = [x[..., 0] if vector else x]
        if residuals:
            r = a2 @ x - b2
            outputs.append(np.sum(r * r, axis=-2))
        return Decomposition.pack(ctx, batch, *outputs)

    @staticmethod
    def backward(ctx, g):
        a, b, x = ctx.saved_tensors
        grads = Decomposition.grads(ctx, g)
        gx, gl = grads[0], grads[1] if len(grads) > 1 else None
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = gb = 0
        if gx is not None:
            gx = gx[..., None] if ctx.vector else gx
            p = pinv(a, 0, np.finfo(a.dtype).eps * max(a.shape[-2:]), False)
            if need_a:
                ga = pinv_backward(gx @ mT(b), p, a)
            if need_b:
                gb = mT(p) @ gx
        if gl is not None:
            r = a @ x - b
            ga = ga + 2 * (gl[..., None, :] * r) @ mT(x)
            gb = gb - 2 * gl[..., None, :] * r
        a_shape, b_shape = ctx.shapes
        ga = unbroadcast(np.broadcast_to(ga, a.shape), a_shape) if need_a else None
        if need_b:
            gb = np.broadcast_to(gb, b.shape)
            gb = unbroadcast(gb[..., 0] if ctx.vector else gb, b_shape)
        return ga, gb, None, None, None


# ---------------------------------------------------------------- vectors


class VectorNorm(ArrayOp):
    """(sum |x|^ord)^(1/ord) over ``axes`` (all for None); ord inf and -inf are max and min
    |x|, 0 counts the non-zeros. Backward as torch's norm_backward: x / norm for 2 (0 where
    the norm is), sign(x) for 1, shared among the extremes (and NaNs) for +-inf, none for 0,
    sign(x) |x|^(ord-1) / norm^(ord-1) otherwise (0 where x is 0 for ord < 1, where the norm
    is 0 for ord > 1)."""

    torch_name = "LinalgVectorNorm"

    @staticmethod
    def forward(ctx, x, ord: float, axes, keepdim: bool):
        a = np.abs(x)
        if ord == math.inf:
            out = np.max(a, axis=axes, keepdims=True)
        elif ord == -math.inf:
            out = np.min(a, axis=axes, keepdims=True)
        elif ord == 0:
            out = np.sum(a != 0, axis=axes, keepdims=True).astype(x.dtype)
        elif ord == 1:
            out = np.sum(a, axis=axes, keepdims=True)
        elif ord == 2:
            out = np.sqrt(np.sum(a * a, axis=axes, keepdims=True))
        else:
            with np.errstate(divide="ignore"):
                out = np.sum(a**ord, axis=axes, keepdims=True) ** (1 / ord)
        ctx.ord, ctx.axes, ctx.keepdim = ord, axes, keepdim
        out = out.astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        if keepdim:
            return out
        return np.squeeze(out, axes) if axes is not None else out.reshape(())

    @staticmethod
    def backward(ctx, g):
        x, norm = ctx.saved_tensors
        p = ctx.ord
        g = g.reshape(norm.shape)
        if p == 0:  # (torch's gradient is undefined, not zeros: the input's .grad stays None)
            return None
        if p == 1:
            return sign(x) * g
        if p == 2:
            return g * zero_where(x / norm, norm == 0)
        if math.isinf(p):
            a = np.abs(x)
            hit = (a == norm) | np.isnan(a)
            return sign(x) * (g / np.sum(hit, axis=ctx.axes, keepdims=True) * hit)
        if p < 1:
            scaled = sign(x) * zero_where(np.abs(x) ** (p - 1), x == 0)
            return scaled * g * norm ** (1 - p)
        scaled = sign(x) * np.abs(x) ** (p - 1)
        return scaled * zero_where(g / norm ** (p - 1), norm == 0)


class EyeLike(ArrayOp):
    """Identity matrices of A's shape: matrix_power(A, 0), a constant of A as torch's (its node
    is a copy of the identity into a clone of A: the gradient is 0)."""

    torch_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, a):
        return np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape).copy()

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)
