"""ff.linalg and torch's top-level linear algebra (det, svd, inverse, ...) against torch 2.13:
values, dtypes, shapes and gradients (float32 and float64) of every function, batched too, a
float64 finite-difference gradcheck of the differentiable ones, node names, and an error table
in torch's words.

Decompositions are unique only up to signs, and NumPy's LAPACK and torch's MKL may choose them
differently, so their rows compare what does not depend on the signs: singular values, the
vectors with the sign that makes a chosen entry positive (``_fix``), products such as U Vh, and
the gradients of losses of those."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
import torch
from oracle import Case, check_case, check_gradcheck, check_nonfinite

import feedforward as ff
from feedforward.ops import api


def T(x):
    """The library a row's tensor comes from."""
    return ff if isinstance(x, ff.Tensor) else torch


def LA(x):
    return T(x).linalg


def spd(a):
    """A symmetric positive-definite matrix made of any square one (well conditioned)."""
    n = a.shape[-1]
    return a @ a.mT + n * T(a).eye(n, dtype=a.dtype)


def _fix(vectors, signs):
    """``vectors`` with each column times the sign of the entry that ``signs`` holds for it."""
    return vectors * signs.sign()


def qr_fixed(Q, R):
    """The QR decomposition whose R has a positive diagonal: the unique one."""
    d = R.diagonal(dim1=-2, dim2=-1).sign()
    return Q[..., : d.shape[-1]] * d.unsqueeze(-2), R * d.unsqueeze(-1)


def svd_fixed(A, full=False):
    """U and Vh with the signs that make U's first row and Vh's first column positive."""
    U, S, Vh = LA(A).svd(A, full_matrices=full)
    return _fix(U, U[..., :1, :]), S, _fix(Vh, Vh[..., :, :1])


def eigh_fixed(A, UPLO="L"):
    w, V = LA(A).eigh(A, UPLO=UPLO)
    return w, _fix(V, V[..., :1, :])


# float32 decompositions: LAPACK's rounding differs between the libraries, and their gradients
# divide by differences of singular values or eigenvalues
LOOSE = {"float32": dict(rtol=2e-3, atol=2e-4)}
SQUARE = [(3, 3)]

