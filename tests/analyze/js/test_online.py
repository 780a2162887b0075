"""The behaviour detector on real Claude Code releases, acquired and unpacked by agentxray itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentxray.analyze.behaviour.detector import BehaviourDetector
from agentxray.analyze.interface import SourceUnit
from agentxray.model import Finding, Tree
from agentxray.unpack import unpack

pytestmark = pytest.mark.online

FOUR = {"geofence", "fingerprint", "obfuscated-data", "watermark"}
APOSTROPHES = {"U+0027 '", "U+2019 ’", "U+02BC ʼ", "U+02B9 ʹ"}
CONDITION = "only when ANTHROPIC_BASE_URL is set to a host other than api.anthropic.com"


def _scan(tree: Tree) -> list[Finding]:
    findings: list[Finding] = []
    for entry in tree.files:
        path = tree.path_of(entry)
        if entry.kind != "javascript" or path is None:
            continue
        unit = SourceUnit(entry, path.read_bytes())
        findings.extend(f for f in BehaviourDetector().run(unit) if isinstance(f, Finding))
    return findings


@pytest.fixture(scope="module")
def scanned(real_artifact, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    memo: dict[tuple[str, str | None], list[Finding]] = {}

    def get(spec: str, platform: str | None = None) -> list[Finding]:
        if (spec, platform) not in memo:
            out: Path = tmp_path_factory.mktemp("tree")
            memo[(spec, platform)] = _scan(unpack(real_artifact(spec, platform=platform), out))
        return memo[(spec, platform)]

    return get


@pytest.mark.parametrize(
    ("spec", "platform", "module"),
    [
        (
            "npm:@anthropic-ai/claude-code@2.1.197",
            "linux-x64",
            "/$bunfs/root/src/entrypoints/cli.js",
        ),
        ("npm:@anthropic-ai/claude-code@2.1.91", None, "package/cli.js"),
    ],
)
def test_claude_code_date_prompt_geofence(
    scanned, spec: str, platform: str | None, module: str
) -> None:  # type: ignore[no-untyped-def]
    findings = [f for f in scanned(spec, platform) if f.category in FOUR]
    by_cat = {f.category: f for f in findings}
    assert set(by_cat) == FOUR, [(f.category, f.title) for f in findings]
    assert all(f.severity == "critical" for f in findings)
    assert all(f.location.artifact.endswith(module) for f in findings)
    assert all(f.condition == CONDITION for f in findings)
    # All four sit in the code that builds "Today's date is …" (within a few hundred bytes).
    offsets = [f.location.offset or 0 for f in findings]
    assert max(offsets) - min(offsets) < 2_000

    geo = by_cat["geofence"]
    assert set(geo.values) == {"Asia/Shanghai", "Asia/Urumqi"} and "China" in geo.title
    assert "timezone" in geo.signals

    fp = by_cat["fingerprint"]
    assert "env:ANTHROPIC_BASE_URL" in fp.signals
    assert {"moonshot.ai", "aliyuncs.com", "88code.ai", "deepseek", "minimax"} <= set(fp.decoded)

    hidden = by_cat["obfuscated-data"]
    assert len(hidden.decoded) == 147 + 11
    assert {"moonshot.ai", "aliyuncs.com", "88code.ai", "deepseek", "minimax"} <= set(
        hidden.decoded
    )
    assert "XOR" in hidden.title

    mark = by_cat["watermark"]
    assert set(mark.values) >= APOSTROPHES
    assert "separator '-' → '/'" in mark.values
    assert "Today" in mark.snippet
    # The message says what each field behind the choice tests.
    assert "hidden list (147 entries)" in mark.message
    assert "hidden list (11 entries)" in mark.message
    assert "timezone is Asia/Shanghai or Asia/Urumqi" in mark.message


def test_claude_code_2_1_90_has_none_of_the_four(scanned) -> None:  # type: ignore[no-untyped-def]
    found = [(f.category, f.title) for f in scanned("npm:@anthropic-ai/claude-code@2.1.90")]
    assert [x for x in found if x[0] in FOUR] == []


def test_claude_code_2_1_332_has_no_geofence_or_watermark(scanned) -> None:  # type: ignore[no-untyped-def]
    found = scanned("npm:@anthropic-ai/claude-code@2.1.332", "linux-x64")
    assert [(f.category, f.title) for f in found if f.category in ("geofence", "watermark")] == []
