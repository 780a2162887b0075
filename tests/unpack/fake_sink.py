"""A recording stand-in for the dispatcher's Sink, for unpacker unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agentxray.model import FileKind, NoticeLevel
from agentxray.unpack.interface import Blob, Readable
from agentxray.unpack.limits import Limits


@dataclass
class Emitted:
    name: str
    data: bytes
    kind: FileKind | None
    offset: int | None
    note: str | None
    write: bool
    nested: bool


@dataclass
class FakeSink:
    limits: Limits = field(default_factory=Limits)
    items: list[Emitted] = field(default_factory=list)
    notices: list[tuple[str, str, NoticeLevel]] = field(default_factory=list)

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
        content = Path(data).read_bytes() if isinstance(data, Path) else bytes(data)
        self.items.append(Emitted(name, content, kind, offset, note, write, nested))

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
        chunks = []
        while chunk := stream.read(1 << 16):
            chunks.append(chunk)
        content = b"".join(chunks)
        assert size is None or len(content) == size
        self.items.append(Emitted(name, content, kind, offset, note, True, nested))

    def notice(
        self, code: str, message: str, *, path: str | None = None, level: NoticeLevel = "warning"
    ) -> None:
        self.notices.append((code, message, level))

    def by_name(self) -> dict[str, Emitted]:
        return {item.name: item for item in self.items}


def blob_at(path: Path, vpath: str | None = None) -> Blob:
    """A Blob for a file written by a test."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    return Blob(vpath or path.name, path, path.stat().st_size, head, 0)
