"""``DataLoader``: batches from a dataset in the order a sampler gives, with torch's signature.

Differences from torch, all deliberate:

* Everything runs in the calling process. ``num_workers > 0`` is accepted (and checked the same
  way) but loads the data in-process, exactly as ``num_workers=0`` does: there are no worker
  processes, so ``worker_init_fn`` is never called, ``get_worker_info()`` is always None and
  ``timeout``, ``prefetch_factor``, ``persistent_workers``, ``multiprocessing_context``,
  ``pin_memory`` and ``in_order`` change nothing.
* Whole-array batching: when the dataset is a ``TensorDataset`` (or a ``Subset`` of one) and the
  collate function is the default, a batch is made by indexing each whole tensor with the batch's
  indices (a slice when unshuffled) instead of collating the samples one by one. The batches are
  identical to the sample-by-sample ones (new arrays, never views of the dataset).
* ``state_dict()`` / ``load_state_dict()`` (as in torchdata's ``StatefulDataLoader``) save the
  position inside the current epoch so that training can resume in the middle of an epoch.
"""

from __future__ import annotations

import math
import multiprocessing
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from feedforward.random import Generator, default_generator
from feedforward.tensor import Tensor
from feedforward.utils.data._collate import default_collate, default_convert
from feedforward.utils.data.dataset import Dataset, IterableDataset, Subset, TensorDataset
from feedforward.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
)

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]

T_co = TypeVar("T_co", covariant=True)

_STATE_VERSION = 1
# set once in __init__: changing them would leave the samplers built from them out of date
_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class _DatasetKind:
    Map = 0
    Iterable = 1


class _InfiniteConstantSampler(Sampler):
    """``None`` forever: the sampler of an iterable-style dataset, which picks its own order."""

    def __iter__(self):
        while True:
            yield None


def get_worker_info() -> None:
    """Always None: feedforward loads data in the main process, never in worker processes."""
    return None


