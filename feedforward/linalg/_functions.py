"""The functions of ``ff.linalg`` (feedforward/linalg/__init__.py says what they are)."""

from __future__ import annotations

import math
import numbers

import numpy as np

from feedforward import _dtype, return_types
from feedforward.ops import api
from feedforward.ops import matrix as M
from feedforward.ops._util import (
    C_TYPE_NAMES,
    SCALAR_TYPE_NAMES,
    kernel_error,
    normalize_dim,
    normalize_dims,
    type_name,
)
from feedforward.ops.matrix import LinAlgError
from feedforward.tensor import Tensor

# ---------------------------------------------------------------- checks, in torch's words


def check_matrices(A, fn: str, arg: str = "A") -> None:
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor {arg} must have at least 2 dimensions.")


def check_square(A, fn: str) -> None:
    check_matrices(A, fn)
    m, n = A.shape[-2:]
    if m != n:
        raise RuntimeError(
            f"{fn}: A must be batches of square matrices, but they are {m} by {n} matrices"
        )


def check_floating(A, fn: str, kernel: str | None = None, low_precision: bool = True) -> None:
    """A floating dtype; float16 is refused in the words of the function (``low_precision``
    False) or of its LAPACK kernel, which torch has only for float32 and float64."""
    dt = A._data.dtype
    if dt.kind != "f":
        raise RuntimeError(
            f"{fn}: Expected a floating point or complex tensor as input. Got {type_name(A)}"
        )
    if dt == np.float16:
        if not low_precision:
            raise RuntimeError(f"{fn}: Low precision dtypes not supported. Got Half")
        if kernel is not None:
            raise kernel_error(kernel, dt)


def _check_kernel(A, kernel: str) -> None:
    """Functions that go straight to a kernel: only float32 and float64."""
    if A._data.dtype not in (np.float32, np.float64):
        raise kernel_error(kernel, A._data.dtype)


def _epsilon(A) -> float:
    """The machine epsilon of A's dtype, torch's default tolerances' unit."""
    if A._data.dtype not in (np.float32, np.float64):
        raise RuntimeError("This function doesn't handle types other than float and double")
    return float(np.finfo(A._data.dtype).eps)


def _check_norm_dtype(A, dtype, fn: str):
    """torch's check of a norm's ``dtype=``: a floating dtype the input widens to."""
    if dtype is None:
        return A
    target = _dtype.to_numpy_dtype(dtype)
    if target.kind not in "fc":
        raise RuntimeError(
            f"{fn}: dtype should be floating point or complex, but got "
            f"{SCALAR_TYPE_NAMES[target.name]}"
        )
    if np.promote_types(A._data.dtype, target) != target:
        raise RuntimeError(
            f"{fn}: the dtype of the input ({type_name(A)}) should be convertible without "
            f"narrowing to the specified dtype ({SCALAR_TYPE_NAMES[target.name]})"
        )
    return A.to(dtype)


def _shape_text(shape) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def _number(ord) -> str:
    """An order as torch prints it: 2, -1, 0.5, inf."""
    return f"{float(ord):g}"


