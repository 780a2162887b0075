"""The library entry point: runs the stages in order and hands back their immutable results.

Usable without the CLI: ``from agentxray.pipeline import ...``. The stages never import each
other; only this module (and the CLI above it) wires them together.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from agentxray.acquire import acquire, default_cache_dir, parse_spec
from agentxray.model import (
    ApiExchange,
    Artifact,
    FileEntry,
    History,
    Notice,
    Report,
    Tree,
    VersionResult,
)
from agentxray.model.progress import ProgressFn, no_progress
from agentxray.unpack.limits import Limits

if TYPE_CHECKING:
    from agentxray.observe.profile import AgentProfile
    from agentxray.observe.session import AgentRun

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


#: Unpacks of the same artifact by an older unpacker are deleted once this old (seconds); younger
#: ones may still be in use by a concurrent run.
STALE_UNPACK_AGE_S = 3600


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
    for stale in base.glob(f"{artifact.sha256}-*"):  # unpacked by an older unpacker
        with contextlib.suppress(OSError):
            if stale != final and time.time() - stale.stat().st_mtime > STALE_UNPACK_AGE_S:
                shutil.rmtree(stale, ignore_errors=True)
    return dataclasses.replace(tree, root=final / "tree")


#: Local files smaller than this are unpacked afresh each time instead of filling the cache.
CACHE_LOCAL_MIN_BYTES = 1 << 20


def _worth_caching(artifact: Artifact) -> bool:
    """Registry and command targets always; local files only when big (binaries, bundles)."""
    if artifact.spec.kind != "path":
        return True
    try:
        return artifact.path.stat().st_size >= CACHE_LOCAL_MIN_BYTES
    except OSError:
        return False


def audit(
    text: str,
    *,
    platform: str | None = None,
    progress: bool = False,
    workdir: Path | None = None,
    steps: ProgressFn = no_progress,
) -> Report:
    """Acquire, unpack and statically analyse the target ``text`` names; the full report.

    Registry and command targets (and local files of 1 MiB or more) are unpacked once into the
    agentxray cache, keyed by digest, and reused; others (a directory, a small file) are unpacked
    into ``workdir`` when given, else a temporary folder that is removed afterwards. ``steps``
    is told each step (unpack, deobfuscate, parse, each detector) as it starts.
    """
    from agentxray import __version__
    from agentxray.analyze import analyze
    from agentxray.unpack import unpack

    start = time.perf_counter()
    spec = parse_spec(text, platform=platform)
    artifact = acquire(spec, progress=progress)
    scratch: Path | None = None
    steps("unpack", artifact.name)
    if workdir is not None:
        tree = unpack(artifact, workdir)
    elif artifact.sha256 is not None and _worth_caching(artifact):
        tree = unpack_cached(artifact)
    else:
        scratch = Path(tempfile.mkdtemp(prefix="agentxray-"))
        tree = unpack(artifact, scratch / "tree")
    try:
        result = analyze(tree, progress=steps)
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


@dataclasses.dataclass(frozen=True, slots=True)
class PreparedAgent:
    """An agent package made runnable: its profile and the program to start."""

    profile: AgentProfile
    """How to run it."""
    program: Path
    """The executable (or script, for an interpreter) inside the unpacked package."""
    artifact: Artifact
    """The package it came from."""


def _make_executable(tree: Tree) -> None:
    """Give native files of an unpacked agent their execute bit (unpacking does not keep modes)."""
    for entry in tree.files:
        path = tree.path_of(entry)
        if entry.kind == "native" and path is not None and path.is_file():
            mode = path.stat().st_mode
            if not mode & 0o100:
                path.chmod(mode | 0o755)


def prepare_agent(
    text: str, *, platform: str | None = None, profile: str | None = None
) -> PreparedAgent:
    """Acquire and unpack (both cached) the agent ``text`` names; find its program by profile.

    ``profile`` is a built-in profile name or a YAML file; by default the profile whose
    ``packages`` list the acquired package (or the wrapper it was reached through).
    """
    from agentxray.errors import ConfigError
    from agentxray.observe.profile import load_profile, profile_for_package

    artifact = acquire_target(text, platform=platform)
    if profile is not None:
        chosen = load_profile(profile)
    else:
        spec_name = getattr(artifact.spec, "name", None) or artifact.name
        try:
            chosen = profile_for_package(artifact.name)
        except ConfigError:
            chosen = profile_for_package(str(spec_name))
    tree = unpack_cached(artifact)
    suffix = "/" + chosen.program.lstrip("/")
    for entry in tree.files:
        inner = entry.vpath.rsplit("!", 1)[-1]
        path = tree.path_of(entry)
        if path is not None and ("/" + inner).endswith(suffix) and path.is_file():
            _make_executable(tree)
            if chosen.interpreter is None and not path.stat().st_mode & 0o100:
                path.chmod(path.stat().st_mode | 0o755)
            return PreparedAgent(chosen, path, artifact)
    raise ConfigError(
        f"{artifact.name} {artifact.version or ''} has no {chosen.program!r} for profile {chosen.name}",
        hint="The package layout may have changed; pass --profile with a profile file that fits.",
    )


def observe_agent(
    text: str,
    *,
    scenario: str = "hello",
    prompt: str | None = None,
    platform: str | None = None,
    profile: str | None = None,
    record: Path | None = None,
    store: Path | None = None,
    tls: bool = False,
    api_host: str | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 120.0,
    workdir: Path | None = None,
) -> AgentRun:
    """Run the agent ``text`` names against the mock model API playing ``scenario``; the record.

    Every exchange goes to ``record`` (JSON lines) and ``store`` (SQLite) when given. With
    ``api_host`` the agent believes its API lives at ``https://<api_host>`` (served by the mock
    through its proxy); ``extra_env`` adds variables such as ``TZ`` to the agent's environment.
    """
    from agentxray.observe.mockapi.scenario import load_scenario
    from agentxray.observe.session import DEFAULT_PROMPT, run_agent
    from agentxray.store.sqlite import Store

    agent = prepare_agent(text, platform=platform, profile=profile)
    play = load_scenario(scenario)
    db = Store(store) if store is not None else None
    run_id = None
    sinks: tuple[Callable[[ApiExchange], None], ...] = ()
    if db is not None:
        run_id = db.new_run(target=text, profile=agent.profile.name, scenario=play.name)
        sinks = (functools.partial(db.add_exchange, run_id),)
    try:
        run = run_agent(
            agent.profile,
            agent.program,
            play,
            prompt=prompt or DEFAULT_PROMPT,
            workdir=workdir,
            record=record,
            sinks=sinks,
            tls=tls,
            api_host=api_host,
            extra_env=extra_env,
            timeout=timeout,
        )
        if db is not None and run_id is not None:
            db.finish_run(run_id, exit_code=run.launch.exit_code, duration_s=run.launch.duration_s)
    finally:
        if db is not None:
            db.close()
    return run


# -- releases: history sweeps ------------------------------------------------------------------


@functools.cache
def analyzer_key() -> str:
    """Digest of agentxray's version and its analysis code and rules: a stored report is reused
    only by the analyzer that produced it."""
    import hashlib

    import agentxray
    import agentxray.analyze as analyze_pkg
    import agentxray.rules as rules_pkg

    digest = hashlib.sha256(agentxray.__version__.encode())
    for pkg in (analyze_pkg, rules_pkg):
        folder = Path(str(pkg.__file__)).parent
        for source in sorted(folder.rglob("*")):
            if source.suffix in (".py", ".yml", ".yaml", ".json", ".txt") and source.is_file():
                digest.update(str(source.relative_to(folder)).encode() + b"\0")
                digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def audit_release(text: str, *, platform: str | None = None) -> Report:
    """Audit like :func:`audit`, leaving the download cache as it was found.

    For sweeps over many releases: a release this call downloads is dropped after its scan, and
    it is unpacked into a temporary folder unless an unpacked copy is already cached.
    """
    from agentxray import __version__
    from agentxray.acquire import Cache
    from agentxray.analyze import analyze
    from agentxray.unpack import unpack

    start = time.perf_counter()
    cache = Cache()
    spec = parse_spec(text, platform=platform)
    before = {p.name for p in cache.blobs_dir.glob("*/*")} if cache.blobs_dir.is_dir() else set()
    artifact = acquire(spec, cache=cache)
    fresh = artifact.sha256 is not None and artifact.sha256 not in before
    scratch = Path(tempfile.mkdtemp(prefix="agentxray-sweep-"))
    try:
        cached_tree = default_cache_dir() / "unpacked" / f"{artifact.sha256}-{_unpack_code_key()}"
        if artifact.sha256 and (cached_tree / ".agentxray-tree.json").is_file():
            tree = unpack_cached(artifact)
        else:
            tree = unpack(artifact, scratch / "tree")
        result = analyze(tree)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if fresh and artifact.sha256:
            cache.discard(artifact.sha256)
    return Report(
        target=spec,
        tool_version=__version__,
        artifact=artifact,
        artifacts=tree.files,
        findings=result.findings,
        notices=(*tree.notices, *result.notices),
        duration_s=time.perf_counter() - start,
    )


def _die_with_parent() -> None:
    """Pool worker initializer: end when the sweep's process ends, even by SIGKILL (Linux)."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _sweep_one(text: str, platform: str | None) -> tuple[str | None, str, float]:
    """Worker: (report JSON or None, error, seconds) for one release."""
    from agentxray.errors import AgentXrayError
    from agentxray.render.json import render_json

    start = time.perf_counter()
    try:
        report = audit_release(text, platform=platform)
    except (AgentXrayError, OSError, ValueError) as exc:
        return None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 0.0
    return render_json(report), "", time.perf_counter() - start


