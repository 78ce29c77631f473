"""Saving and loading checkpoints: ``ff.save`` / ``ff.load``, stored as safetensors files.

A file written by :func:`save` is a plain `safetensors <https://github.com/huggingface/safetensors>`_
file. Every tensor in the saved object is one safetensors tensor, named by its path in the object
(``"0.weight"``, ``"optimizer.state.0.exp_avg"``), so a state_dict's tensor names are exactly its
keys and ``safetensors.torch.load_file`` reads it straight into ``torch_model.load_state_dict``.
Everything that is not a tensor (the nesting, ints, floats, strings, dict key types and order) is
JSON in the safetensors ``__metadata__`` under the single key ``"feedforward"``::

    {"format": 1, "sha256": "<digest>", "root": <encoded object>}

The digest covers the encoded object and the safetensors tensor table (names, dtypes, shapes and
offsets), so a damaged header is reported instead of silently loading a different structure. The
tensor bytes themselves are not checksummed.

Safety: nothing is ever pickled or unpickled. :func:`load` recognises pickle and ``torch.save``
files and refuses them with a message saying how to convert them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import secrets
import struct
from collections import OrderedDict
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

import numpy as np

from feedforward.tensor import Tensor

__all__ = ["save", "load", "SerializationError"]

FORMAT_VERSION = 1
_META_KEY = "feedforward"
_MAX_HEADER_BYTES = 100_000_000  # safetensors' own limit
_MAX_DEPTH = 200  # checkpoints nest a handful of levels; deeper means a cycle or a crafted file
_MAX_NDIM = 32  # NumPy 1.x's limit
_FOREIGN = object()  # _structure's answer for files without feedforward metadata
_JSON = {"separators": (",", ":"), "ensure_ascii": True, "allow_nan": False}

_ST_DTYPES = {
    "F16": np.dtype("<f2"),
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
    "I8": np.dtype("i1"),
    "I16": np.dtype("<i2"),
    "I32": np.dtype("<i4"),
    "I64": np.dtype("<i8"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_ST_CODES = {dt: code for code, dt in _ST_DTYPES.items()}
_ST_UNSUPPORTED = {"BF16", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "C64"}

FileLike = str | os.PathLike | IO[bytes]


class SerializationError(ValueError, RuntimeError):
    """``ff.load`` can't read a file: not safetensors, truncated, corrupted, or a pickle.

    A subclass of both ValueError and RuntimeError (torch raises RuntimeError for unreadable
    files), so either ``except`` catches it.
    """


# ----------------------------------------------------------------------------------------- save


def save(obj: Any, f: FileLike) -> None:
    """Save ``obj`` (tensors, arrays and plain data, arbitrarily nested) to a safetensors file.

    Args:
        obj: a Tensor, NumPy array, int, float (nan/inf too), bool, None or str, or a dict
            (str or int keys; dict and OrderedDict kept apart, order kept), list or tuple of
            those. NumPy arrays load back as Tensors; NumPy scalars as Python numbers; a
            Parameter as a plain Tensor (its ``requires_grad`` is kept).
        f: a path, written atomically (a crash mid-write leaves any previous file intact), or a
            file object opened for binary writing.

    Tensors are written C-contiguous and little-endian; tensors sharing memory are stored as
    separate copies.

    Example:
        >>> ff.save(model.state_dict(), "model.safetensors")
        >>> model.load_state_dict(ff.load("model.safetensors"))
    """
    tensors: dict[str, np.ndarray] = {}
    root = _encode(obj, (), tensors, 0)
    head, arrays = _layout(root, tensors)
    if isinstance(f, str | os.PathLike):
        _atomic_write(os.fspath(f), head, arrays)
    elif hasattr(f, "write"):
        if isinstance(f, io.TextIOBase):
            raise TypeError("ff.save: the file object is in text mode; open it with 'wb'")
        _write(f, head, arrays)
        if hasattr(f, "flush"):
            f.flush()
    else:
        raise TypeError(
            f"ff.save: f must be a path or a binary file object, got {type(f).__name__}"
        )


def _encode(x: Any, path: tuple, tensors: dict[str, np.ndarray], depth: int) -> Any:
    """The JSON form of ``x``; tensors go into ``tensors`` and are replaced by references."""
    if depth > _MAX_DEPTH:
        raise ValueError(
            f"ff.save: object nested deeper than {_MAX_DEPTH} levels at {_where(path)} "
            "(a container that contains itself?)"
        )
    if isinstance(x, np.ndarray | Tensor):
        return _encode_tensor(x, path, tensors)
    if x is None or isinstance(x, bool | np.bool_):
        return None if x is None else bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        x = float(x)
        return x if math.isfinite(x) else {"float": repr(x)}  # 'nan', 'inf', '-inf'
    if isinstance(x, str):
        return str(x)
    if isinstance(x, dict):
        tag = "odict" if isinstance(x, OrderedDict) else "dict"
        return {
            tag: [[_key(k, path), _encode(v, (*path, k), tensors, depth + 1)] for k, v in x.items()]
        }
    if isinstance(x, list | tuple):
        tag = "tuple" if isinstance(x, tuple) else "list"
        return {tag: [_encode(v, (*path, i), tensors, depth + 1) for i, v in enumerate(x)]}
    raise TypeError(
        f"ff.save: can't save a {type(x).__name__} at {_where(path)}; supported are tensors, NumPy "
        "arrays, int, float, bool, None, str and dicts/lists/tuples of them"
    )


def _key(k: Any, path: tuple) -> str | int:
    if isinstance(k, str):
        return str(k)
    if isinstance(k, int | np.integer) and not isinstance(k, bool | np.bool_):
        return int(k)
    raise TypeError(
        f"ff.save: dict keys must be str or int, got {k!r} in the dict at {_where(path)}"
    )


def _encode_tensor(x: Any, path: tuple, tensors: dict[str, np.ndarray]) -> dict:
    data = x if isinstance(x, np.ndarray) else x._data
    dt = data.dtype.newbyteorder("<") if data.dtype.byteorder != "|" else data.dtype
    if dt not in _ST_CODES:
        raise TypeError(
            f"ff.save: can't save an array of dtype {data.dtype} at {_where(path)}; supported are "
            "float16/32/64, int8/16/32/64, uint8 and bool"
        )
    name = ".".join(str(p) for p in path) or "tensor"
    if name in tensors or name == "__metadata__":  # e.g. keys "a.b" and "a" -> "b" both give "a.b"
        name = next(
            f"{name}~{i}" for i in range(1, len(tensors) + 2) if f"{name}~{i}" not in tensors
        )
    tensors[name] = data.astype(dt, order="C", copy=False)  # astype keeps 0-d arrays 0-d
    ref: dict[str, Any] = {"tensor": name}
    if isinstance(x, Tensor) and x.requires_grad:
        ref["requires_grad"] = True
    return ref


def _layout(root: Any, tensors: dict[str, np.ndarray]) -> tuple[bytes, list[np.ndarray]]:
    """The file's first bytes (length + JSON header) and its arrays in file order.

    Wider dtypes come first so that every tensor's offset is a multiple of its item size (the
    header is padded to 8 bytes), as the safetensors library itself lays files out.
    """
    names = sorted(tensors, key=lambda n: -tensors[n].itemsize)  # stable: insertion order kept
    entries: dict[str, dict] = {}
    offset = 0
    for n in names:
        a = tensors[n]
        code = _ST_CODES[a.dtype]
        entries[n] = {
            "dtype": code,
            "shape": list(a.shape),
            "data_offsets": [offset, offset + a.nbytes],
        }
        offset += a.nbytes
    table = [[n, e["dtype"], e["shape"], e["data_offsets"]] for n, e in entries.items()]
    meta = {"format": FORMAT_VERSION, "sha256": _digest(root, table), "root": root}
    header = {"__metadata__": {_META_KEY: json.dumps(meta, **_JSON)}, **entries}
    raw = json.dumps(header, **_JSON).encode("ascii")
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw, [tensors[n] for n in names]


def _digest(root: Any, table: list) -> str:
    return hashlib.sha256(json.dumps([root, table], **_JSON).encode("ascii")).hexdigest()


def _write(stream: IO[bytes], head: bytes, arrays: list[np.ndarray]) -> None:
    stream.write(head)
    for a in arrays:
        if a.nbytes:
            stream.write(a.reshape(-1).view(np.uint8))


def _atomic_write(path: str, head: bytes, arrays: list[np.ndarray]) -> None:
    """Write to a temporary file next to ``path``, fsync it, then rename it over ``path``."""
    target = os.path.realpath(path)  # write through a symlink, as open() would
    directory, base = os.path.split(target)
    if not os.path.isdir(directory):
        raise RuntimeError(f"Parent directory {os.path.dirname(path) or directory} does not exist.")
    tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)  # 0o666 & ~umask, like open(path, "wb")
    try:
        with open(fd, "wb") as stream:
            _write(stream, head, arrays)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename durable; not possible on every platform (Windows), so best effort."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------------------- load


class _Entry(NamedTuple):
    code: str  # safetensors dtype name, e.g. "F32"
    dtype: np.dtype
    shape: tuple[int, ...]
    begin: int
    end: int


def load(f: FileLike, map_location: Any = None, weights_only: bool = True) -> Any:
    """Load an object written by :func:`save`, or any safetensors file.

    Args:
        f: a path or a file object opened for binary reading.
        map_location: None or ``"cpu"`` (feedforward only has the CPU).
        weights_only: accepted for torch compatibility and has no effect: feedforward files
            hold only tensors and plain data, and nothing is ever unpickled.

    Returns:
        The saved object, with every tensor (or NumPy array) as a Tensor. A safetensors file
        from another program loads as an OrderedDict of Tensors in the file's order, which is
        the order ``safetensors.torch.load_file`` gives too: ``save_file`` groups tensors by
        dtype (widest first) and sorts each group by name, so a torch state_dict's own order
        is lost. Files written by :func:`save` keep every dict's order.

    Raises:
        SerializationError: the file is a pickle or ``torch.save`` file, not a safetensors
            file, truncated or corrupted, or holds a dtype feedforward lacks (e.g. bfloat16).
    """
    _check_map_location(map_location)
    with _source(f) as (stream, base, size, name):
        entries, metadata, data_start = _read_header(stream, base, size, name)
        root = _structure(metadata, entries, name)
        arrays = _read_tensors(stream, entries, data_start, name)
    if root is _FOREIGN:
        return OrderedDict((n, _to_tensor(arrays[n], False)) for n in arrays)
    return _decode(root, arrays, set(), name, 0)


def _check_map_location(map_location: Any) -> None:
    locations = map_location.values() if isinstance(map_location, dict) else [map_location]
    for loc in locations:
        if loc is not None and str(loc).split(":")[0] != "cpu":
            raise RuntimeError(
                f"ff.load: feedforward tensors live on the CPU only; map_location must be None "
                f"or 'cpu', got {map_location!r}"
            )


@contextlib.contextmanager
def _source(f: FileLike) -> Iterator[tuple[IO[bytes], int, int, str]]:
    """Yield (stream, start offset, byte count, name for messages) for a path or file object."""
    if isinstance(f, str | os.PathLike):
        path = os.fspath(f)
        with open(path, "rb") as stream:
            yield stream, 0, os.fstat(stream.fileno()).st_size, repr(path)
    elif hasattr(f, "read"):
        if isinstance(f, io.TextIOBase):
            raise TypeError("ff.load: the file object is in text mode; open it with 'rb'")
        name = repr(getattr(f, "name", "<file object>"))
        if getattr(f, "seekable", lambda: False)():
            base = f.tell()
            size = f.seek(0, io.SEEK_END) - base
            f.seek(base)
            yield f, base, size, name
        else:
            data = f.read()
            yield io.BytesIO(data), 0, len(data), name
    else:
        raise TypeError(
            f"ff.load: f must be a path or a binary file object, got {type(f).__name__}"
        )


def _read_header(
    stream: IO[bytes], base: int, size: int, name: str
) -> tuple[dict[str, _Entry], dict[str, str] | None, int]:
    """Parse and check the length prefix and JSON header; return (entries, metadata, data start)."""
    if size < 8:
        raise _refuse(name, _sniff(stream.read(8)) or f"is {size} bytes long: truncated or empty")
    prefix = _read_exact(stream, 8, name)
    n = struct.unpack("<Q", prefix)[0]
    if n > size - 8 or n > _MAX_HEADER_BYTES:
        raise _refuse(
            name,
            _sniff(prefix)
            or f"is not a valid safetensors file: its header length {n} exceeds the {size - 8} "
            "bytes after the length field (truncated or corrupted)",
        )
    raw = _read_exact(stream, n, name)
    if not raw.startswith(b"{"):
        raise _refuse(name, _sniff(prefix) or "is not a safetensors file: header is not JSON")
    header = _parse_json(raw, name, "header")
    if not isinstance(header, dict):
        raise _refuse(name, "has a corrupted header: not a JSON object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (
        isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())
    ):
        raise _refuse(name, "has a corrupted header: __metadata__ must map strings to strings")
    entries = {t: _entry(t, info, name) for t, info in header.items()}
    _check_offsets(entries, size - 8 - n, name)
    return entries, metadata, base + 8 + n


def _entry(tname: str, info: Any, name: str) -> _Entry:
    """Validate one tensor's header entry."""

    def bad(what: str) -> SerializationError:
        return _refuse(name, f"has a corrupted header: tensor {tname!r} {what}")

    if not isinstance(info, dict):
        raise bad("is not described by a JSON object")
    code, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(code, str):
        raise bad(f"has invalid dtype {_short(code)}")
    if code in _ST_UNSUPPORTED:
        raise _refuse(
            name,
            f"holds tensor {tname!r} of dtype {code}, which feedforward does not "
            "support; convert it to float32 (or another supported dtype) first",
        )
    if code not in _ST_DTYPES:
        raise bad(f"has unknown dtype {code!r}")
    if not (
        isinstance(shape, list) and len(shape) <= _MAX_NDIM and all(_is_count(d) for d in shape)
    ):
        raise bad(f"has invalid shape {_short(shape)}")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))):
        raise bad(f"has invalid data_offsets {_short(offsets)}")
    dtype = _ST_DTYPES[code]
    nbytes = math.prod(shape) * dtype.itemsize
    if offsets[1] - offsets[0] != nbytes:
        raise bad(
            f"of shape {shape} and dtype {code} needs {nbytes} bytes, but its data_offsets "
            f"{offsets} span {offsets[1] - offsets[0]}"
        )
    return _Entry(code, dtype, tuple(shape), offsets[0], offsets[1])