# ---------------------------------------------------------------- norms


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The ord-norm of x's elements over ``dim`` (all of them for None): (sum |x|^ord)^(1/ord),
    max |x| for inf, min |x| for -inf, the number of non-zeros for 0.

    >>> ff.linalg.vector_norm(ff.tensor([3.0, 4.0]))          # tensor(5.)
    """
    fn = "linalg.vector_norm"
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(
            f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
            f"{type(ord).__name__}"
        )
    check_floating(x, fn)
    x = _check_norm_dtype(x, dtype, fn)
    axes = normalize_dims(dim, x.ndim, fn) if x.ndim else None
    ord = float(ord)
    if x._data.size == 0 and (ord < 0 or ord == math.inf):  # max and min of nothing
        empty = [a for a in axes if x.shape[a] == 0] if axes is not None else []
        if axes is None or empty:
            where = (
                "an empty tensor because"
                if axes is None
                else f"the dimension {empty[0]}because this dimension is empty and"  # (sic)
            )
            raise RuntimeError(
                f"{fn} cannot compute the {_number(ord)} norm on {where} the operation does not "
                "have an identity"
            )
    return M.VectorNorm.apply(x, ord, axes, keepdim)


_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """A norm of the matrices in ``dim``: 'fro' (of the elements), 'nuc' (the sum of the
    singular values), 2 and -2 (the largest and smallest singular value), 1 and inf (the
    largest column and row sum of |A|), -1 and -inf (the smallest).

    >>> ff.linalg.matrix_norm(ff.eye(3), "nuc")               # tensor(3.)
    """
    fn = "linalg.matrix_norm"
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(
            f"{fn}: Order {ord if isinstance(ord, str) else _number(ord)} not supported."
        )
    check_matrices(A, fn)
    check_floating(A, fn, low_precision=ord not in ("nuc", 2, -2))
    dims = [dim] if isinstance(dim, int) else list(dim)
    if len(dims) != 2:
        raise RuntimeError(f"{fn}: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
    d0, d1 = (normalize_dim(d, A.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"{fn}: dims must be different. Got ({d0}, {d1})")
    A = _check_norm_dtype(A, dtype, fn)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):  # of the singular values: the two dims moved to the end
        order = [d for d in range(A.ndim) if d not in (d0, d1)] + [d0, d1]
        values = svdvals(api.permute(A, order))
        if ord == "nuc":
            out = api.sum(values, -1, keepdim)
        else:
            out = (api.amax if ord == 2 else api.amin)(values, -1, keepdim)
        if keepdim:
            out = api.permute(api.unsqueeze(out, -1), list(np.argsort(order)))
        return out
    if abs(ord) == math.inf:  # the inf norm is the 1 norm of the transpose
        d0, d1 = d1, d0
    sums = vector_norm(A, 1, d0, keepdim)
    if not keepdim and d0 < d1:
        d1 -= 1
    return (api.amax if ord > 0 else api.amin)(sums, d1, keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """A vector norm (``dim`` one dim, or A 1-D) or a matrix norm (``dim`` two dims, or A 2-D
    with ``ord`` given); without ``ord``, the 2-norm of all the elements.

    >>> ff.linalg.norm(ff.tensor([[3.0, 0.0], [0.0, 4.0]]))    # tensor(5.)
    """
    fn = "linalg.norm"
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if len(dim) not in (1, 2):
            raise RuntimeError(
                f"{fn}: If dim is specified, it must be of length 1 or 2. Got {_shape_text(dim)}"
            )
    elif ord is not None and A.ndim not in (1, 2):
        raise RuntimeError(
            f"{fn}: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D."
        )
    if isinstance(ord, str):
        return matrix_norm(A, ord, dim if dim is not None else (0, 1), keepdim, dtype=dtype)
    if ord is not None and (dim is not None and len(dim) == 2 or dim is None and A.ndim == 2):
        return matrix_norm(A, ord, dim if dim is not None else (0, 1), keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


# ---------------------------------------------------------------- inverse, determinants, solve


def inv(A):
    """A^-1; LinAlgError for a singular matrix.

    >>> ff.linalg.inv(ff.tensor([[2.0, 0.0], [0.0, 4.0]]))     # [[0.5, 0], [0, 0.25]]
    """
    check_square(A, "linalg.inv")
    check_floating(A, "linalg.inv", low_precision=False)
    return M.Inv.apply(A)


def det(A):
    """The determinant; its gradient is the matrix of cofactors.

    >>> ff.linalg.det(ff.tensor([[1.0, 2.0], [3.0, 4.0]]))     # tensor(-2.)
    """
    check_square(A, "linalg.det")
    check_floating(A, "linalg.det", "lu_cpu")
    return M.Det.apply(A)


def slogdet(A):
    """(sign, log |det A|): the determinant without overflow.

    >>> ff.linalg.slogdet(ff.tensor([[-2.0, 0.0], [0.0, 3.0]]))   # sign -1, logabsdet log 6
    """
    check_square(A, "linalg.slogdet")
    check_floating(A, "linalg.slogdet", low_precision=False)
    return return_types.linalg_slogdet(M.unpack(M.Slogdet.apply(A), [(), ()]))


def _is_vector_rhs(A, B) -> bool:
    """torch's rule: B is a vector (a column) if 1-D, or batches of them of A's batch shape."""
    return B.ndim == 1 or B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1])


def _check_same_dtype(fn: str, first: tuple, second: tuple) -> None:
    """torch's error when two named inputs (name, tensor) differ in dtype."""
    (a, x), (b, y) = first, second
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(
            f"{fn}: Expected {a} and {b} to have the same dtype, but found {a} of type "
            f"{type_name(x)} and {b} of type {type_name(y)} instead"
        )


