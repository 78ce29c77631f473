"""The one place where this package turns NumPy arrays into feedforward tensors (and back).

The readers work on NumPy so they can be tested on their own; tensors appear only at the public
edge, through :func:`_to_tensor`.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _to_tensor(a: np.ndarray) -> Any:
    """Wrap ``a`` as a feedforward tensor (sharing memory, like ``torch.from_numpy``)."""
    import feedforward  # lazily: the core may still be importing us

    return feedforward.from_numpy(a)


def _is_tensor(x: Any) -> bool:
    """True for a feedforward tensor (anything that is not an ndarray but has ``.numpy()``)."""
    return not isinstance(x, np.ndarray) and hasattr(x, "numpy")


def _to_numpy(x: Any) -> np.ndarray:
    """View a tensor, ndarray or array-like as an ndarray."""
    if _is_tensor(x):
        # detach first: torch refuses .numpy() on a tensor that requires grad
        return np.asarray(x.detach().numpy() if hasattr(x, "detach") else x.numpy())
    return np.asarray(x)
