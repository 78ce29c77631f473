"""``feedforward.nn.functional`` (``F``): the stateless functions behind the layers.

Same names, signatures and defaults as ``torch.nn.functional``. Each function checks its
arguments (errors name the function, the shapes and the values at fault) and then calls one op
whose backward is written beside its forward: ``feedforward.nn._ops`` for activations, losses,
normalisation and dropout, ``feedforward.ops`` for what the core already has.

Example:
    >>> import feedforward.nn.functional as F
    >>> logits = ff.randn(4, 3, requires_grad=True)
    >>> loss = F.cross_entropy(logits, ff.tensor([0, 2, 1, 0]))
    >>> loss.backward()
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from feedforward import creation
from feedforward.autograd.grad_mode import _state, no_grad
from feedforward.nn._ops import activation as A
from feedforward.nn._ops import dropout as D
from feedforward.nn._ops import indexing as X
from feedforward.nn._ops import loss as L
from feedforward.nn._ops import normalization as N
from feedforward.ops import api
from feedforward.ops import elementwise as E
from feedforward.ops import reduction as R
from feedforward.ops._util import broadcast_error, normalize_dim, type_name
from feedforward.ops.linalg import Linear
from feedforward.random import Generator, _generator
from feedforward.tensor import Size, Tensor

__all__ = [
    # linear
    "linear",
    "bilinear",
    "cosine_similarity",
    # activations
    "relu",
    "relu_",
    "relu6",
    "leaky_relu",
    "leaky_relu_",
    "elu",
    "elu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "gelu",
    "silu",
    "mish",
    "softplus",
    "sigmoid",
    "tanh",
    "hardtanh",
    "hardtanh_",
    "hardsigmoid",
    "hardswish",
    "threshold",
    "threshold_",
    "prelu",
    "logsigmoid",
    "softsign",
    "tanhshrink",
    "hardshrink",
    "softshrink",
    "rrelu",
    "rrelu_",
    "glu",
    "softmax",
    "log_softmax",
    "softmin",
    "gumbel_softmax",
    # dropout
    "dropout",
    "alpha_dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "feature_alpha_dropout",
    # normalisation
    "batch_norm",
    "instance_norm",
    "group_norm",
    "layer_norm",
    "rms_norm",
    "normalize",
    # losses
    "l1_loss",
    "mse_loss",
    "huber_loss",
    "smooth_l1_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "soft_margin_loss",
    "cosine_embedding_loss",
    "multilabel_soft_margin_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    # distances
    "pairwise_distance",
    "pdist",
    # utilities
    "one_hot",
    "pad",
    "embedding",
]


def _size(shape) -> str:
    """A shape as torch prints it in messages, with our package name."""
    return repr(Size(shape))


# ---------------------------------------------------------------- linear


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b over the last dim of x, as one fused op.

    Shape:
        input (*, in_features), weight (out_features, in_features), bias (out_features,),
        output (*, out_features).
    """
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)):  # (one test per layer)
        api._check_tensor(input, "linear")
        api._check_tensor(weight, "linear", "weight", 2)
    # checked on the arrays (no Size or dtype objects): this runs for every layer of every step
    x, w = input._data, weight._data
    shape, wshape = x.shape, w.shape
    if len(wshape) != 2:
        raise RuntimeError(
            f"linear(): weight must be 2-D (out_features, in_features), got shape {wshape}"
        )
    if not shape or shape[-1] != wshape[1]:
        raise RuntimeError(
            f"linear(): input of shape {shape} and weight of shape {wshape} cannot be "
            f"multiplied: the input's last dim must equal in_features = {wshape[1]}"
        )
    if x.dtype != w.dtype:
        raise RuntimeError(
            f"linear(): expected input and weight to have the same dtype, but got "
            f"{input.dtype.name} input and {weight.dtype.name} weight"
        )
    if bias is None:
        return Linear.apply(input, weight)
    if not isinstance(bias, Tensor):
        api._check_tensor(bias, "linear", "bias", 3)
    bshape = bias._data.shape
    if bshape != (wshape[0],) and bshape != ():
        raise RuntimeError(
            f"linear(): bias of shape {bshape} does not match out_features = {wshape[0]}"
        )
    return Linear.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1ᵀ A_k x2 + b_k over the last dims of x1 and x2 (their leading dims equal).

    Shape:
        input1 (*, in1_features), input2 (*, in2_features), weight (out_features,
        in1_features, in2_features), bias (out_features,), output (*, out_features).
    """
    api._check_tensor(input1, "bilinear", "input1")
    api._check_tensor(input2, "bilinear", "input2", 2)
    api._check_tensor(weight, "bilinear", "weight", 3)
    if input1.ndim != input2.ndim:
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}"
        )
    for dim in range(input1.ndim - 1):
        if input1.shape[dim] != input2.shape[dim]:
            raise RuntimeError(
                f"bilinear(): input batch dimensions do not match at dim {dim}: got "
                f"{input1.shape[dim]} and {input2.shape[dim]}"
            )
    if weight.ndim != 3:
        raise RuntimeError(
            f"bilinear(): weight must be 3-D (out_features, in1_features, in2_features), got "
            f"shape {list(weight.shape)}"
        )
    for k, x in ((1, input1), (2, input2)):
        if x.ndim == 0 or x.shape[-1] != weight.shape[k]:
            got = x.shape[-1] if x.ndim else 1
            raise RuntimeError(
                f"bilinear(): input{k} size does not match weight size: got {got} but "
                f"expected {weight.shape[k]}"
            )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[0]):
        got = bias.shape[0] if bias.ndim else 1
        raise RuntimeError(
            f"bilinear(): bias size does not match weight size: got {got} but expected "
            f"{weight.shape[0]}"
        )
    out = api.einsum("...i,kij,...j->...k", input1, weight, input2)
    if bias is None:  # torch's last step is a view of its _trilinear
        return api._named(out, "ViewBackward0")
    return out + bias


# ---------------------------------------------------------------- activations


def _activate(op, input: Tensor, inplace: bool, fn: str, *args) -> Tensor:
    """Apply an elementwise op; with ``inplace`` the result is written back into ``input``."""
    api._check_tensor(input, fn)
    if not inplace:
        return op.apply(input, *args)
    return input._inplace(op.apply(input._as_input(), *args))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    return _activate(E.Relu, input, inplace, "relu")


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """clamp(x, min_val, max_val); the gradient is 1 strictly between the bounds."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _activate(A.Hardtanh, input, inplace, "hardtanh", min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return _activate(A.Hardtanh, input, inplace, "relu6", 0.0, 6.0)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return _activate(A.LeakyRelu, input, inplace, "leaky_relu", negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha (exp(x) - 1) otherwise."""
    return _activate(A.Elu, input, inplace, "elu", alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


# SELU's constants (Klambauer et al. 2017): they make mean 0 / variance 1 a fixed point
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _activate(A.Elu, input, inplace, "selu", _SELU_ALPHA, _SELU_SCALE)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu(): alpha must not be 0")
    return _activate(A.Celu, input, inplace, "celu", alpha, 1.0, 1.0 / alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (Phi: the standard normal CDF), or its tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _activate(A.Gelu, input, False, "gelu", approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)."""
    return _activate(A.Silu, input, inplace, "silu")


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return _activate(A.Mish, input, inplace, "mish")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""
    return _activate(A.Softplus, input, False, "softplus", beta, threshold)


def sigmoid(input: Tensor) -> Tensor:
    return _activate(E.Sigmoid, input, False, "sigmoid")


def tanh(input: Tensor) -> Tensor:
    return _activate(E.Tanh, input, False, "tanh")


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    return _activate(A.Hardsigmoid, input, inplace, "hardsigmoid")


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    return _activate(A.Hardswish, input, inplace, "hardswish")


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    return _activate(A.Threshold, input, inplace, "threshold", threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _activate(A.Threshold, input, True, "threshold_", threshold, value)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), finite for any x."""
    return _activate(A.LogSigmoid, input, False, "logsigmoid")


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return _activate(A.Softsign, input, False, "softsign")


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    api._check_tensor(input, "tanhshrink")
    return input - E.Tanh.apply(input)


def _check_float(input: Tensor, kernel: str) -> None:
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input)}'")


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    api._check_tensor(input, "hardshrink")
    _check_float(input, "hardshrink_cpu")
    return A.Hardshrink.apply(input, lambd)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0 (lambd >= 0)."""
    api._check_tensor(input, "softshrink")
    _check_float(input, "softshrink_check")
    top = float(np.finfo(input._data.dtype).max)
    if not 0 <= lambd <= top:
        raise RuntimeError(
            f"lambda must be in range [0, {top:g}] for input dtype {type_name(input)}, but "
            f"found {lambd:g}"
        )
    return A.Softshrink.apply(input, lambd)


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Randomized leaky ReLU: x for x > 0, a x otherwise, with a drawn from U(lower, upper)
    per element while training (from the default generator) and a = (lower + upper) / 2 in
    eval (Xu et al., 2015, "Empirical Evaluation of Rectified Activations in Convolutional
    Network")."""
    return _rrelu(input, lower, upper, training, inplace, None, "rrelu")


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    return _rrelu(input, lower, upper, training, True, None, "rrelu_")


