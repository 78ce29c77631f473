"""``ff.func``: torch.func's ``functional_call`` (ff has none of torch.func's transforms: vmap,
grad, jacrev, ...)."""

from feedforward.func._functional_call import functional_call

__all__ = ["functional_call"]
