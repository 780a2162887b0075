"""The Python geofence/fingerprint/obfuscated-data/watermark detectors on hand-written fixtures."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]
FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*([\w-]+)")


def expected(path: Path) -> set[tuple[str, int]]:
    """``# expect: RULE`` annotations: the finding is on the next line."""
    out = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = EXPECT.search(line)
        if m:
            out.add((m.group(1), number + 1))
    return out


POSITIVE = sorted((FIXTURES / "positive").glob("*.py"))
BENIGN = sorted((FIXTURES / "benign").glob("*.py"))


@pytest.mark.parametrize("path", POSITIVE + BENIGN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_findings_match_annotations(path: Path, run_py: RunDetectors) -> None:
    findings, notices = run_py(path.read_bytes(), path.name)
    got = {(f.rule, f.location.line) for f in findings}
    assert got == expected(path), [(f.rule, f.location.line, f.title) for f in findings]
    assert not notices


def test_benign_fixtures_have_no_annotations() -> None:
    # A benign fixture that expected a finding would not be benign.
    assert all(not expected(p) for p in BENIGN)
    assert BENIGN and POSITIVE


def _by_rule(findings: list[Finding]) -> dict[str, Finding]:
    return {f.rule: f for f in findings}


def test_hidden_list_is_decoded_and_feeds_the_fingerprint(run_py: RunDetectors) -> None:
    path = FIXTURES / "positive" / "fingerprint_hidden_list.py"
    findings, _ = run_py(path.read_bytes())
    by_rule = _by_rule(findings)
    hidden = by_rule["py-obfuscated-data"]
    assert hidden.decoded == ("blocked.example", "other.test", "partner.example")
    assert hidden.severity == "critical"
    assert "base64 + XOR" in hidden.title
    fp = by_rule["py-fingerprint"]
    assert fp.severity == "critical"
    assert set(fp.decoded) == {"blocked.example", "other.test", "partner.example"}
    assert fp.signals == ("endpoint", "env:EXAMPLE_BASE_URL")
    assert fp.condition == "only when the host of EXAMPLE_BASE_URL is set"
    assert "api_host()" in fp.message
    assert fp.location.column == 16  # `host == d` inside any(...)


def test_geofence_names_region_and_helper(run_py: RunDetectors) -> None:
    path = FIXTURES / "positive" / "geofence_timezone_helper.py"
    (finding,), _ = run_py(path.read_bytes())
    assert finding.category == "geofence" and finding.severity == "critical"
    assert finding.values == ("Asia/Shanghai", "Asia/Urumqi")
    assert "China" in finding.title
    assert "zone()" in finding.message
    assert "def pick_endpoint():" in finding.snippet
    assert finding.signals == ("timezone", "tzlocal.get_localzone_name()")


def test_offset_uses_seconds_west(run_py: RunDetectors) -> None:
    path = FIXTURES / "positive" / "geofence_offset.py"
    (finding,), _ = run_py(path.read_bytes())
    assert finding.values == ("-28800",)
    assert "UTC+08:00" in finding.title


def test_seconds_east_offset_is_the_other_sign(run_py: RunDetectors) -> None:
    src = b"import time\n\ndef f():\n    return time.localtime().tm_gmtoff == 28800\n"
    (finding,), _ = run_py(src)
    assert "UTC+08:00" in finding.title


def test_each_hidden_value_is_decoded(run_py: RunDetectors) -> None:
    path = FIXTURES / "positive" / "obfuscated_variants.py"
    findings, _ = run_py(path.read_bytes())
    decoded = {f.location.line: f.decoded for f in findings}
    assert decoded == {
        8: ("secret.example",),
        10: ("hidden",),
        12: ("example.ex",),
        14: ("secret.example",),
        16: ("api.example.com",),
    }


def test_watermark_names_the_apostrophes_and_signal(run_py: RunDetectors) -> None:
    path = FIXTURES / "positive" / "watermark_apostrophe.py"
    findings, _ = run_py(path.read_bytes())
    mark = _by_rule(findings)["py-watermark"]
    assert mark.severity == "critical"
    assert set(mark.values) == {"U+2019 ’", "U+0027 '"}
    assert mark.signals == ("hostname",)


def test_python_files_go_to_the_behaviour_detector() -> None:
    from agentxray.analyze.registry import DETECTORS

    names = {d.name: d for d in DETECTORS}
    assert "python" in names["behaviour"].kinds


CONDITION = "only when ANTHROPIC_BASE_URL is set to a host other than api.anthropic.com"


def test_claude_code_pattern_all_four_critical_with_activation(run_py: RunDetectors) -> None:
    path = FIXTURES / "positive" / "claude_like_date_prompt.py"
    findings, _ = run_py(path.read_bytes())
    by_rule = _by_rule(findings)
    assert {f.severity for f in findings} == {"critical"}
    assert {f.condition for f in findings} == {CONDITION}
    hidden = by_rule["py-obfuscated-data"]
    assert hidden.decoded == ("moonshot.ai", "aliyuncs.com", "88code.ai", "deepseek", "minimax")
    fp = by_rule["py-fingerprint"]
    assert "two hidden lists (3 + 2 entries)" in fp.title
    assert "_api_host()" in fp.message
    assert by_rule["py-geofence"].values == ("Asia/Shanghai", "Asia/Urumqi")
    mark = by_rule["py-watermark"]
    assert set(mark.values) == {
        "U+0027 '",
        "U+2019 ’",
        "U+02BC ʼ",
        "U+02B9 ʹ",
        "separator '-' → '/'",
    }
    assert set(mark.signals) == {"timezone", "host of env:ANTHROPIC_BASE_URL"}


HOSTILE = {
    "decompression bomb": "import zlib, base64\nX = zlib.decompress(base64.b64decode({bomb!r}))\n",
    "huge repeat": 'X = "ab" * 1000000000\nY = [1] * 100000000\n',
    "endless recursion": "def f(s):\n    return f(s + s)\n\n\nX = f('ab')\n",
    "long decoder loop": (
        "def f(s):\n    out = []\n    for i in range(100000000):\n"
        "        out.append(chr(i % 90 + 32))\n    return ''.join(out)\n\n\nX = f('x')\n"
    ),
    "nesting beyond the parser": "X = " + " + ".join(['"a"'] * 20000) + "\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_bounded(name: str, run_py: RunDetectors) -> None:
    import base64
    import time
    import zlib

    bomb = base64.b64encode(zlib.compress(b"\0" * (64 * 1024 * 1024), 9)).decode()
    src = HOSTILE[name].format(bomb=bomb) if "{bomb" in HOSTILE[name] else HOSTILE[name]
    started = time.monotonic()
    findings, notices = run_py(src.encode())
    assert time.monotonic() - started < 5
    assert findings == []
    assert notices == []  # unparsable nesting is the Python rules detector's notice


def test_hidden_env_name_is_decoded_and_named(run_py: RunDetectors) -> None:
    path = FIXTURES / "positive" / "fingerprint_hidden_env_name.py"
    findings, _ = run_py(path.read_bytes())
    fp = _by_rule(findings)["py-fingerprint"]
    assert fp.signals == ("endpoint", "env:OPENAI_BASE_URL")
    assert fp.decoded == ("api.deepseek.com", "api.moonshot.cn")
    assert "Even the name OPENAI_BASE_URL is hidden" in fp.message
    hidden = {f.location.line: f for f in findings if f.rule == "py-obfuscated-data"}
    assert hidden[9].decoded == ("OPENAI_BASE_URL",)
    assert {f.severity for f in hidden.values()} == {"critical"}
