"""Facts: the one vocabulary that static extractors and live observers both produce for the rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from agentxray.model.finding import Location

FactKind = Literal[
    "string",
    "url",
    "call",
    "member",
    "property",
    "import",
    "env_read",
    "file_read",
    "network_request",
    "exec",
    "comparison",
]
FACT_KINDS: tuple[FactKind, ...] = get_args(FactKind)


@dataclass(frozen=True, slots=True)
class Fact:
    """One observable thing about a program, where it is and what it holds.

    ``value`` by kind: ``string`` the literal's text; ``url`` the URL; ``call`` the dotted callee
    (``child_process.spawn``, ``fetch``, ``new Function``); ``member`` a dotted member read
    (``process.execPath``); ``property`` an object key or keyword argument; ``import`` the module
    name; ``env_read`` the variable name (``*`` for the whole environment); ``file_read`` the path
    expression; ``network_request`` the callee or request line; ``exec`` the command line;
    ``comparison`` the literal compared with.
    """

    kind: FactKind
    """What sort of fact this is."""
    value: str
    """The main value (see the class docstring)."""
    location: Location
    """Where it is (for live facts: the recording it came from)."""
    detail: str = ""
    """Secondary value: a URL's host, a call's first argument, a property's value text…"""
    scope: str = ""
    """Key of the enclosing function (``""``: top level of the file); for live facts the process
    (``pid:42``), so a rule's ``function`` scope means "in the same process" there."""
    span: tuple[int, int] | None = None
    """Byte range of the whole construct (a call with its arguments), for containment tests;
    ``None`` for live facts, where containment falls back to the same scope."""
