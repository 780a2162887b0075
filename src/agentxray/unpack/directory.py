"""A local folder given as the target: its files, walked without following symlinks.

Folders are opened relative to their parent's descriptor with ``O_NOFOLLOW``, so a symlink
(even one swapped in during the walk) never leads outside; symlinks are recorded
(``symlink-skipped``) with their target, devices and fifos skipped (``special-file-skipped``).
"""

from __future__ import annotations

import logging
import os
import stat

from agentxray.unpack.interface import Blob, Sink, Unpacker
from agentxray.unpack.writer import is_fatal

logger = logging.getLogger(__name__)

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0)
_MAX_DEPTH = 256


class DirectoryUnpacker(Unpacker):
    """The artifact is a folder."""

    name = "directory"

    def matches(self, blob: Blob) -> bool:
        """Only the artifact itself, when it is a folder."""
        return blob.depth == 0 and blob.path.is_dir()

    def extract(self, blob: Blob, sink: Sink) -> None:
        """Emit every regular file below the folder, in name order."""
        root = os.open(blob.path, _DIR)
        try:
            self._walk(blob, sink, root, "", 0)
        finally:
            os.close(root)

    def _walk(self, blob: Blob, sink: Sink, fd: int, prefix: str, depth: int) -> None:
        if depth > _MAX_DEPTH:
            sink.notice(
                "depth-exceeded",
                "folder nesting too deep; not walked further",
                path=f"{blob.vpath}/{prefix}",
            )
            return
        for name in sorted(os.listdir(fd)):
            rel = prefix + name
            where = f"{blob.vpath}/{rel}"
            try:
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode):
                    target = os.readlink(name, dir_fd=fd)
                    sink.notice(
                        "symlink-skipped",
                        f"symbolic link to {target!r} not followed",
                        path=where,
                        level="info",
                    )
                elif stat.S_ISDIR(st.st_mode):
                    child = os.open(name, _DIR, dir_fd=fd)
                    try:
                        self._walk(blob, sink, child, rel + "/", depth + 1)
                    finally:
                        os.close(child)
                elif stat.S_ISREG(st.st_mode):
                    handle = os.fdopen(os.open(name, _FILE, dir_fd=fd), "rb")
                    with handle:
                        sink.emit_stream(blob, rel, handle, size=st.st_size)
                else:
                    sink.notice(
                        "special-file-skipped",
                        "device, fifo or socket not read",
                        path=where,
                        level="info",
                    )
            except OSError as exc:
                if is_fatal(exc):
                    raise
                sink.notice("unreadable", f"cannot read: {exc.strerror or exc}", path=where)
