"""Scanning obfuscated files: every detector sees deobfuscated text, findings point at the original."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from agentxray.analyze import analyze
from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.js.deobfuscate.relocate import NOTE, prepare
from agentxray.model import (
    Artifact,
    FileEntry,
    Finding,
    Location,
    StaticResult,
    TargetSpec,
    Tree,
)

FIXTURES = Path(__file__).parent / "fixtures"
PLAIN_RULES = {"js-geofence", "js-fingerprint", "js-obfuscated-data"}


def scan(tmp_path: Path, name: str, data: bytes) -> StaticResult:
    """The registered detectors over a one-file tree."""
    (tmp_path / name).write_bytes(data)
    entry = FileEntry(
        f"pkg!/{name}", "javascript", len(data), hashlib.sha256(data).hexdigest(), name
    )
    spec = TargetSpec(raw=str(tmp_path), kind="path", name=str(tmp_path))
    tree = Tree(Artifact(spec, tmp_path, "directory", "pkg"), tmp_path, (entry,))
    return analyze(tree)


def by_rule(result: StaticResult) -> dict[str, Finding]:
    return {f.rule: f for f in result.findings}


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> StaticResult:
    path = tmp_path_factory.mktemp("plain")
    return scan(path, "agent.js", (FIXTURES / "agent.js").read_bytes())


def test_the_plain_fixture_has_the_findings(plain: StaticResult) -> None:
    assert set(by_rule(plain)) >= PLAIN_RULES
    # no obfuscator machinery: at most the file's own decoder (``reveal(PARTNERS)``) evaluated
    notices = [n for n in plain.notices if n.code.startswith("deobfusc")]
    assert all("decoder function" in n.message and "string-array" not in n.message for n in notices)


@pytest.mark.parametrize("name", ["agent.A.js", "agent.B.js", "agent.C.js"])
def test_obfuscated_copies_have_the_same_findings(
    tmp_path: Path, plain: StaticResult, name: str
) -> None:
    data = (FIXTURES / name).read_bytes()
    result = scan(tmp_path, name, data)
    found = by_rule(result)
    assert {r for r in by_rule(plain) if r.startswith("js-")} <= set(found)
    hidden = next(
        f
        for f in result.findings
        if f.rule == "js-obfuscated-data" and not f.title.startswith("Hidden data (string array)")
    )
    assert hidden.decoded == by_rule(plain)["js-obfuscated-data"].decoded
    # The string array itself is hidden data: its decoded strings, at its declaration.
    (table,) = [f for f in result.findings if f.title.startswith("Hidden data (string array)")]
    assert "Asia/Shanghai" in table.decoded and b"Asia/Shanghai" not in data
    assert table.location.offset is not None and table.location.line is not None
    assert data[table.location.offset :].startswith(b"function")
    # The hand-made decoder under the string array is evaluated as in the plain file: its
    # hosts are the decoder's hidden data, and the fingerprint compares them as plain values.
    assert set(hidden.decoded) == {"partner.example", "mirror.example.org", "relay.test"}
    assert found["js-fingerprint"].values == by_rule(plain)["js-fingerprint"].values
    geofence = found["js-geofence"]
    assert geofence.values == by_rule(plain)["js-geofence"].values
    # The location is in the original file: line 2 (after the fixture's comment), inside
    # settings(), whose obfuscated code compares the zone; the evidence is deobfuscated.
    loc = geofence.location
    assert loc.artifact == f"pkg!/{name}" and loc.line == 2 and loc.offset is not None
    assert data.index(b"function settings(") < loc.offset < data.index(b"function describe(")
    assert loc.column == loc.offset - data.index(b"\n")
    assert "'Asia/Shanghai'" in geofence.snippet and geofence.snippet.startswith("// deobfuscated")
    assert geofence.message.endswith(NOTE)
    notices = [n for n in result.notices if n.code == "deobfuscated"]
    assert len(notices) == 1 and notices[0].level == "info"
    assert re.search(r"\d+ string-array call\(s\) decoded", notices[0].message)


def test_location_maps_to_the_annotated_line(tmp_path: Path) -> None:
    data = (FIXTURES / "handwritten.js").read_bytes()
    lines = data.decode().splitlines()
    expected = next(i for i, line in enumerate(lines, 1) if "expect: js-geofence" in line) + 1
    result = scan(tmp_path, "handwritten.js", data)
    geofence = by_rule(result)["js-geofence"]
    assert geofence.location.line == expected
    assert geofence.location.offset is not None
    assert data[geofence.location.offset :].startswith(b"current")
    assert set(geofence.values) >= {"Asia/Shanghai", "Asia/Urumqi"}


def test_rule_findings_are_relocated_too(tmp_path: Path) -> None:
    data = (FIXTURES / "agent.A.js").read_bytes()
    result = scan(tmp_path, "agent.A.js", data)
    for finding in result.findings:
        for loc in (finding.location, *finding.related):
            assert loc.offset is not None and 0 <= loc.offset <= len(data)
            assert loc.line == data.count(b"\n", 0, loc.offset) + 1


def test_a_plain_file_is_handed_back_unchanged() -> None:
    # agent.js with its partner list written out (no decoder of its own left to evaluate)
    data = (FIXTURES / "agent.js").read_bytes().replace(b"reveal(PARTNERS)", b"PARTNERS.split(',')")
    entry = FileEntry("a.js", "javascript", len(data), "0" * 64)
    unit = SourceUnit(entry, data)
    prepared = prepare(unit)
    assert prepared.unit is unit and prepared.relocator is None and not prepared.notices


@pytest.mark.parametrize(
    "tail",
    [
        b"var z=" + b"(" * 3000 + b"1" + b")" * 3000 + b";",
        b"var z=" + b"+".join(b"'a'" for _ in range(20000)) + b";",
        b"var " + b"{a:" * 2000 + b"x" + b"}" * 2000 + b"=q;",
        b"}}}{{{((",
    ],
    ids=["deep-parentheses", "long-concatenation", "deep-pattern", "garbage"],
)
def test_hostile_input_never_raises(tail: bytes) -> None:
    data = (FIXTURES / "agent.A.js").read_bytes() + b"\n" + tail
    prepared = prepare(SourceUnit(FileEntry("x.js", "javascript", len(data), "0" * 64), data))
    codes = [n.code for n in prepared.notices]
    assert all(c.startswith("deobfusc") or c == "still-obfuscated" for c in codes)
    assert len(codes) == len(set(codes))


def test_failed_deobfuscation_is_a_notice_and_the_original_is_analysed(tmp_path: Path) -> None:
    # The array function is there but its decoder never returns: the isolate gives up.
    data = (
        b"function a(){var s=['x','y'];a=function(){return s;};return a();}\n"
        b"function d(i){var s=a();while(true){}return s[i];}\n"
        b"if (Intl.DateTimeFormat().resolvedOptions().timeZone === 'Asia/Shanghai') go(d(0));\n"
    )
    result = scan(tmp_path, "x.js", data)
    notices = [n for n in result.notices if n.code == "deobfuscation-failed"]
    assert len(notices) == 1 and "analysed as is" in notices[0].message
    assert by_rule(result)["js-geofence"].location == Location(
        "pkg!/x.js", 3, 5, data.index(b"Intl")
    )
