"""Rule schema, loader, engine semantics, generated docs and the ``rules`` CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentxray.cli.main import main
from agentxray.errors import ConfigError
from agentxray.model import Fact, Location
from agentxray.rules.docs import index_page, rule_page
from agentxray.rules.engine import Engine
from agentxray.rules.loader import load_rules, parse_rule

ROOT = Path(__file__).resolve().parents[2]
RULE = """
id: AXR-TEL-999
category: telemetry
severity: low
title: T
message: "m {values}"
languages: [javascript]
scope: function
match:
  flow:
    source: {fact: env_read, equals: "*"}
    sink: {fact: network_request}
    inside: true
doc: {what: wwwwwwwwww, why: yyyyyyyyyy, example: eeeeeeeeee, instead: iiiiiiiiii}
"""


def fact(
    kind: str, value: str, line: int, scope: str = "f", span: tuple[int, int] = (0, 1)
) -> Fact:
    return Fact(kind, value, Location("a.js", line, 1, span[0]), "", scope, span)  # type: ignore[arg-type]


def test_schema_refuses_unknown_keys_and_bad_ids() -> None:
    with pytest.raises(ConfigError, match=r"x\.yml"):
        parse_rule(RULE + "colour: red\n", "x.yml")
    with pytest.raises(ConfigError, match="id"):
        parse_rule(RULE.replace("AXR-TEL-999", "telemetry-1"), "x.yml")
    with pytest.raises(ConfigError):
        parse_rule(RULE.replace('equals: "*"', 'equals: "*", regex: "x"'), "x.yml")


def test_flow_inside_needs_the_source_within_the_sink() -> None:
    engine = Engine([parse_rule(RULE, "x.yml")])
    inside = [
        fact("network_request", "fetch", 3, span=(10, 50)),
        fact("env_read", "*", 3, span=(20, 30)),
    ]
    outside = [
        fact("network_request", "fetch", 3, span=(10, 50)),
        fact("env_read", "*", 4, span=(60, 70)),
    ]
    other_fn = [
        fact("network_request", "fetch", 3, "f", (10, 50)),
        fact("env_read", "*", 3, "g", (20, 30)),
    ]
    matches = engine.run(inside)
    assert [(m.rule.id, m.primary.kind, m.primary.location.line) for m in matches] == [
        ("AXR-TEL-999", "network_request", 3)
    ]
    assert engine.run(outside) == []
    assert engine.run(other_fn) == []


def test_not_and_each_grouping() -> None:
    rule = parse_rule(
        RULE.replace(
            """  flow:
    source: {fact: env_read, equals: "*"}
    sink: {fact: network_request}
    inside: true""",
            """  all:
    - {fact: url}
    - not: {fact: import, equals: telemetry-optout}""",
        ).replace("scope: function", "scope: file\nreport: each"),
        "x.yml",
    )
    engine = Engine([rule])
    facts = [fact("url", "https://a.example.dev/x", 2), fact("url", "https://b.example.dev/", 5)]
    assert [m.key for m in engine.run(facts)] == [
        "https://a.example.dev/x",
        "https://b.example.dev/",
    ]
    assert engine.run([*facts, fact("import", "telemetry-optout", 1)]) == []


def test_ignored_urls_are_not_endpoints() -> None:
    engine = Engine(load_rules(third_party=False).for_language("javascript"))
    facts = [fact("url", "http://www.w3.org/2000/svg", 1), fact("url", "https://x.example.com/", 2)]
    assert engine.run(facts) == []


def test_generated_docs_are_committed_and_current() -> None:
    ruleset = load_rules(third_party=False)
    docs = ROOT / "docs" / "rules"
    assert (docs / "index.md").read_text(encoding="utf-8") == index_page(ruleset)
    for lr in ruleset.loaded:
        assert (docs / f"{lr.rule.id}.md").read_text(encoding="utf-8") == rule_page(lr), (
            f"docs/rules/{lr.rule.id}.md is stale: run `agentxray rules docs`"
        )


def test_cli_list_show_lint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "list", "--category", "exfiltration"]) == 0
    out = capsys.readouterr().out
    assert "AXR-EXF-001" in out and "AXR-TEL-001" not in out
    assert main(["rules", "show", "AXR-END-001"]) == 0
    assert "## Why is this bad?" in capsys.readouterr().out
    assert main(["rules", "show", "AXR-NOPE-001"]) == 2
    assert main(["rules", "lint", "--fixtures", str(ROOT / "tests/rules/fixtures")]) == 0


def test_cli_lint_fails_on_a_rule_without_fixtures(tmp_path: Path) -> None:
    pack = tmp_path / "pack" / "telemetry"
    pack.mkdir(parents=True)
    (pack / "AXR-TEL-999.yml").write_text(RULE, encoding="utf-8")
    empty = tmp_path / "fixtures"
    empty.mkdir()
    assert main(["rules", "--pack", str(tmp_path / "pack"), "lint", "--fixtures", str(empty)]) == 1


def test_one_rule_for_static_and_live_facts() -> None:
    """Live facts (no lines, no spans, scope = one process) match the same exfiltration rule."""
    from agentxray.rules.report import to_finding

    rules = load_rules(third_party=False)
    engine = Engine([r for r in rules.rules if r.id == "AXR-EXF-001"])
    run = Location("observe:run-1")
    live = [
        Fact("env_read", "*", run, scope="pid:42"),
        Fact("network_request", "POST https://collector.acme-corp.dev/env", run, scope="pid:42"),
    ]
    other_process = [
        live[0],
        Fact("network_request", "POST https://x.acme-corp.dev/", run, scope="pid:7"),
    ]
    [match] = engine.run(live)
    finding = to_finding(engine, match, "observe:run-1")
    assert (finding.rule, finding.category, finding.location.artifact) == (
        "AXR-EXF-001",
        "exfiltration",
        "observe:run-1",
    )
    assert finding.values == ("POST https://collector.acme-corp.dev/env", "the whole environment")
    assert engine.run(other_process) == []


def test_cli_rules_test_passes_on_the_fixtures_and_fails_on_a_wrong_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "test", str(ROOT / "tests/rules/fixtures")]) == 0
    assert "0 failed" in capsys.readouterr().out
    (tmp_path / "AXR-END-001.js").write_text(
        '// ruleid: AXR-END-001\nconst a = 1;\n// ok: AXR-END-001\nconst b = "https://api.acme-corp.dev/";\n',
        encoding="utf-8",
    )
    assert main(["rules", "test", str(tmp_path)]) == 1
    assert "missed lines [2], unexpected lines [4]" in capsys.readouterr().out


def test_cli_reports_an_invalid_pack_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "pack" / "telemetry"
    bad.mkdir(parents=True)
    (bad / "AXR-TEL-901.yml").write_text(RULE.replace("AXR-TEL-999", "AXR-TEL-901") + "x: 1\n")
    assert main(["rules", "--pack", str(tmp_path / "pack"), "list"]) == 2
    err = capsys.readouterr().err
    assert "AXR-TEL-901.yml is invalid at x" in err and err.count("\n") == 1


def test_reaches_sees_only_carried_copies_and_the_source_is_judged_per_sink() -> None:
    from agentxray.rules.engine import FLOW

    rule = parse_rule(
        RULE.replace(
            """    source: {fact: env_read, equals: "*"}""",
            """    source:
      all:
        - {fact: env_read, equals: "*", reaches: [payload]}
        - not: {fact: url, purpose: [model-api], reaches: [destination]}""",
        ),
        "x.yml",
    )
    engine = Engine([rule])

    def carried(kind: str, value: str, role: str, span: tuple[int, int]) -> Fact:
        return Fact(kind, value, Location("a.js", 1, 1, 0), FLOW + role, "f", span)  # type: ignore[arg-type]

    to_vendor = fact("network_request", "fetch", 3, span=(10, 50))
    to_model = fact("network_request", "fetch", 5, span=(60, 90))
    facts = [
        to_vendor,
        to_model,
        carried("env_read", "*", "payload", (10, 50)),
        carried("env_read", "*", "payload", (60, 90)),
        carried("url", "https://api.anthropic.com/v1/messages", "destination", (60, 90)),
    ]
    [match] = engine.run(facts)
    assert match.primary is to_vendor
    # A copy carried in another role, or the fact where it occurs, does not satisfy `reaches`.
    assert engine.run([to_vendor, carried("env_read", "*", "header", (10, 50))]) == []
    assert engine.run([to_vendor, fact("env_read", "*", 3, span=(20, 30))]) == []
    # A pattern without `reaches` never sees the copies.
    plain = Engine([parse_rule(RULE, "x.yml")])
    assert plain.run([to_vendor, carried("env_read", "*", "payload", (10, 50))]) == []


def test_function_scoped_rules_are_judged_only_where_their_evidence_can_be() -> None:
    # Scopes without a fact of the rule's evidence kinds are skipped (a bundle has thousands):
    # the matches, and their order, are those of judging every scope; a `not` gives no evidence.
    rule = parse_rule(
        RULE.replace(
            """  flow:
    source: {fact: env_read, equals: "*"}
    sink: {fact: network_request}
    inside: true""",
            """  any:
    - all:
      - {fact: env_read, equals: "*"}
      - not: {fact: import, equals: dotenv}
    - {fact: url}""",
        ),
        "x.yml",
    )
    engine = Engine([rule])
    facts = [
        fact("import", "dotenv", 1, scope="a"),
        fact("env_read", "*", 2, scope="a"),
        fact("import", "dotenv", 3, scope="b"),
        fact("env_read", "*", 4, scope="c"),
        fact("url", "https://x.example.dev/", 5, scope="d"),
        fact("call", "fetch", 6, scope="e"),
    ]
    everywhere = [m for s in "abcde" for m in engine._report(rule, _by_kind(facts, s))]
    found = engine.run(facts)
    assert found == everywhere
    assert [m.primary.location.line for m in found] == [4, 5]


def _by_kind(facts: list[Fact], scope: str) -> dict[str, list[Fact]]:
    out: dict[str, list[Fact]] = {}
    for f in facts:
        if f.scope == scope:
            out.setdefault(f.kind, []).append(f)
    return out
