"""feedforward: feed-forward neural networks from foundations on NumPy, with PyTorch's API.

import feedforward as ff
x = ff.randn(64, 10)
w = ff.zeros(10, 3, requires_grad=True)
loss = (x @ w).relu().mean()
loss.backward()
"""

import importlib as _importlib

from feedforward import (
    _malloc,
    _sampling,  # noqa: F401  (binds random_, exponential_, ...)
    return_types,
)
from feedforward import ops as _ops  # noqa: F401
from feedforward._dtype import (
    bool,
    double,
    dtype,
    finfo,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from feedforward._tensor_str import set_printoptions
from feedforward.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from feedforward.autograd.grad_mode import is_inference_mode_enabled
from feedforward.creation import (
    arange,
    as_tensor,
    asarray,
    bartlett_window,
    bernoulli,
    blackman_window,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    hamming_window,
    hann_window,
    kaiser_window,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from feedforward.ops import methods as _methods  # noqa: F401  (binds Tensor methods)
from feedforward.ops.api import *  # noqa: F403
from feedforward.ops.out import *  # noqa: F403  (the same functions, taking out=)
from feedforward.ops.out import abs, all, any, max, min, pow, round, sum  # noqa: F401
from feedforward.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from feedforward.tensor import Size, Tensor, device

__version__ = "0.1.0"

FloatTensor = DoubleTensor = LongTensor = Tensor  # isinstance checks in old tutorials


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


class cuda:
    """There is no GPU here: ``ff.cuda.is_available()`` is False so device idioms run unchanged."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0

    @staticmethod
    def manual_seed(seed: int) -> None:  # noqa: F811 (ff.cuda.manual_seed, not ff.manual_seed)
        """No GPU generators to seed."""

    manual_seed_all = manual_seed


class accelerator:
    """No accelerator, as torch on a CPU-only machine: the tutorials' device line,
    ``torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else
    "cpu"``, picks "cpu"; asking for an accelerator device raises as torch's does."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0

    @staticmethod
    def current_accelerator(check_available: bool = False) -> device | None:
        return None

    @staticmethod
    def current_device_index() -> int:
        raise RuntimeError("Cannot access accelerator device when none is available.")

    @staticmethod
    def set_device_index(device, /) -> None:
        accelerator.current_device_index()

    @staticmethod
    def synchronize(device=None, /) -> None:
        accelerator.current_device_index()


class backends:
    class mps:
        @staticmethod
        def is_available() -> bool:
            return False


globals().update(_methods.INPLACE_FUNCTIONS)  # torch.sin_(x) and the like

# the classes print as torch's do (<class 'torch.Tensor'>): under the package, not their file
for _cls in (Tensor, Size, device, dtype, Generator):
    _cls.__module__ = "feedforward"

_malloc.tune_malloc()  # large temporaries stay in the heap between steps (see _malloc.py)

# Subpackages load on first use, so `import feedforward` stays fast.
_LAZY = {
    "nn",
    "optim",
    "utils",
    "datasets",
    "train",
    "diagnostics",
    "serialization",
    "cli",
    "autograd",
    "testing",
    "linalg",
    "func",
}


def __getattr__(name: str):
    if name in _LAZY:
        return _importlib.import_module(f"feedforward.{name}")
    if name in ("save", "load"):
        return getattr(_importlib.import_module("feedforward.serialization"), name)
    raise AttributeError(f"module 'feedforward' has no attribute {name!r}")