def _rrelu(input, lower, upper, training, inplace, generator, fn: str) -> Tensor:
    api._check_tensor(input, fn)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    _check_float(input, "leaky_relu_cpu")
    rng = _generator(generator)
    return _activate(A.RreluWithNoise, input, inplace, fn, lower, upper, training, rng)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``."""
    api._check_tensor(input, "glu")
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = normalize_dim(dim, input.ndim, "glu")
    if input.shape[axis] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {axis} is size {input.shape[axis]}"
        )
    return A.Glu.apply(input, axis)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, weight[c] * x otherwise, c the channel (dim 1; a single weight for < 2-D)."""
    api._check_tensor(input, "prelu")
    api._check_tensor(weight, "prelu", "weight", 2)
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() not in (1, channels):
        raise RuntimeError(
            "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{weight.numel()} and channel size = {channels}."
        )
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got {type_name(input)} and "
            f"{type_name(weight)} (convert the input or the weight)"
        )
    return A.Prelu.apply(input, weight)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """torch's legacy rule for softmax without ``dim``: 0 for 0-D, 1-D and 3-D input, else 1."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _prepare_softmax(input, dim, dtype, name: str, stacklevel: int) -> tuple[Tensor, int]:
    api._check_tensor(input, name)
    if dim is None:
        dim = _softmax_dim(name, input.ndim, stacklevel + 1)
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"\"{name}_lastdim_kernel_impl\" not implemented for '{type_name(input)}'"
        )
    return input, normalize_dim(dim, input.ndim, name)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``: each slice becomes a probability distribution."""
    input, axis = _prepare_softmax(input, dim, dtype, "softmax", _stacklevel)
    return R.Softmax.apply(input, axis)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x - logsumexp(x) along ``dim``, computed stably."""
    input, axis = _prepare_softmax(input, dim, dtype, "log_softmax", _stacklevel)
    return R.LogSoftmax.apply(input, axis)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along ``dim``."""
    input, axis = _prepare_softmax(input, dim, dtype, "softmin", _stacklevel)
    return R.Softmax.apply(E.Neg.apply(input), axis)


