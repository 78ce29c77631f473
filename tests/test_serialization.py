"""ff.save / ff.load: exact round trips, torch interop through safetensors, refusal of pickles,
clear errors for damaged files (fuzzed), and atomic writes."""

import contextlib
import hashlib
import io
import json
import math
import os
import pickle
import signal
import struct
from collections import OrderedDict

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedforward import _dtype
from feedforward import serialization as ser
from feedforward.serialization import SerializationError, load, save
from feedforward.tensor import Tensor, device

DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, bool]


def ff_tensor(a: np.ndarray, requires_grad: bool = False) -> Tensor:
    """A Tensor holding ``a`` itself (strides included), as ``ff.from_numpy`` gives."""
    return Tensor._make(a, requires_grad, None)


def describe(x, values: bool = True):
    """A comparable form of ``x`` that tells apart every type and bit the format must keep."""
    if isinstance(x, Tensor | np.ndarray):
        a = x._data if isinstance(x, Tensor) else x
        grad = isinstance(x, Tensor) and x.requires_grad
        return ("tensor", a.dtype.str, a.shape, grad, a.tobytes() if values else None)
    if isinstance(x, float):
        return ("float", x.hex())  # keeps nan, -0.0 and every bit
    if isinstance(x, dict):
        return (
            type(x).__name__,
            [(type(k).__name__, k, describe(v, values)) for k, v in x.items()],
        )
    if isinstance(x, list | tuple):
        return (type(x).__name__, [describe(v, values) for v in x])
    return (type(x).__name__, x)


def round_trip(obj):
    buffer = io.BytesIO()
    save(obj, buffer)
    buffer.seek(0)
    return load(buffer)


@contextlib.contextmanager
def no_hang(seconds: float = 5.0):
    """Fail instead of hanging: SIGALRM interrupts a load that runs too long."""

    def alarm(signum, frame):
        raise TimeoutError(f"load took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def checkpoint():
    """A small training checkpoint: model and optimizer state, every kind of value."""
    rng = np.random.default_rng(0)
    model = OrderedDict(
        [
            ("2.weight", ff_tensor(rng.standard_normal((3, 4)).astype(np.float32))),
            ("10.bias", ff_tensor(np.array([1.5, -0.0, np.nan], np.float16))),
            ("bn.num_batches_tracked", ff_tensor(np.array(7, np.int64))),
            ("mask", ff_tensor(np.array([True, False, True]))),
            ("empty", ff_tensor(np.zeros((0, 5), np.float64))),
        ]
    )
    optimizer = {
        "state": {1: {"step": ff_tensor(np.array(3.0, np.float32)), "exp_avg": rng.random(4)}},
        "param_groups": [
            {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "params": [0, 1], "amsgrad": False},
            {"lr": math.inf, "weight_decay": math.nan, "momentum": -0.0, "foreach": None},
        ],
    }
    return {"model": model, "optimizer": optimizer, "epoch": 12, "name": "run-é ✓", "big": 2**80}


# ------------------------------------------------------------------------------- round trips


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    dtype=st.sampled_from(DTYPES),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
)
def test_round_trip_is_bitwise_exact(data, dtype, shape):
    a = data.draw(hnp.arrays(dtype, shape))
    if a.ndim and data.draw(st.booleans()):  # non-contiguous: reversed, strided, transposed
        a = a[::-2].T
    loaded = round_trip({"x": ff_tensor(a), "raw": a})
    for t in loaded.values():
        assert isinstance(t, Tensor)
        assert t.dtype is _dtype.from_numpy_dtype(a.dtype)
        assert t.shape == a.shape
        assert t._data.tobytes() == a.tobytes()
        assert t._data.flags.c_contiguous and t._data.flags.writeable


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_through_path(tmp_path, dtype):
    a = np.arange(24).reshape(2, 3, 4).astype(dtype)[:, ::-1, 1:]
    path = tmp_path / "t.safetensors"
    zero_d = a[0, 0, 0, ...]  # a 0-d array view, not a NumPy scalar
    save({"a": ff_tensor(a), "zero_d": ff_tensor(zero_d)}, path)
    loaded = load(path)
    assert describe(loaded) == describe({"a": a, "zero_d": zero_d})
    assert loaded["zero_d"].shape == ()


