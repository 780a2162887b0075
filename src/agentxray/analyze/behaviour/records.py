"""Language-neutral records of behaviour, emitted by the language front-ends.

A front-end (JavaScript/TypeScript over tree-sitter, Python over ``ast``) turns its analysis of
one file into these records; the category policies (:mod:`agentxray.analyze.behaviour.geofence`,
:mod:`agentxray.analyze.behaviour.fingerprint`, …) decide over them what is a finding, with which
severity and wording. Records hold only text, numbers and :class:`~agentxray.model.Location`\\ s —
never a syntax node — so one policy serves every language.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentxray.model import Location

__all__ = ["Comparison", "Effect", "Evidence", "HiddenList", "Source"]


@dataclass(frozen=True, slots=True)
class Source:
    """An environment value the program reads: what it tells about the user and how it is read."""

    kind: str
    """``timezone``, ``tz-offset``, ``locale``, ``country`` (region kinds); ``hostname``,
    ``username``, ``email``, ``machine-id``, ``mac``/``mac-address``, ``ip-address``,
    ``endpoint`` (API base URL, host or proxy), ``api-key``, ``repository`` (git remote),
    ``identifier`` (a hash of identity sources) (identity kinds)."""
    read: str
    """How it is read: ``env:TZ``, ``Intl.DateTimeFormat().resolvedOptions().timeZone``,
    ``socket.gethostname()``…"""
    host: bool = False
    """The value is the host part of a URL read from ``read``."""
    unit: str = ""
    """For a ``tz-offset``: ``seconds-west``, ``minutes-east``, ``hours-west``… or ``text``
    (``+0800``); for a ``locale``: ``lcid`` when it is a Windows locale id. Empty: see ``scale``."""
    scale: float = 1.0
    """For a ``tz-offset`` without ``unit``: minutes west of UTC = value × scale
    (``getTimezoneOffset() / -60`` gives hours east: scale -60)."""
    hops: tuple[str, ...] = ()
    """Helper functions the value passed through, in order."""
    label: str = ""
    """Short text for reports (``timezone``, ``host of env:ANTHROPIC_BASE_URL``); the
    front-end's wording of kind and read together."""


@dataclass(frozen=True, slots=True)
class Effect:
    """A branch whose outcome a comparison decides."""

    order: int
    """Position among the file's decisions (reports list effects in this order)."""
    location: Location
    text: str
    """One line of its source, shortened."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a record is in the file and how to show it, rendered by the front-end."""

    location: Location
    snippet: str
    """The source of the function(s) holding it (and its first effects), ready to show."""
    text: str
    """The expression itself on one line, shortened (``tz === "Asia/Shanghai"``)."""
    function: str
    """``function rdp()``, ``an anonymous function``, ``module-level code``."""
    function_key: int
    """Identity of the holding function within the file (records of one function group)."""
    condition: str = ""
    """When the code runs: the activation condition, rendered (empty: always)."""
    related: tuple[Location, ...] = ()
    """Other places that belong to it (the decision it feeds, the request it reaches)."""