def gumbel_softmax(
    logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """softmax((logits + g) / tau) along ``dim``, g Gumbel(0, 1) noise from the default
    generator: a differentiable sample of the categorical distribution softmax(logits).

    ``hard=True`` returns the one-hot of the sample's argmax, with the soft sample's gradient
    (the straight-through estimator: y_hard - y_soft.detach() + y_soft). Jang et al., 2016,
    "Categorical Reparameterization with Gumbel-Softmax"; Maddison et al., 2016.
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    api._check_tensor(logits, "gumbel_softmax", "logits")
    # -log(E), E ~ Exp(1), is Gumbel(0, 1): torch's construction
    exponential = _generator(None).standard_exponential(tuple(logits.shape))
    gumbels = Tensor._make((-np.log(exponential)).astype(logits._data.dtype), False, None)
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    axis = normalize_dim(dim, logits.ndim, "gumbel_softmax")
    soft = y_soft._data
    index = np.expand_dims(soft.argmax(axis=axis), axis) if soft.ndim else None
    one_hot = np.zeros_like(soft)
    if index is None:
        one_hot[...] = 1
    else:
        np.put_along_axis(one_hot, index, 1, axis=axis)
    return Tensor._make(one_hot, False, None) - y_soft.detach() + y_soft


# ---------------------------------------------------------------- dropout


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _drop(op, input, p, training, inplace, fn, generator, mask_shape=None) -> Tensor:
    api._check_tensor(input, fn)
    _check_p(p)
    if not training or p == 0:
        return input
    rng = _generator(generator)
    if not inplace:
        return op.apply(input, p, rng, mask_shape)
    return input._inplace(op.apply(input._as_input(), p, rng, mask_shape))


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p).

    The scaling keeps the expected value of every element unchanged, so nothing needs to change
    at evaluation time (``training=False`` returns the input itself). The mask comes from
    ``generator`` (default: the global one, so ``ff.manual_seed`` makes it reproducible).
    """
    return _drop(D.Dropout, input, p, training, inplace, "dropout", generator)


def alpha_dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = False,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Dropout that keeps SELU activations at mean 0 and variance 1 (note: training=False)."""
    return _drop(D.AlphaDropout, input, p, training, inplace, "alpha_dropout", generator)


def _channel_dropout(input, p, training, inplace, generator, fn: str, spatial: int) -> Tensor:
    """Drop whole channels: the mask has shape (N, C, 1, ...) (or (C, 1, ...) unbatched)."""
    api._check_tensor(input, fn)
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"{fn}: Expected {spatial + 1}D or {spatial + 2}D input, but received "
            f"a {input.ndim}D input"
        )
    lead = input.ndim - spatial
    mask_shape = tuple(input.shape[:lead]) + (1,) * spatial
    return _drop(D.Dropout, input, p, training, inplace, fn, generator, mask_shape)


def dropout1d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input."""
    return _channel_dropout(input, p, training, inplace, generator, "dropout1d", 1)


def dropout2d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Zero whole channels of (N, C, H, W) or (C, H, W) input."""
    return _channel_dropout(input, p, training, inplace, generator, "dropout2d", 2)


def dropout3d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input.

    Other ranks are taken as unbatched, one draw per index of dim 0, with torch's warning.
    """
    api._check_tensor(input, "dropout3d")
    if input.ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and "
            "will result in an error in a future release. To retain the behavior and silence "
            "this warning, please use dropout instead. Note that dropout3d exists to provide "
            "channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 4D or 5D inputs).",
            stacklevel=2,
        )
    lead = 2 if input.ndim == 5 else 1  # unbatched: torch adds a batch dim of 1
    return _feature_drop(D.Dropout, input, p, training, inplace, "dropout3d", generator, lead)


def feature_alpha_dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = False,
    inplace: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Alpha dropout of whole channels: one draw per (sample, channel) of (N, C, *) input, the
    dropped channels set to SELU's saturation value (note: training=False)."""
    api._check_tensor(input, "feature_alpha_dropout")
    return _feature_drop(
        D.AlphaDropout, input, p, training, inplace, "feature_alpha_dropout", generator
    )


def _feature_drop(op, input, p, training, inplace, fn, generator, lead: int = 2) -> Tensor:
    """Dropout with one draw per (sample, channel): a mask of shape (N, C, 1, ...) (lead 2),
    or (C, 1, ...) (lead 1)."""
    _check_p(p)
    if training and 0 < p < 1 and input.numel() and input.ndim + 2 - lead < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    mask_shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    return _drop(op, input, p, training, inplace, fn, generator, mask_shape)


# ---------------------------------------------------------------- normalisation


def _write(buffer: Tensor, values: np.ndarray) -> None:
    """Overwrite a buffer's values outside autograd, bumping its version."""
    np.copyto(buffer._data, values, casting="unsafe")
    buffer._version.value += 1


def _check_channels(param, channels: int, name: str) -> None:
    if param is not None and param.numel() != channels:
        raise RuntimeError(
            f"batch_norm: {name} should contain {channels} elements, one per "
            f"channel, not {param.numel()} (shape {tuple(param.shape)})"
        )


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) over the batch (and any further dims), then scale/shift.

    In training the batch's own mean and biased variance normalise, and the running estimates
    (when given) move towards the batch's mean and UNBIASED variance by ``momentum``:
    running = (1 - momentum) running + momentum batch. Otherwise the running estimates are used.

    Shape:
        input (N, C) or (N, C, *); running stats, weight and bias (C,).
    """
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _batch_norm(
    input, running_mean, running_var, weight, bias, training, momentum, eps, one_value_ok=False
) -> Tensor:
    """``batch_norm``; ``one_value_ok`` lets a channel of one value through (torch's op does,
    only its nn.functional form refuses it)."""
    api._check_tensor(input, "batch_norm")
    if input.ndim < 2:
        raise ValueError(
            f"batch_norm: expected input with at least 2 dims (N, C, *), got shape "
            f"{tuple(input.shape)}"
        )
    channels = input.shape[1]
    for name, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        _check_channels(t, channels, name)
    axes = (0,) + tuple(range(2, input.ndim))
    x = input._data
    if training:
        count = x.size // channels
        if count == 1 and not one_value_ok:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input "
                f"size {_size(input.shape)}"
            )
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
        if running_mean is not None:
            _write(running_mean, (1 - momentum) * running_mean._data + momentum * mean)
        if running_var is not None:  # the running estimate uses the unbiased variance
            with np.errstate(divide="ignore", invalid="ignore"):  # one value: NaN, as torch
                unbiased = np.divide(var * count, count - 1)
            _write(running_var, (1 - momentum) * running_var._data + momentum * unbiased)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "batch_norm: running_mean and running_var must be given when "
                "training=False (or pass training=True to use batch statistics)"
            )
        mean, var = running_mean._data, running_var._data
    invstd = 1.0 / np.sqrt(var + eps)
    return N.BatchNorm.apply(input, weight, bias, mean, invstd, training)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its spatial dims, then scale and shift.

    With ``use_input_stats`` the sample's own statistics normalise, and the running estimates
    (when given) move by ``momentum`` towards their mean over the batch; otherwise the running
    estimates normalise. Ulyanov et al., 2016, "Instance Normalization: The Missing Ingredient
    for Fast Stylization".

    Shape:
        input (N, C, *); running stats, weight and bias (C,).
    """
    api._check_tensor(input, "instance_norm")
    if use_input_stats:
        spatial = math.prod(input.shape[2:])
        if spatial == 1:
            raise ValueError(
                "Expected more than 1 spatial element when training, got input size "
                f"{_size(input.shape)}"
            )
    return _instance_norm(
        input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps
    )


