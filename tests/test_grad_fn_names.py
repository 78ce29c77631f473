"""Node names as torch's: ``print(y)`` shows ``grad_fn=<SumBackward1>`` in both libraries.

torch names a node after the overload that made it (a sum over dims is SumBackward1, over
every element SumBackward0; ``2 - x`` is RsubBackward1; ``x[0]`` SelectBackward0), so the
names are checked for every differentiable row of the op table and for the calls below, whose
name depends on the arguments. (The nn tables check theirs in tests/nn.)
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from oracle import make_inputs, to_ff, to_torch
from test_ops import CASES

import feedforward as ff


def _name(y) -> str | None:
    y = y[0] if isinstance(y, tuple) else y
    if y.grad_fn is None:
        return None
    return y.grad_fn.name() if isinstance(y, ff.Tensor) else type(y.grad_fn).__name__


# (torch builds einsum out of permutes, bmm and sums, and its last node names it: ViewBackward0,
# SumBackward1, ...; ff's is one EinsumBackward0)
@pytest.mark.parametrize(
    "case", [c for c in CASES if c.grad and not c.name.startswith("einsum")], ids=repr
)
def test_op_table_names_match_torch(case):
    arrays = make_inputs(case, case.dtypes[0])
    ours, theirs = case.fn(*to_ff(arrays, True)), case.fn(*to_torch(arrays, True))
    assert _name(ours) == _name(theirs)


CALLS = {  # id: fn(lib, x) with x a (3, 4, 5) float32 leaf
    "index_int": lambda L, x: x[0],
    "index_lone_full_slice": lambda L, x: x[:],
    "index_ellipsis": lambda L, x: x[...],
    "index_full_slices": lambda L, x: x[:, :],
    "index_then_slice": lambda L, x: x[0, 1:3],
    "index_full_then_int": lambda L, x: x[:, 0],
    "index_none": lambda L, x: x[None],
    "index_int_none": lambda L, x: x[0, None],
    "index_ellipsis_slice": lambda L, x: x[..., 1:2],
    "index_whole_range": lambda L, x: x[:, 0:4],
    "index_advanced": lambda L, x: x[L.tensor([0, 2])],
    "sum_all": lambda L, x: x.sum(),
    "sum_dim": lambda L, x: x.sum(1),
    "sum_dims": lambda L, x: x.sum((0, 2), keepdim=True),
    "mean_all": lambda L, x: x.mean(),
    "mean_dim": lambda L, x: x.mean(-1),
    "prod_dim": lambda L, x: x.prod(0),
    "std": lambda L, x: x.std(),
    "var_dim": lambda L, x: x.var(1),
    "max_all": lambda L, x: x.max(),
    "max_dim": lambda L, x: x.max(1).values,
    "min_dim": lambda L, x: x.min(1).values,
    "norm": lambda L, x: x.norm(),
    "rsub": lambda L, x: 2 - x,
    "sub_scalar": lambda L, x: x - 2,
    "rdiv": lambda L, x: 2 / x,
    "div_scalar": lambda L, x: x / 2,
    "pow_scalar": lambda L, x: x**2,
    "pow_tensor": lambda L, x: x ** L.tensor(2.0),
    "rpow": lambda L, x: 2**x,
    "remainder_scalar": lambda L, x: x % 2,
    "remainder_tensor": lambda L, x: x % L.ones(5),
    "clamp_numbers": lambda L, x: x.clamp(0, 1),
    "clamp_tensor": lambda L, x: x.clamp(min=L.zeros(5)),
    "clamp_min": lambda L, x: x.clamp_min(0),
    "clamp_min_tensor": lambda L, x: x.clamp_min(L.zeros(5)),
    "clamp_max": lambda L, x: x.clamp_max(1),
    "square": lambda L, x: x.square(),
    "reciprocal": lambda L, x: x.reciprocal(),
    "log1p": lambda L, x: x.log1p(),
    "log2": lambda L, x: x.log2(),
    "log10": lambda L, x: x.log10(),
    "logsumexp": lambda L, x: x.logsumexp(1),
    "view": lambda L, x: x.view(12, 5),
    "reshape_view": lambda L, x: x.reshape(-1),
    "reshape_copy": lambda L, x: x.transpose(0, 1).reshape(-1),
    "flatten": lambda L, x: x.flatten(),
    "unflatten": lambda L, x: x.unflatten(2, (5, 1)),
    "squeeze": lambda L, x: x[None].squeeze(),
    "squeeze_dim": lambda L, x: x[None].squeeze(0),
    "squeeze_dims": lambda L, x: x[None].squeeze((0, 1)),
    "unsqueeze": lambda L, x: x.unsqueeze(-1),
    "permute": lambda L, x: x.permute(2, 0, 1),
    "transpose": lambda L, x: x.transpose(0, 1),
    "double": lambda L, x: x.double(),
    "split": lambda L, x: x.split(2),
    "split_sizes": lambda L, x: x.split([1, 2]),
    "chunk": lambda L, x: x.chunk(2),
    "unbind": lambda L, x: x.unbind(1),
    "sort": lambda L, x: x.sort().values,
    "topk": lambda L, x: x.topk(2).values,
    "tril": lambda L, x: x.tril(),
    "triu": lambda L, x: x.triu(1),
    "matmul_3d": lambda L, x: x @ x.transpose(1, 2),
    "bmm": lambda L, x: L.bmm(x, x.transpose(1, 2)),
    "matmul_vec": lambda L, x: x[0, 0] @ x[0].T,
    "mm": lambda L, x: x[0] @ x[0].T,
    "cat": lambda L, x: L.cat([x, x]),
    "stack": lambda L, x: L.stack([x, x]),
    "where": lambda L, x: L.where(x > 0.5, x, 0.0),
    "softmax": lambda L, x: x.softmax(-1),
    "scatter_reduce_0d": lambda L, x: x[0, 0, 0].scatter_reduce(
        0, L.tensor([0]), x[0, 0, :1], "sum"
    ),
    "scatter_reduce_": lambda L, x: (x * 1).scatter_reduce_(2, L.zeros(3, 4, 1).long(), x, "amax"),
    "scatter_reduce_legacy": lambda L, x: x.scatter(2, L.zeros(3, 4, 1).long(), 2.0, reduce="add"),
    "scatter__reduce_legacy": lambda L, x: (x * 1).scatter_(
        2, L.zeros(3, 4, 1).long(), 2.0, reduce="multiply"
    ),
}


@pytest.mark.parametrize("fn", CALLS.values(), ids=CALLS.keys())
def test_call_names_match_torch(fn):
    data = np.random.default_rng(0).uniform(0.1, 1.0, (3, 4, 5)).astype(np.float32)
    ours = fn(ff, ff.tensor(data, requires_grad=True))
    theirs = fn(torch, torch.tensor(data, requires_grad=True))
    assert _name(ours) == _name(theirs)
