"""Reverse-mode automatic differentiation: the graph nodes (Function), the engine, grad modes."""

from feedforward.autograd.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from feedforward.autograd.engine import backward, grad
from feedforward.autograd.function import Function, FunctionCtx
from feedforward.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from feedforward.autograd.gradcheck import gradcheck

__all__ = [
    "Function",
    "FunctionCtx",
    "backward",
    "grad",
    "gradcheck",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "no_grad",
    "enable_grad",
    "inference_mode",
    "set_grad_enabled",
    "is_grad_enabled",
]


def __getattr__(name: str):
    # autograd.functional needs tensors and creation ops, which import this package: it loads
    # on first use
    if name == "functional":
        import importlib

        return importlib.import_module("feedforward.autograd.functional")
    raise AttributeError(f"module 'feedforward.autograd' has no attribute {name!r}")
