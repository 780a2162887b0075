"""``unpack()``: an artifact in, a folder of readable files plus ``manifest.json`` out."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from agentxray.errors import UnpackError
from agentxray.model import Artifact, Tree
from agentxray.unpack import output
from agentxray.unpack.dispatch import Dispatcher
from agentxray.unpack.interface import Blob
from agentxray.unpack.limits import Limits
from agentxray.unpack.manifest import MANIFEST_NAME, manifest_bytes, manifest_document
from agentxray.unpack.prettyfiles import prettify_files
from agentxray.unpack.writer import HEAD, SafeWriter, remove_tree

logger = logging.getLogger(__name__)


def top_name(artifact: Artifact) -> str:
    """The artifact's name at the head of every virtual path, e.g. ``claude-code-2.1.91.tgz``."""
    if artifact.source_url:
        name = unquote(urlsplit(artifact.source_url).path.rsplit("/", 1)[-1])
        if name:
            return name
    if artifact.format == "npm-tarball" and len(artifact.path.name) == 64:  # a cache digest
        base = artifact.name.rsplit("/", 1)[-1]
        return f"{base}-{artifact.version}.tgz" if artifact.version else f"{base}.tgz"
    return artifact.path.name or "artifact"


def top_blob(artifact: Artifact) -> Blob:
    """The blob standing for the artifact itself (depth 0)."""
    path = artifact.path
    if path.is_dir():
        return Blob(top_name(artifact), path, 0, b"", 0)
    with open(path, "rb") as handle:
        head = handle.read(HEAD)
        size = os.fstat(handle.fileno()).st_size
    return Blob(top_name(artifact), path, size, head, 0)


def unpack(
    artifact: Artifact, dest: Path, *, limits: Limits | None = None, pretty: bool = False
) -> Tree:
    """Unpack ``artifact`` into the folder ``dest`` and return what was recovered.

    Each file goes to its member path; the members of a nested container go to a folder named
    after it plus ``.x`` (``package/claude`` → ``package/claude.x/``); see
    :mod:`agentxray.unpack.safepath`. ``dest`` must be missing, empty or an earlier output of this
    function (then it is replaced).
    With ``pretty``, each JavaScript file also gets a formatted copy ``<name>.pretty.js`` beside
    it (the original stays, since offsets refer to it; the manifest lists the copy under
    ``pretty``). Raises :class:`UnpackError` when the artifact cannot be unpacked at all and
    :class:`agentxray.errors.LimitExceeded` when the whole run exceeds a limit.
    """
    from agentxray.unpack.registry import UNPACKERS

    limits = limits or Limits()
    started = time.perf_counter()
    dest, work = output.prepare(dest, artifact.path)
    try:
        with SafeWriter(work) as writer:
            disp = Dispatcher(writer, limits, UNPACKERS, reserved=(MANIFEST_NAME,))
            top = top_blob(artifact)
            if not disp.run(top):
                if top.path.is_dir() or artifact.format not in ("file",):
                    raise UnpackError(
                        f"{artifact.path} is not a readable {artifact.format}",
                        hint="Check the file; agentxray reads tar, zip, asar, Bun, Node SEA and "
                        "native executables.",
                    )
                disp.adopt(top, top.vpath)
            pretty_paths = prettify_files(disp, writer) if pretty else {}
            tree = Tree(artifact, dest, tuple(disp.files), tuple(disp.notices))
            document = manifest_document(
                tree,
                limits=limits,
                pretty=pretty_paths,
                duration_s=time.perf_counter() - started,
            )
            writer.write_bytes(MANIFEST_NAME, manifest_bytes(document))
        output.install(work, dest)
    except BaseException:
        remove_tree(work)
        raise
    logger.info(
        "unpacked %s: %d files in %.2fs", top.vpath, len(tree.files), time.perf_counter() - started
    )
    return tree