CASES = [
    # determinants and inverses
    Case("det", lambda a: LA(a).det(a), SQUARE),
    Case("det_batched", lambda a: LA(a).det(a), [(2, 4, 4)]),
    Case("det_1x1", lambda a: LA(a).det(a), [(1, 1)]),
    Case("det_top", lambda a: T(a).det(a), [(2, 2)]),
    Case("det_method", lambda a: a.det(), [(2, 3, 3)]),
    Case("slogdet_logabsdet", lambda a: LA(a).slogdet(a).logabsdet, [(2, 3, 3)]),
    Case("slogdet_sign", lambda a: LA(a).slogdet(a).sign, [(2, 3, 3)]),  # no gradient
    Case("slogdet_pair", lambda a: tuple(LA(a).slogdet(a))[::-1], SQUARE),
    Case("slogdet_top", lambda a: T(a).slogdet(a)[1], SQUARE),
    Case("slogdet_method", lambda a: a.slogdet().logabsdet, [(4, 4)]),
    Case("logdet", lambda a: T(a).logdet(spd(a)), [(2, 3, 3)]),
    Case("logdet_negative", lambda a: T(a).logdet(a), [(4, 3, 3)], gradcheck=False),  # NaNs
    Case("logdet_method", lambda a: spd(a).logdet(), SQUARE),
    Case("inv", lambda a: LA(a).inv(a), SQUARE),
    Case("inv_batched", lambda a: LA(a).inv(a), [(2, 2, 3, 3)]),
    Case("inverse", lambda a: T(a).inverse(a), [(4, 4)]),
    Case("inverse_method", lambda a: a.inverse(), SQUARE),
    # solves
    Case("solve", lambda a, b: LA(a).solve(a, b), [(3, 3), (3, 2)]),
    Case("solve_vector", lambda a, b: LA(a).solve(a, b), [(3, 3), (3,)]),
    Case("solve_batched_vectors", lambda a, b: LA(a).solve(a, b), [(2, 3, 3), (2, 3)]),
    Case("solve_broadcast_b", lambda a, b: LA(a).solve(a, b), [(2, 3, 3), (3, 4)]),
    Case("solve_broadcast_a", lambda a, b: LA(a).solve(a, b), [(3, 3), (2, 3, 1)]),
    Case("solve_right", lambda a, b: LA(a).solve(a, b, left=False), [(3, 3), (2, 3)]),
    Case("solve_right_batched", lambda a, b: LA(a).solve(a, b, left=False), [(2, 3, 3), (4, 3)]),
    Case("lstsq", lambda a, b: LA(a).lstsq(a, b).solution, [(5, 3), (5, 2)]),
    Case("lstsq_vector", lambda a, b: LA(a).lstsq(a, b).solution, [(5, 3), (5,)]),
    Case("lstsq_batched", lambda a, b: LA(a).lstsq(a, b).solution, [(2, 5, 3), (1, 5, 2)]),
    Case("lstsq_wide", lambda a, b: LA(a).lstsq(a, b).solution, [(3, 5), (3, 2)], tol=LOOSE),
    Case("lstsq_gelsd", lambda a, b: tuple(LA(a).lstsq(a, b, driver="gelsd")), [(5, 3), (5, 2)]),
    Case("lstsq_gels", lambda a, b: tuple(LA(a).lstsq(a, b, driver="gels")), [(5, 3), (5, 2)]),
    Case(
        "lstsq_gelss", lambda a, b: tuple(LA(a).lstsq(a, b, driver="gelss")), [(2, 4, 3), (1, 4, 1)]
    ),
    Case("lstsq_gelsy", lambda a, b: tuple(LA(a).lstsq(a, b)), [(2, 5, 3), (2, 5)]),
    Case("lstsq_gelsd_wide", lambda a, b: tuple(LA(a).lstsq(a, b, driver="gelsd")), [(3, 4), (3,)]),
    Case(
        "lstsq_residuals",
        lambda a, b: LA(a).lstsq(a, b, driver="gelsd").residuals,
        [(2, 5, 3), (2, 5, 2)],
    ),
    Case(
        "lstsq_residuals_vector", lambda a, b: LA(a).lstsq(a, b, driver="gels")[1], [(5, 3), (5,)]
    ),
    Case("pinv", lambda a: LA(a).pinv(a), [(3, 4)]),
    Case("pinv_tall", lambda a: LA(a).pinv(a), [(5, 3)]),
    Case("pinv_batched", lambda a: LA(a).pinv(a), [(2, 3, 3)]),
    Case("pinv_hermitian", lambda a: LA(a).pinv(spd(a), hermitian=True), [(2, 3, 3)]),
    Case("pinv_indefinite", lambda a: LA(a).pinv(a + a.mT, hermitian=True), SQUARE, tol=LOOSE),
    Case("pinv_rtol", lambda a: LA(a).pinv(a, rtol=0.5), [(3, 4)], gradcheck=False),
    Case("pinv_atol", lambda a: LA(a).pinv(a, atol=1.0), [(4, 3)], gradcheck=False),
    Case("pinv_rcond", lambda a: LA(a).pinv(a, 0.3), [(4, 4)], gradcheck=False),
    Case("pinverse", lambda a: T(a).pinverse(a), [(3, 2)]),
    Case("pinverse_method", lambda a: a.pinverse(), [(2, 4)]),
    Case("pinv_rank_deficient", lambda a, b: LA(a).pinv(a @ b), [(4, 2), (2, 3)], tol=LOOSE),
    Case("matrix_rank", lambda a: LA(a).matrix_rank(a), [(3, 4)], grad=False),
    Case("matrix_rank_low", lambda a, b: LA(a).matrix_rank(a @ b), [(2, 4, 2), (2, 4)], grad=False),
    Case("matrix_rank_hermitian", lambda a: LA(a).matrix_rank(spd(a), hermitian=True), SQUARE),
    Case("matrix_rank_tol", lambda a: LA(a).matrix_rank(a, 1.0), [(2, 3, 5)], grad=False),
    Case("matrix_rank_rtol", lambda a: LA(a).matrix_rank(a, rtol=0.4), [(3, 5, 5)], grad=False),
    Case("matrix_rank_atol", lambda a: LA(a).matrix_rank(a, atol=1.5), [(3, 5, 5)], grad=False),
    # decompositions
    Case("cholesky", lambda a: LA(a).cholesky(spd(a)), SQUARE),
    Case("cholesky_upper", lambda a: LA(a).cholesky(spd(a), upper=True), [(2, 3, 3)]),
    # (the gradient of a function of one triangle is symmetric, as torch's: no gradcheck)
    Case(
        "cholesky_reads_lower",
        lambda a: LA(a).cholesky(spd(a) + a.triu(1)),
        SQUARE,
        gradcheck=False,
    ),
    Case("cholesky_top", lambda a: T(a).cholesky(spd(a)), [(4, 4)]),
    Case("cholesky_top_upper", lambda a: T(a).cholesky(spd(a), True), SQUARE),
    Case("cholesky_method", lambda a: spd(a).cholesky(), SQUARE),
    Case("qr_q", lambda a: qr_fixed(*LA(a).qr(a))[0], [(4, 3)]),
    Case("qr_r", lambda a: qr_fixed(*LA(a).qr(a))[1], [(4, 3)]),
    Case("qr_square", lambda a: qr_fixed(*LA(a).qr(a)), SQUARE),
    Case("qr_square_r", lambda a: qr_fixed(*LA(a).qr(a))[1], SQUARE),
    Case("qr_wide_q", lambda a: qr_fixed(*LA(a).qr(a))[0], [(3, 5)]),
    Case("qr_wide_r", lambda a: qr_fixed(*LA(a).qr(a))[1], [(3, 5)]),
    Case("qr_batched", lambda a: qr_fixed(*LA(a).qr(a))[0], [(2, 4, 3)]),
    Case("qr_complete_wide", lambda a: qr_fixed(*LA(a).qr(a, "complete"))[1], [(2, 4)]),
    Case("qr_complete_tall", lambda a: LA(a).qr(a, "complete").R.abs(), [(4, 2)], grad=False),
    Case("qr_mode_r", lambda a: LA(a).qr(a, mode="r").R.abs(), [(4, 3)], grad=False),
    Case("qr_top", lambda a: qr_fixed(*T(a).qr(a))[0], [(4, 3)]),
    Case("qr_top_complete", lambda a: T(a).qr(a, some=False).R.abs(), [(4, 3)], grad=False),
    Case("qr_method", lambda a: qr_fixed(*a.qr())[1], SQUARE),
    Case("eigh_values", lambda a: eigh_fixed(spd(a))[0], [(4, 4)]),
    Case("eigh_vectors", lambda a: eigh_fixed(spd(a))[1], [(4, 4)], tol=LOOSE),
    Case("eigh_batched", lambda a: eigh_fixed(spd(a))[1], [(2, 3, 3)], tol=LOOSE),
    Case(
        "eigh_upper",
        lambda a: eigh_fixed(spd(a) + a.tril(-1), "U")[1],
        SQUARE,
        tol=LOOSE,
        gradcheck=False,
    ),
    Case("eigh_reads_lower", lambda a: eigh_fixed(a)[1], SQUARE, tol=LOOSE, gradcheck=False),
    Case("eigvalsh", lambda a: LA(a).eigvalsh(spd(a)), [(2, 4, 4)]),
    Case("eigvalsh_upper", lambda a: LA(a).eigvalsh(a, UPLO="U"), SQUARE, gradcheck=False),
    Case("svd_s", lambda a: svd_fixed(a)[1], [(4, 3)]),
    Case("svd_u", lambda a: svd_fixed(a)[0], [(4, 3)], tol=LOOSE),
    Case("svd_vh", lambda a: svd_fixed(a)[2], [(4, 3)], tol=LOOSE),
    Case("svd_wide_u", lambda a: svd_fixed(a)[0], [(3, 5)], tol=LOOSE),
    Case("svd_wide_vh", lambda a: svd_fixed(a)[2], [(3, 5)], tol=LOOSE),
    Case("svd_square", lambda a: svd_fixed(a), SQUARE, tol=LOOSE),
    Case("svd_batched", lambda a: svd_fixed(a)[2], [(2, 3, 4)], tol=LOOSE),
    # (torch's gradient leaves out the columns of a full U beyond min(m, n): no gradcheck)
    Case("svd_full_u", lambda a: svd_fixed(a, True)[0], [(4, 3)], tol=LOOSE, gradcheck=False),
    Case("svd_full_vh", lambda a: svd_fixed(a, True)[2], [(3, 4)], tol=LOOSE, gradcheck=False),
    Case("svd_polar", lambda a: (lambda r: r.U @ r.Vh)(LA(a).svd(a, False)), [(4, 3)], tol=LOOSE),
    Case("svdvals", lambda a: LA(a).svdvals(a), [(2, 3, 5)]),
    Case("svd_top", lambda a: (lambda r: r.U * r.V[..., :1, :].sign())(T(a).svd(a)), [(4, 3)]),
    Case("svd_top_v", lambda a: (lambda r: r.V * r.U[..., :1, :].sign())(T(a).svd(a)), [(3, 4)]),
    Case("svd_top_values", lambda a: T(a).svd(a, compute_uv=False), [(4, 3)]),
    Case("svd_method", lambda a: a.svd(some=False)[1], [(2, 3)]),
    # products
    Case("matrix_power_0", lambda a: LA(a).matrix_power(a, 0), SQUARE, gradcheck=False),
    Case("matrix_power_1", lambda a: LA(a).matrix_power(a, 1), SQUARE),
    Case("matrix_power_2", lambda a: LA(a).matrix_power(a, 2), SQUARE),
    Case("matrix_power_3", lambda a: LA(a).matrix_power(a, 3), [(2, 3, 3)]),
    Case("matrix_power_5", lambda a: LA(a).matrix_power(a, 5), SQUARE, low=-1, high=1),
    Case("matrix_power_6", lambda a: LA(a).matrix_power(a, 6), [(2, 2)], low=-1, high=1),
    Case("matrix_power_-1", lambda a: LA(a).matrix_power(a, -1), SQUARE),
    Case("matrix_power_-3", lambda a: LA(a).matrix_power(a, -3), [(2, 3, 3)]),
    Case("matrix_power_top", lambda a: T(a).matrix_power(a, 4), SQUARE, low=-1, high=1),
    Case("matrix_power_method", lambda a: a.matrix_power(-2), SQUARE),
    Case("matrix_power_int", lambda a: LA(a).matrix_power(a, 3), SQUARE, int_inputs=(0,)),
    Case("multi_dot_2", lambda a, b: LA(a).multi_dot([a, b]), [(2, 3), (3, 4)]),
    Case("multi_dot_3", lambda a, b, c: LA(a).multi_dot([a, b, c]), [(2, 6), (6, 5), (5, 1)]),
    Case("multi_dot_3_other", lambda a, b, c: LA(a).multi_dot([a, b, c]), [(6, 2), (2, 5), (5, 4)]),
    Case(
        "multi_dot_vectors",
        lambda a, b, c, d: LA(a).multi_dot([a, b, c, d]),
        [(3,), (3, 7), (7, 2), (2,)],
    ),
    Case(
        "multi_dot_5",
        lambda a, b, c, d, e: LA(a).multi_dot([a, b, c, d, e]),
        [(4, 2), (2, 6), (6, 1), (1, 5), (5, 3)],
    ),
    Case("multi_dot_dot", lambda a, b: LA(a).multi_dot([a, b]), [(4,), (4,)]),
    Case("chain_matmul", lambda a, b, c: T(a).chain_matmul(a, b, c), [(2, 3), (3, 4), (4, 2)]),
    Case("chain_matmul_1", lambda a: T(a).chain_matmul(a), [(2, 3)]),
    Case("cross", lambda a, b: LA(a).cross(a, b), [(4, 3), (4, 3)]),
    Case("cross_dim", lambda a, b: LA(a).cross(a, b, dim=0), [(3, 2), (3, 2)]),
    Case("cross_broadcast", lambda a, b: LA(a).cross(a, b), [(2, 1, 3), (1, 4, 3)]),
    Case("cross_top", lambda a, b: T(a).cross(a, b, 1), [(2, 3), (2, 3)]),
    Case("cross_top_default_dim", lambda a, b: T(a).cross(a, b), [(3, 4), (3, 4)]),
    Case("cross_method", lambda a, b: a.cross(b, dim=-1), [(3,), (3,)]),
    Case("cross_int", lambda a, b: LA(a).cross(a, b), [(2, 3), (2, 3)], int_inputs=(0, 1)),
    Case("vecdot", lambda a, b: LA(a).vecdot(a, b), [(3, 4), (3, 4)]),
    Case("vecdot_broadcast", lambda a, b: LA(a).vecdot(a, b), [(2, 3), (3,)]),
    Case("vecdot_dim", lambda a, b: LA(a).vecdot(a, b, dim=0), [(3, 4), (3, 1)]),
    Case("diagonal", lambda a: LA(a).diagonal(a), [(2, 3, 4)]),
    Case("diagonal_offset", lambda a: LA(a).diagonal(a, offset=-1, dim1=0, dim2=2), [(3, 2, 4)]),
    Case("matmul", lambda a, b: LA(a).matmul(a, b), [(2, 3, 4), (4, 2)]),
    # norms
    *[
        Case(f"vector_norm_{ord}", lambda a, ord=ord: LA(a).vector_norm(a, ord), [(3, 4)])
        for ord in (2, 1, math.inf, -math.inf, 0, 3, 0.5, -1, -2.5, 1.5)
    ],
    Case("vector_norm_dim", lambda a: LA(a).vector_norm(a, dim=1), [(3, 4)]),
    Case("vector_norm_dims", lambda a: LA(a).vector_norm(a, 3, (0, 2), True), [(2, 3, 4)]),
    Case("vector_norm_inf_dim", lambda a: LA(a).vector_norm(a, math.inf, -1), [(3, 4)]),
    Case("vector_norm_0d", lambda a: LA(a).vector_norm(a), [()]),
    Case("vector_norm_dim_empty", lambda a: LA(a).vector_norm(a, 1, dim=()), [(2, 3)]),
    Case("vector_norm_dtype", lambda a: LA(a).vector_norm(a, dtype=T(a).float64), [(3, 4)]),
    *[
        Case(f"matrix_norm_{ord}", lambda a, ord=ord: LA(a).matrix_norm(a, ord), [(2, 3, 4)])
        for ord in ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)
    ],
    *[
        Case(
            f"matrix_norm_{ord}_dims_keepdim",
            lambda a, ord=ord: LA(a).matrix_norm(a, ord, dim=(2, 0), keepdim=True),
            [(3, 2, 4)],
        )
        for ord in ("fro", "nuc", 2, -1, math.inf)
    ],
    Case("matrix_norm_1_dims", lambda a: LA(a).matrix_norm(a, 1, dim=(0, 2)), [(3, 2, 4)]),
    Case("matrix_norm_inf_dims", lambda a: LA(a).matrix_norm(a, -math.inf, (2, 1)), [(3, 2, 4)]),
    Case("matrix_norm_dtype", lambda a: LA(a).matrix_norm(a, dtype=T(a).float64), [(3, 4)]),
    Case("norm", lambda a: LA(a).norm(a), [(2, 3, 4)]),
    Case("norm_vector_ord", lambda a: LA(a).norm(a, 3), [(5,)]),
    Case("norm_matrix_ord", lambda a: LA(a).norm(a, 2), [(3, 4)]),
    Case("norm_nuc", lambda a: LA(a).norm(a, "nuc"), [(3, 4)]),
    Case("norm_dim", lambda a: LA(a).norm(a, dim=1), [(3, 4)]),
    Case("norm_dims_ord", lambda a: LA(a).norm(a, -math.inf, dim=(0, 1)), [(3, 4)]),
    Case("norm_dim_ord", lambda a: LA(a).norm(a, math.inf, dim=(1,), keepdim=True), [(3, 4)]),
    Case("norm_dims", lambda a: LA(a).norm(a, dim=(1, 2)), [(2, 3, 4)]),
    Case("norm_top_nuc", lambda a: T(a).norm(a, "nuc"), [(3, 4)]),
    Case("norm_top_nuc_dims", lambda a: a.norm("nuc", dim=(0, 2), keepdim=True), [(3, 2, 4)]),
]
NOT_SVD = ("nuc", "_2", "_-2", "norm_matrix_ord")  # (NaN and inf make an SVD raise)
NORMS = [c for c in CASES if "norm" in c.name and not any(w in c.name for w in NOT_SVD)]
NORMS += [c for c in CASES if c.name.startswith(("cross", "vecdot"))]


