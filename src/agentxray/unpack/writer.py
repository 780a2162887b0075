"""The one place that writes recovered files: every path is proven to lie inside the output folder.

Paths are opened component by component relative to a descriptor of the output folder with
``O_NOFOLLOW``, so neither a hostile name nor a symlink already present in the folder can lead a
write elsewhere; files are created with ``O_EXCL`` and never overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import queue
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeAlias

from agentxray.unpack.interface import Readable

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
"""Bytes copied per read when streaming."""
HEAD = 4096
"""Bytes kept from the start of each file for sniffing."""

Bytes: TypeAlias = bytes | bytearray | memoryview

FATAL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EMFILE, errno.ENFILE})
"""Errors of the output disk, not of the input: they end the run."""

_MAX_OPEN_FOLDERS = 64
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class StopCopy(Exception):
    """Raised by a copy guard to abandon the file being written (it is removed)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Written:
    """What was written for one file."""

    relpath: str
    size: int
    sha256: str
    head: bytes


def _check_parts(relpath: str) -> list[str]:
    parts = relpath.split("/")
    for part in parts:
        if part in ("", ".", "..") or "\x00" in part or "\\" in part:
            raise ValueError(f"unsafe relative path {relpath!r}")
    return parts


class SafeWriter:
    """Creates files under ``root`` only; use as a context manager."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root_fd = os.open(root, _DIR_FLAGS)
        self._fds: OrderedDict[str, int] = OrderedDict()
        """Recently used folders (relpath → descriptor): members usually share a few folders."""

    def close(self) -> None:
        """Release the descriptors."""
        while self._fds:
            os.close(self._fds.popitem()[1])
        os.close(self._root_fd)

    def __enter__(self) -> SafeWriter:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _folder_fd(self, parts: list[str]) -> int:
        """A descriptor of the folder ``parts`` (created as needed), never through a symlink.

        Valid until the next call (it may then be closed to keep the cache small).
        """
        if not parts:
            return self._root_fd
        rel = "/".join(parts)
        fd = self._fds.get(rel)
        if fd is not None:
            self._fds.move_to_end(rel)
            return fd
        known = len(parts) - 1
        while known > 0 and "/".join(parts[:known]) not in self._fds:
            known -= 1
        fd = self._root_fd if known == 0 else self._fds["/".join(parts[:known])]
        for depth in range(known, len(parts)):
            part = parts[depth]
            try:
                fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=fd)
                fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
            self._fds["/".join(parts[: depth + 1])] = fd
        while len(self._fds) > _MAX_OPEN_FOLDERS:
            os.close(self._fds.popitem(last=False)[1])
        return fd

    def _create(self, relpath: str) -> int:
        """Open a new file for writing."""
        parts = _check_parts(relpath)
        return os.open(parts[-1], _FILE_FLAGS, 0o644, dir_fd=self._folder_fd(parts[:-1]))

    def _discard(self, relpath: str) -> None:
        parts = relpath.split("/")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(parts[-1], dir_fd=self._folder_fd(parts[:-1]))

    def write_bytes(self, relpath: str, data: Bytes) -> Written:
        """Write ``data`` to a new file at ``relpath``."""
        view = memoryview(data).cast("B")
        fd = self._create(relpath)
        digest = hashlib.sha256()
        try:
            pos = 0
            while pos < len(view):
                chunk = view[pos : pos + CHUNK * 16]
                digest.update(chunk)
                done = 0
                while done < len(chunk):
                    done += os.write(fd, chunk[done:])
                pos += len(chunk)
        except BaseException:
            os.close(fd)
            self._discard(relpath)
            raise
        os.close(fd)
        return Written(relpath, len(view), digest.hexdigest(), bytes(view[:HEAD]))

    def write_stream(
        self,
        relpath: str,
        stream: Readable,
        guard: Callable[[int], None] | None = None,
        *,
        threaded: bool = False,
    ) -> Written:
        """Copy ``stream`` to a new file at ``relpath``; ``guard(bytes_so_far)`` may raise
        :class:`StopCopy` (or anything) to abandon it, and the partial file is removed.

        With ``threaded``, hashing and writing run in a helper thread while this one reads
        (decompresses): both release the GIL, so big members copy in about half the time.
        """
        fd = self._create(relpath)
        out = _Output(fd, threaded)
        size = 0
        head = b""
        try:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if guard is not None:
                    guard(size)
                if len(head) < HEAD:
                    head += chunk[: HEAD - len(head)]
                out.put(chunk)
            digest = out.finish()
        except BaseException:
            out.abandon()
            os.close(fd)
            self._discard(relpath)
            raise
        os.close(fd)
        return Written(relpath, size, digest, head)

    def move_in(self, relpath: str, source: Path, guard: Callable[[int], None] | None) -> Written:
        """Move the temporary file ``source`` to ``relpath`` (renamed when on the same file
        system, else copied); ``guard`` sees its size first."""
        st = os.lstat(source)
        if not os.path.isfile(source) or os.path.islink(source):
            raise ValueError(f"{source} is not a regular file")
        if guard is not None:
            guard(st.st_size)
        parts = _check_parts(relpath)
        folder = self._folder_fd(parts[:-1])
        try:
            os.stat(parts[-1], dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            pass
        else:
            raise FileExistsError(f"{relpath} already exists")
        try:
            os.rename(source, parts[-1], dst_dir_fd=folder)
        except OSError as exc:
            logger.debug("cannot rename %s into place (%s); copying", source, exc)
            with open(source, "rb") as handle:
                written = self.write_stream(relpath, handle, guard)
            source.unlink()
            return written
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
        with os.fdopen(fd, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256")
            handle.seek(0)
            head = handle.read(HEAD)
        return Written(relpath, st.st_size, digest.hexdigest(), head)


class _Output:
    """Hashes and writes chunks, inline or in a helper thread fed through a bounded queue."""

    def __init__(self, fd: int, threaded: bool) -> None:
        self._fd = fd
        self._digest = hashlib.sha256()
        self._error: BaseException | None = None
        self._queue: queue.Queue[bytes | None] | None = None
        self._thread: threading.Thread | None = None
        if threaded:
            self._queue = queue.Queue(maxsize=8)
            self._thread = threading.Thread(target=self._run, name="agentxray-writer", daemon=True)
            self._thread.start()

    def _write(self, chunk: bytes) -> None:
        self._digest.update(chunk)
        view = memoryview(chunk)
        done = 0
        while done < len(view):
            done += os.write(self._fd, view[done:])

    def _run(self) -> None:
        assert self._queue is not None
        while (chunk := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._write(chunk)
                except BaseException as exc:  # handed to the reading thread
                    self._error = exc

    def put(self, chunk: bytes) -> None:
        """Hash and write ``chunk`` (or queue it)."""
        if self._queue is None:
            self._write(chunk)
            return
        if self._error is not None:
            raise self._error
        self._queue.put(chunk)

    def _stop(self) -> None:
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()

    def finish(self) -> str:
        """Wait for the writes; the hex digest."""
        self._stop()
        if self._error is not None:
            raise self._error
        return self._digest.hexdigest()

    def abandon(self) -> None:
        """Stop the helper thread (after a failure)."""
        self._stop()


def is_fatal(exc: BaseException) -> bool:
    """Whether ``exc`` is a problem of the output disk (full, read-only…) rather than the input."""
    return isinstance(exc, OSError) and exc.errno in FATAL_ERRNOS


def remove_tree(path: Path) -> None:
    """Delete a folder we created, without following symlinks inside it."""
    shutil.rmtree(path, ignore_errors=True)
