"""Rule packs from entry points and directories; the known-hosts table's specificity."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentxray.errors import ConfigError
from agentxray.rules import loader
from agentxray.rules.hosts import default_hosts, load_table


def _pack(root: Path, rule_id: str = "AXR-TEL-900") -> Path:
    folder = root / "telemetry"
    folder.mkdir(parents=True)
    (folder / f"{rule_id}.yml").write_text(
        f"""id: {rule_id}
category: telemetry
severity: low
title: Third-party rule
message: m
languages: [javascript]
match: {{fact: import, equals: acme-analytics}}
doc: {{what: wwwwwwwwww, why: yyyyyyyyyy, example: eeeeeeeeee, instead: iiiiiiiiii}}
""",
        encoding="utf-8",
    )
    return root


class _EntryPoint:
    name = "acme"

    def __init__(self, root: Path) -> None:
        self.root = root

    def load(self) -> object:
        return lambda: self.root


def test_entry_point_packs_are_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _pack(tmp_path / "acme")
    monkeypatch.setattr(
        loader.metadata, "entry_points", lambda group: [_EntryPoint(root)] if group else []
    )
    rules = loader.load_rules()
    lr = rules.get("AXR-TEL-900")
    assert lr is not None and lr.origin == "acme/telemetry/AXR-TEL-900.yml"
    assert rules.get("AXR-END-001") is not None


def test_duplicate_ids_across_packs_are_refused(tmp_path: Path) -> None:
    _pack(tmp_path / "p", "AXR-END-001")
    with pytest.raises(ConfigError, match="defined twice"):
        loader.load_rules(third_party=False, extra=[tmp_path / "p"])


def test_missing_pack_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        loader.load_rules(third_party=False, extra=[tmp_path / "nope"])


@pytest.mark.parametrize(
    ("url", "purpose", "name"),
    [
        ("https://http-intake.logs.us5.datadoghq.com/api/v2/logs", "telemetry", "Datadog intake"),
        (
            "https://api.anthropic.com/api/event_logging/v2/batch",
            "telemetry",
            "Anthropic event logging",
        ),
        ("https://api.anthropic.com/v1/messages", "model-api", "Anthropic API"),
        ("https://cdn.growthbook.io/api/features/k", "feature-flags", "GrowthBook CDN"),
        (
            "https://flags.acme-corp.dev/api/eval/k",
            "feature-flags",
            "GrowthBook remote evaluation path",
        ),
        ("https://o1.ingest.us.sentry.io/1", "error-reporting", "Sentry ingest"),
        ("https://telemetry.acme-corp.dev/v1/e", "telemetry", "host named for telemetry"),
    ],
)
def test_host_table_most_specific_row_wins(url: str, purpose: str, name: str) -> None:
    c = default_hosts().classify_url(url)
    assert c is not None and (c.purpose, c.name, c.ignore) == (purpose, name, False)


def test_host_table_ignores_namespaces_and_knows_nothing_of_unknown_hosts() -> None:
    table = default_hosts()
    svg = table.classify_url("http://www.w3.org/2000/svg")
    assert svg is not None and svg.ignore
    assert table.classify_url("https://unknown-host.example-agent.dev/x") is None
    assert table.classify_url("https://notdatadoghq.com/") is None


@pytest.mark.parametrize(
    "row",
    [
        "{host: a.example, purpose: gossip, name: x}",
        "{purpose: telemetry, name: x}",
        "{label: x, host: a.example, purpose: telemetry, name: x}",
        "{host: a.example, purpose: telemetry, name: x, colour: red}",
    ],
)
def test_invalid_host_table_is_a_config_error(row: str) -> None:
    with pytest.raises(ConfigError, match="hosts table"):
        load_table(f"- {row}", "t.yml")


def test_label_rows_do_not_override_known_hosts() -> None:
    table = default_hosts()
    known = table.classify_url("https://metrics.example.com/")
    assert known is not None and known.ignore
    assert table.classify_url("https://telemetry/") is None
    assert table.classify_url("https://featureflags.com/flags/x") is None


class _BrokenEntryPoint:
    name = "broken"

    def load(self) -> object:
        raise ImportError("no module named acme_rules")


def test_a_broken_plugin_fails_rules_commands_but_not_scans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentxray.analyze.interface import SourceUnit
    from agentxray.analyze.rules_detector import JsRulesDetector
    from agentxray.model import FileEntry, Finding, Notice

    clash = _pack(tmp_path / "clash", "AXR-END-001")
    points = [_BrokenEntryPoint(), _EntryPoint(clash)]
    monkeypatch.setattr(loader.metadata, "entry_points", lambda group: points)
    with pytest.raises(ConfigError, match="broken"):
        loader.load_rules()
    rules = loader.load_rules(skip_broken=True)
    assert len(rules.skipped) == 2 and rules.get("AXR-END-001") is not None
    data = b'const u = "https://api.segment.io/v1/t";'
    detector = JsRulesDetector(rules)
    first = list(detector.run(SourceUnit(FileEntry("a.js", "javascript", len(data), ""), data)))
    again = list(detector.run(SourceUnit(FileEntry("b.js", "javascript", len(data), ""), data)))
    assert [n.code for n in first if isinstance(n, Notice)] == ["rulepack-skipped"] * 2
    assert not [n for n in again if isinstance(n, Notice)]
    assert any(isinstance(f, Finding) and f.rule == "AXR-TEL-001" for f in again)


@pytest.mark.parametrize(
    "url", ["https://launchdarkly.com", "https://www.sentry.io/", "https://posthog.com"]
)
def test_vendor_home_page_is_a_website_not_the_service(url: str) -> None:
    # Pins a false positive on Gemini CLI 0.61.0: Lighthouse's third-party-web list bundled in
    # chrome-devtools-mcp names `homepage: "https://launchdarkly.com"`, which AXR-RC-001 reported
    # as a feature-flag service. The SDK endpoints (subdomains, paths) keep their purpose.
    c = default_hosts().classify_url(url)
    assert c is not None and c.purpose == "docs" and c.name.endswith("website")
    sdk = default_hosts().classify_url("https://app.launchdarkly.com/sdk/evalx/x")
    assert sdk is not None and sdk.purpose == "feature-flags"


def test_host_index_classifies_like_a_row_by_row_scan() -> None:
    # The hostile-input sweep found 2 million distinct hosts took a minute compared with every
    # row; rows are now looked up by the host's dot-suffixes, with the same answers.
    from agentxray.rules.hosts import HostTable

    class RowByRow(HostTable):
        def _candidates(self, host: str) -> list:  # type: ignore[type-arg]
            return list(self._ordered)

    table = default_hosts()
    reference = RowByRow(table.entries)
    paths = ["", "/", "/v1/logs", "/api/v2/logs", "/collect", "/api/1/envelope/"]
    paths += [e.path for e in table.entries if e.path]
    hosts = ["localhost", "example.com", "a", "x.y.z.example.org"]
    for e in table.entries:
        if e.host:
            hosts += [e.host, "www." + e.host, "a.b." + e.host, "x" + e.host]
        if e.label:
            hosts += [f"{e.label}.example.com", f"{e.label}.com"]
    for host in hosts:
        for path in paths:
            assert table.classify(host, path) == reference.classify(host, path), (host, path)
