"""Loading rule packs: the core pack shipped as package data, plus third-party packs.

Third parties register a pack through the ``agentxray.rulepacks`` entry-point group; the entry
point names a module or a callable returning a directory (a :class:`~pathlib.Path` or a
``Traversable``) whose ``**/*.yml`` files are rules.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata, resources
from importlib.abc import Traversable
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import ValidationError

from agentxray.errors import ConfigError
from agentxray.model import FactKind
from agentxray.rules.hosts import SAFE_LOADER, default_hosts
from agentxray.rules.schema import Expr, FactPattern, Rule

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "agentxray.rulepacks"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LoadedRule:
    """A validated rule and the file it came from."""

    rule: Rule
    origin: str
    """Pack-relative path, e.g. ``core/telemetry/AXR-TEL-001.yml``."""


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Every loaded rule, in id order."""

    loaded: tuple[LoadedRule, ...]
    retired: frozenset[str] = field(default=frozenset())
    """Ids that were used once and must never be reused."""
    skipped: tuple[str, ...] = ()
    """Third-party packs left out because they were broken (see ``skip_broken``)."""

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules alone."""
        return tuple(lr.rule for lr in self.loaded)

    def get(self, rule_id: str) -> LoadedRule | None:
        """The rule with this id, if loaded."""
        return next((lr for lr in self.loaded if lr.rule.id == rule_id), None)

    def for_language(self, language: str) -> tuple[Rule, ...]:
        """Rules that apply to one language."""
        return tuple(r for r in self.rules if language in r.languages)

    def needles(self, rules: Iterable[Rule] | None = None) -> dict[FactKind, frozenset[str]]:
        """Literals per fact kind that extractors must look for (their prefilter)."""
        acc: dict[FactKind, set[str]] = defaultdict(set)
        for rule in self.rules if rules is None else rules:
            for pat in leaves(rule.match):
                acc[pat.fact].update(pattern_needles(pat))
        acc["string"].update(default_hosts().path_prefixes())
        acc["string"].update(default_hosts().service_hosts())
        return {k: frozenset(v) for k, v in acc.items()}


def leaves(expr: Expr) -> Iterator[FactPattern]:
    """Every fact pattern in an expression."""
    if expr.fact is not None:
        yield expr.fact
    for sub in (*(expr.all or ()), *(expr.any or ())):
        yield from leaves(sub)
    if expr.not_ is not None:
        yield from leaves(expr.not_)
    if expr.flow is not None:
        yield from leaves(expr.flow.source)
        yield from leaves(expr.flow.sink)


def pattern_needles(pat: FactPattern) -> tuple[str, ...]:
    """Literals one of which a matching fact's value must contain (empty: no literal known).

    Patterns with ``reaches`` match copies the data flow makes of facts found otherwise (file
    reads, environment reads, requests) or names it resolves itself (``os.hostname``): they ask
    the prefilter for nothing, except calls, which must be found to be carried.
    """
    if pat.reaches is not None and pat.fact != "call":
        return ()
    if pat.needles:
        return pat.needles
    for literal in (pat.equals, pat.contains, pat.startswith):
        if literal is not None:
            return (_callee_name(literal) if pat.fact == "call" else literal,)
    if pat.any_of is not None:
        return tuple(_callee_name(v) if pat.fact == "call" else v for v in pat.any_of)
    if pat.name is not None:
        return pat.name
    return ()


def _callee_name(callee: str) -> str:
    """``vm.runInNewContext`` → ``runInNewContext``; ``new Function`` → ``Function``."""
    return callee.rsplit(".", 1)[-1].rsplit(" ", 1)[-1]


def parse_rule(text: str, origin: str) -> Rule:
    """Validate one rule file's text; raises :class:`ConfigError` naming the file."""
    return _validate(_parse(text, origin), origin)


def _parse(text: str, origin: str) -> object:
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise ConfigError(f"rule file {origin} is not valid YAML: {exc}".splitlines()[0]) from exc


def _validate(raw: object, origin: str) -> Rule:
    try:
        return Rule.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"rule file {origin} is invalid at {where}: {first['msg']}") from exc


#: Bumped when what :func:`_parsed_file` stores changes.
_PARSED_FORMAT = 1