def solve(A, B, *, left=True):
    """X with A X = B (or X A = B for left=False); B a matrix, or a vector (a column).

    >>> ff.linalg.solve(ff.tensor([[2.0, 0.0], [0.0, 4.0]]), ff.tensor([2.0, 2.0]))  # [1, 0.5]
    """
    fn = "linalg.solve"
    check_floating(A, fn)
    _check_same_dtype(fn, ("A", A), ("B", B))
    vector = _is_vector_rhs(A, B)
    check_square(A, fn)
    b_shape = tuple(B.shape) + (1,) if vector else tuple(B.shape)
    if len(b_shape) < 2:
        check_matrices(B, fn, "B")
    if (A.shape[-2] if left else A.shape[-1]) != b_shape[-2 if left else -1]:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"{fn}: Incompatible shapes of A and B for the equation {equation} "
            f"({A.shape[-2]}x{A.shape[-1]} and {b_shape[-2]}x{b_shape[-1]})"
        )
    if not left and vector:
        raise RuntimeError(
            f"{fn}: Vector broadcasting of the left hand side is not supported for left=False. "
            "In this case linalg.solve is equivalent to B / A.squeeze(-1)"
        )
    api._broadcast_shapes(fn, b_shape[:-2], A.shape[:-2])  # (torch's order in its message)
    if A._data.dtype == np.float16:
        raise kernel_error("lu_cpu", np.float16)
    return M.Solve.apply(A, B, left, vector)


# ---------------------------------------------------------------- decompositions


def cholesky(A, *, upper=False):
    """L lower-triangular with A = L L^T (U = L^T with upper=True), for a symmetric
    positive-definite A (of which the lower triangle is read).

    >>> ff.linalg.cholesky(ff.tensor([[4.0, 2.0], [2.0, 5.0]]))   # [[2, 0], [1, 2]]
    """
    check_square(A, "linalg.cholesky")
    check_floating(A, "linalg.cholesky", "cholesky_cpu")
    return M.Cholesky.apply(A, upper)


def qr(A, mode="reduced"):
    """(Q, R) with A = Q R: Q's columns orthonormal, R upper-triangular; mode 'reduced' (Q
    m x k, k = min(m, n)), 'complete' (Q m x m) or 'r' (R only, Q empty).

    >>> Q, R = ff.linalg.qr(ff.randn(4, 3))
    """
    fn = "linalg.qr"
    if not isinstance(mode, str):
        raise TypeError(f"linalg_qr(): argument 'mode' must be str, not {type(mode).__name__}")
    check_matrices(A, fn)
    check_floating(A, fn, "geqrf_cpu")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
            "'r', or 'complete'"
        )
    m, n = A.shape[-2:]
    k = min(m, n)
    packed = M.Qr.apply(A, mode)
    if mode == "r":
        (R,) = M.unpack(packed, [(k, n)])
        Q = Tensor._make(np.empty(0, A._data.dtype), False, None)
        return return_types.linalg_qr((Q, R))
    q_cols = m if mode == "complete" else k
    return return_types.linalg_qr(M.unpack(packed, [(m, q_cols), (q_cols, n)]))


