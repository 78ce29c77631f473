"""Making an optimizer step a handful of NumPy calls, whatever the number of parameters.

A step does the same arithmetic on every element of every parameter, so the parameters of a
group can be treated as one long vector. Two cases:

- A group of up to ~1M values (an MLP on tabular data, or 784-256-128-10 on MNIST): per-call
  overhead dominates. ``FlatGroup`` keeps the optimizer state of the whole group in one array per
  buffer (each parameter's state is a view into it), gathers parameters and gradients into one
  vector, runs the update over it (in pieces that fit in L2 cache, in this thread), and writes
  the parameters back.
- A large parameter: memory traffic dominates. ``in_chunks`` cuts it into cache-sized pieces, so
  the ten-odd passes of an Adam update run over data that stays in cache, and shares the pieces
  between the cores (NumPy releases the GIL inside each call).

Both give bit-for-bit the same results as updating each parameter whole: the arithmetic is
elementwise, in the same order, and every element is updated exactly once whatever the split.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from feedforward.tensor import Tensor

# values in a group up to which gather + one update + scatter beats a loop over the parameters
# (measured, Adam: 101k values 170 vs 425 us, 235k 380-460 vs 800-840, 535k 1.25 vs 1.8-2.0 ms,
# 1.3M about even); above it the buffers outgrow the caches and chunking wins
FLAT_MAX = 1 << 20


def _l2_cache_bytes(
    default: int = 1 << 20, base: str = "/sys/devices/system/cpu/cpu0/cache/index2/"
) -> int:
    """This machine's per-core L2 cache size, from Linux's sysfs (``default`` elsewhere)."""
    try:
        with open(base + "level") as level, open(base + "size") as size:
            text = size.read().strip()
            if level.read().strip() != "2" or not text.endswith("K"):
                return default
            return int(text[:-1]) << 10
    except (OSError, ValueError):
        return default


# Values per piece of a large update shared between threads: each piece of a float32 array is a
# quarter of the L2 cache. Smaller pieces pay more per call and per hand-over of the GIL (one
# Adam update over 4.7M values on a 2 MiB-L2 Xeon, two threads: 16k-value pieces 19 ms, 64k
# 10.3-11.6, 128k 8.5-9.1, 192k 8.0-8.2, 512k 12-15).
CHUNK = max(1 << 14, _l2_cache_bytes() // 16)
# Values per piece of a flat group's update, run in one thread: the six arrays an Adam update
# touches (parameter, gradient, two moments, two scratch) fit in L2 together. 235k values: 610 us
# whole, 440 in 32k-64k pieces, 556 in 128k pieces; a whole mnist-mid step 5-15% faster.
PIECE = CHUNK // 2


def chunks(*arrays: np.ndarray | None, size: int | None = None) -> Iterator[tuple]:
    """Matching pieces of ``size`` values (default ``CHUNK``) of same-shape arrays (None passes
    through as None)."""
    size = size or CHUNK
    n = arrays[0].size
    if n <= 2 * size or any(a is not None and not a.flags.c_contiguous for a in arrays):
        yield arrays
        return
    flat = [a if a is None else a.reshape(-1) for a in arrays]
    for start in range(0, n, size):
        stop = start + size
        yield tuple(None if a is None else a[start:stop] for a in flat)


WORKERS = min(os.cpu_count() or 1, 4)  # threads that share a large update
_pool: ThreadPoolExecutor | None = None


def in_chunks(update: Callable, arrays: tuple, *args, **kwargs) -> None:
    """``update(*piece, *args, **kwargs)`` for matching cache-sized pieces of ``arrays``, the
    pieces of a large update split between ``WORKERS`` threads."""
    global _pool
    pieces = list(chunks(*arrays))
    if WORKERS == 1 or len(pieces) < 2 * WORKERS:
        for piece in pieces:
            update(*piece, *args, **kwargs)
        return

    def run(share: list) -> None:
        for piece in share:
            update(*piece, *args, **kwargs)

    if _pool is None:
        _pool = ThreadPoolExecutor(WORKERS - 1, thread_name_prefix="feedforward-optim")
    size = -(-len(pieces) // WORKERS)
    shares = [pieces[i : i + size] for i in range(0, len(pieces), size)]
    pending = [_pool.submit(run, share) for share in shares[1:]]
    run(shares[0])  # this thread takes the first share
    for job in pending:
        job.result()


class FlatGroup:
    """One array per state buffer for a whole small param group, plus gather/scatter of params.

    Args:
        params: the group's parameters (all of one floating dtype, all with gradients).
        state: the optimizer's per-parameter state dict.
        names: the state buffers the algorithm keeps, e.g. ``("exp_avg", "exp_avg_sq")``.
    """

    def __init__(self, params: list[Tensor], state: dict, names: tuple[str, ...]) -> None:
        self.dtype = params[0]._data.dtype
        sizes = [p._data.size for p in params]
        total = sum(sizes)
        self.values = np.empty(total, self.dtype)
        self.grads = np.empty(total, self.dtype)
        self.buffers = {name: np.zeros(total, self.dtype) for name in names}
        self.scratch = (np.empty(total, self.dtype), np.empty(total, self.dtype))
        # each parameter's piece of a flat array, in the parameter's shape (made once)
        starts = np.cumsum([0] + sizes).tolist()
        shapes = [p._data.shape for p in params]

        def pieces(flat: np.ndarray) -> list[np.ndarray]:
            return [flat[a:b].reshape(shape) for a, b, shape in zip(starts, starts[1:], shapes)]

        self.value_views = pieces(self.values)
        self.buffer_views = {name: pieces(flat) for name, flat in self.buffers.items()}
        self.members: list[tuple] = []  # (parameter, its array, its state dict) as bound last
        self.bound: list[tuple] = []  # (state dict, name, state tensor, view) as bound last
        self.bind(params, state)

    @staticmethod
    def usable(params: list[Tensor], limit: int = FLAT_MAX) -> bool:
        """At most ``limit`` values, one float dtype, and every parameter has a gradient."""
        if not params or sum(p._data.size for p in params) > limit:
            return False
        dtype = params[0]._data.dtype
        return dtype.kind == "f" and all(
            p.grad is not None and p._data.dtype == dtype for p in params
        )

    def matches(self, params: list[Tensor]) -> bool:
        """The same parameters, in the same order and dtype, as bound last (their arrays or
        state may have been replaced: ``bind`` takes those over)."""
        members = self.members
        return len(params) == len(members) and all(
            p is param and p._data.dtype == self.dtype for p, (param, _, _) in zip(params, members)
        )

    def current(self, params: list[Tensor], state: dict) -> bool:
        """Nothing changed since the last step (the usual case, checked by identity alone): the
        same parameters with the same arrays and state dicts, each state tensor still a view."""
        members = self.members
        if len(params) != len(members):
            return False
        for p, (param, data, s) in zip(params, members):
            if p is not param or p._data is not data or state.get(p) is not s:
                return False
        for s, name, t, view in self.bound:
            if s.get(name) is not t or t._data is not view:
                return False
        return True

    def bind(self, params: list[Tensor], state: dict) -> None:
        """Make each parameter's state tensors views of the flat buffers (copying values in once
        when the state was made elsewhere, e.g. by ``load_state_dict``)."""
        self.members = [(p, p._data, state[p]) for p in params]
        # 1-D views of the parameters' arrays, valid while `current` holds (None: some array
        # is not contiguous, so reshaping it copies; then gather reshapes each step)
        contiguous = all(p._data.flags.c_contiguous for p in params)
        self.data_flat = [p._data.reshape(-1) for p in params] if contiguous else None
        self.bound = []
        for i, (_, _, s) in enumerate(self.members):
            for name, views in self.buffer_views.items():
                view, t = views[i], s.get(name)
                if t is None:
                    t = s[name] = Tensor._make(view, False, None)
                elif t._data is not view:
                    view[...] = t._data
                    t._data = view
                self.bound.append((s, name, t, view))

    def gather(self, params: list[Tensor]) -> None:
        flat = self.data_flat or [p._data.reshape(-1) for p in params]
        np.concatenate(flat, out=self.values)
        np.concatenate([p._grad._data.reshape(-1) for p in params], out=self.grads)

    def scatter(self, params: list[Tensor]) -> None:
        for p, view in zip(params, self.value_views):
            p._data[...] = view  # (np.copyto goes through a Python-level dispatcher first)


def flat_group(
    cache: dict,
    key: int,
    params: list[Tensor],
    state: dict,
    names: tuple[str, ...],
    limit: int = FLAT_MAX,
) -> FlatGroup | None:
    """The FlatGroup for a param group, made on first use and remade when the group changes;
    None when the group does not qualify (over ``limit`` values, mixed dtypes, a gradient
    missing)."""
    group = cache.get(key)
    if group is not None and group.current(params, state):
        return group
    if not FlatGroup.usable(params, limit):
        return None
    if group is None or not group.matches(params):
        group = cache[key] = FlatGroup(params, state, names)
    else:
        group.bind(params, state)
    return group