def _is_count(v: Any) -> bool:
    return type(v) is int and v >= 0


def _check_offsets(entries: dict[str, _Entry], data_bytes: int, name: str) -> None:
    """The tensors must tile the data section exactly: no gaps, overlaps or missing bytes."""
    position = 0
    for tname, e in sorted(entries.items(), key=lambda item: (item[1].begin, item[1].end)):
        if e.begin != position:
            raise _refuse(
                name,
                f"has a corrupted header: tensor {tname!r} starts at byte "
                f"{e.begin} of the data, expected {position}",
            )
        position = e.end
    if position != data_bytes:
        what = "is truncated" if position > data_bytes else "has trailing bytes or is corrupted"
        raise _refuse(
            name, f"{what}: its tensors need {position} bytes of data, the file has {data_bytes}"
        )


def _structure(metadata: dict[str, str] | None, entries: dict[str, _Entry], name: str) -> Any:
    """The encoded object from feedforward's metadata (digest checked); _FOREIGN for others."""
    metadata = metadata or {}
    if _META_KEY not in metadata:
        for key, value in metadata.items():
            if '"sha256"' in value and '"root"' in value:
                raise _refuse(
                    name,
                    f"has a corrupted header: metadata key {key!r} holds feedforward's structure",
                )
        return _FOREIGN
    meta = _parse_json(metadata[_META_KEY], name, "feedforward metadata")
    if not (isinstance(meta, dict) and set(meta) == {"format", "sha256", "root"}):
        raise _refuse(
            name, "has corrupted feedforward metadata: expected keys format, sha256, root"
        )
    if type(meta["format"]) is int and meta["format"] > FORMAT_VERSION:
        raise _refuse(
            name,
            f"was written by a newer feedforward (format {meta['format']}); this "
            f"version reads format {FORMAT_VERSION}",
        )
    if meta["format"] != FORMAT_VERSION or type(meta["format"]) is not int:
        raise _refuse(name, f"has corrupted feedforward metadata: format {meta['format']!r}")
    table = [[t, e.code, list(e.shape), [e.begin, e.end]] for t, e in entries.items()]
    try:
        digest = _digest(meta["root"], table)
    except (ValueError, TypeError, RecursionError):  # a non-finite float or too deep
        digest = None
    if digest != meta["sha256"]:
        raise _refuse(
            name,
            "has a corrupted header: the sha256 digest of its structure and "
            "tensor table does not match",
        )
    return meta["root"]