def _instance_norm(
    input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps
) -> Tensor:
    """torch's construction: batch norm of the input seen as (1, N * C, *), with the
    parameters and running statistics repeated N times (the statistics averaged back)."""
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError(
            "Expected running_mean and running_var to be defined when use_input_stats is false"
        )
    n, c = input.shape[0], input.shape[1]
    folded = api.reshape(input, (1, n * c, *input.shape[2:]))
    repeated = [None if t is None else api.repeat(t, n) for t in (weight, bias)]
    stats = [
        None if t is None else Tensor._make(np.tile(t._data, n), False, None)
        for t in (running_mean, running_var)
    ]
    out = _batch_norm(folded, *stats, *repeated, use_input_stats, momentum, eps, True)
    if use_input_stats:
        for buffer, folded_stat in zip((running_mean, running_var), stats):
            if buffer is not None:
                _write(buffer, folded_stat._data.reshape(n, c).mean(axis=0))
    return api.reshape(out, tuple(input.shape))


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split each sample's C channels into ``num_groups`` groups and normalise each group
    over its channels and spatial dims, then scale and shift per channel (Wu & He, 2018,
    "Group Normalization").

    Shape:
        input (N, C, *) with C divisible by num_groups; weight and bias (C,).
    """
    api._check_tensor(input, "group_norm")
    _check_group_norm_rank(input)
    size = [input.shape[0] * input.shape[1] // num_groups, num_groups, *input.shape[2:]]
    if math.prod(size[:1] + size[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {size}"
        )
    return _group_norm(input, num_groups, weight, bias, eps)


def _check_group_norm_rank(input: Tensor) -> None:
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}"
        )


def _group_norm(input, num_groups, weight, bias, eps) -> Tensor:
    channels = input.shape[1]
    if channels % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(input.shape)} and num_groups={num_groups}"
        )
    # torch's bias message shows the weight's shape ([0] without one): kept as torch's
    weight_shape = [0] if weight is None else list(weight.shape)
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and (param.ndim != 1 or param.numel() != channels):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {weight_shape} and input of shape "
                f"{list(input.shape)}"
            )
    return N.GroupNorm.apply(input, weight, bias, num_groups, eps)


def _normalized_shape(normalized_shape) -> tuple[int, ...]:
    if isinstance(normalized_shape, int | np.integer):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


def _check_normalized(input: Tensor, shape: tuple, fn: str) -> None:
    n = len(shape)
    if n == 0 or input.ndim < n or tuple(input.shape[input.ndim - n :]) != shape:
        raise RuntimeError(
            f"{fn}: Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(input.shape)}"
        )


def _check_param_shape(param, shape: tuple, fn: str, name: str) -> None:
    if param is not None and tuple(param.shape) != shape:
        raise RuntimeError(
            f"{fn}: expected {name} of shape {list(shape)} (normalized_shape), "
            f"got {list(param.shape)}"
        )


def layer_norm(
    input: Tensor,
    normalized_shape: Sequence[int] | int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample over its last ``len(normalized_shape)`` dims, then scale/shift.

    Shape:
        input (*, *normalized_shape); weight and bias normalized_shape.
    """
    api._check_tensor(input, "layer_norm")
    shape = _normalized_shape(normalized_shape)
    _check_normalized(input, shape, "layer_norm")
    _check_param_shape(weight, shape, "layer_norm", "weight")
    _check_param_shape(bias, shape, "layer_norm", "bias")
    return N.LayerNorm.apply(input, weight, bias, len(shape), eps)


def rms_norm(
    input: Tensor,
    normalized_shape: Sequence[int] | int,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """x / sqrt(mean(x²) + eps) over the last dims, times ``weight``.

    ``eps=None`` uses the machine epsilon of the input's dtype, as torch does.
    """
    api._check_tensor(input, "rms_norm")
    shape = _normalized_shape(normalized_shape)
    _check_normalized(input, shape, "rms_norm")
    _check_param_shape(weight, shape, "rms_norm", "weight")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    return N.RmsNorm.apply(input, weight, len(shape), eps)


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None
) -> Tensor:
    """x / max(||x||_p, eps) along ``dim``: unit-norm slices."""
    api._check_tensor(input, "normalize")
    denom = api.clamp_min(api.norm(input, p, dim, keepdim=True), eps)
    result = input / denom
    return result if out is None else out.copy_(result)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cos of the angle between x1 and x2 along ``dim`` (broadcast together):
    sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))."""
    api._check_tensor(x1, "cosine_similarity")
    x1, x2 = api.broadcast_tensors(x1, x2) if x1.shape != x2.shape else (x1, x2)
    unit1 = x1 / api.clamp_min(api.norm(x1, 2, dim, keepdim=True), eps)
    unit2 = x2 / api.clamp_min(api.norm(x2, 2, dim, keepdim=True), eps)
    return api.sum(unit1 * unit2, dim)


# ---------------------------------------------------------------- losses


_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce) -> str:
    """The old size_average/reduce flags as a reduction string (torch's rule, with its warning)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
        stacklevel=3,
    )
    return ret


def _reduction(reduction: str, size_average=None, reduce=None, allowed=_REDUCTIONS) -> str:
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn(
            "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
            stacklevel=3,
        )
        return "mean"
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return api.mean(loss)
    if reduction == "sum":
        return api.sum(loss)
    return loss


def _check_same_shape(input: Tensor, target: Tensor, fn: str) -> None:
    """Losses never broadcast: (N, 1) against (N,) would silently compare every pair."""
    api._check_tensor(input, fn)
    api._check_tensor(target, fn, "target", 2)
    if input.shape != target.shape:
        raise RuntimeError(
            f"{fn}: input and target must have the same shape, got input "
            f"{tuple(input.shape)} and target {tuple(target.shape)} (a loss never broadcasts: "
            "reshape one of them, e.g. target.view_as(input))"
        )


