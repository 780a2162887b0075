"""The unpackers, in the order they are offered each blob: the first that matches extracts it.

Specific formats come before general ones; ``native`` (strings of any executable) comes last so it
only sees binaries no embedded-bundle format claimed. Entries are instances.
"""

from __future__ import annotations

from agentxray.unpack.asar import AsarUnpacker
from agentxray.unpack.bun import BunUnpacker
from agentxray.unpack.directory import DirectoryUnpacker
from agentxray.unpack.interface import Unpacker
from agentxray.unpack.native import NativeUnpacker
from agentxray.unpack.node_sea import NodeSeaUnpacker
from agentxray.unpack.tarball import TarballUnpacker
from agentxray.unpack.ziparchive import ZipUnpacker

UNPACKERS: tuple[Unpacker, ...] = (
    DirectoryUnpacker(),
    BunUnpacker(),
    NodeSeaUnpacker(),
    AsarUnpacker(),
    TarballUnpacker(),
    ZipUnpacker(),
    NativeUnpacker(),
)
