"""The library entry point: runs the stages in order and hands back their immutable results.

Usable without the CLI: ``from agentxray.pipeline import ...``. The stages never import each
other; only this module (and the CLI above it) wires them together.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import tempfile
import time
from pathlib import Path

from agentxray.acquire import acquire, default_cache_dir, parse_spec
from agentxray.model import Artifact, FileEntry, Notice, Report, Tree
from agentxray.unpack.limits import Limits

logger = logging.getLogger(__name__)


def acquire_target(text: str, *, platform: str | None = None, progress: bool = False) -> Artifact:
    """Parse ``text`` (``npm:…``, ``pypi:…``, ``cmd:…`` or a path) and acquire it through the cache."""
    return acquire(parse_spec(text, platform=platform), progress=progress)


def unpack_target(
    text: str,
    dest: Path,
    *,
    platform: str | None = None,
    pretty: bool = False,
    progress: bool = False,
    limits: Limits | None = None,
) -> Tree:
    """Acquire the target ``text`` names and unpack it into ``dest`` (with ``manifest.json``)."""
    from agentxray.unpack import unpack

    artifact = acquire_target(text, platform=platform, progress=progress)
    return unpack(artifact, dest, limits=limits, pretty=pretty)


def _unpack_code_key() -> str:
    """Digest of agentxray's version and the unpack stage's source: a new unpacker, a new cache."""
    import hashlib

    import agentxray
    import agentxray.unpack as unpack_pkg

    digest = hashlib.sha256(agentxray.__version__.encode())
    for source in sorted(Path(unpack_pkg.__file__).parent.rglob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:12]


def _tree_to_json(tree: Tree) -> str:
    return json.dumps(
        {
            "files": [dataclasses.asdict(f) for f in tree.files],
            "notices": [dataclasses.asdict(n) for n in tree.notices],
        }
    )


def _tree_from_json(text: str, artifact: Artifact, root: Path) -> Tree:
    data = json.loads(text)
    return Tree(
        artifact,
        root,
        tuple(FileEntry(**f) for f in data["files"]),
        tuple(Notice(**n) for n in data["notices"]),
    )


def unpack_cached(artifact: Artifact, *, cache_dir: Path | None = None) -> Tree:
    """Unpack ``artifact`` into ``<cache>/unpacked/<sha256>-<code key>``, reusing an earlier unpack.

    The folder is built under a temporary name and renamed into place when complete, so a crash
    never leaves a half-written tree that a later run would trust.
    """
    from agentxray.unpack import unpack

    if artifact.sha256 is None:
        raise ValueError("only artifacts with a digest can be cached")
    base = (cache_dir or default_cache_dir()) / "unpacked"
    final = base / f"{artifact.sha256}-{_unpack_code_key()}"
    index = final / ".agentxray-tree.json"
    if index.is_file():
        try:
            tree = _tree_from_json(index.read_text(encoding="utf-8"), artifact, final / "tree")
        except (ValueError, TypeError, KeyError) as exc:
            logger.warning("ignoring damaged unpack cache %s: %s", final, exc)
        else:
            logger.info("reusing unpacked tree %s", final)
            return tree
    base.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{artifact.sha256[:16]}-", dir=base))
    try:
        tree = unpack(artifact, staging / "tree")
        (staging / ".agentxray-tree.json").write_text(_tree_to_json(tree), encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if final.exists():  # a damaged entry, or another run finished the same unpack first
        shutil.rmtree(final, ignore_errors=True)
    try:
        staging.rename(final)
    except OSError:
        logger.info("unpack cache %s filled concurrently; using this run's copy", final)
        return tree
    return dataclasses.replace(tree, root=final / "tree")


def audit(
    text: str,
    *,
    platform: str | None = None,
    progress: bool = False,
    workdir: Path | None = None,
) -> Report:
    """Acquire, unpack and statically analyse the target ``text`` names; the full report.

    Artifacts with a digest are unpacked once into the agentxray cache and reused; others (a
    directory, a command) are unpacked into ``workdir`` when given, else a temporary folder that
    is removed afterwards.
    """
    from agentxray import __version__
    from agentxray.analyze import analyze
    from agentxray.unpack import unpack

    start = time.perf_counter()
    spec = parse_spec(text, platform=platform)
    artifact = acquire(spec, progress=progress)
    scratch: Path | None = None
    if workdir is not None:
        tree = unpack(artifact, workdir)
    elif artifact.sha256 is not None:
        tree = unpack_cached(artifact)
    else:
        scratch = Path(tempfile.mkdtemp(prefix="agentxray-"))
        tree = unpack(artifact, scratch / "tree")
    try:
        result = analyze(tree)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return Report(
        target=spec,
        tool_version=__version__,
        artifact=artifact,
        artifacts=tree.files,
        findings=result.findings,
        notices=(*tree.notices, *result.notices),
        duration_s=time.perf_counter() - start,
    )