class DataLoader(Generic[T_co]):
    """Iterate over a dataset in batches.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``) or an ``IterableDataset``.
        batch_size: samples per batch; None turns batching off (each sample comes alone, with
            NumPy arrays turned into tensors).
        shuffle: a new random order every epoch (drawn from ``generator``).
        sampler: the order of the indices (any iterable of indices); excludes ``shuffle``.
        batch_sampler: yields whole lists of indices; excludes ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``.
        num_workers: accepted for compatibility; loading always happens in-process.
        collate_fn: turns a list of samples into a batch (default: ``default_collate``).
        pin_memory: no effect (there is no GPU); warns like torch without an accelerator.
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        timeout: must be non-negative; no effect (no workers to wait for).
        worker_init_fn: accepted; never called (no worker processes).
        multiprocessing_context: accepted with ``num_workers > 0``; no effect.
        generator: the source of the shuffle order (the default generator when None, so
            ``ff.manual_seed`` makes the order reproducible).
        prefetch_factor, persistent_workers, pin_memory_device, in_order: accepted; no effect.

    Example:
        >>> ds = TensorDataset(ff.randn(100, 3), ff.arange(100))
        >>> for x, y in DataLoader(ds, batch_size=32, shuffle=True):
        ...     pass
    """

    dataset: Dataset[T_co]
    batch_size: int | None
    num_workers: int
    pin_memory: bool
    drop_last: bool
    timeout: float
    sampler: Sampler | Iterable
    prefetch_factor: int | None
    __initialized = False

    def __init__(
        self,
        dataset: Dataset[T_co],
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler[list] | Iterable[list] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context=None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        prefetch_factor = _check_worker_options(
            num_workers, timeout, prefetch_factor, persistent_workers, multiprocessing_context
        )
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            _check_iterable_options(shuffle, sampler, batch_sampler)
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive "
                    "with batch_size, shuffle, sampler, and "
                    "drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching "
                "and is mutually exclusive with drop_last"
            )

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._iterator: _DataLoaderIter | None = None
        self._resume: tuple[Tensor | None, int] | None = None  # set by load_state_dict
        self.__initialized = True

    def __setattr__(self, attr: str, val) -> None:
        if self.__initialized and attr in _FROZEN:
            raise ValueError(
                f"{attr} attribute should not be set after {self.__class__.__name__} is initialized"
            )
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._dataset_kind == _DatasetKind.Iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                length = (
                    length // self.batch_size
                    if self.drop_last
                    else math.ceil(length / self.batch_size)
                )
            return length
        return len(self._index_sampler)

    def __iter__(self) -> _DataLoaderIter:
        resume, self._resume = self._resume, None
        rng = self._shuffle_generator()
        if resume is None:
            epoch_state = rng.get_state() if rng is not None else None
            it = _DataLoaderIter(self)
        else:
            epoch_state, skip = resume
            it = self._replay(rng, epoch_state, skip)
        it._epoch_state = epoch_state
        self._iterator = it
        return it

    def _replay(self, rng: Generator | None, epoch_state: Tensor | None, skip: int):
        """An iterator over the epoch that started with ``rng`` in ``epoch_state``, past its first
        ``skip`` batches. ``rng`` is left as it was: load_state_dict already restored it."""
        if rng is None:
            it = _DataLoaderIter(self)
            it._skip(skip)
            return it
        now = rng.get_state()
        rng.set_state(epoch_state)
        try:
            it = _DataLoaderIter(self)
            it._skip(skip)
        finally:
            rng.set_state(now)
        return it

    def _shuffle_generator(self) -> Generator | None:
        """The generator the index order is drawn from, or None when the order is not random."""
        if self._dataset_kind == _DatasetKind.Iterable:
            return None
        samplers = (self.batch_sampler, getattr(self.batch_sampler, "sampler", None), self.sampler)
        for s in samplers:
            g = getattr(s, "generator", None)
            if isinstance(g, Generator):
                return g
        if type(self._index_sampler) is BatchSampler:
            inner = self._index_sampler.sampler
        else:
            inner = self._index_sampler
        if type(inner) is SequentialSampler:
            return None
        return self.generator or default_generator

    # ------------------------------------------------------------------ checkpointing

    def state_dict(self) -> dict[str, Any]:
        """Where this loader is: enough to resume the current epoch in a new DataLoader.

        The state holds only ints, bools and uint8 tensors, so it can go into an ``ff.save``
        checkpoint:

        * ``batches_yielded``: batches of the current epoch already returned;
        * ``epoch_in_progress``: False between epochs (the last iterator ran out, or none began);
        * ``generator_state``: the shuffle generator's state now (absent if the order is fixed);
        * ``epoch_generator_state``: its state when the current epoch began, from which the
          epoch's order is drawn again on resume (absent between epochs or if the order is fixed).

        When the loader has no ``generator``, the shuffle generator is the default generator, so
        ``load_state_dict`` restores the default generator's state.
        """
        rng = self._shuffle_generator()
        position = self._position()
        state: dict[str, Any] = {
            "version": _STATE_VERSION,
            "batches_yielded": 0 if position is None else position[1],
            "epoch_in_progress": position is not None,
        }
        if rng is not None:
            state["generator_state"] = rng.get_state()
            if position is not None:
                state["epoch_generator_state"] = position[0]
        return state

    def _position(self) -> tuple[Tensor | None, int] | None:
        """(shuffle generator state at the epoch's start, batches yielded) of the epoch in
        progress, or None between epochs."""
        if self._resume is not None:
            return self._resume
        it = self._iterator
        if it is not None and not it._exhausted:
            return it._epoch_state, it._num_yielded
        return None

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume from ``state_dict()`` of a loader over the same dataset with the same options.

        The next ``iter(loader)`` yields the batches the saved epoch had left; the epochs after it
        are those an uninterrupted loader would give (when nothing else draws from the shuffle
        generator in between). The shuffle generator's state is restored now.
        """
        state = _checked_state(state_dict)
        rng = self._shuffle_generator()
        has_rng = "generator_state" in state
        if has_rng != (rng is not None):
            kind = "a random" if has_rng else "a fixed"
            raise ValueError(
                f"DataLoader.load_state_dict: the state was saved by a loader with {kind} order, "
                f"but this loader's order is {'random' if rng is not None else 'fixed'}"
            )
        done = state["batches_yielded"]
        if self._has_len() and done > len(self):
            raise ValueError(
                f"DataLoader.load_state_dict: batches_yielded={done} is more than the "
                f"{len(self)} batches of an epoch of this loader"
            )
        if rng is not None:
            rng.set_state(state["generator_state"])
        if state["epoch_in_progress"]:
            self._resume = (state.get("epoch_generator_state"), done)
        else:
            self._resume = None
        self._iterator = None

    def _has_len(self) -> bool:
        try:
            len(self)
        except TypeError:
            return False
        return True


def _checked_state(state) -> dict[str, Any]:
    name = "DataLoader.load_state_dict"
    if not isinstance(state, dict):
        raise TypeError(
            f"{name}: expected a dict from DataLoader.state_dict(), got {type(state).__name__}"
        )
    for key in ("batches_yielded", "epoch_in_progress"):
        if key not in state:
            raise ValueError(f"{name}: the state has no {key!r} (keys: {sorted(state)})")
    done = state["batches_yielded"]
    if isinstance(done, bool) or not isinstance(done, int | np.integer) or done < 0:
        raise ValueError(f"{name}: batches_yielded must be a non-negative int, got {done!r}")
    state = dict(
        state, batches_yielded=int(done), epoch_in_progress=bool(state["epoch_in_progress"])
    )
    if (
        state["epoch_in_progress"]
        and "generator_state" in state
        and "epoch_generator_state" not in state
    ):
        raise ValueError(f"{name}: an epoch in progress needs 'epoch_generator_state'")
    return state


def _check_worker_options(
    num_workers, timeout, prefetch_factor, persistent_workers, multiprocessing_context
) -> int | None:
    """torch's checks of the multiprocessing options; returns the effective prefetch_factor."""
    if num_workers < 0:
        raise ValueError(
            "num_workers option should be non-negative; "
            "use num_workers=0 to disable multiprocessing."
        )
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing."
            "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
        )
    if num_workers > 0 and prefetch_factor is None:
        prefetch_factor = 2
    elif prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if multiprocessing_context is not None:
        if num_workers == 0:
            raise ValueError(
                "multiprocessing_context can only be used with "
                "multi-process loading (num_workers > 0), but got "
                f"num_workers={num_workers}"
            )
        methods = multiprocessing.get_all_start_methods()
        if isinstance(multiprocessing_context, str):
            if multiprocessing_context not in methods:
                raise ValueError(
                    "multiprocessing_context option "
                    f"should specify a valid start method in {methods!r}, but got "
                    f"multiprocessing_context={multiprocessing_context!r}"
                )
        elif not isinstance(multiprocessing_context, multiprocessing.context.BaseContext):
            raise TypeError(
                "multiprocessing_context option should be a valid context "
                "object or a string specifying the start method, but got "
                f"multiprocessing_context={multiprocessing_context}"
            )
    return prefetch_factor