def sweep(
    target: str,
    versions: str | None,
    *,
    store: Path | str,
    platform: str | None = None,
    jobs: int = 1,
    on_version: Callable[[VersionResult, int, int], None] | None = None,
) -> History:
    """Scan every selected release of ``target`` not already in ``store`` (a SQLite file or a
    ``postgresql://`` URL); the timeline.

    Each finished release is written to the store at once, in its own transaction, so an
    interrupted sweep (SIGKILL included) restarts where it stopped and scans nothing twice.
    ``on_version(result, done, total)`` is called as each release is settled.
    """
    import concurrent.futures

    from agentxray.acquire import host_platform
    from agentxray.acquire.releases import releases, select
    from agentxray.compare import timeline
    from agentxray.errors import UsageError
    from agentxray.render.json import report_from_dict
    from agentxray.store.reports import get_report, open_store, put_report

    spec = parse_spec(target, platform=platform)
    if spec.kind not in ("npm", "pypi"):
        raise UsageError(f"history needs a registry package (npm:NAME or pypi:NAME), not {target}")
    if spec.version:
        raise UsageError(f"give the package without a version and use --versions: {spec.name}")
    chosen = select(releases(spec), versions)
    if not chosen:
        raise UsageError(f"no release of {spec.name} matches --versions {versions}")
    package = f"{spec.kind}:{spec.name}"
    plat = platform or (host_platform() if spec.kind == "npm" else "")
    analyzer = analyzer_key()
    db = open_store(store)
    results: dict[str, VersionResult] = {}
    documents: dict[str, str] = {}
    total = len(chosen)

    def settle(result: VersionResult) -> None:
        results[result.version] = result
        if on_version is not None:
            on_version(result, len(results), total)

    try:
        todo = []
        for rel in chosen:
            row = get_report(
                db, package=package, version=rel.version, platform=plat, analyzer=analyzer
            )
            if row is not None and row.status == "ok" and row.document:
                documents[rel.version] = row.document
                settle(VersionResult(rel.version, rel.published, "stored", seconds=row.seconds))
            else:
                todo.append(rel)
        sep = "==" if spec.kind == "pypi" else "@"
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=max(1, jobs), initializer=_die_with_parent
        ) as pool:
            futures = {
                pool.submit(_sweep_one, f"{package}{sep}{rel.version}", platform): rel
                for rel in todo
            }
            for future in concurrent.futures.as_completed(futures):
                rel = futures[future]
                try:
                    document, error, seconds = future.result()
                except concurrent.futures.process.BrokenProcessPool as exc:
                    document, error, seconds = None, f"the scan's process died: {exc}", 0.0
                put_report(
                    db,
                    package=package,
                    version=rel.version,
                    platform=plat,
                    analyzer=analyzer,
                    document=document,
                    error=error,
                    published=rel.published,
                    seconds=seconds,
                )
                if document is not None:
                    documents[rel.version] = document
                    settle(VersionResult(rel.version, rel.published, "scanned", seconds=seconds))
                else:
                    settle(VersionResult(rel.version, rel.published, "failed", error=error))
    finally:
        db.close()
    ordered = [r.version for r in chosen]
    reports = [(v, report_from_dict(json.loads(documents[v]))) for v in ordered if v in documents]
    return History(
        target=package,
        versions=tuple(results[v] for v in ordered if v in results),
        timeline=timeline(reports),
    )
