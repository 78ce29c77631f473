"""``Embedding``: a lookup table of learnable vectors, indexed by integer ids.

The forward pass is row selection, ``out[...] = weight[ids[...]]``. Its backward sends each
output row's gradient back to the row it came from, and ADDS when an id occurs several times
(that row fed several outputs), which is a scatter-add.
"""

from __future__ import annotations

import numpy as np

from feedforward import creation
from feedforward.autograd.grad_mode import no_grad
from feedforward.nn import init
from feedforward.nn.module import Module
from feedforward.nn.parameter import Parameter
from feedforward.ops.elementwise import ArrayOp
from feedforward.tensor import Tensor

__all__ = ["Embedding", "embedding"]


class EmbeddingOp(ArrayOp):
    """out = weight[indices]; d weight[r] = sum of the output gradients of positions with id r."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.num_rows, ctx.padding_idx, ctx.scale = weight.shape[0], padding_idx, scale_grad_by_freq
        ctx.save_for_backward(indices)
        return weight[indices]  # fancy indexing copies: the output never aliases the table

    @staticmethod
    def backward(ctx, g):
        (indices,) = ctx.saved_tensors
        flat = indices.reshape(-1)
        rows = g.reshape(flat.size, -1)
        if ctx.scale:  # divide by how often each id occurs in this batch
            counts = np.bincount(flat, minlength=ctx.num_rows)
            rows = rows / counts[flat, None].astype(g.dtype)
        grad = np.zeros((ctx.num_rows, rows.shape[1]), dtype=g.dtype)
        np.add.at(grad, flat, rows)  # repeated ids accumulate
        if ctx.padding_idx is not None:
            grad[ctx.padding_idx] = 0  # the padding row is a constant
        return grad, None, None, None


def _check_indices(input, weight: Tensor) -> np.ndarray:
    if not isinstance(input, Tensor):
        raise TypeError(
            f"embedding(): argument 'indices' (position 1) must be Tensor, not "
            f"{type(input).__name__}"
        )
    ids = input._data
    if ids.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding)"
        )
    n = weight._data.shape[0]
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        bad = ids.min() if ids.min() < 0 else ids.max()
        raise IndexError(f"index out of range in self (index {bad}, embedding table of {n} rows)")
    return ids


def _renorm_(weight: Tensor, ids: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place, the referenced rows whose norm exceeds ``max_norm`` (torch's
    embedding_renorm_: scale = max_norm / (norm + 1e-7))."""
    rows = np.unique(ids)
    w = weight._data
    norms = np.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
    over = norms > max_norm
    if over.any():
        scale = (max_norm / (norms[over] + 1e-7)).astype(w.dtype)
        w[rows[over]] *= scale[:, None]
        weight._version.value += 1


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up rows of ``weight``: ``out[..., :] = weight[input[...], :]``.

    Args:
        input: int64 (or int32) ids of any shape, each in ``[0, weight.shape[0])``.
        weight: the table, ``(num_embeddings, embedding_dim)``.
        padding_idx: the gradient of this row is always zero.
        max_norm: rows looked up whose ``norm_type``-norm exceeds it are rescaled in place.
        scale_grad_by_freq: divide each row's gradient by the id's count in the batch.
        sparse: not supported (gradients are dense).

    Shape:
        - Input: ``(*)``; Output: ``(*, embedding_dim)``.
    """
    if sparse:
        raise NotImplementedError(
            "embedding(sparse=True): feedforward has no sparse tensors; use sparse=False "
            "(gradients are dense)"
        )
    ids = _check_indices(input, weight)
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight._data.shape[0]
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, ids, max_norm, norm_type)
    return EmbeddingOp.apply(weight, input, padding_idx, scale_grad_by_freq)


class Embedding(Module):
    """A table of ``num_embeddings`` learnable vectors of size ``embedding_dim``.

    Args:
        num_embeddings: number of rows (ids run from 0 to num_embeddings - 1).
        embedding_dim: size of each vector.
        padding_idx: this row starts at zeros and gets no gradient (a fixed "pad").
            Negative values count from the end.
        max_norm: rows looked up with a larger norm are rescaled to it, in place.
        norm_type: the p of the p-norm for ``max_norm``. Default: 2.
        scale_grad_by_freq: divide gradients by the ids' frequencies in the mini-batch.
        sparse: not supported.
        device, dtype: as for any factory.

    Shape:
        - Input: int64 ids of any shape ``(*)``.
        - Output: ``(*, embedding_dim)``.

    Attributes:
        weight: ``(num_embeddings, embedding_dim)``, initialised N(0, 1).

    Example:
        >>> emb = nn.Embedding(10, 3, padding_idx=0)
        >>> emb(ff.tensor([[1, 2, 0], [4, 3, 9]])).shape
        feedforward.Size([2, 3, 3])
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            if padding_idx < 0:
                padding_idx += num_embeddings
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if _weight is None:
            table = creation.empty((num_embeddings, embedding_dim), device=device, dtype=dtype)
            self.weight = Parameter(table, requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError(
                    "Shape of weight does not match num_embeddings and embedding_dim"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        self.sparse = sparse

    def reset_parameters(self) -> None:
        """Re-draw the table from N(0, 1) and zero the padding row."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight._data[self.padding_idx] = 0
                self.weight._version.value += 1

    def forward(self, input: Tensor) -> Tensor:
        return embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose table is ``embeddings`` (2-D, shared); frozen unless
        ``freeze=False``."""
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(
            rows,
            cols,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
            _weight=embeddings,
            _freeze=freeze,
        )