def _weighted(
    loss: Tensor, weight: Tensor | None, input: Tensor, reduction: str, mean_by_weight: bool
) -> Tensor:
    """Elementwise weights (torch's l1/mse/huber ``weight=``): mean divides by their sum."""
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return api.sum(loss) / api.sum(weight)
    return _reduce(loss, reduction)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """|input - target|, reduced."""
    _check_same_shape(input, target, "l1_loss")
    reduction = _reduction(reduction, size_average, reduce)
    return _weighted(L.AbsoluteError.apply(input, target), weight, input, reduction, True)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """(input - target)², reduced."""
    _check_same_shape(input, target, "mse_loss")
    reduction = _reduction(reduction, size_average, reduce)
    if weight is None:
        return L.SquaredError.apply(input, target, reduction)
    return _weighted(L.SquaredError.apply(input, target), weight, input, reduction, True)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """Squared error for |d| < delta, delta-scaled absolute error beyond, reduced."""
    _check_same_shape(input, target, "huber_loss")
    reduction = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError(
            f"huber_loss does not support non-positive values for delta, got {delta}"
        )
    if weight is None:
        return L.HuberError.apply(input, target, delta, reduction)
    loss = L.HuberError.apply(input, target, delta)
    return _weighted(loss, weight, input, reduction, False)  # torch: weighted mean is a mean


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """0.5 d² / beta for |d| < beta, |d| - 0.5 beta beyond, reduced."""
    _check_same_shape(input, target, "smooth_l1_loss")
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    if beta == 0:  # torch's smooth_l1_loss is then l1_loss (whose slope at NaN is 0)
        return l1_loss(input, target, reduction=reduction)
    return L.SmoothL1Error.apply(input, target, float(beta), reduction)


def _check_class_target(input: Tensor, target: Tensor, weight, fn: str) -> None:
    """Index targets: integer type, shape (N, d1, ...) beside input (N, C, d1, ...)."""
    api._check_tensor(input, fn)
    api._check_tensor(target, fn, "target", 2)
    ishape, tshape = input._data.shape, target._data.shape
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {type_name(target)}")
    if len(ishape) == 0:
        raise ValueError(f"{fn}: expected input of shape (C,) or (N, C, ...), got a 0-D tensor")
    if len(ishape) == 1:
        if len(tshape) != 0:
            raise RuntimeError(
                f"{fn}: unbatched input of shape {tuple(ishape)} needs a 0-D "
                f"target, got shape {tuple(tshape)}"
            )
    elif len(tshape) >= 1 and ishape[0] != tshape[0]:
        raise ValueError(
            f"Expected input batch_size ({ishape[0]}) to match target batch_size ({tshape[0]})."
        )
    elif tuple(tshape) != (ishape[0],) + tuple(ishape[2:]):
        raise RuntimeError(
            f"{fn}: expected target of shape {(ishape[0],) + tuple(ishape[2:])} for "
            f"input of shape {tuple(ishape)} (the class dim is dim 1), got "
            f"{tuple(tshape)}"
        )
    classes = ishape[0] if len(ishape) == 1 else ishape[1]
    if weight is not None:
        if weight.ndim != 1 or weight.numel() != classes:
            raise RuntimeError(
                f"weight tensor should be defined either for all {classes} "
                f"classes or no classes but got weight tensor of shape: "
                f"{list(weight.shape)}"
            )
        if weight.dtype != input.dtype:
            raise RuntimeError(
                f"expected scalar type {type_name(input)} but found {type_name(weight)}"
            )
        if _state["grad"] and weight.requires_grad:
            raise RuntimeError(
                f"The function '{fn}' is not differentiable with respect to "
                "argument 'weight'. This input cannot have requires_grad True."
            )