def _check_iterable_options(shuffle, sampler, batch_sampler) -> None:
    if shuffle not in {False, None}:
        raise ValueError(
            "DataLoader with IterableDataset: expected unspecified shuffle option, but got "
            f"shuffle={shuffle}"
        )
    if sampler is not None:
        raise ValueError(
            "DataLoader with IterableDataset: expected unspecified sampler option, but got "
            f"sampler={sampler}"
        )
    if batch_sampler is not None:
        raise ValueError(
            "DataLoader with IterableDataset: expected unspecified "
            f"batch_sampler option, but got batch_sampler={batch_sampler}"
        )


# ---------------------------------------------------------------------- iteration


class _DataLoaderIter:
    """One epoch of a DataLoader. The epoch's index order is drawn when the iterator is made."""

    def __init__(self, loader: DataLoader) -> None:
        if loader.timeout != 0 and loader.num_workers == 0:
            raise AssertionError(
                f"DataLoader: timeout={loader.timeout} needs num_workers > 0 (as in torch, whose "
                "single-process iterator requires timeout == 0)"
            )
        if loader.pin_memory:
            warnings.warn(
                "'pin_memory' argument is set as true but no accelerator is found, "
                "then device pinned memory won't be used.",
                stacklevel=3,
            )
        self._loader = loader
        self._num_yielded = 0
        self._exhausted = False
        self._epoch_state: Tensor | None = None
        if loader._dataset_kind == _DatasetKind.Iterable:
            self._source = _IterableSource(loader)
        else:
            self._source = _whole_array_source(loader) or _MapSource(loader)

    def __iter__(self) -> _DataLoaderIter:
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self):
        try:
            batch = self._source.next_batch()
        except StopIteration:
            self._exhausted = True
            raise
        self._num_yielded += 1
        return batch

    def _skip(self, n: int) -> None:
        """Pass over the next ``n`` batches without building them."""
        for _ in range(n):
            try:
                self._source.skip_batch()
            except StopIteration:
                self._exhausted = True
                return
            self._num_yielded += 1