def test_nested_structure_round_trips_exactly():
    obj = checkpoint()
    assert describe(round_trip(obj)) == describe(obj)


def test_int_keys_and_order_are_kept():
    obj = {"state": {3: "c", 0: "a", -1: "z"}, "od": OrderedDict([("z", 1), ("a", 2), ("m", 3)])}
    loaded = round_trip(obj)
    assert list(loaded["state"]) == [3, 0, -1]
    assert all(type(k) is int for k in loaded["state"])
    assert type(loaded["od"]) is OrderedDict and list(loaded["od"]) == ["z", "a", "m"]
    assert type(loaded) is dict


def test_plain_values_and_containers():
    for obj in [None, 0, -(2**70), 1.0, math.nan, -math.inf, True, "", "\x00\ud7ff", [], (), {}]:
        assert describe(round_trip(obj)) == describe(obj)
    obj = [(1, [2.5, (None,)]), {"": {}}, [[]]]
    assert describe(round_trip(obj)) == describe(obj)


def test_numpy_scalars_load_as_python_numbers():
    loaded = round_trip([np.float32(0.1), np.int64(5), np.bool_(True)])
    assert describe(loaded) == describe([float(np.float32(0.1)), 5, True])


def test_requires_grad_is_kept():
    w = ff_tensor(np.ones(3, np.float32), requires_grad=True)
    loaded = round_trip({"w": w, "b": ff_tensor(np.ones(2, np.float32))})
    assert loaded["w"].requires_grad and loaded["w"].is_leaf and loaded["w"].grad is None
    assert not loaded["b"].requires_grad


def test_big_endian_arrays_load_native():
    a = np.arange(5, dtype=">f4")
    loaded = round_trip(a)
    assert loaded.dtype is _dtype.float32
    np.testing.assert_array_equal(loaded._data, a)


def test_colliding_tensor_names_stay_distinct():
    obj = {"a.b": np.zeros(1), "a": {"b": np.ones(1)}, "__metadata__": np.full(1, 2.0)}
    assert describe(round_trip(obj)) == describe(obj)


def test_loaded_tensors_are_independent_and_writable():
    loaded = round_trip({"a": np.zeros(3), "b": np.zeros(3)})
    loaded["a"]._data[0] = 1.0
    assert loaded["b"]._data[0] == 0.0


# --------------------------------------------------------------------- safetensors and torch


def torch_model() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3), torch.nn.BatchNorm1d(3)
    )


def test_torch_safetensors_file_loads(tmp_path):
    torch.manual_seed(0)
    model = torch_model()
    model(torch.randn(5, 4))  # moves the BatchNorm statistics away from their defaults
    path = tmp_path / "torch.safetensors"
    safetensors.torch.save_file(model.state_dict(), path)
    loaded = load(path)
    assert type(loaded) is OrderedDict
    # the file's order, which is also what safetensors.torch gives: grouped by dtype, then by name
    assert list(loaded) == list(safetensors.torch.load_file(path))
    assert sorted(loaded) == sorted(model.state_dict())
    for name, t in model.state_dict().items():
        assert isinstance(loaded[name], Tensor)
        assert describe(loaded[name]) == describe(t.numpy())


def test_ff_state_dict_loads_into_torch(tmp_path):
    rng = np.random.default_rng(1)
    shapes = {k: tuple(v.shape) for k, v in torch_model().state_dict().items()}
    state = OrderedDict()
    for name, shape in shapes.items():
        a = rng.standard_normal(shape).astype(np.float32)
        state[name] = ff_tensor(np.array(4, np.int64) if "num_batches" in name else a)
    path = tmp_path / "ff.safetensors"
    save(state, path)

    torch_state = safetensors.torch.load_file(path)
    assert set(torch_state) == set(state)  # the tensor names are exactly the keys
    model = torch_model()
    model.load_state_dict(torch_state)  # strict
    for name, t in model.state_dict().items():
        assert describe(t.numpy()) == describe(state[name]._data)
    assert list(load(path)) == list(state)  # ff itself keeps the original order


