"""The dispatcher: offers each blob to the unpackers, records what they emit, recurses, enforces limits.

It implements :class:`agentxray.unpack.interface.Sink`. Every write goes through
:class:`agentxray.unpack.writer.SafeWriter`; every name through :mod:`agentxray.unpack.safepath`.

Notice codes it records: ``path-traversal`` (a ``..`` in a name; written under ``__``),
``member-too-large``, ``ratio-exceeded``, ``depth-exceeded`` (a container too deep to open),
``name-too-long``, ``path-too-deep``, ``unpack-failed`` (a nested container is malformed),
``unpacker-crashed`` (an unpacker hit an unexpected error; details with ``--debug``). Unpackers add their own (``symlink-skipped``,
``hardlink-skipped``, ``absolute-path``, ``malformed``…). Exceeding the total size or the
member count raises :class:`agentxray.errors.LimitExceeded`.
"""

from __future__ import annotations

import hashlib
import logging
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from agentxray.errors import LimitExceeded, UnpackError
from agentxray.model import FileEntry, FileKind, Notice, NoticeLevel
from agentxray.unpack.interface import Blob, Readable, Unpacker
from agentxray.unpack.kinds import guess_kind
from agentxray.unpack.limits import RATIO_FLOOR, Limits
from agentxray.unpack.safepath import NESTED_SUFFIX, PathAllocator, clean_text, split_name
from agentxray.unpack.writer import HEAD, SafeWriter, StopCopy, Written, is_fatal

logger = logging.getLogger(__name__)

_Guard = Callable[[int], None]
MAX_PARTS = 64
"""Folder levels one member may create (deeper trees break common tools, e.g. recursive walks)."""
THREAD_MIN_BYTES = 8 << 20
"""Members this big (or of unknown size) are hashed and written in a helper thread."""


def _mib(n: int) -> str:
    return f"{n / 1024**2:,.1f} MiB"


