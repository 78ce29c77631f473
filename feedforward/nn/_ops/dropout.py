"""Dropout as one op: forward draws the keep-mask and scales it, backward reuses that mask."""

from __future__ import annotations

import numpy as np

from feedforward.ops.elementwise import ArrayOp

# SELU's negative saturation value, scale * alpha: what alpha dropout sets dropped units to
_SELU_SATURATION = 1.7580993408473766


def keep_mask(rng: np.random.Generator, shape: tuple, p: float, dtype) -> np.ndarray:
    """1 with probability 1 - p, else 0, in ``dtype``."""
    return (_uniform(rng, shape) >= p).astype(dtype)


def _uniform(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    # float32 draws are about twice as fast as float64 ones, and fine for a coin flip
    return rng.random(shape, dtype=np.float32)


class Dropout(ArrayOp):
    """Zero each element with probability p and scale the survivors by 1 / (1 - p).

    ``mask_shape`` (default: the input's) lets whole channels drop together (Dropout1d/2d):
    the mask broadcasts over the remaining dims.
    """

    @staticmethod
    def forward(ctx, x, p, rng, mask_shape=None):
        if p == 1:  # every unit dropped; 1 / (1 - p) would be inf
            scaled = np.zeros(mask_shape or x.shape, dtype=x.dtype)
        else:
            keep = _uniform(rng, mask_shape or x.shape) >= p
            scaled = keep * np.asarray(1 / (1 - p), x.dtype)  # one pass: mask and scale
        ctx.save_for_backward(scaled)
        return x * scaled

    @staticmethod
    def backward(ctx, g):  # the output is x * mask / (1 - p): the same factor for the gradient
        (scaled,) = ctx.saved_tensors
        return g * scaled


class AlphaDropout(ArrayOp):
    """Dropout for self-normalising (SELU) networks: keeps mean 0 and variance 1.

    Dropped units are set to SELU's saturation value -alpha' instead of 0, then an affine map
    a * x + b restores the statistics: a = ((1 - p) (1 + p alpha'^2))^(-1/2),
    b = a alpha' p, so out = a (x keep - alpha' (1 - keep)) + b (torch's formula).
    """

    @staticmethod
    def forward(ctx, x, p, rng, mask_shape=None):
        keep = keep_mask(rng, mask_shape or x.shape, p, x.dtype)
        if p == 1:  # everything dropped: the output is 0 (a would be infinite)
            scaled = np.zeros_like(keep)
            ctx.save_for_backward(scaled)
            return x * scaled
        alpha = _SELU_SATURATION
        a = 1.0 / np.sqrt((alpha * alpha * p + 1) * (1 - p))
        shift = (keep - 1) * (alpha * a) + alpha * a * p
        scaled = keep * np.asarray(a, x.dtype)
        ctx.save_for_backward(scaled)
        return (x * scaled + shift).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):  # d(a keep x + b) / dx = a keep
        (scaled,) = ctx.saved_tensors
        return g * scaled
