"""The parsed YAML of a rule pack is kept in the cache, keyed by the files' content: a later
load reads it without parsing, a changed file is parsed again, a damaged entry is ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentxray.errors import ConfigError
from agentxray.rules import loader
from agentxray.rules.loader import load_pack

RULE = """
id: AXR-TEL-998
category: telemetry
severity: low
title: Reads the environment and sends it
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


@pytest.fixture()
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGENTXRAY_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "pack"
    (root / "telemetry").mkdir(parents=True)
    (root / "telemetry" / "AXR-TEL-998.yml").write_text(RULE, encoding="utf-8")
    return root


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, origin: str) -> object:
        raise AssertionError(f"{origin} parsed although its parsed form was kept")

    monkeypatch.setattr(loader, "_parse", refuse)


def test_a_second_load_reads_the_kept_parse(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_pack(pack, "p")
    kept = list((pack.parent / "cache" / "rules").glob("*.json"))
    assert len(kept) == 1
    _no_yaml(monkeypatch)
    second = load_pack(pack, "p")
    assert second == first
    assert second[0].origin == "p/telemetry/AXR-TEL-998.yml"
    assert second[0].rule.id == "AXR-TEL-998"


def test_a_changed_rule_file_is_parsed_again(pack: Path) -> None:
    load_pack(pack, "p")
    path = pack / "telemetry" / "AXR-TEL-998.yml"
    path.write_text(RULE.replace("severity: low", "severity: high"), encoding="utf-8")
    assert load_pack(pack, "p")[0].rule.severity == "high"


def test_a_damaged_entry_is_ignored(pack: Path) -> None:
    load_pack(pack, "p")
    (kept,) = (pack.parent / "cache" / "rules").glob("*.json")
    kept.write_text('{"p/telemetry/AXR-TEL-998.yml": {"id": "not-an-id"}}', encoding="utf-8")
    assert load_pack(pack, "p")[0].rule.id == "AXR-TEL-998"
    kept.write_text("{not json", encoding="utf-8")
    assert load_pack(pack, "p")[0].rule.id == "AXR-TEL-998"


def test_an_invalid_pack_still_fails_and_is_not_kept(pack: Path) -> None:
    (pack / "telemetry" / "AXR-TEL-998.yml").write_text(RULE + "colour: red\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"AXR-TEL-998\.yml"):
        load_pack(pack, "p")
    assert not list((pack.parent / "cache").rglob("*.json"))


def test_yaml_that_json_cannot_give_back_is_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "rules" / "x.json"
    loader._write_parsed(path, {"a.yml": {1: "integer key"}})
    assert not path.exists()


def test_the_hosts_table_is_kept_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentxray.rules import hosts

    monkeypatch.setenv("AGENTXRAY_CACHE_DIR", str(tmp_path))
    hosts.default_hosts.cache_clear()
    try:
        first = hosts.default_hosts()
        assert len(list((tmp_path / "rules").glob("*.json"))) == 1

        def refuse(text: str, origin: str) -> object:
            raise AssertionError(f"{origin} parsed although its parsed form was kept")

        monkeypatch.setattr(hosts, "_parse_table", refuse)
        hosts.default_hosts.cache_clear()
        assert hosts.default_hosts().entries == first.entries
    finally:
        hosts.default_hosts.cache_clear()
