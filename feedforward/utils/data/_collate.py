"""Collation: turning a list of samples into a batch (``default_collate``) as torch does.

``collate`` walks the structure of the first sample: tensors are stacked along a new first
dimension, NumPy arrays and numbers become tensors, strings stay a list, and dicts, namedtuples,
tuples and lists are collated field by field. ``default_collate_fn_map`` maps element types to the
function that collates them; add an entry to teach ``default_collate`` a new type.
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable

import numpy as np

from feedforward._dtype import float64
from feedforward.creation import as_tensor, tensor
from feedforward.ops.api import stack
from feedforward.tensor import Tensor

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map"]

# NumPy dtype codes of bytes, str and object arrays, which cannot become tensors
np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)

CollateFnMap = dict[type | tuple[type, ...], Callable]


def default_convert(data):
    """Turn every NumPy array (and NumPy scalar) inside ``data`` into a tensor, keeping the rest.

    What the DataLoader applies to each sample when batching is off (``batch_size=None``).
    """
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if isinstance(data, np.ndarray) and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # a list, as torch does
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, str | bytes):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def _rebuild_mapping(elem, values: dict):
    """A mapping of ``elem``'s type holding ``values`` (a plain dict if the type can't be built)."""
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(values)
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def _rebuild_sequence(elem, values: list):
    """A sequence of ``elem``'s type holding ``values`` (a list if the type can't be built)."""
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def collate(batch, *, collate_fn_map: CollateFnMap | None = None):
    """Collate ``batch`` (a list of samples with the same structure) into one batch.

    Args:
        batch: the samples.
        collate_fn_map: element type -> function ``f(batch, *, collate_fn_map)`` collating a list of
            such elements. The exact type is looked up first, then each key with ``isinstance``
            in the map's order.
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type, fn in collate_fn_map.items():
            if isinstance(elem, collate_type):
                return fn(batch, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        values = {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map) for k in elem}
        return _rebuild_mapping(elem, values)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        # each field is a tuple, as in torch (so a field of strings collates to a tuple)
        fields = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return fields  # a list, as torch does
        return _rebuild_sequence(elem, fields)
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map: CollateFnMap | None = None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    # np.array keeps the scalars' dtype (np.float64 stays float64, like torch.as_tensor)
    return as_tensor(np.array(batch))


def collate_float_fn(batch, *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    return tensor(batch, dtype=float64)  # Python floats are doubles: float64, as in torch


def collate_int_fn(batch, *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    return tensor(batch)  # int64 (bool for bools)


def collate_str_fn(batch, *, collate_fn_map: CollateFnMap | None = None):
    return batch


default_collate_fn_map: CollateFnMap = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Stack a list of samples into a batch with a new first dimension, as torch does.

    ==========================  ==============================================================
    element of the batch        result
    ==========================  ==============================================================
    Tensor                      ``ff.stack(batch)``
    NumPy array                 tensors, stacked
    NumPy scalar                a 1-d tensor of its dtype
    float                       a float64 tensor
    int / bool                  an int64 / bool tensor
    str / bytes                 the list, unchanged
    dict (Mapping)              same keys, each collated
    namedtuple                  same type, each field collated
    tuple / list (Sequence)     a list (tuple) or the same type (list), each position collated
    ==========================  ==============================================================

    Example:
        >>> default_collate([(ff.tensor([1.0]), 0), (ff.tensor([2.0]), 1)])
        [tensor([[1.],
                [2.]]), tensor([0, 1])]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