def _check_targets_in_range(target: np.ndarray, classes: int, ignore_index: int) -> int | None:
    """Raise torch's IndexError for a target class out of range; return the ignore_index the
    op needs: None when no target can equal it (the usual case: every row counts)."""
    # one pass: read as unsigned, a negative class is huge, so max < classes means all in range
    unsigned = target.view(np.uint64) if target.dtype == np.int64 else target
    if target.size and np.maximum.reduce(unsigned, axis=None) < classes:
        # all in range (the usual case): no need to leave out the ignored ones
        return ignore_index if 0 <= ignore_index < classes else None
    t = target[target != ignore_index]
    if t.size and (t.min() < 0 or t.max() >= classes):
        bad = t.min() if t.min() < 0 else t.max()
        raise IndexError(f"Target {bad} is out of bounds.")
    return ignore_index


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between softmax(input) along dim 1 and the target, from raw logits.

    ``target`` is either class indices (int64, shape (N,) / (N, d1, ...) / ()) or class
    probabilities (float, the input's shape). With a class ``weight`` the mean divides by the
    total weight of the (non-ignored) targets, as torch does. One fused op: finite even for
    logits of ±1e4.

    Shape:
        input (N, C), (N, C, d1, ...) or (C,).
    """
    api._check_tensor(input, "cross_entropy")
    api._check_tensor(target, "cross_entropy", "target", 2)
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if target._data.dtype.kind == "f":
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing)
    _check_class_target(input, target, weight, "cross_entropy")
    shape = input._data.shape
    classes = shape[0] if len(shape) == 1 else shape[1]
    ignore_index = _check_targets_in_range(target._data, classes, ignore_index)
    return L.CrossEntropy.apply(
        input,
        target._data,
        None if weight is None else weight._data,
        ignore_index,
        reduction,
        label_smoothing,
    )


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing):
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if target.shape != input.shape:
        if target.ndim == input.ndim - 1:  # looks like class indices stored as floats
            raise RuntimeError(
                f"expected target dtype to be Long or Byte, but got {type_name(target)}"
            )
        raise RuntimeError(
            f"cross_entropy: probability target of shape {tuple(target.shape)} "
            f"must have the input's shape {tuple(input.shape)}"
        )
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes "
            f"or no classes but got weight tensor of shape: {list(weight.shape)}"
        )
    weight = None if weight is None else weight.to(input.dtype)
    return L.CrossEntropyProbs.apply(
        input, target.to(input.dtype), weight, reduction, label_smoothing
    )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood: -input[n, target[n]] (input holds log-probabilities)."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_class_target(input, target, weight, "nll_loss")
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    ignore_index = _check_targets_in_range(target._data, classes, ignore_index)
    return L.NllLoss.apply(
        input, target._data, None if weight is None else weight._data, ignore_index, reduction
    )


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """-(t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1], logs clamped at -100.

    Prefer ``binary_cross_entropy_with_logits`` on raw scores: it is exact where p saturates.
    """
    api._check_tensor(input, "binary_cross_entropy")
    api._check_tensor(target, "binary_cross_entropy", "target", 2)
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({_size(target.shape)}) that is different to the input size "
            f"({_size(input.shape)}) is deprecated. Please ensure they have the same size."
        )
    _check_unit_interval(input._data, target._data)
    weight = _elementwise_weight(weight, input, "binary_cross_entropy")
    return L.BinaryCrossEntropy.apply(input, target.to(input.dtype), weight, reduction)


def _elementwise_weight(weight: Tensor | None, input: Tensor, fn: str) -> Tensor | None:
    """A binary cross entropy's ``weight`` in the input's dtype (as torch's kernels read it),
    checked to broadcast to the input's shape without growing it."""
    if weight is None:
        return None
    api._check_tensor(weight, fn, "weight", 3)
    try:
        shape = np.broadcast_shapes(weight.shape, input.shape)
    except ValueError:
        raise broadcast_error(fn, tuple(input.shape), tuple(weight.shape)) from None
    if shape != tuple(input.shape):
        raise RuntimeError(
            f"output with shape {list(input.shape)} doesn't match the broadcast shape {list(shape)}"
        )
    return weight.to(input.dtype)


def _check_unit_interval(x: np.ndarray, t: np.ndarray) -> None:
    """torch's check of binary_cross_entropy's inputs, element by element: the first element
    whose input or target is outside [0, 1] (or NaN) names which."""
    if not x.size:
        return
    bad_x = ~((x >= 0) & (x <= 1))
    bad_t = ~((t >= 0) & (t <= 1))
    bad = bad_x | bad_t
    if bad.any():
        which = "input" if bad_x.reshape(-1)[np.argmax(bad.reshape(-1))] else "target"
        raise RuntimeError(f"all elements of {which} should be between 0 and 1")


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross entropy of sigmoid(input), computed stably from the logits.

    ``pos_weight`` (broadcast along the last dim, one per class) weighs the positive term:
    > 1 raises recall, < 1 raises precision.
    """
    api._check_tensor(input, "binary_cross_entropy_with_logits")
    api._check_tensor(target, "binary_cross_entropy_with_logits", "target", 2)
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({_size(target.shape)}) must be the same as input size "
            f"({_size(input.shape)})"
        )
    if pos_weight is not None:
        try:
            np.broadcast_shapes(pos_weight.shape, input.shape)
        except ValueError:
            raise RuntimeError(
                f"binary_cross_entropy_with_logits: pos_weight of shape "
                f"{tuple(pos_weight.shape)} does not broadcast against input of "
                f"shape {tuple(input.shape)} (one weight per class, last dim)"
            ) from None
        pos_weight = pos_weight.to(input.dtype)
    weight = _elementwise_weight(weight, input, "binary_cross_entropy_with_logits")
    return L.BinaryCrossEntropyWithLogits.apply(
        input, target.to(input.dtype), weight, pos_weight, reduction
    )


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """KL(target || exp(input)) pointwise: target (log target - input); input is log-probs.

    ``reduction='batchmean'`` (sum / batch size) is the mathematical KL divergence; 'mean'
    averages over every element (torch warns about that, and so do we).
    """
    _check_same_shape(input, target, "kl_div")
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    else:
        reduction = _reduction(reduction, allowed=_REDUCTIONS + ("batchmean",))
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the support "
                "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
                "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                "major release.",
                stacklevel=2,
            )
    loss = L.KlDivergence.apply(input, target.to(input.dtype), log_target)
    if reduction == "batchmean":
        total = api.sum(loss)
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- margin and likelihood losses
#
# torch composes most of these of differentiable ops (in ATen or in its functional); they are
# written here the same way, so values, NaNs and node names are those of torch's compositions.
# Unlike the losses above, torch neither warns nor refuses when their shapes broadcast, so
# neither do these.


def _broadcast_into(input: Tensor, other: Tensor, fn: str) -> None:
    """``other`` must broadcast to the input's shape without growing it (torch's in-place
    kernels write the loss into a tensor of the input's shape)."""
    try:
        shape = np.broadcast_shapes(input.shape, other.shape)
    except ValueError:
        raise broadcast_error(fn, tuple(input.shape), tuple(other.shape)) from None
    if shape != tuple(input.shape):
        raise RuntimeError(
            f"output with shape {list(input.shape)} doesn't match the broadcast shape {list(shape)}"
        )


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, -target (input1 - input2) + margin), reduced: target 1 ranks input1 higher,
    -1 input2."""
    reduction = _reduction(reduction, size_average, reduce)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} "
        )
    return _reduce(api.clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """input where target is 1, max(0, margin - input) where it is -1 (a distance and whether
    the pair is similar), reduced."""
    reduction = _reduction(reduction, size_average, reduce)
    zeros = creation.zeros_like(input)
    output_margin = api.where(target != 1, api.clamp_min(margin - input, 0), zeros)
    output_self = api.where(target != -1, input, zeros)
    return _reduce(output_margin + output_self, reduction)


def soft_margin_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """log(1 + exp(-target input)), reduced: the two-class logistic loss, target in {-1, 1}."""
    api._check_tensor(input, "soft_margin_loss")
    api._check_tensor(target, "soft_margin_loss", "target", 2)
    reduction = _reduction(reduction, size_average, reduce)
    _check_not_differentiable(target, "soft_margin_loss", "target")
    _broadcast_into(input, target, "soft_margin_loss")
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type {type_name(input)}"
        )
    return L.SoftMargin.apply(input, target._data, reduction)


def _check_not_differentiable(x: Tensor | None, fn: str, arg: str) -> None:
    """torch's kernels without a gradient for an argument refuse one that requires grad."""
    if x is not None and _state["grad"] and x.requires_grad:
        raise RuntimeError(
            f"The function '{fn}' is not differentiable with respect to argument '{arg}'. "
            "This input cannot have requires_grad True."
        )


_EPSILON = 1e-12  # torch's cosine_embedding_loss adds it to both squared norms


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """1 - cos(input1, input2) where target is 1, max(0, cos - margin) where it is -1, reduced.

    Shape:
        input1, input2 (N, D) with target (N,), or (D,) with a 0-D target.
    """
    reduction = _reduction(reduction, size_average, reduce)
    dim = target.ndim
    if dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.ndim != dim + 1 or input2.ndim != dim + 1:
        raise RuntimeError(
            f"{dim}D target tensor expects {dim + 1}D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    prod_sum = api.sum(input1 * input2, dim)
    mag_square1 = api.sum(input1 * input1, dim) + _EPSILON
    mag_square2 = api.sum(input2 * input2, dim) + _EPSILON
    cos = prod_sum / api.sqrt(mag_square1 * mag_square2)
    zeros = creation.zeros_like(cos)
    output_pos = api.where(target == 1, 1 - cos, zeros)
    output_neg = api.where(target == -1, api.clamp_min(cos - margin, 0), zeros)
    return _reduce(output_pos + output_neg, reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Per sample, the mean over the C classes (last dim) of the binary cross entropy of
    sigmoid(input) and the 0/1 target, each class times ``weight``; then reduced."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = api.sum(loss, class_dim) / input.shape[class_dim]  # one loss per sample
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def _check_margin_frames(input: Tensor) -> tuple[int, int]:
    """(frames, classes) of a margin loss's scores: () / (C,) one frame, (N, C) N; C > 0."""
    shape = tuple(input.shape)
    if not (len(shape) == 2 and shape[1] or len(shape) == 1 and shape[0] or not shape):
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(shape)}"
        )
    if len(shape) <= 1:
        return 1, shape[0] if shape else 1
    return shape


def _check_float_scores(input: Tensor, kernel: str) -> None:
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input)}'")


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss: per sample, sum over the classes d != y of
    max(0, margin - input[y] + input[d])^p / C, times weight[y]; then reduced.

    Shape:
        input (N, C) with target (N,) class indices, or (C,) with a 0-D or (1,) target.
    """
    api._check_tensor(input, "multi_margin_loss")
    api._check_tensor(target, "multi_margin_loss", "target", 2)
    reduction = _reduction(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    _check_not_differentiable(weight, "multi_margin_loss", "weight")
    frames, classes = _check_margin_frames(input)
    if target.ndim > 1 or target.numel() != frames:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{frames}], but got "
            f"{list(target.shape)}. Input has shape {list(input.shape)}."
        )
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(
            f"inconsistent weight size, expected {classes} but got {list(weight.shape)}"
        )
    if target._data.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {type_name(target)}")
    _check_float_scores(input, "multi_margin_loss_cpu_kernel")
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {type_name(input)} but found {type_name(weight)}")
    t = target._data
    if t.size and (t.min() < 0 or t.max() >= classes):
        raise RuntimeError("target out of range")
    return L.MultiMargin.apply(
        input, t, p, float(margin), None if weight is None else weight._data, reduction
    )


def multilabel_margin_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """Multi-label hinge loss: per sample, sum over its target classes j and its other classes
    d of max(0, 1 - input[j] + input[d]) / C; then reduced.

    ``target`` holds the sample's class indices first, padded with -1 (what follows the first
    -1 is not read): target [3, 0, -1, 1] means classes 3 and 0.

    Shape:
        input and target (N, C), or (C,).
    """
    api._check_tensor(input, "multilabel_margin_loss")
    api._check_tensor(target, "multilabel_margin_loss", "target", 2)
    reduction = _reduction(reduction, size_average, reduce)
    frames, classes = _check_margin_frames(input)
    ok = (
        target.ndim <= 1 and target.numel() == classes
        if input.ndim <= 1
        else tuple(target.shape) == (frames, classes)
    )
    if not ok:
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}"
        )
    if target._data.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {type_name(target)}")
    t = target._data
    if t.size and (t.min() < -1 or t.max() >= classes):
        raise RuntimeError("argument #2 'target' is out of range")
    _check_float_scores(input, "multilabel_margin_loss_forward_out_frame")
    return L.MultilabelMargin.apply(input, t, reduction)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim (x1 and x2 broadcast), torch's formula."""
    last = max(x1.ndim, x2.ndim) - 1
    # torch's is ATen's norm (NormBackward1), not the linalg.vector_norm that torch.norm calls
    return api._named(api.norm(x1 - x2 + eps, p, last, keepdim), "NormBackward1")


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """||x_i - x_j||_p for every pair of rows i < j of (N, M) input, in the order of the
    upper triangle: N (N - 1) / 2 distances."""
    api._check_tensor(input, "pdist")
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input._data.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    first, second = (
        Tensor._make(rows.astype(np.int64), False, None)
        for rows in np.triu_indices(input.shape[0], 1)
    )
    diff = api.index_select(input, 0, first) - api.index_select(input, 0, second)
    if p == 0:  # the count of differing entries, with torch's zero gradient (sign's)
        return api._named(api.sum(api.abs(api.sign(diff)), 1), "PdistBackward0")
    return api._named(api.norm(diff, p, 1), "PdistBackward0")


