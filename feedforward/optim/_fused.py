"""Adam's and SGD's updates as one compiled pass each, with Numba installed (the `jit` extra).

NumPy makes an Adam step 13 passes over memory (one per ufunc: lerp, multiply, addcmul, sqrt,
...). Compiled with Numba, the same arithmetic is one vectorised loop that reads each element
once. Measured on a 2-core AMD EPYC (Zen 4), float32, against the NumPy update in L2-sized
pieces: 40k values 61-77 -> 23-29 us, 235k -> 131-135 us, 4.7M (the transformer FFN) -> 3.0-3.5
ms, which is memory bandwidth: two threads (Numba's ``parallel``) gained at most 20% there and
cost more than they saved below 1M values, and their thread pools fought OpenBLAS's (OpenMP's
spinning threads made a 784-50-10 Adam step 8 ms instead of 0.6; Numba's own pool took ~150 us
to start a loop). So the loops run in the calling thread.

The loop does exactly the NumPy update's operations, in its order, in the parameters' dtype (every
hyperparameter is first rounded to that dtype, as NumPy does with a Python float), with no
fused multiply-adds (Numba's default without ``fastmath``), so its results are bit for bit those
of ``adam.adam_update``: the tests check that. ``FEEDFORWARD_JIT=0`` turns it off. The first use
compiles the loop (~0.5 s per dtype, cached on disk by Numba for later processes).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from feedforward import _jit
from feedforward.optim._arrays import count_step

# groups up to this many values are still gathered into one vector (``_flat``) and updated by
# one call; above it each parameter gets its own call (~2 us each, see ``adam_each``), which
# beats gathering and scattering the values (a step of 10-64-3 Adam: 24 us flat, 40 per
# parameter; 784-50-10: 70 flat, 62 per parameter; 784-256-128-10: 323 flat, 169 per parameter;
# re-measured with ``adam_each``, 10-64-3: 17-20 flat, 28 per parameter)
FLAT_MAX = 1 << 14

_kernels: dict | None = None  # "adam"/"sgd" -> compiled loop; {} when unavailable


def _element(g, p, m, v, top, h):
    """One element's new (param, exp_avg, exp_avg_sq, max_exp_avg_sq): ``adam.adam_update``'s
    operations in its order. ``h`` holds the hyperparameters (see ``adam``)."""
    (amsgrad, maximize, l2, decay, weight_decay, decay_factor, lerp_small, weight, beta2,
     one_minus_beta2, bc2_sqrt, eps, neg_step_size) = h  # fmt: skip
    if maximize:
        g = -g
    if decay:  # AdamW: the weights shrink first
        p = p * decay_factor
    elif l2:  # the L2 penalty joins the gradient
        g = g + p * weight_decay
    if lerp_small:  # torch.lerp's two forms, as lerp_
        m = m + (g - m) * weight
    else:
        m = g - (g - m) * weight
    v = v * beta2
    v = v + (g * one_minus_beta2) * g
    if amsgrad:
        if v > top or v != v:  # np.maximum: the larger, NaN if either is
            top = v
        d = np.sqrt(top)
    else:
        d = np.sqrt(v)
    d = d / bc2_sqrt
    d = d + eps
    return p + (m * neg_step_size) / d, m, v, top


# Each kernel has a loop per case so that the common one (no amsgrad; no momentum) does not
# touch the stand-in array at all: LLVM vectorises a loop only when the arrays it writes cannot
# overlap those it reads, and the stand-in is one of the others (784-50-10's 40k-value Adam
# update: 276 us as one loop, left scalar, 28 us as two; NumPy's: 61 us; on Zen 4).
def _adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, h):
    if h[0]:  # amsgrad
        for i in range(param.size):
            param[i], exp_avg[i], exp_avg_sq[i], max_exp_avg_sq[i] = _element(
                grad[i], param[i], exp_avg[i], exp_avg_sq[i], max_exp_avg_sq[i], h
            )
    else:  # max_exp_avg_sq is a stand-in: exp_avg_sq[i] fills its (unused) slot
        for i in range(param.size):
            param[i], exp_avg[i], exp_avg_sq[i], _ = _element(
                grad[i], param[i], exp_avg[i], exp_avg_sq[i], exp_avg_sq[i], h
            )


def _sgd_element(g, p, b, h):
    """One element's new (param, momentum_buffer): ``sgd.sgd_update``'s operations in its
    order, for a step that has a momentum buffer already (or no momentum)."""
    maximize, weight_decay, momentum, dampened, one_minus_dampening, nesterov, lr = h
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + p * weight_decay
    if momentum != 0:
        b = b * momentum
        b = b + (g * one_minus_dampening if dampened else g)
        g = g + b * momentum if nesterov else b
    return p - g * lr, b


def _sgd(param, grad, buf, h):
    if h[2] != 0:  # momentum
        for i in range(param.size):
            param[i], buf[i] = _sgd_element(grad[i], param[i], buf[i], h)
    else:  # buf is a stand-in: grad[i] fills its (unused) slot
        for i in range(param.size):
            param[i], _ = _sgd_element(grad[i], param[i], grad[i], h)


def _compile() -> dict:
    """The compiled loops ({} without Numba); they compile at their first call."""
    global _element, _sgd_element
    numba = _jit.numba()
    if numba is None:
        return {}
    # error_model="numpy": a division by zero gives inf or nan, as in NumPy, instead of raising;
    # Python's check before every division kept the loop from being vectorised (40k values:
    # 177 us with it, 18 without, the loops split as above either way; Zen 4)
    jit = functools.partial(numba.njit, cache=True, error_model="numpy")
    _element = jit(_element, inline="always")
    _sgd_element = jit(_sgd_element, inline="always")
    return {"adam": jit(_adam), "sgd": jit(_sgd)}


def available() -> bool:
    """Whether Numba is installed (and not turned off by ``FEEDFORWARD_JIT=0``)."""
    global _kernels
    if _kernels is None:
        _kernels = _compile()
    return bool(_kernels)


def _adam_hyperparameters(
    cast: type,
    step: float,
    *,
    amsgrad: bool,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
    decoupled_weight_decay: bool,
) -> tuple:
    """The tuple ``h`` of ``_element``, every Python float rounded to the arrays' dtype
    (``cast``), as NumPy does with a Python float."""
    weight = 1 - beta1
    lerp_small = abs(weight) < 0.5
    return (
        amsgrad,
        maximize,
        weight_decay != 0 and not decoupled_weight_decay,
        weight_decay != 0 and decoupled_weight_decay,
        cast(weight_decay),
        cast(1 - lr * weight_decay),
        lerp_small,
        cast(weight if lerp_small else 1 - weight),
        cast(beta2),
        cast(1 - beta2),
        cast((1 - beta2**step) ** 0.5),
        cast(eps),
        cast(-(lr / (1 - beta1**step))),
    )


def adam(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None,
    step: float,
    **options: Any,
) -> bool:
    """``adam.adam_update`` in one compiled pass; False (nothing done) when it does not apply:
    no Numba, or arrays that are not all contiguous float32 or float64 of one shape. ``options``
    are ``adam_update``'s keywords."""
    arrays = _adam_arrays(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, options["amsgrad"])
    if not available() or not _compilable(arrays):
        return False
    _kernels["adam"](*_flat(arrays), _adam_hyperparameters(param.dtype.type, step, **options))
    return True


