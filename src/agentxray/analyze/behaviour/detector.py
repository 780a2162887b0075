"""The one behaviour detector: each file's front-end emits records, every category policy runs.

For JavaScript/TypeScript and Python alike: the language front-end turns its analysis of the file
into records (computed once per unit) — comparisons of environment sources, choices of text
variants, decoded values — and the category policies (geofence, fingerprint, watermark,
obfuscated data) decide the findings over them, under the front-end's rule prefix (``js-``,
``py-``). Notices: the JS analysis' notices, and a Python module that nests too deeply to follow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from agentxray.analyze.behaviour import obfuscated, watermark
from agentxray.analyze.behaviour.fingerprint import fingerprint_findings
from agentxray.analyze.behaviour.geofence import geofence_findings
from agentxray.analyze.interface import Detector, SourceUnit
from agentxray.analyze.js.analysis import analyse as js_analyse
from agentxray.analyze.js.behaviour import PREFIX as JS_PREFIX
from agentxray.analyze.js.behaviour import js_records
from agentxray.analyze.js.deobfuscate.report import decoded_records as js_decoded
from agentxray.analyze.js.watermark import choice_records as js_choices
from agentxray.analyze.python.analysis import analyse as py_analyse
from agentxray.analyze.python.behaviour import PREFIX as PY_PREFIX
from agentxray.analyze.python.behaviour import py_records
from agentxray.analyze.python.obfuscated import decoded_records as py_decoded
from agentxray.analyze.python.parse import AST_KEY
from agentxray.analyze.python.watermark import choice_records as py_choices
from agentxray.model import FileKind, Finding, Notice

logger = logging.getLogger(__name__)

JS_KINDS: frozenset[FileKind] = frozenset({"javascript", "typescript"})
PY_KINDS: frozenset[FileKind] = frozenset({"python"})


T = TypeVar("T")


class _Policies:
    """Runs each category's policy on its own: one that fails on a file costs that category's
    findings there (said in a notice), not the other categories'."""

    def __init__(self, vpath: str) -> None:
        self.vpath = vpath
        self.notices: list[Notice] = []

    def run(self, category: str, policy: Callable[[], T]) -> T | None:
        try:
            return policy()
        except (RecursionError, MemoryError):
            raise  # a module too deep to follow: the caller says so once
        except Exception as exc:  # a bug on one file must not take the other categories along
            logger.debug("%s policy failed on %s", category, self.vpath, exc_info=True)
            self.notices.append(
                Notice(
                    "detector-error",
                    f"behaviour: the {category} analysis failed on this file "
                    f"({type(exc).__name__}: {exc}); its {category} findings may be incomplete",
                    self.vpath,
                    "error",
                )
            )
            return None


def js_behaviour(unit: SourceUnit) -> list[Finding | Notice]:
    """Findings and notices of one JavaScript/TypeScript file."""
    a = js_analyse(unit)
    records = js_records(a)
    run = _Policies(unit.entry.vpath)
    geofences = run.run("geofence", lambda: geofence_findings(records.comparisons, JS_PREFIX))
    fingerprints, used = run.run(
        "fingerprint", lambda: fingerprint_findings(records.comparisons, JS_PREFIX)
    ) or ([], set())
    compared = {records.decoded[h.key] for h in used}
    rule = f"{JS_PREFIX}-obfuscated-data"
    hidden = run.run(
        "obfuscated-data", lambda: obfuscated.obfuscation_findings(rule, js_decoded(a, compared))
    )
    marks = run.run(
        "watermark", lambda: watermark.watermark_findings(f"{JS_PREFIX}-watermark", js_choices(a))
    )
    return [
        *(geofences or []),
        *fingerprints,
        *(hidden or []),
        *a.notices,
        *(marks or []),
        *run.notices,
    ]


def py_behaviour(unit: SourceUnit) -> list[Finding | Notice]:
    """Findings and notices of one Python module; nothing when it does not parse (the Python
    rules detector reports that)."""
    try:
        a = py_analyse(unit)
        records = py_records(a)
        run = _Policies(unit.entry.vpath)
        geofences = run.run("geofence", lambda: geofence_findings(records, PY_PREFIX)) or []
        fingerprints, _ = run.run(
            "fingerprint", lambda: fingerprint_findings(records, PY_PREFIX)
        ) or ([], set())
        compared = {v for f in (*geofences, *fingerprints) for v in f.decoded}
        compared.update(v.lstrip(".") for v in list(compared))
        compared.update(a.flow.hidden)
        rule = f"{PY_PREFIX}-obfuscated-data"
        hidden = run.run(
            "obfuscated-data",
            lambda: obfuscated.obfuscation_findings(rule, py_decoded(a, compared)),
        )
        marks = run.run(
            "watermark",
            lambda: watermark.watermark_findings(f"{PY_PREFIX}-watermark", py_choices(a)),
        )
        return [*geofences, *fingerprints, *(hidden or []), *(marks or []), *run.notices]
    except (SyntaxError, ValueError):
        return []
    except (RecursionError, MemoryError):
        if isinstance(unit.context.get(AST_KEY), BaseException):
            return []  # did not parse: the Python rules detector says so
        return [
            Notice(
                "analysis-skipped",
                "behaviour: the module nests too deeply to follow its data flow",
                unit.entry.vpath,
            )
        ]


class BehaviourDetector(Detector):
    """Geofence, fingerprint, obfuscated data and watermarks in JS/TS and Python source."""

    name = "behaviour"
    kinds = JS_KINDS | PY_KINDS

    def run(self, unit: SourceUnit) -> Iterable[Finding | Notice]:
        if unit.entry.kind in PY_KINDS:
            return py_behaviour(unit)
        return js_behaviour(unit)
