"""The ``obfuscated-data`` policy: which decoded values are hidden data, and how they are reported.

The front-ends find decoders and evaluate them (JavaScript in the capability-free V8 isolate,
Python with the pure evaluator) and hand over :class:`~agentxray.analyze.behaviour.records.Decoded`
records. Here, for every language: the benign classes (an alphabet, a reversed word, an embedded
asset or time-zone table merely encoded, codec fixtures in test code), the grouping per decoder,
severity and confidence, wording and stable ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import pairwise

from agentxray.analyze.behaviour.records import Decoded, Evidence
from agentxray.analyze.behaviour.wording import stable_id, upper_first
from agentxray.analyze.regions import zone_database
from agentxray.model import Category, Finding

CATEGORY: Category = "obfuscated-data"
MAX_VALUE_CHARS = 400
"""Decoded values are shown up to this length (a decoded script is evidence, not a value list)."""
MAX_VALUES = 500
MAX_ID_VALUES = 500
MAX_RELATED = 20
MAX_SAMPLE = 8
MAX_DATABASE_CHARS = 4000
"""Decoded text this large, merely compressed or base64-encoded and compared with nothing, is an
embedded database or asset (a tz table, a word list), not hidden values."""
MAX_DATABASE_ENTRIES = 50
_DOCUMENT = re.compile(r"^(?:<[!?a-zA-Z][\s\S]*>|-----BEGIN [A-Z ]+-----[\s\S]*|%PDF[\s\S]*)$")
_TEST_PARTS = ("/test/", "/tests/", "/testing/", "/__tests__/")

# The decoding steps, whatever each front-end calls them.
_STEP_CLASSES = (
    ("xor", "XOR"),
    ("rot13", "rot13"),
    ("char code", "character codes"),
    ("char-code", "character codes"),
    ("byte array", "character codes"),
    ("split", "split string"),
    ("in pieces", "split string"),
    ("character code", "character codes"),
    ("fromcharcode", "character codes"),
    ("revers", "reversed"),
    ("substitution", "character substitution"),
    ("rc4", "RC4"),
    ("string array", "string array"),
    ("decoder function", "decoder function"),
    ("base64", "base64"),
    ("base85", "base85"),
    ("ascii85", "ascii85"),
    ("zlib", "zlib"),
    ("inflate", "zlib"),
    ("gzip", "gzip"),
    ("bz2", "bz2"),
    ("lzma", "lzma"),
    ("hex", "hex"),
    ("range", "range"),
)
STRONG = frozenset(
    {"XOR", "rot13", "character codes", "reversed", "character substitution", "RC4"}
    | {"string array", "decoder function", "split string"}
)
"""Steps nobody takes but to hide text: one of them makes the finding high severity."""
PLAIN = frozenset({"base64", "zlib", "gzip", "bz2", "lzma", "base85", "ascii85"})
"""Steps that also merely pack assets (compression, transport encodings)."""
GENERATED = frozenset({"range", "character codes", "XOR"})


def step_class(step: str) -> str:
    """The policy's name of a front-end's decoding step (``XOR with key 0x5a`` → ``XOR``)."""
    low = step.lower()
    for needle, name in _STEP_CLASSES:
        if needle in low:
            return name
    return step


def _layers(d: Decoded) -> list[str]:
    return [step_class(s) for s in d.steps]


def _addressy(text: str) -> bool:
    """Looks like a host, URL, path or e-mail (what reversed strings hide)."""
    return any(c in text for c in "./@:") and sum(c.isalnum() for c in text) >= 4


def test_file(vpath: str) -> bool:
    """Test code of a package (fixtures of codecs there are test data, not hidden data)."""
    name = vpath.rsplit("/", 1)[-1]
    return (
        any(p in f"/{vpath}" for p in _TEST_PARTS)
        or name.startswith("test_")
        or name.endswith(("_test.py", ".test.js", ".spec.js", ".test.ts", ".spec.ts"))
    )


def embedded_asset(texts: Sequence[str], steps: Iterable[str], compared: bool) -> bool:
    """An asset or database merely encoded or compressed: a large table, a markup document (an
    SVG icon), a PEM block, a slice of the time-zone database — unless its values decide
    behaviour."""
    layers = {step_class(s) for s in steps}
    if compared or not layers <= PLAIN:
        return False
    if sum(len(t) for t in texts) > MAX_DATABASE_CHARS or len(texts) > MAX_DATABASE_ENTRIES:
        return True
    if zone_database(list(texts)):
        return True
    return len(texts) == 1 and _DOCUMENT.match(texts[0].strip()) is not None


def readable(texts: Sequence[str]) -> bool:
    """Decoded values that are text: printable, with letters (not key material or an image)."""
    text = "".join(texts)
    if len(text) < 3:
        return False
    printable = sum(1 for c in text if c.isprintable() or c in "\n\r\t")
    return printable >= 0.95 * len(text) and any(c.isalpha() for c in text)


_WORD = re.compile(r"[^\W\d_]{3,}")
MIN_LETTER_SHARE = 0.2


def computed_numbers(texts: Sequence[str]) -> bool:
    """Numbers computed into text (SVG path data ``M1622.8 769.6Q…``, coordinates, a number
    list): few letters and no word among them. A drawing function with an array ``reverse()``
    evaluated over its constant configuration yields such text; it hides nothing."""
    text = "".join(texts)
    letters = sum(c.isalpha() for c in text)
    alnum = sum(c.isalnum() for c in text)
    return alnum > 0 and letters < MIN_LETTER_SHARE * alnum and not _WORD.search(text)


MIN_ALPHABET = 16
"""A codec's alphabet is at least this long (base16's ``0123456789abcdef``)."""


def codec_alphabet(text: str) -> bool:
    """A codec's alphabet spelled out (``ABC…XYZabc…xyz012…9+/``): distinct characters, most of
    them in runs of consecutive code points. Polyfills build base64's alphabet from char codes;
    it encodes nothing. A shuffled alphabet (a custom encoding's key) is not exempt."""
    if len(text) < MIN_ALPHABET or len(set(text)) != len(text):
        return False
    steps = sum(1 for a, b in pairwise(text) if ord(b) == ord(a) + 1)
    return steps >= 0.8 * (len(text) - 1)


def hidden(d: Decoded) -> bool:
    """Whether a decoded value is hidden data (not an alphabet, a reversed word or an asset)."""
    texts = d.values
    layers = set(_layers(d))
    if not texts or not layers or not readable(texts):
        return False
    if "range" in layers and layers <= GENERATED:
        return False  # generated from a range: an alphabet, not hidden data
    if sum(c.isalnum() for t in texts for c in t) < 3:
        return False  # nothing readable
    if not d.compared and computed_numbers(texts):
        return False  # path data or coordinates computed from numbers, not hidden text
    if all(len(t) <= 1 for t in texts):
        return False  # an alphabet split into characters (a codec's table)
    if not d.compared and all(codec_alphabet(t) for t in texts):
        return False  # a codec's alphabet spelled out (a base64 polyfill's table)
    bare = len(d.steps) == 1 and not d.through
    if bare and layers == {"reversed"} and not all(_addressy(t) for t in texts):
        return False  # "spam\n"[::-1]: reversing text is not hiding it
    return not embedded_asset(texts, d.steps, d.compared)


def obfuscation_findings(rule: str, decoded: Iterable[Decoded]) -> list[Finding]:
    """One finding per decoder (or per standalone decoding expression) of one file.

    ``rule`` is the front-end's rule id (``js-obfuscated-data``, ``py-obfuscated-data``)."""
    groups: dict[str, list[Decoded]] = {}
    for d in decoded:
        if hidden(d):
            groups.setdefault(d.group or f"{d.evidence.location.offset}", []).append(d)
    findings = [_finding(rule, items) for items in groups.values()]
    if findings and test_file(findings[0].location.artifact):
        return [f for f in findings if f.severity == "critical"]
    return findings


_EVALUATED = {
    "isolate": "Run in a sandboxed V8 isolate with its literal input, it yields",
    "evaluator": (
        "Evaluated over its literal input by agentxray's pure evaluator (the code is not run), "
        "it yields"
    ),
}


def _deobfuscated(rule: str, d: Decoded) -> Finding:
    """The strings a deobfuscation recovered (a string array, the file's own decoders)."""
    values = d.values
    sample = ", ".join(values[:MAX_SAMPLE]) + ("…" if len(values) > MAX_SAMPLE else "")
    source = d.steps[0]
    if source == "string array":
        how = (
            f"A string array hides {len(values)} string(s) that are not written in the file"
            " as they are; its rotation and decoders, run in a sandboxed V8 isolate, yield:"
        )
    else:
        how = (
            f"The file's own decoder function(s), called with constants, produce"
            f" {len(values)} string(s) that are not written in the file as they are; run"
            " in a sandboxed V8 isolate they yield:"
        )
    return Finding(
        id=stable_id(rule, source, *values),
        rule=rule,
        category=CATEGORY,
        severity="critical" if d.compared else "high",
        title=f"Hidden data ({source}): {len(values)} decoded value(s), e.g. "
        + ", ".join(v[:60] for v in values[:3]),
        location=d.evidence.location,
        message=f"{how} {sample}. The rest of the analysis reads the file with them inlined.",
        snippet=d.evidence.snippet,
        decoded=values,
    )


def _finding(rule: str, items: list[Decoded]) -> Finding:
    first = items[0]
    if first.evaluator == "deobfuscation":
        return _deobfuscated(rule, first)
    values = tuple(v for d in items for v in d.values)
    shown = tuple(v[:MAX_VALUE_CHARS] for v in values)[:MAX_VALUES]
    steps = [s for s in first.steps if s != "range"]
    method = " + ".join(steps) or "decoder"
    used = any(d.compared for d in items)
    layers = {step_class(s) for s in steps}
    strong = used or bool(layers & STRONG) or len(steps) > 1
    where = first.decoder or "an expression"
    sample = ", ".join(shown[:MAX_SAMPLE]) + ("…" if len(shown) > MAX_SAMPLE else "")
    sizes = ", ".join(str(len(d.values)) for d in items)
    per_call = f" ({sizes} per call)" if first.evaluator == "isolate" else ""
    condition = first.evidence.condition
    message = (
        f"{upper_first(where)} hides {len(items)} encoded value(s) ({method}). "
        f"{_EVALUATED.get(first.evaluator, _EVALUATED['isolate'])} {len(shown)} "
        f"string(s){per_call}: {sample}."
        + (
            " The decoded values are compared with environment signals (see the fingerprint/"
            "geofence finding): hidden data deciding behaviour."
            if used
            else ""
        )
        + (f" Active {condition}." if condition else "")
    )
    anchor: Evidence = first.anchor or first.evidence
    return Finding(
        id=stable_id(rule, method, *values[:MAX_ID_VALUES]),
        rule=rule,
        category=CATEGORY,
        severity="critical" if used else "high" if strong else "medium",
        confidence="high" if strong else "medium",
        title=f"Hidden data ({method}): {len(shown)} decoded value(s), e.g. "
        + ", ".join(v[:60] for v in shown[:3]),
        location=anchor.location,
        message=message,
        related=tuple(d.evidence.location for d in items[:MAX_RELATED]),
        snippet=anchor.snippet,
        decoded=shown,
        condition=condition,
    )
