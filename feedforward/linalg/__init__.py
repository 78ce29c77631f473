"""``ff.linalg``: torch.linalg's functions, on batches of matrices (any leading dims).

    >>> A = ff.randn(3, 3, requires_grad=True)
    >>> ff.linalg.det(A).backward()      # A.grad is det(A) A^-T
    >>> U, S, Vh = ff.linalg.svd(A, full_matrices=False)

Each function checks its arguments with torch's words, then runs an op of
``feedforward/ops/matrix.py`` (where the gradients are) or composes the library's own ops, as
torch composes them (a matrix's 2-norm is the largest singular value: ``amax`` of ``svdvals``),
so that the nodes and the gradients at ties are torch's. The singular vectors of ``svd``, the
eigenvectors of ``eigh`` and the factors of ``qr`` are unique only up to signs: they may differ
from torch's by a sign, the quantities that do not depend on it (``U @ diag(S) @ Vh``, ``|U|``,
a loss of them and its gradient) do not.

The functions take ``out=`` where torch's do (feedforward/ops/out.py, the rows "linalg.*").
torch's older top-level spellings (``ff.det``, ``ff.inverse``, ``ff.svd`` with its V, ...) are in
feedforward/ops/api.py, made of these.
"""

from feedforward.linalg import _functions
from feedforward.linalg._functions import (
    LinAlgError,
    cholesky,
    cross,
    det,
    diagonal,
    eigh,
    eigvalsh,
    inv,
    lstsq,
    matmul,
    matrix_norm,
    matrix_power,
    matrix_rank,
    multi_dot,
    norm,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
    vecdot,
    vector_norm,
)
from feedforward.ops.out import RULE as _RULE
from feedforward.ops.out import with_out as _with_out

for _name, _rule in _RULE.items():
    if _name.startswith("linalg."):
        globals()[_name[7:]] = _with_out(getattr(_functions, _name[7:]), _rule, _name)
del _name, _rule
