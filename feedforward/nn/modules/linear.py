"""``Linear`` (y = x Wᵀ + b), ``Bilinear`` (y = x1ᵀ A x2 + b) and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

from feedforward import creation
from feedforward.nn import functional as F
from feedforward.nn import init
from feedforward.nn.module import Module
from feedforward.nn.parameter import Parameter
from feedforward.tensor import Tensor

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored.

    Handy as a placeholder, e.g. to remove a layer: ``model.head = nn.Identity()``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """A fully connected layer: ``y = x Wᵀ + b``.

    Args:
        in_features: size of each input sample (the last dimension of the input).
        out_features: size of each output sample.
        bias: whether to learn an additive bias. Default: True.
        device: only ``None`` or ``'cpu'``.
        dtype: parameter dtype (default: the default float dtype, float32).

    Shape:
        - Input: ``(*, in_features)``, any number of leading dimensions.
        - Output: ``(*, out_features)``.

    Attributes:
        weight: ``(out_features, in_features)``, initialised U(-1/sqrt(in_features),
            1/sqrt(in_features)) (``kaiming_uniform_`` with ``a=sqrt(5)``, as torch).
        bias: ``(out_features,)``, initialised U(-1/sqrt(in_features), 1/sqrt(in_features)).

    Example:
        >>> fc = nn.Linear(784, 10)
        >>> fc(ff.randn(64, 784)).shape
        feedforward.Size([64, 10])
    """

    in_features: int
    out_features: int

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(
            creation.empty((out_features, in_features), device=device, dtype=dtype)
        )
        if bias:
            self.bias = Parameter(creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the weights as torch does: kaiming_uniform_(a=sqrt(5)), then the bias from
        U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        if isinstance(input, Tensor):
            shape = input._data.shape
            if not shape or shape[-1] != self.in_features:
                raise RuntimeError(
                    f"{self!r} expected input (..., {self.in_features}), got {tuple(shape)}"
                )
        # self.weight and self.bias, read from the table Module keeps them in: each attribute
        # lookup through Module.__getattr__ costs ~0.5 us, and this runs for every layer and step
        params = self._parameters
        try:
            weight, bias = params["weight"], params["bias"]
        except KeyError:  # a parametrized weight or bias: a property of the module's class
            weight, bias = self.weight, self.bias
        return F.linear(input, weight, bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Bilinear(Module):
    """y_k = x1ᵀ A_k x2 + b_k: one bilinear form per output feature.

    Args:
        in1_features, in2_features: sizes of the last dims of the two inputs.
        out_features: size of each output sample.
        bias: whether to learn an additive bias. Default: True.

    Shape:
        input1 (*, in1_features) and input2 (*, in2_features) with the same leading dims,
        output (*, out_features).

    Attributes:
        weight: ``(out_features, in1_features, in2_features)``, and bias ``(out_features,)``,
            both initialised U(-1/sqrt(in1_features), 1/sqrt(in1_features)) as torch.
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(
            creation.empty((out_features, in1_features, in2_features), device=device, dtype=dtype)
        )
        if bias:
            self.bias = Parameter(creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