def _parsed_file(files: list[tuple[str, str]]) -> Path:
    """Where the parsed YAML of exactly these files (origin, text) is kept: the
    agentxray cache (``$AGENTXRAY_CACHE_DIR``, else ``$XDG_CACHE_HOME/agentxray``, else
    ``~/.cache/agentxray``), ``rules/<sha256 of the files>.json``."""
    digest = hashlib.sha256(f"{_PARSED_FORMAT}\0{yaml.__version__}\0".encode())
    for rel, text in files:
        digest.update(f"{len(rel)}:{rel}{len(text)}:{text}".encode("utf-8", "surrogatepass"))
    explicit = os.environ.get("AGENTXRAY_CACHE_DIR")
    xdg = os.environ.get("XDG_CACHE_HOME")
    if explicit:
        root = Path(explicit).expanduser()
    else:
        root = (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "agentxray"
    return root / "rules" / f"{digest.hexdigest()}.json"


def _read_parsed(path: Path, rels: list[str]) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or set(data) != set(rels):
        return None
    return data


def _write_parsed(path: Path, raws: dict[str, object]) -> None:
    """Keep ``raws`` for the next process, if JSON gives them back unchanged (YAML dates, sets
    or non-string keys would not be: such files are parsed every time). Never fails a load."""
    try:
        text = json.dumps(raws, ensure_ascii=False, allow_nan=False)
        if json.loads(text) != raws:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for old in path.parent.glob("*.json"):  # other rule versions, unused for a week
            if old != path and now - old.stat().st_mtime > 7 * 86400:
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".parsed-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError) as exc:
        logger.debug("parsed rules not kept in %s: %s", path, exc)


def _walk(root: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for child in sorted(root.iterdir(), key=lambda c: c.name):
        rel = f"{prefix}/{child.name}"
        if child.is_dir():
            yield from _walk(child, rel)
        elif child.name.endswith((".yml", ".yaml")) and child.name != "retired.yml":
            yield rel, child


def load_pack(root: Traversable | Path, name: str) -> list[LoadedRule]:
    """Every rule under one pack directory.

    Parsing the YAML is most of a load's time (30-40 ms for the core pack, on every contained
    run and scan); the parsed data is kept in the cache under a digest of the files' paths and
    texts, and read from there by later processes. A changed rule file changes the digest and is
    parsed again; what is read back is validated as the YAML would be, and an entry that is
    unreadable or invalid is ignored (the files are parsed). Only a pack whose rules are all
    valid is kept.
    """
    files = [(rel, f.read_text(encoding="utf-8")) for rel, f in _walk(root, name)]

    def build(raws: dict[str, object]) -> list[LoadedRule]:
        return [LoadedRule(_validate(raws[rel], rel), rel) for rel, _ in files]

    return load_parsed(files, _parse, build)


def load_parsed(
    files: list[tuple[str, str]],
    parse: Callable[[str, str], object],
    build: Callable[[dict[str, object]], T],
) -> T:
    """``build`` (which validates, raising :class:`ConfigError`) applied to the YAML of
    ``files`` (origin, text) parsed by ``parse``: from the data kept in the cache for exactly
    these texts when it is there and valid, else parsed, and kept when ``build`` accepts it."""
    path = _parsed_file(files)
    kept = _read_parsed(path, [rel for rel, _ in files])
    if kept is not None:
        try:
            return build(kept)
        except ConfigError as exc:  # a damaged entry: the files decide
            logger.debug("parsed YAML in %s not used: %s", path, exc)
    raws = {rel: parse(text, rel) for rel, text in files}
    built = build(raws)
    _write_parsed(path, raws)
    return built


def core_pack_root() -> Traversable:
    """The directory of the core pack inside the installed package."""
    return resources.files("agentxray.rules").joinpath("rulepacks/core")


def _retired() -> frozenset[str]:
    text = resources.files("agentxray.rules").joinpath("rulepacks/retired.yml").read_text("utf-8")
    return frozenset(yaml.load(text, Loader=SAFE_LOADER) or ())


def _third_party(skip_broken: bool, skipped: list[str]) -> list[LoadedRule]:
    loaded: list[LoadedRule] = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
            root = obj() if callable(obj) else resources.files(obj)
            loaded.extend(load_pack(root, ep.name))
        except Exception as exc:  # a broken plug-in must not stop a scan
            error = exc if isinstance(exc, ConfigError) else None
            message = error.diagnostics() if error else f"{type(exc).__name__}: {exc}"
            if not skip_broken:
                raise ConfigError(f"rule pack {ep.name!r} failed to load: {message}") from exc
            logger.warning("rule pack %s skipped: %s", ep.name, message)
            skipped.append(f"rule pack {ep.name!r} skipped: {message}")
    return loaded


def load_rules(
    *, third_party: bool = True, extra: Iterable[Path] = (), skip_broken: bool = False
) -> RuleSet:
    """The core pack, entry-point packs and ``extra`` directories; duplicate ids are an error.

    With ``skip_broken``, a third-party pack that fails to load or clashes with loaded ids is
    left out and named in :attr:`RuleSet.skipped` instead of raising.
    """
    loaded = load_pack(core_pack_root(), "core")
    skipped: list[str] = []
    if third_party:
        for lr in _third_party(skip_broken, skipped):
            clash = next((x for x in loaded if x.rule.id == lr.rule.id), None)
            if clash is not None and skip_broken:
                skipped.append(f"{lr.origin} skipped: id {lr.rule.id} already in {clash.origin}")
                continue
            loaded.append(lr)
    for path in extra:
        if not path.is_dir():
            raise ConfigError(f"rule pack directory {path} does not exist")
        loaded.extend(load_pack(path, path.name))
    seen: dict[str, str] = {}
    for lr in loaded:
        if lr.rule.id in seen:
            raise ConfigError(
                f"rule id {lr.rule.id} defined twice: {seen[lr.rule.id]} and {lr.origin}"
            )
        seen[lr.rule.id] = lr.origin
    loaded.sort(key=lambda lr: lr.rule.id)
    return RuleSet(tuple(loaded), _retired(), tuple(skipped))


@cache
def default_rules() -> RuleSet:
    """The rules every scan uses (core + entry points), loaded once per process.

    Renderers may use it for rule metadata (``default_rules().get(id)`` and
    :func:`agentxray.rules.docs.rule_page` for SARIF ``help``).
    """
    return load_rules(skip_broken=True)
