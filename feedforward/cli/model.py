"""The multilayer perceptron ``feedforward train`` builds, and its description in ``model.json``.

An MLP is ``[Linear -> (BatchNorm1d) -> activation -> (Dropout)] * hidden layers -> Linear``, an
``nn.Sequential`` whose state_dict keys are the ones torch gives the same Sequential. A regression
model ends in :class:`Rescale`, which maps the network's standardised output back to the target's
units, so the model predicts in the data's units and the net itself sees targets of unit scale.
"""

from __future__ import annotations

from typing import Any

import feedforward as ff
from feedforward import nn

__all__ = ["Rescale", "build_mlp", "architecture", "count_parameters"]

_ACTIVATIONS = {
    "relu": "ReLU",
    "leaky-relu": "LeakyReLU",
    "elu": "ELU",
    "selu": "SELU",
    "gelu": "GELU",
    "silu": "SiLU",
    "mish": "Mish",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "softplus": "Softplus",
}
# The gain nn.init uses for each activation; SELU wants LeCun's (gain 1) initialisation, and the
# smooth ReLU variants are close enough to ReLU for its gain.
_GAINS = {
    "relu": "relu",
    "leaky-relu": "leaky_relu",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "selu": "linear",
}


class Rescale(nn.Module):
    """``y = x * scale + shift``, with fixed (non-trainable) scale and shift.

    Args:
        scale, shift: the target's standard deviation and mean on the training set.
    """

    def __init__(self, scale: float = 1.0, shift: float = 0.0) -> None:
        super().__init__()
        self.register_buffer("scale", ff.tensor(float(scale)))
        self.register_buffer("shift", ff.tensor(float(shift)))

    def forward(self, x: ff.Tensor) -> ff.Tensor:
        return x * self.scale + self.shift

    def extra_repr(self) -> str:
        return f"scale={self.scale.item():.6g}, shift={self.shift.item():.6g}"


def architecture(
    in_features: int,
    out_features: int,
    options: dict[str, Any],
    target_scale: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """The JSON description :func:`build_mlp` rebuilds a model from.

    Args:
        in_features, out_features: sizes of the input and output layers.
        options: the run's options (``hidden``, ``activation``, ``dropout``, ``batchnorm``,
            ``init``).
        target_scale: ``(std, mean)`` of a regression target, for a final :class:`Rescale`.
    """
    arch = {
        "kind": "mlp",
        "in_features": int(in_features),
        "hidden": [int(h) for h in options["hidden"]],
        "out_features": int(out_features),
        "activation": options["activation"],
        "dropout": float(options["dropout"]),
        "batchnorm": bool(options["batchnorm"]),
        "init": options["init"],
    }
    if target_scale is not None:
        arch["rescale"] = [float(target_scale[0]), float(target_scale[1])]
    return arch


def build_mlp(arch: dict[str, Any], generator: ff.Generator | None = None) -> nn.Sequential:
    """An ``nn.Sequential`` MLP from an :func:`architecture` description.

    Example:
        >>> arch = architecture(64, 10, {"hidden": [32], "activation": "relu", "dropout": 0.0,
        ...                              "batchnorm": False, "init": "kaiming"})
        >>> build_mlp(arch)
        Sequential(
          (0): Linear(in_features=64, out_features=32, bias=True)
          (1): ReLU()
          (2): Linear(in_features=32, out_features=10, bias=True)
        )
    """
    if arch.get("kind") != "mlp":
        raise ValueError(f"unknown model kind {arch.get('kind')!r}; this version builds 'mlp'")
    activation = arch["activation"]
    if activation not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}")
    layers: list[nn.Module] = []
    width = arch["in_features"]
    for size in arch["hidden"]:
        linear = nn.Linear(width, size)
        _init(linear, arch["init"], _GAINS.get(activation, "relu"), generator)
        layers.append(linear)
        if arch["batchnorm"]:
            layers.append(nn.BatchNorm1d(size))
        layers.append(getattr(nn, _ACTIVATIONS[activation])())
        if arch["dropout"] > 0:
            layers.append(nn.Dropout(arch["dropout"]))
        width = size
    head = nn.Linear(width, arch["out_features"])
    _init(head, arch["init"], "linear", generator)
    layers.append(head)
    if "rescale" in arch:
        layers.append(Rescale(*arch["rescale"]))
    return nn.Sequential(*layers)


def _init(
    linear: nn.Linear, scheme: str, nonlinearity: str, generator: ff.Generator | None
) -> None:
    """Kaiming (He) or Xavier (Glorot) weights with zero biases; ``default`` keeps Linear's own."""
    if scheme == "default":
        return
    if scheme == "kaiming":
        nn.init.kaiming_normal_(linear.weight, nonlinearity=nonlinearity, generator=generator)
    elif scheme == "xavier":
        gain = nn.init.calculate_gain(nonlinearity)
        nn.init.xavier_uniform_(linear.weight, gain=gain, generator=generator)
    else:
        raise ValueError(f"unknown init {scheme!r}; choose from kaiming, xavier, default")
    nn.init.zeros_(linear.bias)


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """``(total, trainable)`` numbers of parameter elements."""
    total = trainable = 0
    for p in model.parameters():
        total += p.numel()
        trainable += p.numel() if p.requires_grad else 0
    return total, trainable
