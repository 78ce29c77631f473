"""Parametrizations built on ``nn.utils.parametrize``: ``orthogonal``, ``spectral_norm`` and
``weight_norm``, as torch's ``nn.utils.parametrizations``."""

from __future__ import annotations

from enum import Enum, auto

import numpy as np

from feedforward import _dtype
from feedforward.autograd.grad_mode import no_grad
from feedforward.nn import functional as F
from feedforward.nn.module import Module
from feedforward.nn.utils import parametrize
from feedforward.nn.utils.spectral_norm import _default_dim
from feedforward.nn.utils.weight_norm import _weight_norm, norm_except_dim
from feedforward.tensor import Tensor

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def _api():
    """The top-level namespace (``ff.eye``, ``ff.linalg``...), imported late: this module is
    imported while ``feedforward`` is."""
    import feedforward

    return feedforward


def _is_orthogonal(Q: Tensor) -> bool:
    n, k = Q.size(-2), Q.size(-1)
    Id = _api().eye(k, dtype=Q.dtype)
    # a tolerance that grows with n, as torch's
    eps = 10.0 * n * _dtype.finfo(Q.dtype).eps
    return _api().allclose(Q.mT @ Q, Id, atol=eps)


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of A's QR decomposition, signs made so that R's diagonal is positive (torch's
    geqrf, householder_product and the sign fix: the same LAPACK routines)."""
    Q, R = np.linalg.qr(A._data)
    signs = np.sign(np.diagonal(R, axis1=-2, axis2=-1))
    return Tensor._make(Q * signs[..., None, :], False, None)


def _geqrf(A: Tensor) -> tuple[Tensor, Tensor]:
    """LAPACK's geqrf (torch.geqrf): the Householder reflectors below the diagonal, R above."""
    h, tau = np.linalg.qr(A._data, mode="raw")  # h is the transpose of geqrf's matrix
    return (
        Tensor._make(np.ascontiguousarray(np.swapaxes(h, -1, -2)), False, None),
        Tensor._make(tau, False, None),
    )


def _matrix_exp(A: Tensor) -> Tensor:
    """exp(A) for square matrices, differentiable: scaling and squaring with a degree-18 Taylor
    polynomial (Horner) on A / 2^s, ||A / 2^s||_1 <= 1/2, then s squarings. ff has no
    ``matrix_exp`` op; this composition's gradient is the exact derivative of the polynomial."""
    api = _api()
    norm = float(np.abs(A._data).sum(axis=-2).max()) if A.numel() else 0.0
    s = max(0, int(np.ceil(np.log2(norm / 0.5)))) if norm > 0.5 else 0
    X = A / (2.0**s)
    Id = api.eye(A.size(-1), dtype=A.dtype).expand(A.shape)
    E = Id
    for k in range(18, 0, -1):  # I + X/1 (I + X/2 (I + ... (I + X/18)))
        E = Id + (X @ E) / k
    for _ in range(s):
        E = E @ E
    return E


