"""Checked downloads against a local HTTP server: good, corrupt and dropped transfers."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from dataset_helpers import independent_idx

from feedforward.datasets import (
    KMNIST,
    MNIST,
    ChecksumError,
    DownloadError,
    download_file,
    md5sum,
)

PAYLOAD = bytes(range(256)) * 400  # 100 KiB, several read chunks
PAYLOAD_MD5 = hashlib.md5(PAYLOAD).hexdigest()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.hits: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        kind, body = self.server.routes.get(self.path, ("missing", b""))
        if kind == "missing":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if kind == "drop":  # promise the whole body, send half, hang up
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(monkeypatch) -> Iterator[Server]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    srv.routes = {
        "/good/file.bin": ("ok", PAYLOAD),
        "/corrupt/file.bin": ("ok", PAYLOAD[:-1] + b"X"),
        "/drop/file.bin": ("drop", PAYLOAD),
    }
    yield srv
    srv.shutdown()
    srv.server_close()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/file.bin"  # nothing listens there any more


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_good_download_lands_complete(server, tmp_path):
    dest = download_file(f"{server.url}/good/file.bin", tmp_path / "file.bin", PAYLOAD_MD5)
    assert dest == tmp_path / "file.bin"
    assert dest.read_bytes() == PAYLOAD and md5sum(dest) == PAYLOAD_MD5
    assert listing(tmp_path) == ["file.bin"]  # no temp file left


def test_download_creates_the_folder_and_skips_check_without_md5(server, tmp_path):
    dest = download_file([f"{server.url}/corrupt/file.bin"], tmp_path / "a" / "b.bin", None)
    assert dest.read_bytes() == PAYLOAD[:-1] + b"X"


def test_wrong_checksum_is_an_error_and_leaves_nothing(server, tmp_path):
    with pytest.raises(ChecksumError) as info:
        download_file(f"{server.url}/corrupt/file.bin", tmp_path / "file.bin", PAYLOAD_MD5)
    message = str(info.value)
    assert "file.bin" in message and PAYLOAD_MD5 in message
    assert hashlib.md5(PAYLOAD[:-1] + b"X").hexdigest() in message
    assert listing(tmp_path) == []


def test_wrong_checksum_is_not_retried_on_other_mirrors(server, tmp_path):
    urls = [f"{server.url}/corrupt/file.bin", f"{server.url}/good/file.bin"]
    with pytest.raises(ChecksumError):
        download_file(urls, tmp_path / "file.bin", PAYLOAD_MD5)
    assert server.hits == ["/corrupt/file.bin"]


def test_dropped_connection_is_an_error_and_leaves_nothing(server, tmp_path):
    with pytest.raises(DownloadError) as info:
        download_file(f"{server.url}/drop/file.bin", tmp_path / "file.bin", PAYLOAD_MD5)
    assert not isinstance(info.value, ChecksumError)
    message = str(info.value)
    assert "/drop/file.bin" in message
    assert f"of {len(PAYLOAD)} bytes" in message or "Connection" in message
    assert listing(tmp_path) == []


def test_a_failed_download_keeps_an_existing_file(server, tmp_path):
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"old content")
    for route in ("corrupt", "drop"):
        with pytest.raises(DownloadError):
            download_file(f"{server.url}/{route}/file.bin", dest, PAYLOAD_MD5)
    assert dest.read_bytes() == b"old content" and listing(tmp_path) == ["file.bin"]


@pytest.mark.parametrize("first", ["drop", "missing", "closed"])
def test_network_errors_fall_through_to_the_next_mirror(server, tmp_path, first):
    bad = closed_port_url() if first == "closed" else f"{server.url}/{first}/file.bin"
    dest = download_file([bad, f"{server.url}/good/file.bin"], tmp_path / "f.bin", PAYLOAD_MD5)
    assert dest.read_bytes() == PAYLOAD
    assert listing(tmp_path) == ["f.bin"]


def test_every_mirror_failing_lists_each_error(server, tmp_path):
    urls = [f"{server.url}/drop/file.bin", f"{server.url}/missing/file.bin", closed_port_url()]
    with pytest.raises(DownloadError) as info:
        download_file(urls, tmp_path / "file.bin", PAYLOAD_MD5, progress=False)
    message = str(info.value)
    assert all(url in message for url in urls)
    assert "404" in message
    assert listing(tmp_path) == []


# -- whole datasets -----------------------------------------------------------------------------


def test_mnist_download_from_a_mirror(server, tmp_path, shared_root):
    """The shared MNIST gz files are the canonical ones, so the real md5 table applies."""
    for name, _ in MNIST.resources:
        server.routes[f"/mnist/{name}"] = ("ok", (shared_root / "mnist" / name).read_bytes())
    mirrors = [f"{server.url}/nothing-here/", f"{server.url}/mnist/"]
    ds = MNIST(root=tmp_path, train=False, download=True, mirrors=mirrors)
    assert ds.raw_folder == tmp_path / "mnist"
    assert listing(tmp_path / "mnist") == sorted(name for name, _ in MNIST.resources)
    for name, md5 in MNIST.resources:
        assert md5sum(tmp_path / "mnist" / name) == md5
    expected = independent_idx(shared_root / "mnist/t10k-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(ds._targets, expected)
    hits = len(server.hits)
    MNIST(root=tmp_path, train=True, download=True, mirrors=mirrors)  # already there
    assert len(server.hits) == hits


def small_idx_gz(array: np.ndarray) -> bytes:
    header = struct.pack(f">HBB{array.ndim}I", 0, 0x08, array.ndim, *array.shape)
    return gzip.compress(header + array.tobytes())


@pytest.fixture
def fake_kmnist(server, monkeypatch) -> dict[str, np.ndarray]:
    """Tiny KMNIST-shaped files on the server, with the md5 table pointing at them."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 30, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 12, dtype=np.uint8),
    }
    resources = []
    for name, array in arrays.items():
        body = small_idx_gz(array)
        server.routes[f"/kmnist/{name}"] = ("ok", body)
        resources.append((name, hashlib.md5(body).hexdigest()))
    monkeypatch.setattr(KMNIST, "resources", resources)
    monkeypatch.setattr(KMNIST, "mirrors", [f"{server.url}/kmnist/"])
    return arrays


def test_kmnist_download_with_patched_tables(fake_kmnist, tmp_path):
    train = KMNIST(root=tmp_path, download=True)
    test = KMNIST(root=tmp_path, train=False)
    assert len(train) == 30 and len(test) == 12
    assert train.raw_folder == tmp_path / "kmnist"
    np.testing.assert_array_equal(train._data, fake_kmnist["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(test._targets, fake_kmnist["t10k-labels-idx1-ubyte.gz"])


def test_kmnist_download_with_a_wrong_md5_leaves_nothing(fake_kmnist, tmp_path, monkeypatch):
    resources = list(KMNIST.resources)
    resources[2] = (resources[2][0], "0" * 32)
    monkeypatch.setattr(KMNIST, "resources", resources)
    with pytest.raises(ChecksumError, match="t10k-images-idx3-ubyte.gz"):
        KMNIST(root=tmp_path, download=True)
    # the two files before it landed whole; the bad one and nothing partial is there
    assert listing(tmp_path / "kmnist") == [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]