def _check_uplo(UPLO) -> None:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO="L"):
    """(eigenvalues ascending, eigenvectors as columns) of a symmetric matrix, read from its
    lower (UPLO='L') or upper triangle.

    >>> L, Q = ff.linalg.eigh(ff.tensor([[2.0, 1.0], [1.0, 2.0]]))   # L = [1, 3]
    """
    check_square(A, "linalg.eigh")
    _check_uplo(UPLO)
    _check_kernel(A, "linalg_eigh_cpu")
    n = A.shape[-1]
    return return_types.linalg_eigh(M.unpack(M.Eigh.apply(A, UPLO), [(n,), (n, n)]))


def eigvalsh(A, UPLO="L"):
    """The eigenvalues of a symmetric matrix, ascending, as ``eigh``'s."""
    check_square(A, "linalg.eigh")
    _check_uplo(UPLO)
    _check_kernel(A, "linalg_eigh_cpu")
    return M.Eigvalsh.apply(A, UPLO)


def svd(A, full_matrices=True, *, driver=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending; with full_matrices (the default, as
    torch) U is m x m and Vh n x n, else m x k and k x n (k = min(m, n)).

    >>> U, S, Vh = ff.linalg.svd(ff.randn(4, 3), full_matrices=False)
    """
    fn = "linalg.svd"
    if driver is not None:
        raise RuntimeError(
            "torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
            "cuSOLVER backend."
        )
    check_matrices(A, fn)
    check_floating(A, fn, "linalg_svd_cpu")
    m, n = A.shape[-2:]
    k = min(m, n)
    shapes = [(m, m), (k,), (n, n)] if full_matrices else [(m, k), (k,), (k, n)]
    return return_types.linalg_svd(M.unpack(M.Svd.apply(A, full_matrices), shapes))


def svdvals(A):
    """The singular values, descending.

    >>> ff.linalg.svdvals(ff.tensor([[3.0, 0.0], [0.0, -4.0]]))   # tensor([4., 3.])
    """
    check_matrices(A, "linalg.svd")
    check_floating(A, "linalg.svd", "linalg_svd_cpu")
    return M.Svdvals.apply(A)


def _tolerances(A, atol, rtol):
    """torch's defaults: atol 0; rtol eps * max(m, n), or 0 where atol > 0 is given. Tensors
    of tolerances are per matrix of the batch."""

    def value(t):
        return t._data.astype(np.float64) if isinstance(t, Tensor) else np.float64(t)

    default = _epsilon(A) * max(A.shape[-2:]) if rtol is None else None
    atol_v = np.float64(0) if atol is None else value(atol)
    if rtol is not None:
        rtol_v = value(rtol)
    else:
        rtol_v = np.where(atol_v > 0, 0.0, default) if atol is not None else np.float64(default)
    return atol_v, rtol_v


def _check_pinv_input(A) -> None:
    if A.ndim < 2 or A._data.dtype not in (np.float32, np.float64):
        raise RuntimeError(
            f"linalg.pinv({type_name(A)}{{{_shape_text(A.shape)}}}): expected a tensor with 2 or "
            "more dimensions of float, double, cfloat or cdouble types"
        )


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None):
    """The Moore-Penrose pseudoinverse: 1/S for the singular values S above max(atol, rtol *
    the largest), 0 for the others (``rcond``, the older spelling, is rtol with atol 0).

    >>> ff.linalg.pinv(ff.tensor([[1.0, 0.0], [0.0, 0.0]]))    # [[1, 0], [0, 0]]
    """
    _check_pinv_input(A)
    if hermitian:
        check_square(A, "linalg.eigh")
    if rcond is not None:
        atol, rtol = 0.0, rcond
    atol_v, rtol_v = _tolerances(A, atol, rtol)
    return M.Pinv.apply(A, atol_v, rtol_v, hermitian)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    """The number of singular values above max(atol, rtol * the largest) (``tol``: atol, with
    rtol 0), as int64.

    >>> ff.linalg.matrix_rank(ff.ones(3, 3))                   # tensor(1)
    """
    check_matrices(A, "torch.linalg.matrix_rank", "input")
    if tol is not None:
        atol, rtol = tol, 0.0
    atol_v, rtol_v = _tolerances(A, atol, rtol)
    if hermitian:
        check_square(A, "linalg.eigh")
        _check_kernel(A, "linalg_eigh_cpu")
        values = np.abs(np.linalg.eigvalsh(A._data))
        largest = np.max(values, axis=-1, initial=0)
    else:
        check_floating(A, "linalg.svd", "linalg_svd_cpu")
        values = M.svd(A._data, fn="linalg.svd")[1]
        largest = values[..., 0] if values.shape[-1] else np.zeros(values.shape[:-1])
    tol_v = np.maximum(atol_v, rtol_v * largest)
    rank = np.sum(values > np.asarray(tol_v)[..., None], axis=-1)
    return Tensor._make(np.asarray(rank, np.int64), False, None)


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of A X = B, with (as torch's driver gives them) the squared
    residuals of its columns, the rank of A and its singular values; the minimum-norm solution
    where A has not full rank (from the SVD: singular values above rcond * the largest count).

    >>> X = ff.linalg.lstsq(ff.randn(5, 3), ff.randn(5, 2)).solution
    """
    fn = "torch.linalg.lstsq"
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: input must have at least 2 dimensions.")
    if B.ndim < 1:
        raise RuntimeError(f"{fn}: other must have at least 1 dimension.")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(
            f"{fn}: Expected input and other to have the same dtype, but got input's dtype "
            f"{type_name(A)} and other's dtype {type_name(B)}"
        )
    if A.ndim - B.ndim not in (0, 1):
        raise RuntimeError(
            f"{fn}: input.dim() must be greater or equal to other.dim() and (input.dim() - "
            "other.dim()) <= 1"
        )
    vector = A.ndim - B.ndim == 1
    b_shape = tuple(B.shape) + (1,) if vector else tuple(B.shape)
    api._broadcast_shapes(fn, A.shape[:-2], b_shape[:-2])
    if A.shape[-2] != b_shape[-2]:
        other = "other.size(-1)" if vector else "other.size(-2)"
        raise RuntimeError(f"{fn}: input.size(-2) should match {other}")
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"{fn}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    eps = _epsilon(A)
    m, n = A.shape[-2:]
    rcond = eps * max(m, n) if rcond is None else rcond
    # LAPACK's drivers: gels assumes full rank; gelsy gives the rank; gelsd and gelss the rank
    # and the singular values, and (as gels) the residuals of a tall A of full rank
    with_rank = driver != "gels"
    values = M.svd(A._data, fn=fn)[1]
    rank = np.sum(values > rcond * (values[..., :1] if values.shape[-1] else 0), axis=-1)
    if driver == "gels" and (rank < min(m, n)).any():
        raise LinAlgError(
            f"{fn}: The least squares solution could not be computed because the input matrix "
            f"does not have full rank (error code: {int(rank.min()) + 1})."
        )
    residuals = m > n and driver != "gelsy" and (driver == "gels" or bool((rank == n).all()))
    packed = M.Lstsq.apply(A, B, rcond, residuals, vector)
    k = b_shape[-1]
    outputs = M.unpack(packed, [(n,) if vector else (n, k)] + ([(k,)] if residuals else []))
    empty = Tensor._make(np.empty(0, A._data.dtype), False, None)
    rank = Tensor._make(rank.astype(np.int64) if with_rank else np.empty(0, np.int64), False, None)
    values = Tensor._make(values, False, None) if driver in ("gelsd", "gelss") else empty
    residuals = outputs[1] if residuals else empty
    return return_types.linalg_lstsq((outputs[0], residuals, rank, values))


# ---------------------------------------------------------------- products


def matrix_power(A, n):
    """A^n for an integer n (A^-1 to the power -n for n < 0), by repeated squaring.

    >>> ff.linalg.matrix_power(ff.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)   # [[1, 3], [0, 1]]
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(
            f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}"
        )
    check_square(A, "linalg.matrix_power")
    if n == 0:
        return M.EyeLike.apply(A)
    if n == 1:
        return A.clone()
    if n < 0:
        A = inv(A)
        if n == -1:
            return A
    n = abs(n)
    if n == 2:
        return api.matmul(A, A)
    if n == 3:
        return api.matmul(api.matmul(A, A), A)
    # torch's binary decomposition of n, least significant bit first
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = A if z is None else api.matmul(z, z)
        if bit:
            result = z if result is None else api.matmul(result, z)
    return result


def multi_dot(tensors):
    """The product of two or more matrices in the order of multiplications that costs least;
    the first and the last may be vectors.

    >>> ff.linalg.multi_dot([ff.randn(2, 30), ff.randn(30, 40), ff.randn(40)])   # shape (2,)
    """
    fn = "multi_dot()"
    count = len(tensors)
    if count < 2:
        raise RuntimeError(f"{fn}: expected at least 2 tensors but got {count}")
    first, last = tensors[0], tensors[-1]
    for t, which in ((first, "first"), (last, "last")):
        if t.ndim not in (1, 2):
            raise RuntimeError(f"{fn}: the {which} tensor must be 1D or 2D but got {t.ndim}D")
    matrices = list(tensors)  # a vector first is a row, last a column, and leaves the shape
    matrices[0] = first if first.ndim == 2 else api.unsqueeze(first, 0)
    matrices[-1] = last if last.ndim == 2 else api.unsqueeze(last, -1)
    shape = ([first.shape[0]] if first.ndim == 2 else []) + (
        [last.shape[1]] if last.ndim == 2 else []
    )
    for i in range(1, count - 1):
        if tensors[i].ndim != 2:
            raise RuntimeError(f"{fn}: tensor {i} must be 2D but got {tensors[i].ndim}D")
    for i in range(1, count):
        if tensors[i]._data.dtype != first._data.dtype:
            raise RuntimeError(
                f"{fn}: all tensors must have be the same dtype but tensor 0 is "
                f"{C_TYPE_NAMES[first._data.dtype.name]} and tensor {i} "
                f"{C_TYPE_NAMES[tensors[i]._data.dtype.name]}"
            )
        if matrices[i - 1].shape[-1] != matrices[i].shape[0]:
            raise RuntimeError(
                f"{fn}: tensors {i - 1} and {i} with shapes {_shape_text(tensors[i - 1].shape)} "
                f"and {_shape_text(tensors[i].shape)} cannot be multiplied"
            )
    return api.view(_chain_product(matrices), shape)


def _chain_product(matrices):
    """The product in the cheapest order: the two ways for three matrices, the classic dynamic
    programme (Cormen et al., 15.2) for more, as torch."""
    if len(matrices) == 2:
        return api.mm(*matrices)
    dims = [m.shape[0] for m in matrices] + [matrices[-1].shape[1]]
    if len(matrices) == 3:
        a, b, c, d = dims
        if a * c * (b + d) > b * d * (a + c):
            return api.mm(matrices[0], api.mm(matrices[1], matrices[2]))
        return api.mm(api.mm(matrices[0], matrices[1]), matrices[2])
    count = len(matrices)
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if q < cost[i][j]:
                    cost[i][j], split[i][j] = q, k

    def product(i, j):
        if i == j:
            return matrices[i]
        return api.mm(product(i, split[i][j]), product(split[i][j] + 1, j))

    return product(0, count - 1)


def cross(input, other, *, dim=-1):
    """The cross product of 3-vectors along ``dim``, batch dims broadcast.

    >>> ff.linalg.cross(ff.tensor([1.0, 0.0, 0.0]), ff.tensor([0.0, 1.0, 0.0]))  # [0, 0, 1]
    """
    return api._linalg_cross(input, other, dim)


def vecdot(x, y, *, dim=-1):
    """The dot products of vectors along ``dim``, batch dims broadcast: (x * y).sum(dim).

    >>> ff.linalg.vecdot(ff.tensor([1.0, 2.0]), ff.tensor([3.0, 4.0]))   # tensor(11.)
    """
    fn = "linalg.vecdot"
    check_floating(x, fn)
    _check_same_dtype(fn, ("x", x), ("y", y))
    return api.sum(api.mul(x, y), dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of the matrices in dims (dim1, dim2), a view: torch.diagonal with the
    matrix dims last by default."""
    return api.diagonal(A, offset, dim1, dim2)


matmul = api.matmul
