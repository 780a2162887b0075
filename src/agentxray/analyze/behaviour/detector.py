"""The one behaviour detector: each file's front-end emits records, every category policy runs.

For JavaScript/TypeScript and Python alike: the language front-end turns its analysis of the file
into records (computed once per unit) — comparisons of environment sources, choices of text
variants, decoded values — and the category policies (geofence, fingerprint, watermark,
obfuscated data) decide the findings over them, under the front-end's rule prefix (``js-``,
``py-``). Notices: the JS analysis' notices, and a Python module that nests too deeply to follow.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

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


def js_behaviour(unit: SourceUnit) -> list[Finding | Notice]:
    """Findings and notices of one JavaScript/TypeScript file."""
    a = js_analyse(unit)
    records = js_records(a)
    geofences = geofence_findings(records.comparisons, JS_PREFIX)
    fingerprints, used = fingerprint_findings(records.comparisons, JS_PREFIX)
    compared = {records.decoded[h.key] for h in used}
    return [
        *geofences,
        *fingerprints,
        *obfuscated.obfuscation_findings(f"{JS_PREFIX}-obfuscated-data", js_decoded(a, compared)),
        *a.notices,
        *watermark.watermark_findings(f"{JS_PREFIX}-watermark", js_choices(a)),
    ]


def py_behaviour(unit: SourceUnit) -> list[Finding | Notice]:
    """Findings and notices of one Python module; nothing when it does not parse (the Python
    rules detector reports that)."""
    try:
        a = py_analyse(unit)
        records = py_records(a)
        geofences = geofence_findings(records, PY_PREFIX)
        fingerprints, _ = fingerprint_findings(records, PY_PREFIX)
        compared = {v for f in (*geofences, *fingerprints) for v in f.decoded}
        compared.update(v.lstrip(".") for v in list(compared))
        compared.update(a.flow.hidden)
        return [
            *geofences,
            *fingerprints,
            *obfuscated.obfuscation_findings(
                f"{PY_PREFIX}-obfuscated-data", py_decoded(a, compared)
            ),
            *watermark.watermark_findings(f"{PY_PREFIX}-watermark", py_choices(a)),
        ]
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