def _read_tensors(
    stream: IO[bytes], entries: dict[str, _Entry], data_start: int, name: str
) -> dict[str, np.ndarray]:
    """Read each tensor into its own fresh (aligned, writable) array, in file order."""
    arrays = {}
    for tname, e in sorted(entries.items(), key=lambda item: (item[1].begin, item[1].end)):
        arr = np.empty(e.shape, e.dtype)  # size checked against the file already
        if arr.nbytes:
            stream.seek(data_start + e.begin)
            _readinto(stream, arr.reshape(-1).view(np.uint8), name)
        if e.code == "BOOL" and arr.size and arr.view(np.uint8).max() > 1:
            raise _refuse(name, f"is corrupted: bool tensor {tname!r} holds bytes other than 0/1")
        arrays[tname] = arr.astype(arr.dtype.newbyteorder("="), copy=False)
    return arrays


def _decode(x: Any, arrays: dict[str, np.ndarray], used: set[str], name: str, depth: int) -> Any:
    """Rebuild the object from its JSON form; every JSON object is a tagged value."""

    def bad(what: str) -> SerializationError:
        return _refuse(name, f"has corrupted feedforward metadata: {what}")

    if depth > _MAX_DEPTH:
        raise bad(f"nested deeper than {_MAX_DEPTH} levels")
    if x is None or isinstance(x, bool | int | float | str):
        return x
    if not (isinstance(x, dict) and len(x) >= 1):
        raise bad(f"unexpected value {_short(x)}")
    tag, value = next(iter(x.items()))
    if tag == "tensor" and set(x) <= {"tensor", "requires_grad"}:
        requires_grad = x.get("requires_grad", False)
        ok = isinstance(value, str) and value in arrays and value not in used
        if not ok or not isinstance(requires_grad, bool):
            raise bad(f"bad tensor reference {_short(x)}")
        used.add(value)
        return _to_tensor(arrays[value], requires_grad)
    if len(x) != 1:
        raise bad(f"unexpected value {_short(x)}")
    if tag == "float" and value in ("nan", "inf", "-inf"):
        return float(value)
    if tag in ("list", "tuple") and isinstance(value, list):
        items = [_decode(v, arrays, used, name, depth + 1) for v in value]
        return tuple(items) if tag == "tuple" else items
    if tag in ("dict", "odict") and isinstance(value, list):
        out = OrderedDict() if tag == "odict" else {}
        for pair in value:
            ok = isinstance(pair, list) and len(pair) == 2 and type(pair[0]) in (str, int)
            if not ok or pair[0] in out:
                raise bad(f"bad dict entry {_short(pair)}")
            out[pair[0]] = _decode(pair[1], arrays, used, name, depth + 1)
        return out
    raise bad(f"unexpected value {_short(x)}")