@pytest.fixture(autouse=True)
def _deprecations_quiet():
    """torch.qr, torch.cholesky, torch.chain_matmul and torch.cross without dim warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_matches_torch(case: Case, dtype: str):
    check_case(case, dtype)


@pytest.mark.parametrize("case", [c for c in CASES if c.grad and c.gradcheck], ids=repr)
def test_gradcheck(case: Case):
    check_gradcheck(case)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", NORMS, ids=repr)
def test_nonfinite_matches_torch(case: Case, dtype: str):
    """NaN, inf and zeros: the norms' subgradients at 0 and at ties as torch's."""
    for seed in range(3):
        check_nonfinite(case, dtype, seed)


def _name(y) -> str | None:
    y = y[0] if isinstance(y, tuple) else y
    if y.grad_fn is None:
        return None
    return y.grad_fn.name() if isinstance(y, ff.Tensor) else type(y.grad_fn).__name__


NAMES = {  # fn(lib, a): torch's node names, a a (3, 3) float64 leaf
    "det": lambda L, a: L.linalg.det(a),
    "slogdet_sign": lambda L, a: L.linalg.slogdet(a).sign,
    "slogdet": lambda L, a: L.slogdet(a).logabsdet,
    "logdet": lambda L, a: L.logdet(a),
    "inv": lambda L, a: L.linalg.inv(a),
    "inverse": lambda L, a: a.inverse(),
    "solve": lambda L, a: L.linalg.solve(a, a[0]),
    "cholesky": lambda L, a: L.linalg.cholesky(spd(a)),
    "cholesky_top": lambda L, a: L.cholesky(spd(a)),
    "qr_q": lambda L, a: L.linalg.qr(a).Q,
    "qr_r": lambda L, a: L.qr(a).R,
    "eigh": lambda L, a: L.linalg.eigh(spd(a)).eigenvectors,
    "eigvalsh": lambda L, a: L.linalg.eigvalsh(spd(a)),
    "svd_u": lambda L, a: L.linalg.svd(a).U,
    "svd_s": lambda L, a: L.linalg.svd(a).S,
    "svdvals": lambda L, a: L.linalg.svdvals(a),
    "svd_top_v": lambda L, a: L.svd(a).V,
    "svd_top_no_uv": lambda L, a: L.svd(a, compute_uv=False).S,
    "pinv": lambda L, a: L.linalg.pinv(a),
    "pinverse": lambda L, a: L.pinverse(a),
    "lstsq": lambda L, a: L.linalg.lstsq(a, a).solution,
    "matrix_power_0": lambda L, a: L.linalg.matrix_power(a, 0),
    "matrix_power_1": lambda L, a: L.linalg.matrix_power(a, 1),
    "matrix_power_2": lambda L, a: L.matrix_power(a, 2),
    "matrix_power_-1": lambda L, a: a.matrix_power(-1),
    "matrix_power_batched": lambda L, a: L.linalg.matrix_power(a[None], 3),
    "multi_dot": lambda L, a: L.linalg.multi_dot([a, a, a]),
    "chain_matmul": lambda L, a: L.chain_matmul(a, a),
    "cross": lambda L, a: L.linalg.cross(a, a.flip(0)),
    "vecdot": lambda L, a: L.linalg.vecdot(a, a),
    "vector_norm": lambda L, a: L.linalg.vector_norm(a, 3),
    "matrix_norm_fro": lambda L, a: L.linalg.matrix_norm(a),
    "matrix_norm_nuc": lambda L, a: L.linalg.matrix_norm(a, "nuc"),
    "matrix_norm_2": lambda L, a: L.linalg.matrix_norm(a, 2),
    "matrix_norm_-2": lambda L, a: L.linalg.matrix_norm(a, -2),
    "matrix_norm_1": lambda L, a: L.linalg.matrix_norm(a, 1),
    "matrix_norm_-inf": lambda L, a: L.linalg.matrix_norm(a, -math.inf),
    "norm": lambda L, a: L.linalg.norm(a, 2),
    "diagonal": lambda L, a: L.linalg.diagonal(a),
}


@pytest.mark.parametrize("fn", NAMES.values(), ids=NAMES.keys())
def test_node_names_match_torch(fn):
    data = np.random.default_rng(0).standard_normal((3, 3))
    ours = fn(ff, ff.tensor(data, requires_grad=True))
    theirs = fn(torch, torch.tensor(data, requires_grad=True))
    assert _name(ours) == _name(theirs)


def test_the_outputs_of_a_decomposition_lead_to_its_inputs():
    """U, S and Vh each have a node, each showing the decomposition's name and inputs."""
    for lib in (ff, torch):
        A = lib.ones(3, 2, requires_grad=True)
        U, S, Vh = lib.linalg.svd(A)
        for out in (U, S, Vh):
            ((leaf, _),) = out.grad_fn.next_functions
            assert _name(out) == "LinalgSvdBackward0" and type(leaf).__name__ == "AccumulateGrad"
            assert leaf.variable is A


