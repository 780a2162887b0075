"""The contract between the unpack dispatcher and the format unpackers.

The dispatcher (:mod:`agentxray.unpack.dispatch`) hands each unpacker a :class:`Blob` (a file already
written safely under the output folder) and a :class:`Sink` to emit what it finds inside. Emitted
children are themselves offered to every unpacker again (nested containers), up to the depth limit.
Unpackers never write to disk themselves and never raise for per-item problems: they call
:meth:`Sink.notice`. A container that is broken as a whole raises :class:`agentxray.errors.UnpackError`
(the dispatcher turns that into a notice when the container is nested).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from agentxray.model import FileKind, NoticeLevel
from agentxray.unpack.limits import Limits


@dataclass(frozen=True, slots=True)
class Blob:
    """A file offered to the unpackers."""

    vpath: str
    """Its virtual path, e.g. ``claude`` or ``package.tgz!package/bin/claude``."""
    path: Path
    """Where its bytes are on disk (inside the output folder, or the acquired artifact itself)."""
    size: int
    head: bytes
    """The first bytes (up to 4 KiB), for sniffing."""
    depth: int
    """How many containers deep it is (0 for the artifact itself)."""


class Readable(Protocol):
    """Anything with ``read(n)`` returning bytes (files, archive member readers)."""

    def read(self, size: int = -1, /) -> bytes: ...


class Sink(Protocol):
    """Where an unpacker puts what it recovers; implemented by the dispatcher."""

    limits: Limits

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
        """Record a member ``name`` of ``parent`` (its vpath becomes ``parent.vpath + "!" + name``
        for a container, or ``parent.vpath + "/" + name`` for a directory's member).

        ``data`` is the content (any bytes-like object, e.g. a slice of an ``mmap``), or a path
        to a temporary file holding it (moved into place; left alone when ``write=False``).
        ``kind`` is guessed from the name and content when ``None``. ``offset`` is where the
        content lies uncompressed inside ``parent``. ``write=False`` records the entry without
        writing it (e.g. a 139 MB bytecode blob; such an entry is never offered to unpackers);
        ``nested=False`` stops the dispatcher from offering it to unpackers again. Unsafe names (absolute, ``..``, device names) are
        sanitised or refused with a notice by the sink, and size/count limits are enforced there.
        """

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
        """Like :meth:`emit`, but copy ``stream`` straight into its final file, for big members.

        ``size`` is the declared size (refused early when over the member limit; the real size
        is enforced while copying). With ``compressed_size`` (what the reader consumes at most)
        the compression ratio is enforced while copying too. A member over a limit is removed
        and recorded as a notice; exceptions raised by ``stream`` propagate after the partial
        file is removed.
        """

    def notice(
        self, code: str, message: str, *, path: str | None = None, level: NoticeLevel = "warning"
    ) -> None:
        """Record a per-item problem and go on."""


class Unpacker(ABC):
    """One container format."""

    name: ClassVar[str]
    """Short id, e.g. ``bun``, ``tarball``, ``node-sea``."""

    @abstractmethod
    def matches(self, blob: Blob) -> bool:
        """Whether ``blob`` is in this format (by magic bytes first, name second). Must be cheap."""

    @abstractmethod
    def extract(self, blob: Blob, sink: Sink) -> None:
        """Emit ``blob``'s members into ``sink``."""