def adam_each(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_avg_sqs: list[np.ndarray],
    max_exp_avg_sqs: list[np.ndarray | None],
    state_steps: list[np.ndarray],
    **options: Any,
) -> bool:
    """``adam`` for every parameter of a group, counting each one's step (as ``with_steps``);
    False, with nothing done and no step counted, unless every parameter qualifies.

    The hyperparameters are worked out once per step value and dtype, not per parameter: the
    Python around a compiled call costs more than the call (784-50-10's optimizer step: 77 ->
    65 us; 784-256-128-10's: 217 -> 183)."""
    amsgrad = options["amsgrad"]
    per_param = [
        _adam_arrays(*arrays, amsgrad)
        for arrays in zip(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs)
    ]
    if not available() or not all(_compilable(arrays) for arrays in per_param):
        return False
    hyperparameters: dict = {}
    for step_t, arrays in zip(state_steps, per_param):
        key = (count_step(step_t), arrays[0].dtype)
        h = hyperparameters.get(key)
        if h is None:
            h = hyperparameters[key] = _adam_hyperparameters(key[1].type, key[0], **options)
        _kernels["adam"](*_flat(arrays), h)
    return True


def _adam_arrays(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, amsgrad: bool) -> tuple:
    """The kernel's five arrays. Without amsgrad, exp_avg_sq stands in for the unused
    max_exp_avg_sq (never written)."""
    return (param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq if amsgrad else exp_avg_sq)


_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _compilable(arrays: tuple) -> bool:
    """All float32 or all float64, of one shape, C-contiguous (so flat views line up)."""
    first = arrays[0]
    dtype, shape = first.dtype, first.shape
    if dtype not in _DTYPES:
        return False
    for a in arrays:  # a plain loop: all() over a generator costs twice as much, per parameter
        if a.dtype != dtype or a.shape != shape or not a.flags.c_contiguous:
            return False
    return True


def _flat(arrays: tuple) -> list:
    """1-d views of C-contiguous arrays (``ravel``: half the cost of ``reshape(-1)``)."""
    return [a.ravel() for a in arrays]


def sgd_each(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    bufs: list[np.ndarray | None],
    **options: Any,
) -> bool:
    """``sgd.sgd_update`` for every parameter of a group, each in one compiled pass, the
    hyperparameters worked out once per dtype; False (nothing done) unless all qualify: Numba
    installed, not the first step with momentum (the buffer is made from the gradient, in
    NumPy), arrays all contiguous float32 or float64 of one shape per parameter. ``bufs`` is
    ignored without momentum; ``options`` are ``sgd_update``'s keywords."""
    momentum = options["momentum"]
    if not available() or (momentum != 0 and any(buf is None for buf in bufs)):
        return False
    per_param = list(zip(params, grads, bufs if momentum != 0 else grads))  # grad: a stand-in
    if not all(_compilable(arrays) for arrays in per_param):
        return False
    hyperparameters: dict = {}
    for arrays in per_param:
        dtype = arrays[0].dtype
        h = hyperparameters.get(dtype)
        if h is None:
            h = hyperparameters[dtype] = _sgd_hyperparameters(dtype.type, **options)
        _kernels["sgd"](*_flat(arrays), h)
    return True


def _sgd_hyperparameters(
    cast: type,
    *,
    weight_decay: float,
    momentum: float,
    lr: float,
    dampening: float,
    nesterov: bool,
    maximize: bool,
) -> tuple:
    """The tuple ``h`` of ``_sgd_element``, every Python float rounded to the arrays' dtype
    (``cast``), as NumPy does with a Python float."""
    return (
        maximize,
        cast(weight_decay),
        cast(momentum),
        dampening != 0,
        cast(1 - dampening),
        nesterov,
        cast(lr),
    )


def describe() -> str:
    """How the Adam and SGD updates run, for benchmark headers."""
    if not available():
        return "NumPy ufuncs"
    numba = _jit.numba()
    return f"one compiled pass (Numba {numba.__version__})"