def test_results_are_torchs_named_tuples():
    data = [[2.0, 1.0], [1.0, 3.0]]
    for fn in (
        lambda L, A: L.linalg.svd(A),
        lambda L, A: L.svd(A),
        lambda L, A: L.linalg.slogdet(A),
        lambda L, A: L.slogdet(A),
        lambda L, A: L.linalg.qr(A),
        lambda L, A: L.qr(A),
        lambda L, A: L.linalg.eigh(A),
        lambda L, A: L.linalg.lstsq(A, A),
    ):
        ours, theirs = fn(ff, ff.tensor(data)), fn(torch, torch.tensor(data))
        assert type(ours).__name__ == type(theirs).__name__ and len(ours) == len(theirs)
        for i, field in enumerate(ours._fields):  # the same fields, in the same order
            assert getattr(theirs, field) is theirs[i] and getattr(ours, field) is ours[i]
    ours, theirs = ff.linalg.slogdet(ff.tensor(data)), torch.linalg.slogdet(torch.tensor(data))
    assert repr(ours).replace("feedforward.", "") == repr(theirs).replace("torch.", "")


def test_the_methods_are_torchs():
    for name in "det inverse svd slogdet logdet pinverse matrix_power qr cholesky cross".split():
        assert hasattr(torch.Tensor, name) and hasattr(ff.Tensor, name), name
    for name in "chain_matmul matrix_rank vecdot multi_dot".split():
        assert not hasattr(torch.Tensor, name) and not hasattr(ff.Tensor, name), name