def test_flat_state_dict_is_a_plain_safetensors_file(tmp_path):
    state = {"b": np.arange(3, dtype=np.int16), "a.weight": np.eye(2), "c": np.array(True)}
    path = tmp_path / "flat.safetensors"
    save(state, path)
    plain = safetensors.numpy.load_file(path)
    assert sorted(plain) == sorted(state)
    for name, a in state.items():
        assert describe(plain[name]) == describe(a)
    with safetensors.safe_open(path, "np") as f:
        metadata = f.metadata()
    assert list(metadata) == ["feedforward"]
    assert json.loads(metadata["feedforward"])["format"] == 1


def test_bfloat16_files_are_refused_clearly(tmp_path):
    path = tmp_path / "bf16.safetensors"
    safetensors.torch.save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, path)
    with pytest.raises(SerializationError, match="'w' of dtype BF16"):
        load(path)


# ------------------------------------------------------------------------- pickle is refused


def test_malicious_pickle_is_never_executed(tmp_path):
    class Evil:
        def __init__(self, marker):
            self.marker = marker

        def __reduce__(self):
            return (open, (self.marker, "w"))  # unpickling creates the marker file

    control = tmp_path / "control"
    pickle.loads(pickle.dumps(Evil(str(control)))).close()
    assert control.exists()  # the payload is live: unpickling it does run code

    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        marker = tmp_path / f"marker{protocol}"
        path = tmp_path / f"evil{protocol}.pt"
        path.write_bytes(pickle.dumps({"weight": Evil(str(marker))}, protocol=protocol))
        with pytest.raises(SerializationError) as info:
            load(path)
        assert not marker.exists()
        assert str(path) in str(info.value)
        if protocol >= 2:  # protocols 0 and 1 have no magic bytes to recognise
            assert "pickle" in str(info.value) and "never unpickles" in str(info.value)


@pytest.mark.parametrize("zipped", [True, False])
def test_torch_save_files_are_refused(tmp_path, zipped):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=zipped)
    with pytest.raises(SerializationError, match="torch.save file; feedforward never unpickles"):
        load(path)


def test_npy_files_are_named(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.ones(3))
    with pytest.raises(SerializationError, match="NumPy .npy file"):
        load(path)


# ------------------------------------------------------------------ damaged and crafted files


def craft(header, payload: bytes = b"", length: int | None = None) -> io.BytesIO:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return io.BytesIO(struct.pack("<Q", len(raw) if length is None else length) + raw + payload)


def ff_file(root, tensors: dict, payload: bytes) -> io.BytesIO:
    """A file with feedforward metadata and a valid digest, as the module docstring specifies."""
    table = [[n, e["dtype"], e["shape"], e["data_offsets"]] for n, e in tensors.items()]
    digest = hashlib.sha256(json.dumps([root, table], separators=(",", ":")).encode()).hexdigest()
    meta = json.dumps({"format": 1, "sha256": digest, "root": root})
    return craft({"__metadata__": {"feedforward": meta}, **tensors}, payload)


