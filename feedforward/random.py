"""Random number generation: ``ff.Generator`` and the global default generator.

Every random function takes ``generator=``; without one it draws from the default generator that
``ff.manual_seed`` resets. The same seed gives the same numbers on every run (NumPy's PCG64). The
numbers are not torch's: only the distributions match.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "Generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "default_generator",
]

_DEFAULT_SEED = 67280421310721  # torch's default initial seed


class Generator:
    """A source of random numbers with its own state.

    Example:
        >>> g = ff.Generator().manual_seed(0)
        >>> ff.randn(2, generator=g)
    """

    def __init__(self, device: str = "cpu") -> None:
        self._seed = _DEFAULT_SEED
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    @property
    def device(self):
        from feedforward.tensor import device

        return device("cpu")

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed & (2**128 - 1)))
        return self

    def seed(self) -> int:
        """Re-seed from the operating system's entropy and return the new seed."""
        s = int(np.random.SeedSequence().entropy) % (2**63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """The full state as a uint8 tensor (so it can be saved in a checkpoint)."""
        from feedforward.tensor import Tensor

        st = self._rng.bit_generator.state
        words = [
            st["state"]["state"],
            st["state"]["inc"],
            st["has_uint32"],
            st["uinteger"],
            self._seed & (2**128 - 1),
        ]
        raw = b"".join(int(w).to_bytes(16, "little") for w in words)
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy(), False, None)

    def set_state(self, state) -> Generator:
        raw = bytes(np.asarray(state._data if hasattr(state, "_data") else state, dtype=np.uint8))
        if len(raw) != 80:
            raise RuntimeError(f"Generator.set_state: expected a state of 80 bytes, got {len(raw)}")
        w = [int.from_bytes(raw[i : i + 16], "little") for i in range(0, 80, 16)]
        bg = np.random.PCG64()
        bg.state = {
            "bit_generator": "PCG64",
            "state": {"state": w[0], "inc": w[1]},
            "has_uint32": w[2],
            "uinteger": w[3],
        }
        self._rng = np.random.Generator(bg)
        self._seed = w[4]
        return self

    # the NumPy generator underneath, used by the random ops
    @property
    def numpy(self) -> np.random.Generator:
        return self._rng


default_generator = Generator()


def _generator(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator)._rng


def manual_seed(seed: int) -> Generator:
    """Seed the default generator: the same seed gives the same numbers every run."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)
