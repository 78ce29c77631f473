"""Samplers: the order in which a DataLoader visits a dataset's indices.

Same classes, signatures and errors as ``torch.utils.data.sampler``. The random samplers draw from
their ``generator`` (the default generator when None) and draw the whole epoch's order as soon as
``iter(sampler)`` is called, not lazily while iterating: the order of an epoch then depends only
on the generator's state when the epoch starts, which is what lets ``DataLoader.state_dict`` resume
an epoch in the middle.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Generic, TypeVar

import numpy as np

from feedforward._dtype import float64
from feedforward.creation import as_tensor, multinomial
from feedforward.random import Generator, _generator

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class: subclasses implement ``__iter__`` (indices, or lists of indices for batch
    samplers) and usually ``__len__``.

    A random subclass that should resume exactly from ``DataLoader.state_dict`` draws from
    ``self.generator`` when ``__iter__`` is called (not lazily inside a generator function).
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError

    # No default __len__: list(sampler) must be able to fall back on __iter__ (as in torch).


class SequentialSampler(Sampler[int]):
    """``0, 1, ..., len(data_source) - 1``, always in that order.

    Args:
        data_source: the dataset (anything with ``__len__``).
    """

    data_source: Sized

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """The indices in random order: a fresh permutation every epoch, or with replacement.

    Args:
        data_source: the dataset (anything with ``__len__``).
        replacement: draw each index independently (with repeats) instead of a permutation.
        num_samples: how many indices per epoch (default ``len(data_source)``); without
            replacement, more than ``len(data_source)`` chains several permutations.
        generator: the source of randomness (the default generator when None).
    """

    data_source: Sized
    replacement: bool

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={self.replacement}"
            )
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                "num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        # the dataset may grow or shrink after the sampler is made
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _order(self) -> np.ndarray:
        n, k = len(self.data_source), self.num_samples
        rng = _generator(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=k, dtype=np.int64)
        perms = [rng.permutation(n) for _ in range(k // n)]
        perms.append(rng.permutation(n)[: k % n])
        return np.concatenate(perms)

    def __iter__(self) -> Iterator[int]:
        return iter(self._order().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices, in a random order each epoch (without replacement).

    Args:
        indices: the indices to sample from.
        generator: the source of randomness (the default generator when None).
    """

    indices: Sequence[int]

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _order(self) -> np.ndarray:
        perm = _generator(self.generator).permutation(len(self.indices))
        return np.asarray([int(self.indices[i]) for i in perm], dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        perm = _generator(self.generator).permutation(len(self.indices)).tolist()
        return iter([self.indices[i] for i in perm])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """Indices ``0 .. len(weights) - 1`` drawn with probabilities proportional to ``weights``.

    Args:
        weights: non-negative weights, one per index (need not sum to one).
        num_samples: how many indices per epoch.
        replacement: if False, an index is drawn at most once per epoch.
        generator: the source of randomness (the default generator when None).

    Example:
        >>> list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5))  # random
        [4, 4, 1, 4, 5]
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: Generator | None = None,
    ) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        weights_tensor = as_tensor(weights, dtype=float64)
        if len(weights_tensor.shape) != 1:
            raise ValueError(
                "weights should be a 1d sequence but given "
                f"weights have shape {tuple(weights_tensor.shape)}"
            )
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _order(self) -> np.ndarray:
        g = self.generator
        drawn = multinomial(self.weights, self.num_samples, self.replacement, generator=g)
        return drawn._data.astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[int]:
        return iter(self._order().tolist())

    def __len__(self) -> int:
        return self.num_samples


# Samplers whose whole epoch is one NumPy array (None: 0..n-1 in order); BatchSampler slices it.
_ARRAY_SAMPLERS = (SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler)


class BatchSampler(Sampler[list[int]]):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: the source of indices (a Sampler or any iterable).
        batch_size: indices per batch.
        drop_last: drop the last batch if it is smaller than ``batch_size``.

    Example:
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        # iter(sampler) now, not on the first next(): the epoch's order is drawn at iter() time
        return self._batches(iter(self.sampler))

    def _batches(self, sampler_iter: Iterator[int]) -> Iterator[list[int]]:
        while batch := list(itertools.islice(sampler_iter, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def _index_batches(self) -> Iterator[np.ndarray | slice]:
        """The same batches as ``iter(self)``, as NumPy index arrays, or as slices when the
        sampler is sequential: what the DataLoader's whole-array batching indexes with."""
        if type(self.sampler) not in _ARRAY_SAMPLERS:
            return (np.asarray(b, dtype=np.intp) for b in iter(self))
        if type(self.sampler) is SequentialSampler:
            n = len(self.sampler)
            order = None
        else:
            order = self.sampler._order()
            n = len(order)
        stop = n - n % self.batch_size if self.drop_last else n
        starts = range(0, stop, self.batch_size)
        if order is None:
            return (slice(s, min(s + self.batch_size, n)) for s in starts)
        return (order[s : s + self.batch_size] for s in starts)

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