class _MapSource:
    """Batches of a map-style dataset: fetch each sample, then collate (as torch does)."""

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._auto_collation = loader._auto_collation
        self._collate_fn = loader.collate_fn
        self._indices = iter(loader._index_sampler)

    def next_batch(self):
        index = next(self._indices)
        if not self._auto_collation:
            return self._collate_fn(self._dataset[index])
        getitems = getattr(self._dataset, "__getitems__", None)
        if getitems:
            data = getitems(index)
        else:
            data = [self._dataset[i] for i in index]
        return self._collate_fn(data)

    def skip_batch(self) -> None:
        next(self._indices)


class _TensorBatches:
    """Batches of a TensorDataset (or Subset of one) by indexing each whole tensor at once."""

    def __init__(
        self,
        tensors: Sequence[Tensor],
        rows: np.ndarray | None,
        batches: Iterator[np.ndarray | slice],
    ) -> None:
        self._tensors = tensors
        self._rows = rows  # dataset index -> row of the tensors (None: the identity)
        self._batches = batches

    def next_batch(self) -> list[Tensor]:
        index = next(self._batches)
        if self._rows is not None:
            index = self._rows[index]
        if isinstance(index, slice):  # a copy, like a collated batch: never a view of the data
            return [Tensor._make(t._data[index].copy(), False, None) for t in self._tensors]
        # np.take gathers rows ~1.5x faster than fancy indexing (same copy, same result)
        return [Tensor._make(np.take(t._data, index, axis=0), False, None) for t in self._tensors]

    def skip_batch(self) -> None:
        next(self._batches)


def _whole_array_source(loader: DataLoader) -> _TensorBatches | None:
    """Whole-array batching when it gives exactly the collated batches, else None."""
    if not loader._auto_collation or loader.collate_fn is not default_collate:
        return None
    found = _tensor_rows(loader.dataset)
    if found is None:
        return None
    tensors, rows = found
    batch_sampler = loader.batch_sampler
    if type(batch_sampler) is BatchSampler:
        batches = batch_sampler._index_batches()
    else:
        batches = (np.asarray(b, dtype=np.intp) for b in iter(batch_sampler))
    return _TensorBatches(tensors, rows, batches)


def _tensor_rows(dataset) -> tuple[tuple[Tensor, ...], np.ndarray | None] | None:
    """(tensors, rows) if ``dataset`` is a TensorDataset or Subsets of one, else None.

    ``rows[i]`` is the row of the tensors that holds sample ``i`` (None: row ``i``).
    """
    rows = None
    while isinstance(dataset, Subset) and _plain(dataset, Subset, "__getitem__", "__getitems__"):
        indices = dataset.indices
        indices = indices._data if isinstance(indices, Tensor) else indices
        indices = np.asarray(indices, dtype=np.intp).reshape(-1)
        rows = indices if rows is None else indices[rows]
        dataset = dataset.dataset
    if not isinstance(dataset, TensorDataset):
        return None
    if not _plain(dataset, TensorDataset, "__getitem__", "__getitems__"):
        return None
    tensors = dataset.tensors
    # a sample of a tensor that requires grad carries a grad_fn: leave that to collation
    if any(not isinstance(t, Tensor) or t.requires_grad or t.ndim == 0 for t in tensors):
        return None
    return tensors, rows


def _plain(obj, cls: type, *methods: str) -> bool:
    """True if ``obj``'s class does not override any of ``methods`` of ``cls``."""
    return all(getattr(type(obj), m, None) is getattr(cls, m, None) for m in methods)


class _IterableSource:
    """Batches of an IterableDataset: the next ``batch_size`` items of its iterator."""

    def __init__(self, loader: DataLoader) -> None:
        self._items = iter(loader.dataset)
        self._batch_size = loader.batch_size
        self._drop_last = loader.drop_last
        self._collate_fn = loader.collate_fn
        self._ended = False

    def _take(self):
        if self._ended:
            raise StopIteration
        if self._batch_size is None:
            return next(self._items)
        data = []
        for item in self._items:
            data.append(item)
            if len(data) == self._batch_size:
                return data
        self._ended = True
        if not data or self._drop_last:
            raise StopIteration
        return data

    def next_batch(self):
        return self._collate_fn(self._take())

    def skip_batch(self) -> None:
        self._take()
