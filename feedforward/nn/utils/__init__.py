"""Utilities for training modules: gradient clipping, parameter/vector conversion,
parametrizations (weight, spectral and orthogonal), batch-norm fusion and functional calls."""

from feedforward.nn.utils import fusion, parametrizations, parametrize, stateless
from feedforward.nn.utils.clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from feedforward.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from feedforward.nn.utils.fusion import fuse_linear_bn_eval, fuse_linear_bn_weights
from feedforward.nn.utils.init import skip_init
from feedforward.nn.utils.spectral_norm import remove_spectral_norm, spectral_norm
from feedforward.nn.utils.weight_norm import remove_weight_norm, weight_norm

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
    "get_total_norm",
    "parameters_to_vector",
    "parametrizations",
    "parametrize",
    "remove_spectral_norm",
    "remove_weight_norm",
    "skip_init",
    "spectral_norm",
    "stateless",
    "vector_to_parameters",
    "weight_norm",
]