def _householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first k columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T, v_i the i-th column of A
    below the diagonal with a 1 on it (torch.linalg.householder_product), differentiable."""
    api = _api()
    n, k = A.size(-2), A.size(-1)
    Q = api.eye(n, dtype=A.dtype).expand(*A.shape[:-2], n, n)
    for i in range(k):
        below = np.zeros(n, dtype=A._data.dtype)
        below[i + 1 :] = 1
        unit = np.zeros(n, dtype=A._data.dtype)
        unit[i] = 1
        v = A[..., :, i] * api.tensor(below) + api.tensor(unit)
        # Q (I - tau v v^T) = Q - tau (Q v) v^T
        Qv = (Q @ v.unsqueeze(-1)) * tau[..., i, None, None]
        Q = Q - Qv @ v.unsqueeze(-2)
    return Q[..., :k]


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    base: Tensor

    def __init__(self, weight, orthogonal_map: _OrthMaps, *, use_trivialization=True) -> None:
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        api = _api()
        n, k = X.size(-2), X.size(-1)
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        # here n > k and X is a tall matrix
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            # the lower triangle of X, padded to n x n, made skew-symmetric
            X = X.tril()
            if n != k:
                X = api.cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mT
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = _matrix_exp(A)
            else:  # Cayley: (I - A/2)^-1 (I + A/2)
                Id = api.eye(n, dtype=A.dtype)
                Q = api.linalg.solve(api.add(Id, A, alpha=-0.5), api.add(Id, A, alpha=0.5))
            if n != k:
                Q = Q[..., :k]
        else:
            # X is real: the diagonal holds the signs, the lower triangle the reflectors
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        with no_grad():
            if Q.shape != self.shape:
                raise ValueError(
                    f"Expected a matrix or batch of matrices of shape {self.shape}. "
                    f"Got a tensor of shape {Q.shape}."
                )
            Q_init = Q
            n, k = Q.size(-2), Q.size(-1)
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if not hasattr(self, "base"):
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential "
                        "or the Cayley parametrizations when use_trivialization=False."
                    )
                # the reflectors of Q's QR, with R's diagonal made its signs (torch's rule)
                A, tau = _geqrf(Q)
                diag = np.diagonal(A._data, axis1=-2, axis2=-1).copy()
                diag = np.sign(diag)
                diag[tau._data == 0.0] *= -1
                idx = np.arange(k)
                A._data[..., idx, idx] = diag
                return A.mT if transpose else A
            if n == k:
                Q = _make_orthogonal(Q) if not _is_orthogonal(Q) else Q.clone()
            else:
                # complete the tall Q to a square orthogonal matrix (random columns from ff's
                # generator); the forward only ever uses the first k columns of base @ Q
                N = _api().randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype)
                Q = _make_orthogonal(_api().cat([Q, N], dim=-1))
            self.base = Q
            # -I maps to the identity in every map, so the weight is base
            neg_Id = _api().zeros_like(Q_init)
            neg_Id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_Id


def orthogonal(
    module: Module,
    name: str = "weight",
    orthogonal_map: str | None = None,
    *,
    use_trivialization: bool = True,
) -> Module:
    """Keep ``module.<name>`` (a matrix, or a batch of them) orthogonal: Q^T Q = I (Q Q^T = I
    for a wide one).

    The weight is ``base @ f(X)`` with f one of three maps from an unconstrained X:
    ``"matrix_exp"`` (exp of a skew-symmetric matrix), ``"cayley"`` ((I - A/2)^-1 (I + A/2)) and
    ``"householder"`` (a product of reflectors). Default: ``"matrix_exp"`` for a square matrix,
    ``"householder"`` otherwise. With ``use_trivialization`` (default) ``base`` is the weight at
    registration (or at assignment), and X starts so that f(X) = I.

    Example:
        >>> m = nn.utils.parametrizations.orthogonal(nn.Linear(20, 40))
        >>> Q = m.weight
        >>> ff.dist(Q.T @ Q, ff.eye(20)) < 1e-5
        tensor(True)
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(
            f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions."
        )
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.size(-2) == weight.size(-1) else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(
            'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
            f"Got: {orthogonal_map}"
        )
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int = 0) -> Module:
    """Split ``module.<name>`` into a magnitude and a direction, w = g v / ||v||, the norm over
    every dim but ``dim`` (``None``: the whole tensor). g is
    ``parametrizations.<name>.original0``, v ``original1``.

    Salimans & Kingma, "Weight Normalization" (2016), https://arxiv.org/abs/1602.07868

    Example:
        >>> m = nn.utils.parametrizations.weight_norm(nn.Linear(20, 40))
        >>> m.parametrizations.weight.original0.shape
        feedforward.Size([40, 1])
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(
        state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        # a state_dict saved with the hook-based nn.utils.weight_norm loads too
        g_key = f"{prefix}{name}_g"
        v_key = f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    def __init__(
        self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(
                "Dimension out of range (expected to be in range of "
                f"[-{ndim}, {ndim - 1}] but got {dim})"
            )
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but "
                f"got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            # a vector is simply normalized: no power iteration
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.size()
            u = weight_mat.new_empty(h).normal_(0, 1)  # ff's generator: not torch's numbers
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            # start from good estimates of the singular vectors
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        """u <- normalize(W v), v <- normalize(W^T u), in place in the buffers."""
        api = _api()
        with no_grad():
            for _ in range(n_power_iterations):
                self._u = F.normalize(api.mv(weight_mat, self._v), dim=0, eps=self.eps, out=self._u)
                self._v = F.normalize(
                    api.mv(weight_mat.mT, self._u), dim=0, eps=self.eps, out=self._v
                )

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        api = _api()
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        # copies: the buffers change in place at the next training forward
        u = self._u.clone()
        v = self._v.clone()
        sigma = api.vdot(u, api.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        # the norm is not stored: any value is its own preimage, up to scale
        return value


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Divide ``module.<name>`` by its spectral norm sigma (largest singular value), estimated by
    power iteration with the buffers ``parametrizations.<name>.0._u`` and ``_v``: at
    registration 15 steps, then ``n_power_iterations`` per access in training mode (none in eval
    mode, which reuses u and v).

    Miyato et al., "Spectral Normalization for Generative Adversarial Networks" (2018),
    https://arxiv.org/abs/1802.05957

    Args:
        module: the module.
        name: the weight's name.
        n_power_iterations: power-iteration steps per access in training mode.
        eps: for numerical stability when normalizing u and v.
        dim: the dim of output channels (default 0, 1 for transposed convolutions).
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = _default_dim(module)
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )
    return module
