"""The HTML report: self-contained, escaped, and working in a real browser (Debian chromium)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentxray.model import Report
from agentxray.render.html import render_html

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def test_document_has_no_external_references(sample_report: Report) -> None:
    html = render_html(sample_report)
    assert not re.search(r"""(?:src|href|action)\s*=""", html)
    assert "@import" not in html and "url(" not in html


def test_finding_text_is_escaped(sample_report: Report) -> None:
    html = render_html(sample_report)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.fail("Debian chromium is required for the HTML tests (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _open(browser: Any, html: str, tmp_path: Path) -> tuple[Any, list[str]]:
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    assert errors == []
    return page, requests


def test_findings_render_and_expand(browser: Any, sample_report: Report, tmp_path: Path) -> None:
    page, requests = _open(browser, render_html(sample_report), tmp_path)
    findings = page.locator("details.finding")
    assert findings.count() == 5
    first = findings.nth(0)
    assert first.get_attribute("data-id") == "geofence:5f3a9c"
    assert not page.get_by_text("ANTHROPIC_BASE_URL is set").is_visible()
    first.locator("summary").click()
    assert page.get_by_text("ANTHROPIC_BASE_URL is set to a host other than").is_visible()
    assert "Asia/Shanghai" in first.locator("pre.code").inner_text()
    assert page.locator("#shown").inner_text() == "5 of 5 findings shown"
    assert requests == [(tmp_path / "report.html").as_uri()]
    page.close()


def test_filters_hide_and_show(browser: Any, sample_report: Report, tmp_path: Path) -> None:
    page, requests = _open(browser, render_html(sample_report), tmp_path)

    def visible_ids() -> list[str]:
        return [
            el.get_attribute("data-id")
            for el in page.locator("details.finding").all()
            if el.is_visible()
        ]

    page.locator("input[name=severity][value=info]").uncheck()
    assert visible_ids() == ["geofence:5f3a9c", "obfuscated:77aa01", "watermark:0c0c0c"]
    page.locator("input[name=category][value=geofence]").uncheck()
    assert visible_ids() == ["obfuscated:77aa01", "watermark:0c0c0c"]
    assert page.locator("#shown").inner_text() == "2 of 5 findings shown"
    page.locator("input[name=severity][value=info]").check()
    assert visible_ids() == [
        "obfuscated:77aa01",
        "watermark:0c0c0c",
        "endpoint:api",
        "exec:spawn",
    ]
    assert len(requests) == 1
    page.close()


def test_empty_report_renders(browser: Any, empty_report: Report, tmp_path: Path) -> None:
    page, _ = _open(browser, render_html(empty_report), tmp_path)
    assert page.locator("#no-findings").is_visible()
    page.close()