# -------------------------------------------------------------------------------------- helpers


def _to_tensor(arr: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(arr, requires_grad and arr.dtype.kind == "f", None)


def _sniff(prefix: bytes) -> str | None:
    """Name the kind of a file that isn't safetensors from its first bytes, where recognisable."""
    convert = (
        "; convert it with safetensors, in torch: safetensors.torch.save_file("
        "torch.load(path, weights_only=True), 'model.safetensors')"
    )
    if prefix.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "is a zip archive, e.g. a torch.save file; feedforward never unpickles" + convert
    if len(prefix) >= 2 and prefix[0] == 0x80 and 2 <= prefix[1] <= 5:
        return (
            "is a pickle/torch.save file; feedforward never unpickles (unpickling can run "
            "arbitrary code)" + convert
        )
    if prefix.startswith(b"\x93NUMPY"):
        return "is a NumPy .npy file, not safetensors; read it with numpy.load"
    return None


def _parse_json(raw: bytes | str, name: str, what: str) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity literals, no duplicate keys."""
    try:
        text = raw if isinstance(raw, str) else raw.decode("utf-8")
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError too
        raise _refuse(name, f"has a corrupted {what}: {e}") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key in a JSON object")
    return out


def _no_constant(token: str) -> None:
    raise ValueError(f"{token} is not valid JSON")


def _read_exact(stream: IO[bytes], n: int, name: str) -> bytes:
    data = stream.read(n)
    if not isinstance(data, bytes | bytearray):
        raise TypeError("ff.load: the file object must be opened in binary mode ('rb')")
    if len(data) != n:
        raise _refuse(name, "ended early while reading (truncated, or changed while loading)")
    return bytes(data)


def _readinto(stream: IO[bytes], out: np.ndarray, name: str) -> None:
    view, filled = memoryview(out), 0
    while filled < len(view):
        got = stream.readinto(view[filled:]) if hasattr(stream, "readinto") else None
        if got is None:  # no readinto, or a non-blocking stream: fall back to read
            chunk = stream.read(len(view) - filled)
            got = len(chunk)
            view[filled : filled + got] = chunk
        if not got:
            raise _refuse(name, "ended early while reading (truncated, or changed while loading)")
        filled += got


def _refuse(name: str, what: str) -> SerializationError:
    return SerializationError(f"ff.load: {name} {what}")


def _where(path: tuple) -> str:
    return repr(".".join(str(p) for p in path)) if path else "the top level"


def _short(x: Any) -> str:
    text = json.dumps(x, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