@dataclass(frozen=True, slots=True)
class HiddenList:
    """Values the front-end recovered by decoding, as one list."""

    values: tuple[str, ...]
    method: str
    """The decoder(s): ``base64 + xor``, ``bytes.fromhex``…"""
    key: int
    """Identity of the decoded expression within the file (one list counted once)."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """A source-derived value meeting constants, or handed somewhere that decides on it.

    ``operator`` is the comparison written in the language (``===``, ``endsWith``, ``in``,
    ``switch``, ``==``, ``startswith``…) or one of the uses that are not a visible test:
    ``targeting`` (given to a feature-flag SDK as an attribute), ``remote-decision`` (sent in a
    request whose answer decides behaviour), ``hash``/``encode`` (turned into one identifier),
    ``sent`` (an identifier sent in a request), ``invisible`` (written into produced text as
    invisible characters).
    """

    source: Source
    operator: str
    evidence: Evidence
    values: tuple[str, ...] = ()
    """The constants compared with, resolved by the front-end (patterns expanded into the
    literals they spell, set/dict members listed, numbers written as text)."""
    regex: bool = False
    """The constants came from a pattern (regex or glob)."""
    hidden: tuple[HiddenList, ...] = ()
    """The constants, or some of them, were hidden in the code and decoded."""
    more_sources: tuple[Source, ...] = ()
    """Further sources of the same record (a request carrying timezone and locale)."""
    effects: tuple[Effect, ...] = ()
    """Branches the comparison decides."""
    outcomes_pick_language: bool = False
    """Every branch it decides only picks a language tag or text direction
    (``isZh ? "zh-CN" : "en"``)."""
    outcomes_pick_catalog: bool = False
    """Every branch it decides chooses between two lists of sentences (translated texts)."""
    outcomes_pick_translation: bool = False
    """Every branch it decides yields an entry of a table of translations keyed by language tag
    (``CATALOGS["zh-TW"]``), whose entries hold the same messages: only the texts' language
    changes."""
    outcomes_mark_text: bool = False
    """A branch it decides picks between texts that look alike (``x ? NNBSP : " "``): its outcome
    is written covertly into text the program produces."""
    outcomes_arrange_tested: bool = False
    """A membership test whose every branch only yields the tested collection itself, or it
    with the tested value added (``zones.includes(tz) ? zones : [tz, ...zones]``): how a list
    of those values is shown (a world clock marking the user's own zone), not a region rule."""
    condition_literals: tuple[str, ...] = ()
    """Non-ASCII string literals in the tests it takes part in (``ch === "Ω"`` beside a Greek
    locale test: a keyboard or script accommodation)."""
    catalog: bool = False
    """The constants are the keys of a table of content (translations by locale)."""
    local_path: bool = False
    """The value only names a local file or socket path (identifies no one)."""
    target: str = ""
    """Where the value goes, one line, shortened: the request an identifier is ``sent`` in, the
    text an ``invisible`` encoding is written into, the answer test of a ``remote-decision``."""
    through: tuple[str, ...] = ()
    """Functions between the record and its ``target``."""
    detail: str = ""
    """A name the message quotes: the invisible alphabet of an ``invisible``."""
    name_hidden: bool = False
    """Even the name the source is read by (an environment variable) is hidden in the code."""


@dataclass(frozen=True, slots=True)
class Sink:
    """Where a value goes: text the program produces, a request, a file, a process…"""

    kind: str
    """``text`` (a template, concatenation, join/format call, a message or header table),
    ``prompt`` (model prompt text), ``request`` (a network request or socket), ``file``,
    ``process`` (a command line), ``exit``, ``code`` (dynamic code)."""
    evidence: Evidence
    """The sink expression: its location and its source on one line (``text``)."""
    parts: tuple[str, ...] = ()
    """For a request: what its payload is built from."""


@dataclass(frozen=True, slots=True)
class FieldTest:
    """What a named outcome holds (``{known: host === r}``): read back where a choice uses it."""

    name: str
    source: str
    """The label of the source tested."""
    contains: bool
    """Membership (``includes``) rather than equality."""
    values: tuple[str, ...] = ()
    """The constants tested against, as written."""
    hidden: int = 0
    """When the constants are a hidden (decoded) list: its number of entries."""


@dataclass(frozen=True, slots=True)
class Choice:
    """A condition choosing between values written into text, or an edit of that text.

    ``kind``: ``variants`` (literals picked by a condition), ``separator`` (a date/number
    separator swapped), ``decoration`` (characters added to the text under a condition),
    ``substitution`` (characters of the text replaced), ``encoding`` (data spelled in invisible
    characters). Whether the characters are look-alikes at all is the policy's call
    (:func:`agentxray.analyze.behaviour.watermark.lookalikes`), which front-ends also ask while
    they search.
    """

    kind: str
    evidence: Evidence
    """The chooser (a conditional, a function returning the variants, an indexed list, a
    ``replace`` call); ``evidence.condition`` is when it runs."""
    variants: tuple[str, ...] = ()
    """``variants``: the values; ``separator``: ``(old, new)``; ``decoration``: ``("", added)``;
    ``substitution``: the originals, then their replacements; ``encoding``: the alphabet's name."""
    whens: tuple[str, ...] = ()
    """For ``variants``: the condition selecting each value, in source form (empty: unknown)."""
    test: str = ""
    """The deciding test in source form, shortened."""
    chars: tuple[str, ...] = ()
    """The invisible or look-alike characters an edit writes."""
    detail: str = ""
    """What an edit works on, in source form: the replaced pattern, the encoding expression."""
    alphabet: bool = False
    """An ``encoding`` through an alphabet of invisible characters indexed by data (rather than
    code points shifted into an invisible block)."""
    sources: tuple[Source, ...] = ()
    """Environment sources compared in the conditions deciding the choice."""
    encodes: tuple[Source, ...] = ()
    """Sources whose values an ``encoding`` spells."""
    remote: str = ""
    """The choice is switched by a server's answer: the field (``f.fmt_v2``), or ``"answer"``."""
    bits: bool = False
    """Bits of data pick the variant (``bits[i] ? "\u2019" : "\u02bc"``): each choice spells one
    bit into the text."""
    sinks: tuple[Sink, ...] = ()
    """Where the chosen value is written (empty: the front-end followed it nowhere)."""
    returned: bool = False
    """The chosen value is returned to callers."""
    normalises_source: bool = False
    """The separator is swapped in the very value the condition tests (a read value normalised)."""
    fields: tuple[FieldTest, ...] = ()
    """Named outcomes the deciding conditions read."""
    key: int = 0
    """Identity of the chooser within the file."""
    languages: tuple[str, ...] = ()
    """The constants a ``locale`` source is compared with in the deciding conditions (``fr``
    for ``lang === "fr"``): whether the chosen glyphs are that language's own typography."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """A value hidden in the code and recovered by evaluating its decoder over literal input."""

    values: tuple[str, ...]
    """The decoded strings (a decoded list or table gives one entry per element)."""
    steps: tuple[str, ...]
    """How it was hidden, in the order the decoding applies them (``base64``, ``XOR``,
    ``zlib``…)."""
    evidence: Evidence
    """The decoding expression; ``evidence.condition`` is when the decoded value is used."""
    decoder: str = ""
    """The decoder function (``function dec()``), when a named function decodes it."""
    group: str = ""
    """Values of one decoder (or one expression) form one finding: the group's key."""
    anchor: Evidence | None = None
    """Where the group is reported and how it is shown (the decoder's definition with its first
    uses); default: ``evidence``."""
    evaluator: str = "isolate"
    """``isolate`` (run in the capability-free V8 isolate), ``evaluator`` (interpreted by the
    pure evaluator, never run) or ``deobfuscation`` (recovered while the file was deobfuscated;
    ``steps`` names what hid it: ``string array`` or ``decoder function``)."""
    compared: bool = False
    """The decoded values are compared with an environment source (they decide behaviour)."""
    through: tuple[str, ...] = ()
    """The program's own functions the decoding went through (``decoder f()``)."""