class Dispatcher:
    """Runs the unpackers over one artifact and everything nested in it."""

    def __init__(
        self,
        writer: SafeWriter,
        limits: Limits,
        unpackers: Sequence[Unpacker],
        *,
        reserved: Sequence[str] = (),
    ) -> None:
        self.limits = limits
        self._writer = writer
        self._unpackers = tuple(unpackers)
        self._alloc = PathAllocator()
        for name in reserved:
            self._alloc.reserve(name)
        self.files: list[FileEntry] = []
        self.notices: list[Notice] = []
        self.total_bytes = 0
        self.members = 0
        self._queue: deque[Blob] = deque()
        self._relpath: dict[Path, str] = {}
        """Written blob's path → its relpath, for naming its members' folder."""
        self._prefix: dict[Path, str] = {}
        """Container's path → the folder (relpath) its members go to."""
        self._dirs: dict[Path, bool] = {}

    # -- running ---------------------------------------------------------------------------

    def run(self, top: Blob) -> bool:
        """Unpack ``top`` and, breadth first, every nested container; whether any unpacker
        claimed ``top``."""
        self._prefix[top.path] = ""
        claimed = self._offer(top)
        while self._queue:
            self._offer(self._queue.popleft())
        return claimed

    def adopt(self, top: Blob, name: str) -> None:
        """Copy a top-level file no unpacker claimed into the output as ``name``."""
        parts = split_name(name).parts
        relpath = self._alloc.file("", parts)
        with open(top.path, "rb") as handle:
            try:
                written = self._writer.write_stream(
                    relpath, handle, self._guard(top.vpath, None)[0], threaded=True
                )
            except StopCopy as stop:
                raise LimitExceeded(f"{top.vpath}: {stop.message}") from None
        self.total_bytes += written.size
        self.members += 1
        kind = guess_kind(name, written.head)
        self.files.append(FileEntry(top.vpath, kind, written.size, written.sha256, relpath))

    def _offer(self, blob: Blob) -> bool:
        matching = [u for u in self._unpackers if self._matches(u, blob)]
        if not matching:
            return False
        if blob.depth > self.limits.max_depth:
            self.notice(
                "depth-exceeded",
                f"not opened: {matching[0].name} container nested {blob.depth} deep "
                f"(limit {self.limits.max_depth})",
                path=blob.vpath,
            )
            return True
        failure: UnpackError | None = None
        for unpacker in matching:
            try:
                unpacker.extract(blob, self)
                return True
            except LimitExceeded:
                raise
            except UnpackError as exc:
                message = f"{unpacker.name}: {exc.diagnostics()}"
                failure = failure or exc
            except OSError as exc:
                if is_fatal(exc):
                    raise
                message = f"{unpacker.name} failed: {exc}"
                reason = exc.strerror or exc
                failure = failure or UnpackError(f"cannot read {blob.vpath}: {reason}")
            except Exception as exc:  # an unpacker bug met on hostile input: record, go on
                logger.debug("unpacker %s crashed on %s", unpacker.name, blob.vpath, exc_info=True)
                message = f"{unpacker.name} failed: {type(exc).__name__}: {exc}"
                failure = failure or UnpackError(
                    f"cannot unpack {blob.vpath}: {unpacker.name} failed "
                    f"({type(exc).__name__}: {exc})",
                    hint="Re-run with --debug for details and report it.",
                )
                self.notice("unpacker-crashed", message, path=blob.vpath, level="error")
                continue
            self.notice("unpack-failed", message, path=blob.vpath, level="error")
        if blob.depth == 0 and failure is not None:
            raise failure
        return True

    @staticmethod
    def _matches(unpacker: Unpacker, blob: Blob) -> bool:
        try:
            return unpacker.matches(blob)
        except Exception:  # a matcher must be cheap and total; a crash means "not mine"
            logger.debug("matches() of %s crashed on %s", unpacker.name, blob.vpath, exc_info=True)
            return False

    # -- the Sink interface ----------------------------------------------------------------

    def notice(
        self, code: str, message: str, *, path: str | None = None, level: NoticeLevel = "warning"
    ) -> None:
        """Record a per-item problem."""
        logger.info("%s: %s (%s)", code, message, path)
        self.notices.append(
            Notice(code, clean_text(message), clean_text(path) if path else None, level)
        )

    def emit(
        self,
        parent: Blob,
        name: str,
        data: bytes | bytearray | memoryview | Path,
        *,
        kind: FileKind | None = None,
        offset: int | None = None,
        note: str | None = None,
        write: bool = True,
        nested: bool = True,
    ) -> None:
        """Record (and normally write) one member; see :meth:`Sink.emit`."""
        vpath, relpath_of = self._admit(parent, name)
        if isinstance(data, Path):
            size = data.stat().st_size
            if not write:
                with open(data, "rb") as handle:
                    head = handle.read(HEAD)
                    handle.seek(0)
                    sha = hashlib.file_digest(handle, "sha256").hexdigest()
                self._record(parent, vpath, name, None, size, sha, head, kind, offset, note)
                return
            if not self._fits(vpath, size):
                return
            written = self._writer.move_in(relpath_of(), data, self._guard(vpath, None)[0])
        else:
            view = memoryview(data).cast("B")
            if not write:
                sha = hashlib.sha256(view).hexdigest()
                head = bytes(view[:HEAD])
                self._record(parent, vpath, name, None, view.nbytes, sha, head, kind, offset, note)
                return
            if not self._fits(vpath, view.nbytes):
                return
            written = self._writer.write_bytes(relpath_of(), view)
        self.total_bytes += written.size
        self._finish(parent, vpath, name, written, kind, offset, note, nested)

    def emit_stream(
        self,
        parent: Blob,
        name: str,
        stream: Readable,
        *,
        size: int | None = None,
        compressed_size: int | None = None,
        kind: FileKind | None = None,
        offset: int | None = None,
        note: str | None = None,
        nested: bool = True,
    ) -> None:
        """Copy one member from ``stream``; see :meth:`Sink.emit_stream`."""
        vpath, relpath_of = self._admit(parent, name)
        if size is not None and not self._fits(vpath, size):
            return
        guard, tripped = self._guard(vpath, compressed_size)
        try:
            written = self._writer.write_stream(
                relpath_of(), stream, guard, threaded=size is None or size >= THREAD_MIN_BYTES
            )
        except StopCopy as stop:
            if stop not in tripped:
                raise
            self.notice(stop.code, stop.message, path=vpath)
            return
        self.total_bytes += written.size
        self._finish(parent, vpath, name, written, kind, offset, note, nested)

    def sibling(self, relpath: str, infix: str) -> str:
        """A fresh relpath beside ``relpath`` with ``infix`` before its extension
        (``a/cli.js`` → ``a/cli.pretty.js``)."""
        folder, _, name = relpath.rpartition("/")
        stem, dot, ext = name.rpartition(".")
        new = f"{stem}{infix}.{ext}" if dot and stem else name + infix
        return self._alloc.file(folder, (new,))

    # -- helpers ---------------------------------------------------------------------------

    def _admit(self, parent: Blob, name: str) -> tuple[str, _RelpathOf]:
        """Count the member, build its vpath and a lazy relpath allocator for it."""
        self.members += 1
        if self.members > self.limits.max_members:
            raise LimitExceeded(
                f"more than {self.limits.max_members:,} members in {parent.vpath}"
                " and the containers before it"
            )
        name = clean_text(name)
        sep = "/" if parent.depth == 0 and self._is_dir(parent.path) else "!"
        vpath = f"{parent.vpath}{sep}{name}"
        safe = split_name(name)
        if safe.traversal:
            self.notice(
                "path-traversal",
                f"member name {name!r} climbs out of its folder; written under __",
                path=vpath,
            )
        parts = safe.parts
        if len(parts) > MAX_PARTS:
            self.notice(
                "path-too-deep",
                f"member path has {len(parts)} levels; written with the middle ones folded",
                path=vpath,
            )
            parts = (*parts[: MAX_PARTS - 16], "__deep__", *parts[-15:])
        if len(name.encode("utf-8", "replace")) > self.limits.max_name_bytes:
            self.notice(
                "name-too-long", f"member name of {len(name)} characters shortened", path=vpath
            )
            parts = ("_long", parts[-1])
        prefix = self._prefix_of(parent)
        return vpath, _RelpathOf(self._alloc, prefix, parts)

    def _is_dir(self, path: Path) -> bool:
        known = self._dirs.get(path)
        if known is None:
            known = self._dirs[path] = path.is_dir()
        return known

    def _prefix_of(self, parent: Blob) -> str:
        prefix = self._prefix.get(parent.path)
        if prefix is None:
            rel = self._relpath.get(parent.path)
            if rel is None:  # a parent the dispatcher never wrote: name its folder after its vpath
                rel = "/".join(split_name(parent.vpath.replace("!", "/")).parts)
            where, _, base = rel.rpartition("/")
            prefix = self._alloc.folder(where, base + NESTED_SUFFIX, alias="c:" + rel)
            self._prefix[parent.path] = prefix
        return prefix

    def _fits(self, vpath: str, size: int) -> bool:
        if size > self.limits.max_member_bytes:
            self.notice(
                "member-too-large",
                f"not written: {_mib(size)} is over the member limit of "
                f"{_mib(self.limits.max_member_bytes)}",
                path=vpath,
            )
            return False
        if self.total_bytes + size > self.limits.max_total_bytes:
            raise self._total_exceeded(vpath)
        return True

    def _total_exceeded(self, vpath: str) -> LimitExceeded:
        return LimitExceeded(
            f"unpacking would write more than {_mib(self.limits.max_total_bytes)} in total "
            f"(at {vpath})"
        )

    def _guard(self, vpath: str, compressed_size: int | None) -> tuple[_Guard, list[StopCopy]]:
        tripped: list[StopCopy] = []
        limits = self.limits
        max_ratio_bytes = (
            None if compressed_size is None else limits.max_ratio * max(compressed_size, 1)
        )

        def guard(n: int) -> None:
            if n > limits.max_member_bytes:
                stop = StopCopy(
                    "member-too-large",
                    f"not written: larger than the member limit of {_mib(limits.max_member_bytes)}",
                )
            elif max_ratio_bytes is not None and n > RATIO_FLOOR and n > max_ratio_bytes:
                stop = StopCopy(
                    "ratio-exceeded",
                    f"not written: expands more than {limits.max_ratio:g}× "
                    f"({compressed_size:,} compressed bytes)",
                )
            elif self.total_bytes + n > limits.max_total_bytes:
                raise self._total_exceeded(vpath)
            else:
                return
            tripped.append(stop)
            raise stop

        return guard, tripped

    def _finish(
        self,
        parent: Blob,
        vpath: str,
        name: str,
        written: Written,
        kind: FileKind | None,
        offset: int | None,
        note: str | None,
        nested: bool,
    ) -> None:
        self._record(
            parent,
            vpath,
            name,
            written.relpath,
            written.size,
            written.sha256,
            written.head,
            kind,
            offset,
            note,
        )
        if nested:
            path = self._writer.root / written.relpath
            self._relpath[path] = written.relpath
            self._queue.append(Blob(vpath, path, written.size, written.head, parent.depth + 1))

    def _record(
        self,
        parent: Blob,
        vpath: str,
        name: str,
        relpath: str | None,
        size: int,
        sha256: str,
        head: bytes,
        kind: FileKind | None,
        offset: int | None,
        note: str | None,
    ) -> None:
        self.files.append(
            FileEntry(
                vpath=vpath,
                kind=kind or guess_kind(name, head),
                size=size,
                sha256=sha256,
                relpath=relpath,
                container=parent.vpath,
                offset=offset,
                note=note,
            )
        )


class _RelpathOf:
    """Allocates a member's relpath on first call (only once it passed the limits)."""

    def __init__(self, alloc: PathAllocator, prefix: str, parts: tuple[str, ...]) -> None:
        self._alloc, self._prefix, self._parts = alloc, prefix, parts
        self._relpath: str | None = None

    def __call__(self) -> str:
        if self._relpath is None:
            self._relpath = self._alloc.file(self._prefix, self._parts)
        return self._relpath
