"""The terminal report shows the summary, the evidence and the activation condition."""

from __future__ import annotations

import dataclasses

import pytest

from agentxray.model import Finding, Location, Notice, Report
from agentxray.render.terminal import PIPE_WIDTH, render_terminal_text, terminal_console


def test_summary_and_evidence_are_shown(sample_report: Report) -> None:
    text = render_terminal_text(sample_report, width=120)
    assert "agentxray scan npm:@anthropic-ai/claude-code@2.1.197" in text
    assert "2.1.197 (linux-x64)" in text
    summary = text[text.index("Summary") : text.index("╭")]
    for category in ("geofence", "obfuscated-data", "watermark", "endpoint", "command-exec"):
        assert category in summary
    assert "Active when: ANTHROPIC_BASE_URL is set to a host other than api.anthropic.com" in text
    assert "Compared with: Asia/Shanghai, Asia/Urumqi" in text
    assert "147 hidden values: host0.example.cn" in text and "(+135 more)" in text
    assert "claude!/$bunfs/root/src/entrypoints/cli.js:4211:17" in text
    assert 'if (tz === "Asia/Shanghai"' in text


def test_confusables_are_named_by_code_point(sample_report: Report) -> None:
    text = render_terminal_text(sample_report, width=120)
    assert "’ U+2019" in text and "ʼ U+02BC" in text and "ʹ U+02B9" in text
    assert "U+200B" in text  # invisible: shown by code point only


def test_critical_before_info_and_notices_listed(sample_report: Report) -> None:
    text = render_terminal_text(sample_report, width=120)
    assert text.index("Timezone compared") < text.index("api.anthropic.com")
    assert "parse-error" in text and "Notices" in text


def test_color_output_has_ansi_codes(sample_report: Report) -> None:
    assert "\x1b[" in render_terminal_text(sample_report, color=True)
    assert "\x1b[" not in render_terminal_text(sample_report, color=False)


def test_empty_report_says_what_was_analysed(empty_report: Report) -> None:
    text = render_terminal_text(empty_report)
    assert "Analysed: JavaScript 1 file, 3 B" in text
    assert "No findings in the 1 file analysed (3 B)." in text


def test_activation_condition_is_said_once(sample_report: Report) -> None:
    # The detectors end their messages with "Active only when X."; the panel shows X on its own
    # "Active when:" line, so the sentence is dropped from the message text there.
    geo = next(f for f in sample_report.findings if f.category == "geofence")
    assert geo.condition
    msg = geo.message.rstrip(".") + f". Active {geo.condition}."
    report = dataclasses.replace(sample_report, findings=(dataclasses.replace(geo, message=msg),))
    text = " ".join(render_terminal_text(report, width=200).split())
    assert text.count("ANTHROPIC_BASE_URL is set to a host other than api.anthropic.com") == 1
    assert "Active when: ANTHROPIC_BASE_URL" in text


def test_rule_values_are_not_called_comparisons(empty_report: Report) -> None:
    rule = Finding(
        id="AXR-RC-001-x",
        rule="AXR-RC-001",
        category="remote-control",
        severity="medium",
        title="Feature-flag or remote-configuration service",
        location=Location("a.js", 1, 1),
        message="Fetches feature flags from: https://cdn.growthbook.io [feature-flags].",
        values=("https://cdn.growthbook.io [feature-flags]",),
    )
    other = dataclasses.replace(rule, id="y", message="Emits events.", values=("e.logEvent(x)",))
    findings = (rule, other)
    text = render_terminal_text(dataclasses.replace(empty_report, findings=findings), width=200)
    assert "Compared with" not in text
    assert text.count("https://cdn.growthbook.io") == 1  # only in the message
    assert "Evidence: e.logEvent(x)" in text


def test_launcher_notice_is_shown_under_the_header(empty_report: Report) -> None:
    notice = Notice(
        "launcher",
        "launcher: this file downloads a platform-specific program at install or run time",
        path="crush-0.96.1.tgz!package/lib.js",
    )
    text = render_terminal_text(dataclasses.replace(empty_report, notices=(notice,)), width=200)
    head = text[: text.index("No findings")]
    assert "⚠ launcher: this file downloads" in head and "package/lib.js" in head


def test_redirected_output_is_100_columns_unless_columns_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: False)
    assert terminal_console().width == PIPE_WIDTH == 100
    monkeypatch.setenv("COLUMNS", "132")
    assert terminal_console().width == 132
