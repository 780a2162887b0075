"""The rule linter: small independent checks, each reporting problems for one rule."""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from agentxray.rules.loader import LoadedRule, RuleSet, leaves

logger = logging.getLogger(__name__)

CATEGORY_CODES = {
    "geofence": "GEO",
    "fingerprint": "FP",
    "obfuscated-data": "OBF",
    "watermark": "WM",
    "telemetry": "TEL",
    "remote-control": "RC",
    "auto-update": "UPD",
    "credential-access": "CRD",
    "exfiltration": "EXF",
    "command-exec": "CMD",
    "endpoint": "END",
}
INFO_ONLY = frozenset({"command-exec", "endpoint"})
FIXTURE_SUFFIX = {"javascript": ".js", "typescript": ".ts", "python": ".py", "strings": ".strings"}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one rule."""

    rule: str
    check: str
    message: str


@dataclass(frozen=True, slots=True)
class LintContext:
    """What checks may look at besides the rule itself."""

    ruleset: RuleSet
    fixtures: Path | None = None
    """Directory of ``<rule-id>.<ext>`` fixtures with ``ruleid:``/``ok:`` annotations."""


class Check(ABC):
    """One lint check."""

    name: ClassVar[str]

    @abstractmethod
    def problems(self, lr: LoadedRule, ctx: LintContext) -> Iterator[str]:
        """Messages for what is wrong (nothing when the rule passes)."""


class IdMatchesCategory(Check):
    """The id's code names the rule's category, and the file is named after the id."""

    name = "id-category"

    def problems(self, lr: LoadedRule, ctx: LintContext) -> Iterator[str]:
        code = CATEGORY_CODES[lr.rule.category]
        if not lr.rule.id.startswith(f"AXR-{code}-"):
            yield f"id should start with AXR-{code}- for category {lr.rule.category}"
        if not lr.origin.endswith(f"/{lr.rule.id}.yml"):
            yield f"file {lr.origin} should be named {lr.rule.id}.yml"
        if f"/{lr.rule.category}/" not in lr.origin:
            yield f"file {lr.origin} should be under a {lr.rule.category}/ folder"


class NotRetired(Check):
    """Retired ids are never reused."""

    name = "not-retired"

    def problems(self, lr: LoadedRule, ctx: LintContext) -> Iterator[str]:
        if lr.rule.id in ctx.ruleset.retired:
            yield f"{lr.rule.id} is retired and must not be reused"


class SeverityPolicy(Check):
    """``command-exec`` and ``endpoint`` alone are informational (categories.md)."""

    name = "severity-policy"

    def problems(self, lr: LoadedRule, ctx: LintContext) -> Iterator[str]:
        if lr.rule.category in INFO_ONLY and lr.rule.severity != "info":
            yield f"{lr.rule.category} rules must be severity info, not {lr.rule.severity}"


class DocComplete(Check):
    """Every doc field says something, and references are URLs."""

    name = "doc-complete"

    def problems(self, lr: LoadedRule, ctx: LintContext) -> Iterator[str]:
        doc = lr.rule.doc
        for field in ("what", "why", "example", "instead"):
            if len(getattr(doc, field).strip()) < 10:
                yield f"doc.{field} is missing or too short"
        if not doc.references:
            yield "doc.references is empty"
        for ref in doc.references:
            if not ref.startswith("https://"):
                yield f"reference {ref!r} is not an https URL"
        if not lr.rule.title or lr.rule.title.endswith("."):
            yield "title must be non-empty and not end with a period"


class RegexHasNeedles(Check):
    """JS/strings extraction is prefiltered: regex leaves on literal kinds need ``needles``."""

    name = "regex-needles"
    LITERAL_KINDS: ClassVar[frozenset[str]] = frozenset({"string", "property", "member", "call"})

    def problems(self, lr: LoadedRule, ctx: LintContext) -> Iterator[str]:
        prefiltered = {"javascript", "typescript", "strings"} & set(lr.rule.languages)
        for pat in leaves(lr.rule.match):
            if pat.reaches is not None:
                continue  # copies made by the data flow, not prefiltered
            if prefiltered and pat.fact in self.LITERAL_KINDS and pat.regex and not pat.needles:
                yield f"regex on {pat.fact} facts needs needles (literals for the prefilter)"
            if pat.needles and pat.regex:
                regex = re.compile(pat.regex)
                for needle in pat.needles:
                    if not regex.search(needle) and needle not in pat.regex:
                        yield f"needle {needle!r} looks unrelated to the regex"


class HasFixtures(Check):
    """Each rule has a fixture with at least one ``ruleid:`` and one ``ok:`` annotation."""

    name = "fixtures"

    def problems(self, lr: LoadedRule, ctx: LintContext) -> Iterator[str]:
        if ctx.fixtures is None:
            return
        rid = lr.rule.id
        files = [
            ctx.fixtures / f"{rid}{FIXTURE_SUFFIX[lang]}"
            for lang in lr.rule.languages
            if (ctx.fixtures / f"{rid}{FIXTURE_SUFFIX[lang]}").is_file()
        ]
        if not files:
            yield f"no fixture {rid}.js/.py/.strings in {ctx.fixtures}"
            return
        text = "\n".join(f.read_text(encoding="utf-8") for f in files)
        if not re.search(rf"ruleid:\s*{re.escape(rid)}\b", text):
            yield "fixtures have no positive case (ruleid: annotation)"
        if not re.search(rf"\bok:\s*{re.escape(rid)}\b", text):
            yield "fixtures have no benign case (ok: annotation)"


CHECKS: tuple[Check, ...] = (
    IdMatchesCategory(),
    NotRetired(),
    SeverityPolicy(),
    DocComplete(),
    RegexHasNeedles(),
    HasFixtures(),
)


def lint(ruleset: RuleSet, fixtures: Path | None = None) -> list[Problem]:
    """Every problem of every rule (schema errors were already raised while loading)."""
    ctx = LintContext(ruleset, fixtures)
    return [
        Problem(lr.rule.id, check.name, message)
        for lr in ruleset.loaded
        for check in CHECKS
        for message in check.problems(lr, ctx)
    ]
