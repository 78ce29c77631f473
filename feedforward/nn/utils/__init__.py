"""Utilities for training modules: gradient clipping, parameter/vector conversion and
parametrizations."""

from feedforward.nn.utils import parametrizations, parametrize
from feedforward.nn.utils.clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from feedforward.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from feedforward.nn.utils.spectral_norm import remove_spectral_norm, spectral_norm
from feedforward.nn.utils.weight_norm import remove_weight_norm, weight_norm

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "parametrizations",
    "parametrize",
    "remove_spectral_norm",
    "remove_weight_norm",
    "spectral_norm",
    "vector_to_parameters",
    "weight_norm",
]