def test_import_feedforward_linalg():
    import feedforward.linalg as linalg

    assert linalg is ff.linalg and issubclass(ff.linalg.LinAlgError, RuntimeError)


# ---------------------------------------------------------------- gradients where they are not
# unique, and the deprecations


def test_svdvals_gradient_at_repeated_singular_values_as_torch():
    """svdvals (and svd's S alone) skip the terms that divide by S_i^2 - S_j^2: finite at the
    identity, where the gradient of U or Vh is NaN in both libraries."""
    for lib in (ff, torch):
        A = lib.eye(3, dtype=lib.float64, requires_grad=True)
        lib.linalg.svdvals(A).sum().backward()
        np.testing.assert_allclose(A.grad.numpy(), np.eye(3))
        A.grad = None
        lib.linalg.svd(A).S.sum().backward()
        np.testing.assert_allclose(A.grad.numpy(), np.eye(3))
        A.grad = None
        lib.linalg.svd(A).U.abs().sum().backward()
        assert np.isnan(A.grad.numpy()).all()
        A.grad = None
        lib.linalg.eigh(A).eigenvectors.abs().sum().backward()
        assert np.isnan(A.grad.numpy()).all()


def test_det_gradient_at_singular_matrices_as_torch():
    """torch solves A^T G = g det(A) I with a perturbed LU: 0 where det A is 0."""
    for data in ([[1.0, 2.0], [2.0, 4.0]], np.zeros((3, 3)), np.ones((2, 3, 3))):
        grads = []
        for lib in (ff, torch):
            A = lib.tensor(np.asarray(data), dtype=lib.float64, requires_grad=True)
            lib.linalg.det(A).sum().backward()
            grads.append(A.grad.numpy())
        np.testing.assert_array_equal(grads[0], grads[1])


def test_nondifferentiable_modes_raise_as_torch():
    for make in (
        lambda L: L.linalg.qr(L.ones(3, 3, requires_grad=True), mode="r").R,
        lambda L: L.linalg.qr(L.ones(4, 3, requires_grad=True), mode="complete").Q,
    ):
        with pytest.raises(RuntimeError) as theirs:
            make(torch).sum().backward()
        with pytest.raises(RuntimeError) as ours:
            make(ff).sum().backward()
        assert str(ours.value) == str(theirs.value)