F32 = {"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}


def test_ff_file_helper_matches_save():
    loaded = load(ff_file({"dict": [["k", {"tensor": "x"}]]}, F32, bytes(8)))
    assert describe(loaded) == describe({"k": np.zeros(2, np.float32)})


@pytest.mark.parametrize(
    "file, message",
    [
        (io.BytesIO(b""), "0 bytes long"),
        (io.BytesIO(b"\x10\x00"), "2 bytes long"),
        (craft(b"{}", length=2**63), "header length 9223372036854775808 exceeds"),
        (craft(b"{}", length=3), "header length 3 exceeds"),
        (craft(b"[1] "), "header is not JSON"),
        (craft(b"{abc}   "), "invalid JSON|Expecting"),
        (craft(b'{"a": NaN}'), "NaN is not valid JSON"),
        (craft(b'{"a": 1, "a": 1}'), "duplicate key"),
        (craft(b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"), "corrupted header"),
        (craft(b'{"a": "\xff"}'), "corrupted header"),
        (craft({"__metadata__": {"k": 1}}), "__metadata__ must map strings to strings"),
        (craft({"x": [1]}), "'x' is not described by a JSON object"),
        (craft({"x": {"dtype": ["F32"], "shape": [], "data_offsets": [0, 4]}}), "invalid dtype"),
        (craft({"x": {"dtype": "Q8", "shape": [], "data_offsets": [0, 1]}}), "unknown dtype 'Q8'"),
        (craft({"x": {"dtype": "F32", "shape": [True], "data_offsets": [0, 4]}}), "invalid shape"),
        (craft({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}), "invalid shape"),
        (craft({"x": {"dtype": "U8", "shape": [1] * 40, "data_offsets": [0, 1]}}), "invalid shape"),
        (craft({"x": {"dtype": "F32", "shape": [1], "data_offsets": [4]}}), "invalid data_offsets"),
        (craft({"x": {"dtype": "F32", "shape": [2**40] * 2, "data_offsets": [0, 8]}}), "needs"),
        (
            craft({"x": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12)),
            "starts",
        ),
        (craft(F32, bytes(4)), "is truncated: its tensors need 8 bytes of data, the file has 4"),
        (craft(F32, bytes(9)), "trailing bytes"),
        (craft({"x": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x02"), "0/1"),
        (craft({"__metadata__": {"feedforward": "{"}}), "corrupted feedforward metadata"),
        (craft({"__metadata__": {"feedforward": '{"format": 2}'}}), "corrupted feedforward"),
        (
            craft(
                {
                    "__metadata__": {
                        "feedforward": json.dumps({"format": 2, "sha256": "", "root": None})
                    }
                }
            ),
            "newer feedforward \\(format 2\\)",
        ),
        (
            craft(
                {
                    "__metadata__": {
                        "feedforward": json.dumps({"format": 1, "sha256": "00", "root": None})
                    }
                }
            ),
            "digest",
        ),
        (
            craft(
                {
                    "__metadata__": {
                        "feedforwarc": json.dumps({"format": 1, "sha256": "00", "root": None})
                    }
                }
            ),
            "key 'feedforwarc' holds",
        ),
        (ff_file({"tensor": "y"}, F32, bytes(8)), "bad tensor reference"),
        (ff_file({"tensor": ["x"]}, F32, bytes(8)), "bad tensor reference"),
        (ff_file({"list": [{"tensor": "x"}, {"tensor": "x"}]}, F32, bytes(8)), "reference"),
        (ff_file({"tensor": "x", "requires_grad": 1}, F32, bytes(8)), "reference"),
        (ff_file([1, 2], {}, b""), "unexpected value \\[1, 2\\]"),
        (ff_file({"set": []}, {}, b""), "unexpected value"),
        (ff_file({"float": "NaN"}, {}, b""), "unexpected value"),
        (ff_file({"dict": [[True, 1]]}, {}, b""), "bad dict entry"),
        (ff_file({"dict": [["a", 1], ["a", 2]]}, {}, b""), "bad dict entry"),
        (ff_file({"dict": [["a"]]}, {}, b""), "bad dict entry"),
        (ff_file({"list": {"list": []}}, {}, b""), "unexpected value"),
        (ff_file(json.loads('{"list": [' * 300 + "]}" * 300), {}, b""), "deeper than 200"),
    ],
)
def test_crafted_files_raise_clear_errors(file, message):
    with no_hang(), pytest.raises(SerializationError, match=message) as info:
        load(file)
    assert isinstance(info.value, ValueError) and isinstance(info.value, RuntimeError)
    assert str(info.value).startswith("ff.load: '<file object>'")


def test_error_names_the_file(tmp_path):
    path = tmp_path / "cut.safetensors"
    save(checkpoint(), path)
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(SerializationError, match=f"ff.load: '{path}' is truncated"):
        load(path)


def corruptions(data: bytes) -> st.SearchStrategy:
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    return st.one_of(
        st.tuples(st.just("flip"), st.integers(0, 8 * len(data) - 1)),
        st.tuples(st.just("flip"), st.integers(0, 8 * 8 - 1)),  # the length field, more often
        st.tuples(st.just("byte"), st.integers(0, len(data) - 1), st.integers(0, 255)),
        st.tuples(st.just("byte"), st.integers(header_end, len(data) - 1), st.integers(0, 255)),
        st.tuples(st.just("truncate"), st.integers(0, len(data) - 1)),
        st.tuples(st.just("prefix"), st.binary(min_size=1, max_size=16)),
    )


def corrupt(data: bytes, how: tuple) -> bytes:
    kind, *args = how
    buf = bytearray(data)
    if kind == "flip":
        buf[args[0] // 8] ^= 1 << (args[0] % 8)
    elif kind == "byte":
        buf[args[0]] = args[1]
    elif kind == "truncate":
        del buf[args[0] :]
    else:
        buf[:0] = args[0]
    return bytes(buf)


def tensors_by_path(x, path=()):
    """{dotted path: tensor}: the names save gives tensors (no collisions in the checkpoint)."""
    if isinstance(x, Tensor):
        return {".".join(map(str, path)): x}
    items = (
        x.items() if isinstance(x, dict) else enumerate(x) if isinstance(x, list | tuple) else []
    )
    return {n: t for k, v in items for n, t in tensors_by_path(v, (*path, k)).items()}


VALID = io.BytesIO()
save(checkpoint(), VALID)
VALID = VALID.getvalue()
HEADER_END = 8 + struct.unpack("<Q", VALID[:8])[0]


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(how=corruptions(VALID))
def test_fuzzed_damage_loads_correct_structure_or_raises_clearly(how):
    damaged = corrupt(VALID, how)
    try:
        with no_hang():
            loaded = load(io.BytesIO(damaged))
    except SerializationError:
        return
    assert how[0] not in ("truncate", "prefix")  # those never leave a loadable file
    # an accepted file has the original structure; only tensor bytes may differ
    assert describe(loaded, values=False) == describe(checkpoint(), values=False)
    if damaged[:HEADER_END] == VALID[:HEADER_END]:  # payload damage: the damaged bytes load
        plain = safetensors.numpy.load(damaged)
        assert {n: describe(t) for n, t in tensors_by_path(loaded).items()} == {
            n: describe(a) for n, a in plain.items()
        }


TORCH_FILE = safetensors.torch.save(torch_model().state_dict())


@settings(max_examples=300, deadline=None)
@given(how=corruptions(TORCH_FILE))
def test_fuzzed_foreign_files_load_tensors_or_raise_clearly(how):
    """Files without feedforward metadata have no digest: the checks are structural only."""
    try:
        with no_hang():
            loaded = load(io.BytesIO(corrupt(TORCH_FILE, how)))
    except SerializationError:
        return
    assert type(loaded) is OrderedDict and all(isinstance(t, Tensor) for t in loaded.values())


# ------------------------------------------------------------------------------ atomic writes


class DiskFull(OSError):
    pass


@pytest.mark.parametrize("error", [DiskFull("disk full"), KeyboardInterrupt()])
def test_crash_mid_save_keeps_previous_file(tmp_path, monkeypatch, error):
    path = tmp_path / "ckpt.safetensors"
    save({"w": np.ones(4)}, path)
    before = path.read_bytes()
    seen = []

    def crashing_write(stream, head, arrays):
        stream.write(head[: len(head) // 2])
        stream.flush()
        seen.extend(os.listdir(tmp_path))
        raise error

    monkeypatch.setattr(ser, "_write", crashing_write)
    with pytest.raises(type(error)):
        save({"w": np.zeros(4), "v": np.zeros(2)}, path)
    assert len(seen) == 2  # the partial write went to a temporary file beside the target
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_failed_rename_removes_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    save({"w": np.ones(4)}, path)
    before = path.read_bytes()

    def failing_replace(src, dst):
        raise PermissionError("locked")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(PermissionError):
        save({"w": np.zeros(4)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_save_replaces_file_with_normal_permissions(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save({"w": np.ones(4)}, path)
    save({"w": np.zeros(2)}, path)
    assert describe(load(path)) == describe({"w": np.zeros(2)})
    reference = tmp_path / "plain"
    reference.write_bytes(b"")
    assert os.stat(path).st_mode == os.stat(reference).st_mode  # umask applies, not 0o600
    assert sorted(os.listdir(tmp_path)) == ["ckpt.safetensors", "plain"]


def test_save_writes_through_symlinks(tmp_path):
    target, link = tmp_path / "real.safetensors", tmp_path / "link.safetensors"
    link.symlink_to(target)
    save([1, np.ones(2)], link)
    assert link.is_symlink() and describe(load(target)) == describe([1, np.ones(2)])


def test_save_into_missing_directory(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .*missing does not exist"):
        save({}, tmp_path / "missing" / "x.safetensors")


# ------------------------------------------------------------------------------ bad arguments


@pytest.mark.parametrize(
    "obj, error, message",
    [
        ({"a": {1, 2}}, TypeError, "can't save a set at 'a'"),
        ({"a": [object()]}, TypeError, "can't save a object at 'a.0'"),
        ({1.5: 1}, TypeError, "dict keys must be str or int, got 1.5"),
        ({"s": {True: 1}}, TypeError, "got True in the dict at 's'"),
        ({"c": np.ones(2, np.complex64)}, TypeError, "dtype complex64 at 'c'"),
        ({"o": np.array([None])}, TypeError, "dtype object"),
        ({"u": np.ones(2, np.uint32)}, TypeError, "dtype uint32"),
    ],
)
def test_unsupported_objects_are_rejected_without_writing(tmp_path, obj, error, message):
    path = tmp_path / "x.safetensors"
    with pytest.raises(error, match=message):
        save(obj, path)
    assert not path.exists()


def test_cycles_are_rejected():
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nested deeper than 200 levels"):
        save(loop, io.BytesIO())


def test_file_objects(tmp_path):
    obj = checkpoint()
    path = tmp_path / "f.safetensors"
    with open(path, "wb") as f:
        f.write(b"prefix")
        save(obj, f)
    with open(path, "rb") as f:
        f.seek(6)  # loads from the current position, as torch.load does
        assert describe(load(f)) == describe(obj)

    class Stream:  # read-only, not seekable
        def __init__(self, data):
            self.read = io.BytesIO(data).read

    assert describe(load(Stream(path.read_bytes()[6:]))) == describe(obj)
    with open(path) as text, pytest.raises(TypeError, match="binary mode|open it with 'rb'"):
        load(text)
    with open(path, "w") as text, pytest.raises(TypeError, match="open it with 'wb'"):
        save(obj, text)
    with pytest.raises(TypeError, match="path or a binary file object, got int"):
        load(3)


def test_map_location_and_weights_only(tmp_path):
    path = tmp_path / "m.safetensors"
    save({"w": np.ones(2)}, path)
    expected = describe({"w": np.ones(2)})
    for location in [None, "cpu", device("cpu"), {"cuda:0": "cpu"}]:
        assert describe(load(path, map_location=location)) == expected
    assert describe(load(path, weights_only=False)) == expected
    with pytest.raises(RuntimeError, match="CPU only.*got 'cuda'"):
        load(path, map_location="cuda")