def _check_triplet_dims(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    a_dim, p_dim, n_dim = anchor.ndim, positive.ndim, negative.ndim
    if not (a_dim == p_dim and p_dim == n_dim):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {a_dim}D, positive {p_dim}D, and negative "
            f"{n_dim}D inputs"
        )


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin), d the p-norm ``pairwise_distance``, reduced.

    ``swap`` uses min(d(a, n), d(p, n)) as the negative distance (Balntas et al., 2016,
    "Learning local feature descriptors with triplets and shallow convolutional neural
    networks").
    """
    reduction = _reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return _triplet_margin(anchor, positive, negative, margin, p, eps, swap, reduction)


def _triplet_margin(anchor, positive, negative, margin, p, eps, swap, reduction) -> Tensor:
    _check_triplet_dims(anchor, positive, negative)
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = api.minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(api.clamp_min(margin + dist_pos - dist_neg, 0), reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function=None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with any distance function d (default
    ``pairwise_distance``), reduced; ``swap`` as in ``triplet_margin_loss``."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    distance = pairwise_distance if distance_function is None else distance_function
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    if swap:
        dist_neg = api.minimum(dist_neg, distance(positive, negative))
    return _reduce(api.clamp_min(margin + dist_pos - dist_neg, 0), reduction)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average=None,
    eps: float = 1e-8,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of a Poisson target: exp(input) - target input for a log-rate
    input (``log_input``), else input - target log(input + eps); ``full`` adds Stirling's
    approximation of log(target!), target log target - target + log(2 pi target) / 2, where
    target > 1. Reduced."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not a valid value for reduction")
    return _poisson_nll(input, target, log_input, full, eps, reduction)


def _poisson_nll(input, target, log_input, full, eps, reduction) -> Tensor:
    if log_input:
        loss = api.exp(input) - target * input
    else:
        loss = input - target * api.log(input + eps)
    if full:
        stirling = target * api.log(target) - target + 0.5 * api.log(2 * np.pi * target)
        loss = loss + api.masked_fill(stirling, target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of the target under N(input, var):
    (log max(var, eps) + (input - target)² / max(var, eps)) / 2, + log(2 pi) / 2 if ``full``.

    ``var`` is a float, the input's shape, or one dim short of it (or 1 in one dim): one
    variance shared along that dim. The clamp at eps is not differentiated (as torch's).
    """
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * creation.ones_like(input)
    elif not isinstance(var, Tensor):  # e.g. an int: torch's `torch.any(var < 0)` refuses it
        raise TypeError(
            f"any() received an invalid combination of arguments - got ({type(var < 0).__name__}"
            "), but expected one of: (Tensor input, *, Tensor out = None)"
        )
    elif api.any(var < 0).item():
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:  # one variance per row of the last dim
            var = api.unsqueeze(var, -1)
        elif not (  # one dim of size 1 to broadcast along
            input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1
        ):
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (api.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- utilities


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor of shape (*, num_classes): 1 at each index's class, 0 elsewhere.

    ``num_classes=-1`` infers it as max(tensor) + 1.
    """
    api._check_tensor(tensor, "one_hot", "tensor")
    idx = tensor._data
    if idx.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (idx[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._make(out, False, None)


def pad(
    input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: pad = (last_before, last_after, prev_before, ...).

    ``mode`` is 'constant' (with ``value``, default 0; negative amounts crop), 'reflect',
    'replicate' or 'circular'. Differentiable in every mode.

    Example:
        >>> F.pad(ff.ones(2, 3), (1, 1)).shape      # one column each side
        feedforward.Size([2, 5])
    """
    api._check_tensor(input, "pad")
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input "
            f"dimension but got padding length {len(pad)} and input of dimension "
            f"{input.ndim}"
        )
    widths = [(0, 0)] * input.ndim
    for k in range(len(pad) // 2):  # pairs count from the last dim backwards
        widths[input.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    if mode == "constant":
        for (b, a), n in zip(widths, input.shape):
            if n + b + a < 0:
                raise RuntimeError(
                    f"pad: padding {pad} would give a negative size for input of "
                    f"shape {tuple(input.shape)}"
                )
        return X.ConstantPad.apply(input, tuple(widths), 0.0 if value is None else value)
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument.')
    sources = [
        _pad_sources(n, b, a, mode, pad, input.shape) if (b or a) else None
        for (b, a), n in zip(widths, input.shape)
    ]
    dims = len(pad) // 2
    name = {"reflect": f"ReflectionPad{dims}D", "replicate": f"ReplicationPad{dims}D"}
    return X.IndexPad.apply(input, sources, name.get(mode, "CopySlices"))  # circular: copies


def _pad_sources(n: int, before: int, after: int, mode: str, pad, shape) -> np.ndarray:
    """Which input position each output position copies, along one padded dim of size n."""
    pos = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(pos, 0, n - 1)
    if mode == "circular":
        if before > n or after > n:
            raise RuntimeError(
                f"pad: circular padding {pad} is larger than the dim (size {n}) "
                f"of input of shape {tuple(shape)}"
            )
        return pos % n
    if mode == "reflect":
        if before >= n or after >= n:
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding "
                f"input dimension, but got: padding ({before}, {after}) at "
                f"dimension of size {n}, input of shape {tuple(shape)}"
            )
        period = 2 * (n - 1) if n > 1 else 1
        pos = np.abs(pos) % period
        return np.where(pos >= n, period - pos, pos)
    raise NotImplementedError(
        f"pad: unsupported mode {mode!r}: use 'constant', 'reflect', 'replicate' or 'circular'"
    )


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up rows of ``weight``: out[..., :] = weight[input[...], :].

    The gradient of a row used several times is the sum of its uses; ``padding_idx``'s row gets
    none. ``max_norm`` first rescales (in place) the looked-up rows whose norm exceeds it.

    Shape:
        input (*) integer indices, weight (num_embeddings, embedding_dim), output (*, dim).
    """
    api._check_tensor(input, "embedding")
    api._check_tensor(weight, "embedding", "weight", 2)
    if input._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got feedforward.{type_name(input)}Tensor instead (while "
            "checking arguments for embedding)"
        )
    if weight.ndim != 2:
        raise RuntimeError(
            f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got "
            f"shape {tuple(weight.shape)}"
        )
    if sparse:
        raise NotImplementedError(
            "embedding: sparse gradients are not supported; use "
            "sparse=False (the dense gradient is exact)"
        )
    rows = weight.shape[0]
    idx = input._data
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        raise IndexError("index out of range in self")
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= rows
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    return X.Embedding.apply(weight, idx, padding_idx, scale_grad_by_freq)


def _embedding_renorm(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float):
    """Rescale (in place, outside autograd) the used rows whose norm exceeds ``max_norm``."""
    used = np.unique(idx)
    rows = weight._data[used]
    norms = np.linalg.norm(rows, ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    weight._data[used] = rows * scale[:, None].astype(rows.dtype)
    weight._version.value += 1