def test_a_second_backward_through_a_decomposition():
    """The outputs a backward reached are forgotten after it: a second backward of S alone
    (retain_graph) takes the svdvals path again."""
    A = ff.eye(3, dtype=ff.float64, requires_grad=True)
    U, S, Vh = ff.linalg.svd(A)
    (U.sum() + S.sum()).backward(retain_graph=True)
    A.grad = None
    S.sum().backward()
    np.testing.assert_allclose(A.grad.numpy(), np.eye(3))


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.qr(L.eye(2)),
        lambda L: L.eye(2).qr(),
        lambda L: L.cholesky(L.eye(2)),
        lambda L: L.chain_matmul(L.eye(2), L.eye(2)),
        lambda L: L.cross(L.eye(3), L.eye(3)),
    ],
)
def test_deprecations_warn_once_as_torch(call):
    """torch warns of these once a process (TORCH_WARN_ONCE), in these words."""
    messages = {}
    for lib in (torch, ff):
        api._WARNED.clear()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(lib)
            call(lib)
        messages[lib] = [
            re.sub(r" \(Triggered internally at .*\)$", "", str(w.message)) for w in caught
        ]
    assert len(messages[ff]) == 1 and len(messages[torch]) <= 1
    if messages[torch]:  # (torch's own, unless it was given already in this process)
        assert messages[ff] == messages[torch]


# ---------------------------------------------------------------- errors


def _kind(error: BaseException) -> str:
    if isinstance(error, torch.linalg.LinAlgError | ff.linalg.LinAlgError):
        return "LinAlgError"
    return type(error).__name__


SINGULAR = [[1.0, 2.0], [2.0, 4.0]]
NOT_PD = [[1.0, 2.0], [2.0, 1.0]]

