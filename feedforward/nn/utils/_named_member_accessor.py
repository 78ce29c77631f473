"""Swap a module's parameters and buffers by dotted name (``"0.weight"``), for
``functional_call``: the tensors are put into the tables as they are, Parameters or not."""

from __future__ import annotations

from collections.abc import Iterable

from feedforward.nn.module import Module
from feedforward.tensor import Tensor

_MISSING = object()  # swapped in: the name did not exist and is removed again


def swap_tensor(module: Module, name: str, tensor, allow_missing: bool = False):
    """Put ``tensor`` at ``module.<name>`` and return what was there."""
    if not isinstance(module, Module):
        raise TypeError(f"{module} is not an instance of feedforward.nn.Module")
    if tensor is not _MISSING and not isinstance(tensor, Tensor) and tensor is not None:
        raise TypeError(f"{tensor} is not an instance of feedforward.Tensor")
    if "." in name:
        raise KeyError('tensor name can\'t contain "."')
    if name == "":
        raise KeyError('tensor name can\'t be empty string ""')
    for table in (module._parameters, module._buffers):
        if name in table:
            orig_tensor = table[name]
            if tensor is not _MISSING:
                table[name] = tensor
            else:
                del table[name]
            return orig_tensor
    if hasattr(module, name):
        orig_tensor = getattr(module, name)
    else:
        if not allow_missing:
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        orig_tensor = _MISSING
    if (
        orig_tensor is not _MISSING
        and not isinstance(orig_tensor, Tensor)
        and orig_tensor is not None
    ):
        raise TypeError(
            f"attribute `{name}`: {orig_tensor} is not an instance of feedforward.Tensor"
        )
    if tensor is not _MISSING:
        setattr(module, name, tensor)
    elif hasattr(module, name):
        delattr(module, name)
    return orig_tensor


class NamedMemberAccessor:
    """Get and swap the tensors of ``module``'s tree by dotted name (submodules memoised)."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self.memo: dict[str, Module] = {}

    def get_submodule(self, name: str) -> Module:
        if not name:
            return self.module
        if name in self.memo:
            return self.memo[name]
        prefix, dot, attr = name.rpartition(".")
        module = self.get_submodule(prefix) if dot else self.module
        try:
            submodule = getattr(module, attr)
        except AttributeError as ex:
            raise AttributeError(f"{module._get_name()} has no attribute `{attr}`") from ex
        if not isinstance(submodule, Module):
            raise TypeError(
                f"submodule `{name}`: {submodule} is not an instance of feedforward.nn.Module"
            )
        self.memo[name] = submodule
        return submodule

    def swap_tensor(self, name: str, value, allow_missing: bool = False):
        prefix, _, attr = name.rpartition(".")
        return swap_tensor(self.get_submodule(prefix), attr, value, allow_missing=allow_missing)

    def swap_tensors_dict(
        self, named_tensors: dict, allow_missing: bool = False
    ) -> tuple[dict, list[str]]:
        """Swap every entry in; on an error, every swapped one back. Returns the originals."""
        orig_named_tensors = {}
        missing_keys = []
        try:
            for name, tensor in named_tensors.items():
                orig_tensor = self.swap_tensor(name, tensor, allow_missing=True)
                if orig_tensor is _MISSING:
                    missing_keys.append(name)
                orig_named_tensors[name] = orig_tensor
        except Exception:
            for name, orig_tensor in orig_named_tensors.items():
                self.swap_tensor(name, orig_tensor, allow_missing=True)
            raise
        if missing_keys and not allow_missing:
            for name, orig_tensor in orig_named_tensors.items():
                self.swap_tensor(name, orig_tensor, allow_missing=True)
            raise RuntimeError(f"Missing key(s): {', '.join(map(repr, missing_keys))}.")
        return orig_named_tensors, missing_keys

    def check_keys(self, keys: Iterable[str]) -> tuple[list[str], list[str]]:
        """The module's tensor names missing from ``keys``, and the keys it has no tensor for."""
        keys = set(keys)
        valid_keys = {name for name, _ in self.module.named_parameters(remove_duplicate=False)}
        valid_keys |= {name for name, _ in self.module.named_buffers(remove_duplicate=False)}
        return sorted(valid_keys - keys), sorted(keys - valid_keys)
