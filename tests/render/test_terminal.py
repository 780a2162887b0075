"""The terminal report shows the summary, the evidence and the activation condition."""

from __future__ import annotations

from agentxray.model import Report
from agentxray.render.terminal import render_terminal_text


def test_summary_and_evidence_are_shown(sample_report: Report) -> None:
    text = render_terminal_text(sample_report, width=120)
    assert "agentxray scan npm:@anthropic-ai/claude-code@2.1.197" in text
    assert "2.1.197 (linux-x64)" in text
    summary = text[text.index("Summary") : text.index("╭")]
    for category in ("geofence", "obfuscated-data", "watermark", "endpoint", "command-exec"):
        assert category in summary
    assert "Active when: ANTHROPIC_BASE_URL is set to a host other than api.anthropic.com" in text
    assert "Compared with: 2 values: Asia/Shanghai, Asia/Urumqi" in text
    assert "147 hidden values: host0.example.cn" in text and "(+135 more)" in text
    assert "claude!/$bunfs/root/src/entrypoints/cli.js:4211:17" in text
    assert 'if (tz === "Asia/Shanghai"' in text


def test_confusables_are_named_by_code_point(sample_report: Report) -> None:
    text = render_terminal_text(sample_report, width=120)
    assert "’ U+2019" in text and "ʼ U+02BC" in text and "ʹ U+02B9" in text
    assert "U+200B" in text  # invisible: shown by code point only


def test_critical_before_info_and_notices_listed(sample_report: Report) -> None:
    text = render_terminal_text(sample_report, width=120)
    assert text.index("Timezone compared") < text.index("https://api.anthropic.com")
    assert "parse-error" in text and "Notices" in text


def test_color_output_has_ansi_codes(sample_report: Report) -> None:
    assert "\x1b[" in render_terminal_text(sample_report, color=True)
    assert "\x1b[" not in render_terminal_text(sample_report, color=False)


def test_empty_report_says_no_findings(empty_report: Report) -> None:
    assert "No findings." in render_terminal_text(empty_report)