ERRORS = {  # id: fn(lib); each raises, and ff's type and message are torch's
    "det_nonsquare": lambda L: L.linalg.det(L.ones(2, 3)),
    "det_1d": lambda L: L.linalg.det(L.ones(3)),
    "det_int": lambda L: L.linalg.det(L.ones(3, 3, dtype=L.int64)),
    "det_bool": lambda L: L.det(L.ones(3, 3, dtype=L.bool)),
    "det_half": lambda L: L.linalg.det(L.ones(3, 3, dtype=L.float16)),
    "slogdet_nonsquare": lambda L: L.linalg.slogdet(L.ones(2, 3)),
    "slogdet_int": lambda L: L.slogdet(L.ones(3, 3, dtype=L.int64)),
    "slogdet_half": lambda L: L.linalg.slogdet(L.ones(3, 3, dtype=L.float16)),
    "logdet_nonsquare": lambda L: L.logdet(L.ones(2, 3)),
    "logdet_int": lambda L: L.logdet(L.ones(2, 2, dtype=L.int64)),
    "logdet_half": lambda L: L.ones(2, 2, dtype=L.float16).logdet(),
    "inv_nonsquare": lambda L: L.linalg.inv(L.ones(2, 3)),
    "inv_1d": lambda L: L.inverse(L.ones(3)),
    "inv_int": lambda L: L.linalg.inv(L.ones(3, 3, dtype=L.int64)),
    "inv_half": lambda L: L.linalg.inv(L.ones(3, 3, dtype=L.float16)),
    "inv_singular": lambda L: L.linalg.inv(L.tensor(SINGULAR)),
    "inv_zeros": lambda L: L.inverse(L.zeros(3, 3)),
    "inv_singular_batch": lambda L: L.linalg.inv(L.stack([L.eye(3), L.ones(3, 3), L.zeros(3, 3)])),
    "inv_singular_last": lambda L: L.linalg.inv(
        L.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0, 0, 1]])
    ),
    "matrix_power_singular": lambda L: L.linalg.matrix_power(L.zeros(2, 2), -2),
    "solve_singular": lambda L: L.linalg.solve(L.tensor(SINGULAR), L.ones(2)),
    "solve_singular_batch": lambda L: L.linalg.solve(
        L.stack([L.eye(2), L.tensor(SINGULAR)]), L.ones(2, 2, 1)
    ),
    "solve_nonsquare": lambda L: L.linalg.solve(L.ones(2, 3), L.ones(2)),
    "solve_shapes": lambda L: L.linalg.solve(L.eye(3), L.ones(4)),
    "solve_shapes_matrix": lambda L: L.linalg.solve(L.eye(3), L.ones(4, 2)),
    "solve_shapes_right": lambda L: L.linalg.solve(L.eye(3), L.ones(2, 4), left=False),
    "solve_vector_right": lambda L: L.linalg.solve(L.eye(3), L.ones(3), left=False),
    "solve_int": lambda L: L.linalg.solve(L.ones(3, 3, dtype=L.int64), L.ones(3)),
    "solve_dtypes": lambda L: L.linalg.solve(L.eye(3), L.ones(3, dtype=L.float64)),
    "solve_1d": lambda L: L.linalg.solve(L.ones(3), L.ones(3)),
    "solve_0d_b": lambda L: L.linalg.solve(L.eye(3), L.tensor(1.0)),
    "solve_half": lambda L: L.linalg.solve(L.eye(2, dtype=L.float16), L.ones(2, dtype=L.float16)),
    "cholesky_not_pd": lambda L: L.linalg.cholesky(L.tensor(NOT_PD)),
    "cholesky_not_pd_batch": lambda L: L.linalg.cholesky(L.stack([L.eye(2), L.tensor(NOT_PD)])),
    "cholesky_negative": lambda L: L.linalg.cholesky(-L.eye(3)),
    "cholesky_nan": lambda L: L.linalg.cholesky(L.full((2, 2), float("nan"))),
    "cholesky_nonsquare": lambda L: L.linalg.cholesky(L.ones(2, 3)),
    "cholesky_int": lambda L: L.linalg.cholesky(L.ones(2, 2, dtype=L.int64)),
    "cholesky_half": lambda L: L.linalg.cholesky(L.eye(2, dtype=L.float16)),
    "cholesky_top_not_pd": lambda L: L.cholesky(L.tensor(NOT_PD)),
    "cholesky_top_nonsquare": lambda L: L.cholesky(L.ones(2, 3)),
    "cholesky_top_int": lambda L: L.cholesky(L.ones(2, 2, dtype=L.int64)),
    "qr_1d": lambda L: L.linalg.qr(L.ones(3)),
    "qr_int": lambda L: L.linalg.qr(L.ones(3, 3, dtype=L.int64)),
    "qr_half": lambda L: L.linalg.qr(L.ones(3, 3, dtype=L.float16)),
    "qr_mode": lambda L: L.linalg.qr(L.ones(3, 3), mode="bad"),
    "qr_mode_type": lambda L: L.linalg.qr(L.ones(3, 3), mode=1),
    "eigh_nonsquare": lambda L: L.linalg.eigh(L.ones(2, 3)),
    "eigh_int": lambda L: L.linalg.eigh(L.ones(2, 2, dtype=L.int64)),
    "eigh_half": lambda L: L.linalg.eigvalsh(L.ones(2, 2, dtype=L.float16)),
    "eigh_uplo": lambda L: L.linalg.eigh(L.eye(2), UPLO="X"),
    "eigvalsh_nonsquare": lambda L: L.linalg.eigvalsh(L.ones(3, 2)),
    "svd_1d": lambda L: L.linalg.svd(L.ones(3)),
    "svd_int": lambda L: L.linalg.svd(L.ones(2, 2, dtype=L.int64)),
    "svd_half": lambda L: L.linalg.svdvals(L.ones(2, 2, dtype=L.float16)),
    "svd_nan": lambda L: L.linalg.svd(L.full((3, 3), float("nan"))),
    "svd_driver": lambda L: L.linalg.svd(L.eye(2), driver="gesvd"),
    "svd_top_int": lambda L: L.svd(L.ones(2, 2, dtype=L.int64)),
    "svdvals_0d": lambda L: L.linalg.svdvals(L.tensor(1.0)),
    "pinv_int": lambda L: L.linalg.pinv(L.ones(3, 3, dtype=L.int64)),
    "pinv_1d": lambda L: L.linalg.pinv(L.ones(3)),
    "pinv_half": lambda L: L.linalg.pinv(L.ones(2, 2, dtype=L.float16)),
    "pinv_hermitian_nonsquare": lambda L: L.linalg.pinv(L.ones(2, 3), hermitian=True),
    "pinverse_int": lambda L: L.pinverse(L.ones(3, 3, dtype=L.int64)),
    "matrix_rank_int": lambda L: L.linalg.matrix_rank(L.ones(3, 3, dtype=L.int64)),
    "matrix_rank_1d": lambda L: L.linalg.matrix_rank(L.ones(3)),
    "matrix_rank_tolerances_int": lambda L: L.linalg.matrix_rank(
        L.ones(3, 3, dtype=L.int64), atol=0.1, rtol=0.1
    ),
    "matrix_rank_hermitian_nonsquare": lambda L: L.linalg.matrix_rank(L.ones(2, 3), hermitian=True),
    "lstsq_int": lambda L: L.linalg.lstsq(L.ones(3, 3, dtype=L.int64), L.ones(3, 3, dtype=L.int64)),
    "lstsq_rows": lambda L: L.linalg.lstsq(L.ones(3, 3), L.ones(4, 2)),
    "lstsq_rows_vector": lambda L: L.linalg.lstsq(L.ones(4, 3), L.ones(3)),
    "lstsq_dims": lambda L: L.linalg.lstsq(L.ones(4, 3), L.ones(2, 4, 2)),
    "lstsq_1d": lambda L: L.linalg.lstsq(L.ones(3), L.ones(3)),
    "lstsq_0d": lambda L: L.linalg.lstsq(L.ones(3, 3), L.tensor(1.0)),
    "lstsq_driver": lambda L: L.linalg.lstsq(L.ones(3, 3), L.ones(3, 3), driver="x"),
    "lstsq_dtypes": lambda L: L.linalg.lstsq(L.ones(3, 3), L.ones(3, 3, dtype=L.float64)),
    "lstsq_gels_rank": lambda L: L.linalg.lstsq(
        L.ones(4, 3, dtype=L.float64), L.ones(4, 2, dtype=L.float64), driver="gels"
    ),
    "matrix_power_nonsquare": lambda L: L.linalg.matrix_power(L.ones(2, 3), 2),
    "matrix_power_1d": lambda L: L.linalg.matrix_power(L.ones(3), 2),
    "matrix_power_float": lambda L: L.linalg.matrix_power(L.eye(3), 2.0),
    "matrix_power_top_float": lambda L: L.matrix_power(L.eye(3), 2.0),
    "matrix_power_method_float": lambda L: L.eye(3).matrix_power(2.0),
    "matrix_power_int_inverse": lambda L: L.linalg.matrix_power(L.ones(2, 2, dtype=L.int64), -1),
    "matrix_power_half_inverse": lambda L: L.linalg.matrix_power(L.eye(2, dtype=L.float16), -2),
    "matrix_power_bool": lambda L: L.linalg.matrix_power(L.ones(2, 2, dtype=L.bool), 2),
    "multi_dot_1": lambda L: L.linalg.multi_dot([L.eye(2)]),
    "multi_dot_0": lambda L: L.linalg.multi_dot([]),
    "multi_dot_first_3d": lambda L: L.linalg.multi_dot([L.ones(2, 2, 2), L.eye(2)]),
    "multi_dot_last_3d": lambda L: L.linalg.multi_dot([L.eye(2), L.ones(1, 2, 2)]),
    "multi_dot_middle_1d": lambda L: L.linalg.multi_dot([L.eye(2), L.ones(2), L.eye(2)]),
    "multi_dot_shapes": lambda L: L.linalg.multi_dot([L.eye(3), L.ones(2, 3)]),
    "multi_dot_dtypes": lambda L: L.linalg.multi_dot([L.eye(2), L.ones(2, 2, dtype=L.int64)]),
    "multi_dot_bool": lambda L: L.linalg.multi_dot([L.ones(2, 2, dtype=L.bool)] * 2),
    "chain_matmul_0": lambda L: L.chain_matmul(),
    "chain_matmul_1d": lambda L: L.chain_matmul(L.ones(2), L.eye(2)),
    "chain_matmul_shapes": lambda L: L.chain_matmul(L.ones(2, 3), L.eye(2)),
    "cross_ndim": lambda L: L.linalg.cross(L.ones(2, 3), L.ones(5, 2, 3)),
    "cross_length": lambda L: L.linalg.cross(L.ones(2, 3), L.ones(2, 2)),
    "cross_dim_range": lambda L: L.linalg.cross(L.ones(3, 3), L.ones(3, 3), dim=2),
    "cross_dtypes": lambda L: L.linalg.cross(L.ones(3, dtype=L.int64), L.ones(3)),
    "cross_bool": lambda L: L.linalg.cross(L.ones(3, dtype=L.bool), L.ones(3, dtype=L.bool)),
    "cross_top_no_3": lambda L: L.cross(L.ones(2, 2), L.ones(2, 2)),
    "vecdot_int": lambda L: L.linalg.vecdot(L.ones(3, dtype=L.int64), L.ones(3)),
    "vecdot_dtypes": lambda L: L.linalg.vecdot(L.ones(3), L.ones(3, dtype=L.int64)),
    "vector_norm_int": lambda L: L.linalg.vector_norm(L.ones(3, dtype=L.int64)),
    "vector_norm_bool": lambda L: L.linalg.vector_norm(L.ones(3, dtype=L.bool)),
    "vector_norm_dtype_int": lambda L: L.linalg.vector_norm(L.ones(3), dtype=L.int64),
    "vector_norm_dtype_narrower": lambda L: L.linalg.vector_norm(
        L.ones(3, dtype=L.float64), dtype=L.float32
    ),
    "vector_norm_ord_str": lambda L: L.linalg.vector_norm(L.ones(3), "fro"),
    "vector_norm_empty_inf": lambda L: L.linalg.vector_norm(L.zeros(0), math.inf),
    "vector_norm_empty_negative": lambda L: L.linalg.vector_norm(L.zeros(3, 0), -1.5),
    "vector_norm_empty_min": lambda L: L.linalg.vector_norm(L.zeros(0), -math.inf),
    "vector_norm_empty_small": lambda L: L.linalg.vector_norm(L.zeros(0), -1e-5),
    "vector_norm_empty_dim": lambda L: L.linalg.vector_norm(L.zeros(3, 0), math.inf, dim=1),
    "matrix_norm_1d": lambda L: L.linalg.matrix_norm(L.ones(3)),
    "matrix_norm_ord": lambda L: L.linalg.matrix_norm(L.ones(3, 3), 3),
    "matrix_norm_ord_float": lambda L: L.linalg.matrix_norm(L.ones(3, 3), 0.5),
    "matrix_norm_ord_str": lambda L: L.linalg.matrix_norm(L.ones(3, 3), "bad"),
    "matrix_norm_int": lambda L: L.linalg.matrix_norm(L.ones(3, 3, dtype=L.int64), 2),
    "matrix_norm_half_nuc": lambda L: L.linalg.matrix_norm(L.ones(3, 3, dtype=L.float16), "nuc"),
    "matrix_norm_half_2": lambda L: L.linalg.matrix_norm(L.ones(3, 3, dtype=L.float16), -2),
    "matrix_norm_same_dims": lambda L: L.linalg.matrix_norm(L.ones(3, 3), dim=(0, -2)),
    "matrix_norm_three_dims": lambda L: L.linalg.matrix_norm(L.ones(3, 3), dim=(0, 1, 2)),
    "matrix_norm_dim_range": lambda L: L.linalg.matrix_norm(L.ones(3, 3), dim=(0, 2)),
    "matrix_norm_dtype": lambda L: L.linalg.matrix_norm(L.ones(3, 3), dtype=L.int64),
    "norm_three_dims": lambda L: L.linalg.norm(L.ones(3), dim=(0, 1, 2)),
    "norm_3d_ord": lambda L: L.linalg.norm(L.ones(2, 2, 2), 2),
    "norm_0d_ord": lambda L: L.linalg.norm(L.tensor(2.0), 2),
    "norm_str_1d": lambda L: L.linalg.norm(L.ones(3), "fro"),
    "norm_str_dim": lambda L: L.linalg.norm(L.ones(3, 3), "fro", dim=1),
    "norm_int": lambda L: L.linalg.norm(L.ones(3, dtype=L.int64)),
    "norm_top_nuc_3d": lambda L: L.norm(L.ones(2, 2, 2), "nuc"),
}
# where ff's words differ by its convention of naming the op in broadcast errors
BROADCAST = {
    "solve_broadcast": lambda L: L.linalg.solve(L.ones(2, 3, 3), L.ones(4, 3, 1)),
    "lstsq_broadcast": lambda L: L.linalg.lstsq(L.ones(2, 4, 3), L.ones(4, 2)),
    "cross_broadcast": lambda L: L.linalg.cross(L.ones(2, 3), L.ones(4, 3)),
}


def _outcome(fn, lib):
    with pytest.raises(Exception) as caught:
        fn(lib)
    return _kind(caught.value), str(caught.value)


@pytest.mark.parametrize("fn", ERRORS.values(), ids=ERRORS.keys())
def test_errors_are_torchs(fn):
    assert _outcome(fn, ff) == _outcome(fn, torch)


@pytest.mark.parametrize("fn", BROADCAST.values(), ids=BROADCAST.keys())
def test_broadcast_errors_name_the_op(fn):
    (kind, ours), (its_kind, theirs) = _outcome(fn, ff), _outcome(fn, torch)
    assert kind == its_kind == "RuntimeError"
    assert ours.startswith(theirs.replace("The size", f"{ours.split(':')[0]}: The size"))


def test_singular_and_not_positive_definite_are_linalg_errors():
    with pytest.raises(ff.linalg.LinAlgError, match="singular") as caught:
        ff.linalg.inv(ff.zeros(2, 2))
    assert type(caught.value).__module__ == "feedforward.linalg"
    with pytest.raises(RuntimeError, match="positive-definite"):
        ff.linalg.cholesky(-ff.eye(2))
