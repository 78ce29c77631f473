"""Checked downloads: mirrors tried in turn, md5 verified, never a partial file left behind.

The file is streamed into a temporary file in the destination folder, fsynced, checked, and
only then renamed onto its final name with ``os.replace`` (atomic), so a file with the final
name is always complete. The temporary file is deleted on any failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

__all__ = ["DownloadError", "ChecksumError", "download_file", "md5sum"]

_CHUNK = 1 << 16
_USER_AGENT = "feedforward-datasets"


class DownloadError(RuntimeError):
    """No mirror could deliver the file."""


class ChecksumError(DownloadError):
    """The file arrived complete but its md5 is not the expected one."""


class _MirrorFailed(Exception):
    """A network problem with one mirror: the next one is tried."""


def md5sum(path: str | PathLike[str]) -> str:
    """Hex md5 of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_file(
    urls: str | Sequence[str],
    dest: str | PathLike[str],
    md5: str | None = None,
    *,
    progress: bool = True,
    timeout: float = 30.0,
) -> Path:
    """Download ``dest`` from the first of ``urls`` that works.

    Args:
        urls: one URL, or mirrors to try in order; the next is tried after a network error
            (unreachable host, HTTP error, connection dropped before Content-Length bytes).
        dest: final path of the file; its folder is created if needed.
        md5: expected hex md5 of the file; ``None`` skips the check.
        progress: show a tqdm progress bar (and say when a mirror fails).
        timeout: seconds to wait on connect and on each read.

    Returns:
        ``dest`` as a Path.

    Raises:
        ChecksumError: a mirror sent a complete file with the wrong md5 (not retried: the
            expected checksum or the mirror is wrong, which needs a person to look).
        DownloadError: every mirror failed; the message lists each one's error.
    """
    urls = [urls] if isinstance(urls, str) else list(urls)
    if not urls:
        raise ValueError("download_file: no URLs given")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in urls:
        try:
            _fetch(url, dest, md5, progress=progress, timeout=timeout)
            return dest
        except _MirrorFailed as e:
            failures.append(f"{url}: {e}")
            if progress:
                print(f"download of {dest.name} from {url} failed ({e})", file=sys.stderr)
    tried = "\n  ".join(failures)
    raise DownloadError(f"could not download {dest.name} from any mirror; tried:\n  {tried}")


def _fetch(url: str, dest: Path, md5: str | None, *, progress: bool, timeout: float) -> None:
    """One attempt: stream ``url`` into a temp file beside ``dest``, check, rename."""
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _stream(url, out, desc=dest.name, progress=progress, timeout=timeout)
            out.flush()
            os.fsync(out.fileno())
        if md5 is not None and digest != md5.lower():
            raise ChecksumError(
                f"checksum mismatch for {dest.name} from {url}: md5 is {digest}, "
                f"expected {md5.lower()}; the file was not kept"
            )
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(dest.parent)


def _stream(url: str, out: BinaryIO, *, desc: str, progress: bool, timeout: float) -> str:
    """Copy the body of ``url`` into ``out``; return its md5. Network errors -> _MirrorFailed."""
    # a fresh opener per call so proxy settings are read from the environment each time
    opener = urllib.request.build_opener()
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    digest = hashlib.md5()
    received = 0
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=desc,
                disable=not progress,
            ) as bar:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
        # URLError covers HTTP errors; OSError covers resets and timeouts while reading
        raise _MirrorFailed(f"{type(e).__name__}: {e}") from e
    # http.client returns b"" rather than raising when a server closes the connection early
    if total is not None and received != total:
        raise _MirrorFailed(f"connection closed after {received} of {total} bytes")
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable; not possible on every OS, so best effort."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
